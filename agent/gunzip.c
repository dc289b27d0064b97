/*
 * gunzip - a producer thread inflating into a small ring of blocks.
 *
 * The ring holds GZ_NBLOCKS blocks of GZ_BLOCK bytes: memory is bounded
 * whatever the file, and the thread can run at most that far ahead of the
 * reader. One mutex guards the ring; the producer waits on `space`, the
 * consumer on `data`. The consumer copies out of the block at the head
 * (one memcpy per byte, cheap beside inflating it).
 *
 * Member boundaries: after a member ends, more input means the next member
 * (inflate is reset); a run of zero bytes at the end is padding some tools
 * write and is skipped; anything else is damage. Input ending inside a
 * member is damage ("unexpected end"), reported with the compressed offset
 * after everything before it was handed out.
 *
 * Damage found by an inflate step (bad deflate data, or a trailer whose
 * CRC-32 or length does not match: found only after the whole member was
 * inflated) still hands out what that step inflated: for a small file
 * with a wrong trailer, that is all of it, as zcat gives it. The offset
 * reported is where inflating stopped (the trailer's first byte for a bad
 * trailer), the same with ISA-L and zlib.
 */
#include "agent/gunzip.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "agent/log.h"
#include "parsers/compat.h"

#define GZ_IN	    (256 * 1024)
#define GZ_BLOCK    (1024 * 1024)
#define GZ_NBLOCKS  4

#define GZ_TRAILER_BAD                                                         \
	"bad gzip trailer (its CRC-32 or length does not match the data)"
#define GZ_TRAILER 8 /* bytes: CRC-32, then length */

struct inflater {
#ifdef HAVE_ISAL
	struct inflate_state st;
#else
	z_stream zs;
#endif
};

struct gunzip {
	int fd;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t data, space;
	char *blk[GZ_NBLOCKS];
	size_t len[GZ_NBLOCKS];
	unsigned head, count; /* blocks ready: head .. head + count - 1 */
	size_t rpos;	      /* consumer's offset in blk[head] */
	bool done, failed, stop;
	char err[256];
	uint64_t offset;      /* compressed bytes read */
	uint64_t at;          /* compressed bytes inflated, when done */
	unsigned char *in;    /* producer's input buffer */
	size_t in_len;	      /* bytes of the sniffed head in `in` */
	struct inflater z;
};

const char *
gunzip_engine(void)
{
#ifdef HAVE_ISAL
	return "isa-l";
#else
	return "zlib";
#endif
}

static int
inflater_init(struct inflater *z)
{
#ifdef HAVE_ISAL
	isal_inflate_init(&z->st);
	z->st.crc_flag = ISAL_GZIP;
	return 0;
#else
	memset(&z->zs, 0, sizeof(z->zs));
	return inflateInit2(&z->zs, 16 + MAX_WBITS) == Z_OK ? 0 : -1;
#endif
}

static void
inflater_reset(struct inflater *z)
{
#ifdef HAVE_ISAL
	isal_inflate_reset(&z->st);
	z->st.crc_flag = ISAL_GZIP;
#else
	inflateReset(&z->zs);
#endif
}

static void
inflater_end(struct inflater *z)
{
#ifdef HAVE_ISAL
	(void)z;
#else
	inflateEnd(&z->zs);
#endif
}

/*
 * Inflate from *in (*avail bytes) into out (cap bytes). Advances *in and
 * *avail, sets *made to the bytes written and *end when a member ended.
 * Returns 0, or -1 with a reason in why and in *back how many of the bytes
 * consumed lie after the start of the damage (a bad trailer is placed at
 * its first byte, whichever library read how much of it).
 */
static int
inflater_step(struct inflater *z, const unsigned char **in, size_t *avail,
    char *out, size_t cap, size_t *made, bool *end, const char **why,
    size_t *back)
{
#ifdef HAVE_ISAL
	int rc;

	z->st.next_in = (uint8_t *)(uintptr_t)*in;
	z->st.avail_in = (uint32_t)*avail;
	z->st.next_out = (uint8_t *)out;
	z->st.avail_out = (uint32_t)cap;
	rc = isal_inflate(&z->st);
	*made = cap - z->st.avail_out;
	*in += *avail - z->st.avail_in;
	*avail = z->st.avail_in;
	*end = z->st.block_state == ISAL_BLOCK_FINISH;
	if (rc < 0) {
		/* ISA-L checks CRC-32 and length after reading both. */
		*why = rc == ISAL_INCORRECT_CHECKSUM ? GZ_TRAILER_BAD :
		    rc == ISAL_INVALID_WRAPPER	     ? "not gzip data" :
						       "invalid deflate data";
		*back = rc == ISAL_INCORRECT_CHECKSUM ? GZ_TRAILER : 0;
		return -1;
	}
	return 0;
#else
	int rc;

	z->zs.next_in = (Bytef *)(uintptr_t)*in;
	z->zs.avail_in = (uInt)*avail;
	z->zs.next_out = (Bytef *)out;
	z->zs.avail_out = (uInt)cap;
	rc = inflate(&z->zs, Z_NO_FLUSH);
	*made = cap - z->zs.avail_out;
	*in += *avail - z->zs.avail_in;
	*avail = z->zs.avail_in;
	*end = rc == Z_STREAM_END;
	if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
		/* zlib stops after the CRC-32 ("incorrect data check") or
		 * after the length ("incorrect length check"): said and
		 * placed as ISA-L's path does. */
		*why = z->zs.msg ? z->zs.msg : "invalid deflate data";
		*back = 0;
		if (strcmp(*why, "incorrect data check") == 0)
			*back = GZ_TRAILER / 2;
		else if (strcmp(*why, "incorrect length check") == 0)
			*back = GZ_TRAILER;
		if (*back != 0)
			*why = GZ_TRAILER_BAD;
		return -1;
	}
	return 0;
#endif
}

/* Producer: wait for a free block; NULL when asked to stop. */
static char *
acquire(struct gunzip *g, unsigned *slot)
{
	char *b = NULL;

	pthread_mutex_lock(&g->mu);
	while (g->count == GZ_NBLOCKS && !g->stop)
		pthread_cond_wait(&g->space, &g->mu);
	if (!g->stop) {
		*slot = (g->head + g->count) % GZ_NBLOCKS;
		b = g->blk[*slot];
	}
	pthread_mutex_unlock(&g->mu);
	return b;
}

static void
publish(struct gunzip *g, unsigned slot, size_t len)
{
	pthread_mutex_lock(&g->mu);
	g->len[slot] = len;
	g->count++;
	pthread_cond_signal(&g->data);
	pthread_mutex_unlock(&g->mu);
}

static void
finish(struct gunzip *g, const char *why)
{
	pthread_mutex_lock(&g->mu);
	if (why != NULL) {
		g->failed = true;
		snprintf(g->err, sizeof(g->err),
		    "%s after %llu compressed byte%s", why,
		    (unsigned long long)g->at, log_plural(g->at));
	}
	g->done = true;
	pthread_cond_signal(&g->data);
	pthread_mutex_unlock(&g->mu);
}

static bool
all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Read more compressed input; 0 at the end, -1 on error (why set). */
static long
fill(struct gunzip *g, const char **why)
{
	ssize_t n;

	do {
		n = read(g->fd, g->in, GZ_IN);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		*why = strerror(errno);
		return -1;
	}
	__atomic_add_fetch(&g->offset, (uint64_t)n, __ATOMIC_RELAXED);
	return n;
}

static void *
run(void *arg)
{
	struct gunzip *g = arg;
	const unsigned char *in = g->in;
	size_t avail = g->in_len, used = 0, made, back = 0;
	bool end, in_member = false, eof = false, padding = false;
	const char *why = NULL;
	unsigned slot = 0;
	char *out = NULL;

	for (;;) {
		long n;
		int rc;

		if (out == NULL && (out = acquire(g, &slot)) == NULL)
			break; /* stopped */
		if (avail == 0 && !eof) {
			if ((n = fill(g, &why)) < 0)
				break;
			in = g->in;
			avail = (size_t)n;
			eof = n == 0;
		}
		if (avail == 0 && eof) {
			if (in_member)
				why = "unexpected end of gzip data";
			break;
		}
		if (padding || (!in_member && in[0] == 0)) {
			/* Zero padding after the last member. */
			padding = true;
			if (!all_zero(in, avail)) {
				why = "garbage after gzip data";
				break;
			}
			avail = 0;
			continue;
		}
		in_member = true;
		rc = inflater_step(&g->z, &in, &avail, out + used,
		    GZ_BLOCK - used, &made, &end, &why, &back);
		/* What the step inflated before it found damage (all of a
		 * small file whose trailer is wrong) is handed out first. */
		used += made;
		if (rc == -1)
			break;
		if (end) {
			in_member = false;
			inflater_reset(&g->z);
		}
		if (used == GZ_BLOCK) {
			publish(g, slot, used);
			out = NULL;
			used = 0;
		}
	}
	if (out != NULL && used > 0)
		publish(g, slot, used);
	/* Damage is placed where inflating stopped, not at the end of the
	 * last input read. */
	g->at = gunzip_offset(g) - avail - back;
	finish(g, why);
	return NULL;
}

struct gunzip *
gunzip_start(int fd, const void *head, size_t nhead)
{
	struct gunzip *g = calloc(1, sizeof(*g));
	int saved;

	if (g == NULL)
		goto fail;
	g->fd = fd;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->data, NULL);
	pthread_cond_init(&g->space, NULL);
	if ((g->in = malloc(GZ_IN)) == NULL || nhead > GZ_IN)
		goto fail;
	for (unsigned i = 0; i < GZ_NBLOCKS; i++)
		if ((g->blk[i] = malloc(GZ_BLOCK)) == NULL)
			goto fail;
	memcpy(g->in, head, nhead);
	g->in_len = nhead;
	g->offset = nhead;
	if (inflater_init(&g->z) == -1)
		goto fail;
	if ((errno = pthread_create(&g->thread, NULL, run, g)) != 0) {
		inflater_end(&g->z);
		goto fail;
	}
	g->started = true;
	return g;
fail:
	saved = errno ? errno : ENOMEM;
	if (g != NULL) {
		g->fd = -1;
		gunzip_free(g);
	}
	close(fd);
	errno = saved;
	return NULL;
}

long
gunzip_read(struct gunzip *g, void *buf, size_t cap)
{
	size_t n;

	pthread_mutex_lock(&g->mu);
	while (g->count == 0 && !g->done)
		pthread_cond_wait(&g->data, &g->mu);
	if (g->count == 0) {
		long rc = g->failed ? -1 : 0;
		pthread_mutex_unlock(&g->mu);
		return rc;
	}
	pthread_mutex_unlock(&g->mu);
	/* The head block is ours until we release it: copy unlocked. */
	n = g->len[g->head] - g->rpos;
	if (n > cap)
		n = cap;
	memcpy(buf, g->blk[g->head] + g->rpos, n);
	g->rpos += n;
	if (g->rpos == g->len[g->head]) {
		pthread_mutex_lock(&g->mu);
		g->head = (g->head + 1) % GZ_NBLOCKS;
		g->count--;
		g->rpos = 0;
		pthread_cond_signal(&g->space);
		pthread_mutex_unlock(&g->mu);
	}
	return (long)n;
}

const char *
gunzip_error(const struct gunzip *g)
{
	return g->err;
}

uint64_t
gunzip_offset(const struct gunzip *g)
{
	return __atomic_load_n(&g->offset, __ATOMIC_RELAXED);
}

void
gunzip_free(struct gunzip *g)
{
	if (g == NULL)
		return;
	if (g->started) {
		pthread_mutex_lock(&g->mu);
		g->stop = true;
		pthread_cond_signal(&g->space);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->thread, NULL);
		inflater_end(&g->z);
	}
	if (g->fd >= 0)
		close(g->fd);
	for (unsigned i = 0; i < GZ_NBLOCKS; i++)
		free(g->blk[i]);
	free(g->in);
	pthread_cond_destroy(&g->data);
	pthread_cond_destroy(&g->space);
	pthread_mutex_destroy(&g->mu);
	free(g);
}
