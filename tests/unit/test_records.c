/*
 * test_records - the line reader (plain, gzip, multi-member gzip, damaged
 * gzip, long lines, CRLF, missing final newline) and the grouping of
 * continuation lines into records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/reader.h"
#include "agent/records.h"
#include "parsers/parser.h"
#include "tests/unit/testutil.h"

#include "parsers/compat.h"

static const char *
write_gz(const char *name, const char *const *members, size_t n)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", testutil_tmpdir(), name);
	f = fopen(path, "wb");
	assert_non_null(f);
	/* One gzip member per string, concatenated like logrotate does. */
	for (size_t i = 0; i < n; i++) {
		char tmp[300];
		gzFile gz;
		FILE *m;
		char buf[4096];
		size_t got;

		snprintf(tmp, sizeof(tmp), "%s/member.gz", testutil_tmpdir());
		gz = gzopen(tmp, "wb");
		gzwrite(gz, members[i], (unsigned)strlen(members[i]));
		gzclose(gz);
		m = fopen(tmp, "rb");
		while ((got = fread(buf, 1, sizeof(buf), m)) > 0)
			fwrite(buf, 1, got, f);
		fclose(m);
	}
	fclose(f);
	return path;
}

/* Read all lines of path joined with '|', flags as T (cut) / P (partial). */
static enum reader_rc
read_all(const char *path, size_t line_max, char *out, size_t outsz)
{
	struct reader *r = reader_open(path, line_max);
	const char *line;
	size_t len, o = 0, n = 0;
	uint32_t flags;
	enum reader_rc rc;

	assert_non_null(r);
	out[0] = '\0';
	while ((rc = reader_next(r, &line, &len, &flags)) == READER_LINE) {
		o += (size_t)snprintf(out + o, outsz - o, "%s%.*s%s%s",
		    n++ ? "|" : "", (int)len, line,
		    flags & EVENT_TRUNCATED ? "<T>" : "",
		    flags & EVENT_PARTIAL ? "<P>" : "");
		assert_true(o < outsz);
	}
	reader_close(r);
	return rc;
}

static void
test_reader_plain(void **state)
{
	static const struct {
		const char *name, *data, *want;
	} cases[] = {
		{ "empty", "", "" },
		{ "newline only", "\n", "" },
		{ "two lines", "a\nbb\n", "a|bb" },
		{ "crlf", "a\r\nb\r\n", "a|b" },
		{ "lone cr line", "\r\nx\n", "|x" },
		{ "no final newline", "a\nlast", "a|last<P>" },
		{ "blank lines kept", "a\n\nb\n", "a||b" },
		{ "nul byte kept", "a\0b\nc\n", "a" },
	};
	char out[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].data);
		const char *p;

		if (strcmp(cases[i].name, "nul byte kept") == 0)
			len = 6;
		p = testutil_write_file("plain.log", cases[i].data, len);
		assert_int_equal(read_all(p, 0, out, sizeof(out)), READER_EOF);
		if (strcmp(cases[i].name, "nul byte kept") == 0) {
			/* %.*s stops at the NUL: check the length instead. */
			struct reader *r = reader_open(p, 0);
			const char *line;
			size_t l;
			uint32_t fl;
			assert_int_equal(
			    reader_next(r, &line, &l, &fl), READER_LINE);
			assert_int_equal(l, 3);
			reader_close(r);
			continue;
		}
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name,
			    out, cases[i].want);
	}
}

static void
test_reader_long_line(void **state)
{
	size_t big = 1024 * 1024;
	char *data = malloc(big + 16);
	char out[256];
	struct reader *r;
	const char *line;
	size_t len;
	uint32_t flags;

	(void)state;
	memset(data, 'x', big);
	memcpy(data + big, "\nok\n", 4);
	r = reader_open(testutil_write_file("long.log", data, big + 4), 1000);
	assert_non_null(r);
	assert_int_equal(reader_next(r, &line, &len, &flags), READER_LINE);
	assert_int_equal(len, 1000);
	assert_true(flags & EVENT_TRUNCATED);
	assert_int_equal(reader_next(r, &line, &len, &flags), READER_LINE);
	assert_int_equal(len, 2);
	assert_memory_equal(line, "ok", 2);
	assert_int_equal(reader_next(r, &line, &len, &flags), READER_EOF);
	assert_int_equal(reader_long_lines(r), 1);
	reader_close(r);
	/* A long line with no newline at all ends the file cleanly. */
	assert_int_equal(read_all(testutil_write_file("long2.log", data, big),
			     100, out, sizeof(out)),
	    READER_EOF);
	free(data);
}

/*
 * A line longer than line_max but inside one read block (a 20 KB line
 * among short ones, line_max 16 KiB) is cut like one that spans blocks:
 * the reader used to cut only lines that filled its buffer (issue 8's
 * review: line_max was honoured only past 256 KiB).
 */
static void
test_reader_long_line_in_block(void **state)
{
	size_t big = 20000, n = 0;
	char *data = malloc(big + 64);
	struct reader *r;
	const char *line;
	size_t len;
	uint32_t flags;

	(void)state;
	n += (size_t)snprintf(data, 64, "first\n");
	memset(data + n, 'y', big);
	n += big;
	memcpy(data + n, "\nlast\n", 6);
	n += 6;
	r = reader_open(testutil_write_file("mid.log", data, n), 16384);
	assert_non_null(r);
	assert_int_equal(reader_next(r, &line, &len, &flags), READER_LINE);
	assert_int_equal(len, 5);
	assert_int_equal(reader_next(r, &line, &len, &flags), READER_LINE);
	assert_int_equal(len, 16384);
	assert_true(flags & EVENT_TRUNCATED);
	assert_int_equal(reader_next(r, &line, &len, &flags), READER_LINE);
	assert_int_equal(len, 4);
	assert_memory_equal(line, "last", 4);
	assert_int_equal(reader_next(r, &line, &len, &flags), READER_EOF);
	assert_int_equal(reader_long_lines(r), 1);
	reader_close(r);
	free(data);
}

static void
test_reader_gzip(void **state)
{
	static const char *const members[] = { "one\ntwo\n", "three\nfo",
		"ur\n" };
	char out[256];
	const char *p;
	FILE *f;
	long size;
	char *buf;

	(void)state;
	p = write_gz("multi.gz", members, 3);
	assert_int_equal(read_all(p, 0, out, sizeof(out)), READER_EOF);
	assert_string_equal(out, "one|two|three|four");
	/* Cut the file in the middle: lines before the damage, then ERR. */
	f = fopen(p, "rb");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	p = testutil_write_file("cut.gz", buf, (size_t)size - 8);
	assert_int_equal(read_all(p, 0, out, sizeof(out)), READER_ERR);
	assert_true(strncmp(out, "one|two", 7) == 0);
	free(buf);
}

/* Padding, garbage, and a file bigger than the inflating ring. */
static void
test_reader_gzip_edges(void **state)
{
	static const char *const one[] = { "a\nb\n" };
	char out[256], *buf, *big;
	const char *p;
	FILE *f;
	long size;
	size_t n = 250000, len = 0;
	struct reader *r;
	const char *line;
	size_t l;
	uint32_t fl;
	gzFile gz;
	char path[300];

	(void)state;
	p = write_gz("pad.gz", one, 1);
	f = fopen(p, "rb");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)size + 512);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	/* 512 zero bytes after the member: padding, read cleanly. */
	p = testutil_write_file("padded.gz", buf, (size_t)size + 512);
	assert_int_equal(read_all(p, 0, out, sizeof(out)), READER_EOF);
	assert_string_equal(out, "a|b");
	/* Garbage after the member: the lines, then an error. */
	memcpy(buf + size, "junk", 4);
	p = testutil_write_file("junk.gz", buf, (size_t)size + 4);
	assert_int_equal(read_all(p, 0, out, sizeof(out)), READER_ERR);
	assert_string_equal(out, "a|b");
	free(buf);

	/* More than the inflating ring holds (4 x 1 MiB), each line read
	 * back in order. */
	snprintf(path, sizeof(path), "%s/big.gz", testutil_tmpdir());
	gz = gzopen(path, "wb1");
	big = malloc(64);
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(big, 64, "line %zu of the big file\n", i);
		gzwrite(gz, big, (unsigned)k);
		len += (size_t)k;
	}
	gzclose(gz);
	assert_true(len > 4 * 1024 * 1024);
	r = reader_open(path, 0);
	assert_non_null(r);
	for (size_t i = 0; i < n; i++) {
		char want[64];
		int k =
		    snprintf(want, sizeof(want), "line %zu of the big file", i);
		assert_int_equal(reader_next(r, &line, &l, &fl), READER_LINE);
		if (l != (size_t)k || memcmp(line, want, l) != 0)
			fail_msg("line %zu: got \"%.*s\"", i, (int)l, line);
	}
	assert_int_equal(reader_next(r, &line, &l, &fl), READER_EOF);
	reader_close(r);
	/* Closing in the middle stops the inflating thread cleanly. */
	r = reader_open(path, 0);
	assert_int_equal(reader_next(r, &line, &l, &fl), READER_LINE);
	reader_close(r);
	free(big);
}

/* Read path into a malloc'd buffer; its size in *size. */
static char *
slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/*
 * Issue 8: intact data, wrong trailer (CRC-32 or length). Every line
 * inflated before the check is handed out, then READER_ERR names the
 * trailer and its offset, the same with ISA-L (which reads all 8 bytes of
 * it first) and zlib (which stops after a bad CRC-32). A file of one
 * small member is the case where everything came out of the last inflate
 * step; a second member after the damaged one is not read.
 */
static void
test_reader_gzip_trailer_issue_8(void **state)
{
	static const char *const one[] = { "one\ntwo\nthree\n" };
	static const char *const two[] = { "one\ntwo\n", "three\n" };
	static const struct {
		const char *name;
		const char *const *members;
		size_t nmembers;
		int member_end; /* bytes of member 1 from the end; 0: all */
		int at;         /* trailer byte to change, from the end */
		const char *want;
	} cases[] = {
		{ "crc", one, 1, 0, 8, "one|two|three" },
		{ "crc last byte", one, 1, 0, 5, "one|two|three" },
		{ "length", one, 1, 0, 4, "one|two|three" },
		{ "length high byte", one, 1, 0, 1, "one|two|three" },
		{ "crc of the first member", two, 2, 1, 8, "one|two" },
	};
	char out[256], msg[300], want_at[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p =
		    write_gz("trailer.gz", cases[i].members, cases[i].nmembers);
		size_t size, end;
		char *buf = slurp(p, &size);
		struct reader *r;
		const char *line;
		size_t l, o = 0, n = 0;
		uint32_t fl;
		enum reader_rc rc;

		end = size;
		if (cases[i].member_end) {
			/* The second member is as long as a lone one. */
			size_t second;
			char *b2 =
			    slurp(write_gz("m2.gz", cases[i].members + 1, 1),
				&second);
			free(b2);
			end = size - second;
		}
		buf[end - (size_t)cases[i].at] ^= 0x5a;
		p = testutil_write_file("trailer.gz", buf, size);
		free(buf);
		r = reader_open(p, 0);
		assert_non_null(r);
		out[0] = '\0';
		while ((rc = reader_next(r, &line, &l, &fl)) == READER_LINE)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "%s%.*s", n++ ? "|" : "", (int)l, line);
		snprintf(msg, sizeof(msg), "%s", reader_error(r));
		reader_close(r);
		if (rc != READER_ERR || strcmp(out, cases[i].want) != 0)
			fail_msg("%s: rc %d, lines \"%s\", want ERR after "
				 "\"%s\"",
			    cases[i].name, rc, out, cases[i].want);
		snprintf(want_at, sizeof(want_at), "after %zu compressed bytes",
		    end - 8);
		if (strstr(msg, "trailer") == NULL ||
		    strstr(msg, want_at) == NULL)
			fail_msg("%s: message \"%s\", want the trailer and "
				 "\"%s\"",
			    cases[i].name, msg, want_at);
	}
}

/* A trailer error after more than the inflating ring holds: no byte of
 * the last block is lost. */
static void
test_reader_gzip_trailer_big_issue_8(void **state)
{
	char path[300], line_want[64], *buf;
	size_t n = 300000, size;
	struct reader *r;
	const char *line;
	size_t l, got = 0;
	uint32_t fl;
	gzFile gz;

	(void)state;
	snprintf(path, sizeof(path), "%s/bigcrc.gz", testutil_tmpdir());
	gz = gzopen(path, "wb1");
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(line_want, sizeof(line_want),
		    "line %zu of the big file\n", i);
		gzwrite(gz, line_want, (unsigned)k);
	}
	gzclose(gz);
	buf = slurp(path, &size);
	buf[size - 8] ^= 0x01;
	r = reader_open(testutil_write_file("bigcrc.gz", buf, size), 0);
	free(buf);
	assert_non_null(r);
	while (reader_next(r, &line, &l, &fl) == READER_LINE) {
		int k = snprintf(line_want, sizeof(line_want),
		    "line %zu of the big file", got);
		if (l != (size_t)k || memcmp(line, line_want, l) != 0)
			fail_msg("line %zu: got \"%.*s\"", got, (int)l, line);
		got++;
	}
	assert_int_equal(got, n);
	assert_non_null(strstr(reader_error(r), "trailer"));
	reader_close(r);
}

/* A path that reads data through a pipe (data must fit in the pipe). */
static const char *
pipe_path(const void *data, size_t len, int *keep_fd)
{
	static char path[64];
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], data, len), (ssize_t)len);
	close(fds[1]);
	*keep_fd = fds[0];
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	return path;
}

/* Peek n lines (or to the end of what peeking shows), rewind, then read
 * everything: joined as read_all() does. Returns the lines peeked. */
static size_t
peek_then_read(struct reader *r, size_t n, char *out, size_t outsz)
{
	const char *line;
	size_t len, o = 0, k = 0, peeked = 0;
	uint32_t flags;

	while (peeked < n &&
	    reader_peek(r, &line, &len, &flags) == READER_LINE)
		peeked++;
	assert_int_equal(reader_rewind(r), 0);
	out[0] = '\0';
	while (reader_next(r, &line, &len, &flags) == READER_LINE) {
		o += (size_t)snprintf(out + o, outsz - o, "%s%.*s%s%s",
		    k++ ? "|" : "", (int)len, line,
		    flags & EVENT_TRUNCATED ? "<T>" : "",
		    flags & EVENT_PARTIAL ? "<P>" : "");
		assert_true(o < outsz);
	}
	assert_int_equal(reader_lines(r), k);
	return peeked;
}

/*
 * Issue 8: an input that can be read only once is peeked at, rewound and
 * then read from its first line, plain or gzip, with the counters
 * starting again at zero.
 */
static void
test_reader_peek_pipe_issue_8(void **state)
{
	static const char *const gz_members[] = { "g1\ng2\n", "g3\n" };
	static const struct {
		const char *name, *data;
		bool gz;
		size_t line_max, peek;
		const char *want;
		uint64_t long_lines;
	} cases[] = {
		{ "one line peeked", "a\nb\nc\n", false, 0, 1, "a|b|c", 0 },
		{ "all peeked", "a\nb\nc\n", false, 0, 99, "a|b|c", 0 },
		{ "nothing peeked", "a\nb\n", false, 0, 0, "a|b", 0 },
		{ "partial last line", "a\nlast", false, 0, 99, "a|last<P>", 0 },
		{ "long line cut while peeking", "ok\n0123456789abc", false,
		    10, 99, "ok|0123456789<T>", 1 },
		{ "crlf", "a\r\nb\r\n", false, 0, 1, "a|b", 0 },
		{ "empty", "", false, 0, 99, "", 0 },
		{ "gzip stream", NULL, true, 0, 1, "g1|g2|g3", 0 },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = NULL;
		size_t len;
		const char *p;
		struct reader *r;
		int fd;

		if (cases[i].gz)
			buf = slurp(write_gz("pipe.gz", gz_members, 2), &len);
		else
			len = strlen(cases[i].data);
		p = pipe_path(buf ? buf : cases[i].data, len, &fd);
		r = reader_open(p, cases[i].line_max);
		close(fd);
		free(buf);
		assert_non_null(r);
		if (!reader_is_once(r))
			fail_msg("%s: a pipe is not read once", cases[i].name);
		peek_then_read(r, cases[i].peek, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name,
			    out, cases[i].want);
		assert_int_equal(reader_long_lines(r), cases[i].long_lines);
		reader_close(r);
	}
}

/* Peeking stops at a full buffer without losing a byte; once reading has
 * dropped bytes, rewinding is refused. A regular file is not "once". */
static void
test_reader_peek_limits_issue_8(void **state)
{
	size_t n = 40000, o = 0, peeked;
	char *data = malloc(n * 16), *out = malloc(n * 16 + 16);
	const char *p, *line;
	struct reader *r;
	size_t len;
	uint32_t fl;

	(void)state;
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(data + o, 16, "line %06zu\n", i);
	p = testutil_write_file("peekbig.log", data, o);
	r = reader_open(p, 0);
	assert_non_null(r);
	assert_false(reader_is_once(r));
	assert_int_equal(reader_size(r), o);
	peeked = peek_then_read(r, n, out, n * 16 + 16);
	/* 256 KiB shown at most, every line read back after the rewind. */
	assert_true(peeked > 1000 && peeked < n);
	assert_int_equal(reader_lines(r), n);
	assert_int_equal(strncmp(out, "line 000000|line 000001", 23), 0);
	assert_int_equal(reader_rewind(r), -1);
	assert_int_equal(reader_peek(r, &line, &len, &fl), READER_EOF);
	reader_close(r);
	free(data);
	free(out);
}

static void
test_reader_missing(void **state)
{
	(void)state;
	assert_null(reader_open("/nonexistent/klaxon/file.log", 0));
}

/* A format whose continuation lines start with a space or "Traceback". */
static bool
cont(const struct parser_prog *prog, const char *line, size_t len)
{
	(void)prog;
	return len == 0 || line[0] == ' ' ||
	    (len >= 9 && memcmp(line, "Traceback", 9) == 0);
}

static void
test_records_grouping(void **state)
{
	static const struct parser multi = { .name = "multi",
		.is_continuation = cont };
	static const struct parser single = { .name = "single" };
	static const char *const lines[] = { " orphan", "[a] head one",
		"Traceback (most recent call last):", "  File x",
		"[b] head two", "[c] three", "  tail" };
	static const char *const want[] = { " orphan",
		"[a] head one\nTraceback (most recent call last):\n  File x",
		"[b] head two", "[c] three\n  tail" };
	struct records r;
	struct sv out;
	uint32_t fl;
	size_t got = 0;

	(void)state;
	assert_int_equal(records_init(&r, &multi, NULL, 0), 0);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (records_push(
			&r, lines[i], strlen(lines[i]), 0, &out, &fl)) {
			assert_true(got < 4);
			if (!sv_eq_cstr(out, want[got]))
				fail_msg("record %zu: got \"%.*s\"", got,
				    (int)out.len, out.p);
			got++;
		}
	}
	assert_true(records_flush(&r, &out, &fl));
	assert_true(sv_eq_cstr(out, want[3]));
	assert_false(records_flush(&r, &out, &fl));
	assert_int_equal(got, 3);
	assert_int_equal(r.orphans, 1);
	records_release(&r);

	/* Single-line formats pass lines through without a copy. */
	assert_int_equal(records_init(&r, &single, NULL, 0), 0);
	assert_true(records_push(&r, lines[2], 5, 0, &out, &fl));
	assert_ptr_equal(out.p, lines[2]);
	records_release(&r);
}

/*
 * Records carry where their lines lie in the input (issue 10: a
 * checkpoint may sit at the start of a traceback still being collected):
 * a reader's line spans through records_push_span, with CRLF, a
 * traceback and a last line without a newline.
 */
static void
test_records_spans(void **state)
{
	static const struct parser multi = { .name = "multi",
		.is_continuation = cont };
	static const char data[] = "[a] one\r\n"	   /* 0..9 */
				   "[b] two\n"	   /* 9..17 */
				   "Traceback (x)\n" /* 17..31 */
				   "  File y\n"	   /* 31..40 */
				   "[c] three";	   /* 40..49 */
	static const uint64_t want[][2] = { { 0, 9 }, { 9, 40 }, { 40, 49 } };
	char path[512];
	struct reader *rd;
	struct records r;
	const char *line;
	size_t len;
	uint32_t fl;
	struct sv out;
	uint64_t a, b, pend;
	size_t got = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s",
	    testutil_write_file("spans.log", data, sizeof(data) - 1));
	rd = reader_open(path, 0);
	assert_non_null(rd);
	assert_int_equal(records_init(&r, &multi, NULL, 0), 0);
	while (reader_next(rd, &line, &len, &fl) == READER_LINE) {
		reader_line_span(rd, &a, &b);
		if (records_push_span(&r, line, len, fl, a, b, &out, &fl)) {
			records_span(&r, &a, &b);
			assert_true(got < 3);
			if (a != want[got][0] || b != want[got][1])
				fail_msg("record %zu: span %llu..%llu", got,
				    (unsigned long long)a,
				    (unsigned long long)b);
			got++;
		}
		/* While [b]'s traceback is collected, a checkpoint sits
		 * at its head. */
		if (got == 1 && len > 0 && line[0] == ' ') {
			assert_true(records_pending_start(&r, &pend));
			assert_int_equal(pend, 9);
		}
	}
	assert_true(records_flush(&r, &out, &fl));
	records_span(&r, &a, &b);
	assert_int_equal(a, 40);
	assert_int_equal(b, 49);
	assert_false(records_pending_start(&r, &pend));
	/* And which file it was: device and inode. */
	{
		struct stat sb;
		uint64_t dev, ino;

		assert_int_equal(stat(path, &sb), 0);
		reader_identity(rd, &dev, &ino);
		assert_true(dev == (uint64_t)sb.st_dev);
		assert_true(ino == (uint64_t)sb.st_ino);
	}
	records_release(&r);
	reader_close(rd);
}

static void
test_records_cap(void **state)
{
	static const struct parser multi = { .name = "multi",
		.is_continuation = cont };
	struct records r;
	struct sv out;
	uint32_t fl;

	(void)state;
	/* A cap below the minimum is raised to it. */
	assert_int_equal(records_init(&r, &multi, NULL, 32), 0);
	assert_int_equal(r.cap, RECORDS_MAX_MIN);
	assert_false(records_push(&r, "[a] head", 8, 0, &out, &fl));
	for (int i = 0; i < 100; i++)
		assert_false(
		    records_push(&r, " continuation line", 18, 0, &out, &fl));
	assert_true(records_push(&r, "[b] next", 8, 0, &out, &fl));
	assert_true(out.len <= RECORDS_MAX_MIN);
	assert_true(fl & EVENT_TRUNCATED);
	/* 8 + 100 * 19 bytes: whole lines at both ends, the rest counted. */
	assert_true(sv_starts_with(out, "[a] head\n continuation line\n"));
	assert_memory_equal(out.p + out.len - 19, "\n continuation line", 19);
	{
		const char *m = memmem(out.p, out.len, "\n[... ", 6);
		const char *e;
		unsigned long long cut;

		assert_non_null(m);
		cut = strtoull(m + 6, NULL, 10);
		e = memchr(m + 1, '\n', (size_t)(out.p + out.len - m - 1));
		assert_non_null(e);
		assert_int_equal(out.len - (size_t)(e + 1 - m) + cut, 1908);
		assert_int_equal((cut - 1) % 19, 0); /* whole lines, 2 breaks */
	}
	assert_true(records_flush(&r, &out, &fl));
	assert_true(sv_eq_cstr(out, "[b] next"));
	assert_false(fl & EVENT_TRUNCATED);
	records_release(&r);
}

/*
 * Issue 8: a traceback longer than the record cap keeps its head (the
 * gunicorn line and the first frames) and its tail (the last frames and
 * the final "SomeError: message" line a rule wants), with a marker of
 * what was cut between, and the record is still one gunicorn_error event.
 * The traceback follows Python's format (traceback.format_exception): a
 * chained exception, then frames of two lines each, deep enough (a
 * middleware stack around a recursive serializer) to pass 64 KiB.
 */
static void
test_records_cut_keeps_tail(void **state)
{
	static const char head[] = "[2026-11-22 14:46:12 +0000] [25238] "
				   "[ERROR] Error handling request /api/sync";
	static const char last[] = "psycopg2.OperationalError: could not "
				   "connect to server: Connection refused";
	struct parser_prog *prog;
	struct log_event ev;
	struct records r;
	struct sv out, tb;
	uint32_t fl;
	char line[256];
	const char *mark, *after;
	size_t total = sizeof(head) - 1;

	(void)state;
	prog = testutil_compile(&gunicorn_error_parser, NULL, NULL, NULL);
	assert_int_equal(records_init(&r, &gunicorn_error_parser, prog, 0), 0);
	assert_false(records_push(&r, head, strlen(head), 0, &out, &fl));
#define PUSH(...)                                                              \
	do {                                                                   \
		int n_ = snprintf(line, sizeof(line), __VA_ARGS__);            \
		assert_false(                                                  \
		    records_push(&r, line, (size_t)n_, 0, &out, &fl));         \
		total += 1 + (size_t)n_;                                       \
	} while (0)
	PUSH("Traceback (most recent call last):");
	PUSH("  File \"/srv/app/venv/lib/python3.11/site-packages/gunicorn/"
	     "workers/sync.py\", line 135, in handle");
	PUSH("    self.handle_request(listener, req, client, addr)");
	for (int i = 0; i < 1200; i++) {
		PUSH("  File \"/srv/app/api/serializers.py\", line %d, in "
		     "to_representation",
		    100 + i % 50);
		PUSH("    return [self.child.to_representation(item) for item "
		     "in data]");
	}
	PUSH("%s", "");
	PUSH("During handling of the above exception, another exception "
	     "occurred:");
	PUSH("%s", "");
	PUSH("Traceback (most recent call last):");
	PUSH("  File \"/srv/app/api/db.py\", line 42, in connect");
	PUSH("    return psycopg2.connect(dsn, connect_timeout=3)");
	PUSH("%s", last);
#undef PUSH
	assert_true(total > 2 * RECORDS_MAX_DEFAULT);
	assert_true(records_flush(&r, &out, &fl));
	assert_true(fl & EVENT_TRUNCATED);
	assert_true(out.len <= RECORDS_MAX_DEFAULT);
	assert_true(out.len > RECORDS_MAX_DEFAULT - 512);

	/* Head, marker on a line of its own, whole lines of tail, last. */
	assert_true(sv_starts_with(out, head));
	mark = memmem(out.p, out.len, "\n[... ", 6);
	assert_non_null(mark);
	assert_non_null(memmem(mark, 40, " bytes cut ...]\n", 16));
	after = memchr(mark + 1, '\n', (size_t)(out.p + out.len - mark - 1));
	assert_non_null(after);
	assert_true(after[1] == ' ');
	assert_true(out.len > sizeof(last) &&
	    memcmp(out.p + out.len - (sizeof(last) - 1), last,
		sizeof(last) - 1) == 0);
	{
		unsigned long long cut = strtoull(mark + 5, NULL, 10);
		size_t marker_len = (size_t)(after + 1 - mark);

		/* kept + cut + marker line = the whole record. */
		if (out.len - marker_len + cut != total)
			fail_msg("kept %zu, marker %zu, cut %llu: want %zu",
			    out.len, marker_len, cut, total);
	}

	/* Still one event, and its traceback ends with the exception. */
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(
	    gunicorn_error_parser.parse(prog, out.p, out.len, &ev), PARSE_OK);
	tb = ev.text[FIELD_TRACEBACK];
	assert_true(sv_starts_with(tb, "Traceback (most recent call"));
	assert_true(tb.len > sizeof(last) &&
	    memcmp(tb.p + tb.len - (sizeof(last) - 1), last,
		sizeof(last) - 1) == 0);
	records_release(&r);
	gunicorn_error_parser.prog_free(prog);
}

/*
 * Issue 9: with gunicorn_error, a line that is neither a record head nor
 * a traceback line (what the app prints to stderr, gunicorn's own
 * "Error: ..." at startup) is a record of its own, handed out to be
 * counted, never appended to the traceback before it; a gunicorn 19.1
 * line and a Flask line are heads. Lines as gunicorn, Flask and Django
 * write them.
 */
static void
test_records_gunicorn_heads_issue_9(void **state)
{
	static const char *const lines[] = {
		"[2026-11-22 14:46:12 +0000] [7104] [ERROR] Error handling "
		"request /x",
		"Traceback (most recent call last):",
		"  File \"/srv/app/app.py\", line 7, in index",
		"    return 1 / 0",
		"ZeroDivisionError: division by zero",
		"Not Found: /favicon.ico",
		"<Response [200]>",
		"Internal Server Error: /polls/",
		"Traceback (most recent call last):",
		"KeyError: 'q'",
		"2016-10-25 08:59:54 [24924] [INFO] Booting worker with pid: "
		"24924",
		"[2025-04-12 16:53:34,033] ERROR in app: Exception on /m [GET]",
		"Traceback (most recent call last):",
		"",
		"During handling of the above exception, another exception "
		"occurred:",
		"",
		"sqlite3.OperationalError: no such table: m",
	};
	static const struct {
		unsigned first, n; /* lines of each record */
		enum parse_rc rc;
	} want[] = {
		{ 0, 5, PARSE_OK },
		{ 5, 1, PARSE_SKIP },
		{ 6, 1, PARSE_SKIP },
		{ 7, 3, PARSE_SKIP },
		{ 10, 1, PARSE_OK },
		{ 11, 6, PARSE_OK },
	};
	struct parser_prog *prog;
	struct log_event ev;
	struct records r;
	struct sv out;
	uint32_t fl;
	size_t got = 0;
	bool more = true;

	(void)state;
	prog = testutil_compile(&gunicorn_error_parser, NULL, "UTC", NULL);
	assert_int_equal(records_init(&r, &gunicorn_error_parser, prog, 0), 0);
	for (size_t i = 0; more; i++) {
		bool done;
		char rec[1024];
		size_t len = 0;

		if (i < NELEM(lines))
			done = records_push(
			    &r, lines[i], strlen(lines[i]), 0, &out, &fl);
		else
			more = done = records_flush(&r, &out, &fl);
		if (!done)
			continue;
		if (got >= NELEM(want))
			fail_msg("record %zu too many: \"%.*s\"", got,
			    (int)out.len, out.p);
		for (unsigned k = 0; k < want[got].n; k++) {
			const char *l = lines[want[got].first + k];

			len += (size_t)snprintf(rec + len, sizeof(rec) - len,
			    "%s%s", k ? "\n" : "", l);
		}
		if (!sv_eq_cstr(out, rec))
			fail_msg("record %zu: got \"%.*s\", want \"%s\"", got,
			    (int)out.len, out.p, rec);
		if (gunicorn_error_parser.parse(prog, out.p, out.len, &ev) !=
		    want[got].rc)
			fail_msg(
			    "record %zu: rc, want %d", got, (int)want[got].rc);
		got++;
	}
	assert_int_equal(got, NELEM(want));
	assert_int_equal(r.orphans, 0);
	records_release(&r);
	gunicorn_error_parser.prog_free(prog);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_plain),
		cmocka_unit_test(test_reader_long_line),
		cmocka_unit_test(test_reader_long_line_in_block),
		cmocka_unit_test(test_reader_gzip),
		cmocka_unit_test(test_reader_gzip_edges),
		cmocka_unit_test(test_reader_gzip_trailer_issue_8),
		cmocka_unit_test(test_reader_gzip_trailer_big_issue_8),
		cmocka_unit_test(test_reader_peek_pipe_issue_8),
		cmocka_unit_test(test_reader_peek_limits_issue_8),
		cmocka_unit_test(test_reader_missing),
		cmocka_unit_test(test_records_gunicorn_heads_issue_9),
		cmocka_unit_test(test_records_grouping),
		cmocka_unit_test(test_records_spans),
		cmocka_unit_test(test_records_cap),
		cmocka_unit_test(test_records_cut_keeps_tail),
	};
	return cmocka_run_group_tests(
	    tests, testutil_tmpdir_setup, testutil_tmpdir_teardown);
}
