/*
 * fuzz_evjson - libFuzzer target for the escaping of log text into JSON
 * (agent/evjson.c), which every payload and every dry-run line goes
 * through. Any bytes must give a JSON string that jansson dumps and reads
 * back, and that maps back to the input: valid UTF-8 sequences unchanged,
 * every other byte as the four characters \xHH.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/evjson.h"
#include "parsers/compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Undo the \xHH escapes of s into out; the length, or (size_t)-1. */
static size_t
unescape(const char *s, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x') {
			char hex[3] = { s[i + 2], s[i + 3], 0 };
			v = (unsigned)strtoul(hex, NULL, 16);
			out[o++] = (uint8_t)v;
			i += 3;
			continue;
		}
		out[o++] = (uint8_t)s[i];
	}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = evjson_string((const char *)data, size), *back;
	json_error_t e;
	char *dump;
	uint8_t *raw;
	size_t n;

	if (j == NULL)
		abort();
	dump = json_dumps(j, JSON_ENCODE_ANY);
	if (dump == NULL)
		abort();
	back = json_loads(dump, JSON_DECODE_ANY, &e);
	if (back == NULL || !json_equal(j, back))
		abort();
	/* A literal backslash followed by 'x' in the input is ambiguous
	 * with an escape: compare only inputs without one. */
	if (memmem(data, size, "\\x", 2) == NULL) {
		raw = malloc(json_string_length(j) + 1);
		n = unescape(json_string_value(j), json_string_length(j), raw);
		if (n != size || memcmp(raw, data, size) != 0)
			abort();
		free(raw);
	}
	free(dump);
	json_decref(back);
	json_decref(j);
	return 0;
}
