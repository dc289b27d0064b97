/*
 * logformat - compile an access-log format into a flat program.
 *
 * What: the builder (logformat_new, logformat_add_literal/_add_var,
 * logformat_finish) takes the pieces of a format as a front end reads them
 * (nginx_access.c for "$var", gunicorn_access.c for "%(x)s") and lays out
 * the program of logformat_impl.h: the literal before the first variable,
 * then for each variable its field id, its conversion and the literal that
 * follows it. logformat_want then chooses, per variable, whether its
 * conversion runs. The per-line walk is in logformat_parse.c, whose top
 * comment has the rules of the scan.
 *
 * Why this design: formats are compiled once per input, so everything that
 * can be decided then (which literal ends each value, quoted or not, fixed
 * length, the literal as one masked word for the 8-byte compare, what to
 * convert given the want mask, the error messages) is decided here and the
 * per-line loop only executes. The builder and the walk share the struct
 * through a private header so that neither file needs the other's code.
 *
 * Invariants: the builder copies what it keeps (literals into lits[],
 * display names into items) and keeps no pointer to its arguments; all
 * storage is one fixed-size allocation, bounded by LOGFORMAT_FORMAT_MAX
 * bytes of literals and FIELD_MAX variables, both refused with a message
 * when exceeded. A program is usable only after logformat_finish returned
 * 0, and is then never moved (its items point into its own lits[]).
 *
 * Adjacent variables ("$host$request_uri", which nginx writes back to
 * back): the first value ends where its shape ends (logformat.h, enum
 * logformat_shape): a host at the first byte no host holds ('/'), a
 * number where its digits end, nginx's "%T.%03M" times after three
 * decimals, a fixed-length time by its length. finish() accepts a pair
 * only when the second value cannot start with a byte the first may hold,
 * so the split is never a guess; the others (two free-text variables, two
 * integers) are refused with the pair and the reason.
 *
 * Not handled: a format whose quotes do not balance is refused, except
 * with LOGFORMAT_LOOSE_QUOTES (gunicorn, whose quotes are plain text:
 * there a value is quoted when a '"' follows it); a pair whose first
 * value's shape is free text is refused, even when the second is
 * fixed-length (matching from the right is not done).
 *
 * Formats: nginx src/http/modules/ngx_http_log_module.c (log_format, the
 * escape= parameter), gunicorn gunicorn/glogging.py (access_log_format).
 */
#include "parsers/logformat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/logformat_impl.h"
#include "parsers/compat.h"

#define BIT(id) (UINT64_C(1) << (id))
#define LF_REQUEST_PARTS                                                       \
	(BIT(FIELD_METHOD) | BIT(FIELD_PATH) | BIT(FIELD_QUERY) |              \
	    BIT(FIELD_PROTOCOL))

/* ---- builder ---------------------------------------------------------- */

struct logformat *
logformat_new(unsigned flags)
{
	struct logformat *lf = calloc(1, sizeof(*lf));

	if (lf == NULL)
		return NULL;
	lf->flags = flags;
	lf->want = ~UINT64_C(0);
	lf->ts_conv = LOGFORMAT_TEXT; /* cache empty */
	return lf;
}

void
logformat_free(struct logformat *lf)
{
	if (lf == NULL)
		return;
	ts_zone_free(lf->zone);
	free(lf);
}

void
logformat_set_zone(struct logformat *lf, struct ts_zone *zone)
{
	ts_zone_free(lf->zone);
	lf->zone = zone;
}

int
logformat_add_literal(struct logformat *lf, const char *p, size_t len,
    size_t col, char *err, size_t errlen)
{
	if (len == 0)
		return 0;
	if (lf->finished || len > sizeof(lf->lits) - lf->lits_len) {
		snprintf(err, errlen,
		    "column %zu: format too long (max %d bytes)", col,
		    LOGFORMAT_FORMAT_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '"')
			continue;
		lf->in_quote = !lf->in_quote;
		if (lf->in_quote)
			lf->quote_col = col + i;
	}
	memcpy(lf->lits + lf->lits_len, p, len);
	lf->lits_len += len;
	if (lf->n == 0)
		lf->head_len += len;
	else
		lf->items[lf->n - 1].lit_len += len;
	lf->last_was_var = false;
	return 0;
}

static bool
lf_is_time(enum logformat_conv conv)
{
	return conv == LOGFORMAT_TIME_CLF || conv == LOGFORMAT_TIME_CLF_BR ||
	    conv == LOGFORMAT_TIME_ISO || conv == LOGFORMAT_TIME_MSEC;
}

int
logformat_add_var(struct logformat *lf, int id, enum logformat_conv conv,
    const char *display, size_t col, char *err, size_t errlen)
{
	struct lf_item *it;

	if (lf->finished || lf->n >= FIELD_MAX) {
		snprintf(err, errlen, "column %zu: more than %d fields", col,
		    FIELD_MAX);
		return -1;
	}
	if (conv == LOGFORMAT_SKIP)
		id = -1;
	else if (id < 0 || id >= FIELD_MAX) {
		snprintf(err, errlen, "column %zu: bad field id %d", col, id);
		return -1;
	}
	it = &lf->items[lf->n];
	memset(it, 0, sizeof(*it));
	it->id = id;
	it->conv = it->run = conv;
	it->quoted = lf->in_quote;
	it->adjacent = lf->last_was_var;
	it->list = conv == LOGFORMAT_SEC_LIST || conv == LOGFORMAT_INT_LIST ||
	    conv == LOGFORMAT_LIST;
	it->fixed = conv == LOGFORMAT_TIME_CLF ? 26
	    : conv == LOGFORMAT_TIME_CLF_BR    ? 28
					       : 0;
	it->lit_off = lf->lits_len;
	it->col = col;
	compat_strlcpy(it->display, display, sizeof(it->display));
	if (lf_is_time(conv) && !lf->has_anchor) {
		lf->anchor = lf->n;
		lf->has_anchor = true;
	}
	lf->n++;
	lf->last_was_var = true;
	return 0;
}

void
logformat_set_shape(struct logformat *lf, enum logformat_shape shape)
{
	if (lf->n > 0 && !lf->finished)
		lf->items[lf->n - 1].shape = shape;
}

/* ---- shapes of values, for adjacent variables ---------------------------- */

static void
lf_set_add(uint64_t set[4], unsigned lo, unsigned hi)
{
	for (unsigned c = lo; c <= hi; c++)
		set[c >> 6] |= UINT64_C(1) << (c & 63);
}

static void
lf_set_str(uint64_t set[4], const char *chars)
{
	for (; *chars; chars++)
		lf_set_add(set, (unsigned char)*chars, (unsigned char)*chars);
}

static void
lf_set_del(uint64_t set[4], const char *chars)
{
	for (; *chars; chars++) {
		unsigned c = (unsigned char)*chars;

		set[c >> 6] &= ~(UINT64_C(1) << (c & 63));
	}
}

static enum logformat_shape
lf_conv_shape(enum logformat_conv conv)
{
	switch (conv) {
	case LOGFORMAT_INT:
	case LOGFORMAT_INT_DASH0:
	case LOGFORMAT_STATUS:
	case LOGFORMAT_SEC_INT:
	case LOGFORMAT_MSEC_INT:
	case LOGFORMAT_USEC_INT:
	case LOGFORMAT_INT_LIST:
		return LOGFORMAT_SHAPE_INT;
	case LOGFORMAT_SEC:
	case LOGFORMAT_SEC_LIST:
	case LOGFORMAT_TIME_MSEC:
		return LOGFORMAT_SHAPE_DEC;
	case LOGFORMAT_REQUEST_URI:
		return LOGFORMAT_SHAPE_URI;
	default:
		return LOGFORMAT_SHAPE_TEXT;
	}
}

/* The bytes a value of this shape may hold. */
static void
lf_shape_alpha(enum logformat_shape shape, uint64_t set[4])
{
	memset(set, 0, 4 * sizeof(set[0]));
	switch (shape) {
	case LOGFORMAT_SHAPE_HOST:
		/* nginx refuses a Host with '/' (ngx_http_validate_host). */
		lf_set_add(set, 0x21, 0xff);
		lf_set_del(set, "/?\"\x7f");
		break;
	case LOGFORMAT_SHAPE_ADDR:
		lf_set_add(set, '0', '9');
		lf_set_add(set, 'a', 'f');
		lf_set_add(set, 'A', 'F');
		lf_set_str(set, ".:unix");
		break;
	case LOGFORMAT_SHAPE_URI:
		lf_set_add(set, 0x21, 0xff);
		lf_set_del(set, "\"\x7f");
		break;
	case LOGFORMAT_SHAPE_TOKEN:
		lf_set_add(set, '0', '9');
		lf_set_add(set, 'a', 'z');
		lf_set_add(set, 'A', 'Z');
		lf_set_str(set, "!#$%&'*+-.^_`|~");
		break;
	case LOGFORMAT_SHAPE_INT:
		lf_set_add(set, '0', '9');
		break;
	case LOGFORMAT_SHAPE_DEC:
		lf_set_add(set, '0', '9');
		lf_set_str(set, ".");
		break;
	case LOGFORMAT_SHAPE_DEC3:
		break; /* ends by itself: three decimals, or "-" */
	case LOGFORMAT_SHAPE_CONV:
	case LOGFORMAT_SHAPE_TEXT:
		lf_set_add(set, 0x00, 0xff);
		break;
	}
}

/* The bytes a value of it may start with. */
static void
lf_first(const struct lf_item *it, uint64_t set[4])
{
	if (it->conv == LOGFORMAT_TIME_CLF || it->conv == LOGFORMAT_TIME_ISO) {
		memset(set, 0, 4 * sizeof(set[0]));
		lf_set_add(set, '0', '9');
		return;
	}
	if (it->conv == LOGFORMAT_TIME_CLF_BR) {
		memset(set, 0, 4 * sizeof(set[0]));
		lf_set_str(set, "[");
		return;
	}
	switch (it->shape) {
	case LOGFORMAT_SHAPE_URI:
		/* A request nginx parsed has a URI, and it starts with '/'. */
		memset(set, 0, 4 * sizeof(set[0]));
		lf_set_str(set, "/");
		break;
	case LOGFORMAT_SHAPE_INT:
	case LOGFORMAT_SHAPE_DEC:
	case LOGFORMAT_SHAPE_DEC3:
		memset(set, 0, 4 * sizeof(set[0]));
		lf_set_add(set, '0', '9');
		lf_set_str(set, "-");
		break;
	default:
		lf_shape_alpha(it->shape, set);
		break;
	}
}

/*
 * Can the value of a (not fixed-length) end where its shape ends, before
 * b, which follows it with no literal? 0, or -1 with the reason in err.
 */
static int
lf_check_pair(
    const struct lf_item *a, const struct lf_item *b, char *err, size_t errlen)
{
	uint64_t holds[4], first[4];
	bool clash = false;

	lf_shape_alpha(a->shape, holds);
	if (a->conv == LOGFORMAT_SEC_LIST || a->conv == LOGFORMAT_INT_LIST)
		lf_set_str(holds, ", :"); /* the list goes on over these */
	lf_first(b, first);
	for (unsigned i = 0; i < 4; i++)
		clash |= (holds[i] & first[i]) != 0;
	if (!clash)
		return 0;
	if (a->shape == LOGFORMAT_SHAPE_TEXT)
		snprintf(err, errlen,
		    "column %zu: two variables with no literal between them: "
		    "%.48s is free text",
		    b->col, a->display);
	else
		snprintf(err, errlen,
		    "column %zu: two variables with no literal between them: "
		    "%.48s may start with a character %.48s holds",
		    b->col, b->display, a->display);
	return -1;
}

/* Write up to 12 bytes of a literal, unprintable bytes as '?'. */
static void
lf_show(char *dst, size_t dstsz, const char *p, size_t len)
{
	size_t n = len > 12 ? 12 : len, i;

	for (i = 0; i < n && i + 4 < dstsz; i++)
		dst[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
	if (n < len && i + 4 < dstsz) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	if (dstsz)
		dst[i < dstsz ? i : dstsz - 1] = '\0';
}

static void
lf_messages(struct logformat *lf)
{
	char shown[20], name[LF_DISPLAY_MAX], next[LF_DISPLAY_MAX];

	/* Through local copies: source and destination are both in lf. */
	lf_show(shown, sizeof(shown), lf->lits, lf->head_len);
	snprintf(lf->head_msg, sizeof(lf->head_msg),
	    "expected '%s' at the start", shown);
	memcpy(name, lf->items[lf->n - 1].display, sizeof(name));
	snprintf(lf->trail_msg, sizeof(lf->trail_msg),
	    "unexpected text after %.48s", name);
	for (unsigned i = 0; i < lf->n; i++) {
		struct lf_item *it = &lf->items[i];

		lf_show(
		    shown, sizeof(shown), lf->lits + it->lit_off, it->lit_len);
		memcpy(name, it->display, sizeof(name));
		if (it->how == LF_SHAPE) {
			memcpy(next, lf->items[i + 1].display, sizeof(next));
			snprintf(it->expect_msg, sizeof(it->expect_msg),
			    "expected %.48s right after %.48s", next, name);
		} else if (it->fixed)
			snprintf(it->expect_msg, sizeof(it->expect_msg),
			    "expected %zu bytes and '%s' for %.48s", it->fixed,
			    shown, name);
		else
			snprintf(it->expect_msg, sizeof(it->expect_msg),
			    "expected '%s' after %.48s", shown, name);
		snprintf(it->bad_msg, sizeof(it->bad_msg),
		    "bad timestamp in %.48s", name);
	}
}

/* The per-line view of an item, decided once its literal is complete. */
static void
lf_prepare(struct logformat *lf, struct lf_item *it)
{
	unsigned char w[8] = { 0 }, m[8] = { 0 };

	it->lit = lf->lits + it->lit_off;
	it->how = it->fixed ? LF_FIXED : LF_SCAN;
	if (lf->flags & LOGFORMAT_LOOSE_QUOTES)
		it->quoted = it->lit_len > 0 && it->lit[0] == '"';
	it->escaped = it->quoted && (lf->flags & LOGFORMAT_ESCAPES);
	/* The list rule only matters where a space could end the value. */
	it->list =
	    it->list && it->lit_len > 0 && it->lit[0] == ' ' && !it->quoted;
	it->pyrepr = it->conv == LOGFORMAT_STATUS;
	if (it->lit_len <= 8) {
		memcpy(w, it->lit, it->lit_len);
		memset(m, 0xff, it->lit_len);
	}
	memcpy(&it->lit8, w, 8);
	memcpy(&it->mask8, m, 8);
}

int
logformat_finish(struct logformat *lf, char *err, size_t errlen)
{
	struct lf_item *last;

	if (lf->in_quote && !(lf->flags & LOGFORMAT_LOOSE_QUOTES)) {
		snprintf(
		    err, errlen, "column %zu: unbalanced quote", lf->quote_col);
		return -1;
	}
	if (lf->n == 0) {
		snprintf(err, errlen, "column 1: no variable in the format");
		return -1;
	}
	for (unsigned i = 0; i < lf->n; i++) {
		struct lf_item *it = &lf->items[i];

		if (it->shape == LOGFORMAT_SHAPE_CONV)
			it->shape = lf_conv_shape(it->conv);
		lf_shape_alpha(it->shape, it->alpha);
	}
	for (unsigned i = 0; i + 1 < lf->n; i++) {
		struct lf_item *it = &lf->items[i];

		if (lf->items[i + 1].adjacent && !it->fixed &&
		    lf_check_pair(it, &lf->items[i + 1], err, errlen) != 0)
			return -1;
	}
	for (unsigned i = 0; i < lf->n; i++) {
		struct lf_item *it = &lf->items[i];

		lf_prepare(lf, it);
		if (it->how == LF_SCAN && it->lit_len == 0 && i + 1 < lf->n) {
			it->how = LF_SHAPE;
			lf_first(&lf->items[i + 1], it->follow);
		}
		if (it->id >= 0)
			lf->produces |= BIT(it->id);
		if (it->id == FIELD_HOST)
			lf->has_host = true;
		if (it->conv == LOGFORMAT_REQUEST)
			lf->produces |= LF_REQUEST_PARTS | BIT(FIELD_HOST);
		if (it->conv == LOGFORMAT_REQUEST_URI)
			lf->produces |= BIT(FIELD_PATH) | BIT(FIELD_QUERY);
		if (it->conv == LOGFORMAT_STATUS)
			lf->produces |= BIT(FIELD_CLIENT_DISCONNECTED);
	}
	/*
	 * With no escaping a '"' may sit inside the last value (a user agent),
	 * so the last literal is matched at the end of the line instead of at
	 * its first occurrence. With escaping, a forward scan also catches a
	 * line that carries more than the format says.
	 */
	last = &lf->items[lf->n - 1];
	if (last->how == LF_SCAN && last->lit_len == 0)
		last->how = LF_REST;
	else if (last->how == LF_SCAN && !(lf->flags & LOGFORMAT_ESCAPES))
		last->how = LF_ANCHORED;
	lf_messages(lf);
	lf->finished = true;
	logformat_want(lf, ~UINT64_C(0));
	return 0;
}

uint64_t
logformat_produces(const struct logformat *lf)
{
	return lf->produces;
}

void
logformat_want(struct logformat *lf, uint64_t mask)
{
	lf->want = mask;
	for (unsigned i = 0; i < lf->n; i++) {
		struct lf_item *it = &lf->items[i];
		uint64_t need;

		switch (it->conv) {
		case LOGFORMAT_SKIP:
		case LOGFORMAT_TEXT:
		case LOGFORMAT_LIST:
		case LOGFORMAT_TIME_CLF:
		case LOGFORMAT_TIME_CLF_BR:
		case LOGFORMAT_TIME_ISO:
		case LOGFORMAT_TIME_MSEC:
			it->run = it->conv; /* whatever the mask */
			continue;
		case LOGFORMAT_REQUEST:
			need = LF_REQUEST_PARTS;
			break;
		case LOGFORMAT_REQUEST_URI:
			need = BIT(FIELD_PATH) | BIT(FIELD_QUERY);
			break;
		case LOGFORMAT_STATUS:
			need = BIT(it->id) | BIT(FIELD_CLIENT_DISCONNECTED);
			break;
		default:
			need = BIT(it->id);
			break;
		}
		it->run = (mask & need) ? it->conv : LOGFORMAT_TEXT;
	}
}

void
logformat_prog_free(struct parser_prog *prog)
{
	logformat_free((struct logformat *)(void *)prog);
}

uint64_t
logformat_prog_produces(const struct parser_prog *prog)
{
	return logformat_produces((const struct logformat *)(const void *)prog);
}

void
logformat_prog_want(struct parser_prog *prog, uint64_t mask)
{
	logformat_want((struct logformat *)(void *)prog, mask);
}
