/* test-alert-store.c: acknowledgements and silences outlive the engine: stored in the SQLite
 * catalogue when made (from the console's call or over the API), restored by the next engine on
 * the same data folder before its first tick, so that a silenced alert stays quiet; ended silences
 * are purged, an acknowledgement does not pass to a new episode, and rows that cannot be used are
 * reported and left alone.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <string.h>

#include "mirror/pm-catalog-sqlite.h"
#include "pm-demo.h"
#include "pm-engine.h"
#include "pm-notifier.h"
#include "pm-test-util.h"
#include "route/pm-api-server.h"
#include "route/pm-tokens.h"
#include "telemetry/pm-simulator.h"

/* An alias, so that this file does not clash if pm-snapshot.h gains its own cleanup for PmAlert. */
typedef PmAlert TestAlert;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestAlert, pm_alert_free)

static PmEngine *
start_engine (const char *data_dir,
              const char *source_uri)
{
  PmEngineOptions options = { .data_dir = data_dir, .source_uri = source_uri,
                              .start_paused = TRUE };
  g_autoptr(GError) error = NULL;
  PmEngine *engine = pm_engine_new (&options, &error);

  g_assert_no_error (error);
  pm_test_engine_start (engine);
  return engine;
}

static char *
catalog_path (const char *data_dir)
{
  return g_build_filename (data_dir, "catalog.sqlite", NULL);
}

/* The catalogue as another process sees it. */
static GPtrArray *
stored_marks (const char *data_dir,
              gboolean    log)
{
  g_autofree char *path = catalog_path (data_dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCatalog) catalog = pm_catalog_sqlite_open (path, &error);
  GPtrArray *marks;

  g_assert_no_error (error);
  marks = log ? pm_catalog_list_alert_mark_log (catalog, &error)
              : pm_catalog_list_alert_marks (catalog, &error);
  g_assert_no_error (error);
  return marks;
}

static const PmAlertMark *
find_mark (GPtrArray  *marks,
           const char *kind,
           const char *subject_id)
{
  for (guint i = 0; i < marks->len; i++)
    {
      const PmAlertMark *mark = g_ptr_array_index (marks, i);

      if (g_str_equal (mark->kind, kind) && g_str_equal (mark->subject_id, subject_id))
        return mark;
    }
  return NULL;
}

/* Runs sql (several statements) on the file directly, as another program would. */
static void
raw_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static gint64
raw_count (const char *path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static PmAlert *
find_alert (PmSnapshot *snapshot,
            const char *id)
{
  for (guint i = 0; i < snapshot->alerts->len; i++)
    {
      PmAlert *alert = g_ptr_array_index (snapshot->alerts, i);

      if (g_str_equal (alert->id, id))
        return alert;
    }
  g_assert_not_reached ();
}

static const char *
subject_id (PmEngine      *engine,
            PmAlertSubject subject,
            guint          index)
{
  PmTopology *topology = pm_engine_get_topology (engine);

  return subject == PM_ALERT_SEGMENT ? pm_topology_get_segment (topology, index)->id
                                     : pm_topology_get_site (topology, index)->id;
}

/* Feeds one subject at probability from t, every 10 s, for duration seconds; returns the time
 * after the last update. */
static gint64
feed (PmAlertManager *alerts,
      PmAlertSubject  subject,
      guint           index,
      gint64          t,
      gint64          duration,
      double          probability)
{
  for (gint64 end = t + duration; t <= end; t += 10)
    {
      g_assert_true (pm_alert_manager_update (alerts, t, subject, index, probability, 0, NULL, 0));
      pm_alert_manager_expire (alerts, t);
    }
  return t;
}

/* The live alert of a subject, or NULL. */
static PmAlert *
subject_alert (PmAlertManager *alerts,
               PmAlertSubject  subject,
               guint           index,
               gint64          now)
{
  g_autoptr(GPtrArray) list = pm_alert_manager_export (alerts, now);

  for (guint i = 0; i < list->len; i++)
    {
      PmAlert *alert = g_ptr_array_index (list, i);

      if (alert->subject == subject && alert->index == index && alert->state != PM_ALERT_RESOLVED)
        return pm_alert_copy (alert);
    }
  return NULL;
}

static PmSnapshot *
snapshot_of (PmEngine       *engine,
             PmAlertManager *alerts,
             gint64          now)
{
  PmSnapshot *snapshot = pm_snapshot_new (pm_engine_get_topology (engine));

  snapshot->time_s = now;
  g_clear_pointer (&snapshot->alerts, g_ptr_array_unref);
  snapshot->alerts = pm_alert_manager_export (alerts, now);
  return snapshot;
}

static PmSnapshot *
dup_snapshot_cb (gpointer data)
{
  return pm_engine_dup_snapshot (data);
}

/* Silences over the API (as the NOC's tooling would), acknowledges as the console does; a new
 * engine on the same folder has both before its first alert, and its alert of that subject
 * neither notifies nor loses who acknowledged it when. */
static void
test_restart (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *tokens_path = g_build_filename (dir, "tokens", NULL);
  g_autofree char *token_path = g_build_filename (dir, "api-token", NULL);
  g_autofree char *token = NULL, *url = NULL, *body = NULL, *id = NULL, *subject = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) first = start_engine (dir, NULL);
  g_autoptr(PmEngine) second = NULL;
  g_autoptr(PmTokens) tokens = NULL;
  g_autoptr(PmApiServer) server = NULL;
  g_autoptr(SoupSession) session = pm_test_session_new ();
  g_autoptr(GPtrArray) marks = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(TestAlert) restored = NULL;
  g_autoptr(PmSnapshot) quiet = NULL;
  g_autoptr(PmNotifier) notifier = pm_notifier_new ();
  g_autoptr(GPtrArray) notices = NULL;
  g_auto(PmAlertActions) actions = { 0 };
  PmApiAlertActions api_actions;
  PmAlertManager *alerts;
  const PmAlertMark *mark;
  PmAlertSubject kind;
  guint index, other;
  gint64 made, until, t;

  id = pm_test_engine_tick_until_alert (first);
  {
    PmAlert *alert = find_alert (pm_engine_get_snapshot (first), id);

    kind = alert->subject;
    index = alert->index;
  }
  subject = g_strdup (subject_id (first, kind, index));
  made = pm_engine_get_snapshot (first)->time_s;
  until = made + 3600;

  tokens = pm_tokens_open (tokens_path, token_path, "operator", &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (token_path, &token, NULL, NULL));
  g_strstrip (token);
  server = pm_api_server_new (dup_snapshot_cb, g_object_ref (first), g_object_unref);
  pm_engine_get_api_alert_actions (first, &api_actions);
  pm_api_alerts_register (server, tokens, &api_actions);
  g_assert_true (pm_api_server_start (server, "127.0.0.1:0", &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("%s/v1/alerts/%s/silence", pm_api_server_get_url (server), id);
  body = g_strdup_printf ("{\"until\": %" G_GINT64_FORMAT ", \"reason\": \"carrier works "
                          "until 14:00\"}", until);
  g_assert_cmpuint (pm_test_http_request (session, "POST", url, token, body, NULL), ==, 200);
  g_assert_true (pm_engine_acknowledge_alert (first, id, "alice", made, &error));
  g_assert_no_error (error);

  /* Stored when made, with the audit trail, before any tick. */
  marks = stored_marks (dir, FALSE);
  g_assert_cmpuint (marks->len, ==, 2);
  mark = find_mark (marks, "silenced", subject);
  g_assert_nonnull (mark);
  g_assert_cmpstr (mark->who, ==, "operator");
  g_assert_cmpint (mark->until, ==, until);
  g_assert_cmpstr (mark->alert_id, ==, id);
  log = stored_marks (dir, TRUE);
  g_assert_cmpuint (log->len, ==, 2);
  g_clear_pointer (&marks, g_ptr_array_unref);

  /* A tick that changes nothing writes nothing more. */
  pm_engine_tick (first);
  g_clear_pointer (&log, g_ptr_array_unref);
  log = stored_marks (dir, TRUE);
  g_assert_cmpuint (log->len, ==, 2);

  g_clear_object (&server);
  pm_engine_stop (first);
  g_clear_object (&first);

  /* The console starts again: the simulator's clock starts at its beginning, before `made`. */
  second = start_engine (dir, NULL);
  alerts = pm_engine_get_alert_manager (second);
  t = pm_engine_get_snapshot (second)->time_s;
  marks = pm_alert_manager_dup_marks (alerts, t);
  g_assert_cmpuint (marks->len, ==, 2);
  mark = find_mark (marks, "silenced", subject);
  g_assert_nonnull (mark);
  g_assert_cmpint (mark->until, ==, until);
  g_assert_cmpstr (mark->reason, ==, "carrier works until 14:00");
  g_assert_cmpstr (mark->who, ==, "operator");
  mark = find_mark (marks, "acknowledged", subject);
  g_assert_nonnull (mark);
  g_assert_cmpstr (mark->who, ==, "alice");
  g_assert_cmpint (mark->at, ==, made);

  /* The subject is still at risk: its alert fires again, silenced and acknowledged; another
   * subject's alert, for comparison, is announced. */
  other = kind == PM_ALERT_SEGMENT && index == 0 ? 1 : 0;
  t = feed (alerts, kind, index, t + 10, PM_ALERT_DEFAULT_HOLD_S, 0.9);
  t = feed (alerts, PM_ALERT_SEGMENT, other, t, PM_ALERT_DEFAULT_HOLD_S, 0.9);
  restored = subject_alert (alerts, kind, index, t);
  g_assert_nonnull (restored);
  g_assert_cmpint (restored->state, ==, PM_ALERT_FIRING);
  g_assert_cmpint (restored->silenced_until, ==, until);
  g_assert_true (restored->acknowledged);
  g_assert_cmpstr (restored->acknowledged_by, ==, "alice");
  g_assert_true (pm_alert_manager_get_actions (alerts, restored->id, &actions, &error));
  g_assert_no_error (error);
  g_assert_cmpint (actions.acknowledged_at, ==, made);

  quiet = snapshot_of (second, alerts, t);
  notices = pm_notifier_update_alerts (notifier, quiet);
  g_assert_cmpuint (notices->len, ==, 1);
  g_assert_cmpstr (((PmNotice *) g_ptr_array_index (notices, 0))->target, !=, restored->id);
}

/* A silence that ended while the console was down is not restored and leaves the catalogue; an
 * acknowledgement whose subject calmed down is not carried to the next episode. */
static void
test_expired_and_new_episode (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *later = NULL, *id = NULL, *subject = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) first = start_engine (dir, NULL);
  g_autoptr(PmEngine) second = NULL;
  g_autoptr(PmEngine) third = NULL;
  g_autoptr(GPtrArray) marks = NULL;
  g_autoptr(TestAlert) next = NULL;
  PmAlertManager *alerts;
  PmAlertSubject kind;
  guint index;
  gint64 made, t;

  id = pm_test_engine_tick_until_alert (first);
  {
    PmAlert *alert = find_alert (pm_engine_get_snapshot (first), id);

    kind = alert->subject;
    index = alert->index;
  }
  subject = g_strdup (subject_id (first, kind, index));
  made = pm_engine_get_snapshot (first)->time_s;
  g_assert_true (pm_engine_silence_alert (first, id, made + 600, "maintenance", "bob", made,
                                          &error));
  g_assert_no_error (error);
  g_assert_true (pm_engine_acknowledge_alert (first, id, "alice", made, &error));
  g_assert_no_error (error);
  pm_engine_stop (first);
  g_clear_object (&first);

  /* Back an hour later: the silence is over. */
  later = g_strdup_printf ("sim:?seed=1&start=%" G_GINT64_FORMAT, made + 3600);
  second = start_engine (dir, later);
  alerts = pm_engine_get_alert_manager (second);
  t = pm_engine_get_snapshot (second)->time_s;
  marks = pm_alert_manager_dup_marks (alerts, t);
  g_assert_null (find_mark (marks, "silenced", subject));
  g_assert_nonnull (find_mark (marks, "acknowledged", subject));
  g_clear_pointer (&marks, g_ptr_array_unref);
  marks = stored_marks (dir, FALSE);
  g_assert_cmpuint (marks->len, ==, 1);
  g_assert_nonnull (find_mark (marks, "acknowledged", subject));
  g_clear_pointer (&marks, g_ptr_array_unref);

  /* The subject is calm for as long as it takes an alert to resolve: that episode is over, and
   * the next tick's save forgets its acknowledgement. */
  t = feed (alerts, kind, index, t + 10, PM_ALERT_DEFAULT_CLEAR_S, 0.0);
  pm_engine_tick (second);
  marks = stored_marks (dir, FALSE);
  g_assert_cmpuint (marks->len, ==, 0);
  g_clear_pointer (&marks, g_ptr_array_unref);

  t = feed (alerts, kind, index, t, PM_ALERT_DEFAULT_HOLD_S, 0.9);
  next = subject_alert (alerts, kind, index, t);
  g_assert_nonnull (next);
  g_assert_cmpint (next->state, ==, PM_ALERT_FIRING);
  g_assert_false (next->acknowledged);
  g_assert_cmpint (next->silenced_until, ==, 0);
  pm_engine_stop (second);
  g_clear_object (&second);

  third = start_engine (dir, later);
  marks = pm_alert_manager_dup_marks (pm_engine_get_alert_manager (third),
                                      pm_engine_get_snapshot (third)->time_s);
  g_assert_cmpuint (marks->len, ==, 0);

  /* Every mark made is in the log, ended or not. */
  g_clear_pointer (&marks, g_ptr_array_unref);
  marks = stored_marks (dir, TRUE);
  g_assert_cmpuint (marks->len, ==, 2);
}

/* Rows the engine cannot use are reported, skipped, and left as they are; the good ones apply. */
static void
test_malformed_rows (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *path = catalog_path (dir);
  g_autofree char *sql = NULL, *segment = NULL, *another = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(GPtrArray) marks = NULL;
  gint64 start;

  g_autoptr(PmTopology) topology = pm_demo_load_topology (&error);

  g_assert_no_error (error);
  {
    g_autoptr(PmCatalog) catalog = pm_catalog_sqlite_open (path, &error);
    g_assert_no_error (error);
  }
  /* The demo engine's network, and its clock's start. */
  start = PM_SIMULATOR_DEFAULT_START;
  segment = g_strdup (pm_topology_get_segment (topology, 0)->id);
  another = g_strdup (pm_topology_get_segment (topology, 1)->id);
  sql = g_strdup_printf (
    "INSERT INTO alert_marks VALUES ('snoozed', 'segment', '%s', NULL, 'alice', 100, 0, NULL);"
    "INSERT INTO alert_marks VALUES ('acknowledged', 'router', 'r1', NULL, 'alice', 100, 0, NULL);"
    "INSERT INTO alert_marks VALUES ('acknowledged', 'segment', 'nowhere--x', NULL, 'alice', 100,"
    " 0, NULL);"
    "INSERT INTO alert_marks VALUES ('silenced', 'segment', '%s', NULL, 'alice', 'yesterday',"
    " 'soon', 'works');"
    "INSERT INTO alert_marks VALUES ('silenced', 'segment', '%s', 'segment:%s:4', 'bob', %"
    G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 'fibre works');",
    segment, another, segment, segment, start - 60, start + 7200);
  raw_exec (path, sql);

  /* In the order they are read: by kind, subject, subject id. */
  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*column “at” does not hold a time*");
  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*router*unknown subject*");
  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*nowhere--x*has no segment*");
  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*snoozed*unknown kind*");
  engine = start_engine (dir, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpint (pm_engine_get_snapshot (engine)->time_s, ==, start);

  marks = pm_alert_manager_dup_marks (pm_engine_get_alert_manager (engine), start);
  g_assert_cmpuint (marks->len, ==, 1);
  g_assert_cmpstr (find_mark (marks, "silenced", segment)->reason, ==, "fibre works");

  /* Saving leaves the rows it did not restore alone. */
  pm_engine_tick (engine);
  g_assert_cmpint (raw_count (path, "SELECT count(*) FROM alert_marks"), ==, 5);
}

/* The catalogue's side: stored marks by key, the log of each new or changed one, refusals, and
 * a file of the first schema brought up to date. */
static void
test_catalog (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *path = catalog_path (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCatalog) catalog = pm_catalog_sqlite_open (path, &error);
  g_autoptr(GPtrArray) put = g_ptr_array_new ();
  g_autoptr(GPtrArray) marks = NULL;
  PmAlertMark silence = { .kind = "silenced", .subject = "site", .subject_id = "par",
                          .alert_id = "site:par:2", .who = "bob", .at = 100, .until = 900,
                          .reason = "storm" };
  PmAlertMark ack = { .kind = "acknowledged", .subject = "segment", .subject_id = "fra--par",
                      .who = "alice", .at = 120 };
  PmAlertMark bad = silence;

  g_assert_no_error (error);
  g_ptr_array_add (put, &silence);
  g_ptr_array_add (put, &ack);
  g_assert_true (pm_catalog_update_alert_marks (catalog, put, NULL, &error));
  g_assert_no_error (error);
  /* Again, the same: no new log entry; then the silence extended: one. */
  g_assert_true (pm_catalog_update_alert_marks (catalog, put, NULL, &error));
  silence.until = 1800;
  silence.alert_id = "site:par:3";
  g_assert_true (pm_catalog_update_alert_marks (catalog, put, NULL, &error));
  g_assert_no_error (error);
  marks = pm_catalog_list_alert_marks (catalog, &error);
  g_assert_cmpuint (marks->len, ==, 2);
  g_assert_cmpint (find_mark (marks, "silenced", "par")->until, ==, 1800);
  g_assert_null (find_mark (marks, "acknowledged", "fra--par")->reason);
  g_clear_pointer (&marks, g_ptr_array_unref);
  marks = pm_catalog_list_alert_mark_log (catalog, &error);
  g_assert_cmpuint (marks->len, ==, 3);
  g_clear_pointer (&marks, g_ptr_array_unref);

  /* Removed from what is in force, never from the log. */
  g_ptr_array_set_size (put, 0);
  g_ptr_array_add (put, &ack);
  g_assert_true (pm_catalog_update_alert_marks (catalog, NULL, put, &error));
  marks = pm_catalog_list_alert_marks (catalog, &error);
  g_assert_cmpuint (marks->len, ==, 1);
  g_clear_pointer (&marks, g_ptr_array_unref);
  marks = pm_catalog_list_alert_mark_log (catalog, &error);
  g_assert_cmpuint (marks->len, ==, 3);
  g_clear_pointer (&marks, g_ptr_array_unref);
  g_assert_cmpint (raw_count (path, "SELECT count(*) FROM alert_mark_log"), ==, 3);

  /* Refused: an unknown kind, a silence without an end or a reason. */
  g_ptr_array_set_size (put, 0);
  g_ptr_array_add (put, &bad);
  bad.kind = "snoozed";
  g_assert_false (pm_catalog_update_alert_marks (catalog, put, NULL, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  bad.kind = "silenced";
  bad.until = bad.at;
  g_assert_false (pm_catalog_update_alert_marks (catalog, put, NULL, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  bad.until = bad.at + 60;
  bad.reason = " ";
  g_assert_false (pm_catalog_update_alert_marks (catalog, put, NULL, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&catalog);

  /* A catalogue of the first schema (no alert marks) gains the tables when opened. */
  raw_exec (path, "DROP TABLE alert_marks; DROP TRIGGER alert_mark_log_no_delete;"
                  " DROP TABLE alert_mark_log; PRAGMA user_version = 1;");
  catalog = pm_catalog_sqlite_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (raw_count (path, "PRAGMA user_version"), ==, 2);
  g_ptr_array_set_size (put, 0);
  g_ptr_array_add (put, &ack);
  g_assert_true (pm_catalog_update_alert_marks (catalog, put, NULL, &error));
  g_assert_no_error (error);
  marks = pm_catalog_list_alert_marks (catalog, &error);
  g_assert_cmpuint (marks->len, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/alert-store/catalog", test_catalog);
  g_test_add_func ("/alert-store/restart", test_restart);
  g_test_add_func ("/alert-store/expired-and-new-episode", test_expired_and_new_episode);
  g_test_add_func ("/alert-store/malformed-rows", test_malformed_rows);
  return g_test_run ();
}
