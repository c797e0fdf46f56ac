/* test-notifier.c: each firing alert and each pending proposal is announced once, quiet while
 * silenced, and withdrawn when it is over.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "mirror/pm-catalog.h"
#include "pm-demo.h"
#include "pm-notifier.h"
#include "pm-test-util.h"

static PmSnapshot *
snapshot_with_alert (PmTopology  *topology,
                     PmAlertState state,
                     gint64       silenced_until)
{
  PmSnapshot *snapshot = pm_snapshot_new (topology);
  PmAlert *alert = g_new0 (PmAlert, 1);

  snapshot->time_s = 1000;
  alert->id = g_strdup ("segment:lon--par:1");
  alert->subject = PM_ALERT_SEGMENT;
  alert->index = 0;
  alert->state = state;
  alert->probability = 0.81;
  alert->eta_s = 4600;
  alert->silenced_until = silenced_until;
  alert->n_factors = 1;
  g_strlcpy (alert->factors[0].text, "loss rising 0.4%/min", sizeof alert->factors[0].text);
  g_ptr_array_add (snapshot->alerts, alert);
  return snapshot;
}

static void
test_notifier_alerts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = pm_demo_load_topology (&error);
  g_autoptr(PmNotifier) notifier = pm_notifier_new ();
  g_autoptr(PmSnapshot) pending = snapshot_with_alert (topology, PM_ALERT_PENDING, 0);
  g_autoptr(PmSnapshot) firing = snapshot_with_alert (topology, PM_ALERT_FIRING, 0);
  g_autoptr(PmSnapshot) silenced = snapshot_with_alert (topology, PM_ALERT_FIRING, 5000);
  g_autoptr(PmSnapshot) resolved = snapshot_with_alert (topology, PM_ALERT_RESOLVED, 0);
  g_autoptr(GPtrArray) first = NULL, fired = NULL, again = NULL, quiet = NULL, back = NULL,
                       over = NULL;
  PmNotice *notice;

  g_assert_no_error (error);
  first = pm_notifier_update_alerts (notifier, pending);
  g_assert_cmpuint (first->len, ==, 0);

  fired = pm_notifier_update_alerts (notifier, firing);
  g_assert_cmpuint (fired->len, ==, 1);
  notice = g_ptr_array_index (fired, 0);
  g_assert_false (notice->withdrawn);
  g_assert_cmpint (notice->kind, ==, PM_NOTICE_ALERT);
  g_assert_cmpstr (notice->target, ==, "segment:lon--par:1");
  g_assert_nonnull (strstr (notice->body, "loss rising 0.4%/min"));
  g_assert_nonnull (strstr (notice->title, pm_topology_get_segment (topology, 0)->id));

  /* Still firing on the next tick: no second notice. */
  again = pm_notifier_update_alerts (notifier, firing);
  g_assert_cmpuint (again->len, ==, 0);

  /* Silenced: the notice is withdrawn, and it comes back once the silence is over. */
  quiet = pm_notifier_update_alerts (notifier, silenced);
  g_assert_cmpuint (quiet->len, ==, 1);
  g_assert_true (((PmNotice *) g_ptr_array_index (quiet, 0))->withdrawn);
  back = pm_notifier_update_alerts (notifier, firing);
  g_assert_cmpuint (back->len, ==, 1);

  over = pm_notifier_update_alerts (notifier, resolved);
  g_assert_cmpuint (over->len, ==, 1);
  notice = g_ptr_array_index (over, 0);
  g_assert_true (notice->withdrawn);
  g_assert_cmpstr (notice->id, ==, "alert:segment:lon--par:1");
}

static void
test_notifier_proposals (void)
{
  g_autoptr(PmNotifier) notifier = pm_notifier_new ();
  g_autoptr(GPtrArray) proposals = g_ptr_array_new ();
  g_autoptr(GPtrArray) first = NULL, again = NULL, decided = NULL;
  PmProposal proposal = { .id = 7, .resource = "firmware", .site = "par",
                          .state = PM_PROPOSAL_PENDING, .deadline_s = 3600,
                          .reason = NULL };
  PmNotice *notice;

  g_ptr_array_add (proposals, &proposal);
  first = pm_notifier_update_proposals (notifier, proposals);
  g_assert_cmpuint (first->len, ==, 1);
  notice = g_ptr_array_index (first, 0);
  g_assert_cmpint (notice->kind, ==, PM_NOTICE_PROPOSAL);
  g_assert_cmpstr (notice->target, ==, "7");
  g_assert_nonnull (strstr (notice->title, "firmware"));
  g_assert_nonnull (strstr (notice->title, "par"));

  again = pm_notifier_update_proposals (notifier, proposals);
  g_assert_cmpuint (again->len, ==, 0);

  proposal.state = PM_PROPOSAL_APPROVED;
  decided = pm_notifier_update_proposals (notifier, proposals);
  g_assert_cmpuint (decided->len, ==, 1);
  g_assert_true (((PmNotice *) g_ptr_array_index (decided, 0))->withdrawn);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/notifier/alerts", test_notifier_alerts);
  g_test_add_func ("/notifier/proposals", test_notifier_proposals);
  return g_test_run ();
}
