/*
 * engine_snap - engine_save and engine_load: alert states and window
 * contents in a binary snapshot, so that a restart keeps firing alerts
 * firing and windows full (the rest of the engine: engine.c, map in
 * engine_impl.h).
 *
 * Layout (integers little-endian u64/i64, doubles as their bits, strings
 * as u64 length + bytes):
 *   "KLXSNAP\n" version now closed_sec busy_until nrules
 *   per rule: name canon bodylen body
 *     body: matched fired firing_ms longest overflowed ngroup has_bd ngroups
 *       per group: overflow cutmask values[ngroup] state dirty created
 *         last_event active_since fired notified clear_since fired_value
 *         fired_count nsamples (sample sample_time)...
 *         has_bd [head n cutmask seg_id[BD_RING]
 *                 (key (count value)[BD_RING])...]
 *         windowlen window_save-bytes
 *   "KLXEND\n\n" fnv1a64-of-everything-before
 * A rule's body is length-prefixed so that rules of an older config
 * (unknown here, or changed: name and rule_canon must both match) are
 * skipped without being understood; windows are embedded window_save
 * blobs (format in window_snap.c).
 *
 * Invariants: loading validates everything (ranges, counts against the
 * rule's max_groups, the checksum) into temporaries before touching the
 * engine, so a damaged file changes nothing; group hashes and dedup keys
 * are recomputed, never read. The sizes a snapshot may claim are bounded
 * (SNAP_STR_MAX, SNAP_BLOB_MAX, window_mem_bytes) before allocating.
 *
 * Not handled: snapshots of another SNAP_VERSION are refused, not
 * converted.
 */
#include "rules/engine.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/engine_impl.h"
#include "parsers/compat.h"

#define SNAP_MAGIC    "KLXSNAP\n"
#define SNAP_END      "KLXEND\n\n"
#define SNAP_VERSION  3u
#define SNAP_STR_MAX  65536u
#define SNAP_BLOB_MAX (UINT64_C(1) << 32)

struct snap {
	FILE *f;
	uint64_t h; /* FNV-1a of the bytes so far */
	uint64_t nread;
	bool bad;
};

/* The keyv that key_store made stored[0..slen) from. */
static struct keyv
key_unstore(const char *stored, size_t slen, bool cut)
{
	struct keyv k = { stored, slen, false };

	if (cut && slen >= sizeof(TRUNC_MARK) - 1) {
		k.n -= sizeof(TRUNC_MARK) - 1;
		k.cut = true;
	}
	return k;
}

static void
w_bytes(struct snap *s, const void *p, size_t n)
{
	if (s->bad || n == 0)
		return;
	if (fwrite(p, 1, n, s->f) != n)
		s->bad = true;
	s->h = fnv1a(s->h, p, n);
}

static void
w_u64(struct snap *s, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	w_bytes(s, b, sizeof(b));
}

static void
w_i64(struct snap *s, int64_t v)
{
	w_u64(s, (uint64_t)v);
}

static void
w_f64(struct snap *s, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	w_u64(s, u);
}

static void
w_mem(struct snap *s, const char *p, size_t n)
{
	w_u64(s, n);
	w_bytes(s, p, n);
}

static void
w_str(struct snap *s, const char *p)
{
	w_mem(s, p, strlen(p));
}

/* Run fn into a memory stream and write its bytes length-prefixed. */
static void
w_blob(struct snap *s, int (*fn)(const void *, const void *, FILE *),
    const void *a, const void *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	int rc;

	if (mf == NULL) {
		s->bad = true;
		return;
	}
	rc = fn(a, b, mf);
	if (fclose(mf) != 0 || rc < 0)
		s->bad = true;
	w_u64(s, len);
	w_bytes(s, buf, len);
	free(buf);
}

static int
save_window(const void *a, const void *b, FILE *f)
{
	const struct group *g = a;
	const struct rule *r = b;

	return window_save(g->win, &r->spec, f);
}

static void
save_group(struct snap *s, const struct rule *r, const struct group *g)
{
	unsigned idx[ALERT_SAMPLES_MAX], n = samples_order(g, idx);

	w_u64(s, g->overflow);
	w_u64(s, g->cutmask);
	for (unsigned i = 0; i < r->ngroup; i++)
		w_mem(s, g->values[i], g->vlen[i]);
	w_u64(s, (uint64_t)g->state);
	w_u64(s, g->dirty);
	w_i64(s, g->created_ms);
	w_i64(s, g->last_event_ms);
	w_i64(s, g->active_since_ms);
	w_i64(s, g->fired_ms);
	w_i64(s, g->notified_ms);
	w_i64(s, g->clear_since_ms);
	w_f64(s, g->fired_value);
	w_u64(s, g->fired_count);
	w_u64(s, n);
	for (unsigned i = 0; i < n; i++) {
		w_str(s, sample_text(g, idx[i]));
		w_i64(s, g->sample_ms[idx[i]]);
	}
	w_u64(s, g->bd != NULL);
	if (g->bd != NULL) {
		const struct breakdown *bd = g->bd;

		w_i64(s, bd->head);
		w_u64(s, bd->n);
		w_u64(s, bd->cut);
		for (unsigned p = 0; p < BD_RING; p++)
			w_i64(s, bd->seg_id[p]);
		for (unsigned i = 0; i < bd->n; i++) {
			w_mem(s, bd->key[i], bd->klen[i]);
			for (unsigned p = 0; p < BD_RING; p++) {
				w_u64(s, bd->sw[i][p]);
				w_f64(s, bd->sv[i][p]);
			}
		}
	}
	w_blob(s, save_window, g, r);
}

static int
save_rule_body(const void *a, const void *b, FILE *f)
{
	const struct rstate *rs = a;
	struct snap s = { f, FNV_INIT, 0, false };
	uint64_t ng = 0;

	(void)b;
	w_u64(&s, rs->st.matched);
	w_u64(&s, rs->st.fired);
	w_i64(&s, rs->st.firing_ms);
	w_i64(&s, rs->st.longest_firing_ms);
	w_u64(&s, rs->st.overflowed);
	w_u64(&s, rs->r->ngroup);
	w_u64(&s, rs->r->breakdown_field >= 0);
	for (const struct group *g = rs->all; g != NULL; g = g->next)
		ng++;
	w_u64(&s, ng);
	for (const struct group *g = rs->all; g != NULL; g = g->next)
		save_group(&s, rs->r, g);
	return s.bad ? -1 : 0;
}

int
engine_save(const struct engine *e, FILE *f)
{
	struct snap s = { f, FNV_INIT, 0, false };
	uint64_t sum;

	errno = 0;
	w_bytes(&s, SNAP_MAGIC, 8);
	w_u64(&s, SNAP_VERSION);
	w_i64(&s, e->now);
	/* The last closed second: the one before the clock's (kept for
	 * the layout; load derives it from now). */
	w_i64(&s, e->now == TIME_NONE ? INT64_MIN : floor_sec(e->now) - 1);
	w_i64(&s, e->busy_until);
	w_u64(&s, e->nrules);
	for (size_t i = 0; i < e->nrules; i++) {
		w_str(&s, e->rules[i].r->name);
		w_str(&s, rule_canon(e->rules[i].r));
		w_blob(&s, save_rule_body, &e->rules[i], NULL);
	}
	w_bytes(&s, SNAP_END, 8);
	sum = s.h;
	w_u64(&s, sum);
	if (s.bad || fflush(f) != 0 || ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

static void
r_bytes(struct snap *s, void *p, size_t n)
{
	if (s->bad || n == 0)
		return;
	if (fread(p, 1, n, s->f) != n) {
		s->bad = true;
		memset(p, 0, n);
		return;
	}
	s->h = fnv1a(s->h, p, n);
	s->nread += n;
}

static void
r_skip(struct snap *s, uint64_t n)
{
	char tmp[4096];

	while (n > 0 && !s->bad) {
		size_t c = n < sizeof(tmp) ? (size_t)n : sizeof(tmp);

		r_bytes(s, tmp, c);
		n -= c;
	}
}

static uint64_t
r_u64(struct snap *s)
{
	unsigned char b[8];
	uint64_t v = 0;

	r_bytes(s, b, sizeof(b));
	if (s->bad)
		return 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static int64_t
r_i64(struct snap *s)
{
	return (int64_t)r_u64(s);
}

static double
r_f64(struct snap *s)
{
	uint64_t u = r_u64(s);
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

/* A string shorter than max into dst; its length. */
static size_t
r_str(struct snap *s, char *dst, size_t max)
{
	uint64_t n = r_u64(s);

	dst[0] = '\0';
	if (s->bad || n >= max) {
		s->bad = true;
		return 0;
	}
	r_bytes(s, dst, (size_t)n);
	if (s->bad)
		return 0;
	dst[n] = '\0';
	return (size_t)n;
}

/* An allocated string (canon); NULL on damage. */
static char *
r_strdup(struct snap *s)
{
	uint64_t n = r_u64(s);
	char *p;

	if (s->bad || n >= SNAP_STR_MAX) {
		s->bad = true;
		return NULL;
	}
	p = malloc((size_t)n + 1);
	if (p == NULL) {
		s->bad = true;
		return NULL;
	}
	r_bytes(s, p, (size_t)n);
	p[n] = '\0';
	if (s->bad) {
		free(p);
		return NULL;
	}
	return p;
}

/* A breakdown as save_group wrote it, checked: segments within the ring
 * of head, counts that fit, the running sums rebuilt. */
static void
load_breakdown(struct snap *s, struct breakdown *bd, int64_t window_ms)
{
	uint64_t n, cut;
	int64_t head;

	engine_bd_init(bd, window_ms);
	head = r_i64(s);
	n = r_u64(s);
	cut = r_u64(s);
	if (n > BD_SLOTS || (n < 64 && cut >> n != 0) ||
	    (head != BD_SEG_NONE &&
		(head > WINDOW_TIME_MAX / 1000 || head < -WINDOW_TIME_MAX / 1000))) {
		s->bad = true;
		return;
	}
	bd->n = (unsigned)n;
	bd->cut = (uint32_t)cut;
	bd->head = head;
	if (head != BD_SEG_NONE) {
		bd->head_start_ms = head * bd->seg_ms;
		bd->head_pos = (unsigned)(((head % BD_RING) + BD_RING) % BD_RING);
	}
	for (unsigned p = 0; p < BD_RING; p++) {
		int64_t id = r_i64(s);

		if (id != BD_SEG_NONE &&
		    (head == BD_SEG_NONE || id > head || id <= head - BD_RING ||
			(((id % BD_RING) + BD_RING) % BD_RING) != p))
			s->bad = true;
		bd->seg_id[p] = id;
	}
	for (unsigned i = 0; i < bd->n && !s->bad; i++) {
		struct keyv k;

		bd->klen[i] = (uint8_t)r_str(s, bd->key[i], sizeof(bd->key[i]));
		k = key_unstore(bd->key[i], bd->klen[i], (cut >> i) & 1u);
		bd->hash[i] = key_hash(&k);
		bd->w[i] = 0;
		for (unsigned p = 0; p < BD_RING; p++) {
			uint64_t c = r_u64(s);
			double v = r_f64(s);

			if (c > UINT32_MAX || !isfinite(v) ||
			    (c > 0 && bd->seg_id[p] == BD_SEG_NONE))
				s->bad = true;
			bd->sw[i][p] = (uint32_t)c;
			bd->sv[i][p] = (float)v;
			bd->w[i] += (double)bd->sw[i][p];
		}
		if (bd->w[i] <= 0)
			s->bad = true;
	}
	engine_bd_reindex(bd);
}

static struct window *
load_window(struct snap *s, const struct rule *r)
{
	uint64_t n = r_u64(s);
	struct window *w = NULL;
	char *buf;
	FILE *mf;

	if (s->bad || n == 0 || n > SNAP_BLOB_MAX ||
	    n > window_mem_bytes(&r->spec) * 4 + 65536) {
		s->bad = true;
		return NULL;
	}
	buf = malloc((size_t)n);
	if (buf == NULL) {
		s->bad = true;
		return NULL;
	}
	r_bytes(s, buf, (size_t)n);
	if (!s->bad && (mf = fmemopen(buf, (size_t)n, "rb")) != NULL) {
		w = window_load(&r->spec, mf);
		fclose(mf);
	}
	free(buf);
	if (w == NULL)
		s->bad = true;
	return w;
}

/* Restore the group's hash (as group_for computes it) and dedup key. */
static void
group_rekey(const struct rule *r, struct group *g)
{
	uint64_t h = 0;

	for (unsigned i = 0; i < r->ngroup; i++) {
		struct keyv k = key_unstore(
		    g->values[i], g->vlen[i], (g->cutmask >> i) & 1u);

		h = hash_step(h, &k, i);
	}
	g->hash = h;
	engine_group_dedup(r, g);
}

static void
load_group_state(struct snap *s, struct group *g)
{
	uint64_t st = r_u64(s), dirty = r_u64(s);

	if (st != ALERT_INACTIVE && st != ALERT_PENDING && st != ALERT_FIRING)
		s->bad = true;
	if (dirty > 1)
		s->bad = true;
	g->state = (enum alert_state)st;
	/* The dirty list is rebuilt by install. */
	g->dirty = dirty != 0;
	g->created_ms = r_i64(s);
	g->last_event_ms = r_i64(s);
	g->active_since_ms = r_i64(s);
	g->fired_ms = r_i64(s);
	g->notified_ms = r_i64(s);
	g->clear_since_ms = r_i64(s);
	g->fired_value = r_f64(s);
	g->fired_count = r_u64(s);
}

/* One group of r; NULL with s->bad on damage. */
static struct group *
load_group(struct snap *s, const struct rule *r)
{
	struct group *g = engine_group_alloc(r, 0, false);
	size_t mk = sizeof(TRUNC_MARK) - 1;
	uint64_t ov, cut, n;

	if (g == NULL) {
		s->bad = true;
		return NULL;
	}
	ov = r_u64(s);
	cut = r_u64(s);
	if (ov > 1 || cut >> r->ngroup != 0)
		s->bad = true;
	g->overflow = ov != 0;
	g->cutmask = (uint8_t)cut;
	for (unsigned i = 0; i < r->ngroup && !s->bad; i++) {
		g->vlen[i] = (uint8_t)r_str(s, g->values[i], GROUP_VALUE_MAX);
		if (((cut >> i) & 1u) && g->vlen[i] < mk)
			s->bad = true;
	}
	load_group_state(s, g);
	n = r_u64(s);
	if (n > ALERT_SAMPLES_MAX)
		s->bad = true;
	for (unsigned i = 0; i < n && !s->bad; i++) {
		if ((g->samples[i] = sline_get(NULL)) == NULL) {
			s->bad = true;
		} else {
			r_str(s, g->samples[i]->text, ALERT_TEXT_MAX);
			g->sample_ms[i] = r_i64(s);
		}
	}
	/* Saved in output order: first, older latest, newer latest. */
	g->nsamples = (unsigned)n;
	g->nlatest = n > 1 ? n - 1 : 0;
	if (r_u64(s) != 0) {
		if (g->bd == NULL)
			s->bad = true;
		else
			load_breakdown(s, g->bd, r->spec.window_ms);
	}
	if (!s->bad)
		g->win = load_window(s, r);
	if (s->bad) {
		engine_group_destroy(g);
		return NULL;
	}
	group_rekey(r, g);
	return g;
}

struct loaded_rule {
	size_t idx;           /* into e->rules */
	struct group *groups; /* linked by next */
	struct engine_rule_stats st;
};

static void
loaded_free(struct loaded_rule *lr, size_t n)
{
	for (size_t i = 0; lr != NULL && i < n; i++) {
		struct group *g = lr[i].groups, *next;

		for (; g != NULL; g = next) {
			next = g->next;
			engine_group_destroy(g);
		}
	}
	free(lr);
}

/* The rule of e that a snapshot rule is the same as, or -1. */
static long
match_rule(const struct engine *e, const char *name, const char *canon)
{
	for (size_t i = 0; i < e->nrules; i++) {
		const struct rule *r = e->rules[i].r;

		if (strcmp(r->name, name) == 0 &&
		    strcmp(rule_canon(r), canon) == 0)
			return (long)i;
	}
	return -1;
}

/* The body of a matched rule into lr. */
static void
load_rule_body(struct snap *s, const struct rule *r, struct loaded_rule *lr)
{
	struct group **tail = &lr->groups;
	uint64_t ngroup, has_bd, ng, nover = 0;

	lr->st.matched = r_u64(s);
	lr->st.fired = r_u64(s);
	lr->st.firing_ms = r_i64(s);
	lr->st.longest_firing_ms = r_i64(s);
	lr->st.overflowed = r_u64(s);
	ngroup = r_u64(s);
	has_bd = r_u64(s);
	ng = r_u64(s);
	if (ngroup != r->ngroup || has_bd != (r->breakdown_field >= 0) ||
	    ng > (uint64_t)r->max_groups + 1)
		s->bad = true;
	for (uint64_t i = 0; i < ng && !s->bad; i++) {
		struct group *g = load_group(s, r);

		if (g == NULL)
			break;
		nover += g->overflow;
		g->next = NULL;
		*tail = g;
		tail = &g->next;
	}
	if (nover > 1 || ng - nover > r->max_groups)
		s->bad = true;
}

/* One snapshot rule: loaded into lr[*nlr] when e has it, else skipped. */
static void
load_rule(
    struct snap *s, const struct engine *e, struct loaded_rule *lr, size_t *nlr)
{
	char name[RULE_NAME_MAX];
	char *canon;
	uint64_t len, start;
	long idx = -1;

	r_str(s, name, sizeof(name));
	canon = r_strdup(s);
	len = r_u64(s);
	if (!s->bad)
		idx = match_rule(e, name, canon);
	free(canon);
	for (size_t i = 0; idx >= 0 && i < *nlr; i++) {
		if (lr[i].idx == (size_t)idx)
			s->bad = true; /* the same rule twice */
	}
	if (s->bad)
		return;
	if (idx < 0) {
		r_skip(s, len);
		return;
	}
	lr[*nlr].idx = (size_t)idx;
	start = s->nread;
	load_rule_body(s, e->rules[idx].r, &lr[*nlr]);
	(*nlr)++;
	if (s->nread - start != len)
		s->bad = true;
}

/* Replace the state of the loaded rules of e. */
static void
install(struct engine *e, struct loaded_rule *lr, size_t nlr)
{
	for (size_t i = 0; i < nlr; i++) {
		struct rstate *rs = &e->rules[lr[i].idx];
		struct group *g = lr[i].groups, *next;

		engine_rstate_clear(rs);
		rs->st = lr[i].st;
		for (; g != NULL; g = next) {
			next = g->next;
			if (!engine_group_insert(rs, g)) {
				engine_group_destroy(
				    g); /* out of memory: lose it */
				continue;
			}
			if (g->dirty) {
				g->dirty = false;
				dirty_mark(e, rs, g);
			}
		}
		lr[i].groups = NULL;
	}
}

int
engine_load(struct engine *e, FILE *f)
{
	struct snap s = { f, FNV_INIT, 0, false };
	struct loaded_rule *lr;
	char magic[8];
	uint64_t version, nr, sum;
	int64_t now, busy;
	size_t nlr = 0;

	r_bytes(&s, magic, sizeof(magic));
	version = r_u64(&s);
	if (s.bad || memcmp(magic, SNAP_MAGIC, 8) != 0 ||
	    version != SNAP_VERSION)
		return -1;
	now = r_i64(&s);
	(void)r_i64(&s); /* closed_sec */
	busy = r_i64(&s);
	nr = r_u64(&s);
	if (s.bad || nr > 1000000)
		return -1;
	lr = calloc(e->nrules ? e->nrules : 1, sizeof(*lr));
	if (lr == NULL)
		return -1;
	for (uint64_t i = 0; i < nr && !s.bad; i++)
		load_rule(&s, e, lr, &nlr);
	r_bytes(&s, magic, sizeof(magic));
	if (!s.bad && memcmp(magic, SNAP_END, 8) != 0)
		s.bad = true;
	sum = s.h;
	if (s.bad || r_u64(&s) != sum || s.bad) {
		loaded_free(lr, nlr);
		return -1;
	}
	install(e, lr, nlr);
	loaded_free(lr, nlr);
	if (now != TIME_NONE && (e->now == TIME_NONE || now > e->now))
		e->now = now;
	e->busy_until = max64(e->busy_until, busy);
	return 0;
}
