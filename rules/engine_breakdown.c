/*
 * engine_breakdown - the breakdown counter of a group: which keys of the
 * breakdown field the group's events come from (the rest of the engine:
 * engine.c, map in engine_impl.h).
 *
 * A space-saving counter (Metwally et al.) of BD_SLOTS keys with event
 * weight and summed value. A new key, when the table is full, replaces
 * the lightest slot and inherits its weight, so counts and shares are
 * upper bounds, and a key with more than 1/BD_SLOTS of the weight is
 * always present. Weights and values are halved at each window period
 * (counted from the first event the counter saw), so the report is about
 * recent events without a second table. A key finds its slot through a
 * small hash index (BD_INDEX, linear probing, backward-shift deletion on
 * replacement), so a lookup touches one index byte per probe and the
 * slot's hash, not the keys.
 *
 * Invariants: bd->idx holds slot + 1 of each of the n slots exactly once,
 * reachable from its hash's home; keys are stored as key_store makes them.
 */
#include "rules/engine.h"

#include <math.h>
#include <string.h>

#include "rules/engine_impl.h"
#include "parsers/compat.h"

static void
bd_decay(struct breakdown *bd, int64_t t, int64_t period)
{
	int64_t n;
	double f;
	unsigned j = 0;

	if (bd->period_start_ms == TIME_NONE) {
		bd->period_start_ms = t;
		return;
	}
	if (t < bd->period_start_ms + period)
		return;
	n = (t - bd->period_start_ms) / period;
	bd->period_start_ms += n * period;
	f = n >= 64 ? 0.0 : ldexp(1.0, -(int)n);
	bd->total_w *= f;
	bd->total_value *= f;
	for (unsigned i = 0; i < bd->n; i++) {
		if (bd->w[i] * f < 0.25)
			continue; /* decayed away: free the slot */
		bd->hash[j] = bd->hash[i];
		bd->klen[j] = bd->klen[i];
		bd->cut = (bd->cut & ~(UINT32_C(1) << j)) |
		    (((bd->cut >> i) & 1u) << j);
		bd->w[j] = bd->w[i] * f;
		bd->value[j] = bd->value[i] * f;
		if (j != i)
			memcpy(bd->key[j], bd->key[i], sizeof(bd->key[j]));
		j++;
	}
	bd->n = j;
	if (j == 0)
		bd->total_w = bd->total_value = 0;
	bd_reindex(bd);
}

void
engine_bd_add(
    struct breakdown *bd, int64_t t, int64_t period, struct keyv *k, double v)
{
	uint64_t h = key_hash(k);
	uint32_t p;
	unsigned i;

	bd_decay(bd, t, period);
	for (p = (uint32_t)h & (BD_INDEX - 1); bd->idx[p] != 0;
	     p = (p + 1) & (BD_INDEX - 1)) {
		i = bd->idx[p] - 1u;
		if (bd->hash[i] == h && key_eq(bd->key[i], bd->klen[i], k))
			goto found;
	}
	if (bd->n < BD_SLOTS) {
		i = bd->n++;
		bd->w[i] = bd->value[i] = 0;
	} else {
		/* Space-saving: the lightest slot's weight goes to the
		 * newcomer (the first lightest: the minimum without a
		 * branch per slot, then its first slot). */
		double lo = bd->w[0];

		for (unsigned j = 1; j < bd->n; j++)
			lo = bd->w[j] < lo ? bd->w[j] : lo;
		for (i = 0; bd->w[i] != lo; i++)
			;
		bd_unindex(bd, i);
		/* The deletion may have moved the hole: probe again. */
		for (p = (uint32_t)h & (BD_INDEX - 1); bd->idx[p] != 0;
		     p = (p + 1) & (BD_INDEX - 1))
			;
	}
	bd->idx[p] = (uint8_t)(i + 1);
	bd->hash[i] = h;
	bd->klen[i] = (uint8_t)key_store(bd->key[i], k);
	bd->cut = (bd->cut & ~(UINT32_C(1) << i)) | ((uint32_t)k->cut << i);
found:
	bd->w[i] += 1;
	bd->value[i] += v;
	bd->total_w += 1;
	bd->total_value += v;
}
