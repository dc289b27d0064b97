/*
 * ts - timestamp formats -> UTC epoch, and TZif time zones.
 *
 * Why: every event needs a UTC time, parsed per line. libc's strptime is
 * locale-dependent and slow, gmtime/localtime/mktime consult global state
 * ($TZ, a static buffer, a lock) and cannot use a zone other than the
 * process's. So the civil calendar is done here with Howard Hinnant's
 * days_from_civil / civil_from_days (exact for the proleptic Gregorian
 * calendar, integer only), month names come from a fixed English table,
 * and zones are read from the TZif files of the system's tzdata into a
 * table of transitions that each input owns.
 *
 * Invariants: the parsers read only [p, p + len), need no NUL, allocate
 * nothing and write their out-parameter only on success. Every field is
 * range-checked (month 1..12, day within its month, hour 0..23, minute
 * and second 0..59, zone offset up to 23:59). A loaded ts_zone is
 * immutable. Transition times are bounded to +-2^60 seconds and offsets to
 * +-26 hours at load, so the arithmetic on them cannot overflow; times
 * given by callers are combined with saturating arithmetic.
 *
 * Not handled: leap seconds (second 60 is refused; "right/" zones are
 * refused at load, log timestamps are POSIX times); years outside
 * 0000..9999 in the text formats; the TZif v3+ extensions beyond the
 * footer's hour range (hours up to 167 are accepted in rule times).
 *
 * Formats: nginx $time_local/$time_iso8601/$msec
 * (src/http/modules/ngx_http_log_module.c, src/core/ngx_times.c), nginx's
 * error-log prefix (src/core/ngx_log.c: "%4d/%02d/%02d %02d:%02d:%02d"),
 * gunicorn's %(t)s ("[%d/%b/%Y:%H:%M:%S %z]") and error-log time
 * ("%Y-%m-%d %H:%M:%S %z"), uwsgi's ctime-style request-log time; TZif is
 * RFC 8536, the footer a POSIX TZ string (POSIX.1-2017 section 8.3).
 */
#include "parsers/ts.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parsers/compat.h"

#define TS_ZONEINFO       "/usr/share/zoneinfo/"
#define TS_LOCALTIME      "/etc/localtime"
#define TS_TZIF_MAX_BYTES (256 * 1024) /* real files are < 10 KiB */
#define TS_TRANS_MAX      4096         /* real files have < 400 */
#define TS_TYPES_MAX      256          /* RFC 8536 */
#define TS_OFF_MAX        (26 * 3600)  /* |utoff| bound, RFC 8536: 25:59 */
#define TS_TIME_MAX       (INT64_C(1) << 60)
#define TS_NAME_MAX       256
#define TS_FOOTER_MAX     256
#define TS_DAYS_MAX       INT64_C(700000000000) /* keeps years in an int */

static const char months[12][3] = { { 'J', 'a', 'n' }, { 'F', 'e', 'b' },
	{ 'M', 'a', 'r' }, { 'A', 'p', 'r' }, { 'M', 'a', 'y' },
	{ 'J', 'u', 'n' }, { 'J', 'u', 'l' }, { 'A', 'u', 'g' },
	{ 'S', 'e', 'p' }, { 'O', 'c', 't' }, { 'N', 'o', 'v' },
	{ 'D', 'e', 'c' } };

static const char wdays[7][3] = { { 'S', 'u', 'n' }, { 'M', 'o', 'n' },
	{ 'T', 'u', 'e' }, { 'W', 'e', 'd' }, { 'T', 'h', 'u' },
	{ 'F', 'r', 'i' }, { 'S', 'a', 't' } };

/* ---- calendar --------------------------------------------------------- */

int64_t
ts_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
ts_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d)
{
	int64_t z, era, doe, yoe, doy, mp, yy;

	/* Clamped so that the year fits an int; far outside any log. */
	if (days > TS_DAYS_MAX)
		days = TS_DAYS_MAX;
	if (days < -TS_DAYS_MAX)
		days = -TS_DAYS_MAX;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned
ts_days_in_month(int y, unsigned m)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	return mdays[m - 1] + (m == 2 && is_leap(y));
}

int
ts_month(const char *p, size_t len)
{
	if (len != 3)
		return 0;
	for (int i = 0; i < 12; i++) {
		if (p[0] == months[i][0] && p[1] == months[i][1] &&
		    p[2] == months[i][2])
			return i + 1;
	}
	return 0;
}

static int
wday_index(const char *p)
{
	for (int i = 0; i < 7; i++) {
		if (p[0] == wdays[i][0] && p[1] == wdays[i][1] &&
		    p[2] == wdays[i][2])
			return i;
	}
	return -1;
}

/* ---- text helpers ------------------------------------------------------ */

/* Exactly n (<= 9) decimal digits at p -> *out; -1 on any other byte. */
static int
dig(const char *p, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * Validated civil date and time -> seconds since the epoch in the same
 * frame (UTC or local). -1 on a field out of range.
 */
static int
civil_sec(int y, int mo, int d, int h, int mi, int s, int64_t *out)
{
	if (mo < 1 || mo > 12 || d < 1 ||
	    (unsigned)d > ts_days_in_month(y, (unsigned)mo))
		return -1;
	if (h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0)
		return -1;
	*out = ts_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s;
	return 0;
}

/* "HH:MM:SS" at p (8 bytes) -> h, mi, s. */
static int
hms(const char *p, int *h, int *mi, int *s)
{
	if (p[2] != ':' || p[5] != ':')
		return -1;
	if (dig(p, 2, h) || dig(p + 3, 2, mi) || dig(p + 6, 2, s))
		return -1;
	return 0;
}

/*
 * Zone "+hhmm", "+hh:mm" or "Z" filling all of [p, p + len) -> seconds
 * east of UTC.
 */
static int
zone_off(const char *p, size_t len, int *off)
{
	int hh, mm, sign;

	if (len == 1 && (p[0] == 'Z' || p[0] == 'z')) {
		*off = 0;
		return 0;
	}
	if (len != 5 && len != 6)
		return -1;
	if (p[0] != '+' && p[0] != '-')
		return -1;
	sign = p[0] == '-' ? -1 : 1;
	if (dig(p + 1, 2, &hh))
		return -1;
	if (len == 6 && p[3] != ':')
		return -1;
	if (dig(p + len - 2, 2, &mm))
		return -1;
	if (hh > 23 || mm > 59)
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

/* ---- the text formats -------------------------------------------------- */

int
ts_parse_clf(const char *p, size_t len, int64_t *ms)
{
	int d, y, h, mi, s, mo, off;
	int64_t sec;

	/* 22/Nov/2026:14:45:49 +0000 */
	if (len != 26 || p[2] != '/' || p[6] != '/' || p[11] != ':' ||
	    p[20] != ' ')
		return -1;
	if (dig(p, 2, &d) || dig(p + 7, 4, &y) || hms(p + 12, &h, &mi, &s))
		return -1;
	if ((mo = ts_month(p + 3, 3)) == 0)
		return -1;
	if (zone_off(p + 21, 5, &off))
		return -1;
	if (civil_sec(y, mo, d, h, mi, s, &sec))
		return -1;
	*ms = (sec - off) * 1000;
	return 0;
}

/* ".ddd..." at [p, end): up to 3 digits count, the rest are read over. */
static const char *
frac_ms(const char *p, const char *end, int *ms)
{
	int v = 0, n = 0;

	if (p >= end || *p != '.')
		return p;
	p++;
	if (p >= end || *p < '0' || *p > '9')
		return NULL;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (n < 3) {
			v = v * 10 + (*p - '0');
			n++;
		}
	}
	for (; n < 3; n++)
		v *= 10;
	*ms = v;
	return p;
}

int
ts_parse_iso8601(const char *p, size_t len, int64_t *ms)
{
	const char *end = p + len, *q;
	int y, mo, d, h, mi, s, off, fr = 0;
	int64_t sec;

	/* 2026-11-22T14:45:49[.fff][ ](Z|+hh:mm|+hhmm) */
	if (len < 20 || p[4] != '-' || p[7] != '-' ||
	    (p[10] != 'T' && p[10] != 't' && p[10] != ' '))
		return -1;
	if (dig(p, 4, &y) || dig(p + 5, 2, &mo) || dig(p + 8, 2, &d) ||
	    hms(p + 11, &h, &mi, &s))
		return -1;
	if ((q = frac_ms(p + 19, end, &fr)) == NULL)
		return -1;
	if (q < end && *q == ' ')
		q++;
	if (q >= end || zone_off(q, (size_t)(end - q), &off))
		return -1;
	if (civil_sec(y, mo, d, h, mi, s, &sec))
		return -1;
	*ms = (sec - off) * 1000 + fr;
	return 0;
}

int
ts_parse_msec(const char *p, size_t len, int64_t *ms)
{
	const char *end = p + len, *q = p;
	int64_t sec = 0;
	int fr = 0, n = 0;

	/* At most 12 integer digits: year 33658, far from any overflow. */
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		if (++n > 12)
			return -1;
		sec = sec * 10 + (*q - '0');
	}
	if (n == 0)
		return -1;
	if ((q = frac_ms(q, end, &fr)) == NULL || q != end)
		return -1;
	*ms = sec * 1000 + fr;
	return 0;
}

int
ts_parse_ymd(const char *p, size_t len, int64_t *local_sec)
{
	int y, mo, d, h, mi, s;

	/* 2026/11/22 14:45:48 */
	if (len != 19 || p[4] != '/' || p[7] != '/' || p[10] != ' ')
		return -1;
	if (dig(p, 4, &y) || dig(p + 5, 2, &mo) || dig(p + 8, 2, &d) ||
	    hms(p + 11, &h, &mi, &s))
		return -1;
	return civil_sec(y, mo, d, h, mi, s, local_sec);
}

int
ts_parse_ctime(const char *p, size_t len, int64_t *local_sec)
{
	int y, mo, d, h, mi, s;

	/* Sun Nov 22 14:45:49 2026, or "Sun Nov  2 ..." */
	if (len != 24 || p[3] != ' ' || p[7] != ' ' || p[10] != ' ' ||
	    p[19] != ' ')
		return -1;
	if (wday_index(p) < 0 || (mo = ts_month(p + 4, 3)) == 0)
		return -1;
	if (p[8] == ' ') {
		if (dig(p + 9, 1, &d))
			return -1;
	} else if (dig(p + 8, 2, &d)) {
		return -1;
	}
	if (hms(p + 11, &h, &mi, &s) || dig(p + 20, 4, &y))
		return -1;
	return civil_sec(y, mo, d, h, mi, s, local_sec);
}

static char *
put_num(char *b, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		b[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return b + width;
}

size_t
ts_format_iso(int64_t ms, char *buf, size_t n)
{
	int64_t days, rem;
	int y;
	unsigned mo, d;
	char *b = buf;

	if (n > 0)
		buf[0] = '\0';
	if (n < TS_ISO_LEN + 1)
		return 0;
	days = ms / 86400000;
	rem = ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	ts_civil_from_days(days, &y, &mo, &d);
	if (y < 0 || y > 9999)
		return 0;
	b = put_num(b, (unsigned)y, 4);
	*b++ = '-';
	b = put_num(b, mo, 2);
	*b++ = '-';
	b = put_num(b, d, 2);
	*b++ = 'T';
	b = put_num(b, (unsigned)(rem / 3600000), 2);
	*b++ = ':';
	b = put_num(b, (unsigned)(rem / 60000 % 60), 2);
	*b++ = ':';
	b = put_num(b, (unsigned)(rem / 1000 % 60), 2);
	*b++ = '.';
	b = put_num(b, (unsigned)(rem % 1000), 3);
	*b++ = 'Z';
	*b = '\0';
	return (size_t)(b - buf);
}

/* ---- zones: POSIX TZ rules (the TZif footer, or $TZ) ------------------- */

struct ts_rule_date {
	char kind; /* 'J': Jn, 1..365 without Feb 29; 'N': n, 0..365; 'M' */
	int n, m, w, d; /* n for J/N; month, week 1..5, weekday 0..6 for M */
	int32_t time;   /* seconds after local midnight, may be < 0 */
};

struct ts_rule {
	int32_t std_off, dst_off; /* seconds east of UTC */
	bool has_dst;
	struct ts_rule_date start, end; /* into DST, out of DST */
};

struct ts_trans {
	int64_t t;      /* UTC seconds */
	int32_t before; /* offset in force before t */
	int32_t after;  /* offset in force from t on */
};

struct ts_zone {
	char name[TS_NAME_MAX];
	bool has_rule; /* rule applies after the last transition */
	struct ts_rule rule;
	int32_t off0; /* offset before the first transition, or always */
	size_t n;
	struct ts_trans tr[]; /* ascending t */
};

/* Bounded cursor over a NUL-terminated TZ string. */
static int
tzs_num(const char **sp, int max, int *out)
{
	const char *s = *sp;
	int v = 0, n = 0;

	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s++ - '0');
		if (++n > 3 || v > max)
			return -1;
	}
	if (n == 0)
		return -1;
	*sp = s;
	*out = v;
	return 0;
}

/* [+-]hh[:mm[:ss]] -> seconds (sign as written). */
static int
tzs_hms(const char **sp, int hmax, int32_t *out)
{
	const char *s = *sp;
	int sign = 1, h, m = 0, sec = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (tzs_num(&s, hmax, &h))
		return -1;
	if (*s == ':') {
		s++;
		if (tzs_num(&s, 59, &m))
			return -1;
		if (*s == ':') {
			s++;
			if (tzs_num(&s, 59, &sec))
				return -1;
		}
	}
	*sp = s;
	*out = sign * (h * 3600 + m * 60 + sec);
	return 0;
}

static int
tzs_name(const char **sp)
{
	const char *s = *sp;
	size_t n = 0;

	if (*s == '<') {
		for (s++; *s != '>'; s++, n++) {
			if (*s == '\0')
				return -1;
		}
		s++;
	} else {
		for (; (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z');
		     s++)
			n++;
	}
	if (n < 3)
		return -1;
	*sp = s;
	return 0;
}

static int
tzs_date(const char **sp, struct ts_rule_date *rd)
{
	const char *s = *sp;

	memset(rd, 0, sizeof(*rd));
	if (*s == 'J') {
		s++;
		rd->kind = 'J';
		if (tzs_num(&s, 365, &rd->n) || rd->n < 1)
			return -1;
	} else if (*s == 'M') {
		s++;
		rd->kind = 'M';
		if (tzs_num(&s, 12, &rd->m) || rd->m < 1 || *s != '.')
			return -1;
		s++;
		if (tzs_num(&s, 5, &rd->w) || rd->w < 1 || *s != '.')
			return -1;
		s++;
		if (tzs_num(&s, 6, &rd->d))
			return -1;
	} else {
		rd->kind = 'N';
		if (tzs_num(&s, 365, &rd->n))
			return -1;
	}
	rd->time = 7200;
	if (*s == '/') {
		s++;
		if (tzs_hms(&s, 167, &rd->time))
			return -1;
	}
	*sp = s;
	return 0;
}

/* Parse a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3") into r. */
static int
tzs_parse(const char *s, struct ts_rule *r)
{
	int32_t v;
	const char *dflt = "M3.2.0,M11.1.0"; /* POSIX/glibc default rule */

	memset(r, 0, sizeof(*r));
	if (tzs_name(&s) || tzs_hms(&s, 24, &v))
		return -1;
	r->std_off = -v;
	if (*s == '\0')
		return 0;
	if (tzs_name(&s))
		return -1;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if (tzs_hms(&s, 24, &v))
			return -1;
		r->dst_off = -v;
	}
	if (*s == '\0')
		s = dflt;
	else if (*s++ != ',')
		return -1;
	if (tzs_date(&s, &r->start) || *s != ',')
		return -1;
	s++;
	if (tzs_date(&s, &r->end))
		return -1;
	return *s == '\0' ? 0 : -1;
}

/* Day (since the epoch) that date rd names in year y. */
static int64_t
rule_day(int y, const struct ts_rule_date *rd)
{
	int64_t jan1 = ts_days_from_civil(y, 1, 1), d1, day;
	int wd1;

	if (rd->kind == 'J')
		return jan1 + rd->n - 1 + (is_leap(y) && rd->n >= 60);
	if (rd->kind == 'N')
		return jan1 + rd->n;
	d1 = ts_days_from_civil(y, (unsigned)rd->m, 1);
	wd1 = (int)(((d1 + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
	day = d1 + (rd->d - wd1 + 7) % 7 + (int64_t)(rd->w - 1) * 7;
	while (day - d1 >= ts_days_in_month(y, (unsigned)rd->m))
		day -= 7;
	return day;
}

/* The rule's transitions of years y-1, y, y+1 in time order -> tr[6]. */
static void
rule_trans(const struct ts_rule *r, int y, struct ts_trans tr[6])
{
	size_t k = 0;

	if (y < -1000000)
		y = -1000000;
	if (y > 1000000)
		y = 1000000;
	for (int yy = y - 1; yy <= y + 1; yy++) {
		/* Out of DST first: a tie (DST all year) ends in DST. */
		tr[k].t =
		    rule_day(yy, &r->end) * 86400 + r->end.time - r->dst_off;
		tr[k].before = r->dst_off;
		tr[k++].after = r->std_off;
		tr[k].t = rule_day(yy, &r->start) * 86400 + r->start.time -
		    r->std_off;
		tr[k].before = r->std_off;
		tr[k++].after = r->dst_off;
	}
	/* Insertion sort of six, stable. */
	for (size_t i = 1; i < 6; i++) {
		struct ts_trans x = tr[i];
		size_t j = i;

		while (j > 0 && tr[j - 1].t > x.t) {
			tr[j] = tr[j - 1];
			j--;
		}
		tr[j] = x;
	}
}

static int
year_of(int64_t sec)
{
	int64_t days = sec / 86400 - (sec % 86400 < 0);
	int y;
	unsigned m, d;

	ts_civil_from_days(days, &y, &m, &d);
	return y;
}

static int64_t
sat_sub(int64_t a, int32_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, (int64_t)b, &r))
		return b > 0 ? INT64_MIN : INT64_MAX;
	return r;
}

static int32_t
rule_offset(const struct ts_rule *r, int64_t utc)
{
	struct ts_trans tr[6];
	int32_t off;

	if (!r->has_dst)
		return r->std_off;
	rule_trans(r, year_of(utc), tr);
	off = tr[0].before;
	for (size_t i = 0; i < 6 && tr[i].t <= utc; i++)
		off = tr[i].after;
	return off;
}

/*
 * The transition that decides local time L: the first whose local
 * "end of doubt" t + max(before, after) lies after L. Before it, in a gap
 * or in an overlap, L takes the offset in force before the transition.
 */
static bool
decides(const struct ts_trans *x, int64_t local)
{
	int32_t hi = x->before > x->after ? x->before : x->after;

	return local < x->t + hi;
}

static int64_t
rule_to_utc(const struct ts_rule *r, int64_t local)
{
	struct ts_trans tr[6];

	if (!r->has_dst)
		return sat_sub(local, r->std_off);
	rule_trans(r, year_of(local), tr);
	for (size_t i = 0; i < 6; i++) {
		if (decides(&tr[i], local))
			return sat_sub(local, tr[i].before);
	}
	return sat_sub(local, tr[5].after);
}

int32_t
ts_zone_offset(const struct ts_zone *z, int64_t utc)
{
	size_t lo = 0, hi;

	if (z == NULL)
		return 0;
	if (z->n == 0 || utc < z->tr[0].t)
		return z->n == 0 && z->has_rule ? rule_offset(&z->rule, utc)
						: z->off0;
	/* Last transition with t <= utc. */
	hi = z->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->tr[mid].t <= utc)
			lo = mid;
		else
			hi = mid;
	}
	if (lo == z->n - 1 && z->has_rule)
		return rule_offset(&z->rule, utc);
	return z->tr[lo].after;
}

int64_t
ts_zone_to_utc(const struct ts_zone *z, int64_t local)
{
	size_t lo = 0, hi;

	if (z == NULL)
		return local;
	if (z->n == 0)
		return z->has_rule ? rule_to_utc(&z->rule, local)
				   : sat_sub(local, z->off0);
	/* First transition that decides local, or none. */
	hi = z->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (decides(&z->tr[mid], local))
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo < z->n)
		return sat_sub(local, z->tr[lo].before);
	if (z->has_rule)
		return rule_to_utc(&z->rule, local);
	return sat_sub(local, z->tr[z->n - 1].after);
}

const char *
ts_zone_name(const struct ts_zone *z)
{
	return z ? z->name : "UTC";
}

void
ts_zone_free(struct ts_zone *z)
{
	free(z);
}

/* ---- zones: TZif (RFC 8536) -------------------------------------------- */

struct tzif_hdr {
	char version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t
be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

static int64_t
be64(const unsigned char *b)
{
	return (int64_t)((uint64_t)be32(b) << 32 | be32(b + 4));
}

/* Header at b[off..len) -> h; returns the data block size, or 0 if bad. */
static size_t
tzif_header(const unsigned char *b, size_t len, size_t off, int tsize,
    struct tzif_hdr *h, const char **why)
{
	size_t sz;

	if (len - off < 44 || memcmp(b + off, "TZif", 4) != 0) {
		*why = "no TZif header";
		return 0;
	}
	h->version = (char)b[off + 4];
	h->isutcnt = be32(b + off + 20);
	h->isstdcnt = be32(b + off + 24);
	h->leapcnt = be32(b + off + 28);
	h->timecnt = be32(b + off + 32);
	h->typecnt = be32(b + off + 36);
	h->charcnt = be32(b + off + 40);
	if (h->typecnt == 0 || h->typecnt > TS_TYPES_MAX ||
	    h->timecnt > TS_TRANS_MAX || h->charcnt > 1024 ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)) {
		*why = "bad counts";
		return 0;
	}
	if (h->leapcnt != 0) {
		*why = "leap-second zones are not supported";
		return 0;
	}
	/* All counts are bounded above, so this cannot overflow. */
	sz = (size_t)h->timecnt * ((size_t)tsize + 1) + (size_t)h->typecnt * 6 +
	    h->charcnt + h->isstdcnt + h->isutcnt;
	if (len - off - 44 < sz) {
		*why = "truncated";
		return 0;
	}
	return sz;
}

/* Data block at d (validated size) -> z->tr, z->off0. */
static int
tzif_data(const unsigned char *d, const struct tzif_hdr *h, int tsize,
    struct ts_zone *z, const char **why)
{
	const unsigned char *times = d;
	const unsigned char *idx = times + (size_t)h->timecnt * tsize;
	const unsigned char *types = idx + h->timecnt;
	int32_t off[TS_TYPES_MAX];

	for (uint32_t i = 0; i < h->typecnt; i++) {
		const unsigned char *t = types + (size_t)i * 6;

		off[i] = (int32_t)be32(t);
		if (off[i] > TS_OFF_MAX || off[i] < -TS_OFF_MAX || t[4] > 1 ||
		    t[5] >= h->charcnt) {
			*why = "bad local time type";
			return -1;
		}
	}
	z->off0 = off[0];
	z->n = h->timecnt;
	for (uint32_t i = 0; i < h->timecnt; i++) {
		int64_t t = tsize == 8 ? be64(times + (size_t)i * 8)
				       : (int32_t)be32(times + (size_t)i * 4);

		if (idx[i] >= h->typecnt || t > TS_TIME_MAX ||
		    t < -TS_TIME_MAX || (i > 0 && t <= z->tr[i - 1].t)) {
			*why = "bad transition";
			return -1;
		}
		z->tr[i].t = t;
		z->tr[i].before = i > 0 ? z->tr[i - 1].after : off[0];
		z->tr[i].after = off[idx[i]];
	}
	return 0;
}

/* The v2+ footer "\nTZ\n" at b[off..len) -> z->rule. */
static int
tzif_footer(const unsigned char *b, size_t len, size_t off, struct ts_zone *z,
    const char **why)
{
	char s[TS_FOOTER_MAX];
	size_t n = 0;

	if (off >= len || b[off] != '\n') {
		*why = "no footer";
		return -1;
	}
	for (off++; off < len && b[off] != '\n'; off++) {
		if (n + 1 >= sizeof(s) || b[off] == '\0') {
			*why = "bad footer";
			return -1;
		}
		s[n++] = (char)b[off];
	}
	if (off >= len) {
		*why = "unterminated footer";
		return -1;
	}
	s[n] = '\0';
	if (n == 0)
		return 0;
	if (tzs_parse(s, &z->rule)) {
		*why = "bad TZ string in footer";
		return -1;
	}
	z->has_rule = true;
	return 0;
}

static struct ts_zone *
tzif_parse(const unsigned char *b, size_t len, const char **why)
{
	struct tzif_hdr h;
	struct ts_zone *z;
	size_t sz, off = 0;
	int tsize = 4;

	if ((sz = tzif_header(b, len, 0, 4, &h, why)) == 0)
		return NULL;
	if (h.version >= '2') {
		off = 44 + sz;
		tsize = 8;
		if ((sz = tzif_header(b, len, off, 8, &h, why)) == 0)
			return NULL;
	} else if (h.version != '\0') {
		*why = "unknown TZif version";
		return NULL;
	}
	z = calloc(1, sizeof(*z) + (size_t)h.timecnt * sizeof(z->tr[0]));
	if (z == NULL) {
		*why = strerror(errno);
		return NULL;
	}
	if (tzif_data(b + off + 44, &h, tsize, z, why) ||
	    (tsize == 8 && tzif_footer(b, len, off + 44 + sz, z, why))) {
		free(z);
		return NULL;
	}
	return z;
}

/* Read all of path (a regular file up to TS_TZIF_MAX_BYTES) into *out. */
static int
read_small(
    const char *path, unsigned char **out, size_t *outlen, const char **why)
{
	struct stat st;
	unsigned char *b = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*why = strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TS_TZIF_MAX_BYTES) {
		*why = "not a regular file of a sane size";
		goto fail;
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		*why = strerror(errno);
		goto fail;
	}
	/* The size is re-checked by read: a file that grew is cut. */
	while (n < (size_t)st.st_size) {
		r = read(fd, b + n, (size_t)st.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = r == 0 ? "short read" : strerror(errno);
			goto fail;
		}
		n += (size_t)r;
	}
	close(fd);
	*out = b;
	*outlen = n;
	return 0;
fail:
	saved = errno;
	free(b);
	close(fd);
	errno = saved;
	return -1;
}

static struct ts_zone *
load_file(const char *path, const char *name, char *err, size_t errlen)
{
	unsigned char *b;
	size_t len;
	const char *why = "?";
	struct ts_zone *z;

	if (read_small(path, &b, &len, &why)) {
		snprintf(
		    err, errlen, "time zone \"%s\": %s: %s", name, path, why);
		return NULL;
	}
	z = tzif_parse(b, len, &why);
	free(b);
	if (z == NULL) {
		snprintf(err, errlen, "time zone \"%s\": %s: bad TZif file: %s",
		    name, path, why);
		return NULL;
	}
	compat_strlcpy(z->name, name, sizeof(z->name));
	return z;
}

static struct ts_zone *
fixed_zone(const char *name, const struct ts_rule *r, char *err, size_t errlen)
{
	struct ts_zone *z = calloc(1, sizeof(*z));

	if (z == NULL) {
		snprintf(
		    err, errlen, "time zone \"%s\": %s", name, strerror(errno));
		return NULL;
	}
	compat_strlcpy(z->name, name, sizeof(z->name));
	if (r != NULL) {
		z->rule = *r;
		z->has_rule = true;
		z->off0 = r->std_off;
	}
	return z;
}

/* An IANA name we are willing to append to TS_ZONEINFO. */
static bool
safe_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TS_NAME_MAX || s[0] == '/' || strstr(s, ".."))
		return false;
	for (; *s; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			(*s >= '0' && *s <= '9') || *s == '/' || *s == '_' ||
			*s == '-' || *s == '+' || *s == '.'))
			return false;
	}
	return true;
}

static struct ts_zone *
load_named(const char *name, char *err, size_t errlen)
{
	char path[sizeof(TS_ZONEINFO) + TS_NAME_MAX];

	if (strcmp(name, "UTC") == 0)
		return fixed_zone("UTC", NULL, err, errlen);
	if (!safe_name(name)) {
		snprintf(
		    err, errlen, "unknown time zone \"%.64s\": bad name", name);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s%s", TS_ZONEINFO, name);
	if (access(path, F_OK) == -1) {
		snprintf(
		    err, errlen, "unknown time zone \"%s\": no %s", name, path);
		return NULL;
	}
	return load_file(path, name, err, errlen);
}

/* $TZ as glibc reads it: ":NAME", "/path", "NAME", or a POSIX string. */
static struct ts_zone *
load_env(const char *tz, char *err, size_t errlen)
{
	struct ts_rule r;
	char path[sizeof(TS_ZONEINFO) + TS_NAME_MAX];

	if (*tz == ':')
		tz++;
	if (*tz == '\0')
		return fixed_zone("UTC", NULL, err, errlen);
	if (*tz == '/')
		return load_file(tz, tz, err, errlen);
	if (safe_name(tz)) {
		snprintf(path, sizeof(path), "%s%s", TS_ZONEINFO, tz);
		if (strcmp(tz, "UTC") == 0 || access(path, F_OK) == 0)
			return load_named(tz, err, errlen);
	}
	if (strlen(tz) < TS_FOOTER_MAX && tzs_parse(tz, &r) == 0)
		return fixed_zone(tz, &r, err, errlen);
	snprintf(err, errlen, "unknown time zone \"%.64s\" (from $TZ)", tz);
	return NULL;
}

struct ts_zone *
ts_zone_load(const char *name, char *err, size_t errlen)
{
	const char *tz;

	if (errlen > 0)
		err[0] = '\0';
	if (name != NULL)
		return load_named(name, err, errlen);
	if ((tz = getenv("TZ")) != NULL)
		return load_env(tz, err, errlen);
	/* As glibc: no /etc/localtime means UTC. */
	if (access(TS_LOCALTIME, F_OK) == -1)
		return fixed_zone("UTC", NULL, err, errlen);
	return load_file(TS_LOCALTIME, TS_LOCALTIME, err, errlen);
}
