/* test-api-alerts.c: operator tokens, and acknowledging and silencing alerts over real HTTP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sys/stat.h>

#include "pm-engine.h"
#include "pm-test-util.h"
#include "route/pm-api-alerts.h"
#include "route/pm-api-server.h"
#include "route/pm-tokens.h"

static void
test_tokens_first_start (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *tokens_path = g_build_filename (dir, "config", "tokens", NULL);
  g_autofree char *token_path = g_build_filename (dir, "data", "api-token", NULL);
  g_autofree char *token = NULL;
  g_autofree char *stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTokens) tokens = pm_tokens_open (tokens_path, token_path, "alice", &error);
  g_autoptr(PmTokens) reopened = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_cmpuint (pm_tokens_get_n_tokens (tokens), ==, 1);
  g_assert_true (g_file_get_contents (token_path, &token, NULL, NULL));
  g_strstrip (token);
  g_assert_cmpstr (pm_tokens_verify (tokens, token), ==, "alice");
  g_assert_null (pm_tokens_verify (tokens, "not-the-token"));
  g_assert_null (pm_tokens_verify (tokens, ""));

  /* Only a digest is stored, and both files are private. */
  g_assert_true (g_file_get_contents (tokens_path, &stored, NULL, NULL));
  g_assert_null (strstr (stored, token));
  g_assert_cmpint (g_stat (tokens_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (token_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* A second start reads the same file and creates nothing new. */
  reopened = pm_tokens_open (tokens_path, token_path, "bob", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_tokens_verify (reopened, token), ==, "alice");
  g_assert_cmpuint (pm_tokens_get_n_tokens (reopened), ==, 1);
}

static void
test_tokens_named_operators_and_bad_file (void)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "s3cret", -1);
  g_autofree char *contents = g_strdup_printf ("# operators\ncarol %s\n", digest);
  g_autofree char *path = pm_test_write_temp_file ("tokens", contents);
  g_autofree char *bad = pm_test_write_temp_file ("tokens", "dave not-a-digest\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTokens) tokens = pm_tokens_open (path, "/nonexistent/api-token", "x", &error);
  g_autoptr(PmTokens) broken = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (pm_tokens_verify_header (tokens, "Bearer s3cret"), ==, "carol");
  g_assert_null (pm_tokens_verify_header (tokens, "Basic s3cret"));
  g_assert_null (pm_tokens_verify_header (tokens, NULL));

  broken = pm_tokens_open (bad, "/nonexistent/api-token", "x", &error);
  g_assert_null (broken);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  pm_test_assert_contains (error->message, ":1:");
}

typedef struct
{
  PmEngine    *engine;
  PmApiServer *server;
  PmTokens    *tokens;
  SoupSession *session;
  char        *token;
} Fixture;

static PmSnapshot *
dup_snapshot_cb (gpointer data)
{
  return pm_engine_dup_snapshot (data);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *tokens_path = g_build_filename (dir, "tokens", NULL);
  g_autofree char *token_path = g_build_filename (dir, "api-token", NULL);
  PmEngineOptions options = { .data_dir = dir, .start_paused = TRUE };
  PmApiAlertActions actions;
  g_autoptr(GError) error = NULL;

  fixture->engine = pm_engine_new (&options, &error);
  g_assert_no_error (error);
  pm_test_engine_start (fixture->engine);
  fixture->tokens = pm_tokens_open (tokens_path, token_path, "operator", &error);
  g_assert_no_error (error);
  g_file_get_contents (token_path, &fixture->token, NULL, NULL);
  g_strstrip (fixture->token);

  fixture->server = pm_api_server_new (dup_snapshot_cb, g_object_ref (fixture->engine),
                                       g_object_unref);
  pm_engine_get_api_alert_actions (fixture->engine, &actions);
  pm_api_alerts_register (fixture->server, fixture->tokens, &actions);
  g_assert_true (pm_api_server_start (fixture->server, "127.0.0.1:0", &error));
  fixture->session = soup_session_new ();
  soup_session_set_proxy_resolver (fixture->session, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->server);
  g_clear_pointer (&fixture->tokens, pm_tokens_free);
  g_clear_object (&fixture->engine);
  g_free (fixture->token);
}

static guint
post (Fixture    *fixture,
      const char *path,
      const char *token,
      const char *body,
      JsonNode  **reply)
{
  g_autofree char *url = g_strconcat (pm_api_server_get_url (fixture->server), path, NULL);

  return pm_test_http_request (fixture->session, "POST", url, token, body, reply);
}

static const char *
error_code (JsonNode *reply)
{
  return json_object_get_string_member (
    json_object_get_object_member (json_node_get_object (reply), "error"), "code");
}

static void
test_api_alerts_acknowledge (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *id = pm_test_engine_tick_until_alert (fixture->engine);
  g_autofree char *path = g_strdup_printf ("/v1/alerts/%s/ack", id);
  g_autoptr(JsonNode) unauthorized = NULL, wrong = NULL, done = NULL, again = NULL, missing = NULL;
  PmSnapshot *snapshot;

  g_assert_cmpuint (post (fixture, path, NULL, NULL, &unauthorized), ==, 401);
  g_assert_cmpstr (error_code (unauthorized), ==, "unauthorized");
  g_assert_cmpuint (post (fixture, path, "guess", NULL, &wrong), ==, 401);

  g_assert_cmpuint (post (fixture, path, fixture->token, NULL, &done), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (done), "by"), ==,
                   "operator");
  g_assert_cmpuint (post (fixture, path, fixture->token, NULL, &again), ==, 409);
  g_assert_cmpuint (post (fixture, "/v1/alerts/segment:nowhere:1/ack", fixture->token, NULL,
                          &missing), ==, 404);

  /* The next snapshot shows who acknowledged it. */
  pm_engine_tick (fixture->engine);
  snapshot = pm_engine_get_snapshot (fixture->engine);
  for (guint i = 0; i < snapshot->alerts->len; i++)
    {
      PmAlert *alert = g_ptr_array_index (snapshot->alerts, i);
      if (g_strcmp0 (alert->id, id) == 0)
        {
          g_assert_true (alert->acknowledged);
          g_assert_cmpstr (alert->acknowledged_by, ==, "operator");
        }
    }
}

static void
test_api_alerts_silence (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *id = pm_test_engine_tick_until_alert (fixture->engine);
  g_autofree char *path = g_strdup_printf ("/v1/alerts/%s/silence", id);
  gint64 now = pm_engine_get_snapshot (fixture->engine)->time_s;
  g_autofree char *body = g_strdup_printf ("{\"until\": %" G_GINT64_FORMAT ", \"reason\": "
                                           "\"carrier confirmed the work\"}", now + 3600);
  g_autofree char *past = g_strdup_printf ("{\"until\": %" G_GINT64_FORMAT ", \"reason\": \"x\"}",
                                           now - 3600);
  g_autoptr(JsonNode) no_reason = NULL, not_json = NULL, in_past = NULL, done = NULL;

  g_assert_cmpuint (post (fixture, path, fixture->token, "{\"until\": 5}", &no_reason), ==, 400);
  pm_test_assert_contains (json_object_get_string_member (
                             json_object_get_object_member (json_node_get_object (no_reason),
                                                            "error"), "message"), "reason");
  g_assert_cmpuint (post (fixture, path, fixture->token, "silence!", &not_json), ==, 400);
  g_assert_cmpuint (post (fixture, path, fixture->token, past, &in_past), ==, 400);
  /* A valid body followed by more JSON, or with a lone surrogate escape, is not taken. */
  {
    g_autofree char *trailing = g_strconcat (body, "{}", NULL);
    g_autofree char *surrogate = g_strdup_printf ("{\"until\": %" G_GINT64_FORMAT ", \"reason\": "
                                                  "\"work \\ud800\"}", now + 3600);
    g_autoptr(JsonNode) refused_trailing = NULL, refused_surrogate = NULL;

    g_assert_cmpuint (post (fixture, path, fixture->token, trailing, &refused_trailing), ==, 400);
    g_assert_cmpstr (error_code (refused_trailing), ==, "invalid_body");
    g_assert_cmpuint (post (fixture, path, fixture->token, surrogate, &refused_surrogate), ==,
                      400);
    g_assert_cmpstr (error_code (refused_surrogate), ==, "invalid_body");
  }
  g_assert_cmpuint (post (fixture, path, fixture->token, body, &done), ==, 200);

  pm_engine_tick (fixture->engine);
  for (guint i = 0; i < pm_engine_get_snapshot (fixture->engine)->alerts->len; i++)
    {
      PmAlert *alert = g_ptr_array_index (pm_engine_get_snapshot (fixture->engine)->alerts, i);
      if (g_strcmp0 (alert->id, id) == 0)
        {
          g_assert_cmpint (alert->silenced_until, ==, now + 3600);
          g_assert_cmpstr (alert->silence_reason, ==, "carrier confirmed the work");
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tokens/first-start", test_tokens_first_start);
  g_test_add_func ("/tokens/named-operators-and-bad-file",
                   test_tokens_named_operators_and_bad_file);
  g_test_add ("/api-alerts/acknowledge", Fixture, NULL, fixture_set_up,
              test_api_alerts_acknowledge, fixture_tear_down);
  g_test_add ("/api-alerts/silence", Fixture, NULL, fixture_set_up, test_api_alerts_silence,
              fixture_tear_down);

  return g_test_run ();
}
