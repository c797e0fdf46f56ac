/* test-eval-e2e.c: premirror-eval --e2e, run as users run it: the JSON's shape, what must hold
 * by construction in every scenario, determinism, pooling over seeds, reactive failover's
 * budget, the consistency levels' effect, usage errors and the report folder.
 *
 * The scenarios are one or two simulated days on the small real topologies of the shared data
 * folder; tests that need it skip without it. The pooled numbers of this file rest on these:
 * - nordu2010, seed 1000, 2 days: sites are cut off from the origin, Premirror replicates;
 * - nordu2010, seed 1003, 1 day: no partition, Premirror replicates nothing;
 * - abilene, seed 1000, 1 day: partitions, but no site is ever cut off from the origin.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pm-test-util.h"

static const char *const policies[] = { "origin_only", "reactive", "mirror_all", "premirror" };

/* Figures of every policy, in the pooled report and in each run; null when undefined. */
static const char *const metric_keys[] = {
  "served_cut_off", "served_cut_off_foreseeable", "availability", "latency_p50_ms",
  "latency_p99_ms", "bytes_replicated", "replica_hours", "missed_deadlines",
};

/* The counts behind them, in the pooled report only; never null. */
static const char *const count_keys[] = {
  "requests", "served", "cut_off_requests", "cut_off_served", "cut_off_foreseeable_requests",
  "cut_off_foreseeable_served", "deadlines",
};

/* Outputs of runs made before, by their arguments: several tests look at the same scenario. */
static GHashTable *outputs;

static char *
topology_path (const char *name)
{
  g_autofree char *relative = g_strconcat ("topologies/", name, ".geojson", NULL);

  return pm_test_shared_data_path (relative);
}

/* The standard output of premirror-eval --e2e --json on a topology of the shared data folder,
 * after asserting that it succeeded in silence; NULL (the test skipped) without that folder.
 * option and value are one more option, or NULL for none. */
static char *
run_e2e (const char *topology,
         const char *seed_option,
         const char *seeds,
         const char *days,
         const char *option,
         const char *value)
{
  g_autofree char *path = topology_path (topology);
  g_auto(PmTestRun) run = { 0 };

  if (path == NULL)
    return NULL;
  /* A NULL option ends the argument list before it. */
  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--e2e", "--json", "--topology", path,
                       seed_option, seeds, "--days", days, option, value, NULL);
  if (run.status != 0)
    g_error ("premirror-eval --e2e on %s %s %s --days %s exited with %d: %s", topology,
             seed_option, seeds, days, run.status, run.err);
  g_assert_cmpstr (run.err, ==, "");
  return g_steal_pointer (&run.out);
}

/* As run_e2e() without an extra option, run once per test program. */
static const char *
run_e2e_once (const char *topology,
              const char *seed_option,
              const char *seeds,
              const char *days)
{
  g_autofree char *key = g_strjoin (" ", topology, seed_option, seeds, days, NULL);
  const char *out = g_hash_table_lookup (outputs, key);
  char *fresh;

  if (out != NULL)
    return out;
  fresh = run_e2e (topology, seed_option, seeds, days, NULL, NULL);
  if (fresh == NULL)
    return NULL;
  g_hash_table_insert (outputs, g_steal_pointer (&key), fresh);
  return fresh;
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root = json_from_string (text, &error);

  /* NaN or Infinity written as text would not parse. */
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return root;
}

static JsonNode *
load_json_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return parse_json (text);
}

static gboolean
is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || (type == G_TYPE_DOUBLE && isfinite (json_node_get_double (node)));
}

/* A member that must be a number. */
static double
number (JsonObject *object,
        const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (!is_number (node))
    g_error ("“%s” is not a number", member);
  return json_node_get_double (node);
}

/* A member that must be a number or null; NAN for null. */
static double
figure (JsonObject *object,
        const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    return NAN;
  return number (object, member);
}

static JsonObject *
policy_of (JsonObject *report,
           const char *policy)
{
  return json_object_get_object_member (json_object_get_object_member (report, "policies"),
                                        policy);
}

static gboolean
close_to (double a,
          double b,
          double relative)
{
  return fabs (a - b) <= relative * MAX (1.0, MAX (fabs (a), fabs (b)));
}

/* Fails the test, naming the scenario, the policy and the figures, unless value ≤ bound (up to
 * rounding of sums). An undefined figure (NAN) bounds nothing and is bound by nothing. */
static void
assert_at_most (const char *scenario,
                const char *policy,
                const char *what,
                double      value,
                double      bound)
{
  if (isnan (value) || isnan (bound))
    return;
  if (!(value <= bound || close_to (value, bound, 1e-9)))
    g_error ("%s, %s: %s: %.17g > %.17g", scenario, policy, what, value, bound);
}

static void
assert_share (const char *scenario,
              const char *policy,
              const char *what,
              double      value)
{
  assert_at_most (scenario, policy, what, 0, value);
  assert_at_most (scenario, policy, what, value, 1);
}

/* What holds in every scenario by construction. */
static void
assert_invariants (const char *scenario,
                   const char *json)
{
  g_autoptr(JsonNode) root = parse_json (json);
  JsonObject *report = json_node_get_object (root);
  JsonObject *origin_only = policy_of (report, "origin_only");
  JsonObject *mirror_all = policy_of (report, "mirror_all");
  double requests = number (origin_only, "requests");
  double cut_off = number (origin_only, "cut_off_requests");

  g_test_message ("%s: %.1f requests, %.1f cut off from the origin", scenario, requests, cut_off);
  g_assert_cmpfloat (requests, >, 0);

  for (guint p = 0; p < G_N_ELEMENTS (policies); p++)
    {
      JsonObject *policy = policy_of (report, policies[p]);
      double served_cut_off = figure (policy, "served_cut_off");
      double cut_off_foreseeable = number (policy, "cut_off_foreseeable_requests");

      assert_share (scenario, policies[p], "served_cut_off", served_cut_off);
      assert_share (scenario, policies[p], "served_cut_off_foreseeable",
                    figure (policy, "served_cut_off_foreseeable"));
      assert_share (scenario, policies[p], "availability", figure (policy, "availability"));
      /* Demand and the network are the same under every policy. */
      g_assert_true (close_to (number (policy, "requests"), requests, 1e-9));
      g_assert_true (close_to (number (policy, "cut_off_requests"), cut_off, 1e-9));

      assert_at_most (scenario, policies[p], "cut-off foreseeable ≤ cut off", cut_off_foreseeable,
                      cut_off);
      assert_at_most (scenario, policies[p], "cut off ≤ requests", cut_off, requests);
      assert_at_most (scenario, policies[p], "served ≤ requests", number (policy, "served"),
                      requests);
      assert_at_most (scenario, policies[p], "cut-off served ≤ cut off",
                      number (policy, "cut_off_served"), cut_off);
      assert_at_most (scenario, policies[p], "cut-off foreseeable served ≤ cut-off foreseeable",
                      number (policy, "cut_off_foreseeable_served"), cut_off_foreseeable);
      /* A share is undefined exactly when nobody was in its denominator. */
      g_assert_false (isnan (figure (policy, "availability")));
      g_assert_true (!isnan (served_cut_off) == (cut_off > 0));
      g_assert_true (!isnan (figure (policy, "served_cut_off_foreseeable"))
                     == (cut_off_foreseeable > 0));
      g_assert_true (isnan (served_cut_off)
                     || close_to (served_cut_off, number (policy, "cut_off_served") / cut_off,
                                  1e-9));
      assert_at_most (scenario, policies[p], "latency p50 ≤ p99", figure (policy, "latency_p50_ms"),
                      figure (policy, "latency_p99_ms"));
      assert_at_most (scenario, policies[p], "0 ≤ bytes replicated", 0,
                      number (policy, "bytes_replicated"));
      assert_at_most (scenario, policies[p], "0 ≤ replica hours", 0,
                      number (policy, "replica_hours"));

      /* Only Premirror makes proposals, so only it has deadlines to miss. */
      if (g_str_equal (policies[p], "premirror"))
        assert_at_most (scenario, policies[p], "missed deadlines ≤ deadlines",
                        number (policy, "missed_deadlines"), number (policy, "deadlines"));
      else
        {
          g_assert_true (isnan (figure (policy, "missed_deadlines")));
          g_assert_cmpfloat (number (policy, "deadlines"), ==, 0);
        }

      /* Every resource at every edge, each request served by the nearest replica it can reach:
       * no policy serves more of the cut-off clients. */
      if (cut_off > 0)
        assert_at_most (scenario, policies[p], "served_cut_off ≤ mirror_all's", served_cut_off,
                        number (mirror_all, "served_cut_off"));
    }

  /* The origin serves nobody who cannot reach it, and copies nothing. */
  g_assert_cmpfloat (number (origin_only, "cut_off_served"), ==, 0);
  g_assert_cmpfloat (number (origin_only, "bytes_replicated"), ==, 0);
  g_assert_cmpfloat (number (origin_only, "replica_hours"), ==, 0);
  assert_at_most (scenario, "mirror_all", "availability ≥ origin_only's",
                  number (origin_only, "availability"), number (mirror_all, "availability"));
}

static void
assert_figures_shape (JsonObject *policy,
                      const char *name)
{
  g_assert_nonnull (policy);
  for (guint k = 0; k < G_N_ELEMENTS (metric_keys); k++)
    {
      JsonNode *node = json_object_get_member (policy, metric_keys[k]);

      if (node == NULL || !(JSON_NODE_HOLDS_NULL (node) || is_number (node)))
        g_error ("%s: “%s” is missing or neither a number nor null", name, metric_keys[k]);
    }
}

static void
test_eval_e2e_json_shape (void)
{
  const char *out = run_e2e_once ("abilene", "--seed", "1000", "1");
  g_autofree char *path = topology_path ("abilene");
  g_autoptr(JsonNode) topology = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *report;
  JsonArray *runs;
  JsonObject *run;

  if (out == NULL)
    return;
  root = parse_json (out);
  report = json_node_get_object (root);
  topology = load_json_file (path);

  for (guint p = 0; p < G_N_ELEMENTS (policies); p++)
    {
      JsonObject *policy = policy_of (report, policies[p]);

      assert_figures_shape (policy, policies[p]);
      for (guint k = 0; k < G_N_ELEMENTS (count_keys); k++)
        number (policy, count_keys[k]);
    }
  number (report, "partitions");
  g_assert_cmpfloat (number (report, "foreseeable"), <=, number (report, "partitions"));

  runs = json_object_get_array_member (report, "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 1);
  run = json_array_get_object_element (runs, 0);
  g_assert_cmpstr (json_object_get_string_member (run, "topology"), ==,
                   json_object_get_string_member (json_node_get_object (topology), "name"));
  g_assert_cmpfloat (number (run, "seed"), ==, 1000);
  g_assert_cmpfloat (number (run, "partitions"), ==, number (report, "partitions"));
  g_assert_cmpfloat (number (run, "foreseeable"), ==, number (report, "foreseeable"));
  for (guint p = 0; p < G_N_ELEMENTS (policies); p++)
    {
      JsonObject *figures = policy_of (run, policies[p]);

      assert_figures_shape (figures, policies[p]);
      /* One run pooled is that run. */
      for (guint k = 0; k < G_N_ELEMENTS (metric_keys); k++)
        {
          double pooled = figure (policy_of (report, policies[p]), metric_keys[k]);
          double single = figure (figures, metric_keys[k]);

          g_assert_true (!isnan (pooled) == !isnan (single));
          g_assert_true (isnan (pooled) || close_to (pooled, single, 1e-12));
        }
    }
}

static void
test_eval_e2e_invariants (void)
{
  const struct
  {
    const char *topology;
    const char *seed;
    const char *days;
  } scenarios[] = {
    { "abilene", "1000", "1" },
    { "nordu2010", "1000", "2" },
    { "nordu2010", "1003", "1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      const char *out = run_e2e_once (scenarios[i].topology, "--seed", scenarios[i].seed,
                                      scenarios[i].days);
      g_autofree char *name = g_strdup_printf ("%s seed %s, %s day(s)", scenarios[i].topology,
                                               scenarios[i].seed, scenarios[i].days);

      if (out == NULL)
        return;
      assert_invariants (name, out);
    }
  /* The scenario must test the comparison with mirror_all at all. */
  {
    g_autoptr(JsonNode) root = parse_json (run_e2e_once ("nordu2010", "--seed", "1000", "2"));

    g_assert_cmpfloat (number (policy_of (json_node_get_object (root), "mirror_all"),
                               "cut_off_requests"), >, 0);
  }
}

static void
test_eval_e2e_deterministic (void)
{
  const char *first = run_e2e_once ("abilene", "--seed", "1000", "1");
  g_autofree char *second = NULL;

  if (first == NULL)
    return;
  second = run_e2e ("abilene", "--seed", "1000", "1", NULL, NULL);
  g_assert_cmpstr (first, ==, second);
}

static void
test_eval_e2e_pooled_seeds (void)
{
  const char *single[] = {
    run_e2e_once ("nordu2010", "--seed", "1000", "2"),
    run_e2e_once ("nordu2010", "--seed", "1001", "2"),
  };
  const char *out = run_e2e_once ("nordu2010", "--seeds", "1000-1001", "2");
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *alone[2];
  JsonObject *pooled;
  JsonArray *runs;

  if (out == NULL)
    return;
  assert_invariants ("nordu2010 seeds 1000-1001, 2 days", out);
  first = parse_json (single[0]);
  second = parse_json (single[1]);
  root = parse_json (out);
  alone[0] = json_node_get_object (first);
  alone[1] = json_node_get_object (second);
  pooled = json_node_get_object (root);

  for (guint p = 0; p < G_N_ELEMENTS (policies); p++)
    for (guint k = 0; k < G_N_ELEMENTS (count_keys); k++)
      {
        double sum = number (policy_of (alone[0], policies[p]), count_keys[k])
                     + number (policy_of (alone[1], policies[p]), count_keys[k]);
        double together = number (policy_of (pooled, policies[p]), count_keys[k]);

        if (!close_to (together, sum, 1e-6))
          g_error ("%s %s: pooled %.17g, the seeds alone %.17g", policies[p], count_keys[k],
                   together, sum);
      }
  g_assert_cmpfloat (number (pooled, "partitions"), ==,
                     number (alone[0], "partitions") + number (alone[1], "partitions"));

  runs = json_object_get_array_member (pooled, "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *run = json_array_get_object_element (runs, i);
      JsonObject *run_alone = json_array_get_object_element (
        json_object_get_array_member (alone[i], "runs"), 0);

      g_assert_cmpfloat (number (run, "seed"), ==, 1000 + i);
      /* The second seed, replayed after the first in one process, as if alone. */
      for (guint p = 0; p < G_N_ELEMENTS (policies); p++)
        for (guint k = 0; k < G_N_ELEMENTS (metric_keys); k++)
          {
            double a = figure (policy_of (run, policies[p]), metric_keys[k]);
            double b = figure (policy_of (run_alone, policies[p]), metric_keys[k]);

            if (!isnan (a) != !isnan (b) || !(isnan (a) || close_to (a, b, 1e-12)))
              g_error ("seed %u, %s %s: %.17g pooled, %.17g alone", 1000 + i, policies[p],
                       metric_keys[k], a, b);
          }
    }
}

static char *write_resources (const char *dir,
                              JsonObject *topology,
                              const char *consistency,
                              double      requests_per_hour);

/* Reactive failover places standing mirrors with the bytes Premirror replicated in the same
 * run: some exactly when Premirror replicated something. The calm run has no likely cut and a
 * demand too thin for any long shot to be worth a copy, so Premirror copies nothing there. */
static void
test_eval_e2e_reactive_budget (void)
{
  g_autofree char *topology_file = topology_path ("nordu2010");
  g_autofree char *dir = NULL;
  g_autofree char *thin_path = NULL;
  g_autofree char *calm = NULL;
  g_autoptr(JsonNode) topology = NULL;
  const char *replicating = run_e2e_once ("nordu2010", "--seed", "1000", "2");
  const char *outs[3];
  g_autoptr(JsonNode) replicating_root = NULL;
  g_autoptr(JsonNode) calm_root = NULL;

  if (topology_file == NULL || replicating == NULL)
    return;
  dir = pm_test_make_temp_dir ();
  topology = load_json_file (topology_file);
  thin_path = write_resources (dir, json_node_get_object (topology), "eventual", 0.01);
  calm = run_e2e ("nordu2010", "--seed", "1003", "1", "--resources", thin_path);
  outs[0] = replicating;
  outs[1] = calm;
  outs[2] = run_e2e_once ("abilene", "--seed", "1000", "1");
  replicating_root = parse_json (replicating);
  calm_root = parse_json (calm);
  g_assert_cmpfloat (number (policy_of (json_node_get_object (replicating_root), "premirror"),
                             "bytes_replicated"), >, 0);
  g_assert_cmpfloat (number (policy_of (json_node_get_object (calm_root), "premirror"),
                             "bytes_replicated"), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (outs); i++)
    {
      g_autoptr(JsonNode) root = parse_json (outs[i]);
      JsonObject *report = json_node_get_object (root);
      JsonArray *runs = json_object_get_array_member (report, "runs");

      g_assert_cmpint (number (policy_of (report, "reactive"), "bytes_replicated") > 0, ==,
                       number (policy_of (report, "premirror"), "bytes_replicated") > 0);
      for (guint r = 0; r < json_array_get_length (runs); r++)
        {
          JsonObject *run = json_array_get_object_element (runs, r);

          g_assert_cmpint (number (policy_of (run, "reactive"), "bytes_replicated") > 0, ==,
                           number (policy_of (run, "premirror"), "bytes_replicated") > 0);
        }
    }
}

/* The demo inventory with every resource at one consistency level, its origin the topology's and
 * the same demand at every site (a site's region is its id); returns the file's path. */
static char *
write_resources (const char *dir,
                 JsonObject *topology,
                 const char *consistency,
                 double      requests_per_hour)
{
  g_autofree char *demo = g_build_filename (g_getenv ("PM_SOURCE_ROOT"), "data", "demo",
                                            "resources.json", NULL);
  g_autofree char *name = g_strdup_printf ("%s-%g.json", consistency, requests_per_hour);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(JsonNode) root = load_json_file (demo);
  g_autoptr(JsonObject) demand = json_object_new ();
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *features = json_object_get_array_member (topology, "features");
  JsonArray *resources = json_object_get_array_member (json_node_get_object (root), "resources");
  const char *origin = NULL;

  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      JsonObject *feature = json_array_get_object_element (features, i);
      JsonObject *geometry = json_object_get_object_member (feature, "geometry");
      JsonObject *properties = json_object_get_object_member (feature, "properties");

      if (!g_str_equal (json_object_get_string_member (geometry, "type"), "Point"))
        continue;
      json_object_set_double_member (demand, json_object_get_string_member (properties, "id"),
                                     requests_per_hour);
      if (g_strcmp0 (json_object_get_string_member_with_default (properties, "role", NULL),
                     "origin") == 0)
        origin = json_object_get_string_member (properties, "id");
    }
  g_assert_nonnull (origin);

  g_assert_cmpuint (json_array_get_length (resources), >, 0);
  for (guint i = 0; i < json_array_get_length (resources); i++)
    {
      JsonObject *resource = json_array_get_object_element (resources, i);

      json_object_set_string_member (resource, "consistency", consistency);
      /* Only bounded consistency has a staleness. */
      if (json_object_has_member (resource, "staleness_s"))
        json_object_remove_member (resource, "staleness_s");
      json_object_set_string_member (resource, "origin", origin);
      json_object_set_object_member (resource, "demand", json_object_ref (demand));
    }
  text = json_to_string (root, TRUE);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

/* A strong replica stops serving once its origin publishes a newer version while it is cut off;
 * an eventual one goes on. */
static void
test_eval_e2e_consistency (void)
{
  g_autofree char *topology_file = topology_path ("nordu2010");
  g_autofree char *dir = NULL;
  g_autofree char *strong_path = NULL;
  g_autofree char *eventual_path = NULL;
  g_autofree char *strong_out = NULL;
  g_autofree char *eventual_out = NULL;
  g_autoptr(JsonNode) topology = NULL;
  g_autoptr(JsonNode) strong_root = NULL;
  g_autoptr(JsonNode) eventual_root = NULL;
  JsonObject *strong, *eventual;
  double strong_served, eventual_served;

  if (topology_file == NULL)
    return;
  dir = pm_test_make_temp_dir ();
  topology = load_json_file (topology_file);
  strong_path = write_resources (dir, json_node_get_object (topology), "strong", 100);
  eventual_path = write_resources (dir, json_node_get_object (topology), "eventual", 100);
  strong_out = run_e2e ("nordu2010", "--seed", "1000", "2", "--resources", strong_path);
  eventual_out = run_e2e ("nordu2010", "--seed", "1000", "2", "--resources", eventual_path);
  assert_invariants ("nordu2010 seed 1000, 2 days, strong", strong_out);
  assert_invariants ("nordu2010 seed 1000, 2 days, eventual", eventual_out);
  strong_root = parse_json (strong_out);
  eventual_root = parse_json (eventual_out);
  strong = policy_of (json_node_get_object (strong_root), "mirror_all");
  eventual = policy_of (json_node_get_object (eventual_root), "mirror_all");

  g_assert_cmpfloat (number (strong, "cut_off_requests"), >, 0);
  g_assert_true (close_to (number (strong, "requests"), number (eventual, "requests"), 1e-9));
  strong_served = number (strong, "served_cut_off");
  eventual_served = number (eventual, "served_cut_off");
  g_test_message ("mirror_all serves %.4f of the cut-off requests with strong consistency, "
                  "%.4f with eventual", strong_served, eventual_served);
  assert_at_most ("nordu2010 seed 1000, 2 days", "mirror_all", "served_cut_off strong ≤ eventual",
                  strong_served, eventual_served);
  /* The origin publishes every 6 h on average, so over two days some version comes out during a
   * cut: the levels must make a difference here. */
  g_assert_cmpfloat (strong_served, <, eventual_served);
}

static void
test_eval_e2e_errors (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *report_dir = g_build_filename (dir, "report", NULL);
  g_autofree char *alerts = g_build_filename (dir, "alerts.jsonl", NULL);
  g_autofree char *missing = g_build_filename (dir, "nowhere", "resources.json", NULL);
  g_autofree char *file = pm_test_write_temp_file ("report", "not a folder\n");

  {
    g_auto(PmTestRun) run = { 0 };

    pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--seed", "1000", "--report", report_dir,
                         NULL);
    g_assert_cmpint (run.status, ==, 2);
    pm_test_assert_contains (run.err, "--e2e");
    g_assert_false (g_file_test (report_dir, G_FILE_TEST_EXISTS));
  }
  {
    g_auto(PmTestRun) run = { 0 };

    pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--e2e", "--alerts", alerts, NULL);
    g_assert_cmpint (run.status, ==, 2);
    pm_test_assert_contains (run.err, "--alerts");
    g_assert_false (g_file_test (alerts, G_FILE_TEST_EXISTS));
  }
  {
    g_auto(PmTestRun) run = { 0 };

    pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--e2e", "--resources", missing, NULL);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_cmpstr (run.out, ==, "");
    pm_test_assert_contains (run.err, missing);
  }
  {
    g_autofree char *topology = topology_path ("nordu2010");
    g_auto(PmTestRun) run = { 0 };
    g_autofree char *contents = NULL;

    if (topology == NULL)
      return;
    pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--e2e", "--json", "--topology", topology,
                         "--days", "1", "--report", file, NULL);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_cmpstr (run.out, ==, "");
    pm_test_assert_contains (run.err, file);
    g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "not a folder\n");
  }
}

static void
test_eval_e2e_report (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *report_dir = g_build_filename (dir, "new", "report", NULL);
  g_autofree char *markdown_path = g_build_filename (report_dir, "report.md", NULL);
  g_autofree char *png_path = g_build_filename (report_dir, "availability-vs-bytes.png", NULL);
  g_autofree char *markdown = NULL;
  g_autofree char *png = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *plain = run_e2e_once ("abilene", "--seed", "1000", "1");
  gsize png_size = 0;

  if (plain == NULL)
    return;
  out = run_e2e ("abilene", "--seed", "1000", "1", "--report", report_dir);
  /* Writing the report changes nothing of the figures. */
  g_assert_cmpstr (out, ==, plain);

  g_file_get_contents (markdown_path, &markdown, NULL, &error);
  g_assert_no_error (error);
  pm_test_assert_contains (markdown, "Premirror");
  pm_test_assert_contains (markdown, "Mirror everything");
  g_file_get_contents (png_path, &png, &png_size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (png_size, >, 8);
  g_assert_cmpmem (png, 8, "\x89PNG\r\n\x1a\n", 8);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  outputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_test_add_func ("/eval-e2e/json-shape", test_eval_e2e_json_shape);
  g_test_add_func ("/eval-e2e/invariants", test_eval_e2e_invariants);
  g_test_add_func ("/eval-e2e/deterministic", test_eval_e2e_deterministic);
  g_test_add_func ("/eval-e2e/pooled-seeds", test_eval_e2e_pooled_seeds);
  g_test_add_func ("/eval-e2e/reactive-budget", test_eval_e2e_reactive_budget);
  g_test_add_func ("/eval-e2e/consistency", test_eval_e2e_consistency);
  g_test_add_func ("/eval-e2e/errors", test_eval_e2e_errors);
  g_test_add_func ("/eval-e2e/report", test_eval_e2e_report);
  status = g_test_run ();
  g_hash_table_unref (outputs);
  return status;
}
