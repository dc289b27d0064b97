/*
 * tz - time zones for the formats whose timestamps carry none (nginx's
 * error log, uwsgi's request log): local wall-clock seconds -> UTC.
 *
 * The functions keep the ts_zone_ prefix they had when this was part of
 * ts: parsers/ts.h includes this header, so a caller needs only ts.h.
 *
 * A struct ts_zone is loaded once (config time, may allocate, may read a
 * file) from a TZif file or a POSIX TZ string and is then read-only: it
 * may be shared between threads. The lookups allocate nothing and do no
 * I/O, so they may run per line.
 */
#ifndef PARSERS_TZ_H
#define PARSERS_TZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * ts_zone_load(name): NULL means $TZ when set (":Area/City", an absolute
 * path, or a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3"; empty
 * means UTC), else /etc/localtime. "UTC" needs no file. Any other name is
 * an IANA name read from /usr/share/zoneinfo/NAME: letters, digits and
 * "/_-+." only, no "..", no leading '/'. The TZif file (v1, v2, v3, v4) is
 * size-capped and validated; a hostile or broken file gives an error, never
 * a crash. Leap-second ("right/") zones are refused. Returns NULL with a
 * message in err on failure. Free with ts_zone_free (NULL-safe).
 */
struct ts_zone;

struct ts_zone *ts_zone_load(const char *name, char *err, size_t errlen);
void ts_zone_free(struct ts_zone *z);

/* The zone's name as loaded ("UTC", "Europe/Berlin", "/etc/localtime"). */
const char *ts_zone_name(const struct ts_zone *z);

/* Offset from UTC (seconds east) in force at UTC instant utc_sec. */
int32_t ts_zone_offset(const struct ts_zone *z, int64_t utc_sec);

/*
 * Local wall-clock seconds -> UTC seconds, with the offset in force at
 * that wall-clock time. Around a transition the local time may be
 * ambiguous (autumn: 02:30 happens twice in Berlin) or skipped (spring:
 * 02:30 never happens); in both cases the offset in force BEFORE the
 * transition is used, i.e. the earlier one: autumn 02:30 is read as CEST
 * (00:30 UTC, the first occurrence), spring 02:30 as CET (01:30 UTC, which
 * is 03:30 CEST). z NULL means UTC.
 */
int64_t ts_zone_to_utc(const struct ts_zone *z, int64_t local_sec);

#endif /* PARSERS_TZ_H */
