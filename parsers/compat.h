/*
 * compat - attributes and the list of banned functions.
 *
 * Included (last) by every .c of the project. The banned functions are
 * unbounded (strcpy, sprintf, gets ...), locale or static-buffer dependent
 * (gmtime, localtime, ctime ...) or silently wrong on junk (atoi): using one
 * is a compile error that names the reason, as git's banned.h does.
 */
#ifndef PARSERS_COMPAT_H
#define PARSERS_COMPAT_H

#include <stddef.h>

#define UNUSED __attribute__((unused))
#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Copy src into dst of size dstsz, always NUL-terminating when dstsz > 0.
 * Returns strlen(src), so truncation is (ret >= dstsz). glibc 2.36 has no
 * strlcpy.
 */
static inline size_t
compat_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t n = 0;

	while (src[n] != '\0')
		n++;
	if (dstsz) {
		size_t c = n < dstsz - 1 ? n : dstsz - 1;
		for (size_t i = 0; i < c; i++)
			dst[i] = src[i];
		dst[c] = '\0';
	}
	return n;
}

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gets
#define gets(x) BANNED(gets)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef asctime
#define asctime(t) BANNED(asctime)

#endif /* PARSERS_COMPAT_H */
