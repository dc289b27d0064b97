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
 * The readings of local wall-clock seconds as UTC seconds, *first <=
 * *second. They are equal when the local time happens once. Where the
 * clocks go back (autumn: 02:30 happens twice in Berlin, 02:30 in Sydney
 * in April) *first is the earlier reading (CEST: 00:30 UTC) and *second
 * the later one (CET: 01:30 UTC): which one a line means depends on the
 * lines before it, so the caller that knows them chooses
 * (event_pick_time in parsers/parser.h). Where the clocks jump forward
 * (spring: 02:30 never happens in Berlin) both are the instant of the
 * change (01:00 UTC, shown as 03:00 CEST), so that such lines keep their
 * order in a file instead of landing after the ones that follow them.
 * z NULL means UTC. Out-of-range inputs saturate.
 */
void ts_zone_readings(const struct ts_zone *z, int64_t local_sec,
    int64_t *first, int64_t *second);

/* The first reading of local_sec (see ts_zone_readings). */
int64_t ts_zone_to_utc(const struct ts_zone *z, int64_t local_sec);

/*
 * Both readings of local_sec in epoch milliseconds, for a parser: 0 with
 * *ms (first) and *alt_ms (second) set, or -1, outputs untouched, when a
 * reading lies outside TS_MS_MIN..TS_MS_MAX (parsers/ts.h).
 */
int ts_zone_local_ms(const struct ts_zone *z, int64_t local_sec,
    int64_t *ms, int64_t *alt_ms);

#endif /* PARSERS_TZ_H */
