/* pm-nab.c: the Numenta Anomaly Benchmark's scoring rules, implemented from their published
 * description (Lavin & Ahmad 2015, and the benchmark's README):
 *
 * - Rows before min(15 % of the file, 750) are a probation period and are not scored.
 * - Inside a window (left..right, width w rows) a detection at row i has the relative position
 *   y = -(right - i + 1) / w, from -1 at the left edge to about 0 at the right, and is worth
 *   tp_weight · σ(y) / σ(-1) with σ(y) = 2 / (1 + e^(5y)) - 1. Only the best, i.e. the earliest,
 *   detection in a window counts; a window without one costs fn_weight.
 * - Outside the windows every detection adds fp_weight · σ(y), which is negative there, with
 *   y = (i - right) / (w - 1) relative to the preceding window, and σ = -1 before the first
 *   window or from y = 3 on: a detection just after a window is nearly forgiven.
 * - One threshold per profile, the one that maximises the summed score over all files.
 * - Normalised score = 100 (raw - null) / (perfect - null): the null detector never fires
 *   (-fn_weight per scorable window); the perfect one fires at every window's left edge
 *   (tp_weight per labelled window).
 *
 * The optimiser sorts all scored rows once and sweeps the threshold down through every distinct
 * score, keeping each window's best detection, so the whole corpus costs O(n log n).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-nab.h"

#include <gio/gio.h>
#include <math.h>

typedef struct
{
  double score;  /* +inf for NAN: always a detection */
  double base;   /* σ term: weighted by tp_weight inside a window, by fp_weight outside */
  gint   window; /* corpus-wide window index, -1 outside every window */
} Row;

typedef struct
{
  char *name;
  guint n_rows;
  guint first_window; /* corpus-wide index of its first window */
  guint n_windows;
  guint first_row;    /* index in rows of its first scored row */
  guint n_scored;
} File;

struct _PmNabScorer
{
  GArray *files;    /* File */
  GArray *rows;     /* Row: every scored row of every file, file after file */
  GArray *scorable; /* gboolean per corpus window: has a row after probation */
  GArray *sorted;   /* guint indices into rows by decreasing score; NULL when stale */
};

static void
file_clear (gpointer data)
{
  File *file = data;

  g_clear_pointer (&file->name, g_free);
}

guint
pm_nab_probation_rows (guint n_rows)
{
  return MIN ((guint) floor (PM_NAB_PROBATION_FRACTION * n_rows), PM_NAB_PROBATION_MAX_ROWS);
}

double
pm_nab_scaled_sigmoid (double position)
{
  if (position >= 3.0)
    return -1.0;
  return 2.0 / (1.0 + exp (5.0 * position)) - 1.0;
}

PmNabScorer *
pm_nab_scorer_new (void)
{
  PmNabScorer *self = g_new0 (PmNabScorer, 1);

  self->files = g_array_new (FALSE, TRUE, sizeof (File));
  g_array_set_clear_func (self->files, file_clear);
  self->rows = g_array_new (FALSE, FALSE, sizeof (Row));
  self->scorable = g_array_new (FALSE, TRUE, sizeof (gboolean));
  return self;
}

void
pm_nab_scorer_free (PmNabScorer *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->files);
  g_array_unref (self->rows);
  g_array_unref (self->scorable);
  g_clear_pointer (&self->sorted, g_array_unref);
  g_free (self);
}

gboolean
pm_nab_scorer_add_file (PmNabScorer       *self,
                        const char        *name,
                        const double      *scores,
                        guint              n_rows,
                        const PmNabWindow *windows,
                        guint              n_windows,
                        GError           **error)
{
  const double max_tp = pm_nab_scaled_sigmoid (-1.0);
  guint probation = pm_nab_probation_rows (n_rows);
  guint first_window = self->scorable->len;
  File file = { 0 };
  guint w = 0;
  gint prev = -1;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (scores != NULL || n_rows == 0, FALSE);
  g_return_val_if_fail (windows != NULL || n_windows == 0, FALSE);

  for (guint k = 0; k < n_windows; k++)
    if (windows[k].left > windows[k].right || windows[k].right >= n_rows
        || (k > 0 && windows[k].left <= windows[k - 1].right))
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "%s: window %u (rows %u–%u) %s", name, k, windows[k].left,
                     windows[k].right,
                     windows[k].left > windows[k].right ? "ends before it starts"
                     : windows[k].right >= n_rows ? "reaches past the last row"
                     : "overlaps or precedes the previous window");
        return FALSE;
      }

  file.name = g_strdup (name);
  file.n_rows = n_rows;
  file.first_window = first_window;
  file.n_windows = n_windows;
  file.first_row = self->rows->len;
  g_array_set_size (self->scorable, first_window + n_windows);

  for (guint i = 0; i < n_rows; i++)
    {
      gboolean inside = w < n_windows && i >= windows[w].left;
      Row row;

      if (inside)
        {
          double width = windows[w].right - windows[w].left + 1.0;

          row.base = pm_nab_scaled_sigmoid (-(windows[w].right - i + 1.0) / width) / max_tp;
          row.window = (gint) (first_window + w);
        }
      else if (prev < 0)
        {
          row.base = -1.0;
          row.window = -1;
        }
      else
        {
          /* NAB divides by (width - 1); a one-row window would divide by zero there. */
          double span = MAX (windows[prev].right - windows[prev].left, 1u);

          row.base = pm_nab_scaled_sigmoid ((i - windows[prev].right) / span);
          row.window = -1;
        }

      if (inside && i == windows[w].right)
        prev = (gint) w++;

      if (i < probation)
        continue;
      row.score = isnan (scores[i]) ? INFINITY : scores[i];
      if (row.window >= 0)
        g_array_index (self->scorable, gboolean, row.window) = TRUE;
      g_array_append_val (self->rows, row);
    }

  file.n_scored = self->rows->len - file.first_row;
  g_array_append_val (self->files, file);
  g_clear_pointer (&self->sorted, g_array_unref);
  return TRUE;
}

guint
pm_nab_scorer_get_n_files (PmNabScorer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->files->len;
}

const char *
pm_nab_scorer_get_file_name (PmNabScorer *self,
                             guint        file)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (file < self->files->len, NULL);

  return g_array_index (self->files, File, file).name;
}

static int
compare_rows_cb (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  const Row *rows = user_data;
  double x = rows[*(const guint *) a].score;
  double y = rows[*(const guint *) b].score;

  return (x < y) - (x > y);
}

/* Fills in everything but threshold and raw for the windows first..first+n. */
static void
result_init (PmNabScorer        *self,
             const PmNabProfile *profile,
             guint               first_window,
             guint               n_windows,
             PmNabResult        *out)
{
  guint scorable = 0;

  for (guint w = first_window; w < first_window + n_windows; w++)
    scorable += g_array_index (self->scorable, gboolean, w);

  *out = (PmNabResult) { 0 };
  out->windows = n_windows;
  out->null_raw = -profile->fn_weight * scorable;
  out->perfect_raw = profile->tp_weight * n_windows;
}

static void
result_finish (PmNabResult *out)
{
  out->normalised = out->perfect_raw != out->null_raw
                    ? 100.0 * (out->raw - out->null_raw) / (out->perfect_raw - out->null_raw)
                    : NAN;
}

static void
score_rows_at (PmNabScorer        *self,
               const PmNabProfile *profile,
               double              threshold,
               guint               first_row,
               guint               n_rows,
               guint               first_window,
               guint               n_windows,
               PmNabResult        *out)
{
  g_autofree double *best = g_new (double, MAX (n_windows, 1));
  double fp = 0;

  result_init (self, profile, first_window, n_windows, out);
  out->threshold = threshold;
  for (guint w = 0; w < n_windows; w++)
    best[w] = -INFINITY;

  for (guint i = first_row; i < first_row + n_rows; i++)
    {
      const Row *row = &g_array_index (self->rows, Row, i);

      if (!(row->score >= threshold))
        continue;
      if (row->window < 0)
        {
          fp += profile->fp_weight * row->base;
          out->false_positives++;
        }
      else
        {
          double *b = &best[(guint) row->window - first_window];

          *b = MAX (*b, profile->tp_weight * row->base);
        }
    }

  out->raw = fp + out->null_raw;
  for (guint w = 0; w < n_windows; w++)
    if (best[w] > -INFINITY)
      {
        out->raw += best[w] + profile->fn_weight;
        out->detected++;
      }
  result_finish (out);
}

void
pm_nab_scorer_score_at (PmNabScorer        *self,
                        const PmNabProfile *profile,
                        double              threshold,
                        PmNabResult        *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (profile != NULL);
  g_return_if_fail (out != NULL);

  score_rows_at (self, profile, threshold, 0, self->rows->len, 0, self->scorable->len, out);
}

void
pm_nab_scorer_score_file_at (PmNabScorer        *self,
                             guint               file,
                             const PmNabProfile *profile,
                             double              threshold,
                             PmNabResult        *out)
{
  const File *f;

  g_return_if_fail (self != NULL);
  g_return_if_fail (file < self->files->len);
  g_return_if_fail (profile != NULL);
  g_return_if_fail (out != NULL);

  f = &g_array_index (self->files, File, file);
  score_rows_at (self, profile, threshold, f->first_row, f->n_scored, f->first_window,
                 f->n_windows, out);
}

/* Adds one detection to a running total: the window keeps its best detection only. */
static void
sweep_add (const Row          *row,
           const PmNabProfile *profile,
           double             *best_tp,
           double             *total)
{
  double value, *best;

  if (row->window < 0)
    {
      *total += profile->fp_weight * row->base;
      return;
    }
  value = profile->tp_weight * row->base;
  best = &best_tp[row->window];
  if (*best == -INFINITY)
    *total += value + profile->fn_weight;
  else if (value > *best)
    *total += value - *best;
  *best = MAX (*best, value);
}

void
pm_nab_scorer_optimise (PmNabScorer        *self,
                        const PmNabProfile *profile,
                        PmNabResult        *out)
{
  g_autofree double *best_tp = NULL;
  const Row *rows;
  const guint *order;
  guint n, i = 0;
  double total, best, best_threshold = PM_NAB_THRESHOLD_NONE;

  g_return_if_fail (self != NULL);
  g_return_if_fail (profile != NULL);
  g_return_if_fail (out != NULL);

  n = self->rows->len;
  rows = (const Row *) (void *) self->rows->data;
  if (self->sorted == NULL)
    {
      self->sorted = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
      for (guint k = 0; k < n; k++)
        g_array_append_val (self->sorted, k);
      g_array_sort_with_data (self->sorted, compare_rows_cb, (gpointer) rows);
    }
  order = (const guint *) (void *) self->sorted->data;

  result_init (self, profile, 0, self->scorable->len, out);
  best_tp = g_new (double, MAX (self->scorable->len, 1));
  for (guint w = 0; w < self->scorable->len; w++)
    best_tp[w] = -INFINITY;
  total = out->null_raw;

  /* NAN rows (stored as +inf) fire at every threshold: they belong to the "never fires" state,
   * whose threshold lies above every finite score. */
  while (i < n && rows[order[i]].score == INFINITY)
    sweep_add (&rows[order[i++]], profile, best_tp, &total);
  if (i < n && rows[order[i]].score >= best_threshold)
    best_threshold = nextafter (rows[order[i]].score, INFINITY);
  best = total;

  /* Sweep the threshold down through every distinct score: once all rows of one score are in,
   * total is the summed score at that threshold. Ties keep the highest threshold, as NAB. */
  while (i < n)
    {
      double score = rows[order[i]].score;

      while (i < n && rows[order[i]].score == score)
        sweep_add (&rows[order[i++]], profile, best_tp, &total);
      if (total > best)
        {
          best = total;
          best_threshold = score;
        }
    }

  /* Recount at the chosen threshold for exact counts and a raw free of summation drift. */
  score_rows_at (self, profile, best_threshold, 0, n, 0, self->scorable->len, out);
}
