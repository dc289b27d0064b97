/*
 * ts - timestamps of the log formats we read -> UTC epoch, and the civil
 * calendar they are computed with.
 *
 * Parsing is per line: no allocation, no locale, no libc time conversion
 * (gmtime/localtime/strptime are banned; civil dates are computed here).
 * Every parser takes (p, len), reads nothing outside it and needs no NUL.
 * A parser returns 0 and writes *out only on success; on -1 (bad digits,
 * bad month, a field out of range, trailing bytes, an instant outside
 * TS_MS_MIN..TS_MS_MAX) *out is untouched.
 *
 * Time zones (struct ts_zone, ts_zone_*), which ts_parse_ymd and
 * ts_parse_ctime results are fed to, are declared in parsers/tz.h and
 * implemented in tz.c; tz.h is included here so that one header still
 * gives a caller both.
 */
#ifndef PARSERS_TS_H
#define PARSERS_TS_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/tz.h"

#define TS_ISO_LEN 24 /* "2026-11-22T14:45:49.000Z" without the NUL */

/*
 * The instants a timestamp may name: 0000-01-01T00:00:00.000Z ..
 * 9999-12-31T23:59:59.999Z in UTC, what ts_format_iso can write. Every
 * parser here (and ts_zone_local_ms for the zone-less forms) refuses a
 * time outside, like any impossible date.
 */
#define TS_MS_MIN INT64_C(-62167219200000)
#define TS_MS_MAX INT64_C(253402300799999)

static inline int
ts_ms_in_range(int64_t ms)
{
	return ms >= TS_MS_MIN && ms <= TS_MS_MAX;
}

/*
 * nginx $time_local, gunicorn %(t)s between the brackets:
 * "22/Nov/2026:14:45:49 +0000", exactly 26 bytes -> UTC epoch ms.
 */
int ts_parse_clf(const char *p, size_t len, int64_t *ms);

/*
 * nginx $time_iso8601 "2026-11-22T14:45:49+00:00"; also "Z", "+0000",
 * fractional seconds (".123", any number of digits, truncated to ms), a
 * space instead of the 'T' and one space before the zone (gunicorn's
 * error log writes "2026-11-22 14:45:49 +0000"). A zone is required.
 */
int ts_parse_iso8601(const char *p, size_t len, int64_t *ms);

/* nginx $msec "1669128349.123" (seconds, optional fraction) -> epoch ms. */
int ts_parse_msec(const char *p, size_t len, int64_t *ms);

/*
 * Zone-less wall-clock times -> local seconds since 1970-01-01 00:00:00
 * local (feed the result to ts_zone_to_utc):
 *   ts_parse_ymd:   nginx's error log "2026/11/22 14:45:48", 19 bytes;
 *   ts_parse_ctime: ctime(3) form "Sun Nov 22 14:45:49 2026", 24 bytes
 *                   (the day of the month may be space-padded, "Nov  2";
 *                   the weekday name is checked against the table but not
 *                   against the date), as uwsgi's request log writes it.
 */
int ts_parse_ymd(const char *p, size_t len, int64_t *local_sec);
int ts_parse_ctime(const char *p, size_t len, int64_t *local_sec);

/*
 * Write ms as "2026-11-22T14:45:49.000Z" into buf (n >= TS_ISO_LEN + 1),
 * NUL-terminated. Returns the length (TS_ISO_LEN), or 0 with buf empty
 * (when n > 0) if n is too small or the year is outside 0000..9999.
 */
size_t ts_format_iso(int64_t ms, char *buf, size_t n);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12). */
int64_t ts_days_from_civil(int y, unsigned m, unsigned d);

/* Inverse of ts_days_from_civil. */
void ts_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);

/* Days in month m (1..12) of year y; 0 for a bad month. */
unsigned ts_days_in_month(int y, unsigned m);

/* "Jan".."Dec" (exactly 3 bytes, case-sensitive) -> 1..12, else 0. */
int ts_month(const char *p, size_t len);

#endif /* PARSERS_TS_H */
