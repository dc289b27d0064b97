/*
 * expr_impl - the inside of a compiled expression, shared by the files of
 * the expr module and by nothing else (rules see expr.h):
 *
 *   expr.c        evaluation (expr_eval) and the literal fast path's match
 *   expr_lex.c    the tokenizer and number literals
 *   expr_parse.c  the parser, error messages, expr_compile and expr_free
 *   expr_regex.c  PCRE2 compile, match contexts and limits, the literal
 *                 fast path's analysis, expr_jit_available
 *
 * Nodes refer to each other by index into e->nodes (NONE: no node);
 * strings are (off, len) into e->pool; N_RE's off indexes e->re, N_IN's
 * (off, len) e->lits. struct lexer and struct parse exist only during
 * expr_compile.
 */
#ifndef RULES_EXPR_IMPL_H
#define RULES_EXPR_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules/expr.h"

#define NONE UINT32_MAX

enum tok {
	T_EOF = 0,
	T_ERR,
	T_IDENT,
	T_NUM,
	T_STR,
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_COMMA,
	T_AND,
	T_OR,
	T_NOT,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_MATCH,
	T_NMATCH,
	T_IN,
};

enum node_kind {
	N_AND = 0, /* kid: first operand, chained by next */
	N_OR,
	N_NOT,   /* kid: operand */
	N_TRUTH, /* field alone */
	N_NUM,   /* field op num */
	N_STR,   /* field op pool[off, len] */
	N_RE,    /* field =~ re[off]; neg: !~ */
	N_IN,    /* field in lits[off, len]; neg: !in */
	N_PREFIX, /* N_RE whose regex is one anchored literal of at most 8
		     bytes ('^/api/'): word, wmask, fmask as in struct
		     litset, num = its length; set after compiling */
};

struct node {
	uint8_t kind;
	uint8_t op; /* T_EQ .. T_GE for N_NUM, N_STR */
	bool neg;
	uint8_t cmask; /* N_NUM, N_STR: op as bits 1 <, 2 ==, 4 > */
	int16_t field;
	uint32_t kid, next;
	uint32_t off, len;
	double num;
	uint64_t word, wmask, fmask; /* N_PREFIX */
};

struct lit {
	bool is_num;
	double num;
	uint32_t off, len; /* string in the pool */
};

#define LIT_ALT_MAX 8 /* alternatives of a literal fast path */

/* 16 bytes as one GCC/clang vector: SSE2, NEON, or scalar code. */
typedef uint8_t v16b __attribute__((vector_size(16)));

/*
 * A regex that is only literal alternatives (see lit_parse) answers
 * without PCRE2: bytes holds the alternatives, lowered when fold; first[c]
 * has bit j when alternative j can start with byte c; shift[c] is the
 * Horspool shift for the byte under the last of the first minlen bytes of
 * an alignment (0: try the alignment). word[j] and wmask[j] are the
 * first (up to) 8 bytes of alternative j as a native word and the bytes
 * they cover, fmask[j] has 0x20 at the letters to fold: 8 subject bytes s
 * start alternative j's prefix when ((s | fmask) & wmask) == word. An
 * unanchored set whose alternatives are all 2 bytes or longer is scanned
 * 16 positions at a time on their first two bytes (expr.c, lit_scan).
 */
struct litset {
	bool anchored, fold;
	unsigned nalt;
	uint32_t minlen;
	uint32_t off[LIT_ALT_MAX], len[LIT_ALT_MAX]; /* into bytes */
	uint64_t word[LIT_ALT_MAX], wmask[LIT_ALT_MAX], fmask[LIT_ALT_MAX];
	/* The vector scan (minlen >= 2): alternative j can start at i when
	 * (s[i] | f0[j]) == c0[j] and (s[i + 1] | f1[j]) == c1[j], each
	 * byte repeated 16 times. */
	v16b c0[LIT_ALT_MAX], c1[LIT_ALT_MAX], f0[LIT_ALT_MAX], f1[LIT_ALT_MAX];
	bool fold_same; /* every f0[j] is f0[0] and every f1[j] is f1[0] */
	uint8_t first[256];
	uint8_t shift[256];
	char bytes[];
};

/*
 * Answers of one regex for the subjects it saw last (expr.c, regex_eval):
 * two-way set-associative by a signature of the subject's length and
 * three of its 8-byte words, each entry checked against its stored copy
 * of the bytes.
 * Field values repeat (a host has a few hundred user agents), and a
 * lookup costs a signature and a memcmp, against a scan or a PCRE2 call.
 */
#define RE_MEMO      64  /* entries, a power of two */
#define RE_MEMO_SUBJ 256 /* longer subjects are not kept */
struct re_memo {
	uint8_t last[RE_MEMO / 2]; /* per pair: the way used last */
	/* What a lookup reads first, apart from the bytes: 1 KiB that stays
	 * in cache while a run streams events through it. */
	struct {
		uint64_t sig;
		uint16_t len;
		bool used, match;
	} e[RE_MEMO];
	char s[RE_MEMO][RE_MEMO_SUBJ];
};

struct regex {
	pcre2_code *code;
	pcre2_match_data *md;
	struct litset *lit;   /* NULL: PCRE2 decides */
	struct re_memo *memo; /* NULL: none (an anchored literal is cheaper) */
	bool jit;
};

struct expr {
	struct node *nodes;
	uint32_t nnodes, capnodes;
	struct lit *lits;
	uint32_t nlits, caplits;
	char *pool;
	uint32_t npool, cappool;
	struct regex re[EXPR_REGEX_MAX];
	unsigned nre;
	pcre2_match_context *mctx_jit, *mctx_interp;
	pcre2_jit_stack *jit_stack;
	uint32_t root;
	uint32_t subject_max, quarantine_after;
	uint64_t (*clock_ns)(void);
	/*
	 * Regex time (expr.h, EXPR_TIME_EVERY; expr.c): whole runs of a
	 * regex node in expr_eval_run are timed (run_ns); single calls from
	 * expr_eval are sampled (time_*). stats.regex_ns is run_ns plus the
	 * estimate from the samples.
	 */
	uint64_t clock_cost_ns;
	uint64_t run_ns;
	bool in_run;           /* inside a timed run: no sampling */
	uint64_t time_calls;   /* calls that could be timed */
	uint64_t time_n;       /* calls timed */
	uint64_t time_ns;      /* their time, clock cost taken off */
	uint64_t time_mean_ns; /* time_ns / time_n */
	uint32_t time_left;    /* calls before the next timed one */
	uint32_t time_rng;     /* xorshift32 state for the gaps */
	uint64_t fields;
	struct expr_stats stats;
};

struct lexer {
	const char *s;
	size_t n;
	size_t pos; /* first byte after the current token */
	enum tok tok;
	size_t at, len; /* the current token's bytes */
	double num;     /* T_NUM */
};

struct parse {
	struct lexer lx;
	struct expr *e;
	const struct field_table *ft;
	uint32_t match_limit, depth_limit;
	char *err;
	size_t errlen;
	bool failed;
};

/* ASCII lower case: the literal fast path folds ASCII letters only. */
static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* --- compile time, across files --------------------------------------- */

/* The first error wins: "column N: " and the message, cut to errlen
 * (expr_parse.c). */
void expr_fail_at(struct parse *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The next token into p->lx; T_ERR (and the error) on a bad one, and
 * after any failure (expr_lex.c). */
void expr_lex_next(struct parse *p);
/* The current T_STR token, unescaped, into the pool (expr_parse.c). */
bool expr_pool_string(struct parse *p, uint32_t *off, uint32_t *len);
/* Compile the T_STR token as the regex of node ni (expr_regex.c). */
bool expr_regex_compile(struct parse *p, uint32_t ni);

#endif /* RULES_EXPR_IMPL_H */
