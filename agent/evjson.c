/*
 * evjson - events and log text to JSON, with byte-exact escaping of
 * anything that is not valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 */
#include "agent/evjson.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/ts.h"
#include "parsers/compat.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned min;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

json_t *
evjson_string(const char *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p;
	size_t cap, o = 0;
	char *buf;
	json_t *j;

	if (__builtin_mul_overflow(len, 4, &cap))
		return NULL;
	buf = malloc(cap + 1);
	if (buf == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(s + i, len - i);
		if (n > 0 && s[i] != 0) {
			memcpy(buf + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[s[i] >> 4];
		buf[o++] = hex[s[i] & 0xf];
		i++;
	}
	j = json_stringn_nocheck(buf, o);
	free(buf);
	return j;
}

json_t *
evjson_number(double v, bool integral)
{
	if (!isfinite(v))
		return json_null();
	if (integral && v >= -9e15 && v <= 9e15 && v == floor(v))
		return json_integer((json_int_t)v);
	return json_real(v);
}

json_t *
evjson_event(const struct log_event *ev, const struct field_table *ft)
{
	json_t *o = json_object();
	char iso[32];

	if (o == NULL)
		return NULL;
	if (ev->time_ms != EVENT_TIME_NONE) {
		ts_format_iso(ev->time_ms, iso, sizeof(iso));
		json_object_set_new(o, "time", json_string(iso));
	}
	for (int id = 0; id < FIELD_MAX; id++) {
		const char *name = field_name(ft, id);
		json_t *v;

		if (name == NULL || !event_has(ev, id) ||
		    (id == FIELD_TIME && ev->time_ms != EVENT_TIME_NONE))
			continue;
		if (event_has_num(ev, id) && isfinite(ev->num[id])) {
			v = evjson_number(ev->num[id],
			    field_type(id) == FIELD_T_INT);
		} else {
			v = evjson_string(ev->text[id].p, ev->text[id].len);
		}
		json_object_set_new(o, name, v);
	}
	if (ev->flags & EVENT_TRUNCATED)
		json_object_set_new(o, "truncated", json_true());
	if (ev->flags & EVENT_PARTIAL)
		json_object_set_new(o, "partial", json_true());
	json_object_set_new(o, "line", evjson_string(ev->line.p, ev->line.len));
	return o;
}
