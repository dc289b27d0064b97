/*
 * conf - libconfig files -> struct conf: the main config, the rule files
 * it names, and the rule test files of `klaxon test`.
 *
 * What: every section of a file is described by a table of struct kdef
 * (key, type, default, range, where to store it, help). One walker reads
 * a libconfig group against a table: unknown keys, wrong types, values out
 * of range and missing required keys are reported as "file:line: message"
 * and the walk goes on, so that one run lists every problem. Then the
 * parts that need more than a table are done by hand: each input's format
 * is compiled (parser->compile with the config's one field table, so that
 * custom $variables get ids the rules can use), sink secrets are resolved,
 * rule files are globbed and read into struct rule_def, and the rules are
 * compiled by ruleset_compile(), whose errors come back the same way.
 *
 * Why tables: the same table gives the checks, the defaults, the
 * `klaxon check -v` listing and the man page's key list, so they cannot
 * disagree. Why an arena: a loaded config is one lifetime (it is replaced
 * whole on reload), so every string it keeps is copied into one arena and
 * freed in one call; libconfig's own tree is destroyed right after reading.
 *
 * Invariants: a struct conf points only into its arena, its parser
 * programs and its ruleset, never into itself or a config_t, so it may be
 * moved. Secrets are zeroed before the arena is freed. A rule with an
 * error found here is not handed to ruleset_compile (its errors are
 * already listed; compiling the rest still reports theirs).
 *
 * libconfig 1.5 quirks handled here: a decimal integer too large for 32
 * bits is silently wrapped (3000000000 reads as -1294967296), so every
 * file read is scanned for such literals (scan_ints) and they are errors;
 * included files are recorded relative to the include directory, which is
 * set to the including main file's directory (and so absolute @include
 * paths do not work: libconfig prefixes the directory); `x = 2` is an
 * integer, accepted where a number is wanted through auto-convert.
 *
 * Not handled: an @include of a FIFO or device blocks in libconfig (the
 * files we open ourselves must be regular files); globs in @include.
 *
 * Format: DESIGN.md "Configuration and rules: the contract"; the test file
 * format is described above load_test() and in packaging/examples/tests.
 */
#include "agent/conf.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "agent/reader.h"
#include "parsers/ts.h"
#include "rules/template.h"
#include "parsers/compat.h"

struct ctx;
struct dbuf;

static void cx_vreport(struct ctx *x, enum conf_level lvl, const char *file,
    int line, const char *fmt, va_list ap) PRINTFLIKE(5, 0);
static void cx_error_at(struct ctx *x, const char *file, int line,
    const char *fmt, ...) PRINTFLIKE(4, 5);
static void cx_warn_at(struct ctx *x, const char *file, int line,
    const char *fmt, ...) PRINTFLIKE(4, 5);
static void cx_error(struct ctx *x, const config_setting_t *s, const char *fmt,
    ...) PRINTFLIKE(3, 4);
static void cx_warn(struct ctx *x, const config_setting_t *s, const char *fmt,
    ...) PRINTFLIKE(3, 4);
static void db_add(struct dbuf *d, const char *fmt, ...) PRINTFLIKE(2, 3);

/* ---- arena ------------------------------------------------------------ */

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

static void
arena_free(struct conf_arena *a)
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

/* ---- load context and reporting ---------------------------------------- */

/* load flags */
#define LOAD_TEST     0x1u /* a test file: paths optional, secrets as written */
#define LOAD_NO_RULES 0x2u /* a main config read for inputs and sinks only */

#define BADINT_MAX    64
#define FILECACHE_MAX 32
#define ORDER_MAX     64
#define MSGS_MAX      1000 /* messages kept per load; the rest are counted */

/* A message held until the end of the load, to be reported in order. */
struct cmsg {
	enum conf_level lvl;
	const char *file;
	int line;
	unsigned rank; /* the file's place in the load order */
	size_t seq;
	char *msg;
};

struct ctx {
	struct conf *c;
	struct conf_arena *a;
	conf_error_fn *err;
	void *arg;
	unsigned nerr;
	unsigned flags;
	bool oom;
	const char *dir;    /* base of relative rule globs and file: secrets */
	const char *name;   /* file name of settings libconfig gives none */
	const char *top;    /* the file being read, as libconfig records it */
	const char *incdir; /* its include directory, or NULL */
	/* integer literals libconfig misreads (see scan_ints) */
	struct {
		const char *file;
		int line;
	} bad[BADINT_MAX];
	unsigned nbad;
	const char *files[FILECACHE_MAX]; /* arena copies of file names */
	unsigned nfiles;
	struct rule_def *defs; /* malloc'd while loading */
	size_t ndefs, capdefs;
	const char **rfiles; /* rule files read (arena) */
	unsigned nrfiles;
	const char *order[ORDER_MAX]; /* files in the order they were read */
	unsigned norder;
	struct cmsg *msgs; /* malloc'd; see cx_flush */
	size_t nmsgs, capmsgs, dropped;
};

/*
 * Messages are held and reported at the end of the load, sorted by file
 * (in the order the files were read) and line: the walk finds problems
 * section by section, the rule compiler rule by rule, but people read a
 * file from the top.
 */
static void
cx_vreport(struct ctx *x, enum conf_level lvl, const char *file, int line,
    const char *fmt, va_list ap)
{
	char msg[1024];
	struct cmsg *m;
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
cmsg_cmp(const void *a, const void *b)
{
	const struct cmsg *p = a, *q = b;

	if (p->rank != q->rank)
		return p->rank < q->rank ? -1 : 1;
	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* Report the held messages, in order; called before the arena goes. */
static void
cx_flush(struct ctx *x)
{
	char more[64];

	if (x->nmsgs > 1)
		qsort(x->msgs, x->nmsgs, sizeof(*x->msgs), cmsg_cmp);
	for (size_t i = 0; i < x->nmsgs; i++) {
		x->err(x->arg, x->msgs[i].lvl, x->msgs[i].file, x->msgs[i].line,
		    x->msgs[i].msg);
		free(x->msgs[i].msg);
	}
	if (x->dropped > 0) {
		snprintf(more, sizeof(more), "%zu more messages not shown",
		    x->dropped);
		x->err(x->arg, CONF_ERROR, x->name, 0, more);
	}
	free(x->msgs);
	x->msgs = NULL;
	x->nmsgs = x->capmsgs = x->dropped = 0;
}

/* Note that file is read now: its messages come after earlier files'. */
static void
cx_order(struct ctx *x, const char *file)
{
	for (unsigned i = 0; i < x->norder; i++) {
		if (strcmp(x->order[i], file) == 0)
			return;
	}
	if (x->norder < ORDER_MAX)
		x->order[x->norder++] = file;
}

static void
cx_error_at(struct ctx *x, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cx_vreport(x, CONF_ERROR, file, line, fmt, ap);
	va_end(ap);
}

static void
cx_warn_at(struct ctx *x, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cx_vreport(x, CONF_WARNING, file, line, fmt, ap);
	va_end(ap);
}

static void *
cx_alloc(struct ctx *x, size_t n)
{
	void *p = arena_alloc(x->a, n);

	if (p == NULL && !x->oom) {
		x->oom = true;
		cx_error_at(x, NULL, 0, "out of memory");
	}
	return p;
}

static void *
cx_array(struct ctx *x, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		total = SIZE_MAX;
	return cx_alloc(x, total);
}

static char *
cx_strndup(struct ctx *x, const char *s, size_t len)
{
	char *p = cx_alloc(x, len + 1);

	if (p != NULL)
		memcpy(p, s, len);
	return p;
}

static char *
cx_strdup(struct ctx *x, const char *s)
{
	return cx_strndup(x, s, strlen(s));
}

/*
 * The file name of a setting, as people should read it: libconfig records
 * included files relative to the include directory. Copied into the arena
 * (once per name) because the config_t goes away after reading.
 */
static const char *
cx_file(struct ctx *x, const char *f)
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
	if ((copy = cx_strdup(x, name)) == NULL)
		return x->name;
	x->files[x->nfiles++ % FILECACHE_MAX] = copy;
	return copy;
}

static void
cx_error(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cx_vreport(x, CONF_ERROR, cx_file(x, config_setting_source_file(s)),
	    (int)config_setting_source_line(s), fmt, ap);
	va_end(ap);
}

static void
cx_warn(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cx_vreport(x, CONF_WARNING, cx_file(x, config_setting_source_file(s)),
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

/* ---- files -------------------------------------------------------------- */

/* The directory of path, "." when it has none. */
static const char *
dir_of(struct ctx *x, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return ".";
	if (slash == path)
		return "/";
	return cx_strndup(x, path, (size_t)(slash - path));
}

/* rel resolved against dir (unless absolute or dir is "."), into buf. */
static int
join_path(char *buf, size_t n, const char *dir, const char *rel)
{
	int len;

	if (rel[0] == '/' || dir == NULL || strcmp(dir, ".") == 0)
		len = snprintf(buf, n, "%s", rel);
	else
		len = snprintf(buf, n, "%s/%s", dir, rel);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

/*
 * Read a regular file of at most max bytes into a malloc'd NUL-terminated
 * buffer. O_NONBLOCK so that a FIFO named by mistake cannot hang a load.
 * Returns NULL with errno set (EFBIG: too large, EINVAL: not a file).
 */
static char *
read_small_file(const char *path, size_t max, size_t *lenp)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t r;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if ((buf = malloc(max + 2)) == NULL)
		goto fail;
	while ((r = read(fd, buf + len, max + 1 - len)) > 0) {
		len += (size_t)r;
		if (len > max)
			break;
	}
	if (r == -1)
		goto fail;
	if (len > max) {
		errno = EFBIG;
		goto fail;
	}
	buf[len] = '\0';
	close(fd);
	*lenp = len;
	return buf;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

/* ---- integer literals libconfig 1.5 wraps silently ----------------------- */

static int
digit_value(char ch, unsigned base)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (base == 16 && ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (base == 16 && ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Scan the number at p[i]; report it when libconfig would misread it. */
static size_t
scan_number(struct ctx *x, const char *file, int line, const char *p, size_t n,
    size_t i)
{
	size_t start = i;
	unsigned base = 10;
	uint64_t v = 0, lim;
	bool neg = false, big = false, wide = false;
	int d;

	if (p[i] == '-' || p[i] == '+')
		neg = p[i++] == '-';
	if (i + 1 < n && p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	for (; i < n && (d = digit_value(p[i], base)) >= 0; i++) {
		if (v > (UINT64_MAX - (unsigned)d) / base)
			big = true;
		else
			v = v * base + (unsigned)d;
	}
	if (base == 10 && i < n && memchr(".eE", p[i], 3) != NULL) {
		while (i < n &&
		    (digit_value(p[i], 10) >= 0 ||
			memchr(".eE+-", p[i], 5) != NULL))
			i++;
		return i; /* a float: libconfig reads those with strtod */
	}
	if (i < n && p[i] == 'L') {
		wide = true;
		i += (i + 1 < n && p[i + 1] == 'L') ? 2 : 1;
	}
	if (wide)
		lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	else
		lim = neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX;
	if ((big || v > lim) && x->nbad < BADINT_MAX) {
		x->bad[x->nbad].file = file;
		x->bad[x->nbad].line = line;
		x->nbad++;
		cx_error_at(x, file, line, "integer %.*s is out of range",
		    (int)(i - start < 40 ? i - start : 40), p + start);
	}
	return i;
}

static bool
is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '*';
}

/* Skip a comment or string at p[i]; returns the index after it, or i. */
static size_t
skip_inert(const char *p, size_t n, size_t i, int *line)
{
	if (p[i] == '#' || (p[i] == '/' && i + 1 < n && p[i + 1] == '/')) {
		while (i < n && p[i] != '\n')
			i++;
		return i;
	}
	if (p[i] == '/' && i + 1 < n && p[i + 1] == '*') {
		for (i += 2;
		     i < n && !(p[i] == '*' && i + 1 < n && p[i + 1] == '/');
		     i++) {
			if (p[i] == '\n')
				(*line)++;
		}
		return i + 2 < n ? i + 2 : n;
	}
	if (p[i] == '"') {
		for (i++; i < n && p[i] != '"'; i++) {
			if (p[i] == '\\' && i + 1 < n)
				i++;
			if (p[i] == '\n')
				(*line)++;
		}
		return i < n ? i + 1 : n;
	}
	return i;
}

/*
 * Find integer literals that libconfig 1.5 wraps without a word (a
 * decimal beyond 32 bits without an L suffix, anything beyond 64 bits).
 * Strings, comments and setting names are skipped; file is the name the
 * settings of this text carry.
 */
static void
scan_ints(struct ctx *x, const char *file, const char *p, size_t n)
{
	int line = 1;
	size_t i = 0, j;

	while (i < n) {
		if (p[i] == '\n') {
			line++;
			i++;
		} else if ((j = skip_inert(p, n, i, &line)) != i) {
			i = j;
		} else if ((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z') || p[i] == '*') {
			while (i < n && is_name_char(p[i]))
				i++;
		} else if (digit_value(p[i], 10) >= 0 ||
		    ((p[i] == '-' || p[i] == '+') && i + 1 < n &&
			digit_value(p[i + 1], 10) >= 0)) {
			i = scan_number(x, file, line, p, n, i);
		} else {
			i++;
		}
	}
}

/* Scan every file cfg read (the top file and its includes). */
static void
scan_cfg_ints(struct ctx *x, const config_t *cfg)
{
	char path[PATH_MAX];
	const char *name;
	size_t len;
	char *text;

	for (unsigned i = 0; i < cfg->num_filenames; i++) {
		name = cx_file(x, cfg->filenames[i]);
		cx_order(x, name);
		if (snprintf(path, sizeof(path), "%s", name) >=
		    (int)sizeof(path))
			continue;
		if ((text = read_small_file(path, CONF_FILE_MAX, &len)) == NULL)
			continue; /* libconfig read it; nothing to add */
		scan_ints(x, name, text, len);
		free(text);
	}
}

static bool
is_bad_int(struct ctx *x, const config_setting_t *s)
{
	const char *f = cx_file(x, config_setting_source_file(s));

	for (unsigned i = 0; i < x->nbad; i++) {
		if (x->bad[i].line == (int)config_setting_source_line(s) &&
		    strcmp(x->bad[i].file, f) == 0)
			return true;
	}
	return false;
}

/* ---- key tables ------------------------------------------------------- */

enum ktype {
	K_STR,      /* const char * */
	K_ENUM,     /* const char *, one of choices (kval.i = its index) */
	K_DURATION, /* "5m" -> int64_t ms */
	K_INT,      /* int64_t, min..max */
	K_LLONG,    /* long long, min..max */
	K_FLOAT,    /* double */
	K_BOOL,     /* bool */
	K_STRV,     /* list of strings (a single string is a list of one) */
	K_GROUP,    /* { ... }: read by the caller */
	K_GLIST,    /* ( { ... }, ... ): read by the caller */
};

#define KF_REQUIRED 0x1u  /* missing is an error */
#define KF_RUN      0x2u  /* required, except in test files */
#define KF_SECRET   0x4u  /* never printed */
#define KF_RESOLVE  0x8u  /* "env:NAME" / "file:PATH" are looked up */
#define KF_ALLOC    0x10u /* K_STRV: store an arena array and a count */

/* Offsets are stored plus one so that 0 means "not stored". */
#define AT(type, member) (offsetof(type, member) + 1)

struct kdef {
	const char *key;
	enum ktype type;
	unsigned flags;
	const char *def;            /* default, as it would be written */
	int64_t min, max;           /* K_INT/K_LLONG range; K_DURATION range in
				       ms; K_STRV most elements */
	size_t at;                  /* AT() of the value, or 0 */
	size_t count;               /* K_STRV: AT() of its unsigned count */
	size_t loc;                 /* AT() of a struct rule_loc, or 0 */
	const char *const *choices; /* K_ENUM, NULL-terminated */
	const char *help;
};

#define KEYS_MAX 24

/* One key's value as read: set when given (s != NULL) or defaulted. */
struct kval {
	const config_setting_t *s; /* the setting, NULL when not given */
	bool set;                  /* given and valid, or defaulted */
	const char *str;
	const char *source; /* K_STR from "env:"/"file:": as written */
	const char **strv;
	unsigned n;
	int64_t i; /* ints, ms, bool, enum index */
	double f;
};

static const char *
type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing";
	}
}

static int
type_error(struct ctx *x, const config_setting_t *s, const struct kdef *k,
    const char *where)
{
	static const char *const want[] = {
		[K_STR] = "a string",
		[K_ENUM] = "a string",
		[K_DURATION] = "a duration string such as \"5m\"",
		[K_INT] = "an integer",
		[K_LLONG] = "an integer",
		[K_FLOAT] = "a number",
		[K_BOOL] = "true or false",
		[K_STRV] = "a list of strings",
		[K_GROUP] = "a group { ... }",
		[K_GLIST] = "a list of groups ( { ... }, ... )",
	};

	cx_error(x, s, "'%s'%s must be %s, not %s", k->key, where,
	    want[k->type], type_name(config_setting_type(s)));
	return -1;
}

/* Join a NULL-terminated list as "a, b, c" into buf. */
static const char *
join_names(char *buf, size_t n, const char *const *names)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i] != NULL && len < n; i++) {
		int w = snprintf(
		    buf + len, n - len, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}

static void
format_ms(int64_t ms, char *buf, size_t n)
{
	template_format_duration(ms, buf, n);
}

/*
 * "env:NAME" or "file:PATH" -> the secret, copied into the arena and
 * registered for zeroing. In test files the text is kept as written.
 */
static int
resolve_secret(struct ctx *x, const config_setting_t *s, const char *key,
    const char *where, const char *text, struct kval *v)
{
	char path[PATH_MAX];
	const char *val;
	struct arena_secret *sec;
	size_t len;
	char *buf = NULL, *copy;

	v->source = cx_strdup(x, text);
	if (x->flags & LOAD_TEST) {
		v->str = v->source;
		return v->str != NULL ? 0 : -1;
	}
	if (strcmp(text, "env:") == 0) {
		cx_error(
		    x, s, "'%s'%s: \"env:\" needs a variable name", key, where);
		return -1;
	}
	if (strncmp(text, "env:", 4) == 0) {
		if ((val = getenv(text + 4)) == NULL) {
			cx_error(x, s,
			    "'%s'%s: environment variable %s is not "
			    "set",
			    key, where, text + 4);
			return -1;
		}
		len = strlen(val);
	} else {
		if (join_path(path, sizeof(path), x->dir, text + 5) == -1 ||
		    (buf = read_small_file(path, CONF_SECRET_MAX, &len)) ==
			NULL) {
			cx_error(x, s, "'%s'%s: cannot read %s: %s", key, where,
			    text,
			    errno == EFBIG        ? "larger than 4096 bytes"
				: errno == EINVAL ? "not a regular file"
						  : strerror(errno));
			return -1;
		}
		while (len > 0 &&
		    (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
			buf[len - 1] == ' '))
			len--;
		val = buf;
	}
	if (len == 0) {
		cx_error(x, s, "'%s'%s: %s is empty", key, where, text);
		free(buf);
		return -1;
	}
	copy = cx_strndup(x, val, len);
	sec = cx_alloc(x, sizeof(*sec));
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (copy == NULL || sec == NULL)
		return -1;
	v->str = copy;
	sec->p = copy;
	sec->len = len;
	sec->next = x->a->secrets;
	x->a->secrets = sec;
	return 0;
}

static int
read_text(struct ctx *x, const config_setting_t *s, const struct kdef *k,
    const char *where, const char *text, struct kval *v)
{
	char dmin[32], dmax[32];
	int64_t ms;

	if ((k->flags & KF_RESOLVE) &&
	    (strncmp(text, "env:", 4) == 0 || strncmp(text, "file:", 5) == 0))
		return resolve_secret(x, s, k->key, where, text, v);
	if ((v->str = cx_strdup(x, text)) == NULL)
		return -1;
	if (k->type == K_ENUM) {
		for (v->i = 0; k->choices[v->i] != NULL; v->i++) {
			if (strcmp(k->choices[v->i], text) == 0)
				return 0;
		}
		join_names(dmin, sizeof(dmin), k->choices);
		cx_error(x, s, "'%s'%s must be one of %s, not \"%s\"", k->key,
		    where, dmin, text);
		return -1;
	}
	if (k->type != K_DURATION)
		return 0;
	if ((ms = rule_parse_duration(text)) < 0) {
		cx_error(x, s,
		    "'%s'%s: bad duration \"%s\" (write 90s, 5m, "
		    "1h, 2d)",
		    k->key, where, text);
		return -1;
	}
	if (ms < k->min || ms > k->max) {
		format_ms(k->min, dmin, sizeof(dmin));
		format_ms(k->max, dmax, sizeof(dmax));
		cx_error(x, s, "'%s'%s must be between %s and %s, not \"%s\"",
		    k->key, where, dmin, dmax, text);
		return -1;
	}
	v->i = ms;
	return 0;
}

static int
read_strv(struct ctx *x, const config_setting_t *s, const struct kdef *k,
    const char *where, struct kval *v)
{
	int t = config_setting_type(s), n;
	const config_setting_t *e;

	if (t == CONFIG_TYPE_STRING) {
		n = 1;
	} else if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
		n = config_setting_length(s);
	} else {
		return type_error(x, s, k, where);
	}
	if (n > k->max) {
		cx_error(x, s,
		    "'%s'%s has %d entries, at most %lld are "
		    "allowed",
		    k->key, where, n, (long long)k->max);
		return -1;
	}
	if ((v->strv = cx_array(x, (size_t)n + 1, sizeof(char *))) == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		e = t == CONFIG_TYPE_STRING
		    ? s
		    : config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return type_error(x, e, k, where);
		if ((v->strv[i] = cx_strdup(x, config_setting_get_string(e))) ==
		    NULL)
			return -1;
	}
	v->n = (unsigned)n;
	return 0;
}

static int
read_number(struct ctx *x, const config_setting_t *s, const struct kdef *k,
    const char *where, struct kval *v)
{
	int t = config_setting_type(s);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64 &&
	    !(k->type == K_FLOAT && t == CONFIG_TYPE_FLOAT))
		return type_error(x, s, k, where);
	if (is_bad_int(x, s))
		return -1; /* reported by scan_ints */
	if (k->type == K_FLOAT) {
		v->f = config_setting_get_float(s);
		if (!isfinite(v->f)) {
			cx_error(x, s, "'%s'%s must be a finite number", k->key,
			    where);
			return -1;
		}
		return 0;
	}
	v->i = config_setting_get_int64(s);
	if (v->i < k->min || v->i > k->max) {
		cx_error(x, s, "'%s'%s must be between %lld and %lld, not %lld",
		    k->key, where, (long long)k->min, (long long)k->max,
		    (long long)v->i);
		return -1;
	}
	return 0;
}

/* Read setting s as key k; 0, or -1 after reporting. */
static int
read_value(struct ctx *x, const config_setting_t *s, const struct kdef *k,
    const char *where, struct kval *v)
{
	int t = config_setting_type(s);

	switch (k->type) {
	case K_STR:
	case K_ENUM:
	case K_DURATION:
		if (t != CONFIG_TYPE_STRING)
			return type_error(x, s, k, where);
		return read_text(
		    x, s, k, where, config_setting_get_string(s), v);
	case K_INT:
	case K_LLONG:
	case K_FLOAT:
		return read_number(x, s, k, where, v);
	case K_BOOL:
		if (t != CONFIG_TYPE_BOOL)
			return type_error(x, s, k, where);
		v->i = config_setting_get_bool(s);
		return 0;
	case K_STRV:
		return read_strv(x, s, k, where, v);
	case K_GROUP:
		return t == CONFIG_TYPE_GROUP ? 0 : type_error(x, s, k, where);
	case K_GLIST:
		return t == CONFIG_TYPE_LIST ? 0 : type_error(x, s, k, where);
	}
	return -1;
}

/* A default as written in the table -> v. */
static void
apply_default(const struct kdef *k, struct kval *v)
{
	v->str = k->def;
	switch (k->type) {
	case K_ENUM:
		for (v->i = 0; k->choices[v->i] != NULL; v->i++) {
			if (strcmp(k->choices[v->i], k->def) == 0)
				break;
		}
		break;
	case K_DURATION:
		v->i = rule_parse_duration(k->def);
		break;
	case K_INT:
	case K_LLONG:
		v->i = strtoll(k->def, NULL, 10);
		break;
	case K_FLOAT:
		v->f = strtod(k->def, NULL);
		break;
	case K_BOOL:
		v->i = strcmp(k->def, "true") == 0;
		break;
	default:
		break;
	}
	v->set = true;
}

/* Store v where k says, in target (a struct of the table's type). */
static void
store(const struct kdef *k, const struct kval *v, void *target)
{
	char *p;
	long long ll;
	bool b;

	if (target == NULL || k->at == 0)
		return;
	p = (char *)target + k->at - 1;
	switch (k->type) {
	case K_STR:
	case K_ENUM:
		memcpy(p, &v->str, sizeof(v->str));
		break;
	case K_DURATION:
	case K_INT:
		memcpy(p, &v->i, sizeof(v->i));
		break;
	case K_LLONG:
		ll = v->i;
		memcpy(p, &ll, sizeof(ll));
		break;
	case K_FLOAT:
		memcpy(p, &v->f, sizeof(v->f));
		break;
	case K_BOOL:
		b = v->i != 0;
		memcpy(p, &b, sizeof(b));
		break;
	case K_STRV:
		if (k->flags & KF_ALLOC)
			memcpy(p, &v->strv, sizeof(v->strv));
		else if (v->n > 0)
			memcpy(p, v->strv, v->n * sizeof(*v->strv));
		memcpy((char *)target + k->count - 1, &v->n, sizeof(v->n));
		break;
	default:
		break;
	}
}

static void
store_loc(struct ctx *x, const struct kdef *k, const config_setting_t *s,
    void *target)
{
	struct rule_loc loc;

	if (target == NULL || k->loc == 0)
		return;
	loc.file = cx_file(x, config_setting_source_file(s));
	loc.line = (int)config_setting_source_line(s);
	memcpy((char *)target + k->loc - 1, &loc, sizeof(loc));
}

/* Levenshtein distance of two short names, capped at 9. */
static unsigned
edit_distance(const char *a, const char *b)
{
	unsigned row[2][64];
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 63 || lb >= 63)
		return 9;
	for (size_t j = 0; j <= lb; j++)
		row[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned *cur = row[i & 1], *prev = row[(i - 1) & 1];
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned d = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d;
		}
	}
	return row[la & 1][lb] > 9 ? 9 : row[la & 1][lb];
}

static void
unknown_key(struct ctx *x, const config_setting_t *m, const struct kdef *keys,
    size_t nkeys, const char *where)
{
	const char *name = config_setting_name(m), *best = NULL;
	unsigned bestd = 3, d;

	for (size_t j = 0; j < nkeys; j++) {
		if ((d = edit_distance(name, keys[j].key)) < bestd) {
			bestd = d;
			best = keys[j].key;
		}
	}
	if (best != NULL)
		cx_error(x, m, "unknown key '%s'%s (did you mean '%s'?)", name,
		    where, best);
	else
		cx_error(x, m, "unknown key '%s'%s", name, where);
}

/*
 * Read group grp against keys: every member must be a key of the table
 * and valid; missing required keys are errors; defaults fill the rest.
 * Values are stored into target (may be NULL) and returned in vals.
 */
static void
walk(struct ctx *x, const config_setting_t *grp, const struct kdef *keys,
    size_t nkeys, void *target, const char *where, struct kval *vals)
{
	int n = config_setting_length(grp);
	const config_setting_t *m;
	size_t j;

	memset(vals, 0, nkeys * sizeof(*vals));
	for (int i = 0; i < n; i++) {
		m = config_setting_get_elem(grp, (unsigned)i);
		for (j = 0; j < nkeys; j++) {
			if (strcmp(keys[j].key, config_setting_name(m)) == 0)
				break;
		}
		if (j == nkeys) {
			unknown_key(x, m, keys, nkeys, where);
			continue;
		}
		vals[j].s = m;
		if (read_value(x, m, &keys[j], where, &vals[j]) != 0)
			continue;
		vals[j].set = true;
		store(&keys[j], &vals[j], target);
		store_loc(x, &keys[j], m, target);
	}
	for (j = 0; j < nkeys; j++) {
		if (vals[j].s != NULL)
			continue;
		if ((keys[j].flags & KF_REQUIRED) ||
		    ((keys[j].flags & KF_RUN) && !(x->flags & LOAD_TEST))) {
			cx_error(x, grp, "missing '%s'%s", keys[j].key, where);
		} else if (keys[j].def != NULL) {
			apply_default(&keys[j], &vals[j]);
			store(&keys[j], &vals[j], target);
		}
	}
}

static const char *
key_help(const struct kdef *keys, size_t nkeys, const char *key)
{
	for (size_t j = 0; j < nkeys; j++) {
		if (strcmp(keys[j].key, key) == 0)
			return keys[j].help;
	}
	return NULL;
}

/* A group member name as a thing's name: checked for length. */
static const char *
member_name(struct ctx *x, const config_setting_t *s, const char *what)
{
	const char *name = config_setting_name(s);

	if (strlen(name) >= CONF_NAME_MAX) {
		cx_error(x, s, "%s name '%.20s...' is longer than %d bytes",
		    what, name, CONF_NAME_MAX - 1);
		return NULL;
	}
	return cx_strdup(x, name);
}

/* ---- the tables --------------------------------------------------------- */

enum {
	T_INPUTS,
	T_SINKS,
	T_RULES,
	T_STATE_DIR,
	T_DEFAULT_NOTIFY,
	T_METRICS_LISTEN,
	T_LINE_MAX,
	T_REGEX_MATCH_LIMIT,
	T_REGEX_DEPTH_LIMIT,
	T_REGEX_SUBJECT_MAX,
	T_NKEYS
};

static const struct kdef top_keys[T_NKEYS] = {
	[T_INPUTS] = { .key = "inputs",
	    .type = K_GROUP,
	    .flags = KF_REQUIRED,
	    .help = "the logs to read: name = { format = ...; path = ...; }" },
	[T_SINKS] = { .key = "sinks",
	    .type = K_GROUP,
	    .help = "where alerts go: name = { type = ...; ... }" },
	[T_RULES] = { .key = "rules",
	    .type = K_STRV,
	    .flags = KF_ALLOC,
	    .max = CONF_RULE_FILES_MAX,
	    .at = AT(struct conf, rule_globs),
	    .count = AT(struct conf, nrule_globs),
	    .help = "rule files (globs), relative to this file's directory" },
	[T_STATE_DIR] = { .key = "state_dir",
	    .type = K_STR,
	    .def = "/var/lib/klaxon",
	    .at = AT(struct conf, state_dir),
	    .help = "checkpoints, outbox and control socket" },
	[T_DEFAULT_NOTIFY] = { .key = "default_notify",
	    .type = K_STRV,
	    .max = RULE_NOTIFY_MAX,
	    .help = "sinks for rules that name none (default: the first "
		    "console sink)" },
	[T_METRICS_LISTEN] = { .key = "metrics_listen",
	    .type = K_STR,
	    .at = AT(struct conf, metrics_listen),
	    .help = "ADDRESS:PORT serving Prometheus text at GET /metrics "
		    "(default: off)" },
	[T_LINE_MAX] = { .key = "line_max",
	    .type = K_INT,
	    .def = "16384",
	    .min = 256,
	    .max = READER_LINE_MAX_MAX,
	    .at = AT(struct conf, line_max),
	    .help = "bytes kept of a log line; the rest is cut and counted" },
	[T_REGEX_MATCH_LIMIT] = { .key = "regex_match_limit",
	    .type = K_INT,
	    .def = "0",
	    .min = 0,
	    .max = 100000000,
	    .at = AT(struct conf, regex_match_limit),
	    .help = "PCRE2 match limit per regex test (0: built-in default)" },
	[T_REGEX_DEPTH_LIMIT] = { .key = "regex_depth_limit",
	    .type = K_INT,
	    .def = "0",
	    .min = 0,
	    .max = 10000000,
	    .at = AT(struct conf, regex_depth_limit),
	    .help = "PCRE2 depth limit per regex test (0: built-in default)" },
	[T_REGEX_SUBJECT_MAX] = { .key = "regex_subject_max",
	    .type = K_INT,
	    .def = "0",
	    .min = 0,
	    .max = READER_LINE_MAX_MAX,
	    .at = AT(struct conf, regex_subject_max),
	    .help = "bytes of a field a regex sees (0: built-in default)" },
};

static const char *const start_choices[] = { "end", "beginning", NULL };

enum {
	I_FORMAT,
	I_PATH,
	I_LOG_FORMAT,
	I_TIMEZONE,
	I_START_AT,
	I_MAX_SILENCE,
	I_NKEYS
};

static const struct kdef input_keys[I_NKEYS] = {
	[I_FORMAT] = { .key = "format",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .at = AT(struct conf_input, format),
	    .help = "nginx_access, nginx_error, gunicorn_access, "
		    "gunicorn_error or uwsgi" },
	[I_PATH] = { .key = "path",
	    .type = K_STR,
	    .flags = KF_RUN,
	    .at = AT(struct conf_input, path),
	    .help = "the log file, or a glob of files" },
	[I_LOG_FORMAT] = { .key = "log_format",
	    .type = K_STR,
	    .at = AT(struct conf_input, log_format),
	    .help = "nginx log_format / gunicorn access_log_format, as in "
		    "the server's config (default: the format's own)" },
	[I_TIMEZONE] = { .key = "timezone",
	    .type = K_STR,
	    .at = AT(struct conf_input, timezone),
	    .help = "zone of timestamps written without one, e.g. "
		    "\"Europe/Berlin\" (default: the host's)" },
	[I_START_AT] = { .key = "start_at",
	    .type = K_ENUM,
	    .def = "end",
	    .choices = start_choices,
	    .help = "where a file with no checkpoint is read from: end or "
		    "beginning" },
	[I_MAX_SILENCE] = { .key = "max_silence",
	    .type = K_DURATION,
	    .min = 1000,
	    .max = 31LL * 86400 * 1000,
	    .at = AT(struct conf_input, max_silence_ms),
	    .help = "alert when the file stays silent this long (default: "
		    "never)" },
};

static const char *const sink_type_names[] = {
	[CONF_SINK_CONSOLE] = "console",
	[CONF_SINK_SLACK] = "slack",
	[CONF_SINK_PAGERDUTY] = "pagerduty",
	[CONF_SINK_TWILIO] = "twilio",
	[CONF_SINK_WEBHOOK] = "webhook",
	[CONF_SINK_ALERTMANAGER] = "alertmanager",
	[CONF_SINK_EMAIL] = "email",
	NULL,
};

static const char *const console_formats[] = { "text", "json", NULL };

#define SINK_TYPE                                                              \
	{                                                                      \
		.key = "type", .type = K_ENUM, .flags = KF_REQUIRED,           \
		.choices = sink_type_names, .help = "the kind of sink"         \
	}
#define SINK_TIMEOUT                                                           \
	{                                                                      \
		.key = "timeout", .type = K_DURATION, .def = "10s",            \
		.min = 1000, .max = 300000,                                    \
		.help = "give up one delivery attempt after this "             \
			"(it is retried)"                                      \
	}

static const struct kdef console_keys[] = {
	SINK_TYPE,
	{ .key = "format",
	    .type = K_ENUM,
	    .def = "text",
	    .choices = console_formats,
	    .help = "text: one line per notification; json: the objects of "
		    "dry-run --json" },
};

static const struct kdef slack_keys[] = {
	SINK_TYPE,
	{ .key = "url",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_SECRET | KF_RESOLVE,
	    .help = "incoming webhook URL (a secret: \"env:NAME\" or "
		    "\"file:PATH\")" },
	SINK_TIMEOUT,
};

static const struct kdef pagerduty_keys[] = {
	SINK_TYPE,
	{ .key = "routing_key",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_SECRET | KF_RESOLVE,
	    .help = "Events API v2 integration key (a secret)" },
	{ .key = "url",
	    .type = K_STR,
	    .flags = KF_RESOLVE,
	    .def = "https://events.pagerduty.com/v2/enqueue",
	    .help = "Events API endpoint" },
	SINK_TIMEOUT,
};

static const struct kdef twilio_keys[] = {
	SINK_TYPE,
	{ .key = "account_sid",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_RESOLVE,
	    .help = "Twilio account SID" },
	{ .key = "auth_token",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_SECRET | KF_RESOLVE,
	    .help = "Twilio auth token (a secret)" },
	{ .key = "from",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .help = "sending number, +E.164" },
	{ .key = "to",
	    .type = K_STRV,
	    .flags = KF_REQUIRED,
	    .max = CONF_LIST_MAX,
	    .help = "numbers to text, +E.164" },
	{ .key = "url",
	    .type = K_STR,
	    .def = "https://api.twilio.com",
	    .help = "API base URL" },
	SINK_TIMEOUT,
};

static const struct kdef webhook_keys[] = {
	SINK_TYPE,
	{ .key = "url",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_SECRET | KF_RESOLVE,
	    .help = "URL the JSON notification is POSTed to (may hold a "
		    "token: masked)" },
	SINK_TIMEOUT,
};

static const struct kdef alertmanager_keys[] = {
	SINK_TYPE,
	{ .key = "url",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_RESOLVE,
	    .help = "Alertmanager base URL, e.g. http://127.0.0.1:9093" },
	SINK_TIMEOUT,
};

static const struct kdef email_keys[] = {
	SINK_TYPE,
	{ .key = "smtp_url",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_SECRET | KF_RESOLVE,
	    .help = "smtp://host:port or smtps://user:password@host:port "
		    "(a secret)" },
	{ .key = "from",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .help = "sender address" },
	{ .key = "to",
	    .type = K_STRV,
	    .flags = KF_REQUIRED,
	    .max = CONF_LIST_MAX,
	    .help = "recipient addresses" },
	SINK_TIMEOUT,
};

static const struct {
	const struct kdef *keys;
	size_t n;
} sink_tables[] = {
	[CONF_SINK_CONSOLE] = { console_keys, NELEM(console_keys) },
	[CONF_SINK_SLACK] = { slack_keys, NELEM(slack_keys) },
	[CONF_SINK_PAGERDUTY] = { pagerduty_keys, NELEM(pagerduty_keys) },
	[CONF_SINK_TWILIO] = { twilio_keys, NELEM(twilio_keys) },
	[CONF_SINK_WEBHOOK] = { webhook_keys, NELEM(webhook_keys) },
	[CONF_SINK_ALERTMANAGER] = { alertmanager_keys,
	    NELEM(alertmanager_keys) },
	[CONF_SINK_EMAIL] = { email_keys, NELEM(email_keys) },
};

#define RULE_STR(k, member, h)                                                 \
	{                                                                      \
		.key = k, .type = K_STR, .at = AT(struct rule_def, member),    \
		.loc = AT(struct rule_def, member##_loc), .help = h            \
	}

static const struct kdef rule_keys[] = {
	{ .key = "sources",
	    .type = K_STRV,
	    .max = RULE_SOURCES_MAX,
	    .at = AT(struct rule_def, sources),
	    .count = AT(struct rule_def, nsources),
	    .loc = AT(struct rule_def, sources_loc),
	    .help = "the inputs this rule reads" },
	RULE_STR("where", where,
	    "filter: which events count, e.g. "
	    "status >= 500 && path =~ '^/api/'"),
	RULE_STR("value", value,
	    "count(), rate(), sum/avg/min/max(f), "
	    "p50..p999(f), ratio(FILTER), distinct(f), absent() "
	    "(default count())"),
	RULE_STR("window", window, "the sliding window, e.g. \"5m\""),
	RULE_STR("alert_if", alert_if,
	    "condition on the value, e.g. "
	    "\"> 1.5\""),
	RULE_STR("resolve_if", resolve_if,
	    "condition to resolve (default: "
	    "alert_if no longer holds)"),
	{ .key = "min_count",
	    .type = K_LLONG,
	    .min = 0,
	    .max = 1000000000,
	    .at = AT(struct rule_def, min_count),
	    .loc = AT(struct rule_def, min_count_loc),
	    .help = "no verdict on fewer events than this in the window "
		    "(default 1)" },
	{ .key = "for",
	    .type = K_STR,
	    .at = AT(struct rule_def, for_),
	    .loc = AT(struct rule_def, for_loc),
	    .help = "how long the condition must hold before firing "
		    "(default 0)" },
	RULE_STR("keep_firing_for", keep_firing_for,
	    "stay firing this long "
	    "after the condition stops holding"),
	RULE_STR("repeat", repeat,
	    "notify again this often while firing "
	    "(default: never)"),
	{ .key = "group_by",
	    .type = K_STRV,
	    .max = RULE_GROUP_MAX,
	    .at = AT(struct rule_def, group_by),
	    .count = AT(struct rule_def, ngroup_by),
	    .loc = AT(struct rule_def, group_by_loc),
	    .help = "one alert per distinct value of these fields" },
	{ .key = "max_groups",
	    .type = K_LLONG,
	    .min = 1,
	    .max = RULE_MAX_GROUPS_MAX,
	    .at = AT(struct rule_def, max_groups),
	    .loc = AT(struct rule_def, max_groups_loc),
	    .help = "most groups tracked (default 1000)" },
	RULE_STR("breakdown", breakdown,
	    "the alert names the top "
	    "contributors by this field"),
	RULE_STR("severity", severity,
	    "label for the sinks, e.g. critical "
	    "(default warning)"),
	{ .key = "notify",
	    .type = K_STRV,
	    .max = RULE_NOTIFY_MAX,
	    .at = AT(struct rule_def, notify),
	    .count = AT(struct rule_def, nnotify),
	    .loc = AT(struct rule_def, notify_loc),
	    .help = "sinks to notify (default: default_notify)" },
	RULE_STR("summary", summary,
	    "the alert's text: {value}, {window}, "
	    "{group.NAME}, {breakdown} ..."),
};

/* ---- inputs ---------------------------------------------------------- */

static const char *
format_names(char *buf, size_t n)
{
	const char *names[16];
	size_t i = 0;

	for (const struct parser *const *p = parser_all();
	     *p != NULL && i + 1 < NELEM(names); p++)
		names[i++] = (*p)->name;
	names[i] = NULL;
	return join_names(buf, n, names);
}

/* Compile in's format; errors at the log_format (or timezone) key. */
static void
compile_input(struct ctx *x, struct conf_input *in, const struct kval *v,
    const config_setting_t *s, const char *where)
{
	struct parser_opts opts;
	struct ts_zone *z;
	char err[256];

	if ((in->parser = parser_lookup(in->format)) == NULL) {
		cx_error(x, v[I_FORMAT].s,
		    "unknown format '%s'%s (formats: "
		    "%s)",
		    in->format, where, format_names(err, sizeof(err)));
		return;
	}
	if (in->timezone != NULL) {
		if ((z = ts_zone_load(in->timezone, err, sizeof(err))) ==
		    NULL) {
			cx_error(
			    x, v[I_TIMEZONE].s, "'timezone'%s: %s", where, err);
			return;
		}
		ts_zone_free(z);
	}
	memset(&opts, 0, sizeof(opts));
	opts.log_format = in->log_format;
	opts.timezone = in->timezone;
	opts.fields = x->c->fields;
	err[0] = '\0';
	if ((in->prog = in->parser->compile(&opts, err, sizeof(err))) == NULL) {
		cx_error(x, v[I_LOG_FORMAT].s ? v[I_LOG_FORMAT].s : s,
		    "'log_format'%s: %s", where,
		    err[0] ? err
			   : "cannot "
			     "compile");
		return;
	}
	in->produces = in->parser->produces(in->prog);
}

static void
load_input(struct ctx *x, const config_setting_t *s, struct conf_input *in)
{
	struct kval v[I_NKEYS];
	char where[CONF_NAME_MAX + 16];
	unsigned nerr = x->nerr;

	in->file = cx_file(x, config_setting_source_file(s));
	in->line = (int)config_setting_source_line(s);
	if ((in->name = member_name(x, s, "input")) == NULL)
		return;
	snprintf(where, sizeof(where), " in input '%s'", in->name);
	if (!config_setting_is_group(s)) {
		cx_error(x, s,
		    "input '%s' must be a group { format = ...; "
		    "path = ...; }",
		    in->name);
		return;
	}
	walk(x, s, input_keys, I_NKEYS, in, where, v);
	if (v[I_START_AT].set)
		in->start_at = (enum conf_start)v[I_START_AT].i;
	if (x->nerr == nerr)
		compile_input(x, in, v, s, where);
}

static void
load_inputs(struct ctx *x, const config_setting_t *grp)
{
	struct conf *c = x->c;
	int n = config_setting_length(grp);

	if (n == 0) {
		cx_error(x, grp, "'inputs' is empty: name at least one log");
		return;
	}
	if (n > CONF_INPUTS_MAX) {
		cx_error(x, grp, "%d inputs, at most %d are allowed", n,
		    CONF_INPUTS_MAX);
		n = CONF_INPUTS_MAX;
	}
	if ((c->inputs = cx_array(x, (size_t)n, sizeof(*c->inputs))) == NULL)
		return;
	c->ninputs = (unsigned)n;
	for (int i = 0; i < n; i++)
		load_input(x, config_setting_get_elem(grp, (unsigned)i),
		    &c->inputs[i]);
}

/* ---- sinks ------------------------------------------------------------ */

static void
sink_kvs(struct ctx *x, struct conf_sink *sk, const struct kdef *keys,
    size_t nkeys, const struct kval *v)
{
	struct conf_kv *kv;
	unsigned n = 0;

	if ((kv = cx_array(x, nkeys, sizeof(*kv))) == NULL)
		return;
	for (size_t j = 1; j < nkeys; j++) { /* 0 is "type" */
		if (!v[j].set)
			continue;
		kv[n].key = keys[j].key;
		if (keys[j].type == K_STRV) {
			kv[n].list = v[j].strv;
			kv[n].nlist = v[j].n;
			kv[n].value = v[j].n ? v[j].strv[0] : NULL;
		} else {
			kv[n].value = v[j].str;
			kv[n].list = &kv[n].value;
			kv[n].nlist = 1;
		}
		kv[n].num = v[j].i;
		kv[n].source = v[j].source;
		kv[n].secret =
		    (keys[j].flags & KF_SECRET) || v[j].source != NULL;
		kv[n].line =
		    v[j].s ? (int)config_setting_source_line(v[j].s) : 0;
		n++;
	}
	sk->kv = kv;
	sk->nkv = n;
}

static void
load_sink(struct ctx *x, const config_setting_t *s, struct conf_sink *sk)
{
	struct kval v[KEYS_MAX];
	char where[CONF_NAME_MAX + 16], names[128];
	const config_setting_t *t;
	const char *type;
	size_t i;

	sk->file = cx_file(x, config_setting_source_file(s));
	sk->line = (int)config_setting_source_line(s);
	if ((sk->name = member_name(x, s, "sink")) == NULL)
		return;
	snprintf(where, sizeof(where), " in sink '%s'", sk->name);
	if (!config_setting_is_group(s)) {
		cx_error(x, s, "sink '%s' must be a group { type = ...; }",
		    sk->name);
		return;
	}
	join_names(names, sizeof(names), sink_type_names);
	if ((t = config_setting_get_member(s, "type")) == NULL ||
	    config_setting_type(t) != CONFIG_TYPE_STRING) {
		cx_error(x, t ? t : s, "%s 'type'%s (one of %s)",
		    t ? "bad" : "missing", where, names);
		return;
	}
	type = config_setting_get_string(t);
	for (i = 0; sink_type_names[i] != NULL; i++) {
		if (strcmp(sink_type_names[i], type) == 0)
			break;
	}
	if (sink_type_names[i] == NULL) {
		cx_error(x, t, "unknown sink type '%s'%s (one of %s)", type,
		    where, names);
		return;
	}
	sk->type = (enum conf_sink_type)i;
	sk->type_name = sink_type_names[i];
	walk(x, s, sink_tables[i].keys, sink_tables[i].n, NULL, where, v);
	sink_kvs(x, sk, sink_tables[i].keys, sink_tables[i].n, v);
}

static void
load_sinks(struct ctx *x, const config_setting_t *grp)
{
	struct conf *c = x->c;
	int n = config_setting_length(grp);

	if (n > CONF_SINKS_MAX) {
		cx_error(x, grp, "%d sinks, at most %d are allowed", n,
		    CONF_SINKS_MAX);
		n = CONF_SINKS_MAX;
	}
	if (n == 0)
		return;
	if ((c->sinks = cx_array(x, (size_t)n, sizeof(*c->sinks))) == NULL)
		return;
	c->nsinks = (unsigned)n;
	for (int i = 0; i < n; i++)
		load_sink(
		    x, config_setting_get_elem(grp, (unsigned)i), &c->sinks[i]);
}

static void
pick_console(struct conf *c)
{
	for (unsigned i = 0; i < c->nsinks; i++) {
		if (c->sinks[i].name != NULL &&
		    c->sinks[i].type == CONF_SINK_CONSOLE) {
			c->default_notify[0] = i;
			c->ndefault_notify = 1;
			return;
		}
	}
}

static void
load_default_notify(struct ctx *x, const struct kval *v)
{
	struct conf *c = x->c;
	int id;

	if (v->s == NULL) {
		pick_console(c);
		return;
	}
	for (unsigned i = 0; v->set && i < v->n; i++) {
		if ((id = conf_sink_find(c, v->strv[i])) < 0) {
			cx_error(x, v->s,
			    "unknown sink '%s' in "
			    "'default_notify'",
			    v->strv[i]);
			continue;
		}
		c->default_notify[c->ndefault_notify++] = (unsigned)id;
	}
}

/* ADDRESS:PORT with a port 1..65535. */
static void
check_listen(struct ctx *x, const struct kval *v)
{
	const char *colon;
	char *end;
	long port;

	if (!v->set || v->str == NULL)
		return;
	colon = strrchr(v->str, ':');
	if (colon != NULL && colon != v->str) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno == 0 && *end == '\0' && end != colon + 1 &&
		    port >= 1 && port <= 65535)
			return;
	}
	cx_error(x, v->s,
	    "'metrics_listen' must be ADDRESS:PORT, e.g. "
	    "\"127.0.0.1:9433\", not \"%s\"",
	    v->str);
}

/* ---- rule files ------------------------------------------------------- */

static struct rule_def *
new_def(struct ctx *x, const config_setting_t *s)
{
	struct rule_def *d, *defs;
	size_t cap;

	if (x->ndefs == CONF_RULES_MAX) {
		cx_error(x, s, "more than %d rules", CONF_RULES_MAX);
		return NULL;
	}
	if (x->ndefs == x->capdefs) {
		cap = x->capdefs ? x->capdefs * 2 : 16;
		if ((defs = realloc(x->defs, cap * sizeof(*defs))) == NULL) {
			cx_error_at(x, NULL, 0, "out of memory");
			return NULL;
		}
		x->defs = defs;
		x->capdefs = cap;
	}
	d = &x->defs[x->ndefs];
	memset(d, 0, sizeof(*d));
	d->min_count = -1;
	d->max_groups = -1;
	return d;
}

/* The rules of one file: each named group of the root is a rule. */
static void
read_rule_defs(struct ctx *x, const config_setting_t *root, const char *path)
{
	struct kval v[NELEM(rule_keys)];
	char where[CONF_NAME_MAX + 16];
	const config_setting_t *m;
	struct rule_def *d;
	int n = config_setting_length(root);
	unsigned nerr;

	if (n == 0)
		cx_warn_at(x, path, 0, "no rules in this file");
	for (int i = 0; i < n; i++) {
		m = config_setting_get_elem(root, (unsigned)i);
		if (!config_setting_is_group(m)) {
			cx_error(x, m,
			    "'%s' is not a rule: a rule is a group, "
			    "name: { sources = [...]; ... };",
			    config_setting_name(m));
			continue;
		}
		if ((d = new_def(x, m)) == NULL)
			return;
		nerr = x->nerr;
		if ((d->name = member_name(x, m, "rule")) == NULL)
			continue;
		d->loc.file = cx_file(x, config_setting_source_file(m));
		d->loc.line = (int)config_setting_source_line(m);
		snprintf(where, sizeof(where), " in rule '%s'", d->name);
		walk(x, m, rule_keys, NELEM(rule_keys), d, where, v);
		if (x->nerr == nerr)
			x->ndefs++;
	}
}

/* Open a libconfig file: 0, or -1 after reporting. cfg is always inited. */
static int
read_config_file(struct ctx *x, config_t *cfg, const char *path)
{
	struct stat st;
	const char *incdir = dir_of(x, path);
	int e;

	config_init(cfg);
	config_set_auto_convert(cfg, 1);
	config_set_include_dir(cfg, incdir);
	x->top = path;
	x->incdir = incdir;
	cx_order(x, cx_file(x, path));
	if (stat(path, &st) == -1) {
		cx_error_at(x, path, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_FILE_MAX) {
		cx_error_at(x, path, 0, "cannot read: %s",
		    S_ISREG(st.st_mode) ? "file too large"
					: "not a regular file");
		return -1;
	}
	if (!config_read_file(cfg, path)) {
		e = errno;
		if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
			cx_error_at(x, path, 0, "cannot read: %s", strerror(e));
		else if (strcmp(config_error_text(cfg),
			     "cannot open include file") == 0)
			cx_error_at(x, cx_file(x, config_error_file(cfg)),
			    config_error_line(cfg),
			    "cannot open include file "
			    "(@include paths are relative to %s)",
			    incdir);
		else
			cx_error_at(x, cx_file(x, config_error_file(cfg)),
			    config_error_line(cfg), "%s",
			    config_error_text(cfg));
		return -1;
	}
	scan_cfg_ints(x, cfg);
	return 0;
}

static void
read_rule_file(struct ctx *x, const char *path)
{
	config_t rc;
	const char *top = x->top, *incdir = x->incdir;
	const char *copy;

	for (unsigned i = 0; i < x->nrfiles; i++) {
		if (strcmp(x->rfiles[i], path) == 0)
			return; /* matched by two globs */
	}
	if (x->nrfiles == CONF_RULE_FILES_MAX) {
		cx_error_at(
		    x, path, 0, "more than %d rule files", CONF_RULE_FILES_MAX);
		return;
	}
	if ((copy = cx_strdup(x, path)) == NULL)
		return;
	x->rfiles[x->nrfiles++] = copy;
	if (read_config_file(x, &rc, copy) == 0)
		read_rule_defs(x, config_root_setting(&rc), copy);
	config_destroy(&rc);
	x->top = top;
	x->incdir = incdir;
}

static bool
has_magic(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

/* Expand the globs of a `rules` / `rule_files` setting and read them. */
static void
read_rule_globs(struct ctx *x, const struct kval *v)
{
	char path[PATH_MAX];
	const config_setting_t *e;
	glob_t g;
	int rc;

	if (x->rfiles == NULL &&
	    (x->rfiles = cx_array(x, CONF_RULE_FILES_MAX, sizeof(char *))) ==
		NULL)
		return;
	for (unsigned i = 0; v->set && i < v->n; i++) {
		e = config_setting_type(v->s) == CONFIG_TYPE_STRING
		    ? v->s
		    : config_setting_get_elem(v->s, i);
		if (join_path(path, sizeof(path), x->dir, v->strv[i]) == -1) {
			cx_error(x, e, "path too long: '%.40s...'", v->strv[i]);
			continue;
		}
		memset(&g, 0, sizeof(g));
		rc = glob(path, 0, NULL, &g);
		if (rc == GLOB_NOMATCH && has_magic(path))
			cx_warn(x, e, "no rule file matches '%s'", path);
		else if (rc == GLOB_NOMATCH)
			cx_error(x, e, "cannot read rule file '%s': %s", path,
			    strerror(ENOENT));
		else if (rc != 0)
			cx_error(x, e, "cannot expand '%s'", path);
		for (size_t j = 0; rc == 0 && j < g.gl_pathc; j++)
			read_rule_file(x, g.gl_pathv[j]);
		if (rc == 0 || rc == GLOB_NOMATCH)
			globfree(&g);
	}
}

static void
rule_error(void *arg, const struct rule_loc *loc, const char *msg)
{
	struct ctx *x = arg;

	cx_error_at(x, loc != NULL ? loc->file : NULL,
	    loc != NULL ? loc->line : 0, "%s", msg);
}

/* Compile the collected rule definitions against the inputs and sinks. */
static void
compile_rules(struct ctx *x)
{
	struct conf *c = x->c;
	struct rule_env env;
	struct rule_def *defs;
	const char **inames, **snames;
	uint64_t *ifields;
	unsigned nerr = x->nerr;

	/* Without inputs every rule would only say "unknown source". */
	if (c->ninputs == 0 && x->nerr > 0)
		return;
	inames = cx_array(x, c->ninputs + 1, sizeof(*inames));
	ifields = cx_array(x, c->ninputs + 1, sizeof(*ifields));
	snames = cx_array(x, c->nsinks + 1, sizeof(*snames));
	defs = cx_array(x, x->ndefs + 1, sizeof(*defs));
	if (inames == NULL || ifields == NULL || snames == NULL || defs == NULL)
		return;
	for (unsigned i = 0; i < c->ninputs; i++) {
		inames[i] = c->inputs[i].name ? c->inputs[i].name : "";
		/* A broken input must not make its rules' fields unknown. */
		ifields[i] =
		    c->inputs[i].prog ? c->inputs[i].produces : UINT64_MAX;
	}
	for (unsigned i = 0; i < c->nsinks; i++)
		snames[i] = c->sinks[i].name ? c->sinks[i].name : "";
	if (x->ndefs > 0)
		memcpy(defs, x->defs, x->ndefs * sizeof(*defs));
	c->rule_defs = defs;
	c->nrule_defs = x->ndefs;
	c->rule_files = x->rfiles;
	c->nrule_files = x->nrfiles;
	memset(&env, 0, sizeof(env));
	env.input_names = inames;
	env.input_fields = ifields;
	env.ninputs = c->ninputs;
	env.sink_names = snames;
	env.nsinks = c->nsinks;
	env.default_notify = c->default_notify;
	env.ndefault_notify = c->ndefault_notify;
	env.fields = c->fields;
	env.regex_match_limit = (uint32_t)c->regex_match_limit;
	env.regex_depth_limit = (uint32_t)c->regex_depth_limit;
	env.regex_subject_max = (uint32_t)c->regex_subject_max;
	c->rules = ruleset_compile(defs, x->ndefs, &env, rule_error, x);
	if (c->rules == NULL && x->nerr == nerr)
		cx_error_at(x, NULL, 0, "cannot compile the rules");
	if (c->rules == NULL || x->nerr > 0)
		return;
	for (unsigned i = 0; i < c->ninputs; i++) {
		if (c->inputs[i].parser->want != NULL)
			c->inputs[i].parser->want(c->inputs[i].prog,
			    ruleset_fields_for_input(c->rules, i));
	}
}

/* ---- the main file --------------------------------------------------------
 */

static void
load_main(struct ctx *x, const config_setting_t *root)
{
	struct kval v[T_NKEYS];

	walk(x, root, top_keys, T_NKEYS, x->c, "", v);
	if (v[T_INPUTS].set)
		load_inputs(x, v[T_INPUTS].s);
	if (v[T_SINKS].set)
		load_sinks(x, v[T_SINKS].s);
	else if (!(x->flags & LOAD_TEST))
		cx_warn_at(x, x->name, 0,
		    "no 'sinks': alerts are not sent "
		    "anywhere");
	load_default_notify(x, &v[T_DEFAULT_NOTIFY]);
	check_listen(x, &v[T_METRICS_LISTEN]);
	if (x->flags & LOAD_NO_RULES)
		return;
	if (v[T_RULES].set)
		read_rule_globs(x, &v[T_RULES]);
	else if (v[T_RULES].s == NULL)
		cx_warn_at(x, x->name, 0, "no 'rules': no rule is loaded");
}

static int
load_begin(struct ctx *x, struct conf *c, const char *name, conf_error_fn *err,
    void *arg)
{
	memset(c, 0, sizeof(*c));
	memset(x, 0, sizeof(*x));
	x->c = c;
	x->err = err != NULL ? err : conf_print_error;
	x->arg = err != NULL ? arg : NULL;
	x->name = name;
	if ((c->arena = calloc(1, sizeof(*c->arena))) == NULL) {
		cx_error_at(x, name, 0, "out of memory");
		return -1;
	}
	x->a = c->arena;
	if ((c->file = cx_strdup(x, name)) == NULL ||
	    (c->fields = cx_alloc(x, sizeof(*c->fields))) == NULL)
		return -1;
	x->name = c->file;
	cx_order(x, x->name);
	field_table_init(c->fields);
	return 0;
}

static int
load_end(struct ctx *x)
{
	cx_flush(x);
	free(x->defs);
	x->defs = NULL;
	if (x->nerr == 0)
		return 0;
	conf_release(x->c);
	return -1;
}

int
conf_load(struct conf *c, const char *path, conf_error_fn *err, void *arg)
{
	struct ctx x;
	config_t cfg;

	if (load_begin(&x, c, path, err, arg) == 0) {
		x.dir = dir_of(&x, path);
		if (read_config_file(&x, &cfg, path) == 0)
			load_main(&x, config_root_setting(&cfg));
		config_destroy(&cfg);
		compile_rules(&x);
	}
	return load_end(&x);
}

int
conf_load_string(struct conf *c, const char *text, const char *name,
    conf_error_fn *err, void *arg)
{
	struct ctx x;
	config_t cfg;

	if (load_begin(&x, c, name, err, arg) == 0) {
		x.dir = ".";
		config_init(&cfg);
		config_set_auto_convert(&cfg, 1);
		if (!config_read_string(&cfg, text)) {
			cx_error_at(&x, cx_file(&x, config_error_file(&cfg)),
			    config_error_line(&cfg), "%s",
			    config_error_text(&cfg));
		} else {
			scan_ints(&x, x.name, text, strlen(text));
			scan_cfg_ints(&x, &cfg);
			load_main(&x, config_root_setting(&cfg));
		}
		config_destroy(&cfg);
		compile_rules(&x);
	}
	return load_end(&x);
}

void
conf_release(struct conf *c)
{
	if (c == NULL)
		return;
	ruleset_free(c->rules);
	for (unsigned i = 0; i < c->ninputs; i++) {
		if (c->inputs[i].prog != NULL)
			c->inputs[i].parser->prog_free(c->inputs[i].prog);
	}
	arena_free(c->arena);
	memset(c, 0, sizeof(*c));
}

int
conf_input_find(const struct conf *c, const char *name)
{
	for (unsigned i = 0; i < c->ninputs; i++) {
		if (c->inputs[i].name != NULL &&
		    strcmp(c->inputs[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

int
conf_sink_find(const struct conf *c, const char *name)
{
	for (unsigned i = 0; i < c->nsinks; i++) {
		if (c->sinks[i].name != NULL &&
		    strcmp(c->sinks[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

const struct conf_kv *
conf_sink_kv(const struct conf_sink *s, const char *key)
{
	for (unsigned i = 0; i < s->nkv; i++) {
		if (strcmp(s->kv[i].key, key) == 0)
			return &s->kv[i];
	}
	return NULL;
}

/* ---- klaxon check -v ------------------------------------------------------
 */

struct dbuf {
	char b[1024];
	size_t len;
};

static void
db_add(struct dbuf *d, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (d->len >= sizeof(d->b) - 1)
		return;
	va_start(ap, fmt);
	w = vsnprintf(d->b + d->len, sizeof(d->b) - d->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		d->len += (size_t)w;
	if (d->len >= sizeof(d->b) - 1) {
		d->len = sizeof(d->b) - 1;
		memcpy(d->b + d->len - 3, "...", 3);
	}
}

/* s as a libconfig string literal, escaped. */
static void
db_str(struct dbuf *d, const char *s)
{
	db_add(d, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			db_add(d, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			db_add(d, "\\x%02x", (unsigned char)*s);
		else
			db_add(d, "%c", *s);
	}
	db_add(d, "\"");
}

static void
db_list(struct dbuf *d, const char *const *v, unsigned n)
{
	db_add(d, "[");
	for (unsigned i = 0; i < n; i++) {
		db_add(d, "%s", i ? ", " : "");
		db_str(d, v[i]);
	}
	db_add(d, "]");
}

static void
dump_line(FILE *f, const char *key, struct dbuf *d, const char *help)
{
	fprintf(f, "    %-17s %-30s", key, d->b);
	if (help != NULL)
		fprintf(f, "  # %s", help);
	fputc('\n', f);
	d->len = 0;
	d->b[0] = '\0';
}

static void
dump_top(const struct conf *c, FILE *f)
{
	struct dbuf d = { .len = 0 };
	const char *names[RULE_NOTIFY_MAX];

	fprintf(f, "settings (%s):\n", c->file);
	db_str(&d, c->state_dir);
	dump_line(f, "state_dir", &d, top_keys[T_STATE_DIR].help);
	for (unsigned i = 0; i < c->ndefault_notify; i++)
		names[i] = c->sinks[c->default_notify[i]].name;
	db_list(&d, names, c->ndefault_notify);
	dump_line(f, "default_notify", &d, top_keys[T_DEFAULT_NOTIFY].help);
	if (c->metrics_listen != NULL)
		db_str(&d, c->metrics_listen);
	else
		db_add(&d, "off");
	dump_line(f, "metrics_listen", &d, top_keys[T_METRICS_LISTEN].help);
	db_add(&d, "%lld", (long long)c->line_max);
	dump_line(f, "line_max", &d, top_keys[T_LINE_MAX].help);
	for (int k = T_REGEX_MATCH_LIMIT; k <= T_REGEX_SUBJECT_MAX; k++) {
		const int64_t *val = k == T_REGEX_MATCH_LIMIT
		    ? &c->regex_match_limit
		    : k == T_REGEX_DEPTH_LIMIT ? &c->regex_depth_limit
					       : &c->regex_subject_max;
		db_add(&d, "%lld", (long long)*val);
		dump_line(f, top_keys[k].key, &d, top_keys[k].help);
	}
	db_list(&d, c->rule_globs, c->nrule_globs);
	dump_line(f, "rules", &d, top_keys[T_RULES].help);
}

static void
dump_input(const struct conf_input *in, FILE *f)
{
	struct dbuf d = { .len = 0 };
	char ms[32];

	fprintf(f, "input %s (%s:%d):\n", in->name, in->file, in->line);
	db_str(&d, in->format);
	dump_line(f, "format", &d, input_keys[I_FORMAT].help);
	if (in->path != NULL) {
		db_str(&d, in->path);
		dump_line(f, "path", &d, input_keys[I_PATH].help);
	}
	if (in->log_format != NULL)
		db_str(&d, in->log_format);
	else
		db_add(&d, "(default)");
	dump_line(f, "log_format", &d, input_keys[I_LOG_FORMAT].help);
	if (in->timezone != NULL)
		db_str(&d, in->timezone);
	else
		db_add(&d, "(host)");
	dump_line(f, "timezone", &d, input_keys[I_TIMEZONE].help);
	db_add(&d, "\"%s\"", start_choices[in->start_at]);
	dump_line(f, "start_at", &d, input_keys[I_START_AT].help);
	if (in->max_silence_ms > 0) {
		format_ms(in->max_silence_ms, ms, sizeof(ms));
		db_add(&d, "\"%s\"", ms);
	} else {
		db_add(&d, "off");
	}
	dump_line(f, "max_silence", &d, input_keys[I_MAX_SILENCE].help);
}

static void
dump_sink(const struct conf_sink *s, FILE *f)
{
	const struct kdef *keys = sink_tables[s->type].keys;
	size_t nkeys = sink_tables[s->type].n;
	struct dbuf d = { .len = 0 };
	const struct conf_kv *kv;

	fprintf(f, "sink %s: %s (%s:%d):\n", s->name, s->type_name, s->file,
	    s->line);
	for (unsigned i = 0; i < s->nkv; i++) {
		kv = &s->kv[i];
		if (kv->secret && kv->source != NULL && kv->value != kv->source)
			db_add(&d, "%s (set, %zu bytes)", kv->source,
			    strlen(kv->value));
		else if (kv->secret && kv->source != NULL)
			db_add(&d, "%s (not resolved)", kv->source);
		else if (kv->secret)
			db_add(&d, "(inline, %zu bytes)", strlen(kv->value));
		else if (kv->nlist > 1 || kv->list != &kv->value)
			db_list(&d, kv->list, kv->nlist);
		else
			db_str(&d, kv->value);
		dump_line(f, kv->key, &d, key_help(keys, nkeys, kv->key));
	}
}

static void
dump_rule(const struct rule_def *r, FILE *f)
{
	struct dbuf d = { .len = 0 };
	const struct kdef *k;
	const char *p = (const char *)r;
	const char *s;
	const char *const *v;
	unsigned n;
	long long ll;

	fprintf(f, "rule %s (%s:%d):\n", r->name, r->loc.file, r->loc.line);
	for (size_t j = 0; j < NELEM(rule_keys); j++) {
		k = &rule_keys[j];
		if (k->type == K_STR) {
			memcpy(&s, p + k->at - 1, sizeof(s));
			if (s == NULL)
				continue;
			db_str(&d, s);
		} else if (k->type == K_STRV) {
			v = (const char *const *)(const void *)(p + k->at - 1);
			memcpy(&n, p + k->count - 1, sizeof(n));
			if (n == 0)
				continue;
			db_list(&d, v, n);
		} else {
			memcpy(&ll, p + k->at - 1, sizeof(ll));
			if (ll < 0)
				continue;
			db_add(&d, "%lld", ll);
		}
		dump_line(f, k->key, &d, k->help);
	}
}

void
conf_dump(const struct conf *c, FILE *f)
{
	dump_top(c, f);
	for (unsigned i = 0; i < c->ninputs; i++)
		dump_input(&c->inputs[i], f);
	for (unsigned i = 0; i < c->nsinks; i++)
		dump_sink(&c->sinks[i], f);
	for (unsigned i = 0; i < c->nrule_files; i++)
		fprintf(f, "rule file %s\n", c->rule_files[i]);
	for (size_t i = 0; i < c->nrule_defs; i++)
		dump_rule(&c->rule_defs[i], f);
}

/* ---- rule test files -------------------------------------------------------
 *
 *   rule_files = ["../rules/api.conf"];     # globs, relative to this file
 *   inputs = { api = { format = "nginx_access"; log_format = "..."; }; };
 *   # or: config = "../../etc/klaxon.conf";  (its inputs and sinks; its
 *   #     `rules` are not loaded, its secrets are not looked up)
 *   sinks = { ... };     # optional; without sinks every name a rule's
 *                        # notify uses stands for a console sink
 *   tests = (
 *     { name = "slow key fires";
 *       lines = { api = [ "log line", ... ]; };  # per input, real lines;
 *                        # a string may hold several lines split by \n
 *       until = "2026-11-22T15:00:00Z";           # optional: tick further
 *       expect = (       # every firing (repeats too) and resolved
 *         { rule = "api_latency"; state = "firing";
 *           at = "2026-11-22T14:47:00Z";          # to the second, UTC
 *           group = { host = "a"; };              # optional, exact
 *           value = 2.31; tolerance = 0.01;       # optional
 *           summary = "api latency"; }            # optional substring
 *       );
 *     }
 *   );
 *
 * tolerance is relative: |got - value| <= tolerance * |value|, and
 * |got| <= tolerance when value is 0; default 1e-6 (exact up to rounding).
 * Quantiles (p99 ...) are within 1%: give tolerance = 0.01 for them.
 */

enum {
	X_RULE_FILES,
	X_CONFIG,
	X_INPUTS,
	X_SINKS,
	X_TESTS,
	X_NKEYS
};

static const struct kdef test_keys[X_NKEYS] = {
	[X_RULE_FILES] = { .key = "rule_files",
	    .type = K_STRV,
	    .flags = KF_REQUIRED,
	    .max = CONF_RULE_FILES_MAX,
	    .help = "the rule files under test (globs, relative to this "
		    "file)" },
	[X_CONFIG] = { .key = "config",
	    .type = K_STR,
	    .help = "a main config whose inputs and sinks to use" },
	[X_INPUTS] = { .key = "inputs",
	    .type = K_GROUP,
	    .help = "the inputs, as in the main config (path optional)" },
	[X_SINKS] = { .key = "sinks",
	    .type = K_GROUP,
	    .help = "sinks, as in the main config (optional)" },
	[X_TESTS] = { .key = "tests",
	    .type = K_GLIST,
	    .flags = KF_REQUIRED,
	    .help = "the test cases" },
};

enum {
	C_NAME,
	C_LINES,
	C_UNTIL,
	C_EXPECT,
	C_NKEYS
};

static const struct kdef case_keys[C_NKEYS] = {
	[C_NAME] = { .key = "name",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .help = "the case's name, in messages" },
	[C_LINES] = { .key = "lines",
	    .type = K_GROUP,
	    .help = "input = [ log lines ]; per input" },
	[C_UNTIL] = { .key = "until",
	    .type = K_STR,
	    .help = "tick the clock on to this time (ISO 8601)" },
	[C_EXPECT] = { .key = "expect",
	    .type = K_GLIST,
	    .flags = KF_REQUIRED,
	    .help = "every firing and resolved transition, in order" },
};

static const char *const state_choices[] = { "firing", "resolved", NULL };

enum {
	E_RULE,
	E_STATE,
	E_AT,
	E_GROUP,
	E_VALUE,
	E_TOLERANCE,
	E_SUMMARY,
	E_NKEYS
};

static const struct kdef expect_keys[E_NKEYS] = {
	[E_RULE] = { .key = "rule",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .at = AT(struct conf_test_expect, rule),
	    .help = "rule name" },
	[E_STATE] = { .key = "state",
	    .type = K_ENUM,
	    .flags = KF_REQUIRED,
	    .choices = state_choices,
	    .help = "firing or resolved" },
	[E_AT] = { .key = "at",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .help = "time of the transition, ISO 8601 UTC" },
	[E_GROUP] = { .key = "group",
	    .type = K_GROUP,
	    .help = "the alert's group values, exactly" },
	[E_VALUE] = { .key = "value",
	    .type = K_FLOAT,
	    .at = AT(struct conf_test_expect, value),
	    .help = "the aggregate's value" },
	[E_TOLERANCE] = { .key = "tolerance",
	    .type = K_FLOAT,
	    .def = "1e-6",
	    .at = AT(struct conf_test_expect, tolerance),
	    .help = "relative tolerance of value (default 1e-6)" },
	[E_SUMMARY] = { .key = "summary",
	    .type = K_STR,
	    .at = AT(struct conf_test_expect, summary),
	    .help = "a substring of the summary" },
};

/* ISO 8601 time of setting s (a string); -1 after reporting. */
static int
read_time(struct ctx *x, const struct kval *v, const char *key,
    const char *where, int64_t *ms)
{
	if (ts_parse_iso8601(v->str, strlen(v->str), ms) == 0)
		return 0;
	cx_error(x, v->s,
	    "'%s'%s must be an ISO 8601 time with a zone, e.g. "
	    "\"2026-11-22T14:50:00Z\", not \"%s\"",
	    key, where, v->str);
	return -1;
}

static void
load_expect_group(struct ctx *x, const config_setting_t *g,
    struct conf_test_expect *e, const char *where)
{
	const config_setting_t *m;
	char num[32];
	int n = config_setting_length(g);

	e->has_group = true;
	if (n > RULE_GROUP_MAX) {
		cx_error(x, g, "'group'%s has %d fields, at most %d", where, n,
		    RULE_GROUP_MAX);
		return;
	}
	for (int i = 0; i < n; i++) {
		m = config_setting_get_elem(g, (unsigned)i);
		e->group_names[i] = cx_strdup(x, config_setting_name(m));
		if (config_setting_type(m) == CONFIG_TYPE_STRING) {
			e->group_values[i] =
			    cx_strdup(x, config_setting_get_string(m));
		} else if (config_setting_type(m) == CONFIG_TYPE_INT ||
		    config_setting_type(m) == CONFIG_TYPE_INT64) {
			snprintf(num, sizeof(num), "%lld",
			    config_setting_get_int64(m));
			e->group_values[i] = cx_strdup(x, num);
		} else {
			cx_error(x, m, "group value '%s'%s must be a string",
			    config_setting_name(m), where);
		}
	}
	e->ngroup = (unsigned)n;
}

static bool
rule_known(const struct ctx *x, const char *name)
{
	for (size_t i = 0; i < x->ndefs; i++) {
		if (strcmp(x->defs[i].name, name) == 0)
			return true;
	}
	return false;
}

static void
load_expect(struct ctx *x, const config_setting_t *s,
    struct conf_test_expect *e, const char *where)
{
	struct kval v[E_NKEYS];

	e->line = (int)config_setting_source_line(s);
	if (!config_setting_is_group(s)) {
		cx_error(x, s,
		    "an expectation%s must be a group { rule = ...; "
		    "state = ...; at = ...; }",
		    where);
		return;
	}
	walk(x, s, expect_keys, E_NKEYS, e, where, v);
	e->state = (enum conf_expect_state)v[E_STATE].i;
	e->has_value = v[E_VALUE].set;
	if (v[E_RULE].set && !rule_known(x, e->rule))
		cx_error(x, v[E_RULE].s, "unknown rule '%s'%s", e->rule, where);
	if (v[E_AT].set && read_time(x, &v[E_AT], "at", where, &e->at_ms) == 0)
		e->at_ms -= ((e->at_ms % 1000) + 1000) % 1000;
	if (v[E_TOLERANCE].set && !(e->tolerance >= 0))
		cx_error(x, v[E_TOLERANCE].s,
		    "'tolerance'%s must not be "
		    "negative",
		    where);
	if (v[E_GROUP].set)
		load_expect_group(x, v[E_GROUP].s, e, where);
}

/* Count (n != NULL) or fill the lines of one string, split at '\n'. */
static size_t
split_lines(struct ctx *x, const char *s, unsigned input, int line,
    struct conf_test_line *out)
{
	size_t n = 0, len;
	const char *nl;
	char *copy = NULL;

	if (out != NULL && (copy = cx_strdup(x, s)) == NULL)
		return 0;
	for (const char *p = s; *p != '\0' || p == s; p = nl + 1) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (out != NULL) {
			out[n].input = input;
			out[n].line = line;
			out[n].text = copy + (p - s);
			out[n].len = len;
		}
		n++;
		if (nl == NULL || nl[1] == '\0')
			break;
	}
	return n;
}

/* The strings of a lines entry: a string or a list of strings. */
static const config_setting_t *
line_elem(const config_setting_t *m, int i)
{
	if (config_setting_type(m) == CONFIG_TYPE_STRING)
		return m;
	return config_setting_get_elem(m, (unsigned)i);
}

static int
line_count(const config_setting_t *m)
{
	if (config_setting_type(m) == CONFIG_TYPE_STRING)
		return 1;
	if (config_setting_type(m) == CONFIG_TYPE_ARRAY ||
	    config_setting_type(m) == CONFIG_TYPE_LIST)
		return config_setting_length(m);
	return -1;
}

/* Check a case's lines group; returns the number of lines, or -1. */
static long
count_lines(struct ctx *x, const config_setting_t *g, const char *where)
{
	const config_setting_t *m, *e;
	long total = 0;
	int n;

	for (int i = 0; i < config_setting_length(g); i++) {
		m = config_setting_get_elem(g, (unsigned)i);
		if (conf_input_find(x->c, config_setting_name(m)) < 0) {
			cx_error(x, m, "unknown input '%s'%s",
			    config_setting_name(m), where);
			continue;
		}
		if ((n = line_count(m)) < 0) {
			cx_error(x, m, "'%s'%s must be a list of log lines",
			    config_setting_name(m), where);
			continue;
		}
		for (int j = 0; j < n; j++) {
			e = line_elem(m, j);
			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				cx_error(x, e,
				    "'%s'%s must be a list of log "
				    "lines",
				    config_setting_name(m), where);
				return -1;
			}
			total += (long)split_lines(
			    x, config_setting_get_string(e), 0, 0, NULL);
		}
	}
	if (total > CONF_TEST_LINES_MAX) {
		cx_error(
		    x, g, "more than %d lines%s", CONF_TEST_LINES_MAX, where);
		return -1;
	}
	return total;
}

static void
load_lines(struct ctx *x, const config_setting_t *g, struct conf_test_case *tc,
    const char *where)
{
	const config_setting_t *m, *e;
	struct conf_test_line *lines;
	unsigned nerr = x->nerr;
	long total = count_lines(x, g, where);
	size_t k = 0;
	int input;

	if (total <= 0 || x->nerr != nerr)
		return;
	if ((lines = cx_array(x, (size_t)total, sizeof(*lines))) == NULL)
		return;
	for (int i = 0; i < config_setting_length(g); i++) {
		m = config_setting_get_elem(g, (unsigned)i);
		input = conf_input_find(x->c, config_setting_name(m));
		for (int j = 0; j < line_count(m); j++) {
			e = line_elem(m, j);
			k += split_lines(x, config_setting_get_string(e),
			    (unsigned)input, (int)config_setting_source_line(e),
			    lines + k);
		}
	}
	tc->lines = lines;
	tc->nlines = k;
}

static void
load_case(struct ctx *x, const config_setting_t *s, struct conf_test_case *tc)
{
	struct kval v[C_NKEYS];
	struct conf_test_expect *ex;
	char where[CONF_NAME_MAX + 16];
	const char *name = NULL;
	int n;

	tc->line = (int)config_setting_source_line(s);
	tc->until_ms = EVENT_TIME_NONE;
	if (!config_setting_is_group(s)) {
		cx_error(x, s,
		    "a test case must be a group { name = ...; "
		    "lines = ...; expect = ...; }");
		return;
	}
	config_setting_lookup_string(s, "name", &name);
	snprintf(where, sizeof(where), " in case '%.*s'", CONF_NAME_MAX,
	    name != NULL ? name : "?");
	walk(x, s, case_keys, C_NKEYS, NULL, where, v);
	tc->name = v[C_NAME].str;
	if (v[C_UNTIL].set)
		read_time(x, &v[C_UNTIL], "until", where, &tc->until_ms);
	if (v[C_LINES].set)
		load_lines(x, v[C_LINES].s, tc, where);
	if (!v[C_EXPECT].set)
		return;
	if ((n = config_setting_length(v[C_EXPECT].s)) > CONF_TEST_EXPECT_MAX) {
		cx_error(x, v[C_EXPECT].s, "more than %d expectations%s",
		    CONF_TEST_EXPECT_MAX, where);
		return;
	}
	if ((ex = cx_array(x, (size_t)n + 1, sizeof(*ex))) == NULL)
		return;
	for (int i = 0; i < n; i++)
		load_expect(x,
		    config_setting_get_elem(v[C_EXPECT].s, (unsigned)i), &ex[i],
		    where);
	tc->expect = ex;
	tc->nexpect = (size_t)n;
}

/*
 * A test file that declares no sinks: every sink a rule names becomes a
 * console sink, so that rule files written for a real config load as they
 * are (tests never deliver anything).
 */
static void
synth_sinks(struct ctx *x)
{
	struct conf *c = x->c;
	const char *names[CONF_SINKS_MAX];
	unsigned n = 0, j;

	names[n++] = "console";
	for (size_t i = 0; i < x->ndefs; i++) {
		for (unsigned k = 0; k < x->defs[i].nnotify; k++) {
			for (j = 0; j < n; j++) {
				if (strcmp(names[j], x->defs[i].notify[k]) == 0)
					break;
			}
			if (j == n && n < CONF_SINKS_MAX)
				names[n++] = x->defs[i].notify[k];
		}
	}
	if ((c->sinks = cx_array(x, n, sizeof(*c->sinks))) == NULL)
		return;
	for (j = 0; j < n; j++) {
		c->sinks[j].name = names[j];
		c->sinks[j].file = x->name;
		c->sinks[j].type = CONF_SINK_CONSOLE;
		c->sinks[j].type_name = "console";
	}
	c->nsinks = n;
}

/* `config = "klaxon.conf"`: the inputs and sinks of a main config. */
static void
load_test_config(struct ctx *x, const struct kval *v)
{
	char path[PATH_MAX];
	const char *dir = x->dir, *name = x->name, *top = x->top;
	const char *incdir = x->incdir, *copy;
	config_t cfg;

	if (join_path(path, sizeof(path), x->dir, v->str) == -1) {
		cx_error(x, v->s, "path too long");
		return;
	}
	if ((copy = cx_strdup(x, path)) == NULL)
		return;
	x->flags |= LOAD_NO_RULES;
	x->name = copy;
	x->dir = dir_of(x, copy);
	if (read_config_file(x, &cfg, copy) == 0)
		load_main(x, config_root_setting(&cfg));
	config_destroy(&cfg);
	/* Back to the test file: its settings are named after it again. */
	x->flags &= ~LOAD_NO_RULES;
	x->dir = dir;
	x->name = name;
	x->top = top;
	x->incdir = incdir;
}

static void
load_test(struct ctx *x, struct conf_test *t, const config_setting_t *root)
{
	struct kval v[X_NKEYS];
	struct conf_test_case *cases;
	int n;

	walk(x, root, test_keys, X_NKEYS, NULL, "", v);
	if (v[X_CONFIG].set && (v[X_INPUTS].s || v[X_SINKS].s)) {
		cx_error(x, v[X_CONFIG].s,
		    "give either 'config' or 'inputs' "
		    "and 'sinks', not both");
		return;
	}
	if (v[X_CONFIG].set) {
		load_test_config(x, &v[X_CONFIG]);
	} else if (v[X_INPUTS].set) {
		load_inputs(x, v[X_INPUTS].s);
		if (v[X_SINKS].set)
			load_sinks(x, v[X_SINKS].s);
	} else if (v[X_INPUTS].s == NULL) {
		cx_error_at(x, x->name, 0, "missing 'inputs' (or 'config')");
	}
	read_rule_globs(x, &v[X_RULE_FILES]);
	if (x->c->nsinks == 0)
		synth_sinks(x);
	if (x->c->ndefault_notify == 0)
		pick_console(x->c);
	compile_rules(x);
	if (!v[X_TESTS].set)
		return;
	n = config_setting_length(v[X_TESTS].s);
	if (n > CONF_TEST_CASES_MAX) {
		cx_error(x, v[X_TESTS].s, "more than %d test cases",
		    CONF_TEST_CASES_MAX);
		return;
	}
	if ((cases = cx_array(x, (size_t)n + 1, sizeof(*cases))) == NULL)
		return;
	for (int i = 0; i < n; i++)
		load_case(x, config_setting_get_elem(v[X_TESTS].s, (unsigned)i),
		    &cases[i]);
	t->cases = cases;
	t->ncases = (size_t)n;
}

int
conf_test_load(
    struct conf_test *t, const char *path, conf_error_fn *err, void *arg)
{
	struct ctx x;
	config_t cfg;
	int rc;

	t->cases = NULL;
	t->ncases = 0;
	if (load_begin(&x, &t->conf, path, err, arg) == 0) {
		x.flags = LOAD_TEST;
		x.dir = dir_of(&x, path);
		if (read_config_file(&x, &cfg, path) == 0)
			load_test(&x, t, config_root_setting(&cfg));
		config_destroy(&cfg);
	}
	if ((rc = load_end(&x)) != 0) {
		t->cases = NULL;
		t->ncases = 0;
	}
	return rc;
}

void
conf_test_release(struct conf_test *t)
{
	conf_release(&t->conf);
	t->cases = NULL;
	t->ncases = 0;
}
