/* test-alerts.c: the alert manager: hold, spikes, hysteresis, no flapping under noise, unknown
 * probabilities, acknowledgements and silences, ids, export order, the log and its JSON lines.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pm-topology.h"
#include "predict/pm-alerts.h"

#define T0   1700000000
#define TICK 10

/* An alias, so that this file does not clash if pm-snapshot.h gains its own cleanup for PmAlert. */
typedef PmAlert TestAlert;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestAlert, pm_alert_free)

/* Three sites in a line, two segments: e0 (a–b) and e1 (b–c). */
/* The thresholds the tests drive the manager with. */
#define FIRE  0.5
#define CLEAR 0.3

static PmTopology *
small_net (void)
{
  static const char json[] =
    "{\"type\": \"FeatureCollection\", \"features\": ["
    "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [0, 0]},"
    " \"properties\": {\"id\": \"a\", \"role\": \"origin\"}},"
    "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [1, 0]},"
    " \"properties\": {\"id\": \"b\"}},"
    "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [2, 0]},"
    " \"properties\": {\"id\": \"c\"}},"
    "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\", \"coordinates\":"
    " [[0, 0], [1, 0]]}, \"properties\": {\"id\": \"e0\", \"a\": \"a\", \"b\": \"b\"}},"
    "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\", \"coordinates\":"
    " [[1, 0], [2, 0]]}, \"properties\": {\"id\": \"e1\", \"a\": \"b\", \"b\": \"c\"}}]}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, sizeof json - 1);
  g_autoptr(GError) error = NULL;
  PmTopology *topology = pm_topology_new_from_bytes (bytes, "small", &error);

  g_assert_no_error (error);
  return topology;
}

static PmAlertManager *
manager (PmTopology *topology)
{
  PmAlertParams params;

  /* The mechanics at round thresholds, whatever the tuned defaults are. */
  pm_alert_params_init (&params);
  params.fire_threshold = FIRE;
  params.clear_threshold = CLEAR;
  return pm_alert_manager_new (topology, &params);
}

static void
feed (PmAlertManager *alerts,
      gint64          now,
      double          probability)
{
  g_assert_true (pm_alert_manager_update (alerts, now, PM_ALERT_SEGMENT, 0, probability, 0, NULL,
                                          0));
  pm_alert_manager_expire (alerts, now);
}

/* The one alert of segment e0 with the given number, or NULL. */
static PmAlert *
alert_n (PmAlertManager *alerts,
         guint           n,
         gint64          now)
{
  g_autofree char *id = g_strdup_printf ("segment:e0:%u", n);

  return pm_alert_manager_lookup (alerts, id, now);
}

static void
test_hold (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  g_autoptr(TestAlert) alert = NULL;
  gint64 t;

  feed (alerts, T0 - TICK, 0.1);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_PENDING), ==, 0);
  for (t = T0; t < T0 + PM_ALERT_DEFAULT_HOLD_S; t += TICK)
    {
      g_autoptr(TestAlert) pending = NULL;

      feed (alerts, t, 0.7);
      pending = alert_n (alerts, 1, t);
      g_assert_nonnull (pending);
      g_assert_cmpint (pending->state, ==, PM_ALERT_PENDING);
      g_assert_cmpint (pending->pending_since, ==, T0);
      g_assert_cmpint (pending->fired_at, ==, 0);
    }
  feed (alerts, t, 0.7);
  alert = alert_n (alerts, 1, t);
  g_assert_cmpint (alert->state, ==, PM_ALERT_FIRING);
  g_assert_cmpint (alert->fired_at, ==, T0 + PM_ALERT_DEFAULT_HOLD_S);
  g_assert_cmpint (alert->resolved_at, ==, 0);
  g_assert_cmpfloat (alert->probability, ==, 0.7);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_FIRING), ==, 1);
}

static void
test_short_spike (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  g_autoptr(GArray) log = NULL;
  gint64 t = T0;

  /* Up for less than the hold, then gone: pending, then dropped, never fired. */
  for (; t < T0 + 30; t += TICK)
    feed (alerts, t, 0.9);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_PENDING), ==, 1);
  feed (alerts, t, 0.1);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_PENDING), ==, 0);
  g_assert_null (alert_n (alerts, 1, t));

  /* Spikes separated by a middle level: pending stays (no churn of ids in the list), but the
   * hold restarts at each dip, so it never fires. */
  for (guint k = 0; k < 20; k++)
    {
      for (guint i = 0; i < 3; i++, t += TICK)
        feed (alerts, t, 0.9);
      for (guint i = 0; i < 2; i++, t += TICK)
        feed (alerts, t, 0.4);
    }
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_FIRING), ==, 0);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_PENDING), ==, 1);
  {
    g_autoptr(TestAlert) pending = alert_n (alerts, 2, t);
    g_assert_nonnull (pending);
    g_assert_cmpint (pending->state, ==, PM_ALERT_PENDING);
  }
  log = pm_alert_manager_dup_log (alerts);
  g_assert_cmpuint (log->len, ==, 0);
}

static gint64
fire_at (PmAlertManager *alerts,
         gint64          t)
{
  for (gint64 end = t + PM_ALERT_DEFAULT_HOLD_S; t <= end; t += TICK)
    feed (alerts, t, 0.8);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_FIRING), ==, 1);
  return t;
}

static void
test_hysteresis (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  g_autoptr(TestAlert) resolved = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t = fire_at (alerts, T0), calm;

  /* Between the thresholds for an hour: still firing. */
  for (gint64 end = t + 3600; t < end; t += TICK)
    feed (alerts, t, 0.4);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_FIRING), ==, 1);

  /* Below clear for a little less than the clear time, then a blip back up: the clock restarts. */
  for (gint64 end = t + PM_ALERT_DEFAULT_CLEAR_S - TICK; t < end; t += TICK)
    feed (alerts, t, 0.2);
  feed (alerts, t, 0.35);
  t += TICK;
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_FIRING), ==, 1);

  calm = t;
  for (; t < calm + PM_ALERT_DEFAULT_CLEAR_S; t += TICK)
    {
      feed (alerts, t, 0.2);
      g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_FIRING), ==, 1);
    }
  feed (alerts, t, 0.2);
  resolved = alert_n (alerts, 1, t);
  g_assert_cmpint (resolved->state, ==, PM_ALERT_RESOLVED);
  g_assert_cmpint (resolved->resolved_at, ==, calm + PM_ALERT_DEFAULT_CLEAR_S);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_FIRING), ==, 0);

  /* Listed for keep_resolved_s, then dropped. */
  feed (alerts, resolved->resolved_at + PM_ALERT_DEFAULT_KEEP_RESOLVED_S - 1, 0.1);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_RESOLVED), ==, 1);
  feed (alerts, resolved->resolved_at + PM_ALERT_DEFAULT_KEEP_RESOLVED_S, 0.1);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_RESOLVED), ==, 0);
  g_assert_false (pm_alert_manager_acknowledge (alerts, "segment:e0:1", "alice", t, &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_NOT_FOUND);
}

/* A noisy probability wandering around each threshold, on several seeds: one alert fires and
 * stays firing while the noise lasts, and resolves once when the risk really goes. A naive
 * one-threshold rule on the same series would change state hundreds of times. */
static void
test_no_flapping (void)
{
  for (guint32 seed = 1; seed <= 8; seed++)
    {
      g_autoptr(PmTopology) topology = small_net ();
      g_autoptr(PmAlertManager) alerts = manager (topology);
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autoptr(GArray) log = NULL;
      gint64 t = T0;
      guint naive_changes = 0;
      gboolean naive = FALSE;
      double centres[] = { FIRE, CLEAR };

      for (guint c = 0; c < G_N_ELEMENTS (centres); c++)
        for (gint64 end = t + 6 * 3600; t < end; t += TICK)
          {
            /* Slow wander plus fast noise: runs on each side last several ticks. */
            double p = centres[c] + 0.08 * sin ((double) t / 170.0 + seed)
                       + g_rand_double_range (rand, -0.12, 0.12);

            feed (alerts, t, p);
            naive_changes += (p >= centres[0]) != naive;
            naive = p >= centres[0];
          }
      log = pm_alert_manager_dup_log (alerts);
      g_assert_cmpuint (log->len, ==, 1);
      g_assert_cmpint (g_array_index (log, PmAlertRecord, 0).resolved_at, ==, 0);
      g_assert_cmpuint (naive_changes, >, 200);

      for (gint64 end = t + 3600; t < end; t += TICK)
        feed (alerts, t, g_rand_double_range (rand, 0, 0.1));
      g_clear_pointer (&log, g_array_unref);
      log = pm_alert_manager_dup_log (alerts);
      g_assert_cmpuint (log->len, ==, 1);
      g_assert_cmpint (g_array_index (log, PmAlertRecord, 0).resolved_at, >, 0);
      g_assert_cmpfloat (g_array_index (log, PmAlertRecord, 0).peak, >=,
                         g_array_index (log, PmAlertRecord, 0).probability);
    }
}

/* Unknown is not safe and not alarming: it neither fires, nor clears, nor holds. */
static void
test_unknown (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  gint64 t = T0;

  for (; t < T0 + 600; t += TICK)
    feed (alerts, t, NAN);
  g_assert_null (alert_n (alerts, 1, t));

  /* Pending, then unknown for a long while: no firing on no evidence. */
  feed (alerts, t, 0.9);
  for (t += TICK; t < T0 + 1800; t += TICK)
    feed (alerts, t, NAN);
  {
    g_autoptr(TestAlert) pending = alert_n (alerts, 1, t);
    g_assert_cmpint (pending->state, ==, PM_ALERT_PENDING);
    g_assert_cmpfloat (pending->probability, ==, 0.9);
  }

  /* Firing, then unknown for hours: it stays firing. */
  t = fire_at (alerts, t);
  for (gint64 end = t + 4 * 3600; t < end; t += TICK)
    feed (alerts, t, NAN);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_FIRING), ==, 1);
  /* Unknown ticks do not count towards the clear time either. */
  for (gint64 end = t + PM_ALERT_DEFAULT_CLEAR_S; t < end; t += 2 * TICK)
    {
      feed (alerts, t, 0.1);
      feed (alerts, t + TICK, NAN);
    }
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_FIRING), ==, 1);
}

static void
test_ack_and_silence (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  g_autoptr(GError) error = NULL;
  g_auto(PmAlertActions) actions = { 0 };
  gint64 t = fire_at (alerts, T0);

  g_assert_true (pm_alert_manager_acknowledge (alerts, "segment:e0:1", "alice", t, &error));
  g_assert_no_error (error);
  {
    g_autoptr(TestAlert) alert = alert_n (alerts, 1, t);
    g_assert_true (alert->acknowledged);
    g_assert_cmpstr (alert->acknowledged_by, ==, "alice");
    g_assert_cmpint (alert->state, ==, PM_ALERT_FIRING);
  }
  g_assert_true (pm_alert_manager_get_actions (alerts, "segment:e0:1", &actions, NULL));
  g_assert_cmpint (actions.acknowledged_at, ==, t);

  g_assert_false (pm_alert_manager_acknowledge (alerts, "segment:e0:1", "bob", t, &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (pm_alert_manager_acknowledge (alerts, "segment:e9:1", "bob", t, &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (pm_alert_manager_acknowledge (alerts, "segment:e0:1", " ", t, &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID);
  g_clear_error (&error);

  /* Bad silences. */
  g_assert_false (pm_alert_manager_silence (alerts, "segment:e0:1", t, "works", "bob", t,
                                            &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (pm_alert_manager_silence (alerts, "segment:e0:1", t + 600, "", "bob", t,
                                            &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID);
  g_clear_error (&error);

  /* Silenced for ten minutes: still firing, marked, then the silence runs out. */
  g_assert_true (pm_alert_manager_silence (alerts, "segment:e0:1", t + 600, "fibre works",
                                           "bob", t, &error));
  g_assert_no_error (error);
  pm_alert_actions_clear (&actions);
  g_assert_true (pm_alert_manager_get_actions (alerts, "segment:e0:1", &actions, NULL));
  g_assert_cmpstr (actions.silenced_by, ==, "bob");
  g_assert_cmpint (actions.silenced_at, ==, t);
  for (gint64 end = t + 600; t < end; t += TICK)
    {
      g_autoptr(TestAlert) alert = NULL;

      feed (alerts, t, 0.8);
      alert = alert_n (alerts, 1, t);
      g_assert_cmpint (alert->state, ==, PM_ALERT_FIRING);
      g_assert_cmpint (alert->silenced_until, ==, end);
      g_assert_cmpstr (alert->silence_reason, ==, "fibre works");
    }
  {
    g_autoptr(TestAlert) before_expire = NULL, after = NULL;

    /* Read before the tick's expiry: the export already knows the silence is over. */
    before_expire = alert_n (alerts, 1, t);
    g_assert_cmpint (before_expire->silenced_until, ==, 0);
    g_assert_null (before_expire->silence_reason);
    feed (alerts, t, 0.8);
    after = alert_n (alerts, 1, t);
    g_assert_cmpint (after->silenced_until, ==, 0);
    g_assert_true (after->acknowledged);
  }

  /* A silence covers a re-fire of the same subject within it, and can be lifted. */
  g_assert_true (pm_alert_manager_silence (alerts, "segment:e0:1", t + 7200, "storm", "carol", t,
                                           NULL));
  for (gint64 end = t + PM_ALERT_DEFAULT_CLEAR_S + TICK; t <= end; t += TICK)
    feed (alerts, t, 0.05);
  g_assert_cmpuint (pm_alert_manager_count (alerts, PM_ALERT_FIRING), ==, 0);
  t = fire_at (alerts, t);
  {
    g_autoptr(TestAlert) again = alert_n (alerts, 2, t);
    g_assert_cmpint (again->state, ==, PM_ALERT_FIRING);
    g_assert_cmpstr (again->silence_reason, ==, "storm");
    g_assert_false (again->acknowledged);
  }
  g_assert_true (pm_alert_manager_unsilence (alerts, "segment:e0:2", NULL));
  {
    g_autoptr(TestAlert) again = alert_n (alerts, 2, t);
    g_assert_cmpint (again->silenced_until, ==, 0);
  }
}

static void
test_ids (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  gint64 t = T0;
  const char *expected[] = { "segment:e0:1", "segment:e0:1", "segment:e0:1" };
  g_autoptr(GPtrArray) list = NULL;

  /* The same id through pending, firing and resolved. */
  feed (alerts, t, 0.9);
  {
    g_autoptr(GPtrArray) a = pm_alert_manager_export (alerts, t);
    g_assert_cmpstr (((PmAlert *) a->pdata[0])->id, ==, expected[0]);
  }
  t = fire_at (alerts, t + TICK);
  {
    g_autoptr(GPtrArray) a = pm_alert_manager_export (alerts, t);
    g_assert_cmpstr (((PmAlert *) a->pdata[0])->id, ==, expected[1]);
  }
  for (gint64 end = t + PM_ALERT_DEFAULT_CLEAR_S + TICK; t <= end; t += TICK)
    feed (alerts, t, 0.0);
  {
    g_autoptr(GPtrArray) a = pm_alert_manager_export (alerts, t);
    g_assert_cmpstr (((PmAlert *) a->pdata[0])->id, ==, expected[2]);
    g_assert_cmpint (((PmAlert *) a->pdata[0])->state, ==, PM_ALERT_RESOLVED);
  }

  /* Numbers count on, and are never reused, even for a pending alert that was dropped. */
  feed (alerts, t, 0.9);
  t += TICK;
  feed (alerts, t, 0.1);
  t = fire_at (alerts, t + TICK);
  list = pm_alert_manager_export (alerts, t);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((PmAlert *) list->pdata[0])->id, ==, "segment:e0:3");
  g_assert_cmpstr (((PmAlert *) list->pdata[1])->id, ==, "segment:e0:1");

  /* Sites. */
  pm_alert_manager_update (alerts, t, PM_ALERT_SITE, 2, 0.6, 0, NULL, 0);
  {
    g_autoptr(TestAlert) site = pm_alert_manager_lookup (alerts, "site:c:1", t);
    g_assert_nonnull (site);
    g_assert_cmpint (site->subject, ==, PM_ALERT_SITE);
    g_assert_cmpuint (site->index, ==, 2);
  }
}

static void
test_export_sorted (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  g_autoptr(GPtrArray) list = NULL;
  PmRiskFactor factors[PM_MAX_FACTORS + 2];
  char *names[G_N_ELEMENTS (factors)];
  gint64 t = T0;

  for (guint i = 0; i < G_N_ELEMENTS (factors); i++)
    {
      names[i] = g_strdup_printf ("factor_%u", i);
      factors[i] = (PmRiskFactor) { names[i], 1.0 / (i + 1), "" };
      g_snprintf (factors[i].text, sizeof factors[i].text, "because %u", i);
      pm_alert_manager_update (alerts, t, PM_ALERT_SEGMENT, 1, 0.7, T0 + 900, factors, i + 1);
    }
  /* One resolved alert on site a, with the highest probability ever seen. */
  for (gint64 end = t + PM_ALERT_DEFAULT_HOLD_S; t <= end; t += TICK)
    pm_alert_manager_update (alerts, t, PM_ALERT_SITE, 0, 0.99, 0, NULL, 0);
  for (gint64 end = t + PM_ALERT_DEFAULT_CLEAR_S; t <= end; t += TICK)
    pm_alert_manager_update (alerts, t, PM_ALERT_SITE, 0, 0.0, 0, NULL, 0);
  /* Same probability, different expected times; one without. */
  pm_alert_manager_update (alerts, t, PM_ALERT_SEGMENT, 0, 0.7, T0 + 300, NULL, 0);
  pm_alert_manager_update (alerts, t, PM_ALERT_SITE, 1, 0.7, 0, NULL, 0);
  pm_alert_manager_update (alerts, t, PM_ALERT_SITE, 2, 0.95, 0, NULL, 0);
  pm_alert_manager_update (alerts, t, PM_ALERT_SEGMENT, 1, 0.7, T0 + 900, factors,
                           G_N_ELEMENTS (factors));
  /* The manager keeps names of its own: the caller's strings may go. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_free (names[i]);

  list = pm_alert_manager_export (alerts, t);
  g_assert_cmpuint (list->len, ==, 5);
  g_assert_cmpstr (((PmAlert *) list->pdata[0])->id, ==, "site:c:1");
  g_assert_cmpstr (((PmAlert *) list->pdata[1])->id, ==, "segment:e0:1");
  g_assert_cmpstr (((PmAlert *) list->pdata[2])->id, ==, "segment:e1:1");
  g_assert_cmpstr (((PmAlert *) list->pdata[3])->id, ==, "site:b:1");
  g_assert_cmpstr (((PmAlert *) list->pdata[4])->id, ==, "site:a:1");
  g_assert_cmpint (((PmAlert *) list->pdata[4])->state, ==, PM_ALERT_RESOLVED);

  {
    PmAlert *e1 = list->pdata[2];

    g_assert_cmpint (e1->state, ==, PM_ALERT_FIRING);
    g_assert_cmpint (e1->eta_s, ==, T0 + 900);
    g_assert_cmpuint (e1->n_factors, ==, PM_MAX_FACTORS);
    g_assert_cmpstr (e1->factors[0].name, ==, "factor_0");
    g_assert_cmpstr (e1->factors[5].text, ==, "because 5");
  }

  /* Time never runs backwards. */
  g_assert_false (pm_alert_manager_update (alerts, t - 1, PM_ALERT_SEGMENT, 0, 0.9, 0, NULL, 0));
}

static void
test_log (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GString) site_lines = g_string_new (NULL);
  g_auto(GStrv) split = NULL;
  gint64 t = T0, fired1, resolved1;
  PmAlertParams params;

  /* Sites with their own thresholds. */
  pm_alert_manager_get_params (alerts, PM_ALERT_SITE, &params);
  params.fire_threshold = 0.2;
  params.clear_threshold = 0.9;  /* clamped to the fire threshold */
  params.hold_s = 0;
  pm_alert_manager_set_params (alerts, PM_ALERT_SITE, &params);
  pm_alert_manager_get_params (alerts, PM_ALERT_SITE, &params);
  g_assert_cmpfloat (params.clear_threshold, ==, 0.2);

  t = fire_at (alerts, t);
  fired1 = T0 + PM_ALERT_DEFAULT_HOLD_S;
  for (gint64 end = t + PM_ALERT_DEFAULT_CLEAR_S + TICK; t <= end; t += TICK)
    feed (alerts, t, 0.0);
  resolved1 = t - 2 * TICK;
  t = fire_at (alerts, t);
  pm_alert_manager_update (alerts, t, PM_ALERT_SITE, 1, 0.25, 0, NULL, 0);

  pm_alert_manager_write_log (alerts, PM_ALERT_SEGMENT, lines);
  pm_alert_manager_write_log (alerts, PM_ALERT_SITE, site_lines);
  split = g_strsplit (lines->str, "\n", -1);
  g_assert_cmpuint (g_strv_length (split), ==, 3);
  g_assert_cmpstr (split[2], ==, "");
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      g_assert_true (json_parser_load_from_data (parser, split[i], -1, NULL));
      object = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpuint (json_object_get_size (object), ==, 4);
      g_assert_cmpstr (json_object_get_string_member (object, "segment"), ==, "e0");
      g_assert_cmpfloat (json_object_get_double_member (object, "probability"), ==, 0.8);
      if (i == 0)
        {
          g_assert_cmpint (json_object_get_int_member (object, "fired_at"), ==, fired1);
          g_assert_cmpint (json_object_get_int_member (object, "resolved_at"), ==, resolved1);
        }
      else
        g_assert_true (json_object_get_null_member (object, "resolved_at"));
    }
  g_assert_true (g_str_has_prefix (site_lines->str, "{\"site\":\"b\","));
}

/* The API thread acknowledges and silences while the engine ticks. */
typedef struct
{
  PmAlertManager *alerts;
  gint            stop;
  gint            acks;
} Racer;

static gpointer
racer_thread (gpointer data)
{
  Racer *racer = data;

  /* As an API client would: list the alerts, then act on them. */
  while (!g_atomic_int_get (&racer->stop))
    {
      g_autoptr(GPtrArray) list = pm_alert_manager_export (racer->alerts, T0);

      for (guint i = 0; i < list->len; i++)
        {
          const char *id = ((PmAlert *) list->pdata[i])->id;
          g_autoptr(TestAlert) alert = NULL;

          if (pm_alert_manager_acknowledge (racer->alerts, id, "api", T0, NULL))
            g_atomic_int_inc (&racer->acks);
          pm_alert_manager_silence (racer->alerts, id, G_MAXINT64, "racing", "api", T0, NULL);
          alert = pm_alert_manager_lookup (racer->alerts, id, T0);
        }
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  Racer racer = { alerts, 0, 0 };
  GThread *thread = g_thread_new ("racer", racer_thread, &racer);
  gint64 t = T0;

  /* Up for 20 ticks, down for 40: an alert fires and resolves every cycle. At least 200
   * cycles, and on until the other thread has got some acknowledgements in. */
  for (guint k = 0; k < 200 || (g_atomic_int_get (&racer.acks) < 5 && k < 100000); k++)
    for (guint i = 0; i < 60; i++, t += TICK)
      {
        g_autoptr(GPtrArray) list = NULL;

        pm_alert_manager_update (alerts, t, PM_ALERT_SEGMENT, 1, i < 20 ? 0.9 : 0.0, 0, NULL, 0);
        pm_alert_manager_expire (alerts, t);
        list = pm_alert_manager_export (alerts, t);
      }
  g_atomic_int_set (&racer.stop, TRUE);
  g_thread_join (thread);
  g_assert_cmpint (g_atomic_int_get (&racer.acks), >=, 5);
}

/* The mark of that kind on segment e0 among marks, or NULL. */
static const PmAlertMark *
find_mark (GPtrArray  *marks,
           const char *kind)
{
  for (guint i = 0; i < marks->len; i++)
    {
      const PmAlertMark *mark = g_ptr_array_index (marks, i);

      if (g_str_equal (mark->kind, kind) && g_str_equal (mark->subject, "segment")
          && g_str_equal (mark->subject_id, "e0"))
        return mark;
    }
  return NULL;
}

/* What is kept across restarts: the silence until it ends, the acknowledgement while its episode
 * lasts; the serial tells a saver that something changed. */
static void
test_marks (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  g_autoptr(GPtrArray) marks = NULL;
  const PmAlertMark *mark;
  gint64 t = fire_at (alerts, T0), until;
  guint64 serial = pm_alert_manager_get_marks_serial (alerts);

  marks = pm_alert_manager_dup_marks (alerts, t);
  g_assert_cmpuint (marks->len, ==, 0);
  g_clear_pointer (&marks, g_ptr_array_unref);

  until = t + 3 * 3600;
  g_assert_true (pm_alert_manager_acknowledge (alerts, "segment:e0:1", "alice", t, NULL));
  g_assert_cmpuint (pm_alert_manager_get_marks_serial (alerts), >, serial);
  serial = pm_alert_manager_get_marks_serial (alerts);
  g_assert_true (pm_alert_manager_silence (alerts, "segment:e0:1", until, "fibre works", "bob",
                                           t + 5, NULL));
  g_assert_cmpuint (pm_alert_manager_get_marks_serial (alerts), >, serial);

  marks = pm_alert_manager_dup_marks (alerts, t + 5);
  g_assert_cmpuint (marks->len, ==, 2);
  mark = find_mark (marks, "acknowledged");
  g_assert_nonnull (mark);
  g_assert_cmpstr (mark->who, ==, "alice");
  g_assert_cmpint (mark->at, ==, t);
  g_assert_cmpstr (mark->alert_id, ==, "segment:e0:1");
  g_assert_cmpint (mark->until, ==, 0);
  mark = find_mark (marks, "silenced");
  g_assert_nonnull (mark);
  g_assert_cmpstr (mark->who, ==, "bob");
  g_assert_cmpint (mark->at, ==, t + 5);
  g_assert_cmpint (mark->until, ==, until);
  g_assert_cmpstr (mark->reason, ==, "fibre works");
  g_clear_pointer (&marks, g_ptr_array_unref);

  /* Ticks that change nothing leave the serial alone. */
  serial = pm_alert_manager_get_marks_serial (alerts);
  feed (alerts, t + TICK, 0.8);
  g_assert_cmpuint (pm_alert_manager_get_marks_serial (alerts), ==, serial);

  /* Resolved, the episode is over: its acknowledgement ends, the silence goes on. */
  for (t += TICK; pm_alert_manager_count (alerts, PM_ALERT_FIRING) > 0; t += TICK)
    feed (alerts, t, 0.0);
  g_assert_cmpuint (pm_alert_manager_get_marks_serial (alerts), >, serial);
  marks = pm_alert_manager_dup_marks (alerts, t);
  g_assert_cmpuint (marks->len, ==, 1);
  g_assert_nonnull (find_mark (marks, "silenced"));
  g_clear_pointer (&marks, g_ptr_array_unref);

  /* The next episode is not acknowledged. */
  t = fire_at (alerts, t);
  {
    g_autoptr(TestAlert) again = alert_n (alerts, 2, t);
    g_assert_false (again->acknowledged);
    g_assert_cmpint (again->silenced_until, ==, until);
  }

  /* The silence ends. */
  serial = pm_alert_manager_get_marks_serial (alerts);
  feed (alerts, until, 0.8);
  g_assert_cmpuint (pm_alert_manager_get_marks_serial (alerts), >, serial);
  marks = pm_alert_manager_dup_marks (alerts, until);
  g_assert_cmpuint (marks->len, ==, 0);
}

static PmAlertMark
stored_mark (const char *kind,
             const char *subject_id,
             gint64      at,
             gint64      until)
{
  gboolean silence = g_str_equal (kind, "silenced");

  return (PmAlertMark) {
    .kind = (char *) kind, .subject = "segment", .subject_id = (char *) subject_id,
    .alert_id = "segment:e0:7", .who = "alice", .at = at, .until = until,
    .reason = silence ? "fibre works" : NULL,
  };
}

/* A restarted manager gets the stored marks back: the silence covers the subject's next alert,
 * the acknowledgement the alert of the episode going on, with its time. */
static void
test_restore (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  g_autoptr(GError) error = NULL;
  g_auto(PmAlertActions) actions = { 0 };
  PmAlertMark silence = stored_mark ("silenced", "e0", T0 - 600, T0 + 3600);
  PmAlertMark ack = stored_mark ("acknowledged", "e0", T0 - 300, 0);
  PmAlertMark ended = stored_mark ("silenced", "e1", T0 - 7200, T0 - 1);
  PmAlertMark unknown_kind = stored_mark ("snoozed", "e0", T0 - 300, 0);
  PmAlertMark unknown_segment = stored_mark ("acknowledged", "e7", T0 - 300, 0);
  PmAlertMark no_reason = stored_mark ("silenced", "e1", T0 - 300, T0 + 60);
  PmAlertMark unknown_subject = stored_mark ("acknowledged", "e0", T0 - 300, 0);
  g_autoptr(GPtrArray) marks = NULL;
  gint64 t;

  g_assert_true (pm_alert_manager_restore (alerts, &silence, T0, &error));
  g_assert_no_error (error);
  g_assert_true (pm_alert_manager_restore (alerts, &ack, T0, &error));
  g_assert_no_error (error);

  g_assert_false (pm_alert_manager_restore (alerts, &ended, T0, &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_EXPIRED);
  g_clear_error (&error);
  g_assert_false (pm_alert_manager_restore (alerts, &unknown_kind, T0, &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "snoozed"));
  g_clear_error (&error);
  g_assert_false (pm_alert_manager_restore (alerts, &unknown_segment, T0, &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "e7"));
  g_clear_error (&error);
  no_reason.reason = NULL;
  g_assert_false (pm_alert_manager_restore (alerts, &no_reason, T0, &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID);
  g_clear_error (&error);
  unknown_subject.subject = "router";
  g_assert_false (pm_alert_manager_restore (alerts, &unknown_subject, T0, &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID);
  g_clear_error (&error);

  /* Before any alert, the manager already holds both, and only those. */
  marks = pm_alert_manager_dup_marks (alerts, T0);
  g_assert_cmpuint (marks->len, ==, 2);
  g_assert_cmpint (find_mark (marks, "silenced")->until, ==, T0 + 3600);
  g_assert_cmpint (find_mark (marks, "acknowledged")->at, ==, T0 - 300);
  g_clear_pointer (&marks, g_ptr_array_unref);

  /* The subject's risk is still high: its alert is the episode going on. */
  t = fire_at (alerts, T0);
  {
    g_autoptr(TestAlert) alert = alert_n (alerts, 1, t);
    g_assert_cmpint (alert->state, ==, PM_ALERT_FIRING);
    g_assert_true (alert->acknowledged);
    g_assert_cmpstr (alert->acknowledged_by, ==, "alice");
    g_assert_cmpint (alert->silenced_until, ==, T0 + 3600);
    g_assert_cmpstr (alert->silence_reason, ==, "fibre works");
  }
  g_assert_true (pm_alert_manager_get_actions (alerts, "segment:e0:1", &actions, NULL));
  g_assert_cmpint (actions.acknowledged_at, ==, T0 - 300);
  g_assert_cmpstr (actions.silenced_by, ==, "alice");
  g_assert_cmpint (actions.silenced_at, ==, T0 - 600);
  /* Still the one acknowledgement. */
  g_assert_false (pm_alert_manager_acknowledge (alerts, "segment:e0:1", "bob", t, &error));
  g_assert_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_CONFLICT);
}

/* A restored acknowledgement whose subject has calmed down meanwhile: its episode is over, and
 * the next alert is a new one, not acknowledged. Brief calm, or unknown figures, do not end it. */
static void
test_restore_episode_over (void)
{
  g_autoptr(PmTopology) topology = small_net ();
  g_autoptr(PmAlertManager) alerts = manager (topology);
  PmAlertMark ack = stored_mark ("acknowledged", "e0", T0 - 300, 0);
  g_autoptr(GPtrArray) marks = NULL;
  guint64 serial;
  gint64 t = T0;

  g_assert_true (pm_alert_manager_restore (alerts, &ack, T0, NULL));
  serial = pm_alert_manager_get_marks_serial (alerts);

  /* Calm, but not for long enough; then unknown for long; then between the thresholds. */
  for (gint64 end = t + PM_ALERT_DEFAULT_CLEAR_S - TICK; t < end; t += TICK)
    feed (alerts, t, 0.0);
  for (gint64 end = t + 2 * PM_ALERT_DEFAULT_CLEAR_S; t < end; t += TICK)
    feed (alerts, t, NAN);
  feed (alerts, t, 0.4);
  t += TICK;
  marks = pm_alert_manager_dup_marks (alerts, t);
  g_assert_nonnull (find_mark (marks, "acknowledged"));
  g_clear_pointer (&marks, g_ptr_array_unref);
  g_assert_cmpuint (pm_alert_manager_get_marks_serial (alerts), ==, serial);

  /* Calm for as long as a firing alert takes to resolve: the episode is over. */
  for (gint64 end = t + PM_ALERT_DEFAULT_CLEAR_S; t <= end; t += TICK)
    feed (alerts, t, 0.0);
  g_assert_cmpuint (pm_alert_manager_get_marks_serial (alerts), >, serial);
  marks = pm_alert_manager_dup_marks (alerts, t);
  g_assert_cmpuint (marks->len, ==, 0);

  t = fire_at (alerts, t);
  {
    g_autoptr(TestAlert) alert = alert_n (alerts, 1, t);
    g_assert_false (alert->acknowledged);
    g_assert_null (alert->acknowledged_by);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/alerts/hold", test_hold);
  g_test_add_func ("/alerts/short-spike", test_short_spike);
  g_test_add_func ("/alerts/hysteresis", test_hysteresis);
  g_test_add_func ("/alerts/no-flapping", test_no_flapping);
  g_test_add_func ("/alerts/unknown", test_unknown);
  g_test_add_func ("/alerts/ack-and-silence", test_ack_and_silence);
  g_test_add_func ("/alerts/ids", test_ids);
  g_test_add_func ("/alerts/export-sorted", test_export_sorted);
  g_test_add_func ("/alerts/log", test_log);
  g_test_add_func ("/alerts/threads", test_threads);
  g_test_add_func ("/alerts/marks", test_marks);
  g_test_add_func ("/alerts/restore", test_restore);
  g_test_add_func ("/alerts/restore-episode-over", test_restore_episode_over);
  return g_test_run ();
}
