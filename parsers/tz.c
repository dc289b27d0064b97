/*
 * tz - time zones: TZif files and POSIX TZ strings -> UTC offsets, for the
 * formats whose timestamps carry no zone (nginx's error log, uwsgi).
 *
 * Why: libc's localtime/mktime read the process's one zone from $TZ
 * through global state (a static buffer, a lock), while each input may
 * name its own zone and the per-line conversion must not touch globals.
 * So a zone is read once, at config time, from the system's tzdata into a
 * table of transitions that the input owns; after the last transition the
 * file's footer rule (a POSIX TZ string) is evaluated for the year asked.
 * This is separate from ts.c because it is a different concern with a
 * different life: loading may allocate and do I/O, the lookups are pure.
 * The civil calendar (ts_days_from_civil ...) is shared from ts.c.
 *
 * Invariants: a loaded ts_zone is immutable. Transition times are bounded
 * to +-2^60 seconds and offsets to +-26 hours at load, so the arithmetic on
 * them cannot overflow; times given by callers are combined with
 * saturating arithmetic. A file is read whole only if it is a regular file
 * of at most TS_TZIF_MAX_BYTES, and every count in it is capped before use;
 * names are checked before they are appended to TS_ZONEINFO.
 *
 * Not handled: leap seconds ("right/" zones are refused at load, log
 * timestamps are POSIX times); the TZif v3+ extensions beyond the footer's
 * hour range (hours up to 167 are accepted in rule times).
 *
 * Formats: TZif is RFC 8536, the footer and $TZ a POSIX TZ string
 * (POSIX.1-2017 section 8.3); $TZ forms as glibc reads them.
 */
#include "parsers/tz.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parsers/ts.h"
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
		return jan1 + rd->n - 1 +
		    (ts_days_in_month(y, 2) == 29 && rd->n >= 60);
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
 * "end of doubt" t + max(before, after) lies after L.
 */
static bool
decides(const struct ts_trans *x, int64_t local)
{
	int32_t hi = x->before > x->after ? x->before : x->after;

	return local < x->t + hi;
}

/*
 * The readings of L at its deciding transition x. Before the doubt (L <
 * t + min(before, after)) L happens once, at the offset before x. In the
 * doubt, going back (before > after) L happens twice, once at each
 * offset; going forward L never happens, and both readings are x itself.
 */
static void
readings_at(const struct ts_trans *x, int64_t local, int64_t *first,
    int64_t *second)
{
	int32_t lo = x->before < x->after ? x->before : x->after;

	if (local < x->t + lo) {
		*first = *second = sat_sub(local, x->before);
	} else if (x->before > x->after) {
		*first = sat_sub(local, x->before);
		*second = sat_sub(local, x->after);
	} else {
		*first = *second = x->t;
	}
}

static void
rule_readings(const struct ts_rule *r, int64_t local, int64_t *first,
    int64_t *second)
{
	struct ts_trans tr[6];

	if (!r->has_dst) {
		*first = *second = sat_sub(local, r->std_off);
		return;
	}
	rule_trans(r, year_of(local), tr);
	for (size_t i = 0; i < 6; i++) {
		if (decides(&tr[i], local)) {
			readings_at(&tr[i], local, first, second);
			return;
		}
	}
	*first = *second = sat_sub(local, tr[5].after);
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

void
ts_zone_readings(const struct ts_zone *z, int64_t local, int64_t *first,
    int64_t *second)
{
	size_t lo = 0, hi;

	if (z == NULL) {
		*first = *second = local;
		return;
	}
	if (z->n == 0) {
		if (z->has_rule)
			rule_readings(&z->rule, local, first, second);
		else
			*first = *second = sat_sub(local, z->off0);
		return;
	}
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
		readings_at(&z->tr[lo], local, first, second);
	else if (z->has_rule)
		rule_readings(&z->rule, local, first, second);
	else
		*first = *second = sat_sub(local, z->tr[z->n - 1].after);
}

int64_t
ts_zone_to_utc(const struct ts_zone *z, int64_t local)
{
	int64_t first, second;

	ts_zone_readings(z, local, &first, &second);
	return first;
}

int
ts_zone_local_ms(const struct ts_zone *z, int64_t local, int64_t *ms,
    int64_t *alt_ms)
{
	int64_t first, second;

	ts_zone_readings(z, local, &first, &second);
	/* Seconds bounds first: a saturated reading must not overflow. */
	if (first < TS_MS_MIN / 1000 || second > TS_MS_MAX / 1000)
		return -1;
	*ms = first * 1000;
	*alt_ms = second * 1000;
	return 0;
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
