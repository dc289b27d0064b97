/*
 * window_hash - a fast 64-bit hash of a byte string, for distinct() (its
 * HyperLogLog takes the hash), the engine's group keys and the window
 * snapshot checksum (window.h; the rest of the module: window.c).
 *
 * wyhash-style: 16 bytes per round, each pair of 64-bit words folded by a
 * 64 x 64 -> 128 bit multiply (wh_mix); inputs of up to 16 bytes are read
 * as (overlapping) 32-bit words, with no loop. Words are read
 * little-endian byte by byte, so the value is the same on every host and
 * snapshots move between machines.
 *
 * Not handled: adversarial inputs. There is no secret seed, so keys that
 * collide can be computed; the engine mixes a per-table seed into its
 * slot index and bounds groups with max_groups.
 */
#include "rules/window.h"

#include <stdint.h>

#include "parsers/compat.h"

#define WH_P0 UINT64_C(0xa0761d6478bd642f)
#define WH_P1 UINT64_C(0xe7037ed1a0b428db)
#define WH_P2 UINT64_C(0x8ebc6af09c88c6e3)
#define WH_P3 UINT64_C(0x589965cc75374cc3)

/* 64 x 64 -> 128 bit product, folded: the wyhash "mum" mix. */
static uint64_t
wh_mix(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
	uint64_t ah = a >> 32, al = (uint32_t)a, bh = b >> 32, bl = (uint32_t)b;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	uint64_t lo = (mid << 32) | (uint32_t)ll;
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);

	return lo ^ hi;
#endif
}

static uint64_t
rd64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
rd32(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24;
}

uint64_t
window_hash(const char *p, size_t len)
{
	const unsigned char *b = (const unsigned char *)p;
	uint64_t seed = WH_P3 ^ wh_mix(WH_P3 ^ WH_P0, WH_P1), a, c;
	size_t i = len;

	if (len <= 16) {
		if (len >= 4) {
			size_t o = (len >> 3) << 2;

			a = rd32(b) << 32 | rd32(b + o);
			c = rd32(b + len - 4) << 32 | rd32(b + len - 4 - o);
		} else if (len > 0) {
			a = (uint64_t)b[0] << 16 | (uint64_t)b[len >> 1] << 8 |
			    b[len - 1];
			c = 0;
		} else {
			a = c = 0;
		}
	} else {
		while (i > 16) {
			seed = wh_mix(rd64(b) ^ WH_P1, rd64(b + 8) ^ seed);
			b += 16;
			i -= 16;
		}
		/* The last 16 bytes, overlapping what the loop read. */
		a = rd64(b + i - 16);
		c = rd64(b + i - 8);
	}
	return wh_mix(WH_P2 ^ len, wh_mix(a ^ WH_P1, c ^ seed));
}
