/*
 * logformat_impl - the compiled program of a logformat, shared by the two
 * files of the module and by nobody else: logformat.c builds it (at config
 * load), logformat_parse.c runs it (per line). Callers see only the opaque
 * struct logformat of logformat.h.
 *
 * Invariants, established by logformat_finish and relied on per line:
 * - items[0..n) are the variables in format order; n >= 1; anchor < n.
 * - it->lit points into the same struct's lits[] (so a program is never
 *   copied or moved once finished) and [lit, lit + lit_len) is in bounds;
 *   lits[0..head_len) is the literal before the first variable.
 * - lit8/mask8 hold the literal (lit_len <= 8) as one 8-byte word in
 *   memory order, mask8 with 0xff in the literal's bytes; how, escaped,
 *   list, pyrepr, fixed and the messages are final.
 * - an item with how == LF_SHAPE is followed by a variable with no
 *   literal between them (lit_len == 0), and finish checked that the
 *   next one cannot start with a byte in its alpha (or that its shape,
 *   INT, DEC or DEC3, ends by itself before the next one's first byte).
 * - run is conv, or LOGFORMAT_TEXT when the want mask does not need the
 *   conversion; after finish only logformat_want rewrites it.
 * The per-line code writes nothing but the timestamp cache (ts_*).
 */
#ifndef PARSERS_LOGFORMAT_IMPL_H
#define PARSERS_LOGFORMAT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/logformat.h"

#define LF_MSG_MAX     128 /* a per-variable error message */
#define LF_DISPLAY_MAX 64  /* "$upstream_response_time", "%({X-Api-Key}i)s" */
#define LF_TS_KEY_MAX  32  /* longest timestamp text kept in the cache */

/* How the end of a value is found. */
enum lf_how {
	LF_SCAN = 0, /* at the first occurrence of its literal (see rules) */
	LF_FIXED,    /* after a fixed number of bytes */
	LF_REST,     /* at the end of the line (last variable, no literal) */
	LF_ANCHORED, /* its literal ends the line (last variable) */
	LF_SHAPE,    /* where its shape ends (a variable follows at once) */
};

struct lf_item {
	/* Read per line, together. */
	enum lf_how how;
	int id;                  /* field id; -1 for LOGFORMAT_SKIP */
	enum logformat_conv run; /* as run: conv, or TEXT when not wanted */
	bool escaped;            /* quoted, and '\' escapes '"' */
	bool list;               /* continue over ", " and " : " */
	bool pyrepr;             /* a status that may be b'200 OK' */
	const char *lit;         /* the literal after it, in lits */
	size_t lit_len;
	uint64_t lit8, mask8;       /* lit_len <= 8: the literal as one word */
	size_t fixed;               /* LF_FIXED: length of the value */
	enum logformat_shape shape; /* resolved by finish, never _CONV */
	uint64_t alpha[4];          /* LF_SHAPE: the bytes the value holds */
	uint64_t follow[4];         /* LF_SHAPE: the next value's first bytes */
	/* Compile time and messages. */
	enum logformat_conv conv; /* as compiled */
	bool quoted;              /* between double quotes in the format */
	bool adjacent;            /* no literal between it and the one before */
	size_t lit_off;           /* offset of lit in lits */
	size_t col;               /* 1-based column in the user's format */
	char display[LF_DISPLAY_MAX];
	char expect_msg[LF_MSG_MAX]; /* "expected '\" ' after $request" */
	char bad_msg[LF_MSG_MAX];    /* "bad timestamp in $time_local" */
};

struct logformat {
	unsigned flags;
	unsigned n;      /* variables in items[] */
	size_t head_len; /* literal before the first variable: lits[0..) */
	size_t lits_len;
	unsigned anchor; /* index of the timestamp (or first) variable */
	bool has_anchor;
	bool in_quote;     /* builder: inside '"' after the last literal */
	size_t quote_col;  /* builder: column of the last opening '"' */
	bool last_was_var; /* builder: no literal since the last variable */
	bool finished;
	bool has_host; /* a variable of the format is the host */
	uint64_t produces;
	uint64_t want;
	/* Timestamp cache: the last text parsed and its value. For the CLF
	 * form, base_ms is the start of its minute so that a new second of
	 * the same minute costs two digits. */
	enum logformat_conv ts_conv;
	size_t ts_len;
	int64_t ts_ms;
	int64_t ts_base_ms;
	char ts_key[LF_TS_KEY_MAX];
	struct ts_zone *zone; /* zone-less CLF_BR times; NULL: none */
	char head_msg[LF_MSG_MAX];
	char trail_msg[LF_MSG_MAX];
	struct lf_item items[FIELD_MAX];
	char lits[LOGFORMAT_FORMAT_MAX];
};

#endif /* PARSERS_LOGFORMAT_IMPL_H */
