/* test-etcd-cluster.c: the etcd test cluster the etcd catalogue backend's tests stand on. A
 * write through one member is read through another; the cluster elects a new leader when its
 * leader crashes and goes on taking writes; with two of three members down it takes none; with
 * them restarted it takes writes again and has lost nothing. Compaction drops old revisions.
 *
 * Keys and values go through etcd's JSON gateway as the backend sends them: base64, with int64
 * fields as decimal strings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pm-test-etcd.h"

#define KEY           "premirror/test/site-a"
#define VALUE         "before the failover"
#define LATER_KEY     "premirror/test/site-b"
/* etcd 3.4 holds a write it cannot commit for its request timeout, 5 s plus two election
 * timeouts, before answering 503: the test gives up sooner. */
#define NO_QUORUM_S   3
#define ELECTION_MS   10000

/* A cluster of n members, or NULL with the test skipped where etcd is not installed. */
static PmTestEtcd *
start_or_skip (guint n_members)
{
  g_autoptr(GError) error = NULL;
  PmTestEtcd *etcd = pm_test_etcd_start (n_members, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  return etcd;
}

static SoupSession *
new_session (guint timeout_s)
{
  SoupSession *session = soup_session_new_with_options ("timeout", timeout_s, NULL);

  soup_session_set_proxy_resolver (session, NULL);
  return session;
}

/* POSTs body to url + path; returns the HTTP status, 0 when no answer came (the reason goes to
 * the test log), and the reply's JSON object in *reply when it has one. */
static guint
post (SoupSession *session,
      const char  *url,
      const char  *path,
      const char  *body,
      JsonObject **reply)
{
  g_autofree char *uri = g_strconcat (url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, uri);
  g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize length;
  const char *data;

  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  if (bytes == NULL)
    {
      g_test_message ("POST %s: %s", uri, error->message);
      return 0;
    }
  data = g_bytes_get_data (bytes, &length);
  g_test_message ("POST %s: HTTP %u %.*s", uri, soup_message_get_status (msg), (int) length,
                  length > 0 ? data : "");
  if (reply != NULL && length > 0
      && json_parser_load_from_data (parser, data, (gssize) length, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    *reply = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  return soup_message_get_status (msg);
}

/* Puts key = value through the member at url; returns the HTTP status (0: no answer) and, when
 * revision is not NULL, the revision the put created. */
static guint
put (SoupSession *session,
     const char  *url,
     const char  *key,
     const char  *value,
     gint64      *revision)
{
  g_autofree char *key64 = g_base64_encode ((const guchar *) key, strlen (key));
  g_autofree char *value64 = g_base64_encode ((const guchar *) value, strlen (value));
  g_autofree char *body = g_strdup_printf ("{\"key\": \"%s\", \"value\": \"%s\"}", key64,
                                           value64);
  g_autoptr(JsonObject) reply = NULL;
  guint status = post (session, url, "/v3/kv/put", body, &reply);

  if (revision != NULL)
    {
      JsonObject *header;

      g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
      g_assert_nonnull (reply);
      header = json_object_get_object_member (reply, "header");
      *revision = g_ascii_strtoll (json_object_get_string_member (header, "revision"), NULL, 10);
      g_assert_cmpint (*revision, >, 0);
    }
  return status;
}

/* The value of key read through the member at url (a linearizable read, which goes through
 * the leader) at revision (0: the newest), or NULL when the key is absent; asserts the read
 * answers 200, or expected_status when that is not 200. */
static char *
get (SoupSession *session,
     const char  *url,
     const char  *key,
     gint64       revision,
     guint        expected_status)
{
  g_autofree char *key64 = g_base64_encode ((const guchar *) key, strlen (key));
  g_autofree char *body = g_strdup_printf ("{\"key\": \"%s\", \"revision\": \"%" G_GINT64_FORMAT
                                           "\"}", key64, revision);
  g_autoptr(JsonObject) reply = NULL;
  JsonArray *kvs;
  JsonObject *kv;
  g_autofree guchar *value = NULL;
  gsize length;

  g_assert_cmpuint (post (session, url, "/v3/kv/range", body, &reply), ==, expected_status);
  g_assert_nonnull (reply);
  /* The gateway leaves out an empty "kvs" and a zero "count". */
  if (expected_status != SOUP_STATUS_OK || !json_object_has_member (reply, "kvs"))
    return NULL;
  kvs = json_object_get_array_member (reply, "kvs");
  g_assert_cmpuint (json_array_get_length (kvs), ==, 1);
  kv = json_array_get_object_element (kvs, 0);
  value = g_base64_decode (json_object_get_string_member (kv, "value"), &length);
  return g_strndup ((const char *) value, length);
}

/* The leader's index once one other than not_this is elected; fails after ELECTION_MS. */
static guint
wait_for_leader (PmTestEtcd *etcd,
                 int         not_this)
{
  gint64 deadline = g_get_monotonic_time () + ELECTION_MS * 1000;
  int leader;

  while ((leader = pm_test_etcd_find_leader (etcd)) < 0 || leader == not_this)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("no new leader within %d ms of the old one's crash", ELECTION_MS);
      g_usleep (20 * 1000);
    }
  return (guint) leader;
}

static void
test_failover (void)
{
  g_autoptr(PmTestEtcd) etcd = start_or_skip (3);
  g_autoptr(SoupSession) session = new_session (10);
  g_autoptr(SoupSession) impatient = new_session (NO_QUORUM_S);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_endpoints = NULL;
  g_autofree char *value = NULL;
  guint first, second, last;
  gint64 start;

  if (etcd == NULL)
    return;
  g_assert_cmpuint (pm_test_etcd_get_n_members (etcd), ==, 3);
  expected_endpoints = g_strjoin (",", pm_test_etcd_get_member_url (etcd, 0),
                                  pm_test_etcd_get_member_url (etcd, 1),
                                  pm_test_etcd_get_member_url (etcd, 2), NULL);
  g_assert_cmpstr (pm_test_etcd_get_endpoints (etcd), ==, expected_endpoints);

  /* Written through one member, read through another. */
  g_assert_cmpuint (put (session, pm_test_etcd_get_member_url (etcd, 0), KEY, VALUE, NULL), ==,
                    SOUP_STATUS_OK);
  value = get (session, pm_test_etcd_get_member_url (etcd, 2), KEY, 0, SOUP_STATUS_OK);
  g_assert_cmpstr (value, ==, VALUE);
  g_clear_pointer (&value, g_free);

  /* The leader crashes: the other two elect one of themselves and take writes. */
  first = wait_for_leader (etcd, -1);
  start = g_get_monotonic_time ();
  pm_test_etcd_kill_member (etcd, first, &error);
  g_assert_no_error (error);
  second = wait_for_leader (etcd, (int) first);
  g_test_message ("leader m%u crashed; m%u elected %.1f s later", first, second,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_assert_cmpuint (put (session, pm_test_etcd_get_member_url (etcd, second), LATER_KEY,
                         "after the failover", NULL), ==, SOUP_STATUS_OK);

  /* The new leader crashes too: the last member alone is no quorum and commits nothing. It
   * does not refuse at once either, it holds the write (503 after its request timeout). */
  pm_test_etcd_kill_member (etcd, second, &error);
  g_assert_no_error (error);
  last = 3 - first - second;
  start = g_get_monotonic_time ();
  g_assert_cmpuint (put (impatient, pm_test_etcd_get_member_url (etcd, last), LATER_KEY,
                         "without quorum", NULL), !=, SOUP_STATUS_OK);
  g_test_message ("the write without quorum failed after %.1f s",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_assert_cmpint (pm_test_etcd_find_leader (etcd), ==, -1);

  /* Both come back on their data: the cluster takes writes and has lost nothing. */
  pm_test_etcd_restart_member (etcd, first, &error);
  g_assert_no_error (error);
  pm_test_etcd_restart_member (etcd, second, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  pm_test_etcd_wait_healthy (etcd, 20000, &error);
  g_assert_no_error (error);
  g_test_message ("healthy %.1f s after the restarts",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_assert_cmpuint (put (session, pm_test_etcd_get_member_url (etcd, last), LATER_KEY,
                         "after the restart", NULL), ==, SOUP_STATUS_OK);
  value = get (session, pm_test_etcd_get_member_url (etcd, last), KEY, 0, SOUP_STATUS_OK);
  g_assert_cmpstr (value, ==, VALUE);
  g_clear_pointer (&value, g_free);
  value = get (session, pm_test_etcd_get_member_url (etcd, last), LATER_KEY, 0, SOUP_STATUS_OK);
  g_assert_cmpstr (value, ==, "after the restart");
  g_assert_cmpint (pm_test_etcd_find_leader (etcd), >=, 0);

  /* A stop is orderly (SIGTERM) and leaves the others a quorum. */
  start = g_get_monotonic_time ();
  pm_test_etcd_stop_member (etcd, first, &error);
  g_assert_no_error (error);
  g_test_message ("m%u stopped %.1f s after SIGTERM", first,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  pm_test_etcd_wait_healthy (etcd, 20000, &error);
  g_assert_no_error (error);
}

static void
test_compact (void)
{
  g_autoptr(PmTestEtcd) etcd = start_or_skip (1);
  g_autoptr(SoupSession) session = new_session (10);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  const char *url;
  gint64 old, newer;

  if (etcd == NULL)
    return;
  g_assert_cmpuint (pm_test_etcd_get_n_members (etcd), ==, 1);
  url = pm_test_etcd_get_member_url (etcd, 0);
  g_assert_cmpstr (pm_test_etcd_get_endpoints (etcd), ==, url);
  g_assert_cmpint (pm_test_etcd_find_leader (etcd), ==, 0);

  put (session, url, KEY, "old", &old);
  put (session, url, KEY, "new", &newer);
  g_assert_cmpint (newer, ==, old + 1);
  /* No automatic compaction: the old revision stays until compacted. */
  value = get (session, url, KEY, old, SOUP_STATUS_OK);
  g_assert_cmpstr (value, ==, "old");
  g_clear_pointer (&value, g_free);

  g_assert_true (pm_test_etcd_compact (etcd, newer, &error));
  g_assert_no_error (error);
  value = get (session, url, KEY, old, SOUP_STATUS_BAD_REQUEST);
  g_assert_null (value);
  value = get (session, url, KEY, 0, SOUP_STATUS_OK);
  g_assert_cmpstr (value, ==, "new");

  /* Compacting again to the same revision is an error the backend must expect. */
  g_assert_false (pm_test_etcd_compact (etcd, newer, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "compacted"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/etcd-cluster/failover", test_failover);
  g_test_add_func ("/etcd-cluster/compact", test_compact);
  return g_test_run ();
}
