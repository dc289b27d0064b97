/*
 * plot - a dependency-free SVG chart of rule values over event time.
 *
 * Per rule: slots[PLOT_POINTS] of the maximum value in [t0 + i*w,
 * t0 + (i+1)*w) with w doubling as needed (see plot.h), plus firing spans.
 * Every panel shares the time axis of the whole replay, so panels line up
 * and an operator sees which rules fired together. Text from the config
 * (rule names) is XML-escaped; no log text is written into the picture.
 */
#include "agent/plot.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent/notify.h"
#include "rules/template.h"
#include "parsers/compat.h"

#define PANEL_W	 960
#define PANEL_H	 170
#define MARGIN_L 70
#define MARGIN_R 20
#define PLOT_TOP 28
#define PLOT_H	 110

struct series {
	const char *name, *op;
	double threshold;
	int64_t t0, w; /* origin and slot width in ms; w == 0: no value yet */
	double slot[PLOT_POINTS];
	bool has[PLOT_POINTS];
	unsigned nspans;
	int64_t span_from[PLOT_SPANS], span_to[PLOT_SPANS];
};

struct plot {
	unsigned n;
	struct series *s;
};

struct plot *
plot_new(unsigned nrules)
{
	struct plot *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->s = calloc(nrules ? nrules : 1, sizeof(*p->s));
	if (p->s == NULL) {
		free(p);
		return NULL;
	}
	p->n = nrules;
	return p;
}

void
plot_free(struct plot *p)
{
	if (p == NULL)
		return;
	free(p->s);
	free(p);
}

void
plot_rule(struct plot *p, unsigned i, const char *name, const char *op,
    double threshold)
{
	p->s[i].name = name;
	p->s[i].op = op;
	p->s[i].threshold = threshold;
}

/* Halve the resolution: slot i takes the max of slots 2i and 2i+1. */
static void
coarsen(struct series *s)
{
	for (unsigned i = 0; i < PLOT_POINTS / 2; i++) {
		bool a = s->has[2 * i], b = s->has[2 * i + 1];
		double va = s->slot[2 * i], vb = s->slot[2 * i + 1];

		s->has[i] = a || b;
		s->slot[i] = a && b ? fmax(va, vb) : a ? va : vb;
	}
	memset(s->has + PLOT_POINTS / 2, 0, PLOT_POINTS / 2 * sizeof(bool));
	s->w *= 2;
}

void
plot_value(struct plot *p, unsigned rule, int64_t t_ms, double v)
{
	struct series *s = &p->s[rule];
	int64_t i;

	if (isnan(v) || t_ms == INT64_MIN)
		return;
	if (s->w == 0) {
		s->t0 = t_ms - (t_ms % 1000 + 1000) % 1000;
		s->w = 1000;
	}
	if (t_ms < s->t0)
		return; /* older than the first value: out of the picture */
	while ((i = (t_ms - s->t0) / s->w) >= PLOT_POINTS)
		coarsen(s);
	if (!s->has[i] || v > s->slot[i])
		s->slot[i] = v;
	s->has[i] = true;
}

void
plot_span(struct plot *p, unsigned rule, int64_t from_ms, int64_t to_ms)
{
	struct series *s = &p->s[rule];

	if (s->nspans > 0 && s->span_to[s->nspans - 1] == INT64_MAX &&
	    s->span_from[s->nspans - 1] == from_ms) {
		s->span_to[s->nspans - 1] = to_ms; /* closing an open span */
		return;
	}
	if (s->nspans == PLOT_SPANS)
		return;
	s->span_from[s->nspans] = from_ms;
	s->span_to[s->nspans] = to_ms;
	s->nspans++;
}

static void
put_xml(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

struct frame {
	int64_t t_min, t_max;
};

static double
xpos(const struct frame *fr, int64_t t)
{
	double span = (double)(fr->t_max - fr->t_min);

	if (t < fr->t_min)
		t = fr->t_min;
	if (t > fr->t_max)
		t = fr->t_max;
	return MARGIN_L + (span > 0 ? (double)(t - fr->t_min) / span : 0) *
	    (PANEL_W - MARGIN_L - MARGIN_R);
}

static void
panel(FILE *f, const struct series *s, const struct frame *fr, int y0)
{
	double vmax = isfinite(s->threshold) ? fabs(s->threshold) : 0;
	char buf[32], lab[64];
	bool pen = false;

	for (unsigned i = 0; i < PLOT_POINTS; i++)
		if (s->has[i] && s->slot[i] > vmax)
			vmax = s->slot[i];
	vmax = vmax > 0 ? vmax * 1.1 : 1;
	fprintf(f, "<g transform=\"translate(0,%d)\">\n", y0);
	fprintf(f, "<text x=\"%d\" y=\"18\" class=\"t\">", MARGIN_L);
	put_xml(f, s->name);
	template_format_value(s->threshold, buf, sizeof(buf));
	fprintf(f, " <tspan class=\"s\">alert if value ");
	put_xml(f, s->op ? s->op : "?");
	fprintf(f, " %s</tspan></text>\n", buf);
	for (unsigned i = 0; i < s->nspans; i++) {
		double x1 = xpos(fr, s->span_from[i]);
		double x2 = xpos(fr, s->span_to[i] == INT64_MAX ? fr->t_max :
		    s->span_to[i]);
		fprintf(f, "<rect class=\"fire\" x=\"%.1f\" y=\"%d\" "
		    "width=\"%.1f\" height=\"%d\"/>\n", x1, PLOT_TOP,
		    x2 - x1 < 1 ? 1 : x2 - x1, PLOT_H);
	}
	fprintf(f, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" "
	    "height=\"%d\"/>\n", MARGIN_L, PLOT_TOP,
	    PANEL_W - MARGIN_L - MARGIN_R, PLOT_H);
	template_format_value(vmax, buf, sizeof(buf));
	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"a\" text-anchor=\"end\">"
	    "%s</text>\n<text x=\"%d\" y=\"%d\" class=\"a\" "
	    "text-anchor=\"end\">0</text>\n", MARGIN_L - 4, PLOT_TOP + 10, buf,
	    MARGIN_L - 4, PLOT_TOP + PLOT_H);
	if (isfinite(s->threshold) && s->threshold >= 0) {
		double y = PLOT_TOP + PLOT_H - s->threshold / vmax * PLOT_H;
		fprintf(f, "<line class=\"thr\" x1=\"%d\" x2=\"%d\" "
		    "y1=\"%.1f\" y2=\"%.1f\"/>\n", MARGIN_L,
		    PANEL_W - MARGIN_R, y, y);
	}
	fprintf(f, "<path class=\"v\" d=\"");
	for (unsigned i = 0; s->w && i < PLOT_POINTS; i++) {
		if (!s->has[i]) {
			pen = false;
			continue;
		}
		fprintf(f, "%c%.1f,%.1f ", pen ? 'L' : 'M',
		    xpos(fr, s->t0 + (int64_t)i * s->w + s->w / 2),
		    PLOT_TOP + PLOT_H - s->slot[i] / vmax * PLOT_H);
		pen = true;
	}
	fprintf(f, "\"/>\n");
	notify_format_at(fr->t_min, lab, sizeof(lab));
	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"a\">%s</text>\n",
	    MARGIN_L, PLOT_TOP + PLOT_H + 14, lab);
	notify_format_at(fr->t_max, lab, sizeof(lab));
	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"a\" text-anchor=\"end\">"
	    "%s</text>\n</g>\n", PANEL_W - MARGIN_R, PLOT_TOP + PLOT_H + 14,
	    lab);
}

static bool
series_used(const struct series *s)
{
	return s->w != 0 || s->nspans > 0;
}

int
plot_write(const struct plot *p, FILE *f)
{
	struct frame fr = { INT64_MAX, INT64_MIN };
	unsigned used = 0;
	int y = 0;

	for (unsigned r = 0; r < p->n; r++) {
		const struct series *s = &p->s[r];
		if (!series_used(s))
			continue;
		used++;
		if (s->w) {
			fr.t_min = s->t0 < fr.t_min ? s->t0 : fr.t_min;
			for (unsigned i = PLOT_POINTS; i-- > 0;) {
				int64_t end = s->t0 + (int64_t)(i + 1) * s->w;
				if (s->has[i]) {
					fr.t_max = end > fr.t_max ? end : fr.t_max;
					break;
				}
			}
		}
		for (unsigned i = 0; i < s->nspans; i++) {
			fr.t_min = s->span_from[i] < fr.t_min ? s->span_from[i] : fr.t_min;
			if (s->span_to[i] != INT64_MAX && s->span_to[i] > fr.t_max)
				fr.t_max = s->span_to[i];
		}
	}
	if (fr.t_min == INT64_MAX)
		fr.t_min = fr.t_max = 0;
	if (fr.t_max < fr.t_min)
		fr.t_max = fr.t_min;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%u\" font-family=\"sans-serif\">\n<style>"
	    ".t{font-size:14px;font-weight:bold}.s{font-weight:normal;"
	    "fill:#555}.a{font-size:11px;fill:#555}.frame{fill:none;"
	    "stroke:#999}.fire{fill:#e53935;fill-opacity:0.18}"
	    ".thr{stroke:#e53935;stroke-dasharray:6 4}"
	    ".v{fill:none;stroke:#1e63b4;stroke-width:1.5}</style>\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
	    PANEL_W, used ? used * PANEL_H : 40);
	if (used == 0)
		fprintf(f, "<text x=\"10\" y=\"24\">no rule produced a "
		    "value</text>\n");
	for (unsigned r = 0; r < p->n; r++) {
		if (!series_used(&p->s[r]))
			continue;
		panel(f, &p->s[r], &fr, y);
		y += PANEL_H;
	}
	fprintf(f, "</svg>\n");
	return ferror(f) ? -1 : 0;
}
