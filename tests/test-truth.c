/* test-truth.c: ground-truth JSON: writing, reading back, and errors that point at the culprit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-simulator.h"
#include "pm-test-util.h"
#include "pm-truth.h"

static const char tiny_geojson[] =
  "{\"type\": \"FeatureCollection\", \"name\": \"tiny\", \"features\": ["
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [4.9, 52.4]},"
  " \"properties\": {\"id\": \"ams\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [8.7, 50.1]},"
  " \"properties\": {\"id\": \"fra\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [2.35, 48.86]},"
  " \"properties\": {\"id\": \"par\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
  " \"coordinates\": [[4.9, 52.4], [8.7, 50.1]]},"
  " \"properties\": {\"id\": \"ams-fra\", \"a\": \"ams\", \"b\": \"fra\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
  " \"coordinates\": [[8.7, 50.1], [2.35, 48.86]]},"
  " \"properties\": {\"id\": \"fra-par\", \"a\": \"fra\", \"b\": \"par\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
  " \"coordinates\": [[2.35, 48.86], [4.9, 52.4]]},"
  " \"properties\": {\"id\": \"par-ams\", \"a\": \"par\", \"b\": \"ams\"}}"
  "]}";

static PmTopology *
tiny_topology (void)
{
  return pm_test_topology_from_json (tiny_geojson, "tiny");
}

static void
assert_same_partitions (const GArray *a,
                        const GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const PmPartition *x = &g_array_index (a, PmPartition, i);
      const PmPartition *y = &g_array_index (b, PmPartition, i);

      g_assert_cmpuint (x->segment, ==, y->segment);
      g_assert_cmpint (x->start_s, ==, y->start_s);
      g_assert_cmpint (x->end_s, ==, y->end_s);
      g_assert_cmpint (x->kind, ==, y->kind);
      g_assert_cmpint (x->foreseeable, ==, y->foreseeable);
    }
}

static void
test_kinds (void)
{
  const char *names[] = { "degradation", "weather", "maintenance", "sudden" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      PmPartitionKind kind;

      g_assert_cmpstr (pm_partition_kind_to_string ((PmPartitionKind) i), ==, names[i]);
      g_assert_true (pm_partition_kind_from_string (names[i], &kind));
      g_assert_cmpint (kind, ==, i);
    }
  {
    PmPartitionKind kind = PM_PARTITION_SUDDEN;
    g_assert_false (pm_partition_kind_from_string ("Sudden", &kind));
    g_assert_false (pm_partition_kind_from_string ("", &kind));
    g_assert_false (pm_partition_kind_from_string (NULL, &kind));
    g_assert_cmpint (kind, ==, PM_PARTITION_SUDDEN);
  }
}

static void
test_round_trip (void)
{
  g_autoptr(PmTopology) topology = tiny_topology ();
  g_autoptr(GArray) partitions = g_array_new (FALSE, TRUE, sizeof (PmPartition));
  g_autoptr(GArray) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  g_autofree char *path = NULL;
  const PmPartition entries[] = {
    { 0, 1767571200, 1767574800, PM_PARTITION_DEGRADATION, TRUE },
    { 2, 1767571300, 1767571900, PM_PARTITION_SUDDEN, FALSE },
    { 1, 1767600000, 1767607200, PM_PARTITION_WEATHER, TRUE },
    { 1, -86400, -3600, PM_PARTITION_MAINTENANCE, TRUE },
  };

  g_array_append_vals (partitions, entries, G_N_ELEMENTS (entries));
  json = pm_truth_to_json (topology, partitions);
  g_assert_nonnull (strstr (json, "\"partitions\""));
  g_assert_nonnull (strstr (json, "\"segment\" : \"par-ams\""));
  g_assert_nonnull (strstr (json, "\"kind\" : \"sudden\""));
  g_assert_nonnull (strstr (json, "\"foreseeable\" : false"));
  g_assert_nonnull (strstr (json, "\"start\" : 1767571200"));
  g_assert_nonnull (strchr (json, '\n'));  /* pretty: people diff these files */

  path = pm_test_write_temp_file ("truth.json", json);
  loaded = pm_truth_load_file (topology, path, &error);
  g_assert_no_error (error);
  assert_same_partitions (partitions, loaded);

  again = pm_truth_to_json (topology, loaded);
  g_assert_cmpstr (again, ==, json);
}

static void
test_empty (void)
{
  g_autoptr(PmTopology) topology = tiny_topology ();
  g_autoptr(GArray) none = g_array_new (FALSE, TRUE, sizeof (PmPartition));
  g_autofree char *json = pm_truth_to_json (topology, none);
  g_autofree char *path = pm_test_write_temp_file ("truth.json", json);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) loaded = pm_truth_load_file (topology, path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpuint (loaded->len, ==, 0);
}

/* What other generators may write: no "foreseeable", extra members, integral doubles. */
static void
test_lenient (void)
{
  g_autoptr(PmTopology) topology = tiny_topology ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) loaded = NULL;
  g_autofree char *path = pm_test_write_temp_file (
    "truth.json",
    "{\"generator\": \"other\", \"partitions\": ["
    " {\"segment\": \"fra-par\", \"start\": 100, \"end\": 200, \"kind\": \"weather\","
    "  \"note\": \"storm Ciarán\"},"
    " {\"segment\": \"ams-fra\", \"start\": 1.7675712e9, \"end\": 1767571300.0,"
    "  \"kind\": \"sudden\", \"foreseeable\": false},"
    " {\"segment\": \"par-ams\", \"start\": 5, \"end\": 5, \"kind\": \"maintenance\","
    "  \"foreseeable\": null}"
    "]}");

  loaded = pm_truth_load_file (topology, path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 3);
  g_assert_cmpuint (g_array_index (loaded, PmPartition, 0).segment, ==, 1);
  g_assert_true (g_array_index (loaded, PmPartition, 0).foreseeable);
  g_assert_cmpint (g_array_index (loaded, PmPartition, 1).start_s, ==, 1767571200);
  g_assert_cmpint (g_array_index (loaded, PmPartition, 1).end_s, ==, 1767571300);
  g_assert_false (g_array_index (loaded, PmPartition, 1).foreseeable);
  g_assert_true (g_array_index (loaded, PmPartition, 2).foreseeable);
}

static void
test_errors (void)
{
  g_autoptr(PmTopology) topology = tiny_topology ();
  /* Each malformed file and the words its error must contain besides the file name. */
  const struct
  {
    const char *json;
    const char *expect[3];
  } cases[] = {
    { "{\"partitions\": [", { "not valid JSON", NULL } },
    { "", { "expected an object", NULL } },
    { "[]", { "“partitions” array", NULL } },
    { "{}", { "field “partitions”", "expected an array", NULL } },
    { "{\"partitions\": {}}", { "field “partitions”", NULL } },
    { "{\"partitions\": [42]}", { "partition 0", "expected an object", NULL } },
    { "{\"partitions\": [{\"segment\": \"ams-fra\", \"start\": 1, \"end\": 2,"
      " \"kind\": \"sudden\"}, {\"start\": 1, \"end\": 2, \"kind\": \"sudden\"}]}",
      { "partition 1", "field “segment”", "missing" } },
    { "{\"partitions\": [{\"segment\": 3, \"start\": 1, \"end\": 2, \"kind\": \"sudden\"}]}",
      { "partition 0", "field “segment”", "string" } },
    { "{\"partitions\": [{\"segment\": \"ams-fra\", \"start\": 1, \"end\": 2,"
      " \"kind\": \"sudden\"}, {\"segment\": \"ams-fra\", \"start\": 1, \"end\": 2,"
      " \"kind\": \"sudden\"},"
      " {\"segment\": \"ams-lon\", \"start\": 1, \"end\": 2, \"kind\": \"sudden\"}]}",
      { "partition 2", "field “segment”", "unknown segment “ams-lon”" } },
    { "{\"partitions\": [{\"segment\": \"ams-fra\", \"end\": 2, \"kind\": \"sudden\"}]}",
      { "partition 0", "field “start”", "missing" } },
    { "{\"partitions\": [{\"segment\": \"ams-fra\", \"start\": \"noon\", \"end\": 2,"
      " \"kind\": \"sudden\"}]}",
      { "field “start”", "unix seconds", NULL } },
    { "{\"partitions\": [{\"segment\": \"ams-fra\", \"start\": 1.5, \"end\": 2,"
      " \"kind\": \"sudden\"}]}",
      { "field “start”", "whole", NULL } },
    { "{\"partitions\": [{\"segment\": \"ams-fra\", \"start\": 1, \"end\": [],"
      " \"kind\": \"sudden\"}]}",
      { "field “end”", "unix seconds", NULL } },
    { "{\"partitions\": [{\"segment\": \"ams-fra\", \"start\": 10, \"end\": 2,"
      " \"kind\": \"sudden\"}]}",
      { "partition 0", "field “end”", "before start" } },
    { "{\"partitions\": [{\"segment\": \"ams-fra\", \"start\": 1, \"end\": 2}]}",
      { "field “kind”", "missing", NULL } },
    { "{\"partitions\": [{\"segment\": \"ams-fra\", \"start\": 1, \"end\": 2,"
      " \"kind\": \"meteor\"}]}",
      { "field “kind”", "“meteor”", "degradation, weather, maintenance, sudden" } },
    { "{\"partitions\": [{\"segment\": \"ams-fra\", \"start\": 1, \"end\": 2,"
      " \"kind\": \"sudden\", \"foreseeable\": \"no\"}]}",
      { "field “foreseeable”", "true or false", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = pm_test_write_temp_file ("truth.json", cases[i].json);
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) loaded = NULL;

      g_test_message ("case %u: %s", i, cases[i].json);
      loaded = pm_truth_load_file (topology, path, &error);
      g_assert_null (loaded);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("→ %s", error->message);
      g_assert_true (g_str_has_prefix (error->message, path));
      for (guint j = 0; j < G_N_ELEMENTS (cases[i].expect) && cases[i].expect[j] != NULL; j++)
        g_assert_nonnull (strstr (error->message, cases[i].expect[j]));
    }
}

static void
test_missing_file (void)
{
  g_autoptr(PmTopology) topology = tiny_topology ();
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "absent.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) loaded = pm_truth_load_file (topology, path, &error);

  g_assert_null (loaded);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "absent.json"));
}

/* The simulator's ground truth survives the file format exactly. */
static void
test_simulator_truth (void)
{
  g_autoptr(PmTopology) topology = tiny_topology ();
  PmSimulatorConfig config = { 3, 60, PM_SIMULATOR_DEFAULT_START };
  g_autoptr(PmSimulator) sim = pm_simulator_new (topology, &config);
  g_autoptr(GArray) partitions = pm_simulator_get_partitions (sim, config.start_s,
                                                              config.start_s + 7 * 86400);
  g_autofree char *json = pm_truth_to_json (topology, partitions);
  g_autofree char *path = pm_test_write_temp_file ("truth.json", json);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) loaded = pm_truth_load_file (topology, path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (partitions->len, >, 0);
  assert_same_partitions (partitions, loaded);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/truth/kinds", test_kinds);
  g_test_add_func ("/truth/round-trip", test_round_trip);
  g_test_add_func ("/truth/empty", test_empty);
  g_test_add_func ("/truth/lenient", test_lenient);
  g_test_add_func ("/truth/errors", test_errors);
  g_test_add_func ("/truth/missing-file", test_missing_file);
  g_test_add_func ("/truth/simulator", test_simulator_truth);

  return g_test_run ();
}
