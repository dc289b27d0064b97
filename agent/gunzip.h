/*
 * gunzip - inflate a gzip file on a second thread, ahead of its reader.
 *
 * Decompression is the floor of a dry-run over .gz archives: with it on its
 * own thread, parsing on the first core overlaps inflating on the second.
 * Intel's ISA-L (libisal, about twice zlib's speed) is used when klaxon was
 * built with it (HAVE_ISAL), zlib otherwise. Every member of a multi-member
 * file is read (logrotate's compress, `cat a.gz b.gz`). Damage is reported
 * after every byte before it has been handed out, with the compressed
 * offset, so a dry-run replays what can be read and then says where the
 * file broke.
 */
#ifndef AGENT_GUNZIP_H
#define AGENT_GUNZIP_H

#include <stddef.h>
#include <stdint.h>

struct gunzip;

/*
 * Start inflating fd (ownership moves to the gunzip, which closes it).
 * head/nhead: bytes already read from fd (the magic sniffed by the
 * caller), copied. Returns NULL with errno set on failure.
 */
struct gunzip *gunzip_start(int fd, const void *head, size_t nhead);

/*
 * Copy up to cap inflated bytes into buf. Returns the number copied, 0 at
 * the end of the data, -1 after damage or a read error (gunzip_error()).
 * Blocks while the inflating thread is behind.
 */
long gunzip_read(struct gunzip *g, void *buf, size_t cap);

const char *gunzip_error(const struct gunzip *g);
uint64_t gunzip_offset(const struct gunzip *g); /* compressed bytes read */
const char *gunzip_engine(void);		/* "isa-l" or "zlib" */

/* Stop the thread, close the file, free everything. NULL-safe. */
void gunzip_free(struct gunzip *g);

#endif /* AGENT_GUNZIP_H */
