/*
 * fuzz_uwsgi - libFuzzer target for uWSGI's log parser (parsers/uwsgi.c); the harness is
 * fuzz_records.h.
 */
#define FUZZ_PARSER   uwsgi_parser
#define FUZZ_TIMEZONE "America/New_York"
#include "tests/fuzz/fuzz_records.h"
