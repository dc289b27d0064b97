/*
 * testutil - helpers shared by the cmocka unit tests. Only the tests
 * (tests/unit/test_<module>.c) include it; nothing is linked for it.
 *
 * Every helper is static inline: a test compiles and links only the ones
 * it calls, so test_sketch pays nothing for the parser helpers and needs
 * no parser object at link time. A helper that finds a mismatch calls
 * fail_msg() with the case name (or the path) first; none returns an
 * error for the caller to check.
 *
 * Expectations on one event, struct testutil_exp, written with these
 * table macros (short and unprefixed on purpose: they are the vocabulary
 * of the case tables). The field is named as a rule would name it
 * ("status", "http_x_api_key") and resolved through a struct field_table,
 * so one table shape serves well-known fields and interned ones:
 *
 *   TXT(f, s)         f is present and its text is s; its number is not
 *                     looked at
 *   TXT_ONLY(f, s)    f is present, its text is s, and it has no number
 *   TXT_NUM(f, s, v)  f is present, its text is s, and its number is v
 *   NUM(f, v)         f has a number and it is v; its text is not looked at
 *   ABS(f)            f is not present
 *
 * Numbers are compared with ==: every expected value is either exact or
 * the same double expression the parser computes. A list ends at its
 * first all-zero row ({ { 0 } } is the empty list) or at its array size.
 *
 * What each helper checks:
 *   testutil_check_fields()   one event against a list of expectations;
 *                             a name unknown to the table fails too
 *   testutil_check_time()     the event time: 0 any time but one must be
 *                             there, EVENT_TIME_NONE none, else exactly it
 *   testutil_compile()        a parser program compiles (or the test fails
 *                             with the parser's message)
 *   testutil_compile_fails()  it does not compile, and its message
 *                             contains a given text
 *   testutil_run_compile_errors()
 *                             each row's format fails to compile, as
 *                             testutil_compile_fails() checks
 *   testutil_run_cont_cases() each row's line is, or is not, a
 *                             continuation line for p->is_continuation
 *   testutil_parse()          one line parses with the wanted rc, and a
 *                             PARSE_BAD carries a non-empty message
 *   testutil_run_fmt_cases()  rows that each name a log_format (access
 *                             parsers): compile, parse, time, fields
 *   testutil_run_kind_cases() rows for one program (error parsers): parse,
 *                             time, the error kind, numeric bits only on
 *                             present fields, no field outside produces(),
 *                             fields
 *   testutil_parse_file()     a captured file, whole, grouped into records
 *                             with is_continuation as a source does: every
 *                             record is PARSE_OK; a callback checks more
 *   testutil_kind_index()     a record's kind is one of a list
 *   testutil_rng*()           splitmix64 from a fixed seed, so random data
 *                             are the same on every run
 *   testutil_tmpdir_setup(), testutil_tmpdir_teardown()
 *                             a cmocka group setup/teardown pair: one fresh
 *                             mkdtemp directory per test binary, removed
 *                             with everything in it afterwards
 *   testutil_write_file(), testutil_write_text()
 *                             write bytes (a string) to a file below that
 *                             directory, making the directories in its
 *                             name; the file must be written whole
 */
#ifndef TESTS_UNIT_TESTUTIL_H
#define TESTS_UNIT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parsers/parser.h"

/* ---- expectations on an event ------------------------------------------ */

enum {
	TESTUTIL_END = 0,    /* end of a list */
	TESTUTIL_TEXT = 1,   /* present, with this text */
	TESTUTIL_NUM = 2,    /* with this number */
	TESTUTIL_NONUM = 4,  /* without a number */
	TESTUTIL_ABSENT = 8, /* not present */
};

struct testutil_exp {
	int how; /* TESTUTIL_* bits */
	const char *field;
	const char *text;
	double num;
};

#define TXT(f, s)                                                              \
	{                                                                      \
		TESTUTIL_TEXT, (f), (s), 0                                     \
	}
#define TXT_ONLY(f, s)                                                         \
	{                                                                      \
		TESTUTIL_TEXT | TESTUTIL_NONUM, (f), (s), 0                    \
	}
#define TXT_NUM(f, s, v)                                                       \
	{                                                                      \
		TESTUTIL_TEXT | TESTUTIL_NUM, (f), (s), (v)                    \
	}
#define NUM(f, v)                                                              \
	{                                                                      \
		TESTUTIL_NUM, (f), NULL, (v)                                   \
	}
#define ABS(f)                                                                 \
	{                                                                      \
		TESTUTIL_ABSENT, (f), NULL, 0                                  \
	}

/* The well-known names only: the table when a test has none of its own. */
static inline const struct field_table *
testutil_wellknown(void)
{
	static struct field_table t;
	static bool done;

	if (!done) {
		field_table_init(&t);
		done = true;
	}
	return &t;
}

/*
 * Check ev against exp[0..n) (up to the first TESTUTIL_END row); names
 * resolve through t, or through the well-known names when t is NULL.
 */
static inline void
testutil_check_fields(const char *name, const struct field_table *t,
    const struct log_event *ev, const struct testutil_exp *exp, size_t n)
{
	if (t == NULL)
		t = testutil_wellknown();
	for (size_t i = 0; i < n && exp[i].how != TESTUTIL_END; i++) {
		const struct testutil_exp *x = &exp[i];
		int id = field_lookup(t, x->field, strlen(x->field));

		if (id < 0)
			fail_msg("%s: no field \"%s\"", name, x->field);
		if (x->how & TESTUTIL_ABSENT) {
			if (event_has(ev, id))
				fail_msg("%s: %s present (\"%.*s\")", name,
				    x->field, (int)ev->text[id].len,
				    ev->text[id].p);
			continue;
		}
		if ((x->how & TESTUTIL_TEXT) && !event_has(ev, id))
			fail_msg("%s: %s absent", name, x->field);
		if ((x->how & TESTUTIL_TEXT) &&
		    !sv_eq_cstr(ev->text[id], x->text))
			fail_msg("%s: %s is \"%.*s\", want \"%s\"", name,
			    x->field, (int)ev->text[id].len, ev->text[id].p,
			    x->text);
		if ((x->how & TESTUTIL_NONUM) && event_has_num(ev, id))
			fail_msg("%s: %s has number %.17g", name, x->field,
			    ev->num[id]);
		if ((x->how & TESTUTIL_NUM) && !event_has_num(ev, id))
			fail_msg("%s: %s has no number", name, x->field);
		if ((x->how & TESTUTIL_NUM) && ev->num[id] != x->num)
			fail_msg("%s: %s is %.17g, want %.17g", name, x->field,
			    ev->num[id], x->num);
	}
}

/* want: 0 any time but one, EVENT_TIME_NONE no time, else exactly want. */
static inline void
testutil_check_time(const char *name, const struct log_event *ev, int64_t want)
{
	if (want == 0 ? ev->time_ms == EVENT_TIME_NONE : ev->time_ms != want)
		fail_msg("%s: time %lld, want %lld", name,
		    (long long)ev->time_ms, (long long)want);
}

/* ---- compiling and parsing ---------------------------------------------- */

/*
 * p's program for format (NULL: its default) in zone tz (NULL: the
 * host's); t, when not NULL, is reset to the well-known names first and
 * receives the format's other names.
 */
static inline struct parser_prog *
testutil_compile(const struct parser *p, const char *format, const char *tz,
    struct field_table *t)
{
	struct parser_opts o = { format, tz, t };
	char err[256];
	struct parser_prog *prog;

	if (t != NULL)
		field_table_init(t);
	prog = p->compile(&o, err, sizeof(err));
	if (prog == NULL)
		fail_msg("%s: compile \"%s\" (zone %s): %s", p->name,
		    format ? format : "(default)", tz ? tz : "(host)", err);
	return prog;
}

/* The same compile must fail, with a message that contains want. */
static inline void
testutil_compile_fails(const struct parser *p, const char *format,
    const char *tz, struct field_table *t, const char *want)
{
	struct parser_opts o = { format, tz, t };
	char err[256];
	struct parser_prog *prog;

	if (t != NULL)
		field_table_init(t);
	err[0] = '\0';
	prog = p->compile(&o, err, sizeof(err));
	if (prog != NULL) {
		p->prog_free(prog);
		fail_msg("%s: \"%s\" (zone %s) compiled", p->name,
		    format ? format : "(default)", tz ? tz : "(host)");
	}
	if (strstr(err, want) == NULL)
		fail_msg("%s: \"%s\" (zone %s): error \"%s\", want \"%s\"",
		    p->name, format ? format : "(default)", tz ? tz : "(host)",
		    err, want);
}

/* A format p must refuse, and a text its message must contain. */
struct testutil_compile_error {
	const char *format, *err;
};

/* testutil_compile_fails() on each row, with a fresh field table. */
static inline void
testutil_run_compile_errors(const struct parser *p,
    const struct testutil_compile_error *cases, size_t n)
{
	struct field_table *t = malloc(sizeof(*t));

	assert_non_null(t);
	for (size_t i = 0; i < n; i++)
		testutil_compile_fails(
		    p, cases[i].format, NULL, t, cases[i].err);
	free(t);
}

/* A line and whether p->is_continuation(prog, line) must say so. */
struct testutil_cont_case {
	const char *line;
	bool cont;
};

static inline void
testutil_run_cont_cases(const struct parser *p, const struct parser_prog *prog,
    const struct testutil_cont_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool got = p->is_continuation(
		    prog, cases[i].line, strlen(cases[i].line));

		if (got != cases[i].cont)
			fail_msg("\"%s\": continuation %d, want %d",
			    cases[i].line, got, cases[i].cont);
	}
}

/* Parse the NUL-terminated line; rc must be want. Returns it. */
static inline enum parse_rc
testutil_parse(const struct parser *p, struct parser_prog *prog,
    const char *name, const char *line, enum parse_rc want,
    struct log_event *ev)
{
	enum parse_rc rc = p->parse(prog, line, strlen(line), ev);

	if (rc != want)
		fail_msg("%s: rc %d, want %d (%s at %zu)", name, rc, want,
		    ev->err ? ev->err : "-", ev->err_off);
	if (rc == PARSE_BAD && (ev->err == NULL || ev->err[0] == '\0'))
		fail_msg("%s: PARSE_BAD without a message", name);
	return rc;
}

/* ---- table-driven line cases -------------------------------------------- */

#define TESTUTIL_FMT_EXP_MAX  12
#define TESTUTIL_KIND_EXP_MAX 16

/* A line in the log_format of its row; fields by name in that format. */
struct testutil_fmt_case {
	const char *name;
	const char *format; /* NULL: the parser's default */
	const char *line;
	enum parse_rc rc;
	int64_t time_ms; /* on PARSE_OK, as testutil_check_time() */
	struct testutil_exp exp[TESTUTIL_FMT_EXP_MAX];
};

/* Each row: compile its format, parse, and on PARSE_OK check time, fields. */
static inline void
testutil_run_fmt_cases(
    const struct parser *p, const struct testutil_fmt_case *cases, size_t n)
{
	struct field_table *t = malloc(sizeof(*t));
	struct log_event *ev = malloc(sizeof(*ev));

	assert_non_null(t);
	assert_non_null(ev);
	for (size_t i = 0; i < n; i++) {
		const struct testutil_fmt_case *c = &cases[i];
		struct parser_prog *prog =
		    testutil_compile(p, c->format, NULL, t);

		if (testutil_parse(p, prog, c->name, c->line, c->rc, ev) ==
		    PARSE_OK) {
			testutil_check_time(c->name, ev, c->time_ms);
			testutil_check_fields(
			    c->name, t, ev, c->exp, TESTUTIL_FMT_EXP_MAX);
		}
		p->prog_free(prog);
	}
	free(ev);
	free(t);
}

/* A record of an error log; fields are well-known names. */
struct testutil_kind_case {
	const char *name, *line;
	enum parse_rc rc;
	int64_t time_ms;  /* on PARSE_OK, as testutil_check_time() */
	const char *kind; /* on PARSE_OK: the "error" field; NULL: absent */
	struct testutil_exp exp[TESTUTIL_KIND_EXP_MAX];
};

/*
 * Each row with prog: parse, and on PARSE_OK check the time, the kind,
 * that numbers go with texts and fields with produces(), then the fields.
 */
static inline void
testutil_run_kind_cases(const struct parser *p, struct parser_prog *prog,
    const struct testutil_kind_case *cases, size_t n)
{
	struct log_event ev;

	for (size_t i = 0; i < n; i++) {
		const struct testutil_kind_case *c = &cases[i];
		bool has_kind, kind_ok;

		if (testutil_parse(p, prog, c->name, c->line, c->rc, &ev) !=
		    PARSE_OK)
			continue;
		testutil_check_time(c->name, &ev, c->time_ms);
		has_kind = event_has(&ev, FIELD_ERROR);
		if (c->kind == NULL)
			kind_ok = !has_kind;
		else
			kind_ok = has_kind &&
			    sv_eq_cstr(ev.text[FIELD_ERROR], c->kind);
		if (!kind_ok)
			fail_msg("%s: kind \"%.*s\", want \"%s\"", c->name,
			    has_kind ? (int)ev.text[FIELD_ERROR].len : 4,
			    has_kind ? ev.text[FIELD_ERROR].p : "none",
			    c->kind ? c->kind : "none");
		if ((ev.numeric & ~ev.present) != 0)
			fail_msg("%s: numeric without text", c->name);
		if ((ev.present & ~p->produces(prog)) != 0)
			fail_msg("%s: field outside produces()", c->name);
		testutil_check_fields(
		    c->name, NULL, &ev, c->exp, TESTUTIL_KIND_EXP_MAX);
	}
}

/* ---- captured files ----------------------------------------------------- */

#define TESTUTIL_LINE_MAX   8192
#define TESTUTIL_RECORD_MAX (1024 * 1024)

/* Called for each record (numbered from 1) of a file, parsed PARSE_OK. */
typedef void testutil_record_fn(
    const char *path, unsigned nrec, const struct log_event *ev, void *arg);

/*
 * Read path (relative to the top directory, where tests run) line by
 * line, without the '\n' as a source hands them over; a line that
 * p->is_continuation says continues the record is joined to it with
 * '\n'. Every record must be PARSE_OK; fn (may be NULL) is then called
 * with it. Returns the number of records.
 */
static inline unsigned
testutil_parse_file(const char *path, const struct parser *p,
    struct parser_prog *prog, testutil_record_fn *fn, void *arg)
{
	FILE *f = fopen(path, "r");
	char line[TESTUTIL_LINE_MAX], *rec;
	struct log_event *ev;
	size_t rlen = 0;
	unsigned nrec = 0;
	bool more = true, have = false;

	if (f == NULL)
		fail_msg("%s: cannot open (run from the top directory)", path);
	rec = malloc(TESTUTIL_RECORD_MAX);
	ev = malloc(sizeof(*ev));
	assert_non_null(rec);
	assert_non_null(ev);
	while (more) {
		size_t n = 0;

		more = fgets(line, sizeof(line), f) != NULL;
		if (more) {
			n = strlen(line);
			if (n > 0 && line[n - 1] == '\n')
				line[--n] = '\0';
		}
		if (more && have && p->is_continuation != NULL &&
		    p->is_continuation(prog, line, n)) {
			if (rlen + 1 + n > TESTUTIL_RECORD_MAX)
				fail_msg("%s: record %u over %d bytes", path,
				    nrec + 1, TESTUTIL_RECORD_MAX);
			rec[rlen++] = '\n';
			memcpy(rec + rlen, line, n);
			rlen += n;
			continue;
		}
		if (have) {
			enum parse_rc rc = p->parse(prog, rec, rlen, ev);

			nrec++;
			if (rc != PARSE_OK)
				fail_msg("%s: record %u: rc %d (%s at %zu)",
				    path, nrec, rc, ev->err ? ev->err : "-",
				    ev->err_off);
			if (fn != NULL)
				fn(path, nrec, ev, arg);
		}
		memcpy(rec, line, n);
		rlen = n;
		have = more;
	}
	fclose(f);
	free(ev);
	free(rec);
	return nrec;
}

/*
 * Index of ev's "error" field (its kind) in kinds[0..n); a kind not in
 * the list fails, naming record nrec of path.
 */
static inline size_t
testutil_kind_index(const char *path, unsigned nrec, const struct log_event *ev,
    const char *const *kinds, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (event_has(ev, FIELD_ERROR) &&
		    sv_eq_cstr(ev->text[FIELD_ERROR], kinds[k]))
			return k;
	}
	fail_msg("%s: record %u: unknown kind", path, nrec);
	return n;
}

/* ---- random data -------------------------------------------------------- */

static inline uint64_t *
testutil_rng_state(void)
{
	static uint64_t state;

	return &state;
}

static inline void
testutil_rng_seed(uint64_t seed)
{
	*testutil_rng_state() = seed;
}

/* splitmix64: the next value of the sequence the seed started. */
static inline uint64_t
testutil_rng(void)
{
	uint64_t z = (*testutil_rng_state() += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double
testutil_unif(void)
{
	return (double)(testutil_rng() >> 11) * 0x1p-53;
}

/* ---- a scratch directory ------------------------------------------------ */

#define TESTUTIL_TMPDIR_MAX 128

static inline char *
testutil_tmpdir_buf(void)
{
	static char dir[TESTUTIL_TMPDIR_MAX];

	return dir;
}

/* The directory testutil_tmpdir_setup() made. */
static inline const char *
testutil_tmpdir(void)
{
	return testutil_tmpdir_buf();
}

/* Group setup: /tmp/klaxon-<test binary>-XXXXXX. */
static inline int
testutil_tmpdir_setup(void **state)
{
	char *dir = testutil_tmpdir_buf();

	(void)state;
	snprintf(dir, TESTUTIL_TMPDIR_MAX, "/tmp/klaxon-%s-XXXXXX",
	    program_invocation_short_name);
	return mkdtemp(dir) ? 0 : -1;
}

/* Group teardown: the directory and all in it. */
static inline int
testutil_tmpdir_teardown(void **state)
{
	char cmd[TESTUTIL_TMPDIR_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", testutil_tmpdir());
	return system(cmd);
}

/*
 * Write len bytes of data to name (a relative path, "a/b/c.conf") below
 * the scratch directory, creating a/ and a/b/. Returns the full path, in
 * a static buffer that the next call overwrites.
 */
static inline const char *
testutil_write_file(const char *name, const void *data, size_t len)
{
	static char path[512];
	char dir[512], *slash;
	size_t top = strlen(testutil_tmpdir());
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", testutil_tmpdir(), name);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = dir + top + 1; (slash = strchr(slash, '/')) != NULL;
	     slash++) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "wb");
	if (f == NULL)
		fail_msg("%s: cannot create", path);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* testutil_write_file() of a NUL-terminated text. */
static inline const char *
testutil_write_text(const char *name, const char *text)
{
	return testutil_write_file(name, text, strlen(text));
}

#endif /* TESTS_UNIT_TESTUTIL_H */
