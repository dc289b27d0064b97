/*
 * fuzz_gunicorn_error - libFuzzer target for the gunicorn error-log parser (parsers/gunicorn_error.c); the harness is
 * fuzz_records.h.
 */
#define FUZZ_PARSER   gunicorn_error_parser
#define FUZZ_TIMEZONE NULL
#include "tests/fuzz/fuzz_records.h"
