/* test-simulator.c: the seeded simulator: determinism, failure kinds and their rules, ground
 * truth, event feeds, URI parsing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-sim-params.h"
#include "pm-simulator.h"
#include "pm-test-util.h"

#define HOUR (3600)
#define DAY  (24 * HOUR)
#define STEP 10
#define T0   PM_SIMULATOR_DEFAULT_START

/* Four sites, five segments, two with circuit ids: enough for unit-level checks. */
static const char tiny_geojson[] =
  "{\"type\": \"FeatureCollection\", \"name\": \"tiny\", \"features\": ["
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [4.9, 52.4]},"
  " \"properties\": {\"id\": \"ams\", \"role\": \"origin\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [8.7, 50.1]},"
  " \"properties\": {\"id\": \"fra\", \"role\": \"core\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [2.35, 48.86]},"
  " \"properties\": {\"id\": \"par\", \"role\": \"edge\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [-0.13, 51.5]},"
  " \"properties\": {\"id\": \"lon\", \"role\": \"edge\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
  " \"coordinates\": [[4.9, 52.4], [8.7, 50.1]]},"
  " \"properties\": {\"id\": \"ams-fra\", \"a\": \"ams\", \"b\": \"fra\","
  " \"circuit_id\": \"C-1\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
  " \"coordinates\": [[8.7, 50.1], [2.35, 48.86]]},"
  " \"properties\": {\"id\": \"fra-par\", \"a\": \"fra\", \"b\": \"par\","
  " \"circuit_id\": \"C-2\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
  " \"coordinates\": [[2.35, 48.86], [-0.13, 51.5]]},"
  " \"properties\": {\"id\": \"par-lon\", \"a\": \"par\", \"b\": \"lon\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
  " \"coordinates\": [[-0.13, 51.5], [4.9, 52.4]]},"
  " \"properties\": {\"id\": \"lon-ams\", \"a\": \"lon\", \"b\": \"ams\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
  " \"coordinates\": [[4.9, 52.4], [2.35, 48.86]]},"
  " \"properties\": {\"id\": \"ams-par\", \"a\": \"ams\", \"b\": \"par\"}}"
  "]}";

static PmTopology *
tiny_topology (void)
{
  return pm_test_topology_from_json (tiny_geojson, "tiny");
}

/* GÉANT 2012 (58 segments), or NULL with the test skipped when the shared data is absent. */
static PmTopology *
geant_topology (void)
{
  g_autofree char *path = pm_test_shared_data_path ("topologies/geant2012.geojson");
  g_autoptr(GError) error = NULL;
  PmTopology *topology;

  if (path == NULL)
    return NULL;
  topology = pm_topology_new_from_file (path, &error);
  g_assert_no_error (error);
  return topology;
}

static PmSimulator *
simulator_new (PmTopology *topology,
               guint64     seed)
{
  PmSimulatorConfig config = { seed, PM_SIMULATOR_DEFAULT_SPEED, T0 };
  return pm_simulator_new (topology, &config);
}

/* URI ----------------------------------------------------------------------------------------- */

static void
test_uri_defaults (void)
{
  const char *uris[] = { "sim:", "sim:?", "sim:?&" };

  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      PmSimulatorConfig config = { 0 };
      g_autoptr(GError) error = NULL;

      g_assert_true (pm_simulator_parse_uri (uris[i], &config, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (config.seed, ==, PM_SIMULATOR_DEFAULT_SEED);
      g_assert_cmpfloat (config.speed, ==, PM_SIMULATOR_DEFAULT_SPEED);
      g_assert_cmpint (config.start_s, ==, PM_SIMULATOR_DEFAULT_START);
    }
}

static void
test_uri_keys (void)
{
  PmSimulatorConfig config;
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_simulator_parse_uri ("sim:?seed=42&speed=3600&start=1700000000", &config,
                                         &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config.seed, ==, 42);
  g_assert_cmpfloat (config.speed, ==, 3600);
  g_assert_cmpint (config.start_s, ==, 1700000000);

  /* Each key alone leaves the others at their defaults, in any order. */
  g_assert_true (pm_simulator_parse_uri ("sim:?seed=18446744073709551615", &config, &error));
  g_assert_cmpuint (config.seed, ==, G_MAXUINT64);
  g_assert_cmpfloat (config.speed, ==, PM_SIMULATOR_DEFAULT_SPEED);
  g_assert_true (pm_simulator_parse_uri ("sim:?speed=0.5", &config, &error));
  g_assert_cmpfloat (config.speed, ==, 0.5);
  g_assert_cmpuint (config.seed, ==, PM_SIMULATOR_DEFAULT_SEED);
  g_assert_true (pm_simulator_parse_uri ("sim:?start=-86400&seed=0", &config, &error));
  g_assert_cmpint (config.start_s, ==, -86400);
  g_assert_cmpuint (config.seed, ==, 0);
  g_assert_cmpint (config.speed, ==, PM_SIMULATOR_DEFAULT_SPEED);
  g_assert_no_error (error);
}

static void
test_uri_errors (void)
{
  /* Each bad URI and a word its message must contain, so that the user sees what to fix. */
  const struct
  {
    const char *uri;
    const char *expect;
  } cases[] = {
    { "csv:metrics.csv", "not a simulator source" },
    { "sim", "not a simulator source" },
    { "sim:seed=1", "after" },
    { "sim:?seed=-1", "seed" },
    { "sim:?seed=abc", "seed" },
    { "sim:?seed=", "seed" },
    { "sim:?seed=18446744073709551616", "seed" },
    { "sim:?seed=1.5", "seed" },
    { "sim:?seed", "no value" },
    { "sim:?seed=1&seed=2", "twice" },
    { "sim:?speed=0", "speed" },
    { "sim:?speed=-60", "speed" },
    { "sim:?speed=nan", "speed" },
    { "sim:?speed=inf", "speed" },
    { "sim:?speed=60x", "speed" },
    { "sim:?speed=", "speed" },
    { "sim:?speed=1e9", "speed" },
    { "sim:?start=1.5", "start" },
    { "sim:?start=", "start" },
    { "sim:?start=now", "start" },
    { "sim:?start=99999999999999", "start" },
    { "sim:?colour=red", "unknown key “colour”" },
    { "sim:?seed=1&Seed=2", "unknown key “Seed”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PmSimulatorConfig config = { 7, 1.0, 5 };
      g_autoptr(GError) error = NULL;

      g_test_message ("URI %s", cases[i].uri);
      g_assert_false (pm_simulator_parse_uri (cases[i].uri, &config, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, cases[i].expect));
      g_assert_nonnull (strstr (error->message, cases[i].uri));
      /* A failed parse leaves the config alone. */
      g_assert_cmpuint (config.seed, ==, 7);
      g_assert_cmpint (config.start_s, ==, 5);
    }
}

/* Parameters --------------------------------------------------------------------------------- */

static void
test_params (void)
{
  g_autoptr(PmTopology) topology = tiny_topology ();
  double first_rate = 0;

  for (guint64 seed = 1; seed <= 20; seed++)
    {
      g_autoptr(PmSimulator) sim = simulator_new (topology, seed);
      const PmSimParams *params = _pm_simulator_get_params (sim);

      for (guint i = 0; i < G_N_ELEMENTS (pm_sim_param_specs); i++)
        {
          const PmSimParamSpec *spec = &pm_sim_param_specs[i];
          double value = *(const double *) ((const char *) params + spec->offset);

          g_assert_cmpfloat (spec->min, <=, spec->max);
          g_assert_cmpfloat (value, >=, spec->min);
          g_assert_cmpfloat (value, <=, spec->max);
          g_assert_nonnull (spec->doc);
        }
      /* The fixed rules hold whatever the seed draws. */
      g_assert_cmpfloat (params->precursor_sigma, <, PM_SIM_PRECURSOR_MAX_SIGMA);
      g_assert_cmpfloat (params->sudden_share, >=, PM_SIM_SUDDEN_MIN_SHARE);
      g_assert_cmpfloat (params->sudden_share, <=, PM_SIM_SUDDEN_MAX_SHARE);
      g_assert_cmpfloat (params->ramp_min_minutes, >=, 10);
      g_assert_cmpfloat (params->ramp_max_minutes, <=, 120);
      /* Nothing outlasts the lookback of the blocks. */
      g_assert_cmpfloat (params->storm_life_max_h * HOUR + params->cut_max_minutes * 60, <=,
                         PM_SIM_MAX_EXTENT_S);
      g_assert_cmpfloat (params->ramp_max_minutes * 60 + params->cut_max_minutes * 60, <=,
                         PM_SIM_MAX_EXTENT_S);
      g_assert_cmpfloat (params->maintenance_duration_max_h * HOUR, <=, PM_SIM_MAX_EXTENT_S);
      if (seed == 1)
        first_rate = params->degradation_rate;
      else
        g_assert_cmpfloat (params->degradation_rate, !=, first_rate);
    }
}

/* Source ------------------------------------------------------------------------------------- */

static void
test_source (void)
{
  g_autoptr(PmTopology) topology = tiny_topology ();
  g_autoptr(PmSimulator) sim = simulator_new (topology, 7);
  g_autoptr(PmSeriesStore) store = pm_series_store_new (5, STEP, 6 * HOUR);
  g_autoptr(PmSeriesStore) wrong = pm_series_store_new (4, STEP, 6 * HOUR);
  g_autoptr(GError) error = NULL;
  g_autofree char *description = pm_source_describe (PM_SOURCE (sim));
  PmSample sample;
  gint64 latest;

  g_assert_cmpstr (description, ==, "Simulator (seed 7)");
  g_assert_cmpint (pm_source_get_state (PM_SOURCE (sim)), ==, PM_SOURCE_STATE_CONNECTED);
  g_assert_cmpuint (pm_simulator_get_config (sim)->seed, ==, 7);

  /* The first advance fills the store's whole span up to the time asked. */
  g_assert_true (pm_source_advance (PM_SOURCE (sim), store, T0 + 35, &error));
  g_assert_no_error (error);
  for (guint s = 0; s < 5; s++)
    {
      g_assert_true (pm_series_store_latest (store, s, &latest, &sample) || sample.loss_ratio == 1);
      g_assert_cmpint (latest, ==, T0 + 30);
      g_assert_true (pm_series_store_get (store, s, T0 + 30 - 6 * HOUR + STEP, &sample)
                     || sample.loss_ratio == 1);
    }

  /* Later advances continue where the last stopped; going back writes nothing. */
  g_assert_true (pm_source_advance (PM_SOURCE (sim), store, T0 + 95, &error));
  g_assert_true (pm_series_store_latest (store, 0, &latest, &sample) || sample.loss_ratio == 1);
  g_assert_cmpint (latest, ==, T0 + 90);
  g_assert_true (pm_source_advance (PM_SOURCE (sim), store, T0, &error));
  g_assert_no_error (error);
  pm_series_store_latest (store, 0, &latest, &sample);
  g_assert_cmpint (latest, ==, T0 + 90);

  g_assert_false (pm_source_advance (PM_SOURCE (sim), wrong, T0 + 100, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* Baseline: RTT from distance, a daily cycle, plausible values. */
static void
test_baseline (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();
  g_autoptr(PmSimulator) sim = NULL;
  guint n_segments;
  double sum_ratio = 0;
  guint counted = 0, busier = 0;

  if (topology == NULL)
    return;
  sim = simulator_new (topology, 3);
  n_segments = pm_topology_get_n_segments (topology);

  for (guint s = 0; s < n_segments; s++)
    {
      double km = pm_topology_get_segment (topology, s)->length_km;
      double quiet = 0;
      guint n_quiet = 0;

      /* The cleanest view: no failures, five days every ten minutes. */
      for (gint64 t = T0; t < T0 + 5 * DAY; t += 600)
        {
          PmSample clean;

          _pm_simulator_sample_clean (sim, s, t, &clean);
          g_assert_false (isnan (clean.latency_ms));
          g_assert_cmpfloat (clean.latency_ms, >, 0);
          g_assert_cmpfloat (clean.jitter_ms, >=, 0);
          g_assert_cmpfloat (clean.loss_ratio, >=, 0);
          g_assert_cmpfloat (clean.loss_ratio, <, 0.2);
          if (km > 300)
            {
              /* At least the fibre (1 ms per 100 km, a route 1.1–1.8 × the great circle). */
              g_assert_cmpfloat (clean.latency_ms, >, 0.9 * km / 100);
              g_assert_cmpfloat (clean.latency_ms, <, 1.8 * km / 100 + 20);
            }
          quiet += clean.latency_ms;
          n_quiet++;
        }
      if (km > 300)
        {
          sum_ratio += (quiet / n_quiet) / (km / 100);
          counted++;
        }
    }
  g_assert_cmpuint (counted, >, 10);
  /* About 1 ms per 100 km of fibre, route factor and equipment on top. */
  g_assert_cmpfloat (sum_ratio / counted, >, 1.05);
  g_assert_cmpfloat (sum_ratio / counted, <, 2.5);

  /* The daily cycle: the busiest hour is slower than the quietest for most segments. */
  for (guint s = 0; s < n_segments; s++)
    {
      double by_hour[24] = { 0 };
      double lo = G_MAXDOUBLE, hi = 0;

      for (gint64 t = T0; t < T0 + 5 * DAY; t += 60)
        {
          PmSample clean;
          _pm_simulator_sample_clean (sim, s, t, &clean);
          by_hour[(t % DAY) / HOUR] += clean.latency_ms + 100 * clean.loss_ratio;
        }
      for (guint h = 0; h < 24; h++)
        {
          lo = MIN (lo, by_hour[h]);
          hi = MAX (hi, by_hour[h]);
        }
      if (hi > lo * 1.01)
        busier++;
    }
  g_assert_cmpuint (busier, >, n_segments / 2);
}

/* Determinism ---------------------------------------------------------------------------- */

static GArray *
series_of (PmTopology *topology,
           guint64     seed,
           gint64      until_s,
           gint64      span_s,
           gint64      chunk_s)
{
  g_autoptr(PmSimulator) sim = simulator_new (topology, seed);
  guint n = pm_topology_get_n_segments (topology);
  guint steps = (guint) (span_s / STEP);
  g_autoptr(PmSeriesStore) store = pm_series_store_new (n, STEP, span_s);
  g_autoptr(GError) error = NULL;
  GArray *out = g_array_sized_new (FALSE, TRUE, sizeof (PmSample), n * steps);

  /* The first advance fills the span; chunked advances then walk to the end. */
  g_assert_true (pm_source_advance (PM_SOURCE (sim), store, until_s - span_s + chunk_s, &error));
  for (gint64 t = until_s - span_s + 2 * chunk_s; t <= until_s; t += chunk_s)
    g_assert_true (pm_source_advance (PM_SOURCE (sim), store, t, &error));
  g_assert_true (pm_source_advance (PM_SOURCE (sim), store, until_s, &error));
  g_assert_no_error (error);
  g_array_set_size (out, n * steps);
  for (guint s = 0; s < n; s++)
    pm_series_store_read (store, s, until_s - span_s + STEP, steps,
                          &g_array_index (out, PmSample, s * steps));
  return out;
}

static char *
truth_of (PmTopology *topology,
          guint64     seed,
          gint64      from_s,
          gint64      to_s)
{
  g_autoptr(PmSimulator) sim = simulator_new (topology, seed);
  g_autoptr(GArray) partitions = pm_simulator_get_partitions (sim, from_s, to_s);
  return pm_truth_to_json (topology, partitions);
}

static void
test_determinism (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();
  gint64 until = T0 + 12 * HOUR;
  g_autoptr(GArray) a = NULL, b = NULL, other = NULL;
  g_autofree char *truth_a = NULL, *truth_b = NULL, *truth_other = NULL;

  if (topology == NULL)
    return;

  /* Same seed: the same bytes, whether advanced in one go or in 7-minute chunks. */
  a = series_of (topology, 1, until, 12 * HOUR, 12 * HOUR);
  b = series_of (topology, 1, until, 12 * HOUR, 7 * 60);
  g_assert_cmpuint (a->len, ==, b->len);
  g_assert_cmpmem (a->data, a->len * sizeof (PmSample), b->data, b->len * sizeof (PmSample));

  truth_a = truth_of (topology, 1, T0, T0 + 2 * DAY);
  truth_b = truth_of (topology, 1, T0, T0 + 2 * DAY);
  g_assert_cmpstr (truth_a, ==, truth_b);

  /* Another seed: another scenario. */
  other = series_of (topology, 2, until, 12 * HOUR, 12 * HOUR);
  g_assert_cmpuint (other->len, ==, a->len);
  g_assert_true (memcmp (a->data, other->data, a->len * sizeof (PmSample)) != 0);
  truth_other = truth_of (topology, 2, T0, T0 + 2 * DAY);
  g_assert_cmpstr (truth_a, !=, truth_other);

  /* Sampling one at a time, backwards, on a fresh simulator, gives the store's bytes. */
  {
    g_autoptr(PmSimulator) sim = simulator_new (topology, 1);
    guint n = pm_topology_get_n_segments (topology);
    guint steps = 12 * HOUR / STEP;

    for (guint s = n; s-- > 0;)
      for (guint k = steps; k-- > 0;)
        {
          PmSample sample;
          pm_simulator_sample (sim, s, until - 12 * HOUR + STEP + (gint64) k * STEP, &sample);
          g_assert_cmpmem (&sample, sizeof sample, &g_array_index (a, PmSample, s * steps + k),
                           sizeof sample);
        }
  }
}

/* Answers do not depend on what was asked before, nor on where windows are cut. */
static gboolean
partition_equal (const PmPartition *a,
                 const PmPartition *b)
{
  return a->segment == b->segment && a->start_s == b->start_s && a->end_s == b->end_s
         && a->kind == b->kind && a->foreseeable == b->foreseeable;
}

static void
test_order_independence (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();
  g_autoptr(PmSimulator) forward = NULL, backward = NULL;
  g_autoptr(GArray) whole = NULL;
  g_autofree char *json_whole = NULL;
  g_autoptr(GPtrArray) events_whole = NULL;
  gint64 from = T0 + 5 * DAY, to = T0 + 8 * DAY;

  if (topology == NULL)
    return;
  forward = simulator_new (topology, 11);
  backward = simulator_new (topology, 11);

  whole = pm_simulator_get_partitions (forward, from, to);
  json_whole = pm_truth_to_json (topology, whole);
  events_whole = pm_simulator_get_events (forward, from, to);

  /* The other simulator sees far-away times first (its caches fill and are trimmed), then the
   * window in pieces that cut through partitions: the union of pieces is the whole. */
  {
    g_autoptr(GArray) far = pm_simulator_get_partitions (backward, from + 60 * DAY,
                                                         from + 90 * DAY);
    g_autoptr(GArray) merged = g_array_new (FALSE, FALSE, sizeof (PmPartition));
    g_autofree char *json_merged = NULL;
    g_autoptr(GPtrArray) events = NULL;
    gint64 cuts[] = { from, from + 5 * HOUR + 17, from + DAY + 3 * HOUR, to };

    g_assert_cmpuint (far->len, >, 0);
    for (gint i = G_N_ELEMENTS (cuts) - 2; i >= 0; i--)
      {
        g_autoptr(GArray) piece = pm_simulator_get_partitions (backward, cuts[i], cuts[i + 1]);
        for (guint j = 0; j < piece->len; j++)
          {
            const PmPartition *p = &g_array_index (piece, PmPartition, j);
            gboolean seen = FALSE;

            g_assert_true (p->start_s < cuts[i + 1] && p->end_s > cuts[i]);
            for (guint k = 0; k < merged->len && !seen; k++)
              seen = partition_equal (&g_array_index (merged, PmPartition, k), p);
            if (!seen)
              g_array_append_val (merged, *p);
          }
      }
    g_assert_cmpuint (merged->len, ==, whole->len);
    for (guint j = 0; j < whole->len; j++)
      {
        const PmPartition *p = &g_array_index (whole, PmPartition, j);
        gboolean seen = FALSE;
        for (guint k = 0; k < merged->len && !seen; k++)
          seen = partition_equal (&g_array_index (merged, PmPartition, k), p);
        g_assert_true (seen);
      }

    json_merged = truth_of (topology, 11, from, to);
    g_assert_cmpstr (json_merged, ==, json_whole);

    events = pm_simulator_get_events (backward, from, to);
    g_assert_cmpuint (events->len, ==, events_whole->len);
    for (guint j = 0; j < events->len; j++)
      {
        const PmEvent *x = events->pdata[j], *y = events_whole->pdata[j];
        g_assert_cmpstr (x->id, ==, y->id);
        g_assert_cmpint (x->start_s, ==, y->start_s);
        g_assert_cmpint (x->end_s, ==, y->end_s);
        g_assert_cmpint (x->issued_s, ==, y->issued_s);
        g_assert_cmpuint (x->n_polygon, ==, y->n_polygon);
        if (x->n_polygon > 0)
          g_assert_cmpmem (x->polygon, x->n_polygon * sizeof (PmLatLon), y->polygon,
                           y->n_polygon * sizeof (PmLatLon));
      }
  }
}

/* Failure kinds and their rules ------------------------------------------------------------- */

static void
test_kinds (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();
  guint seen[4] = { 0 };

  if (topology == NULL)
    return;

  for (guint64 seed = 1; seed <= 3; seed++)
    {
      g_autoptr(PmSimulator) sim = simulator_new (topology, seed);
      g_autoptr(GArray) partitions = pm_simulator_get_partitions (sim, T0, T0 + 3 * DAY);

      g_assert_cmpuint (partitions->len, >, 0);
      for (guint i = 0; i < partitions->len; i++)
        {
          const PmPartition *p = &g_array_index (partitions, PmPartition, i);

          g_assert_cmpint (p->end_s, >, p->start_s);
          g_assert_true (p->start_s < T0 + 3 * DAY && p->end_s > T0);
          g_assert_cmpuint (p->segment, <, pm_topology_get_n_segments (topology));
          g_assert_cmpint (p->foreseeable, ==, p->kind != PM_PARTITION_SUDDEN);
          seen[p->kind]++;
          if (i > 0)
            g_assert_cmpint (g_array_index (partitions, PmPartition, i - 1).start_s, <=,
                             p->start_s);
          /* One segment is never cut twice at once. */
          for (guint j = 0; j < i; j++)
            {
              const PmPartition *q = &g_array_index (partitions, PmPartition, j);
              if (q->segment == p->segment)
                g_assert_true (q->end_s <= p->start_s || p->end_s <= q->start_s);
            }
        }
    }
  for (guint k = 0; k < 4; k++)
    {
      g_test_message ("%s: %u partitions", pm_partition_kind_to_string (k), seen[k]);
      g_assert_cmpuint (seen[k], >, 0);
    }
}

static void
test_sudden_share (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();

  if (topology == NULL)
    return;

  for (guint64 seed = 1; seed <= 8; seed++)
    {
      g_autoptr(PmSimulator) sim = simulator_new (topology, seed * 7919);
      g_autoptr(GArray) partitions = pm_simulator_get_partitions (sim, T0, T0 + 2 * DAY);
      guint sudden = 0;
      double share;

      for (guint i = 0; i < partitions->len; i++)
        if (g_array_index (partitions, PmPartition, i).kind == PM_PARTITION_SUDDEN)
          sudden++;
      share = (double) sudden / partitions->len;
      g_test_message ("seed %" G_GUINT64_FORMAT ": %u partitions, %u sudden (%.0f%%)",
                      seed * 7919, partitions->len, sudden, 100 * share);
      g_assert_cmpuint (partitions->len, >=, 20);
      g_assert_cmpfloat (share, >=, 0.20);
      g_assert_cmpfloat (share, <=, 0.40);
    }
}

/* Sudden cuts never overlap another failure of their segment, and come with no warning at all
 * (no notice, no alert, no storm passing) except where a small network leaves no room. */
static void
test_sudden_unannounced (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();
  guint checked = 0, warned = 0;

  if (topology == NULL)
    return;

  for (guint64 seed = 1; seed <= 3; seed++)
    {
      g_autoptr(PmSimulator) sim = simulator_new (topology, seed);
      gint64 from = T0 + DAY, to = T0 + 3 * DAY;
      g_autoptr(GArray) episodes = _pm_simulator_get_episodes (sim, from - DAY, to + DAY);
      g_autoptr(GPtrArray) events = pm_simulator_get_events (sim, from - DAY, to + DAY);

      for (guint i = 0; i < episodes->len; i++)
        {
          const PmSimEpisode *e = &g_array_index (episodes, PmSimEpisode, i);
          const PmSegment *seg = pm_topology_get_segment (topology, e->segment);
          PmLatLon a = pm_topology_get_site (topology, seg->a)->location;
          PmLatLon b = pm_topology_get_site (topology, seg->b)->location;
          gboolean warning = FALSE;

          if (e->kind != PM_PARTITION_SUDDEN || e->onset_s < from || e->onset_s >= to)
            continue;
          g_assert_cmpint (e->cut_start_s, ==, e->onset_s);
          g_assert_cmpint (e->cut_end_s, ==, e->end_s);
          for (guint j = 0; j < episodes->len; j++)
            {
              const PmSimEpisode *o = &g_array_index (episodes, PmSimEpisode, j);

              if (o == e || o->segment != e->segment || o->end_s <= e->onset_s
                  || o->onset_s >= e->end_s)
                continue;
              /* Never another cut or degradation; a storm passing or a reroute is a warning. */
              g_assert_true (o->cut_start_s < 0 && o->kind != PM_PARTITION_DEGRADATION);
              warning = TRUE;
            }
          for (guint j = 0; j < events->len; j++)
            {
              const PmEvent *ev = events->pdata[j];

              if (ev->start_s >= e->end_s || ev->end_s <= e->onset_s)
                continue;
              if (ev->kind == PM_EVENT_MAINTENANCE)
                warning |= g_strcmp0 (ev->circuit_id, seg->circuit_id != NULL ? seg->circuit_id
                                                                               : seg->id) == 0;
              else
                warning |= pm_geo_segment_crosses_polygon (a, b, ev->polygon, ev->n_polygon);
            }
          checked++;
          if (warning)
            warned++;
        }
    }
  g_test_message ("%u sudden cuts checked, %u under some warning", checked, warned);
  g_assert_cmpuint (checked, >, 10);
  g_assert_cmpuint (warned * 10, <=, checked);
}

/* Another episode of the segment overlapping [from, to), other than skip. */
static gboolean
overlapped (GArray             *episodes,
            const PmSimEpisode *skip,
            gint64              from,
            gint64              to)
{
  for (guint i = 0; i < episodes->len; i++)
    {
      const PmSimEpisode *e = &g_array_index (episodes, PmSimEpisode, i);
      if (e != skip && e->segment == skip->segment && e->onset_s < to && e->end_s > from)
        return TRUE;
    }
  return FALSE;
}

static void
test_precursors (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();
  guint checked = 0, cutting = 0;

  if (topology == NULL)
    return;

  for (guint64 seed = 1; seed <= 3; seed++)
    {
      g_autoptr(PmSimulator) sim = simulator_new (topology, seed);
      g_autoptr(GArray) episodes = _pm_simulator_get_episodes (sim, T0, T0 + 2 * DAY);

      for (guint i = 0; i < episodes->len; i++)
        {
          const PmSimEpisode *e = &g_array_index (episodes, PmSimEpisode, i);
          double sigma = _pm_simulator_get_sigma_ms (sim, e->segment);
          double sum = 0, sum2 = 0, empirical, first_excess = 0, last_excess = 0;
          gint64 first = (e->onset_s + STEP - 1) / STEP * STEP;
          gint64 ramp_end = e->cut_start_s >= 0 ? e->cut_start_s : e->onset_s + 10 * 60;
          guint n = 0;
          PmSample with, clean;

          if (e->kind != PM_PARTITION_DEGRADATION || e->onset_s < T0 + 2 * HOUR)
            continue;
          g_assert_cmpfloat (e->precursor_sigma, <, PM_SIM_PRECURSOR_MAX_SIGMA);
          if (overlapped (episodes, e, e->onset_s - 2 * HOUR, e->end_s))
            continue;

          /* The segment's usual variation: latency over the two hours before the onset. */
          for (gint64 t = first - 2 * HOUR; t < first; t += STEP)
            {
              pm_simulator_sample (sim, e->segment, t, &with);
              sum += with.latency_ms;
              sum2 += with.latency_ms * with.latency_ms;
              n++;
            }
          empirical = sqrt (MAX (sum2 / n - (sum / n) * (sum / n), 0));

          /* The first sample of the precursor is off by less than 2σ, whether σ is the model's
           * noise at zero load or the spread actually seen. */
          pm_simulator_sample (sim, e->segment, first, &with);
          _pm_simulator_sample_clean (sim, e->segment, first, &clean);
          first_excess = with.latency_ms - clean.latency_ms;
          g_assert_cmpfloat (first_excess, >=, 0);
          g_assert_cmpfloat (first_excess, <, 2 * sigma);
          g_assert_cmpfloat (first_excess, <, 2 * empirical);
          g_assert_cmpfloat (with.loss_ratio - clean.loss_ratio, <, 0.01);

          /* It grows: the last sample before the cut is far worse. */
          if (e->cut_start_s >= 0)
            {
              gint64 last = (ramp_end - 1) / STEP * STEP;
              pm_simulator_sample (sim, e->segment, last, &with);
              _pm_simulator_sample_clean (sim, e->segment, last, &clean);
              last_excess = with.latency_ms - clean.latency_ms;
              g_assert_cmpfloat (last_excess, >, first_excess);
              g_assert_cmpfloat (last_excess, >, 2 * sigma);
              g_assert_cmpfloat (with.loss_ratio, >, clean.loss_ratio);
              cutting++;
            }
          checked++;
        }
    }
  g_test_message ("%u precursors checked, %u ending in a cut", checked, cutting);
  g_assert_cmpuint (checked, >, 10);
  g_assert_cmpuint (cutting, >, 5);
}

static void
test_recoveries (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();
  g_autoptr(PmSimulator) sim = NULL;
  g_autoptr(GArray) episodes = NULL;
  g_autoptr(GHashTable) storms = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) cutting_storms = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint degradations = 0, recovered = 0;

  if (topology == NULL)
    return;
  sim = simulator_new (topology, 1);
  episodes = _pm_simulator_get_episodes (sim, T0, T0 + 3 * DAY);

  for (guint i = 0; i < episodes->len; i++)
    {
      PmSimEpisode *e = &g_array_index (episodes, PmSimEpisode, i);

      if (e->kind == PM_PARTITION_DEGRADATION)
        {
          degradations++;
          if (e->cut_start_s < 0)
            {
              PmSample after;
              recovered++;
              /* Recovered means back to the undisturbed values after the episode. */
              if (!overlapped (episodes, e, e->end_s, e->end_s + 60))
                {
                  PmSample clean;
                  gint64 t = (e->end_s + STEP) / STEP * STEP;
                  pm_simulator_sample (sim, e->segment, t, &after);
                  _pm_simulator_sample_clean (sim, e->segment, t, &clean);
                  g_assert_cmpmem (&after, sizeof after, &clean, sizeof clean);
                }
            }
        }
      if (e->kind == PM_PARTITION_WEATHER)
        {
          g_assert_cmpuint (e->group, !=, 0);
          g_hash_table_add (storms, &e->group);
          if (e->cut_start_s >= 0)
            g_hash_table_add (cutting_storms, &e->group);
        }
    }
  g_test_message ("%u degradations, %u recovered; %u storms over segments, %u cutting",
                  degradations, recovered, g_hash_table_size (storms),
                  g_hash_table_size (cutting_storms));
  g_assert_cmpuint (recovered, >, 0);
  g_assert_cmpuint (recovered, <, degradations);
  g_assert_cmpuint (g_hash_table_size (cutting_storms), >, 0);
  g_assert_cmpuint (g_hash_table_size (cutting_storms), <, g_hash_table_size (storms));
}

/* Every sample inside a logged partition shows the cut; the store agrees. */
static void
test_cut_samples (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();
  g_autoptr(PmSimulator) sim = NULL;
  g_autoptr(PmSeriesStore) store = NULL;
  g_autoptr(GArray) partitions = NULL;
  g_autoptr(GError) error = NULL;
  gint64 until = T0 + DAY;
  guint n_segments, cut_samples = 0;

  if (topology == NULL)
    return;
  sim = simulator_new (topology, 5);
  n_segments = pm_topology_get_n_segments (topology);
  store = pm_series_store_new (n_segments, STEP, DAY);
  g_assert_true (pm_source_advance (PM_SOURCE (sim), store, until, &error));
  g_assert_no_error (error);
  partitions = pm_simulator_get_partitions (sim, until - DAY + STEP, until + STEP);
  g_assert_cmpuint (partitions->len, >, 5);

  for (guint s = 0; s < n_segments; s++)
    for (gint64 t = until - DAY + STEP; t <= until; t += STEP)
      {
        PmSample sample;
        gboolean inside = FALSE;

        for (guint i = 0; i < partitions->len && !inside; i++)
          {
            const PmPartition *p = &g_array_index (partitions, PmPartition, i);
            inside = p->segment == s && t >= p->start_s && t < p->end_s;
          }
        pm_series_store_get (store, s, t, &sample);
        if (inside)
          {
            g_assert_cmpfloat (sample.loss_ratio, ==, 1.0f);
            g_assert_true (isnan (sample.latency_ms));
            g_assert_true (isnan (sample.jitter_ms));
            cut_samples++;
          }
        else
          {
            /* Outside a partition the probe always answers. */
            g_assert_false (isnan (sample.latency_ms));
            g_assert_false (isnan (sample.jitter_ms));
            g_assert_cmpfloat (sample.loss_ratio, <, 1.0f);
          }
      }
  g_assert_cmpuint (cut_samples, >, 0);
}

/* Events -------------------------------------------------------------------------------------- */

static gboolean
same_storm (const char *id,
            const char *other)
{
  /* Alert ids are sim-storm-BLOCK-STORM-SLICE: the same storm up to the last dash. */
  const char *a = strrchr (id, '-'), *b = strrchr (other, '-');
  return a - id == b - other && strncmp (id, other, (gsize) (a - id)) == 0;
}

static PmLatLon
centroid (const PmEvent *event)
{
  PmLatLon c = { 0, 0 };

  for (guint i = 0; i < event->n_polygon; i++)
    {
      c.lat += event->polygon[i].lat / event->n_polygon;
      c.lon += event->polygon[i].lon / event->n_polygon;
    }
  return c;
}

static void
test_events (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();
  g_autoptr(PmSimulator) sim = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GArray) partitions = NULL;
  gint64 from = T0 + DAY, to = T0 + 3 * DAY;
  guint maintenance = 0, outage = 0, weather = 0, moved = 0;

  if (topology == NULL)
    return;
  sim = simulator_new (topology, 1);
  events = pm_simulator_get_events (sim, from, to);
  partitions = pm_simulator_get_partitions (sim, from, to);

  for (guint i = 0; i < events->len; i++)
    {
      const PmEvent *e = events->pdata[i];

      g_assert_nonnull (e->id);
      g_assert_nonnull (e->title);
      g_assert_true (e->start_s < to && e->end_s > from);
      g_assert_cmpint (e->issued_s, <=, to);
      g_assert_cmpint (e->start_s, <, e->end_s);
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (e->id, !=, ((PmEvent *) events->pdata[j])->id);

      if (e->kind == PM_EVENT_MAINTENANCE)
        {
          gboolean known = FALSE;

          /* Announced ahead: hours to days before the window. */
          g_assert_cmpint (e->issued_s, <=, e->start_s - 2 * HOUR);
          g_assert_cmpint (e->issued_s, >=, e->start_s - 7 * DAY);
          g_assert_nonnull (e->circuit_id);
          for (guint s = 0; s < pm_topology_get_n_segments (topology) && !known; s++)
            {
              const PmSegment *seg = pm_topology_get_segment (topology, s);
              known = g_strcmp0 (seg->circuit_id != NULL ? seg->circuit_id : seg->id,
                                 e->circuit_id) == 0;
            }
          g_assert_true (known);
          g_assert_null (e->polygon);
          maintenance++;
          if (e->impact == PM_IMPACT_OUTAGE)
            outage++;
        }
      else
        {
          g_assert_cmpint (e->kind, ==, PM_EVENT_WEATHER);
          g_assert_cmpuint (e->n_polygon, >=, 3);
          g_assert_nonnull (e->polygon);
          g_assert_cmpint (e->issued_s, <=, e->start_s);
          g_assert_cmpint (e->severity, !=, PM_SEVERITY_UNKNOWN);
          g_assert_cmpint (e->certainty, !=, PM_CERTAINTY_UNKNOWN);
          g_assert_cmpint (e->urgency, !=, PM_URGENCY_UNKNOWN);
          weather++;
          /* Slices of one storm follow each other in time and place. */
          for (guint j = 0; j < i; j++)
            {
              const PmEvent *prev = events->pdata[j];
              if (prev->kind == PM_EVENT_WEATHER && same_storm (e->id, prev->id)
                  && prev->end_s == e->start_s)
                {
                  PmLatLon a = centroid (prev), b = centroid (e);
                  g_assert_cmpint (prev->issued_s, ==, e->issued_s);
                  if (fabs (a.lat - b.lat) + fabs (a.lon - b.lon) > 1e-3)
                    moved++;
                }
            }
        }
    }
  g_test_message ("%u maintenance notices (%u outage), %u weather alerts, %u moves",
                  maintenance, outage, weather, moved);
  g_assert_cmpuint (maintenance, >, 0);
  g_assert_cmpuint (outage, >, 0);
  g_assert_cmpuint (weather, >, 0);
  g_assert_cmpuint (moved, >, 0);

  /* Every foreseeable cut has its warning: a notice of the window for maintenance, an alert
   * whose polygon covers the line for weather, both published before the cut. */
  for (guint i = 0; i < partitions->len; i++)
    {
      const PmPartition *p = &g_array_index (partitions, PmPartition, i);
      const PmSegment *seg = pm_topology_get_segment (topology, p->segment);
      PmLatLon a = pm_topology_get_site (topology, seg->a)->location;
      PmLatLon b = pm_topology_get_site (topology, seg->b)->location;
      gboolean warned = FALSE;

      if (p->kind != PM_PARTITION_MAINTENANCE && p->kind != PM_PARTITION_WEATHER)
        continue;
      if (p->start_s < from)
        continue;
      for (guint j = 0; j < events->len && !warned; j++)
        {
          const PmEvent *e = events->pdata[j];

          if (e->issued_s >= p->start_s || e->start_s > p->start_s || e->end_s <= p->start_s)
            continue;
          if (p->kind == PM_PARTITION_MAINTENANCE)
            warned = e->kind == PM_EVENT_MAINTENANCE && e->impact == PM_IMPACT_OUTAGE
                     && g_strcmp0 (e->circuit_id, seg->circuit_id != NULL ? seg->circuit_id
                                                                          : seg->id) == 0
                     && p->end_s <= e->end_s;
          else
            warned = e->kind == PM_EVENT_WEATHER
                     && pm_geo_segment_crosses_polygon (a, b, e->polygon, e->n_polygon);
        }
      g_assert_true (warned);
    }

  /* Nothing is visible before it is published. */
  {
    g_autoptr(GPtrArray) early = pm_simulator_get_events (sim, from, from + HOUR);
    for (guint i = 0; i < early->len; i++)
      g_assert_cmpint (((PmEvent *) early->pdata[i])->issued_s, <=, from + HOUR);
  }
}

/* The default scenario shows a newcomer every kind of trouble within minutes at 60×. */
static void
test_demo_rates (void)
{
  g_autoptr(PmTopology) topology = geant_topology ();
  g_autoptr(PmSimulator) sim = NULL;
  g_autoptr(GArray) episodes = NULL;
  g_autoptr(GArray) partitions = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gint64 window = 6 * HOUR;  /* six minutes of the live console */
  guint kinds[4] = { 0 }, weather_alerts = 0;

  if (topology == NULL)
    return;
  sim = pm_simulator_new (topology, NULL);
  episodes = _pm_simulator_get_episodes (sim, T0, T0 + window);
  partitions = pm_simulator_get_partitions (sim, T0, T0 + window);
  events = pm_simulator_get_events (sim, T0, T0 + window);
  for (guint i = 0; i < episodes->len; i++)
    kinds[g_array_index (episodes, PmSimEpisode, i).kind]++;
  for (guint i = 0; i < events->len; i++)
    if (((PmEvent *) events->pdata[i])->kind == PM_EVENT_WEATHER)
      weather_alerts++;
  g_test_message ("first 6 h: %u partitions, %u degradations, %u storm passages, %u alerts",
                  partitions->len, kinds[PM_PARTITION_DEGRADATION], kinds[PM_PARTITION_WEATHER],
                  weather_alerts);
  g_assert_cmpuint (partitions->len, >=, 3);
  g_assert_cmpuint (kinds[PM_PARTITION_DEGRADATION], >, 0);
  g_assert_cmpuint (weather_alerts, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/simulator/uri/defaults", test_uri_defaults);
  g_test_add_func ("/simulator/uri/keys", test_uri_keys);
  g_test_add_func ("/simulator/uri/errors", test_uri_errors);
  g_test_add_func ("/simulator/params", test_params);
  g_test_add_func ("/simulator/source", test_source);
  g_test_add_func ("/simulator/baseline", test_baseline);
  g_test_add_func ("/simulator/determinism", test_determinism);
  g_test_add_func ("/simulator/order-independence", test_order_independence);
  g_test_add_func ("/simulator/kinds", test_kinds);
  g_test_add_func ("/simulator/sudden-share", test_sudden_share);
  g_test_add_func ("/simulator/sudden-unannounced", test_sudden_unannounced);
  g_test_add_func ("/simulator/precursors", test_precursors);
  g_test_add_func ("/simulator/recoveries", test_recoveries);
  g_test_add_func ("/simulator/cut-samples", test_cut_samples);
  g_test_add_func ("/simulator/events", test_events);
  g_test_add_func ("/simulator/demo-rates", test_demo_rates);

  return g_test_run ();
}
