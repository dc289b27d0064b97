/*
 * test_tail - one path followed by hand, in a scratch directory, through
 * what files do under a live agent: growth, a partial last line (waits,
 * completes, or is flushed after idle), rename + create with the writer
 * still on the old file, copytruncate and truncation, deletion and
 * recreation, a symlink retargeted (and refused with nofollow), a long
 * line arriving in pieces, and resuming at a checkpoint. Time is passed
 * in: nothing sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/tail.h"
#include "parsers/parser.h"
#include "tests/unit/testutil.h"

#include "parsers/compat.h"

#define IDLE 5000

static char *
path_of(const char *name)
{
	static char buf[4][512];
	static unsigned i;
	char *p = buf[i++ % 4];

	snprintf(p, 512, "%s/%s", testutil_tmpdir(), name);
	return p;
}

static void
append(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "ab");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Every line now, joined by '|', partial ones marked with '~'. */
static const char *
drain(struct tail *t, int64_t now)
{
	static char got[4096];
	struct tail_line l;
	size_t n = 0;

	got[0] = '\0';
	while (tail_next(t, now, &l) == TAIL_LINE) {
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%.*s%s",
		    n ? "|" : "", (int)l.len, l.p,
		    (l.flags & EVENT_PARTIAL) ? "~" : "");
		assert_true(n < sizeof(got));
	}
	return got;
}

static void
test_tail_grow(void **state)
{
	struct tail *t;

	(void)state;
	append("grow.log", "before\n");
	t = tail_new(path_of("grow.log"), 0, IDLE, false, false);
	assert_string_equal(drain(t, 0), ""); /* from the end */
	append("grow.log", "one\ntwo\nthr");
	assert_string_equal(drain(t, 0), "one|two");
	append("grow.log", "ee\n");
	assert_string_equal(drain(t, 100), "three");
	/* A last line without its newline: after idle, handed out. */
	append("grow.log", "last");
	assert_string_equal(drain(t, 200), "");
	assert_string_equal(drain(t, 200 + IDLE - 1), "");
	assert_string_equal(drain(t, 200 + IDLE), "last~");
	assert_int_equal(tail_stats(t)->lines, 4);
	tail_free(t);
}

static void
test_tail_rename_create(void **state)
{
	struct tail *t;
	struct stat old;

	(void)state;
	append("rot.log", "a\n");
	t = tail_new(path_of("rot.log"), 0, IDLE, true, false);
	assert_string_equal(drain(t, 0), "a");
	assert_int_equal(stat(path_of("rot.log"), &old), 0);
	assert_int_equal(rename(path_of("rot.log"), path_of("rot.log.1")), 0);
	append("rot.log.1", "b\n"); /* the writer has not reopened yet */
	assert_string_equal(drain(t, 10), "b");
	append("rot.log", "c\n"); /* logrotate's create, the new lines */
	append("rot.log.1", "d\n");
	/* The old file's lines first, then the new file's from its start. */
	assert_string_equal(drain(t, 20), "d|c");
	assert_int_equal(tail_stats(t)->rotations, 1);
	/* The writer is still on the old file after the switch. */
	append("rot.log.1", "d2\n");
	assert_string_equal(drain(t, 25), "d2");
	/* The old file is let go after idle; lines after that are not. */
	assert_string_equal(drain(t, 25 + IDLE - 1), "");
	assert_string_equal(drain(t, 25 + IDLE), "");
	append("rot.log.1", "late\n");
	assert_string_equal(drain(t, 30 + IDLE), "");
	append("rot.log", "e\n");
	assert_string_equal(drain(t, 40 + IDLE), "e");
	tail_free(t);
}

static void
test_tail_truncate(void **state)
{
	struct tail *t;

	(void)state;
	append("ct.log", "one\ntwo\n");
	t = tail_new(path_of("ct.log"), 0, IDLE, true, false);
	assert_string_equal(drain(t, 0), "one|two");
	/* copytruncate: copied away, truncated in place, written again. */
	assert_int_equal(truncate(path_of("ct.log"), 0), 0);
	append("ct.log", "new\n");
	assert_string_equal(drain(t, 10), "new");
	assert_int_equal(tail_stats(t)->truncations, 1);
	/* A partial line read before a truncation is not lost. */
	append("ct.log", "half");
	assert_string_equal(drain(t, 20), "");
	assert_int_equal(truncate(path_of("ct.log"), 0), 0);
	append("ct.log", "x\n");
	assert_string_equal(drain(t, 30), "half~|x");
	tail_free(t);
}

static void
test_tail_delete_recreate(void **state)
{
	struct tail *t;

	(void)state;
	t = tail_new(path_of("later.log"), 0, IDLE, false, false);
	/* Not there yet: waited for, without an error. */
	assert_string_equal(drain(t, 0), "");
	append("later.log", "first\n"); /* created while we run: all of it */
	assert_string_equal(drain(t, 10), "first");
	assert_int_equal(unlink(path_of("later.log")), 0);
	assert_string_equal(drain(t, 20), "");
	append("later.log", "again\n");
	assert_string_equal(drain(t, 30), "again");
	tail_free(t);
}

static void
test_tail_symlink(void **state)
{
	struct tail *t, *nf;

	(void)state;
	append("target1.log", "t1\n");
	append("target2.log", "t2\n");
	assert_int_equal(
	    symlink(path_of("target1.log"), path_of("link.log")), 0);
	t = tail_new(path_of("link.log"), 0, IDLE, true, false);
	nf = tail_new(path_of("link.log"), 0, IDLE, true, true);
	assert_string_equal(drain(t, 0), "t1");
	assert_string_equal(drain(nf, 0), ""); /* a glob's file: no link */
	assert_int_equal(unlink(path_of("link.log")), 0);
	assert_int_equal(
	    symlink(path_of("target2.log"), path_of("link.log")), 0);
	assert_string_equal(drain(t, 10), "t2");
	assert_int_equal(tail_stats(t)->rotations, 1);
	assert_int_equal(tail_stats(nf)->opens, 0);
	tail_free(t);
	tail_free(nf);
}

static void
test_tail_long_line(void **state)
{
	struct tail *t;
	char big[1200];
	struct tail_line l;

	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	append("long.log", "");
	t = tail_new(path_of("long.log"), 256, IDLE, true, false);
	append("long.log", big); /* in pieces, no newline yet */
	append("long.log", big);
	assert_int_equal(tail_next(t, 0, &l), TAIL_LINE);
	assert_int_equal(l.len, 256);
	assert_true(l.flags & EVENT_TRUNCATED);
	append("long.log", "\nshort\n");
	assert_string_equal(drain(t, 10), "short");
	assert_int_equal(tail_stats(t)->long_lines, 1);
	tail_free(t);
}

static void
test_tail_resume(void **state)
{
	struct tail *t;
	struct tail_line l;
	uint64_t dev, ino, end;

	(void)state;
	append("res.log", "one\ntwo\n");
	t = tail_new(path_of("res.log"), 0, IDLE, true, false);
	assert_int_equal(tail_next(t, 0, &l), TAIL_LINE);
	dev = l.dev;
	ino = l.ino;
	end = l.end; /* the checkpoint: after "one" */
	assert_int_equal(end, 4);
	tail_free(t);
	/* The same file: on after the checkpoint. */
	t = tail_new(path_of("res.log"), 0, IDLE, false, false);
	tail_resume(t, dev, ino, end);
	assert_string_equal(drain(t, 0), "two");
	tail_free(t);
	/* Another file at the path: all of it. */
	assert_int_equal(rename(path_of("res.log"), path_of("res.log.1")), 0);
	append("res.log", "three\n");
	t = tail_new(path_of("res.log"), 0, IDLE, false, false);
	tail_resume(t, dev, ino, end);
	assert_string_equal(drain(t, 0), "three");
	tail_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_grow),
		cmocka_unit_test(test_tail_rename_create),
		cmocka_unit_test(test_tail_truncate),
		cmocka_unit_test(test_tail_delete_recreate),
		cmocka_unit_test(test_tail_symlink),
		cmocka_unit_test(test_tail_long_line),
		cmocka_unit_test(test_tail_resume),
	};

	return cmocka_run_group_tests(
	    tests, testutil_tmpdir_setup, testutil_tmpdir_teardown);
}
