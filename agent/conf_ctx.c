/*
 * conf_ctx - the context of one config load: its arena, its messages,
 * and the file names they carry.
 *
 * What: the arena every string and array of a struct conf lives in; the
 * messages of a load, held until its end and then reported sorted by file
 * (in the order the files were read) and line; allocation that reports
 * "out of memory" once and returns NULL; the names of the files settings
 * come from, as people should read them.
 *
 * Why an arena: a loaded config is one lifetime (it is replaced whole on
 * reload), so every string it keeps is copied into one arena and freed in
 * one call; libconfig's own tree is destroyed right after reading. Why
 * held messages: the loader finds problems section by section, the rule
 * compiler rule by rule, but people read a file from the top.
 *
 * Invariants: arena memory is zeroed and aligned for any type. Secrets
 * registered with conf_keep_secret are zeroed before the arena is freed.
 * At most MSGS_MAX messages are kept per load; the rest are counted and
 * said to be missing. A message that cannot be held (no memory) is
 * reported at once rather than lost.
 *
 * Not handled: a file read as more than FILECACHE_MAX names is copied
 * again (the cache is a ring); files past ORDER_MAX sort last.
 */
#include "agent/conf_impl.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "parsers/compat.h"

static void vreport(struct conf_ctx *x, enum conf_level lvl, const char *file,
    int line, const char *fmt, va_list ap) PRINTFLIKE(5, 0);

/* ---- arena -------------------------------------------------------------- */

#define ARENA_BLOCK 16384

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

struct arena_secret {
	struct arena_secret *next;
	char *p;
	size_t len;
};

struct conf_arena {
	struct arena_block *head;
	struct arena_secret *secrets; /* zeroed before the blocks are freed */
};

/* n zeroed bytes, aligned for any type; NULL when out of memory. */
static void *
arena_alloc(struct conf_arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	struct arena_block *b = a->head;
	size_t cap, need;
	char *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	if (b == NULL || b->cap - b->used < n) {
		cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		if (__builtin_add_overflow(cap, sizeof(*b), &need))
			return NULL;
		if ((b = malloc(need)) == NULL)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

struct conf_arena *
conf_arena_new(void)
{
	return calloc(1, sizeof(struct conf_arena));
}

void
conf_arena_free(struct conf_arena *a)
{
	struct arena_block *b, *next;

	if (a == NULL)
		return;
	for (struct arena_secret *s = a->secrets; s != NULL; s = s->next)
		explicit_bzero(s->p, s->len);
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

int
conf_keep_secret(struct conf_ctx *x, char *p, size_t len)
{
	struct arena_secret *sec = conf_alloc(x, sizeof(*sec));

	if (sec == NULL)
		return -1;
	sec->p = p;
	sec->len = len;
	sec->next = x->a->secrets;
	x->a->secrets = sec;
	return 0;
}

/* ---- messages ----------------------------------------------------------- */

#define MSGS_MAX 1000 /* messages kept per load; the rest are counted */

/* A message held until the end of the load, to be reported in order. */
struct conf_msg {
	enum conf_level lvl;
	const char *file;
	int line;
	unsigned rank; /* the file's place in the load order */
	size_t seq;
	char *msg;
};

/*
 * Messages are held and reported at the end of the load, sorted by file
 * (in the order the files were read) and line: the walk finds problems
 * section by section, the rule compiler rule by rule, but people read a
 * file from the top.
 */
static void
vreport(struct conf_ctx *x, enum conf_level lvl, const char *file, int line,
    const char *fmt, va_list ap)
{
	char msg[1024];
	struct conf_msg *m;
	size_t cap;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (lvl == CONF_ERROR)
		x->nerr++;
	else
		x->c->nwarnings++;
	if (file == NULL)
		file = x->name;
	if (x->nmsgs == MSGS_MAX) {
		x->dropped++;
		return;
	}
	if (x->nmsgs == x->capmsgs) {
		cap = x->capmsgs ? x->capmsgs * 2 : 16;
		if ((m = realloc(x->msgs, cap * sizeof(*m))) == NULL)
			goto now;
		x->msgs = m;
		x->capmsgs = cap;
	}
	m = &x->msgs[x->nmsgs];
	if ((m->msg = strdup(msg)) == NULL)
		goto now;
	m->lvl = lvl;
	m->file = file;
	m->line = line;
	m->seq = x->nmsgs++;
	m->rank = x->norder;
	for (unsigned i = 0; i < x->norder; i++) {
		if (strcmp(x->order[i], file) == 0) {
			m->rank = i;
			break;
		}
	}
	return;
now:
	x->err(x->arg, lvl, file, line, msg);
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct conf_msg *p = a, *q = b;

	if (p->rank != q->rank)
		return p->rank < q->rank ? -1 : 1;
	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* Report the held messages, in order; called before the arena goes. */
void
conf_flush(struct conf_ctx *x)
{
	char more[64];

	if (x->nmsgs > 1)
		qsort(x->msgs, x->nmsgs, sizeof(*x->msgs), msg_cmp);
	for (size_t i = 0; i < x->nmsgs; i++) {
		x->err(x->arg, x->msgs[i].lvl, x->msgs[i].file, x->msgs[i].line,
		    x->msgs[i].msg);
		free(x->msgs[i].msg);
	}
	if (x->dropped > 0) {
		snprintf(more, sizeof(more), "%zu more message%s not shown",
		    x->dropped, log_plural(x->dropped));
		x->err(x->arg, CONF_ERROR, x->name, 0, more);
	}
	free(x->msgs);
	x->msgs = NULL;
	x->nmsgs = x->capmsgs = x->dropped = 0;
}

/* Note that file is read now: its messages come after earlier files'. */
void
conf_order(struct conf_ctx *x, const char *file)
{
	for (unsigned i = 0; i < x->norder; i++) {
		if (strcmp(x->order[i], file) == 0)
			return;
	}
	if (x->norder < ORDER_MAX)
		x->order[x->norder++] = file;
}

void
conf_error_at(
    struct conf_ctx *x, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(x, CONF_ERROR, file, line, fmt, ap);
	va_end(ap);
}

void
conf_warn_at(
    struct conf_ctx *x, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(x, CONF_WARNING, file, line, fmt, ap);
	va_end(ap);
}

void *
conf_alloc(struct conf_ctx *x, size_t n)
{
	void *p = arena_alloc(x->a, n);

	if (p == NULL && !x->oom) {
		x->oom = true;
		conf_error_at(x, NULL, 0, "out of memory");
	}
	return p;
}

void *
conf_array(struct conf_ctx *x, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		total = SIZE_MAX;
	return conf_alloc(x, total);
}

char *
conf_strndup(struct conf_ctx *x, const char *s, size_t len)
{
	char *p = conf_alloc(x, len + 1);

	if (p != NULL)
		memcpy(p, s, len);
	return p;
}

char *
conf_strdup(struct conf_ctx *x, const char *s)
{
	return conf_strndup(x, s, strlen(s));
}

/*
 * The file name of a setting, as people should read it: libconfig records
 * included files relative to the include directory. Copied into the arena
 * (once per name) because the config_t goes away after reading.
 */
const char *
conf_file_name(struct conf_ctx *x, const char *f)
{
	char buf[PATH_MAX];
	const char *name = f;
	char *copy;

	if (f == NULL)
		return x->name;
	if (x->incdir != NULL && f[0] != '/' &&
	    (x->top == NULL || strcmp(f, x->top) != 0) &&
	    strcmp(x->incdir, ".") != 0) {
		if (snprintf(buf, sizeof(buf), "%s/%s", x->incdir, f) <
		    (int)sizeof(buf))
			name = buf;
	}
	for (unsigned i = 0; i < x->nfiles && i < FILECACHE_MAX; i++) {
		if (strcmp(x->files[i], name) == 0)
			return x->files[i];
	}
	if ((copy = conf_strdup(x, name)) == NULL)
		return x->name;
	x->files[x->nfiles++ % FILECACHE_MAX] = copy;
	return copy;
}

void
conf_error(struct conf_ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(x, CONF_ERROR, conf_file_name(x, config_setting_source_file(s)),
	    (int)config_setting_source_line(s), fmt, ap);
	va_end(ap);
}

void
conf_warn(struct conf_ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(x, CONF_WARNING,
	    conf_file_name(x, config_setting_source_file(s)),
	    (int)config_setting_source_line(s), fmt, ap);
	va_end(ap);
}

void
conf_print_error(void *arg, enum conf_level level, const char *file, int line,
    const char *msg)
{
	FILE *f = arg != NULL ? arg : stderr;
	const char *w = level == CONF_WARNING ? "warning: " : "";

	if (file != NULL && line > 0)
		fprintf(f, "%s:%d: %s%s\n", file, line, w, msg);
	else if (file != NULL)
		fprintf(f, "%s: %s%s\n", file, w, msg);
	else
		fprintf(f, "%s%s\n", w, msg);
}
