/* pm-chart.c: the detail panel's chart.
 *
 * For a segment: one metric's history (latency, jitter or loss; one at a time so that each keeps
 * a legible scale), its forecast over the risk horizon with the 95 % band (mean ± 1.96 sd), the
 * partition threshold, the expected partition time, and below it the partition risk over the
 * same time axis. For a site: its isolation risk. The time axis runs from the window's start to
 * the end of the horizon, so the forecast continues the history at "now".
 *
 * Every value comes from the engine's facade: the history through pm_engine_read_history and
 * pm_engine_read_risk_history (copies, safe from this thread), the forecast from the snapshot's
 * watch. The data is read once per snapshot; drawing only buckets it to the width, so a week of
 * ten-second samples costs one pass per frame.
 *
 * A cursor shows the values at one time, under the pointer or, for those who do not use one,
 * moved by keys (the chart.cursor-* actions) from drawn point to drawn point; while the keys
 * hold it, the accessible description says what its label says.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#include "pm-format.h"
#include "pm-health.h"

#define PAD        8.0   /* around the plots */
#define GAP        12.0  /* between the metric plot and the risk plot */
#define BUCKET_PX  2.0   /* one drawn point per this many pixels at most */
#define BAND_Z     1.96  /* the prediction band: 95 % of a Gaussian forecast error */

typedef struct
{
  double   left, right;          /* the plots' horizontal extent */
  double   top, bottom;          /* the metric plot (segments only) */
  double   risk_top, risk_bottom;
  gint64   t0, t1;               /* the times at left and right */
  double   y_max;                /* the metric scale: 0 … y_max */
  double   y_step;               /* between its grid lines */
  gboolean threshold_on_scale;   /* else the threshold is noted at the top edge */
} Frame;

typedef struct
{
  double mean;  /* NAN: no value in the bucket */
  double max;
  gint64 time;  /* the middle of the bucket */
} Bucket;

typedef struct
{
  GdkRGBA fg, dim, grid, shade, tip_bg;
  GdkRGBA metric, band, threshold, risk, risk_fill;
} Colors;

struct _PmChart
{
  GtkWidget     parent_instance;

  PmEngine     *engine;
  PmSnapshot   *snapshot;
  int           site;
  int           segment;
  gint64        span_s;
  PmChartMetric metric;

  gint64        now_s;           /* the snapshot time the data below was read for */
  gint64        samples_from_s;
  gint64        samples_step_s;
  guint         n_samples;
  PmSample     *samples;
  gint64        risk_from_s;
  gint64        risk_step_s;
  guint         n_risk;
  double       *risk;
  guint         n_points;

  /* One cursor, moved by the pointer or the keyboard, whichever moved last: the pointer's x
   * (the line stays under it as the chart scrolls), or a time (the keyboard's cursor stays on
   * the moment it was moved to). At most one of the two is set. */
  double        hover_x;         /* NAN: the pointer does not hold the cursor */
  double        cursor_s;        /* NAN: the keyboard does not */
  gboolean      cursor_shown;    /* what chart.cursor-hide was last enabled for */
  char         *description;
};

/* The keyboard's cursor, defined after the geometry it needs. */
static void  update_cursor   (PmChart *self);
static char *describe_cursor (PmChart *self);

G_DEFINE_TYPE (PmChart, pm_chart, GTK_TYPE_WIDGET)

static double
sample_value (const PmSample *sample,
              PmChartMetric   metric)
{
  switch (metric)
    {
    case PM_CHART_JITTER:
      return sample->jitter_ms;
    case PM_CHART_LOSS:
      return sample->loss_ratio;
    case PM_CHART_LATENCY:
    default:
      return sample->latency_ms;
    }
}

static const char *
metric_name (PmChartMetric metric)
{
  switch (metric)
    {
    case PM_CHART_JITTER:
      return _("Jitter");
    case PM_CHART_LOSS:
      return _("Loss");
    case PM_CHART_LATENCY:
    default:
      return _("Latency");
    }
}

static char *
format_value (PmChartMetric metric,
              double        value)
{
  return metric == PM_CHART_LOSS ? pm_format_ratio (value) : pm_format_ms (value);
}

/* Axis labels: as short as the scale allows. */
static char *
format_tick (PmChartMetric metric,
             double        value,
             double        step)
{
  int digits;

  if (metric == PM_CHART_LOSS)
    {
      value *= 100;
      step *= 100;
    }
  digits = step >= 1 ? 0 : (int) ceil (-log10 (step));
  return metric == PM_CHART_LOSS ? g_strdup_printf (_("%.*f %%"), digits, value)
                                 : g_strdup_printf (_("%.*f ms"), digits, value);
}

static char *
format_time (gint64 unix_s,
             gint64 span_s)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_s);

  if (time == NULL)
    return g_strdup (_("no time"));
  /* TRANSLATORS: times on the chart (UTC); see g_date_time_format() */
  return g_date_time_format (time, span_s > 24 * 3600 ? _("%d %b %H:%M UTC") : _("%H:%M UTC"));
}

static char *
format_span (gint64 span_s)
{
  if (span_s >= 2 * 24 * 3600 && span_s % (24 * 3600) == 0)
    return g_strdup_printf (_("%d d"), (int) (span_s / (24 * 3600)));
  if (span_s >= 3600 && span_s % 3600 == 0)
    return g_strdup_printf (_("%d h"), (int) (span_s / 3600));
  return g_strdup_printf (_("%d min"), (int) (span_s / 60));
}

static const PmSegment *
get_segment (PmChart *self)
{
  if (self->snapshot == NULL || self->segment < 0
      || (guint) self->segment >= self->snapshot->n_segments)
    return NULL;
  return pm_topology_get_segment (self->snapshot->topology, (guint) self->segment);
}

static gboolean
has_site (PmChart *self)
{
  return self->snapshot != NULL && self->segment < 0 && self->site >= 0
         && (guint) self->site < self->snapshot->n_sites;
}

/* The level at which the segment counts as down in pm_health_score: latency 1.5 × its baseline
 * (or 5 ms) above the baseline, loss 5 %. Jitter is not part of the score: no threshold. */
static double
get_threshold (PmChart *self)
{
  const PmSegment *segment = get_segment (self);
  double baseline;

  if (segment == NULL)
    return NAN;
  switch (self->metric)
    {
    case PM_CHART_LATENCY:
      baseline = pm_segment_baseline_rtt_ms (segment);
      return baseline + PM_HEALTH_LATENCY_DOWN * MAX (baseline, PM_HEALTH_LATENCY_FLOOR_MS);
    case PM_CHART_LOSS:
      return PM_HEALTH_LOSS_DOWN;
    case PM_CHART_JITTER:
    default:
      return NAN;
    }
}

static const PmForecastWatch *
get_watch (PmChart *self)
{
  const PmForecastWatch *watch;

  if (get_segment (self) == NULL || self->snapshot->watch == NULL)
    return NULL;
  watch = self->snapshot->watch;
  return watch->segment == (guint) self->segment ? watch : NULL;
}

static gint64
forecast_time (const PmForecastWatch *watch,
               guint                  h)
{
  return watch->start_s + (gint64) (h + 1) * watch->step_s;
}

/* The first forecast time whose mean reaches the threshold, 0 when none does. */
static gint64
forecast_crossing (PmChart *self)
{
  const PmForecastWatch *watch = get_watch (self);
  double threshold = get_threshold (self);

  if (watch == NULL || isnan (threshold))
    return 0;
  for (guint h = 0; h < watch->n_steps; h++)
    if (watch->mean[self->metric][h] >= threshold)
      return forecast_time (watch, h);
  return 0;
}

static gint64
get_eta (PmChart *self)
{
  return get_segment (self) != NULL ? self->snapshot->segments[self->segment].eta_s : 0;
}

static double
current_risk (PmChart *self)
{
  if (get_segment (self) != NULL)
    return self->snapshot->segments[self->segment].risk;
  if (has_site (self))
    return self->snapshot->sites[self->site].isolation;
  return NAN;
}

static void
count_points (PmChart *self)
{
  self->n_points = 0;
  if (self->segment >= 0)
    {
      for (guint i = 0; i < self->n_samples; i++)
        self->n_points += !isnan (sample_value (&self->samples[i], self->metric));
    }
  else
    {
      for (guint i = 0; i < self->n_risk; i++)
        self->n_points += !isnan (self->risk[i]);
    }
}

static void
value_range (PmChart *self,
             double  *lo,
             double  *hi)
{
  *lo = *hi = NAN;
  if (self->segment >= 0)
    {
      for (guint i = 0; i < self->n_samples; i++)
        {
          double v = sample_value (&self->samples[i], self->metric);
          if (!isnan (v) && (isnan (*lo) || v < *lo))
            *lo = v;
          if (!isnan (v) && (isnan (*hi) || v > *hi))
            *hi = v;
        }
    }
  else
    {
      for (guint i = 0; i < self->n_risk; i++)
        {
          if (!isnan (self->risk[i]) && (isnan (*lo) || self->risk[i] < *lo))
            *lo = self->risk[i];
          if (!isnan (self->risk[i]) && (isnan (*hi) || self->risk[i] > *hi))
            *hi = self->risk[i];
        }
    }
}

/* The summary a screen reader gives for the chart, kept in step with the data. */
static void
update_description (PmChart *self)
{
  const PmSegment *segment = get_segment (self);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *span = format_span (self->span_s);
  g_autofree char *cursor = NULL;
  double lo, hi, risk = current_risk (self);

  if (segment != NULL)
    {
      PmTopology *topology = self->snapshot->topology;
      double threshold = get_threshold (self);
      gint64 crossing = forecast_crossing (self), eta = get_eta (self);

      /* TRANSLATORS: "Latency of lon-par (London — Paris) over the last 6 h" */
      g_string_append_printf (text, _("%s of %s (%s — %s) over the last %s"),
                              metric_name (self->metric), segment->id,
                              pm_topology_get_site (topology, segment->a)->name,
                              pm_topology_get_site (topology, segment->b)->name, span);
      value_range (self, &lo, &hi);
      if (isnan (lo))
        {
          g_string_append_printf (text, ": %s", _("no data"));
        }
      else
        {
          g_autofree char *from = format_value (self->metric, lo);
          g_autofree char *to = format_value (self->metric, hi);
          g_string_append_printf (text, _(": %s to %s"), from, to);
        }
      if (!isnan (threshold))
        {
          g_autofree char *level = format_value (self->metric, threshold);
          if (crossing > 0)
            {
              g_autofree char *when = format_time (crossing, 0);
              g_string_append_printf (text, _("; forecast crosses the %s threshold at %s"), level,
                                      when);
            }
          else
            {
              g_string_append_printf (text, _("; threshold %s"), level);
            }
        }
      if (eta > 0)
        {
          g_autofree char *when = format_time (eta, 0);
          g_string_append_printf (text, _("; partition expected at %s"), when);
        }
      if (!isnan (risk))
        {
          g_autofree char *now = pm_format_ratio (risk);
          g_string_append_printf (text, _("; partition risk now %s"), now);
        }
    }
  else if (has_site (self))
    {
      const PmSite *site = pm_topology_get_site (self->snapshot->topology, (guint) self->site);

      g_string_append_printf (text, _("Isolation risk of %s (%s) over the last %s"), site->name,
                              site->id, span);
      value_range (self, &lo, &hi);
      if (isnan (lo))
        {
          g_string_append_printf (text, ": %s", _("no data"));
        }
      else
        {
          g_autofree char *from = pm_format_ratio (lo);
          g_autofree char *to = pm_format_ratio (hi);
          g_string_append_printf (text, _(": %s to %s"), from, to);
        }
      if (!isnan (risk))
        {
          g_autofree char *now = pm_format_ratio (risk);
          g_string_append_printf (text, _("; now %s"), now);
        }
    }
  else
    {
      g_string_append (text, _("No data"));
    }

  /* While the keyboard's cursor is shown, a screen reader reads what the cursor's label says. */
  cursor = describe_cursor (self);
  if (cursor != NULL)
    g_string_assign (text, cursor);

  if (g_strcmp0 (self->description, text->str) != 0)
    {
      g_free (self->description);
      self->description = g_string_free (g_steal_pointer (&text), FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      self->description, -1);
    }
}

/* Reads the window ending at the snapshot's time: a copy of one segment's samples and risk, or
 * of one site's isolation. */
static void
reload (PmChart *self)
{
  g_clear_pointer (&self->samples, g_free);
  g_clear_pointer (&self->risk, g_free);
  self->n_samples = self->n_risk = 0;

  if (self->engine != NULL && self->snapshot != NULL && (get_segment (self) != NULL
                                                         || has_site (self)))
    {
      gint64 step = pm_engine_get_history_step (self->engine);
      gint64 risk_step = pm_engine_get_risk_step (self->engine);

      self->now_s = self->snapshot->time_s;
      if (self->segment >= 0 && step > 0)
        {
          self->samples_step_s = step;
          self->n_samples = (guint) MAX (self->span_s / step, 1);
          self->samples_from_s = self->now_s - (gint64) (self->n_samples - 1) * step;
          self->samples = g_new (PmSample, self->n_samples);
          pm_engine_read_history (self->engine, (guint) self->segment, self->samples_from_s,
                                  self->n_samples, self->samples);
        }
      if (risk_step > 0)
        {
          self->risk_step_s = risk_step;
          self->n_risk = (guint) MAX (self->span_s / risk_step, 1);
          self->risk_from_s = self->now_s - (gint64) (self->n_risk - 1) * risk_step;
          self->risk = g_new (double, self->n_risk);
          pm_engine_read_risk_history (self->engine, self->segment < 0,
                                       (guint) (self->segment >= 0 ? self->segment : self->site),
                                       self->risk_from_s, self->n_risk, self->risk);
        }
    }
  count_points (self);
  update_cursor (self);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Geometry ---------------------------------------------------------------------------------- */

static double
nice_step (double range,
           int    n_ticks)
{
  double raw = range / n_ticks, power, f;

  if (!(raw > 0))
    return 1;
  power = pow (10, floor (log10 (raw)));
  f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

static PangoLayout *
make_layout (PmChart    *self,
             const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (0.85));
  pango_layout_set_attributes (layout, attrs);
  return layout;
}

static void
text_size (PmChart    *self,
           const char *text,
           double     *width,
           double     *height)
{
  g_autoptr(PangoLayout) layout = make_layout (self, text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
}

static double
forecast_max (PmChart *self,
              gint64   until_s)
{
  const PmForecastWatch *watch = get_watch (self);
  double max = NAN;

  if (watch == NULL)
    return NAN;
  for (guint h = 0; h < watch->n_steps && forecast_time (watch, h) <= until_s; h++)
    {
      double upper = watch->mean[self->metric][h] + BAND_Z * watch->sd[self->metric][h];
      if (isfinite (upper) && (isnan (max) || upper > max))
        max = upper;
    }
  return max;
}

/* The legend's items; the widths of their labels decide how many rows it takes. */
typedef enum
{
  LEGEND_LINE,
  LEGEND_BAND,
  LEGEND_DASH,
  LEGEND_MARK,
} LegendStyle;

typedef struct
{
  LegendStyle style;
  int         color;  /* 0 metric, 1 band, 2 threshold, 3 risk */
  const char *text;
} LegendItem;

static guint
legend_items (PmChart    *self,
              LegendItem *items)
{
  guint n = 0;

  if (self->segment >= 0)
    {
      items[n++] = (LegendItem) { LEGEND_LINE, 0, metric_name (self->metric) };
      items[n++] = (LegendItem) { LEGEND_BAND, 1, _("Forecast, 95 %") };
      if (!isnan (get_threshold (self)))
        items[n++] = (LegendItem) { LEGEND_DASH, 2, _("Threshold") };
      if (get_eta (self) > 0)
        items[n++] = (LegendItem) { LEGEND_MARK, 2, _("Expected cut") };
      items[n++] = (LegendItem) { LEGEND_LINE, 3, _("Risk") };
    }
  else
    {
      items[n++] = (LegendItem) { LEGEND_LINE, 3, _("Isolation risk") };
    }
  return n;
}

#define SWATCH 16.0

/* Lays the legend out in rows within the width; draws it when cr is not NULL. Its height. */
static double
legend_flow (PmChart       *self,
             cairo_t       *cr,
             const Colors  *colors,
             double         width)
{
  LegendItem items[6];
  guint n = legend_items (self, items);
  double x = PAD, y = PAD, row_h = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PangoLayout) layout = make_layout (self, items[i].text);
      const GdkRGBA *color = NULL;
      int w, h;
      double item_w;

      pango_layout_get_pixel_size (layout, &w, &h);
      item_w = SWATCH + 4 + w;
      if (x > PAD && x + item_w > width - PAD)
        {
          x = PAD;
          y += row_h + 2;
        }
      row_h = MAX (row_h, h);
      if (cr != NULL)
        {
          double mid = y + h / 2.0;

          color = items[i].color == 0 ? &colors->metric : items[i].color == 1 ? &colors->band
                  : items[i].color == 2 ? &colors->threshold : &colors->risk;
          gdk_cairo_set_source_rgba (cr, color);
          cairo_set_dash (cr, NULL, 0, 0);
          switch (items[i].style)
            {
            case LEGEND_BAND:
              cairo_rectangle (cr, x, mid - 5, SWATCH, 10);
              cairo_fill (cr);
              gdk_cairo_set_source_rgba (cr, &colors->metric);
              cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
              cairo_move_to (cr, x, mid);
              cairo_line_to (cr, x + SWATCH, mid);
              cairo_stroke (cr);
              break;
            case LEGEND_DASH:
              cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
              cairo_move_to (cr, x, mid);
              cairo_line_to (cr, x + SWATCH, mid);
              cairo_stroke (cr);
              break;
            case LEGEND_MARK:
              cairo_move_to (cr, x + SWATCH / 2, mid - 6);
              cairo_line_to (cr, x + SWATCH / 2, mid + 6);
              cairo_stroke (cr);
              break;
            case LEGEND_LINE:
            default:
              cairo_move_to (cr, x, mid);
              cairo_line_to (cr, x + SWATCH, mid);
              cairo_stroke (cr);
              break;
            }
          cairo_set_dash (cr, NULL, 0, 0);
          gdk_cairo_set_source_rgba (cr, &colors->fg);
          cairo_move_to (cr, x + SWATCH + 4, y);
          pango_cairo_show_layout (cr, layout);
        }
      x += item_w + 12;
    }
  return y + row_h - PAD;
}

static void
compute_frame (PmChart *self,
               double   width,
               double   height,
               Frame   *f)
{
  double label_h, legend_h, available, data_lo, data_hi, top_value, threshold, label_w = 0;
  gint64 horizon = self->snapshot != NULL ? self->snapshot->horizon_s : 0;

  memset (f, 0, sizeof *f);
  f->t1 = self->now_s + (self->segment >= 0 ? MAX (horizon, 0) : 0);
  f->t0 = self->now_s - self->span_s;
  if (f->t1 <= f->t0)
    f->t1 = f->t0 + 1;

  text_size (self, "0", NULL, &label_h);
  legend_h = legend_flow (self, NULL, NULL, width);

  f->right = width - PAD;
  f->top = PAD + legend_h + 8 + label_h / 2;
  available = height - f->top - PAD - label_h - 4;
  if (self->segment >= 0)
    {
      /* Far enough apart that the scales' end labels do not meet. */
      double risk_h = MAX (48, available * 0.3), gap = MAX (GAP, label_h * 2);

      f->bottom = f->top + available - risk_h - gap;
      f->risk_top = f->bottom + gap;
      f->risk_bottom = f->top + available;
    }
  else
    {
      f->bottom = f->top;
      f->risk_top = f->top;
      f->risk_bottom = f->top + available;
    }

  /* The metric's scale from 0: what it reads, its forecast band and, when it is near enough
   * not to flatten everything else, the threshold; as many grid lines as fit legibly. */
  if (self->segment >= 0)
    {
      double fc_max = forecast_max (self, f->t1);
      int n_ticks = (int) CLAMP ((f->bottom - f->top) / (label_h * 2.2), 1, 5);

      value_range (self, &data_lo, &data_hi);
      top_value = fmax (isnan (data_hi) ? 0 : data_hi, isnan (fc_max) ? 0 : fc_max);
      threshold = get_threshold (self);
      if (!isnan (threshold) && (top_value == 0 || threshold <= 4 * top_value))
        {
          top_value = fmax (top_value, threshold);
          f->threshold_on_scale = TRUE;
        }
      top_value = fmax (top_value * 1.08, self->metric == PM_CHART_LOSS ? 0.01 : 1);
      f->y_step = nice_step (top_value, n_ticks);
      f->y_max = ceil (top_value / f->y_step - 1e-9) * f->y_step;
      /* Loss ends at 100 %: no room above it for values that cannot be. */
      if (self->metric == PM_CHART_LOSS)
        f->y_max = MIN (f->y_max, 1);
      for (double v = 0; v <= f->y_max + f->y_step / 2; v += f->y_step)
        {
          g_autofree char *tick = format_tick (self->metric, v, f->y_step);
          double w;

          text_size (self, tick, &w, NULL);
          label_w = MAX (label_w, w);
        }
    }
  text_size (self, "100 %", &data_hi, NULL);
  label_w = MAX (label_w, data_hi);
  f->left = PAD + label_w + 6;
}

static double
x_of (const Frame *f,
      double       t)
{
  return f->left + (t - f->t0) * (f->right - f->left) / (double) (f->t1 - f->t0);
}

static double
t_of (const Frame *f,
      double       x)
{
  return f->t0 + (x - f->left) * (f->t1 - f->t0) / (f->right - f->left);
}

/* How many buckets n values (one per step from from_s) make: at most one per BUCKET_PX. */
static guint
count_buckets (const Frame *f,
               guint        n,
               gint64       from_s,
               gint64       step_s)
{
  double px = (x_of (f, from_s + (gint64) n * step_s) - x_of (f, from_s)) / BUCKET_PX;

  return (guint) CLAMP (px, 1, MAX (n, 1));
}

/* The values bucket b of nb holds: first … last - 1. */
static void
bucket_range (guint  b,
              guint  nb,
              guint  n,
              guint *first,
              guint *last)
{
  *first = (guint) ((guint64) b * n / nb);
  *last = (guint) ((guint64) (b + 1) * n / nb);
}

/* The time a bucket is drawn at: the middle of its values. */
static gint64
bucket_time (guint  first,
             guint  last,
             gint64 from_s,
             gint64 step_s)
{
  return from_s + (gint64) ((first + last - 1) / 2.0 * step_s);
}

/* Groups n values (one per step from from_s) into buckets at most BUCKET_PX apart on the
 * frame: the mean for the line and the largest for risk, where a short spike matters. */
static Bucket *
bucketize (const Frame  *f,
           const double *values,
           guint         n,
           gint64        from_s,
           gint64        step_s,
           guint        *n_buckets)
{
  guint nb = count_buckets (f, n, from_s, step_s);
  Bucket *buckets = g_new (Bucket, nb);

  for (guint b = 0; b < nb; b++)
    {
      guint first, last;
      double sum = 0, max = NAN;
      guint count = 0;

      bucket_range (b, nb, n, &first, &last);
      for (guint i = first; i < last; i++)
        if (!isnan (values[i]))
          {
            sum += values[i];
            count++;
            if (isnan (max) || values[i] > max)
              max = values[i];
          }
      buckets[b].mean = count > 0 ? sum / count : NAN;
      buckets[b].max = max;
      buckets[b].time = bucket_time (first, last, from_s, step_s);
    }
  *n_buckets = nb;
  return buckets;
}

static double *
metric_values (PmChart *self)
{
  double *values = g_new (double, MAX (self->n_samples, 1));

  for (guint i = 0; i < self->n_samples; i++)
    values[i] = sample_value (&self->samples[i], self->metric);
  return values;
}

/* The bucket whose time is nearest t, within half a bucket; NULL when t falls outside. */
static const Bucket *
bucket_at (const Bucket *buckets,
           guint         n,
           gint64        from_s,
           gint64        to_s,
           double        t)
{
  double width;
  gint64 index;

  if (n == 0 || t < from_s || t > to_s)
    return NULL;
  width = (double) (to_s - from_s) / n;
  index = (gint64) ((t - from_s) / width);
  return &buckets[CLAMP (index, 0, (gint64) n - 1)];
}

/* Describing and moving the cursor --------------------------------------------------------- */

/* The frame at the widget's size; FALSE when nothing is selected or there is no room. */
static gboolean
get_frame (PmChart *self,
           Frame   *f)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));

  if ((get_segment (self) == NULL && !has_site (self)) || width < 4 * PAD || height < 4 * PAD)
    return FALSE;
  compute_frame (self, width, height, f);
  return TRUE;
}

/* The cursor's label: the time t and the values drawn there. */
static char *
describe_time (PmChart     *self,
               const Frame *f,
               double       t)
{
  const PmForecastWatch *watch = get_watch (self);
  g_autofree char *when = format_time ((gint64) round (t), self->span_s);
  g_autoptr(GString) text = g_string_new (when);
  const Bucket *bucket;

  if (self->segment >= 0 && t <= self->now_s && self->n_samples > 0)
    {
      g_autofree double *values = metric_values (self);
      guint n_buckets;
      g_autofree Bucket *buckets = bucketize (f, values, self->n_samples, self->samples_from_s,
                                              self->samples_step_s, &n_buckets);
      g_autofree char *value = NULL;

      bucket = bucket_at (buckets, n_buckets, self->samples_from_s,
                          self->samples_from_s + (gint64) self->n_samples * self->samples_step_s,
                          t);
      value = format_value (self->metric, bucket != NULL ? bucket->mean : NAN);
      g_string_append_printf (text, "\n%s %s", metric_name (self->metric), value);
    }
  else if (self->segment >= 0 && t > self->now_s)
    {
      double mean = NAN, sd = NAN;

      if (watch != NULL && watch->n_steps > 0)
        {
          gint64 h = (gint64) round ((t - watch->start_s) / watch->step_s) - 1;

          h = CLAMP (h, 0, (gint64) watch->n_steps - 1);
          mean = watch->mean[self->metric][h];
          sd = watch->sd[self->metric][h];
        }
      if (isfinite (mean))
        {
          g_autofree char *value = format_value (self->metric, mean);
          g_autofree char *lo = format_value (self->metric, MAX (mean - BAND_Z * sd, 0));
          g_autofree char *hi = format_value (self->metric, mean + BAND_Z * sd);

          /* TRANSLATORS: "Latency forecast 12.3 ms (95 %: 10.1 ms to 14.5 ms)" */
          g_string_append_printf (text, _("\n%s forecast %s (95 %%: %s to %s)"),
                                  metric_name (self->metric), value, lo, hi);
        }
      else
        {
          g_string_append_printf (text, _("\n%s forecast: none yet"), metric_name (self->metric));
        }
    }

  if (t <= self->now_s && self->n_risk > 0)
    {
      guint n_buckets;
      g_autofree Bucket *buckets = bucketize (f, self->risk, self->n_risk, self->risk_from_s,
                                              self->risk_step_s, &n_buckets);
      g_autofree char *value = NULL;

      bucket = bucket_at (buckets, n_buckets, self->risk_from_s,
                          self->risk_from_s + (gint64) self->n_risk * self->risk_step_s, t);
      value = pm_format_ratio (bucket != NULL ? bucket->max : NAN);
      g_string_append_printf (text, "\n%s %s",
                              self->segment >= 0 ? _("Risk") : _("Isolation risk"), value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The times the keyboard's cursor stops at, ascending: the drawn points of the history (one per
 * bucket, so that every step reads a new value; the last one at the snapshot's time, which lies
 * in the last bucket) and the forecast's steps. Without a frame every sample is a stop. */
static GArray *
cursor_stops (PmChart     *self,
              const Frame *f)
{
  GArray *stops = g_array_new (FALSE, FALSE, sizeof (gint64));
  const PmForecastWatch *watch = get_watch (self);
  gint64 from_s = 0, step_s = 0, t;
  guint n = 0;

  if (self->segment >= 0 && self->n_samples > 0)
    {
      from_s = self->samples_from_s;
      step_s = self->samples_step_s;
      n = self->n_samples;
    }
  else if (self->n_risk > 0)
    {
      from_s = self->risk_from_s;
      step_s = self->risk_step_s;
      n = self->n_risk;
    }
  if (n > 0)
    {
      guint nb = f != NULL ? count_buckets (f, n, from_s, step_s) : n;

      for (guint b = 0; b + 1 < nb; b++)
        {
          guint first, last;

          bucket_range (b, nb, n, &first, &last);
          t = bucket_time (first, last, from_s, step_s);
          if (stops->len == 0 || t > g_array_index (stops, gint64, stops->len - 1))
            g_array_append_val (stops, t);
        }
      if (stops->len == 0 || self->now_s > g_array_index (stops, gint64, stops->len - 1))
        g_array_append_val (stops, self->now_s);
    }
  if (self->segment >= 0 && watch != NULL)
    {
      for (guint h = 0; h < watch->n_steps; h++)
        {
          t = forecast_time (watch, h);
          if (t > self->now_s && (f == NULL || t <= f->t1)
              && isfinite (watch->mean[self->metric][h])
              && (stops->len == 0 || t > g_array_index (stops, gint64, stops->len - 1)))
            g_array_append_val (stops, t);
        }
    }
  return stops;
}

/* The span the cursor may stand on: the first to the last stop, or without any the window up to
 * the snapshot's time. */
static void
cursor_range (PmChart      *self,
              const GArray *stops,
              double       *lo,
              double       *hi)
{
  if (stops->len > 0)
    {
      *lo = g_array_index (stops, gint64, 0);
      *hi = g_array_index (stops, gint64, stops->len - 1);
    }
  else
    {
      *lo = self->now_s - self->span_s;
      *hi = self->now_s;
    }
}

static double
nearest_stop (const GArray *stops,
              double        t)
{
  double best = t;

  for (guint i = 0; i < stops->len; i++)
    {
      double stop = g_array_index (stops, gint64, i);
      if (i == 0 || fabs (stop - t) < fabs (best - t))
        best = stop;
    }
  return best;
}

/* The next stop after t (direction > 0) or before it; without stops, one pixel column on. */
static double
step_from (PmChart      *self,
           const Frame  *f,
           const GArray *stops,
           double        t,
           int           direction)
{
  if (stops->len == 0)
    {
      double column = f != NULL ? (f->t1 - f->t0) / (f->right - f->left) : self->span_s / 360.0;
      return t + direction * MAX (round (column), 1);
    }
  if (direction > 0)
    {
      for (guint i = 0; i < stops->len; i++)
        if (g_array_index (stops, gint64, i) > t + 0.5)
          return g_array_index (stops, gint64, i);
      return g_array_index (stops, gint64, stops->len - 1);
    }
  for (guint i = stops->len; i-- > 0;)
    if (g_array_index (stops, gint64, i) < t - 0.5)
      return g_array_index (stops, gint64, i);
  return g_array_index (stops, gint64, 0);
}

/* Where the cursor is, as a time: the keyboard's, or the pointer's when it has a frame. */
static gboolean
cursor_time (PmChart     *self,
             const Frame *f,
             double      *t)
{
  if (!isnan (self->cursor_s))
    {
      *t = self->cursor_s;
      return TRUE;
    }
  /* Over the scales or the legend the pointer shows no cursor. */
  if (!isnan (self->hover_x) && f != NULL && self->hover_x >= f->left && self->hover_x <= f->right)
    {
      *t = t_of (f, self->hover_x);
      return TRUE;
    }
  return FALSE;
}

static char *
describe_cursor (PmChart *self)
{
  Frame f;

  if (isnan (self->cursor_s) || !get_frame (self, &f))
    return NULL;
  return describe_time (self, &f, self->cursor_s);
}

/* Keeps the keyboard's cursor on its time, within what the window now holds, and the actions in
 * step: without a subject the keys are left to focus navigation; Escape only acts on a cursor
 * that is shown, so that elsewhere it keeps its meaning. */
static void
update_cursor (PmChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean subject = get_segment (self) != NULL || has_site (self), shown;

  if (!subject)
    {
      self->cursor_s = NAN;
    }
  else if (!isnan (self->cursor_s))
    {
      Frame frame;
      g_autoptr(GArray) stops = cursor_stops (self, get_frame (self, &frame) ? &frame : NULL);
      double lo, hi;

      cursor_range (self, stops, &lo, &hi);
      self->cursor_s = CLAMP (self->cursor_s, lo, hi);
    }
  gtk_widget_action_set_enabled (widget, "chart.cursor-step", subject);
  gtk_widget_action_set_enabled (widget, "chart.cursor-page", subject);
  gtk_widget_action_set_enabled (widget, "chart.cursor-start", subject);
  gtk_widget_action_set_enabled (widget, "chart.cursor-end", subject);
  shown = !isnan (self->cursor_s) || !isnan (self->hover_x);
  if (shown != self->cursor_shown)
    {
      self->cursor_shown = shown;
      gtk_widget_action_set_enabled (widget, "chart.cursor-hide", shown);
    }
}

static void
cursor_changed (PmChart *self)
{
  update_cursor (self);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

typedef enum
{
  MOVE_STEP,
  MOVE_PAGE,
  MOVE_START,
  MOVE_END,
} CursorMove;

/* Moves the cursor from where it is, the pointer's or the keyboard's; the first move shows it
 * on the newest point. It lands on a stop, so that it reads a drawn value. */
static void
move_cursor (PmChart    *self,
             CursorMove  move,
             int         direction)
{
  Frame frame, *f = get_frame (self, &frame) ? &frame : NULL;
  g_autoptr(GArray) stops = NULL;
  double lo, hi, t, target;

  if (get_segment (self) == NULL && !has_site (self))
    return;
  stops = cursor_stops (self, f);
  cursor_range (self, stops, &lo, &hi);

  if (move == MOVE_START)
    target = lo;
  else if (move == MOVE_END)
    target = hi;
  else if (!cursor_time (self, f, &t))
    target = nearest_stop (stops, self->now_s);
  else if (move == MOVE_STEP)
    target = step_from (self, f, stops, t, direction);
  else
    {
      double page = (f != NULL ? f->t1 - f->t0 : hi - lo) / 10.0;

      target = nearest_stop (stops, CLAMP (t + direction * page, lo, hi));
      /* Stops further apart than a page (a sparse forecast): at least one step. */
      if (fabs (target - t) < 0.5)
        target = step_from (self, f, stops, t, direction);
    }
  self->cursor_s = round (CLAMP (target, lo, hi));
  self->hover_x = NAN;
  cursor_changed (self);
}

static void
cursor_step_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  move_cursor (PM_CHART (widget), MOVE_STEP, g_variant_get_int32 (parameter));
}

static void
cursor_page_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  move_cursor (PM_CHART (widget), MOVE_PAGE, g_variant_get_int32 (parameter));
}

static void
cursor_start_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  move_cursor (PM_CHART (widget), MOVE_START, 0);
}

static void
cursor_end_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  move_cursor (PM_CHART (widget), MOVE_END, 0);
}

static void
cursor_hide_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PmChart *self = PM_CHART (widget);

  self->cursor_s = self->hover_x = NAN;
  cursor_changed (self);
}

/* Drawing ----------------------------------------------------------------------------------- */

static void
rgba (GdkRGBA    *out,
      const char *spec,
      double      alpha)
{
  gdk_rgba_parse (out, spec);
  out->alpha = alpha;
}

/* Colours follow the widget's style: text and grid from its foreground, and series from the
 * GNOME palette in a lighter tint on dark backgrounds and a darker one on light ones. */
static void
get_colors (PmChart *self,
            Colors  *c)
{
  static const char *metric_light[] = { "#1c71d8", "#26a269", "#c64600" };
  static const char *metric_dark[] = { "#62a0ea", "#57e389", "#ffa348" };
  gboolean dark;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &c->fg);
  dark = 0.2126 * c->fg.red + 0.7152 * c->fg.green + 0.0722 * c->fg.blue > 0.5;

  c->dim = c->grid = c->shade = c->fg;
  c->dim.alpha = 0.7;
  c->grid.alpha = 0.14;
  c->shade.alpha = 0.05;
  rgba (&c->tip_bg, dark ? "#242424" : "#ffffff", 0.94);
  rgba (&c->metric, (dark ? metric_dark : metric_light)[self->metric], 1);
  c->band = c->metric;
  c->band.alpha = 0.25;
  rgba (&c->threshold, dark ? "#ff7b63" : "#c01c28", 1);
  rgba (&c->risk, dark ? "#dc8add" : "#813d9c", 1);
  c->risk_fill = c->risk;
  c->risk_fill.alpha = 0.22;
}

static void
show_text (PmChart       *self,
           cairo_t       *cr,
           const GdkRGBA *color,
           const char    *text,
           double         x,
           double         y,
           double         x_align,
           double         y_align)
{
  g_autoptr(PangoLayout) layout = make_layout (self, text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, round (x - w * x_align), round (y - h * y_align));
  pango_cairo_show_layout (cr, layout);
}

static void
show_no_data (PmChart      *self,
              cairo_t      *cr,
              const Colors *colors,
              double        left,
              double        top,
              double        right,
              double        bottom)
{
  show_text (self, cr, &colors->dim, _("No data"), (left + right) / 2, (top + bottom) / 2, 0.5,
             0.5);
}

/* A line through the buckets' values, broken where a bucket has none. */
static void
stroke_buckets (cairo_t      *cr,
                const Frame  *f,
                const Bucket *buckets,
                guint         n,
                gboolean      use_max,
                double        y0,
                double        y_scale)
{
  gboolean open = FALSE;

  for (guint b = 0; b < n; b++)
    {
      double v = use_max ? buckets[b].max : buckets[b].mean;
      double x = x_of (f, buckets[b].time), y = y0 - v * y_scale;

      if (isnan (v))
        {
          open = FALSE;
          continue;
        }
      if (!open)
        {
          cairo_move_to (cr, x, y);
          /* A lone value between gaps still shows, as a dot-long stroke. */
          cairo_line_to (cr, x + 0.5, y);
        }
      else
        {
          cairo_line_to (cr, x, y);
        }
      open = TRUE;
    }
  cairo_stroke (cr);
}

static void
draw_time_axis (PmChart      *self,
                cairo_t      *cr,
                const Frame  *f,
                const Colors *colors,
                double        plot_top,
                double        plot_bottom)
{
  gint64 span = f->t1 - f->t0, interval, first;
  double last_label_right = -G_MAXDOUBLE;

  interval = span <= 2 * 3600 ? 15 * 60 : span <= 8 * 3600 ? 3600 : span <= 30 * 3600
           ? 4 * 3600 : 24 * 3600;
  first = (f->t0 / interval + 1) * interval;
  for (gint64 t = first; t <= f->t1; t += interval)
    {
      double x = x_of (f, t), w;
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (t);
      /* TRANSLATORS: time axis labels of the chart; see g_date_time_format() */
      g_autofree char *label = g_date_time_format (time, interval >= 24 * 3600 ? _("%d %b")
                                                                                : _("%H:%M"));

      gdk_cairo_set_source_rgba (cr, &colors->grid);
      cairo_move_to (cr, round (x) + 0.5, plot_top);
      cairo_line_to (cr, round (x) + 0.5, plot_bottom);
      cairo_stroke (cr);
      text_size (self, label, &w, NULL);
      if (x - w / 2 > last_label_right + 6 && x + w / 2 <= f->right + PAD)
        {
          show_text (self, cr, &colors->dim, label, x, plot_bottom + 3, 0.5, 0);
          last_label_right = x + w / 2;
        }
    }
}

static void
draw_metric (PmChart      *self,
             cairo_t      *cr,
             const Frame  *f,
             const Colors *colors)
{
  const PmForecastWatch *watch = get_watch (self);
  double y_scale = (f->bottom - f->top) / f->y_max, threshold = get_threshold (self);
  g_autofree double *values = metric_values (self);
  g_autofree Bucket *buckets = NULL;
  gboolean forecast = pm_chart_has_forecast (self);
  guint n_buckets;
  gint64 eta = get_eta (self);

  /* Horizontal grid and the scale. */
  for (double v = 0; v <= f->y_max + f->y_step / 2; v += f->y_step)
    {
      double y = round (f->bottom - v * y_scale) + 0.5;
      g_autofree char *tick = format_tick (self->metric, v, f->y_step);

      gdk_cairo_set_source_rgba (cr, &colors->grid);
      cairo_move_to (cr, f->left, y);
      cairo_line_to (cr, f->right, y);
      cairo_stroke (cr);
      show_text (self, cr, &colors->dim, tick, f->left - 6, y, 1, 0.5);
    }

  cairo_save (cr);
  cairo_rectangle (cr, f->left, f->top - 1, f->right - f->left, f->bottom - f->top + 2);
  cairo_clip (cr);

  if (self->n_points > 0)
    {
      buckets = bucketize (f, values, self->n_samples, self->samples_from_s,
                           self->samples_step_s, &n_buckets);
      cairo_set_line_width (cr, 1.5);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      gdk_cairo_set_source_rgba (cr, &colors->metric);
      stroke_buckets (cr, f, buckets, n_buckets, FALSE, f->bottom, y_scale);
    }

  if (forecast)
    {
      const double *mean = watch->mean[self->metric], *sd = watch->sd[self->metric];
      gboolean open = FALSE;

      /* The band: up along the upper edge, back along the lower one. */
      for (guint h = 0; h < watch->n_steps; h++)
        if (isfinite (mean[h]) && isfinite (sd[h]))
          {
            double x = x_of (f, forecast_time (watch, h)), y = f->bottom
                                                                 - (mean[h] + BAND_Z * sd[h]) * y_scale;
            if (!open)
              cairo_move_to (cr, x, y);
            else
              cairo_line_to (cr, x, y);
            open = TRUE;
          }
      for (guint h = watch->n_steps; h-- > 0;)
        if (isfinite (mean[h]) && isfinite (sd[h]))
          cairo_line_to (cr, x_of (f, forecast_time (watch, h)),
                         f->bottom - MAX (mean[h] - BAND_Z * sd[h], 0) * y_scale);
      if (open)
        {
          cairo_close_path (cr);
          gdk_cairo_set_source_rgba (cr, &colors->band);
          cairo_fill (cr);
        }

      open = FALSE;
      cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
      gdk_cairo_set_source_rgba (cr, &colors->metric);
      for (guint h = 0; h < watch->n_steps; h++)
        if (isfinite (mean[h]))
          {
            double x = x_of (f, forecast_time (watch, h)), y = f->bottom - mean[h] * y_scale;
            if (!open)
              cairo_move_to (cr, x, y);
            else
              cairo_line_to (cr, x, y);
            open = TRUE;
          }
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  cairo_restore (cr);

  if (!isnan (threshold))
    {
      g_autofree char *level = format_value (self->metric, threshold);
      g_autofree char *label = g_strdup_printf (f->threshold_on_scale ? _("Threshold %s")
                                                                       : _("Threshold %s ↑"),
                                                level);
      double y = f->threshold_on_scale ? round (f->bottom - threshold * y_scale) + 0.5
                                       : f->top + 0.5;

      gdk_cairo_set_source_rgba (cr, &colors->threshold);
      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, (double[]) { 6, 4 }, 2, 0);
      if (f->threshold_on_scale)
        {
          cairo_move_to (cr, f->left, y);
          cairo_line_to (cr, f->right, y);
          cairo_stroke (cr);
        }
      cairo_set_dash (cr, NULL, 0, 0);
      show_text (self, cr, &colors->threshold, label, f->left + 4, y - 1, 0, 1);
    }

  if (eta > 0 && eta >= f->t0 && eta <= f->t1)
    {
      g_autofree char *when = format_time (eta, 0);
      g_autofree char *label = g_strdup_printf (_("Cut %s"), when);
      double x = round (x_of (f, eta)) + 0.5, w;

      gdk_cairo_set_source_rgba (cr, &colors->threshold);
      cairo_set_line_width (cr, 2);
      cairo_move_to (cr, x, f->top);
      cairo_line_to (cr, x, f->risk_bottom);
      cairo_stroke (cr);
      text_size (self, label, &w, NULL);
      show_text (self, cr, &colors->threshold, label, x + w + 4 <= f->right ? x + 4 : x - 4,
                 f->top + 2, x + w + 4 <= f->right ? 0 : 1, 0);
    }

  if (self->n_points == 0 && !forecast)
    show_no_data (self, cr, colors, f->left, f->top, f->right, f->bottom);
}

static void
draw_risk (PmChart      *self,
           cairo_t      *cr,
           const Frame  *f,
           const Colors *colors)
{
  double height = f->risk_bottom - f->risk_top;
  gboolean any = FALSE;

  gdk_cairo_set_source_rgba (cr, &colors->grid);
  cairo_set_line_width (cr, 1);
  for (int i = 0; i <= 2; i++)
    {
      double y = round (f->risk_bottom - i * height / 2) + 0.5;
      cairo_move_to (cr, f->left, y);
      cairo_line_to (cr, f->right, y);
    }
  cairo_stroke (cr);
  show_text (self, cr, &colors->dim, "0 %", f->left - 6, f->risk_bottom, 1, 0.5);
  show_text (self, cr, &colors->dim, "100 %", f->left - 6, f->risk_top, 1, 0.5);
  /* A site's legend already names its one curve. */
  if (self->segment >= 0)
    show_text (self, cr, &colors->risk, _("Partition risk"), f->left + 4, f->risk_top + 2, 0, 0);

  for (guint i = 0; i < self->n_risk && !any; i++)
    any = !isnan (self->risk[i]);
  if (any)
    {
      guint n_buckets;
      g_autofree Bucket *buckets = bucketize (f, self->risk, self->n_risk, self->risk_from_s,
                                              self->risk_step_s, &n_buckets);

      /* Filled to the base in each unbroken run, so the level reads at a glance. */
      for (guint b = 0; b < n_buckets;)
        {
          guint end = b;

          if (isnan (buckets[b].max))
            {
              b++;
              continue;
            }
          while (end + 1 < n_buckets && !isnan (buckets[end + 1].max))
            end++;
          cairo_move_to (cr, x_of (f, buckets[b].time), f->risk_bottom);
          for (guint i = b; i <= end; i++)
            cairo_line_to (cr, x_of (f, buckets[i].time), f->risk_bottom - buckets[i].max * height);
          cairo_line_to (cr, x_of (f, buckets[end].time) + 0.5, f->risk_bottom);
          cairo_close_path (cr);
          gdk_cairo_set_source_rgba (cr, &colors->risk_fill);
          cairo_fill (cr);
          b = end + 1;
        }
      cairo_set_line_width (cr, 1.5);
      gdk_cairo_set_source_rgba (cr, &colors->risk);
      stroke_buckets (cr, f, buckets, n_buckets, TRUE, f->risk_bottom, height);
    }
  else
    {
      show_no_data (self, cr, colors, f->left, f->risk_top, f->right, f->risk_bottom);
    }
}

/* The cursor: a line across both plots at x and its label. */
static void
draw_cursor (PmChart      *self,
             cairo_t      *cr,
             const Frame  *f,
             const Colors *colors,
             double        width,
             double        cursor_x,
             const char   *text)
{
  g_autoptr(PangoLayout) layout = NULL;
  double x = round (cursor_x) + 0.5, bx, by;
  int w, h;

  gdk_cairo_set_source_rgba (cr, &colors->dim);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, x, f->top);
  cairo_line_to (cr, x, f->risk_bottom);
  cairo_stroke (cr);

  layout = make_layout (self, text);
  pango_layout_get_pixel_size (layout, &w, &h);
  bx = x + 8 + w + 12 <= width ? x + 8 : x - 8 - w - 12;
  by = f->top + 4;
  cairo_rectangle (cr, round (bx) + 0.5, round (by) + 0.5, w + 12, h + 8);
  gdk_cairo_set_source_rgba (cr, &colors->tip_bg);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &colors->grid);
  cairo_stroke (cr);
  gdk_cairo_set_source_rgba (cr, &colors->fg);
  cairo_move_to (cr, round (bx) + 6, round (by) + 4);
  pango_cairo_show_layout (cr, layout);
}

static void
pm_chart_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  PmChart *self = PM_CHART (widget);
  double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  cairo_t *cr;
  Colors colors;
  Frame f;

  if (width < 4 * PAD || height < 4 * PAD)
    return;
  get_colors (self, &colors);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (get_segment (self) == NULL && !has_site (self))
    {
      show_no_data (self, cr, &colors, 0, 0, width, height);
      cairo_destroy (cr);
      return;
    }
  compute_frame (self, width, height, &f);
  if (f.right - f.left < 8)
    {
      cairo_destroy (cr);
      return;
    }
  cairo_set_line_width (cr, 1);
  legend_flow (self, cr, &colors, width);

  /* The forecast side of "now", shaded across both plots. */
  if (self->segment >= 0 && f.t1 > self->now_s)
    {
      double x = x_of (&f, self->now_s);

      gdk_cairo_set_source_rgba (cr, &colors.shade);
      cairo_rectangle (cr, x, f.top, f.right - x, f.risk_bottom - f.top);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &colors.grid);
      cairo_move_to (cr, round (x) + 0.5, f.top);
      cairo_line_to (cr, round (x) + 0.5, f.risk_bottom);
      cairo_stroke (cr);
    }
  draw_time_axis (self, cr, &f, &colors, f.top, f.risk_bottom);
  if (self->segment >= 0)
    draw_metric (self, cr, &f, &colors);
  draw_risk (self, cr, &f, &colors);
  if (!isnan (self->cursor_s))
    {
      g_autofree char *text = describe_time (self, &f, self->cursor_s);
      draw_cursor (self, cr, &f, &colors, width, x_of (&f, self->cursor_s), text);
    }
  else if (!isnan (self->hover_x))
    {
      g_autofree char *text = pm_chart_describe_at (self, self->hover_x);
      if (text != NULL)
        draw_cursor (self, cr, &f, &colors, width, self->hover_x, text);
    }
  cairo_destroy (cr);
}

static void
pm_chart_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 360;
    }
  else
    {
      /* A viewport gives its child the minimum: the size the chart needs is its minimum. */
      *minimum = *natural = PM_CHART (widget)->segment >= 0 ? 300 : 200;
    }
}

/* The pointer takes the cursor over from the keyboard when it moves, and drops it when it
 * leaves; a keyboard's cursor set since stays. */
/* The cursor's values depend on how the width buckets the history. */
static void
pm_chart_size_allocate (GtkWidget *widget,
                        int        width,
                        int        height,
                        int        baseline)
{
  PmChart *self = PM_CHART (widget);

  if (!isnan (self->cursor_s))
    update_description (self);
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           PmChart                  *self)
{
  gboolean from_keyboard = !isnan (self->cursor_s);

  self->hover_x = x;
  self->cursor_s = NAN;
  if (from_keyboard)
    cursor_changed (self);
  else
    update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
leave_cb (GtkEventControllerMotion *controller,
          PmChart                  *self)
{
  if (isnan (self->hover_x))
    return;
  self->hover_x = NAN;
  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pm_chart_dispose (GObject *object)
{
  PmChart *self = PM_CHART (object);

  g_clear_object (&self->engine);
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);

  G_OBJECT_CLASS (pm_chart_parent_class)->dispose (object);
}

static void
pm_chart_finalize (GObject *object)
{
  PmChart *self = PM_CHART (object);

  g_free (self->samples);
  g_free (self->risk);
  g_free (self->description);

  G_OBJECT_CLASS (pm_chart_parent_class)->finalize (object);
}

static void
pm_chart_class_init (PmChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_chart_dispose;
  object_class->finalize = pm_chart_finalize;
  widget_class->snapshot = pm_chart_snapshot;
  widget_class->measure = pm_chart_measure;
  widget_class->size_allocate = pm_chart_size_allocate;
  gtk_widget_class_set_css_name (widget_class, "pm-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);

  /* The keyboard's cursor: the keys are bindings to these actions. Left and Right step from
   * drawn point to drawn point, Page Up and Page Down a tenth of the window back and on (as
   * Home and End are its start and end), Escape hides the cursor. */
  gtk_widget_class_install_action (widget_class, "chart.cursor-step", "i", cursor_step_activated);
  gtk_widget_class_install_action (widget_class, "chart.cursor-page", "i", cursor_page_activated);
  gtk_widget_class_install_action (widget_class, "chart.cursor-start", NULL,
                                   cursor_start_activated);
  gtk_widget_class_install_action (widget_class, "chart.cursor-end", NULL, cursor_end_activated);
  gtk_widget_class_install_action (widget_class, "chart.cursor-hide", NULL,
                                   cursor_hide_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "chart.cursor-step", "i",
                                       -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Left, 0, "chart.cursor-step", "i",
                                       -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "chart.cursor-step", "i",
                                       1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Right, 0, "chart.cursor-step",
                                       "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "chart.cursor-page", "i",
                                       -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Page_Up, 0, "chart.cursor-page",
                                       "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "chart.cursor-page",
                                       "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Page_Down, 0, "chart.cursor-page",
                                       "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "chart.cursor-start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Home, 0, "chart.cursor-start",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "chart.cursor-end", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_End, 0, "chart.cursor-end", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "chart.cursor-hide", NULL);
}

static void
pm_chart_init (PmChart *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->site = self->segment = -1;
  self->span_s = 6 * 3600;
  self->hover_x = self->cursor_s = NAN;
  /* Focusable, so that the values under the cursor can be read without a pointer. The panel's
   * "card" style draws the focus ring. */
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chart.cursor-hide", FALSE);
  update_cursor (self);
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("History and forecast chart"), -1);
  update_description (self);
}

PmChart *
pm_chart_new (void)
{
  return g_object_new (PM_TYPE_CHART, NULL);
}

void
pm_chart_set_engine (PmChart  *self,
                     PmEngine *engine)
{
  g_return_if_fail (PM_IS_CHART (self));
  g_return_if_fail (engine == NULL || PM_IS_ENGINE (engine));

  if (g_set_object (&self->engine, engine))
    reload (self);
}

void
pm_chart_set_subject (PmChart *self,
                      int      site,
                      int      segment)
{
  g_return_if_fail (PM_IS_CHART (self));

  self->site = segment >= 0 ? -1 : site;
  self->segment = segment;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  reload (self);
}

void
pm_chart_set_span (PmChart *self,
                   gint64   span_s)
{
  g_return_if_fail (PM_IS_CHART (self));
  g_return_if_fail (span_s > 0);

  if (self->span_s == span_s)
    return;
  self->span_s = span_s;
  reload (self);
}

gint64
pm_chart_get_span (PmChart *self)
{
  g_return_val_if_fail (PM_IS_CHART (self), 0);

  return self->span_s;
}

void
pm_chart_set_metric (PmChart       *self,
                     PmChartMetric  metric)
{
  g_return_if_fail (PM_IS_CHART (self));
  g_return_if_fail (metric <= PM_CHART_LOSS);

  if (self->metric == metric)
    return;
  self->metric = metric;
  count_points (self);
  update_cursor (self);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

PmChartMetric
pm_chart_get_metric (PmChart *self)
{
  g_return_val_if_fail (PM_IS_CHART (self), PM_CHART_LATENCY);

  return self->metric;
}

/* Each new snapshot moves the window on; the copy of the history is read again then. */
void
pm_chart_set_snapshot (PmChart    *self,
                       PmSnapshot *snapshot)
{
  g_return_if_fail (PM_IS_CHART (self));

  if (snapshot != NULL)
    pm_snapshot_ref (snapshot);
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  self->snapshot = snapshot;
  reload (self);
}

/* Samples with a value (for a site: known risk values) in the window. */
guint
pm_chart_get_n_points (PmChart *self)
{
  g_return_val_if_fail (PM_IS_CHART (self), 0);

  return self->n_points;
}

gboolean
pm_chart_has_forecast (PmChart *self)
{
  const PmForecastWatch *watch;

  g_return_val_if_fail (PM_IS_CHART (self), FALSE);

  watch = get_watch (self);
  if (watch == NULL)
    return FALSE;
  for (guint h = 0; h < watch->n_steps; h++)
    if (isfinite (watch->mean[self->metric][h]))
      return TRUE;
  return FALSE;
}

/* The accessible description: what the chart shows, in words. */
const char *
pm_chart_get_description (PmChart *self)
{
  g_return_val_if_fail (PM_IS_CHART (self), NULL);

  return self->description;
}

/* What the hover label says at x (widget coordinates): the time and the values there, or NULL
 * when x is outside the plots or nothing is selected. */
char *
pm_chart_describe_at (PmChart *self,
                      double   x)
{
  Frame f;

  g_return_val_if_fail (PM_IS_CHART (self), NULL);

  if (!get_frame (self, &f) || isnan (x) || x < f.left || x > f.right)
    return NULL;
  return describe_time (self, &f, t_of (&f, x));
}

/* Whether the cursor is shown, and the time it marks (seconds since the epoch, UTC). The
 * keyboard puts it on a drawn point or forecast step and it keeps that time as snapshots
 * arrive; under the pointer, it is the time at the pointer. */
gboolean
pm_chart_get_cursor_time (PmChart *self,
                          gint64  *time_s)
{
  Frame frame;
  double t;

  g_return_val_if_fail (PM_IS_CHART (self), FALSE);

  if (!cursor_time (self, get_frame (self, &frame) ? &frame : NULL, &t))
    return FALSE;
  if (time_s != NULL)
    *time_s = (gint64) round (t);
  return TRUE;
}
