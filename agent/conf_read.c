/*
 * conf_read - reading the files of a config load: plain files we open
 * ourselves (secrets, the integer scan), and libconfig files.
 *
 * What: conf_read_small_file reads a regular file of bounded size;
 * conf_read_file opens a libconfig file with its include directory set
 * and reports its syntax errors as "file:line: message";
 * conf_scan_ints finds the integer literals libconfig 1.5 misreads.
 *
 * Why the scan: libconfig 1.5 silently wraps a decimal integer too large
 * for 32 bits (3000000000 reads as -1294967296) and anything beyond 64
 * bits, so every file read is scanned for such literals and they are
 * errors; the walker then skips those settings (conf_is_bad_int) rather
 * than report a wrapped value. Included files are recorded by libconfig
 * relative to the include directory, which is set to the including
 * file's directory (and so absolute @include paths do not work:
 * libconfig prefixes the directory). `x = 2` is an integer, accepted
 * where a number is wanted through auto-convert.
 *
 * Invariants: files we open ourselves must be regular files, opened
 * O_NONBLOCK, so that a FIFO named by mistake cannot hang a load, and are
 * read up to a maximum (CONF_FILE_MAX, CONF_SECRET_MAX).
 *
 * Not handled: an @include of a FIFO or device blocks in libconfig;
 * globs in @include. The scan reads the text as libconfig's grammar
 * does only as far as strings, comments, names and numbers go.
 */
#include "agent/conf_impl.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parsers/compat.h"

/* ---- files -------------------------------------------------------------- */

/* The directory of path, "." when it has none. */
const char *
conf_dir_of(struct conf_ctx *x, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return ".";
	if (slash == path)
		return "/";
	return conf_strndup(x, path, (size_t)(slash - path));
}

/* rel resolved against dir (unless absolute or dir is "."), into buf. */
int
conf_join_path(char *buf, size_t n, const char *dir, const char *rel)
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
char *
conf_read_small_file(const char *path, size_t max, size_t *lenp)
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

/* ---- integer literals libconfig 1.5 wraps silently ---------------------- */

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
scan_number(struct conf_ctx *x, const char *file, int line, const char *p,
    size_t n, size_t i)
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
		conf_error_at(x, file, line, "integer %.*s is out of range",
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
void
conf_scan_ints(struct conf_ctx *x, const char *file, const char *p, size_t n)
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
void
conf_scan_cfg_ints(struct conf_ctx *x, const config_t *cfg)
{
	char path[PATH_MAX];
	const char *name;
	size_t len;
	char *text;

	for (unsigned i = 0; i < cfg->num_filenames; i++) {
		name = conf_file_name(x, cfg->filenames[i]);
		conf_order(x, name);
		if (snprintf(path, sizeof(path), "%s", name) >=
		    (int)sizeof(path))
			continue;
		if ((text = conf_read_small_file(path, CONF_FILE_MAX, &len)) ==
		    NULL)
			continue; /* libconfig read it; nothing to add */
		conf_scan_ints(x, name, text, len);
		free(text);
	}
}

bool
conf_is_bad_int(struct conf_ctx *x, const config_setting_t *s)
{
	const char *f = conf_file_name(x, config_setting_source_file(s));

	for (unsigned i = 0; i < x->nbad; i++) {
		if (x->bad[i].line == (int)config_setting_source_line(s) &&
		    strcmp(x->bad[i].file, f) == 0)
			return true;
	}
	return false;
}

/* ---- libconfig files ---------------------------------------------------- */

/* Open a libconfig file: 0, or -1 after reporting. cfg is always inited. */
int
conf_read_file(struct conf_ctx *x, config_t *cfg, const char *path)
{
	struct stat st;
	const char *incdir = conf_dir_of(x, path);
	int e;

	config_init(cfg);
	config_set_auto_convert(cfg, 1);
	config_set_include_dir(cfg, incdir);
	x->top = path;
	x->incdir = incdir;
	conf_order(x, conf_file_name(x, path));
	if (stat(path, &st) == -1) {
		conf_error_at(x, path, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_FILE_MAX) {
		conf_error_at(x, path, 0, "cannot read: %s",
		    S_ISREG(st.st_mode) ? "file too large"
					: "not a regular file");
		return -1;
	}
	if (!config_read_file(cfg, path)) {
		e = errno;
		if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
			conf_error_at(
			    x, path, 0, "cannot read: %s", strerror(e));
		else if (strcmp(config_error_text(cfg),
			     "cannot open include file") == 0)
			conf_error_at(x,
			    conf_file_name(x, config_error_file(cfg)),
			    config_error_line(cfg),
			    "cannot open include file "
			    "(@include paths are relative to %s)",
			    incdir);
		else
			conf_error_at(x,
			    conf_file_name(x, config_error_file(cfg)),
			    config_error_line(cfg), "%s",
			    config_error_text(cfg));
		return -1;
	}
	conf_scan_cfg_ints(x, cfg);
	return 0;
}
