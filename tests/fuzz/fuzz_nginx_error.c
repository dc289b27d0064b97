/*
 * fuzz_nginx_error - libFuzzer target for the nginx error-log parser (parsers/nginx_error.c); the harness is
 * fuzz_records.h.
 */
#define FUZZ_PARSER   nginx_error_parser
#define FUZZ_TIMEZONE "Europe/Berlin"
#include "tests/fuzz/fuzz_records.h"
