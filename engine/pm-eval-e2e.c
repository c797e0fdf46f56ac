/* pm-eval-e2e.c: end-to-end comparison of mirroring policies; see pm-eval-e2e.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-eval-e2e.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "model/pm-json-private.h"
#include "route/pm-api-json.h"

const char *
pm_e2e_policy_name (PmE2ePolicy policy)
{
  static const char *const names[] = { "origin_only", "reactive", "mirror_all", "premirror" };

  g_return_val_if_fail (policy < PM_E2E_N_POLICIES, NULL);
  return names[policy];
}

const char *
pm_e2e_policy_title (PmE2ePolicy policy)
{
  static const char *const titles[] = {
    "Origin only", "Reactive failover", "Mirror everything", "Premirror"
  };

  g_return_val_if_fail (policy < PM_E2E_N_POLICIES, NULL);
  return titles[policy];
}

void
pm_e2e_tally_init (PmE2eTally *tally)
{
  *tally = (PmE2eTally) { 0 };
  tally->latency_hist = g_new0 (double, PM_E2E_LATENCY_BINS);
}

void
pm_e2e_tally_clear (PmE2eTally *tally)
{
  g_clear_pointer (&tally->latency_hist, g_free);
}

void
pm_e2e_tally_merge (PmE2eTally       *tally,
                    const PmE2eTally *other)
{
  tally->requests += other->requests;
  tally->served += other->served;
  tally->cut_off += other->cut_off;
  tally->cut_off_served += other->cut_off_served;
  tally->cut_off_foreseeable += other->cut_off_foreseeable;
  tally->cut_off_foreseeable_served += other->cut_off_foreseeable_served;
  tally->bytes_replicated += other->bytes_replicated;
  tally->bytes_refreshing += other->bytes_refreshing;
  tally->replica_seconds += other->replica_seconds;
  tally->deadlines += other->deadlines;
  tally->missed_deadlines += other->missed_deadlines;
  for (guint i = 0; i < PM_E2E_LATENCY_BINS; i++)
    tally->latency_hist[i] += other->latency_hist[i];
  for (guint k = 0; k < PM_PARTITION_N_KINDS; k++)
    {
      tally->cut_off_by_kind[k] += other->cut_off_by_kind[k];
      tally->cut_off_served_by_kind[k] += other->cut_off_served_by_kind[k];
    }
}

/* The q-quantile of the served requests' added latency: the middle of the bin it falls in. */
static double
latency_quantile (const PmE2eTally *tally,
                  double            q)
{
  double total = 0, below = 0;

  for (guint i = 0; i < PM_E2E_LATENCY_BINS; i++)
    total += tally->latency_hist[i];
  if (total <= 0)
    return NAN;
  for (guint i = 0; i < PM_E2E_LATENCY_BINS; i++)
    {
      below += tally->latency_hist[i];
      if (below >= q * total)
        return i == 0 ? 0.0 : (i + 0.5) * PM_E2E_LATENCY_BIN_MS;
    }
  return (PM_E2E_LATENCY_BINS - 0.5) * PM_E2E_LATENCY_BIN_MS;
}

static double
share (double part,
       double whole)
{
  return whole > 0 ? part / whole : NAN;
}

void
pm_e2e_tally_compute (const PmE2eTally *tally,
                      PmE2ePolicy       policy,
                      PmE2eMetrics     *metrics)
{
  metrics->served_cut_off = share (tally->cut_off_served, tally->cut_off);
  metrics->served_cut_off_foreseeable = share (tally->cut_off_foreseeable_served,
                                               tally->cut_off_foreseeable);
  metrics->availability = share (tally->served, tally->requests);
  metrics->latency_p50_ms = latency_quantile (tally, 0.5);
  metrics->latency_p99_ms = latency_quantile (tally, 0.99);
  metrics->bytes_replicated = tally->bytes_replicated;
  metrics->replica_hours = tally->replica_seconds / 3600;
  metrics->missed_deadlines = policy == PM_E2E_PREMIRROR ? (double) tally->missed_deadlines
                                                         : NAN;
}

void
pm_e2e_timeline_free (PmE2eTimeline *timeline)
{
  if (timeline == NULL)
    return;
  g_free (timeline->topology);
  g_free (timeline->users_site);
  g_free (timeline->target_site);
  g_free (timeline->resource);
  g_clear_pointer (&timeline->isolation, g_array_unref);
  g_free (timeline);
}

static void
run_clear (PmE2eRun *run)
{
  g_free (run->topology);
}

void
pm_e2e_report_init (PmE2eReport *report)
{
  *report = (PmE2eReport) { 0 };
  for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
    pm_e2e_tally_init (&report->tally[p]);
  report->runs = g_array_new (FALSE, TRUE, sizeof (PmE2eRun));
  g_array_set_clear_func (report->runs, (GDestroyNotify) run_clear);
}

void
pm_e2e_report_clear (PmE2eReport *report)
{
  for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
    pm_e2e_tally_clear (&report->tally[p]);
  g_clear_pointer (&report->runs, g_array_unref);
  g_clear_pointer (&report->timeline, pm_e2e_timeline_free);
}

static void
add_metrics (JsonBuilder        *builder,
             const PmE2eMetrics *metrics)
{
  pm_api_json_add_number (builder, "served_cut_off", metrics->served_cut_off);
  pm_api_json_add_number (builder, "served_cut_off_foreseeable", metrics->served_cut_off_foreseeable);
  pm_api_json_add_number (builder, "availability", metrics->availability);
  pm_api_json_add_number (builder, "latency_p50_ms", metrics->latency_p50_ms);
  pm_api_json_add_number (builder, "latency_p99_ms", metrics->latency_p99_ms);
  pm_api_json_add_number (builder, "bytes_replicated", metrics->bytes_replicated);
  pm_api_json_add_number (builder, "replica_hours", metrics->replica_hours);
  pm_api_json_add_number (builder, "missed_deadlines", metrics->missed_deadlines);
}

char *
pm_e2e_report_to_json (const PmE2eReport *report)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "policies");
  json_builder_begin_object (builder);
  for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
    {
      const PmE2eTally *tally = &report->tally[p];
      PmE2eMetrics metrics;

      pm_e2e_tally_compute (tally, p, &metrics);
      json_builder_set_member_name (builder, pm_e2e_policy_name (p));
      json_builder_begin_object (builder);
      add_metrics (builder, &metrics);
      /* The counts behind the shares, so that runs can be pooled elsewhere. */
      pm_api_json_add_number (builder, "requests", tally->requests);
      pm_api_json_add_number (builder, "served", tally->served);
      pm_api_json_add_number (builder, "cut_off_requests", tally->cut_off);
      pm_api_json_add_number (builder, "cut_off_served", tally->cut_off_served);
      pm_api_json_add_number (builder, "cut_off_foreseeable_requests", tally->cut_off_foreseeable);
      pm_api_json_add_number (builder, "cut_off_foreseeable_served", tally->cut_off_foreseeable_served);
      pm_api_json_add_number (builder, "bytes_refreshing", tally->bytes_refreshing);
      json_builder_set_member_name (builder, "served_cut_off_by_kind");
      json_builder_begin_object (builder);
      for (guint k = 0; k < PM_PARTITION_N_KINDS; k++)
        pm_api_json_add_number (builder, pm_partition_kind_to_string (k),
                    share (tally->cut_off_served_by_kind[k], tally->cut_off_by_kind[k]));
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "cut_off_requests_by_kind");
      json_builder_begin_object (builder);
      for (guint k = 0; k < PM_PARTITION_N_KINDS; k++)
        pm_api_json_add_number (builder, pm_partition_kind_to_string (k), tally->cut_off_by_kind[k]);
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "deadlines");
      json_builder_add_int_value (builder, (gint64) tally->deadlines);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "partitions");
  json_builder_add_int_value (builder, report->partitions);
  json_builder_set_member_name (builder, "foreseeable");
  json_builder_add_int_value (builder, report->foreseeable);
  json_builder_set_member_name (builder, "runs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < report->runs->len; i++)
    {
      const PmE2eRun *run = &g_array_index (report->runs, PmE2eRun, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "topology");
      json_builder_add_string_value (builder, run->topology);
      json_builder_set_member_name (builder, "seed");
      json_builder_add_int_value (builder, (gint64) run->seed);
      json_builder_set_member_name (builder, "partitions");
      json_builder_add_int_value (builder, run->partitions);
      json_builder_set_member_name (builder, "foreseeable");
      json_builder_add_int_value (builder, run->foreseeable);
      json_builder_set_member_name (builder, "policies");
      json_builder_begin_object (builder);
      for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
        {
          json_builder_set_member_name (builder, pm_e2e_policy_name (p));
          json_builder_begin_object (builder);
          add_metrics (builder, &run->metrics[p]);
          json_builder_end_object (builder);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return _pm_json_builder_to_text (builder);
}

char *
pm_e2e_report_to_table (const PmE2eReport *report)
{
  GString *out = g_string_new (NULL);
  PmE2eMetrics m[PM_E2E_N_POLICIES];

  g_string_append_printf (out, "Partitions: %u (foreseeable %u), %u replay%s\n\n",
                          report->partitions, report->foreseeable, report->runs->len,
                          report->runs->len == 1 ? "" : "s");
  g_string_append (out, "policy        served_cut_off  served_cut_off_fs  availability"
                   "  lat_p50_ms  lat_p99_ms  replicated_MB  replica_h  missed\n");
  for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
    {
      pm_e2e_tally_compute (&report->tally[p], p, &m[p]);
      g_string_append_printf (out, "%-12s", pm_e2e_policy_name (p));
      pm_eval_append_cell (out, m[p].served_cut_off, 16, 3);
      pm_eval_append_cell (out, m[p].served_cut_off_foreseeable, 19, 3);
      pm_eval_append_cell (out, m[p].availability, 14, 4);
      pm_eval_append_cell (out, m[p].latency_p50_ms, 12, 1);
      pm_eval_append_cell (out, m[p].latency_p99_ms, 12, 1);
      pm_eval_append_cell (out, m[p].bytes_replicated / 1e6, 15, 1);
      pm_eval_append_cell (out, m[p].replica_hours, 11, 1);
      pm_eval_append_cell (out, m[p].missed_deadlines, 8, 0);
      g_string_append_c (out, '\n');
    }
  g_string_append (out, "\nPremirror over foreseeable partitions: ");
  pm_eval_append_cell (out, m[PM_E2E_PREMIRROR].served_cut_off_foreseeable
                    / m[PM_E2E_MIRROR_ALL].served_cut_off_foreseeable, 0, 3);
  g_string_append (out, " × mirror-everything's served share with ");
  pm_eval_append_cell (out, m[PM_E2E_PREMIRROR].bytes_replicated
                    / m[PM_E2E_MIRROR_ALL].bytes_replicated, 0, 3);
  g_string_append (out, " × its bytes; ");
  pm_eval_append_cell (out, m[PM_E2E_PREMIRROR].served_cut_off_foreseeable
                    - m[PM_E2E_REACTIVE].served_cut_off_foreseeable, 0, 3);
  g_string_append (out, " above reactive failover\n");
  return g_string_free (out, FALSE);
}
