/* test-eval-e2e-report.c: `premirror-eval --e2e --report DIR`: report.md with its figures and
 * undefined ones, plots that load with their sizes, the timeline only when there is one, and
 * errors that name the path.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <cairo.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "pm-eval-e2e-report.h"
#include "pm-test-util.h"

#define COMMAND "premirror-eval --e2e --seed 7 --report out"
#define T0      1709640000 /* 2024-03-05 12:00 UTC */

typedef struct
{
  double cut_off_served;
  double cut_off_foreseeable_served;
  double served;
  double bytes;
  double replica_hours;
  double latency_ms;
} Figures;

/* Every policy sees the same 10 000 requests, 1000 of them cut off, 600 by foreseeable
 * partitions. */
static void
fill_tally (PmE2eTally    *tally,
            const Figures *figures)
{
  tally->requests = 10000;
  tally->served = figures->served;
  tally->cut_off = 1000;
  tally->cut_off_served = figures->cut_off_served;
  tally->cut_off_foreseeable = 600;
  tally->cut_off_foreseeable_served = figures->cut_off_foreseeable_served;
  tally->bytes_replicated = figures->bytes;
  tally->replica_seconds = figures->replica_hours * 3600;
  tally->latency_hist[(guint) (figures->latency_ms / PM_E2E_LATENCY_BIN_MS)] = figures->served;
}

static void
add_run (PmE2eReport *report,
         const char  *topology,
         guint64      seed,
         double       premirror_share,
         double       premirror_bytes)
{
  PmE2eRun run = { g_strdup (topology), seed, 5, 3 };

  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    run.metrics[p] = (PmE2eMetrics){ 0.5, 0.4, 0.99, 1, 2, 1e9, 1, NAN };
  /* Nobody was cut off by a foreseeable partition behind the origin-only figure. */
  run.metrics[PM_E2E_ORIGIN_ONLY].served_cut_off_foreseeable = NAN;
  run.metrics[PM_E2E_ORIGIN_ONLY].bytes_replicated = 0;
  run.metrics[PM_E2E_MIRROR_ALL].served_cut_off_foreseeable = 0.99;
  run.metrics[PM_E2E_MIRROR_ALL].bytes_replicated = 24e9;
  run.metrics[PM_E2E_PREMIRROR].served_cut_off_foreseeable = premirror_share;
  run.metrics[PM_E2E_PREMIRROR].bytes_replicated = premirror_bytes;
  g_array_append_val (report->runs, run);
}

static PmE2eTimeline *
make_timeline (void)
{
  PmE2eTimeline *timeline = g_new0 (PmE2eTimeline, 1);

  timeline->topology = g_strdup ("abilene");
  timeline->seed = 7;
  timeline->users_site = g_strdup ("Denver");
  timeline->target_site = g_strdup ("Kansas City");
  timeline->resource = g_strdup ("tiles-eu");
  timeline->from_s = T0;
  timeline->to_s = T0 + 4 * 3600;
  timeline->isolation = g_array_new (FALSE, FALSE, sizeof (PmE2ePoint));
  for (gint64 t = timeline->from_s; t <= timeline->to_s; t += 60)
    {
      /* Rising towards the cut at 14:30, falling after it ends at 15:10. */
      double rise = 1 / (1 + exp (-(double) (t - (T0 + 5700)) / 600));
      double fall = 1 / (1 + exp ((double) (t - (T0 + 11000)) / 400));
      PmE2ePoint point = { t, 0.02 + 0.95 * rise * fall };

      /* A minute without a prediction. */
      if (t == T0 + 1800)
        point.value = NAN;
      g_array_append_val (timeline->isolation, point);
    }
  timeline->threshold = 0.6;
  timeline->proposed_at = T0 + 6000;
  timeline->transfer_start = T0 + 6060;
  timeline->transfer_end = T0 + 6720;
  timeline->routed_at = T0 + 6780;
  timeline->reactive_at = T0 + 9040;
  timeline->cut_start = T0 + 9000;
  timeline->cut_end = T0 + 11400;
  return timeline;
}

static void
make_report (PmE2eReport *report,
             gboolean     with_timeline)
{
  static const Figures figures[PM_E2E_N_POLICIES] = {
    [PM_E2E_ORIGIN_ONLY] = { 0, 0, 9000, 0, 0, 0 },
    [PM_E2E_REACTIVE] = { 400, 240, 9400, 2.5e9, 10, 3 },
    /* Served short of everything by a hair: never shown as 100%. */
    [PM_E2E_MIRROR_ALL] = { 990, 594, 9999.99, 48e9, 1234, 2 },
    [PM_E2E_PREMIRROR] = { 700, 585, 9700, 2.5e9, 36.5, 4 },
  };

  pm_e2e_report_init (report);
  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    fill_tally (&report->tally[p], &figures[p]);
  report->tally[PM_E2E_PREMIRROR].deadlines = 40;
  report->tally[PM_E2E_PREMIRROR].missed_deadlines = 2;
  report->partitions = 10;
  report->foreseeable = 6;
  add_run (report, "abilene", 7, 0.96, 1e9);
  /* A name that would break a Markdown table, from a recorded replay. */
  add_run (report, "geant|2024", 0, 0.99, 1.5e9);
  if (with_timeline)
    report->timeline = make_timeline ();
}

static void
assert_png (const char *dir,
            const char *name,
            int         width,
            int         height)
{
  static const char signature[] = "\x89PNG\r\n\x1a\n";
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;
  cairo_surface_t *image;

  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 8);
  g_assert_cmpmem (data, 8, signature, 8);

  image = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (image), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (image), ==, width);
  g_assert_cmpint (cairo_image_surface_get_height (image), ==, height);
  cairo_surface_destroy (image);
}

static void
assert_svg (const char *dir,
            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *svg = pm_test_read_text (path);

  g_assert_true (g_str_has_prefix (svg, "<?xml"));
  pm_test_assert_contains (svg, "<svg");
  pm_test_assert_contains (svg, "</svg>");
}

/* The policy table's row of Premirror, built from the figures as the report formats them. */
static char *
premirror_row (const PmE2eReport *report)
{
  PmE2eMetrics metrics;
  char p50[G_ASCII_DTOSTR_BUF_SIZE];
  char p99[G_ASCII_DTOSTR_BUF_SIZE];

  pm_e2e_tally_compute (&report->tally[PM_E2E_PREMIRROR], PM_E2E_PREMIRROR, &metrics);
  g_ascii_formatd (p50, sizeof p50, "%.1f", metrics.latency_p50_ms);
  g_ascii_formatd (p99, sizeof p99, "%.1f", metrics.latency_p99_ms);
  return g_strdup_printf ("| Premirror | 70.0%% | 97.5%% | 97.000%% | %s | %s | 2.50 GB | 36.5 "
                          "| 2 of 40 |", p50, p99);
}

static void
test_report_files (void)
{
  g_auto(PmE2eReport) report = { 0 };
  g_autofree char *tmp = pm_test_make_temp_dir ();
  /* Parents are created. */
  g_autofree char *dir = g_build_filename (tmp, "reports", "e2e", NULL);
  g_autofree char *md_path = g_build_filename (dir, PM_E2E_REPORT_MARKDOWN, NULL);
  g_autofree char *md = NULL;
  g_autofree char *row = NULL;
  g_autoptr(GError) error = NULL;

  make_report (&report, TRUE);
  g_assert_true (pm_e2e_report_write (&report, dir, COMMAND, &error));
  g_assert_no_error (error);

  md = pm_test_read_text (md_path);
  pm_test_assert_contains (md, "```sh\n" COMMAND "\n```");
  pm_test_assert_contains (md, "2 runs, 10 partitions starting in the scored ranges, 6 of them "
                               "foreseeable");
  for (int p = 0; p < PM_E2E_N_POLICIES; p++)
    pm_test_assert_contains (md, pm_e2e_policy_title (p));

  /* The pooled figures, row by row, undefined ones as a dash. */
  pm_test_assert_contains (md, "| Origin only | 0.0% | 0.0% | 90.000% |");
  pm_test_assert_contains (md, "| 0 B | 0.0 | — |");
  pm_test_assert_contains (md, "| Reactive failover | 40.0% | 40.0% | 94.000% |");
  pm_test_assert_contains (md, "| 2.50 GB | 10.0 | — |");
  pm_test_assert_contains (md, "| Mirror everything | 99.0% | 99.0% | >99.999% |");
  pm_test_assert_contains (md, "| 48.0 GB | 1234 | — |");
  row = premirror_row (&report);
  pm_test_assert_contains (md, row);

  /* The comparisons, from the pooled figures. */
  pm_test_assert_contains (md, "Premirror ÷ Mirror everything: **0.985**");
  pm_test_assert_contains (md, "Bytes replicated, Premirror ÷ Mirror everything: **0.0521**");
  pm_test_assert_contains (md, "Premirror − Reactive failover: **+57.5 percentage points**");

  /* The runs: a pipe in a name escaped, a recorded replay named so, a run without foreseeable
   * cut-offs undefined. */
  pm_test_assert_contains (md, "| abilene | 7 | 5 (3) | — · 0 B | 40.0% · 1.00 GB "
                               "| 99.0% · 24.0 GB | 96.0% · 1.00 GB |");
  pm_test_assert_contains (md, "| geant\\|2024 | recorded | 5 (3) |");
  pm_test_assert_contains (md, "| 99.0% · 1.50 GB |");

  pm_test_assert_contains (md, "](availability-vs-bytes.svg)");
  pm_test_assert_contains (md, "](timeline.svg)");
  pm_test_assert_contains (md, "Denver");

  assert_png (dir, "availability-vs-bytes.png", 800, 500);
  assert_png (dir, "timeline.png", 900, 450);
  assert_svg (dir, "availability-vs-bytes.svg");
  assert_svg (dir, "timeline.svg");
}

static void
test_report_without_timeline (void)
{
  g_auto(PmE2eReport) with = { 0 };
  g_auto(PmE2eReport) without = { 0 };
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *md_path = g_build_filename (dir, PM_E2E_REPORT_MARKDOWN, NULL);
  g_autofree char *md = NULL;
  g_autoptr(GError) error = NULL;
  static const char *const timeline_files[] = { "timeline.svg", "timeline.png" };

  /* A timeline from an earlier report in the same folder does not outlive it. */
  make_report (&with, TRUE);
  g_assert_true (pm_e2e_report_write (&with, dir, COMMAND, &error));
  g_assert_no_error (error);

  make_report (&without, FALSE);
  g_assert_true (pm_e2e_report_write (&without, dir, COMMAND, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (timeline_files); i++)
    {
      g_autofree char *path = g_build_filename (dir, timeline_files[i], NULL);

      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  assert_png (dir, "availability-vs-bytes.png", 800, 500);
  md = pm_test_read_text (md_path);
  g_assert_null (strstr (md, "timeline.svg"));
  g_assert_null (strstr (md, "timeline.png"));
  pm_test_assert_contains (md, "](availability-vs-bytes.svg)");
  pm_test_assert_contains (md, "No timeline");
}

/* An empty report (no runs, nobody cut off, nothing copied) still writes, with dashes. */
static void
test_report_empty (void)
{
  g_auto(PmE2eReport) report = { 0 };
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *md_path = g_build_filename (dir, PM_E2E_REPORT_MARKDOWN, NULL);
  g_autofree char *md = NULL;
  g_autoptr(GError) error = NULL;

  pm_e2e_report_init (&report);
  g_assert_true (pm_e2e_report_write (&report, dir, COMMAND, &error));
  g_assert_no_error (error);

  md = pm_test_read_text (md_path);
  pm_test_assert_contains (md, "| Premirror | — | — | — | — | — | 0 B | 0.0 | 0 of 0 |");
  pm_test_assert_contains (md, "Premirror ÷ Mirror everything: **—**");
  assert_png (dir, "availability-vs-bytes.png", 800, 500);
}

static void
test_report_into_file (void)
{
  g_auto(PmE2eReport) report = { 0 };
  g_autofree char *path = pm_test_write_temp_file ("not-a-folder", "x");
  g_autofree char *below = g_build_filename (path, "report", NULL);
  g_autoptr(GError) error = NULL;

  make_report (&report, TRUE);
  g_assert_false (pm_e2e_report_write (&report, path, COMMAND, &error));
  g_assert_nonnull (error);
  pm_test_assert_contains (error->message, path);
  g_clear_error (&error);

  g_assert_false (pm_e2e_report_write (&report, below, COMMAND, &error));
  g_assert_nonnull (error);
  pm_test_assert_contains (error->message, below);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/eval-e2e-report/files", test_report_files);
  g_test_add_func ("/eval-e2e-report/without-timeline", test_report_without_timeline);
  g_test_add_func ("/eval-e2e-report/empty", test_report_empty);
  g_test_add_func ("/eval-e2e-report/into-file", test_report_into_file);

  return g_test_run ();
}
