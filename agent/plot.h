/*
 * plot - `klaxon dry-run --plot FILE.svg`: each rule's value over time
 * against its threshold, firing spans shaded, as one self-contained SVG.
 *
 * Memory is bounded whatever the replayed time span: each rule keeps
 * PLOT_POINTS slots holding the largest value seen in the slot's time
 * range; when time runs past the last slot, the slot width doubles and
 * neighbouring slots merge (max of the two). Firing spans are capped too.
 */
#ifndef AGENT_PLOT_H
#define AGENT_PLOT_H

#include <stdint.h>
#include <stdio.h>

#define PLOT_POINTS 1024
#define PLOT_SPANS  512

struct plot;

struct plot *plot_new(unsigned nrules);
void plot_free(struct plot *p); /* NULL-safe */

/* Describe rule i: name and op (borrowed: must outlive p), threshold. */
void plot_rule(struct plot *p, unsigned i, const char *name, const char *op,
    double threshold);

/* The rule's value at t_ms (NaN values are ignored). */
void plot_value(struct plot *p, unsigned rule, int64_t t_ms, double v);

/* The rule fired at from_ms; to_ms = INT64_MAX while still firing. */
void plot_span(struct plot *p, unsigned rule, int64_t from_ms, int64_t to_ms);

/* Write the SVG; rules with no value and no span are left out. 0 / -1. */
int plot_write(const struct plot *p, FILE *f);

#endif /* AGENT_PLOT_H */
