/* test-eval-export.c: `premirror-eval --export DIR` and the replay of what it wrote
 * (`--source csv:…` with --truth and --events): the same report as the simulator run, byte for
 * byte; an export never overwritten and never complete-looking when interrupted; usage errors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pm-test-util.h"

static const char tiny_geojson[] =
  "{'type': 'FeatureCollection', 'name': 'tiny', 'features': ["
  "{'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [4.9, 52.4]},"
  " 'properties': {'id': 'ams', 'role': 'origin'}},"
  "{'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [8.7, 50.1]},"
  " 'properties': {'id': 'fra', 'role': 'edge'}},"
  "{'type': 'Feature', 'geometry': {'type': 'LineString',"
  " 'coordinates': [[4.9, 52.4], [8.7, 50.1]]},"
  " 'properties': {'id': 'ams-fra', 'a': 'ams', 'b': 'fra'}}"
  "]}";

static void
assert_run (const PmTestRun *run,
            int              status)
{
  if (run->status != status)
    g_error ("exit status %d, expected %d; stderr: %s", run->status, status, run->err);
}

static gint64
partitions_of (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = json_from_string (json, &error);

  g_assert_no_error (error);
  return json_object_get_int_member (json_node_get_object (root), "partitions");
}

/* The promise: replaying an export gives the simulator run's report, here on a real
 * topology, one day, with the alerts written as well. */
static void
test_export_replays_identically (void)
{
  g_autofree char *topology = pm_test_shared_data_path ("topologies/abilene.geojson");
  g_autofree char *tmp = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sim_alerts = NULL;
  g_autofree char *csv_alerts = NULL;
  g_autofree char *sim_alerts_text = NULL;
  g_autofree char *csv_alerts_text = NULL;
  g_auto(PmTestRun) exported = { 0 };
  g_auto(PmTestRun) simulated = { 0 };
  g_auto(PmTestRun) explicit = { 0 };
  g_auto(PmTestRun) folder = { 0 };
  const char *names[] = { "metrics.csv", "truth.json", "maintenance.ics", "weather.geojson",
                          "topology.geojson" };
  g_autofree char *metrics = NULL, *truth = NULL, *ics = NULL, *cap = NULL;

  if (topology == NULL)
    return;
  tmp = pm_test_make_temp_dir ();
  dir = g_build_filename (tmp, "scenario", "seed-7", NULL);  /* created with its parents */
  sim_alerts = g_build_filename (tmp, "sim-alerts.jsonl", NULL);
  csv_alerts = g_build_filename (tmp, "csv-alerts.jsonl", NULL);

  pm_test_run_program (&exported, "PM_PREMIRROR_EVAL", "--topology", topology, "--seed", "7",
                       "--days", "1", "--export", dir, NULL);
  assert_run (&exported, 0);
  pm_test_assert_contains (exported.out, "Exported seed 7");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_build_filename (dir, names[i], NULL);
      g_autofree char *part = g_strconcat (file, ".part", NULL);

      g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
      g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
    }
  path = g_build_filename (dir, "metrics.csv", NULL);
  {
    g_autofree char *text = pm_test_read_text (path);
    /* A day of history and the scored day, every 10 s, for every segment, after the header. */
    guint lines = 0;

    for (const char *p = text; *p != '\0'; p++)
      lines += *p == '\n';
    g_assert_true (g_str_has_prefix (text, "timestamp,segment,latency_ms,jitter_ms,loss_ratio\n"
                                           "1767484800,"));
    g_assert_cmpuint ((lines - 1) % (2 * 8640), ==, 0);
  }

  pm_test_run_program (&simulated, "PM_PREMIRROR_EVAL", "--topology", topology, "--seed", "7",
                       "--days", "1", "--tune-seeds", "1", "--json", "--alerts", sim_alerts,
                       NULL);
  assert_run (&simulated, 0);
  g_assert_cmpint (partitions_of (simulated.out), >, 0);

  /* Each file named, the range given as the defaults would choose it. */
  metrics = g_build_filename (dir, "metrics.csv", NULL);
  truth = g_build_filename (dir, "truth.json", NULL);
  ics = g_build_filename (dir, "maintenance.ics", NULL);
  cap = g_build_filename (dir, "weather.geojson", NULL);
  {
    g_autofree char *source = g_strconcat ("csv:", metrics, NULL);

    pm_test_run_program (&explicit, "PM_PREMIRROR_EVAL", "--topology", topology, "--source",
                         source, "--truth", truth, "--events", cap, "--events", ics,
                         "--from", "2026-01-05T00:00:00Z", "--to", "1767657600",
                         "--tune-seeds", "1", "--json", "--alerts", csv_alerts, NULL);
  }
  assert_run (&explicit, 0);
  g_assert_cmpstr (explicit.out, ==, simulated.out);
  sim_alerts_text = pm_test_read_text (sim_alerts);
  csv_alerts_text = pm_test_read_text (csv_alerts);
  g_assert_cmpstr (csv_alerts_text, ==, sim_alerts_text);

  /* The folder alone: metrics, truth, feeds and topology found there. */
  {
    g_autofree char *source = g_strconcat ("csv:", dir, NULL);

    pm_test_run_program (&folder, "PM_PREMIRROR_EVAL", "--source", source, "--tune-seeds", "1",
                         "--json", NULL);
  }
  assert_run (&folder, 0);
  g_assert_cmpstr (folder.out, ==, simulated.out);
  g_assert_cmpstr (folder.err, ==, "");
}

static void
test_export_never_overwrites (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *truth = g_build_filename (dir, "truth.json", NULL);
  g_auto(PmTestRun) run = { 0 };
  g_autofree char *kept = NULL;

  g_assert_true (g_file_set_contents (truth, "{\"partitions\": []}", -1, NULL));
  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--seed", "3", "--days", "1", "--export", dir,
                       NULL);
  assert_run (&run, 1);
  pm_test_assert_contains (run.err, "truth.json already exists");
  kept = pm_test_read_text (truth);
  g_assert_cmpstr (kept, ==, "{\"partitions\": []}");
}

/* Killed while writing the metrics: nothing under its final name, so the folder cannot pass
 * for a finished export. */
static void
test_export_interrupted (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *topology = pm_test_write_temp_json ("tiny.geojson", tiny_geojson);
  g_autofree char *part = g_build_filename (dir, "metrics.csv.part", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = g_strconcat ("csv:", dir, NULL);
  g_auto(PmTestRun) replay = { 0 };
  const char *names[] = { "metrics.csv", "truth.json", "maintenance.ics", "weather.geojson",
                          "topology.geojson" };
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, g_getenv ("PM_PREMIRROR_EVAL"), "--topology", topology,
                              "--seed", "3", "--days", "100", "--export", dir, NULL);
  g_assert_no_error (error);
  while (!g_file_test (part, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    g_usleep (2000);
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));
  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_if_exited (process));

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_build_filename (dir, names[i], NULL);
      g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
    }
  pm_test_run_program (&replay, "PM_PREMIRROR_EVAL", "--source", source, NULL);
  g_assert_cmpint (replay.status, !=, 0);
}

static void
test_csv_replay_errors (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *topology = pm_test_write_temp_json ("tiny.geojson", tiny_geojson);
  g_autofree char *truth = g_build_filename (dir, "truth.json", NULL);
  g_autofree char *metrics = g_build_filename (dir, "metrics.csv", NULL);
  g_autofree char *bad_feed = g_build_filename (dir, "feed.txt", NULL);
  g_autofree char *source = g_strconcat ("csv:", metrics, NULL);
  const struct
  {
    const char *args[12];
    int         status;
    const char *message;
  } cases[] = {
    { { "--source", "csv:/nowhere.csv" }, 2, "needs --truth FILE" },
    { { "--source", "csv:" }, 2, "csv: needs a file" },
    { { "--seed", "3", "--from", "0" }, 2, "--from applies to recorded data" },
    { { "--seed", "3", "--events", bad_feed }, 2, "--events applies to recorded data" },
    { { "--seeds", "1-2", "--export", dir }, 2, "one seed" },
    { { "--seed", "3", "--export", dir, "--json" }, 2, "--export only writes" },
    { { "--source", source, "--export", dir }, 2, "--export writes simulator scenarios" },
    { { "--source", source, "--truth", truth, "--days", "2" }, 2, "--days applies" },
    { { "--source", source, "--truth", truth, "--from", "monday" }, 2, "--from “monday”" },
    { { "--topology", topology, "--source", source, "--truth", truth, "--from", "1767484800",
        "--to", "1767485400" }, 1, "metrics.csv:3: field “segment”: unknown segment “ams-ber”" },
    { { "--topology", topology, "--source", source, "--truth", truth, "--events", bad_feed }, 1,
      "feed.txt: not an event feed" },
    { { "--topology", topology, "--source", source, "--truth", truth, "--from", "1767571200",
        "--to", "1767571200" }, 1, "nothing to score" },
  };

  g_assert_true (g_file_set_contents (truth, "{\"partitions\": []}", -1, NULL));
  g_assert_true (g_file_set_contents (bad_feed, "not a feed", -1, NULL));
  g_assert_true (g_file_set_contents (metrics, "timestamp,segment,latency_ms,jitter_ms,loss_ratio\n"
                                      "1767484800,ams-fra,1,1,0\n"
                                      "1767484810,ams-ber,1,1,0\n", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(PmTestRun) run = { 0 };
      const char *const *a = cases[i].args;

      pm_test_run_program (&run, "PM_PREMIRROR_EVAL", a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                           a[7], a[8], a[9], a[10], a[11], NULL);
      g_test_message ("case %u: %s", i, run.err);
      g_assert_cmpint (run.status, ==, cases[i].status);
      g_assert_true (g_str_has_prefix (run.err, "premirror-eval: "));
      pm_test_assert_contains (run.err, cases[i].message);
      g_assert_cmpstr (run.out, ==, "");
    }
}

/* Recorded data is rarely tidy: rows out of time order are still replayed, and said so. */
static void
test_csv_replay_out_of_order (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *topology = pm_test_write_temp_json ("tiny.geojson", tiny_geojson);
  g_autofree char *truth = g_build_filename (dir, "truth.json", NULL);
  g_autofree char *metrics = g_build_filename (dir, "metrics.csv", NULL);
  g_autofree char *source = g_strconcat ("csv:", metrics, NULL);
  g_autoptr(GString) rows = g_string_new ("timestamp,segment,latency_ms,jitter_ms,loss_ratio\n");
  g_autofree char *expected = g_strdup_printf ("%s:5: 1 row older than the row before", metrics);
  g_auto(PmTestRun) run = { 0 };

  for (int i = 0; i < 60; i++)
    g_string_append_printf (rows, "%d,ams-fra,8.5,0.2,%s\n", 1767571200 + (i == 3 ? 1 : i) * 10,
                            i % 7 == 0 ? "" : "0.001");
  g_assert_true (g_file_set_contents (truth, "{\"partitions\": [{\"segment\": \"ams-fra\", "
                                      "\"start\": 1767571500, \"end\": 1767571800, "
                                      "\"kind\": \"sudden\", \"foreseeable\": false}]}",
                                      -1, NULL));
  g_assert_true (g_file_set_contents (metrics, rows->str, -1, NULL));
  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--topology", topology, "--source", source,
                       "--truth", truth, "--from", "1767571200", "--to", "1767571800",
                       "--tune-seeds", "1", "--json", NULL);
  assert_run (&run, 0);
  g_assert_cmpint (partitions_of (run.out), ==, 1);
  pm_test_assert_contains (run.err, expected);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/eval-export/replays-identically", test_export_replays_identically);
  g_test_add_func ("/eval-export/never-overwrites", test_export_never_overwrites);
  g_test_add_func ("/eval-export/interrupted", test_export_interrupted);
  g_test_add_func ("/eval-export/csv-replay-errors", test_csv_replay_errors);
  g_test_add_func ("/eval-export/csv-replay-out-of-order", test_csv_replay_out_of_order);
  return g_test_run ();
}
