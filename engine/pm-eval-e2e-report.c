/* pm-eval-e2e-report.c: the end-to-end comparison as report.md and its plots; see
 * pm-eval-e2e-report.h.
 *
 * Each plot is drawn once by a function of a cairo context and a size, for an SVG surface and
 * for a PNG image. Both are rendered into memory and written with g_file_set_contents, so that
 * every file of the report is replaced atomically and a failure names the file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-eval-e2e-report.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#define UNDEFINED "—"

#define AVAILABILITY_WIDTH  800
#define AVAILABILITY_HEIGHT 500
#define TIMELINE_WIDTH      900
#define TIMELINE_HEIGHT     450

#define FONT_FAMILY "Sans"

typedef struct
{
  double red;
  double green;
  double blue;
} Rgb;

/* Okabe–Ito colours, told apart with the common colour-vision deficiencies; each policy also
 * has its own marker shape, so that a grey print still separates them. */
static const Rgb policy_colors[PM_E2E_N_POLICIES] = {
  [PM_E2E_ORIGIN_ONLY] = { 0.40, 0.40, 0.40 },
  [PM_E2E_REACTIVE] = { 0.90, 0.62, 0.00 },
  [PM_E2E_MIRROR_ALL] = { 0.00, 0.45, 0.70 },
  [PM_E2E_PREMIRROR] = { 0.00, 0.62, 0.45 },
};

static const Rgb ink = { 0.12, 0.12, 0.12 };
static const Rgb muted_ink = { 0.36, 0.36, 0.36 };
static const Rgb grid_ink = { 0.88, 0.88, 0.88 };
static const Rgb isolation_ink = { 0.10, 0.37, 0.71 };
static const Rgb threshold_ink = { 0.65, 0.11, 0.18 };
static const Rgb cut_ink = { 0.75, 0.11, 0.16 };

typedef void (*PlotDraw) (cairo_t      *cr,
                          gconstpointer data,
                          double        width,
                          double        height);

/* Text */

static char *
format_fixed (double value,
              int    decimals)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *format = g_strdup_printf ("%%.%df", decimals);

  /* The report is read the same everywhere: never the locale's decimal comma. */
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, format, value));
}

/* A share as a percentage. A share short of 1 is never shown as 100%, nor one above 0 as 0%:
 * the difference between none and a few is what the report is about. */
static char *
format_share (double share,
              int    decimals)
{
  double step = pow (10, -decimals);
  double percent = share * 100;
  const char *bound = "";
  g_autofree char *number = NULL;

  if (isnan (share))
    return g_strdup (UNDEFINED);
  if (share < 1 && percent >= 100 - step / 2)
    {
      bound = ">";
      percent = 100 - step;
    }
  else if (share > 0 && percent < step / 2)
    {
      bound = "<";
      percent = step;
    }
  number = format_fixed (percent, decimals);
  return g_strdup_printf ("%s%s%%", bound, number);
}

/* Decimal units with three significant digits: "0 B", "512 B", "1.50 kB", "12.3 MB", "456 GB". */
static char *
format_bytes (double bytes)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
  guint unit = 0;
  int decimals;
  g_autofree char *number = NULL;

  if (isnan (bytes))
    return g_strdup (UNDEFINED);
  if (bytes <= 0)
    return g_strdup ("0 B");
  /* 999.7 MB would round to "1000 MB": carry into the next unit. */
  while (bytes >= 999.5 && unit + 1 < G_N_ELEMENTS (units))
    {
      bytes /= 1000;
      unit++;
    }
  if (unit == 0)
    decimals = 0;
  else if (bytes < 9.995)
    decimals = 2;
  else if (bytes < 99.95)
    decimals = 1;
  else
    decimals = 0;
  number = format_fixed (bytes, decimals);
  return g_strdup_printf ("%s %s", number, units[unit]);
}

static char *
format_ms (double ms)
{
  if (isnan (ms))
    return g_strdup (UNDEFINED);
  return format_fixed (ms, 1);
}

static char *
format_hours (double hours)
{
  if (isnan (hours))
    return g_strdup (UNDEFINED);
  return format_fixed (hours, hours < 100 ? 1 : 0);
}

static char *
format_missed (const PmE2eTally   *tally,
               const PmE2eMetrics *metrics)
{
  if (isnan (metrics->missed_deadlines))
    return g_strdup (UNDEFINED);
  /* The counts say more than a share of a handful of deadlines. */
  return g_strdup_printf ("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT, tally->missed_deadlines,
                          tally->deadlines);
}

static char *
format_seed (guint64 seed)
{
  if (seed == 0)
    return g_strdup ("recorded");
  return g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
}

static char *
format_clock (gint64      time_s,
              const char *format)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (time_s);

  if (time == NULL)
    return g_strdup ("?");
  return g_date_time_format (time, format);
}

/* Names come from topology files: a "|" would end a Markdown table cell, a line break a row. */
static void
append_cell (GString    *md,
             const char *text)
{
  g_string_append (md, " ");
  for (const char *c = text != NULL ? text : ""; *c != '\0'; c++)
    {
      if (*c == '|')
        g_string_append (md, "\\|");
      else if (*c == '\n' || *c == '\r')
        g_string_append_c (md, ' ');
      else
        g_string_append_c (md, *c);
    }
  g_string_append (md, " |");
}

static void
append_cell_take (GString *md,
                  char    *text)
{
  append_cell (md, text);
  g_free (text);
}

static double
ratio (double numerator,
       double denominator)
{
  if (isnan (numerator) || isnan (denominator) || denominator <= 0)
    return NAN;
  return numerator / denominator;
}

/* Three significant digits: a ratio of bytes may be far below 0.001. */
static char *
format_ratio (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    return g_strdup (UNDEFINED);
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.3g", value));
}

static char *
format_points (double difference)
{
  g_autofree char *number = NULL;

  if (isnan (difference))
    return g_strdup (UNDEFINED);
  number = format_fixed (fabs (difference) * 100, 1);
  return g_strdup_printf ("%s%s percentage points", difference < 0 ? "−" : "+", number);
}

/* A fence longer than any run of backticks in the command, so that no command can close it. */
static void
append_code_block (GString    *md,
                   const char *code)
{
  guint longest = 0;
  guint run = 0;
  g_autofree char *fence = NULL;

  for (const char *c = code; *c != '\0'; c++)
    {
      run = *c == '`' ? run + 1 : 0;
      longest = MAX (longest, run);
    }
  fence = g_strnfill (MAX (3, longest + 1), '`');
  g_string_append_printf (md, "%ssh\n%s\n%s\n", fence, code, fence);
}

static guint
n_runs (const PmE2eReport *report)
{
  return report->runs != NULL ? report->runs->len : 0;
}

static void
append_policy_table (GString            *md,
                     const PmE2eReport  *report,
                     const PmE2eMetrics *metrics)
{
  g_string_append (md, "| Policy | Served, cut-off clients | Served, foreseeable partitions "
                       "| Availability | Added latency p50 (ms) | Added latency p99 (ms) "
                       "| Bytes replicated | Replica-hours | Missed deadlines |\n"
                       "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    {
      const PmE2eMetrics *m = &metrics[p];

      g_string_append (md, "|");
      append_cell (md, pm_e2e_policy_title (p));
      append_cell_take (md, format_share (m->served_cut_off, 1));
      append_cell_take (md, format_share (m->served_cut_off_foreseeable, 1));
      /* Over all requests availability is close to 1 for every policy: more digits. */
      append_cell_take (md, format_share (m->availability, 3));
      append_cell_take (md, format_ms (m->latency_p50_ms));
      append_cell_take (md, format_ms (m->latency_p99_ms));
      append_cell_take (md, format_bytes (m->bytes_replicated));
      append_cell_take (md, format_hours (m->replica_hours));
      append_cell_take (md, format_missed (&report->tally[p], m));
      g_string_append_c (md, '\n');
    }
}

static void
append_comparisons (GString            *md,
                    const PmE2eMetrics *metrics)
{
  const PmE2eMetrics *premirror = &metrics[PM_E2E_PREMIRROR];
  const PmE2eMetrics *all = &metrics[PM_E2E_MIRROR_ALL];
  const PmE2eMetrics *reactive = &metrics[PM_E2E_REACTIVE];
  g_autofree char *served = format_ratio (ratio (premirror->served_cut_off_foreseeable,
                                                 all->served_cut_off_foreseeable));
  g_autofree char *bytes = format_ratio (ratio (premirror->bytes_replicated,
                                                all->bytes_replicated));
  g_autofree char *gain = format_points (premirror->served_cut_off_foreseeable
                                         - reactive->served_cut_off_foreseeable);

  g_string_append_printf (md,
                          "- Served share over foreseeable partitions, %s ÷ %s: **%s**\n"
                          "- Bytes replicated, %s ÷ %s: **%s**\n"
                          "- Served share over foreseeable partitions, %s − %s: **%s**\n",
                          pm_e2e_policy_title (PM_E2E_PREMIRROR),
                          pm_e2e_policy_title (PM_E2E_MIRROR_ALL), served,
                          pm_e2e_policy_title (PM_E2E_PREMIRROR),
                          pm_e2e_policy_title (PM_E2E_MIRROR_ALL), bytes,
                          pm_e2e_policy_title (PM_E2E_PREMIRROR),
                          pm_e2e_policy_title (PM_E2E_REACTIVE), gain);
}

static void
append_run_table (GString           *md,
                  const PmE2eReport *report)
{
  g_string_append (md, "| Topology | Seed | Partitions (foreseeable) |");
  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    append_cell (md, pm_e2e_policy_title (p));
  g_string_append (md, "\n|---|---:|---:|");
  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    g_string_append (md, "---:|");
  g_string_append_c (md, '\n');

  for (guint i = 0; i < n_runs (report); i++)
    {
      const PmE2eRun *run = &g_array_index (report->runs, PmE2eRun, i);

      g_string_append (md, "|");
      append_cell (md, run->topology);
      append_cell_take (md, format_seed (run->seed));
      append_cell_take (md, g_strdup_printf ("%u (%u)", run->partitions, run->foreseeable));
      for (int p = 0; p < PM_E2E_N_POLICIES; p++)
        {
          g_autofree char *share = format_share (run->metrics[p].served_cut_off_foreseeable, 1);
          g_autofree char *bytes = format_bytes (run->metrics[p].bytes_replicated);

          append_cell_take (md, g_strdup_printf ("%s · %s", share, bytes));
        }
      g_string_append_c (md, '\n');
    }
}

static void
append_timeline_section (GString             *md,
                         const PmE2eTimeline *timeline)
{
  g_autofree char *seed = format_seed (timeline->seed);
  g_autofree char *threshold = format_fixed (timeline->threshold, 2);

  /* The alt text names no site: a bracket in a name would end it. */
  g_string_append (md, "![Isolation probability and Premirror's actions around one foreseen "
                       "cut](" PM_E2E_REPORT_TIMELINE ".svg)\n\n");
  g_string_append_printf (md,
                          "One foreseen cut under Premirror (topology %s, seed %s): the first "
                          "one in these runs for which Premirror placed a mirror of %s. The "
                          "line is the predicted isolation probability of the clients' site, "
                          "%s, once a minute; the dashed line is the planner's at-risk threshold "
                          "(%s: below it, only small files many need are copied). "
                          "The shaded band is the cut as it happened. The markers show when "
                          "Premirror proposed the mirror, the copy to %s "
                          "(bar), when the routing service first answered the mirror for %s, "
                          "and when reactive failover moved the same clients (absent when it "
                          "never did). Times are UTC.\n",
                          timeline->topology, seed, timeline->resource, timeline->users_site,
                          threshold, timeline->target_site, timeline->users_site);
}

static char *
build_markdown (const PmE2eReport  *report,
                const PmE2eMetrics *metrics,
                const char         *command)
{
  GString *md = g_string_new ("# End-to-end evaluation of mirroring policies\n\n");

  g_string_append (md, "Produced by:\n\n");
  append_code_block (md, command);
  g_string_append_printf (md,
                          "\n%u run%s, %u partition%s starting in the scored ranges, %u of "
                          "them foreseeable (the others are sudden cuts that no model can "
                          "foresee). Figures are pooled over the runs; requests are the demand "
                          "model's expected counts.\n\n",
                          n_runs (report), n_runs (report) == 1 ? "" : "s", report->partitions,
                          report->partitions == 1 ? "" : "s", report->foreseeable);

  g_string_append (md, "## Policies\n\n");
  append_policy_table (md, report, metrics);
  g_string_append (md,
                   "\n- *Served, cut-off clients*: of the requests from sites cut off from the "
                   "resource's origin, the share that was served; *foreseeable partitions*: the "
                   "same over sites cut off by foreseeable partitions alone.\n"
                   "- *Availability*: the share of all requests served.\n"
                   "- *Added latency*: percentiles over the served requests.\n"
                   "- *Bytes replicated*: initial copies, refreshes and partial copies, all runs "
                   "together (decimal units); *replica-hours*: storage held at edges.\n"
                   "- *Missed deadlines*: of the approved proposals with a known partition time "
                   "(the second number), those whose replica was not usable at that time.\n"
                   "- " UNDEFINED ": undefined (nobody cut off, or no proposals made).\n\n"
                   "Compared, from the pooled figures:\n\n");
  append_comparisons (md, metrics);

  g_string_append (md, "\n## Runs\n\n"
                       "Each policy's cell: the served share over foreseeable partitions · the "
                       "bytes replicated in that run.\n\n");
  append_run_table (md, report);

  g_string_append (md, "\n## Plots\n\n"
                       "![Served share over foreseeable partitions against bytes replicated, per "
                       "policy](" PM_E2E_REPORT_AVAILABILITY ".svg)\n\n"
                       "What each policy buys with what it copies. Across: bytes replicated per "
                       "run (log scale; a policy that copies nothing is drawn at the left edge, "
                       "\"0 B\"). Up: the share of requests served to clients cut off by "
                       "foreseeable partitions. Large markers: all runs pooled (the share pooled, "
                       "the bytes averaged per run); small faint markers: single runs.\n\n");
  if (report->timeline != NULL)
    append_timeline_section (md, report->timeline);
  else
    g_string_append (md, "No timeline: in these runs Premirror placed no mirror ahead of a "
                         "foreseen cut.\n");

  return g_string_free (md, FALSE);
}

/* Drawing */

static void
set_source (cairo_t   *cr,
            const Rgb *color,
            double     alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, alpha);
}

static PangoLayout *
text_layout (cairo_t    *cr,
             const char *text,
             double      size,
             gboolean    bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string (FONT_FAMILY);

  /* Pixels, not points: the SVG and the PNG have the same size and the same text. */
  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static void
text_size (cairo_t    *cr,
           const char *text,
           double      size,
           gboolean    bold,
           double     *width,
           double     *height)
{
  g_autoptr(PangoLayout) layout = text_layout (cr, text, size, bold);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  *width = w;
  *height = h;
}

/* Draws text with its box's point (xalign, yalign) — 0 left/top, 1 right/bottom — at (x, y). */
static void
draw_text (cairo_t    *cr,
           const char *text,
           double      x,
           double      y,
           double      xalign,
           double      yalign,
           double      size,
           gboolean    bold)
{
  g_autoptr(PangoLayout) layout = text_layout (cr, text, size, bold);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - w * xalign, y - h * yalign);
  pango_cairo_show_layout (cr, layout);
}

static void
draw_vertical_text (cairo_t    *cr,
                    const char *text,
                    double      x,
                    double      y,
                    double      size)
{
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_rotate (cr, -G_PI / 2);
  draw_text (cr, text, 0, 0, 0.5, 0, size, FALSE);
  cairo_restore (cr);
}

static void
paint_background (cairo_t *cr)
{
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
}

static void
path_marker (cairo_t    *cr,
             PmE2ePolicy policy,
             double      x,
             double      y,
             double      r)
{
  switch (policy)
    {
    case PM_E2E_REACTIVE:
      cairo_rectangle (cr, x - 0.85 * r, y - 0.85 * r, 1.7 * r, 1.7 * r);
      break;
    case PM_E2E_MIRROR_ALL:
      cairo_move_to (cr, x, y - 1.15 * r);
      cairo_line_to (cr, x + r, y + 0.7 * r);
      cairo_line_to (cr, x - r, y + 0.7 * r);
      cairo_close_path (cr);
      break;
    case PM_E2E_PREMIRROR:
      cairo_move_to (cr, x, y - 1.2 * r);
      cairo_line_to (cr, x + 1.2 * r, y);
      cairo_line_to (cr, x, y + 1.2 * r);
      cairo_line_to (cr, x - 1.2 * r, y);
      cairo_close_path (cr);
      break;
    case PM_E2E_ORIGIN_ONLY:
    case PM_E2E_N_POLICIES:
    default:
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      break;
    }
}

static void
draw_marker (cairo_t    *cr,
             PmE2ePolicy policy,
             double      x,
             double      y,
             double      r,
             gboolean    faint)
{
  path_marker (cr, policy, x, y, r);
  set_source (cr, &policy_colors[policy], faint ? 0.45 : 1);
  if (faint)
    {
      cairo_fill (cr);
      return;
    }
  cairo_fill_preserve (cr);
  set_source (cr, &ink, 0.85);
  cairo_set_line_width (cr, 1.2);
  cairo_stroke (cr);
}

typedef struct
{
  double x;
  double y;
  double width;
  double height;
} Box;

static gboolean
boxes_overlap (const Box *a,
               const Box *b,
               double     padding)
{
  return a->x < b->x + b->width + padding && b->x < a->x + a->width + padding
         && a->y < b->y + b->height + padding && b->y < a->y + a->height + padding;
}

/* Availability against bytes */

typedef struct
{
  double left;
  double right;
  double top;
  double bottom;
  double zero_x;     /* where 0 bytes is drawn */
  double log_left;   /* where the log axis starts */
  double log_lo;     /* log10 of the bytes at log_left */
  double log_hi;
} BytesAxes;

static double
bytes_x (const BytesAxes *axes,
         double           bytes)
{
  double f;

  if (!(bytes > 0))
    return axes->zero_x;
  f = (log10 (bytes) - axes->log_lo) / (axes->log_hi - axes->log_lo);
  return axes->log_left + CLAMP (f, 0, 1) * (axes->right - axes->log_left);
}

static double
share_y (const BytesAxes *axes,
         double           share)
{
  return axes->bottom - CLAMP (share, 0, 1) * (axes->bottom - axes->top);
}

/* The pooled marker sits at the mean bytes per run, among its runs' markers. */
static double
pooled_bytes_per_run (const PmE2eReport  *report,
                      const PmE2eMetrics *metrics)
{
  guint runs = n_runs (report);

  return runs > 0 ? metrics->bytes_replicated / runs : metrics->bytes_replicated;
}

static void
bytes_range (const PmE2eReport  *report,
             const PmE2eMetrics *metrics,
             double             *log_lo,
             double             *log_hi)
{
  double lo = INFINITY;
  double hi = -INFINITY;

  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    {
      double pooled = pooled_bytes_per_run (report, &metrics[p]);

      if (pooled > 0)
        {
          lo = MIN (lo, log10 (pooled));
          hi = MAX (hi, log10 (pooled));
        }
      for (guint i = 0; i < n_runs (report); i++)
        {
          double bytes = g_array_index (report->runs, PmE2eRun, i).metrics[p].bytes_replicated;

          if (bytes > 0)
            {
              lo = MIN (lo, log10 (bytes));
              hi = MAX (hi, log10 (bytes));
            }
        }
    }
  if (lo > hi)
    {
      /* Nothing copied at all: an axis of the usual sizes, 1 MB to 1 GB. */
      *log_lo = 6;
      *log_hi = 9;
      return;
    }
  /* Whole decades, with room on both sides so that no marker sits on the frame. */
  *log_lo = MAX (0, floor (lo - 0.3));
  *log_hi = MAX (*log_lo + 2, ceil (hi + 0.3));
}

static char *
decade_label (int exponent)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
  guint unit = MIN ((guint) exponent / 3, G_N_ELEMENTS (units) - 1);
  double mantissa = pow (10, exponent - 3 * (int) unit);

  return g_strdup_printf ("%.0f %s", mantissa, units[unit]);
}

static void
draw_bytes_axes (cairo_t         *cr,
                 const BytesAxes *axes)
{
  cairo_set_line_width (cr, 1);

  /* Grid: every 10% up, every decade (and faintly its multiples) across. */
  for (int i = 0; i <= 10; i++)
    {
      double y = round (share_y (axes, i / 10.0)) + 0.5;

      set_source (cr, &grid_ink, i % 2 == 0 ? 1 : 0.5);
      cairo_move_to (cr, axes->left, y);
      cairo_line_to (cr, axes->right, y);
      cairo_stroke (cr);
      if (i % 2 == 0)
        {
          g_autofree char *label = g_strdup_printf ("%d%%", i * 10);

          set_source (cr, &ink, 1);
          draw_text (cr, label, axes->left - 8, y, 1, 0.5, 12, FALSE);
        }
    }
  for (int e = (int) axes->log_lo; e <= (int) axes->log_hi; e++)
    {
      double x = round (bytes_x (axes, pow (10, e))) + 0.5;
      g_autofree char *label = decade_label (e);

      set_source (cr, &grid_ink, 1);
      cairo_move_to (cr, x, axes->top);
      cairo_line_to (cr, x, axes->bottom);
      cairo_stroke (cr);
      for (int m = 2; m <= 9 && e < (int) axes->log_hi; m++)
        {
          double mx = round (bytes_x (axes, m * pow (10, e))) + 0.5;

          set_source (cr, &grid_ink, 1);
          cairo_move_to (cr, mx, axes->bottom - 4);
          cairo_line_to (cr, mx, axes->bottom);
          cairo_stroke (cr);
        }
      /* Many decades (kilobytes beside terabytes) are labelled every other one. */
      if (axes->log_hi - axes->log_lo <= 8 || (e - (int) axes->log_lo) % 2 == 0)
        {
          set_source (cr, &ink, 1);
          draw_text (cr, label, x, axes->bottom + 6, 0.5, 0, 12, FALSE);
        }
    }

  /* 0 B has no place on a log scale: it gets its own slot left of a break in the axis. */
  set_source (cr, &ink, 1);
  draw_text (cr, "0 B", axes->zero_x, axes->bottom + 6, 0.5, 0, 12, FALSE);
  cairo_set_line_width (cr, 1.2);
  cairo_move_to (cr, axes->left, axes->top);
  cairo_line_to (cr, axes->left, axes->bottom);
  cairo_line_to (cr, (axes->zero_x + axes->log_left) / 2 - 4, axes->bottom);
  cairo_move_to (cr, (axes->zero_x + axes->log_left) / 2 + 4, axes->bottom);
  cairo_line_to (cr, axes->right, axes->bottom);
  cairo_stroke (cr);
  for (int side = -1; side <= 1; side += 2)
    {
      double bx = (axes->zero_x + axes->log_left) / 2 + side * 4;

      cairo_move_to (cr, bx - 3, axes->bottom + 5);
      cairo_line_to (cr, bx + 3, axes->bottom - 5);
    }
  cairo_stroke (cr);
}

static char *
marker_label (PmE2ePolicy         policy,
              const PmE2eMetrics *metrics,
              double              bytes_per_run)
{
  g_autofree char *share = format_share (metrics->served_cut_off_foreseeable, 1);
  g_autofree char *bytes = format_bytes (bytes_per_run);

  return g_strdup_printf ("%s: %s, %s", pm_e2e_policy_title (policy), share, bytes);
}

/* Whether box comes near a pooled marker (width 0: none): a label keeps further from other
 * policies' markers than from its own, so as not to be read as theirs. */
static gboolean
marker_near (const Box *box,
             const Box *marker,
             gboolean   own)
{
  double reach = own ? 10 : 18;
  Box around = { marker->x - reach, marker->y - reach * 0.7, 2 * reach, 1.4 * reach };

  return marker->width > 0 && boxes_overlap (box, &around, 2);
}

/* Labels beside their markers: right of it unless that leaves the plot, then left; when that
 * covers a marker or an earlier label, further up or down, then further sideways. */
static void
draw_marker_labels (cairo_t            *cr,
                    const PmE2eReport  *report,
                    const PmE2eMetrics *metrics,
                    const BytesAxes    *axes)
{
  g_autoptr(GArray) placed = g_array_new (FALSE, FALSE, sizeof (Box));
  PmE2ePolicy order[PM_E2E_N_POLICIES];
  Box pooled[PM_E2E_N_POLICIES];
  const double size = 12;
  const double gap = 12;

  /* Labels cover no marker, pooled or of a single run. */
  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    {
      double y = metrics[p].served_cut_off_foreseeable;

      pooled[p] = (Box){ bytes_x (axes, pooled_bytes_per_run (report, &metrics[p])),
                         share_y (axes, y), 0, 0 };
      pooled[p].width = isnan (y) ? 0 : 1;
      for (guint i = 0; i < n_runs (report); i++)
        {
          const PmE2eMetrics *m = &g_array_index (report->runs, PmE2eRun, i).metrics[p];

          if (!isnan (m->served_cut_off_foreseeable))
            g_array_append_val (placed,
                                ((Box){ bytes_x (axes, m->bytes_replicated) - 4,
                                        share_y (axes, m->served_cut_off_foreseeable) - 4, 8,
                                        8 }));
        }
    }

  /* From the top down, so that the labels of a cluster stack in its markers' order. */
  for (int i = 0; i < PM_E2E_N_POLICIES; i++)
    order[i] = i;
  for (int i = 1; i < PM_E2E_N_POLICIES; i++)
    {
      for (int j = i; j > 0 && !(metrics[order[j - 1]].served_cut_off_foreseeable
                                 >= metrics[order[j]].served_cut_off_foreseeable); j--)
        {
          PmE2ePolicy swap = order[j];

          order[j] = order[j - 1];
          order[j - 1] = swap;
        }
    }

  for (int i = 0; i < PM_E2E_N_POLICIES; i++)
    {
      PmE2ePolicy p = order[i];
      double bytes = pooled_bytes_per_run (report, &metrics[p]);
      double share = metrics[p].served_cut_off_foreseeable;
      g_autofree char *label = NULL;
      double mx, my, w, h, lx, ly;
      Box box = { 0 };
      gboolean found = FALSE;
      int n_steps;

      if (isnan (share))
        continue;
      mx = bytes_x (axes, bytes);
      my = share_y (axes, share);
      label = marker_label (p, &metrics[p], bytes);
      text_size (cr, label, size, TRUE, &w, &h);
      /* Nearest first: up and down by half a line, then further from the marker sideways,
       * until a place is clear anywhere in the plot. */
      n_steps = 2 * (int) ceil ((axes->bottom - axes->top) / (h / 2)) + 1;
      for (int step = 0; step < n_steps && !found; step++)
        {
          double dy = (step % 2 == 0 ? 1 : -1) * ((step + 1) / 2) * (h / 2);

          for (int shift = 0; shift < 4 && !found; shift++)
            {
              for (int side = 0; side < 2 && !found; side++)
                {
                  gboolean right = (side == 0) == (mx + gap + w <= axes->right);
                  double dx = gap + shift * 40;

                  box = (Box){ right ? mx + dx : mx - dx - w, my - h / 2 + dy, w, h };
                  found = box.x >= axes->left && box.x + box.width <= axes->right
                          && box.y >= axes->top && box.y + box.height <= axes->bottom;
                  for (guint k = 0; k < placed->len && found; k++)
                    found = !boxes_overlap (&box, &g_array_index (placed, Box, k), 2);
                  for (int q = 0; q < PM_E2E_N_POLICIES && found; q++)
                    found = !marker_near (&box, &pooled[q], q == (int) p);
                }
            }
        }
      if (!found)
        box = (Box){ mx + gap, my - h / 2, w, h };
      g_array_append_val (placed, box);

      /* A label moved away from its marker keeps a leader to it. */
      lx = CLAMP (mx, box.x - 2, box.x + w + 2);
      ly = CLAMP (my, box.y, box.y + h);
      if (hypot (lx - mx, ly - my) > gap + 4)
        {
          set_source (cr, &policy_colors[p], 0.9);
          cairo_set_line_width (cr, 1);
          cairo_move_to (cr, mx, my);
          cairo_line_to (cr, lx, ly);
          cairo_stroke (cr);
        }
      cairo_set_source_rgba (cr, 1, 1, 1, 0.8);
      cairo_rectangle (cr, box.x - 2, box.y, w + 4, h);
      cairo_fill (cr);
      set_source (cr, &ink, 1);
      draw_text (cr, label, box.x, box.y, 0, 0, size, TRUE);
    }
}

static void
draw_policy_legend (cairo_t            *cr,
                    const PmE2eMetrics *metrics,
                    double              center_x,
                    double              y)
{
  char *labels[PM_E2E_N_POLICIES + 1];
  double widths[PM_E2E_N_POLICIES + 1];
  const double size = 12;
  const double marker_room = 18;
  const double spacing = 22;
  double total = 0;
  double x;
  double h;

  for (int p = 0; p <= PM_E2E_N_POLICIES; p++)
    {
      if (p == PM_E2E_N_POLICIES)
        labels[p] = g_strdup ("single runs");
      else if (isnan (metrics[p].served_cut_off_foreseeable))
        labels[p] = g_strdup_printf ("%s (nobody cut off)", pm_e2e_policy_title (p));
      else
        labels[p] = g_strdup (pm_e2e_policy_title (p));
      text_size (cr, labels[p], size, FALSE, &widths[p], &h);
      total += marker_room + widths[p] + (p < PM_E2E_N_POLICIES ? spacing : 0);
    }
  /* The single-run entry shows one faint marker of each shape. */
  total += 3 * 9;

  x = center_x - total / 2;
  for (int p = 0; p <= PM_E2E_N_POLICIES; p++)
    {
      if (p < PM_E2E_N_POLICIES)
        {
          draw_marker (cr, p, x + 6, y, 6, FALSE);
        }
      else
        {
          for (int q = 0; q < PM_E2E_N_POLICIES; q++)
            draw_marker (cr, q, x + 4 + q * 9, y, 3.5, TRUE);
          x += 3 * 9;
        }
      set_source (cr, &ink, 1);
      draw_text (cr, labels[p], x + marker_room, y, 0, 0.5, size, FALSE);
      x += marker_room + widths[p] + spacing;
      g_free (labels[p]);
    }
}

static void
draw_availability (cairo_t      *cr,
                   gconstpointer data,
                   double        width,
                   double        height)
{
  const PmE2eReport *report = data;
  PmE2eMetrics metrics[PM_E2E_N_POLICIES];
  BytesAxes axes;

  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    pm_e2e_tally_compute (&report->tally[p], p, &metrics[p]);

  axes.left = 84;
  axes.right = width - 28;
  axes.top = 78;
  axes.bottom = height - 70;
  axes.zero_x = axes.left + 22;
  axes.log_left = axes.left + 84;
  bytes_range (report, metrics, &axes.log_lo, &axes.log_hi);

  paint_background (cr);
  set_source (cr, &ink, 1);
  draw_text (cr, "Served share for cut-off clients against bytes replicated", width / 2, 12,
             0.5, 0, 17, TRUE);
  draw_policy_legend (cr, metrics, width / 2, 52);

  draw_bytes_axes (cr, &axes);
  set_source (cr, &ink, 1);
  draw_text (cr, "Bytes replicated per run (log scale, decimal units)",
             (axes.left + axes.right) / 2, height - 12, 0.5, 1, 13, FALSE);
  draw_vertical_text (cr, "Served share, foreseeable partitions", 14,
                      (axes.top + axes.bottom) / 2, 13);

  for (guint i = 0; i < n_runs (report); i++)
    {
      const PmE2eRun *run = &g_array_index (report->runs, PmE2eRun, i);

      for (int p = 0; p < PM_E2E_N_POLICIES; p++)
        {
          const PmE2eMetrics *m = &run->metrics[p];

          if (!isnan (m->served_cut_off_foreseeable))
            draw_marker (cr, p, bytes_x (&axes, m->bytes_replicated),
                         share_y (&axes, m->served_cut_off_foreseeable), 4, TRUE);
        }
    }
  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    {
      if (!isnan (metrics[p].served_cut_off_foreseeable))
        draw_marker (cr, p, bytes_x (&axes, pooled_bytes_per_run (report, &metrics[p])),
                     share_y (&axes, metrics[p].served_cut_off_foreseeable), 8, FALSE);
    }
  draw_marker_labels (cr, report, metrics, &axes);
}

/* Timeline */

typedef struct
{
  double left;
  double right;
  double top;
  double bottom;
  gint64 from_s;
  gint64 to_s;
} TimeAxes;

static double
time_x (const TimeAxes *axes,
        gint64          time_s)
{
  double f = (double) (time_s - axes->from_s) / (double) (axes->to_s - axes->from_s);

  return axes->left + CLAMP (f, 0, 1) * (axes->right - axes->left);
}

static double
probability_y (const TimeAxes *axes,
               double          probability)
{
  return axes->bottom - CLAMP (probability, 0, 1) * (axes->bottom - axes->top);
}

static gboolean
in_window (const TimeAxes *axes,
           gint64          time_s)
{
  return time_s != 0 && time_s >= axes->from_s && time_s <= axes->to_s;
}

typedef enum
{
  EVENT_CUT,
  EVENT_PROPOSED,
  EVENT_TRANSFER,
  EVENT_ROUTED,
  EVENT_REACTIVE,
  N_EVENTS
} TimelineEvent;

typedef struct
{
  char      *text;
  const Rgb *color;
  gint64     time_s;
  double     leader_x;  /* where the event is, and its line from the label to the plot */
  Box        box;       /* y: from the top of the label lanes */
  gboolean   shown;
} EventLabel;

#define LANE_HEIGHT 18
/* The copy's bar, above the time axis. */
#define TRANSFER_BAR_BOTTOM 6
#define TRANSFER_BAR_HEIGHT 10

static gboolean
leader_crosses (const EventLabel *upper,
                const EventLabel *lower)
{
  /* A leader beside a label's text is fine (events a few seconds apart); through it is not. */
  return upper->box.y < lower->box.y && upper->leader_x > lower->box.x
         && upper->leader_x < lower->box.x + lower->box.width;
}

/* Whether label, in its lane, is clear of other: their boxes apart, and neither's text crossed
 * by the leader that runs from the other's label down to the plot. */
static gboolean
labels_clear (const EventLabel *label,
              const EventLabel *other)
{
  const double padding = 8;
  gboolean same_lane = label->box.y == other->box.y;

  return !(same_lane && boxes_overlap (&label->box, &other->box, padding))
         && !leader_crosses (other, label) && !leader_crosses (label, other);
}

static int
compare_event_times (gconstpointer a,
                     gconstpointer b)
{
  const EventLabel *const *x = a;
  const EventLabel *const *y = b;

  return ((*x)->time_s > (*y)->time_s) - ((*x)->time_s < (*y)->time_s);
}

/* One label per event above the plot, in time order, each in the first lane where it is clear
 * of the labels and leaders placed before it. Returns the number of lanes used. */
static guint
layout_event_labels (cairo_t             *cr,
                     const PmE2eTimeline *timeline,
                     const TimeAxes      *axes,
                     EventLabel          *labels)
{
  g_autofree char *cut_start = format_clock (timeline->cut_start, "%H:%M");
  g_autofree char *cut_end = format_clock (timeline->cut_end, "%H:%M");
  g_autofree char *proposed = format_clock (timeline->proposed_at, "%H:%M");
  g_autofree char *transfer_start = format_clock (timeline->transfer_start, "%H:%M");
  g_autofree char *transfer_end = format_clock (timeline->transfer_end, "%H:%M");
  g_autofree char *routed = format_clock (timeline->routed_at, "%H:%M");
  g_autofree char *reactive = format_clock (timeline->reactive_at, "%H:%M");
  EventLabel *order[N_EVENTS];
  guint n_shown = 0;
  guint lanes = 0;

  labels[EVENT_CUT] = (EventLabel){
    timeline->cut_end != 0 ? g_strdup_printf ("cut %s–%s", cut_start, cut_end)
                           : g_strdup_printf ("cut from %s", cut_start),
    &cut_ink, timeline->cut_start
  };
  labels[EVENT_PROPOSED] = (EventLabel){ g_strdup_printf ("proposed %s", proposed),
                                         &policy_colors[PM_E2E_PREMIRROR],
                                         timeline->proposed_at };
  labels[EVENT_TRANSFER] = (EventLabel){
    timeline->transfer_end != 0
      ? g_strdup_printf ("copy %s–%s", transfer_start, transfer_end)
      : g_strdup_printf ("copy from %s, unfinished", transfer_start),
    &policy_colors[PM_E2E_PREMIRROR], timeline->transfer_start
  };
  labels[EVENT_ROUTED] = (EventLabel){ g_strdup_printf ("routed to the mirror %s", routed),
                                       &policy_colors[PM_E2E_PREMIRROR], timeline->routed_at };
  labels[EVENT_REACTIVE] = (EventLabel){ g_strdup_printf ("reactive failover %s", reactive),
                                         &policy_colors[PM_E2E_REACTIVE],
                                         timeline->reactive_at };

  for (int e = 0; e < N_EVENTS; e++)
    {
      labels[e].shown = in_window (axes, labels[e].time_s);
      if (labels[e].shown)
        order[n_shown++] = &labels[e];
    }
  qsort (order, n_shown, sizeof order[0], compare_event_times);

  for (guint i = 0; i < n_shown; i++)
    {
      EventLabel *label = order[i];
      double w, h;
      guint lane;

      text_size (cr, label->text, 12, FALSE, &w, &h);
      label->leader_x = round (time_x (axes, label->time_s)) + 0.5;
      /* Right of its leader, or left of it where the plot ends. */
      label->box = (Box){ label->leader_x + w + 3 > axes->right ? label->leader_x - w - 3
                                                                : label->leader_x + 3,
                          0, w, LANE_HEIGHT };
      for (lane = 0; lane < lanes; lane++)
        {
          gboolean clear = TRUE;

          label->box.y = lane * LANE_HEIGHT;
          for (guint j = 0; j < i && clear; j++)
            clear = labels_clear (label, order[j]);
          if (clear)
            break;
        }
      /* Below all others a label overlaps none, though a label turned left at the plot's end
       * may have an earlier event's leader behind it: labels are drawn over leaders. */
      label->box.y = lane * LANE_HEIGHT;
      lanes = MAX (lanes, lane + 1);
    }
  return lanes;
}

static void
draw_time_axes (cairo_t        *cr,
                const TimeAxes *axes)
{
  static const gint64 steps[] = { 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
                                  43200, 86400 };
  gint64 span = axes->to_s - axes->from_s;
  gint64 step = steps[G_N_ELEMENTS (steps) - 1];

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      if (span / steps[i] <= 9)
        {
          step = steps[i];
          break;
        }
    }

  cairo_set_line_width (cr, 1);
  for (int i = 0; i <= 10; i++)
    {
      double y = round (probability_y (axes, i / 10.0)) + 0.5;

      set_source (cr, &grid_ink, i % 2 == 0 ? 1 : 0.5);
      cairo_move_to (cr, axes->left, y);
      cairo_line_to (cr, axes->right, y);
      cairo_stroke (cr);
      if (i % 2 == 0)
        {
          g_autofree char *label = format_fixed (i / 10.0, 1);

          set_source (cr, &ink, 1);
          draw_text (cr, label, axes->left - 8, y, 1, 0.5, 12, FALSE);
        }
    }
  for (gint64 t = (axes->from_s + step - 1) / step * step; t <= axes->to_s; t += step)
    {
      double x = round (time_x (axes, t)) + 0.5;
      g_autofree char *label = format_clock (t, "%H:%M");

      set_source (cr, &grid_ink, 1);
      cairo_move_to (cr, x, axes->top);
      cairo_line_to (cr, x, axes->bottom);
      cairo_stroke (cr);
      set_source (cr, &ink, 1);
      draw_text (cr, label, x, axes->bottom + 6, 0.5, 0, 12, FALSE);
    }
  set_source (cr, &ink, 1);
  cairo_set_line_width (cr, 1.2);
  cairo_move_to (cr, axes->left, axes->top);
  cairo_line_to (cr, axes->left, axes->bottom);
  cairo_line_to (cr, axes->right, axes->bottom);
  cairo_stroke (cr);
}

static void
draw_timeline_legend (cairo_t             *cr,
                      const PmE2eTimeline *timeline,
                      double               center_x,
                      double               y)
{
  g_autofree char *threshold = format_fixed (timeline->threshold, 2);
  g_autofree char *line = g_strdup_printf ("isolation probability of %s", timeline->users_site);
  g_autofree char *dashed = g_strdup_printf ("planner threshold %s", threshold);
  const char *texts[] = { line, dashed, "the cut", "copy to the mirror" };
  double widths[G_N_ELEMENTS (texts)];
  const double swatch = 26;
  const double spacing = 22;
  double total = 0;
  double x;
  double h;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      text_size (cr, texts[i], 12, FALSE, &widths[i], &h);
      total += swatch + 6 + widths[i] + (i + 1 < G_N_ELEMENTS (texts) ? spacing : 0);
    }
  x = center_x - total / 2;
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      switch (i)
        {
        case 0:
          set_source (cr, &isolation_ink, 1);
          cairo_set_line_width (cr, 2.2);
          cairo_move_to (cr, x, y);
          cairo_line_to (cr, x + swatch, y);
          cairo_stroke (cr);
          break;
        case 1:
          set_source (cr, &threshold_ink, 1);
          cairo_set_line_width (cr, 1.5);
          cairo_set_dash (cr, (double[]){ 6, 4 }, 2, 0);
          cairo_move_to (cr, x, y);
          cairo_line_to (cr, x + swatch, y);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
          break;
        case 2:
          set_source (cr, &cut_ink, 0.16);
          cairo_rectangle (cr, x, y - 7, swatch, 14);
          cairo_fill (cr);
          break;
        default:
          set_source (cr, &policy_colors[PM_E2E_PREMIRROR], 0.75);
          cairo_rectangle (cr, x, y - 4, swatch, 8);
          cairo_fill (cr);
          break;
        }
      set_source (cr, &ink, 1);
      draw_text (cr, texts[i], x + swatch + 6, y, 0, 0.5, 12, FALSE);
      x += swatch + 6 + widths[i] + spacing;
    }
}

static void
draw_isolation (cairo_t             *cr,
                const PmE2eTimeline *timeline,
                const TimeAxes      *axes)
{
  gboolean drawing = FALSE;

  if (timeline->isolation == NULL)
    return;
  for (guint i = 0; i < timeline->isolation->len; i++)
    {
      const PmE2ePoint *point = &g_array_index (timeline->isolation, PmE2ePoint, i);
      double x, y;

      /* A missing prediction breaks the line rather than bridging the gap. */
      if (isnan (point->value) || point->time_s < axes->from_s || point->time_s > axes->to_s)
        {
          drawing = FALSE;
          continue;
        }
      x = time_x (axes, point->time_s);
      y = probability_y (axes, point->value);
      if (drawing)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      drawing = TRUE;
    }
  set_source (cr, &isolation_ink, 1);
  cairo_set_line_width (cr, 2.2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
}

static void
draw_events (cairo_t             *cr,
             const PmE2eTimeline *timeline,
             const TimeAxes      *axes,
             const EventLabel    *labels,
             double               lanes_top)
{
  /* The bands and lines inside the plot. */
  cairo_save (cr);
  cairo_rectangle (cr, axes->left, axes->top, axes->right - axes->left, axes->bottom - axes->top);
  cairo_clip (cr);
  if (timeline->cut_start != 0 && timeline->cut_start <= axes->to_s)
    {
      double x0 = time_x (axes, timeline->cut_start);
      double x1 = timeline->cut_end != 0 ? time_x (axes, timeline->cut_end) : axes->right;

      set_source (cr, &cut_ink, 0.16);
      cairo_rectangle (cr, x0, axes->top, MAX (x1 - x0, 2), axes->bottom - axes->top);
      cairo_fill (cr);
    }
  if (timeline->transfer_start != 0 && timeline->transfer_start <= axes->to_s)
    {
      double x0 = time_x (axes, timeline->transfer_start);
      double x1 = timeline->transfer_end != 0 ? time_x (axes, timeline->transfer_end)
                                              : axes->right;

      /* A copy of seconds in a window of hours is still seen. */
      set_source (cr, &policy_colors[PM_E2E_PREMIRROR], 0.75);
      cairo_rectangle (cr, x0, axes->bottom - TRANSFER_BAR_BOTTOM - TRANSFER_BAR_HEIGHT,
                       MAX (x1 - x0, 3), TRANSFER_BAR_HEIGHT);
      cairo_fill (cr);
    }
  cairo_restore (cr);

  set_source (cr, &threshold_ink, 1);
  cairo_set_line_width (cr, 1.5);
  cairo_set_dash (cr, (double[]){ 6, 4 }, 2, 0);
  cairo_move_to (cr, axes->left, probability_y (axes, timeline->threshold));
  cairo_line_to (cr, axes->right, probability_y (axes, timeline->threshold));
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  draw_isolation (cr, timeline, axes);

  for (int e = 0; e < N_EVENTS; e++)
    {
      const EventLabel *label = &labels[e];
      double x = label->leader_x;
      double label_bottom;
      double line_end;

      if (!label->shown)
        continue;
      label_bottom = lanes_top + label->box.y + LANE_HEIGHT - 2;
      set_source (cr, label->color, 1);
      cairo_set_line_width (cr, e == EVENT_PROPOSED || e == EVENT_ROUTED || e == EVENT_REACTIVE
                                  ? 1.8 : 1);
      if (e == EVENT_PROPOSED)
        cairo_set_dash (cr, (double[]){ 4, 3 }, 2, 0);
      /* Events are lines through the plot; the cut has its band, so a leader to the plot's
       * top, and the copy a leader down to its bar. */
      if (e == EVENT_CUT)
        line_end = axes->top;
      else if (e == EVENT_TRANSFER)
        line_end = axes->bottom - TRANSFER_BAR_BOTTOM - TRANSFER_BAR_HEIGHT;
      else
        line_end = axes->bottom;
      cairo_move_to (cr, x, label_bottom);
      cairo_line_to (cr, x, line_end);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  for (int e = 0; e < N_EVENTS; e++)
    {
      const EventLabel *label = &labels[e];

      if (!label->shown)
        continue;
      cairo_set_source_rgba (cr, 1, 1, 1, 0.85);
      cairo_rectangle (cr, label->box.x - 1, lanes_top + label->box.y, label->box.width + 2,
                       LANE_HEIGHT - 2);
      cairo_fill (cr);
      set_source (cr, label->color, 1);
      draw_text (cr, label->text, label->box.x, lanes_top + label->box.y, 0, 0, 12, FALSE);
    }
}

static void
draw_timeline (cairo_t      *cr,
               gconstpointer data,
               double        width,
               double        height)
{
  const PmE2eTimeline *timeline = data;
  EventLabel labels[N_EVENTS];
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *seed = format_seed (timeline->seed);
  g_autofree char *day_from = format_clock (timeline->from_s, "%Y-%m-%d");
  g_autofree char *day_to = NULL;
  g_autofree char *axis_title = NULL;
  TimeAxes axes;
  double lanes_top = 92;
  guint lanes;

  axes.left = 64;
  axes.right = width - 32;
  axes.bottom = height - 58;
  axes.from_s = timeline->from_s;
  axes.to_s = MAX (timeline->to_s, timeline->from_s + 60);
  day_to = format_clock (axes.to_s, "%Y-%m-%d");

  paint_background (cr);
  title = g_strdup_printf ("%s: clients at %s cut off, mirror at %s", timeline->resource,
                           timeline->users_site, timeline->target_site);
  subtitle = g_strdup_printf ("Premirror, topology %s, seed %s", timeline->topology, seed);
  set_source (cr, &ink, 1);
  draw_text (cr, title, width / 2, 10, 0.5, 0, 17, TRUE);
  set_source (cr, &muted_ink, 1);
  draw_text (cr, subtitle, width / 2, 34, 0.5, 0, 13, FALSE);
  draw_timeline_legend (cr, timeline, width / 2, 70);

  /* The plot starts below as many label lanes as the events need. */
  axes.top = lanes_top;
  lanes = layout_event_labels (cr, timeline, &axes, labels);
  axes.top = lanes_top + lanes * LANE_HEIGHT + 8;

  draw_time_axes (cr, &axes);
  axis_title = g_str_equal (day_from, day_to) ? g_strdup_printf ("Time (UTC), %s", day_from)
                                              : g_strdup_printf ("Time (UTC), %s – %s",
                                                                 day_from, day_to);
  set_source (cr, &ink, 1);
  draw_text (cr, axis_title, (axes.left + axes.right) / 2, height - 10, 0.5, 1, 13, FALSE);
  draw_vertical_text (cr, "Isolation probability", 12, (axes.top + axes.bottom) / 2, 13);

  draw_events (cr, timeline, &axes, labels, lanes_top);
  for (int e = 0; e < N_EVENTS; e++)
    g_free (labels[e].text);
}

/* Files */

static cairo_status_t
append_bytes (void                *closure,
              const unsigned char *data,
              unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
write_file (const char *dir,
            const char *name,
            const char *data,
            gsize       length,
            GError    **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) local_error = NULL;

  if (!g_file_set_contents (path, data, (gssize) length, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code, "Cannot write %s: %s", path,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_surface (cairo_surface_t *surface,
               cairo_status_t   status,
               const char      *dir,
               const char      *name,
               GError         **error)
{
  g_autofree char *path = NULL;

  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  path = g_build_filename (dir, name, NULL);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot draw %s: %s", path,
               cairo_status_to_string (status));
  return FALSE;
}

static cairo_status_t
render (cairo_surface_t *surface,
        PlotDraw         draw,
        gconstpointer    data,
        int              width,
        int              height)
{
  cairo_t *cr = cairo_create (surface);
  cairo_status_t status;

  draw (cr, data, width, height);
  status = cairo_status (cr);
  cairo_destroy (cr);
  return status;
}

static gboolean
write_svg (const char   *dir,
           const char   *stem,
           PlotDraw      draw,
           gconstpointer data,
           int           width,
           int           height,
           GError      **error)
{
  g_autofree char *name = g_strconcat (stem, ".svg", NULL);
  g_autoptr(GByteArray) svg = g_byte_array_new ();
  cairo_surface_t *surface = cairo_svg_surface_create_for_stream (append_bytes, svg, width,
                                                                  height);
  cairo_status_t status;
  gboolean ok;

  /* cairo 1.16 sizes SVG documents in points by default; the plots are laid out in pixels. */
  cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PX);
  status = render (surface, draw, data, width, height);
  cairo_surface_finish (surface);
  ok = check_surface (surface, status, dir, name, error);
  cairo_surface_destroy (surface);
  return ok && write_file (dir, name, (const char *) svg->data, svg->len, error);
}

static gboolean
write_png (const char   *dir,
           const char   *stem,
           PlotDraw      draw,
           gconstpointer data,
           int           width,
           int           height,
           GError      **error)
{
  g_autofree char *name = g_strconcat (stem, ".png", NULL);
  g_autoptr(GByteArray) png = g_byte_array_new ();
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_status_t status;
  gboolean ok;

  status = render (surface, draw, data, width, height);
  if (status == CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_flush (surface);
      status = cairo_surface_write_to_png_stream (surface, append_bytes, png);
    }
  ok = check_surface (surface, status, dir, name, error);
  cairo_surface_destroy (surface);
  return ok && write_file (dir, name, (const char *) png->data, png->len, error);
}

static gboolean
write_plot (const char   *dir,
            const char   *stem,
            PlotDraw      draw,
            gconstpointer data,
            int           width,
            int           height,
            GError      **error)
{
  return write_svg (dir, stem, draw, data, width, height, error)
         && write_png (dir, stem, draw, data, width, height, error);
}

static gboolean
remove_stale (const char *dir,
              const char *stem,
              GError    **error)
{
  static const char *const extensions[] = { ".svg", ".png" };

  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    {
      g_autofree char *name = g_strconcat (stem, extensions[i], NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_remove (path) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       "Cannot remove %s, left by an earlier report: %s", path,
                       g_strerror (saved_errno));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
pm_e2e_report_write (const PmE2eReport *report,
                     const char        *dir,
                     const char        *command,
                     GError           **error)
{
  PmE2eMetrics metrics[PM_E2E_N_POLICIES];
  g_autofree char *markdown = NULL;

  g_return_val_if_fail (report != NULL, FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (command != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_mkdir_with_parents (dir, 0777) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Cannot create the report folder %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (!write_plot (dir, PM_E2E_REPORT_AVAILABILITY, draw_availability, report,
                   AVAILABILITY_WIDTH, AVAILABILITY_HEIGHT, error))
    return FALSE;
  if (report->timeline != NULL)
    {
      if (!write_plot (dir, PM_E2E_REPORT_TIMELINE, draw_timeline, report->timeline,
                       TIMELINE_WIDTH, TIMELINE_HEIGHT, error))
        return FALSE;
    }
  else if (!remove_stale (dir, PM_E2E_REPORT_TIMELINE, error))
    {
      return FALSE;
    }

  /* Last, so that the report never links a plot that is not there. */
  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    pm_e2e_tally_compute (&report->tally[p], p, &metrics[p]);
  markdown = build_markdown (report, metrics, command);
  return write_file (dir, PM_E2E_REPORT_MARKDOWN, markdown, strlen (markdown), error);
}
