/* pm-test-etcd.c: a real etcd cluster on loopback ports, for the etcd catalogue backend's tests.
 *
 * Every member is an etcd process with its own data directory and log file (its stderr, zap
 * JSON lines) under one temporary directory; a log's tail is quoted when its member fails. The
 * helper speaks to the members through etcd's JSON gateway with a SoupSession, as the backend
 * does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-etcd.h"
#include "pm-test-server.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_MEMBERS      5
#define READY_TIMEOUT_US (60 * G_USEC_PER_SEC)
#define STOP_TIMEOUT_US  (30 * G_USEC_PER_SEC)
#define PORT_ATTEMPTS    5
#define LOG_TAIL         2000
#define POLL_US          (20 * 1000)
/* A member without quorum answers /health and /v3/maintenance/status within a second (its own
 * health check times out after one); a dead port refuses at once. */
#define PROBE_TIMEOUT_S  2
/* A physical compaction of a benchmark's history can take a while. */
#define COMPACT_TIMEOUT_S 120

typedef struct
{
  char    *name;         /* "m0", …: the member's --name */
  char    *data;         /* its data directory */
  char    *log;
  char    *url;          /* client URL */
  char    *peer_url;
  guint16  client_port;
  guint16  peer_port;
  GPid     pid;          /* 0 when not running */
} Member;

struct _PmTestEtcd
{
  char        *etcd;     /* the binary's path */
  char        *dir;
  char       **envp;     /* the test's environment without etcd's configuration */
  char        *token;    /* --initial-cluster-token */
  char        *initial_cluster;
  char        *endpoints;
  SoupSession *probe;    /* short timeout, for polling members */
  guint        n_members;
  Member       members[MAX_MEMBERS];
};

static char *
read_log_tail (Member *member)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (member->log, &contents, &length, NULL))
    return g_strdup ("(no log)");
  return g_strdup (contents + (length > LOG_TAIL ? length - LOG_TAIL : 0));
}

static gboolean
reap (Member  *member,
      gboolean block)
{
  pid_t pid;

  if (member->pid == 0)
    return TRUE;
  do
    pid = waitpid (member->pid, NULL, block ? 0 : WNOHANG);
  while (pid < 0 && errno == EINTR);
  if (pid == member->pid || pid < 0)
    {
      member->pid = 0;
      return TRUE;
    }
  return FALSE;
}

static void
kill_member (Member *member)
{
  if (member->pid == 0)
    return;
  kill (member->pid, SIGKILL);
  reap (member, TRUE);
}

static void
kill_all (PmTestEtcd *self)
{
  for (guint m = 0; m < self->n_members; m++)
    kill_member (&self->members[m]);
}

/* etcd reads every ETCD_<FLAG> variable as a flag: a host's configuration (ETCD_DATA_DIR,
 * ETCD_INITIAL_CLUSTER, …) must not reach the test cluster. ETCD_UNSUPPORTED_ARCH is no
 * configuration but what lets etcd 3.4 run at all on some architectures, so it stays. */
static char **
environment_without_etcd (void)
{
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();

  for (guint i = 0; env[i] != NULL; i++)
    if (!g_str_has_prefix (env[i], "ETCD_") || g_str_has_prefix (env[i], "ETCD_UNSUPPORTED_ARCH="))
      g_strv_builder_add (kept, env[i]);
  return g_strv_builder_end (kept);
}

/* Starts one member without waiting for it. A new member starts with an empty log, a restarted
 * one appends to its log. */
static gboolean
spawn_member (PmTestEtcd *self,
              Member     *member,
              gboolean    existing,
              GError    **error)
{
  const char *argv[] = {
    self->etcd,
    "--name", member->name,
    "--data-dir", member->data,
    "--listen-client-urls", member->url,
    "--advertise-client-urls", member->url,
    "--listen-peer-urls", member->peer_url,
    "--initial-advertise-peer-urls", member->peer_url,
    "--initial-cluster", self->initial_cluster,
    "--initial-cluster-state", existing ? "existing" : "new",
    "--initial-cluster-token", self->token,
    /* Fast failover: a dead leader is replaced within about a second. */
    "--heartbeat-interval", "50",
    "--election-timeout", "500",
    /* The tests compact explicitly, at revisions they choose. */
    "--auto-compaction-retention", "0",
    "--logger", "zap",
    "--log-outputs", "stderr",
    NULL,
  };
  int log_fd;
  gboolean spawned;

  log_fd = g_open (member->log, O_WRONLY | O_CREAT | O_CLOEXEC | (existing ? O_APPEND : O_TRUNC),
                   0644);
  if (log_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", member->log,
                   g_strerror (errno));
      return FALSE;
    }
  spawned = g_spawn_async_with_pipes_and_fds (self->dir, argv, (const char *const *) self->envp,
                                              G_SPAWN_DO_NOT_REAP_CHILD, pm_test_die_with_parent, NULL,
                                              -1, log_fd, log_fd, NULL, NULL, 0, &member->pid,
                                              NULL, NULL, NULL, error);
  close (log_fd);
  return spawned;
}

/* The string member called name of object, or NULL when it is absent or not a string: the
 * gateway leaves out fields equal to their default. */
static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Sends body (a POST) or nothing (a GET) to url + path and returns the reply, which must be a
 * JSON object; *status is the HTTP status, 0 when no reply came. */
static JsonObject *
call (SoupSession *session,
      const char  *url,
      const char  *path,
      const char  *body,
      guint       *status,
      GError     **error)
{
  g_autofree char *uri = g_strconcat (url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (body != NULL ? SOUP_METHOD_POST : SOUP_METHOD_GET,
                                                 uri);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) reply = NULL;
  const char *data;
  gsize length;
  JsonNode *root;

  *status = 0;
  /* Members are killed and restarted under the session: a pooled connection to a killed member
   * would fail the first request to its restarted self. */
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Connection", "close");
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  reply = soup_session_send_and_read (session, msg, NULL, error);
  if (reply == NULL)
    return NULL;
  *status = soup_message_get_status (msg);
  data = g_bytes_get_data (reply, &length);
  if (length == 0 || !json_parser_load_from_data (parser, data, (gssize) length, NULL)
      || !JSON_NODE_HOLDS_OBJECT (root = json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s answered HTTP %u without a JSON object: %.*s", uri, *status,
                   (int) MIN (length, 200), length > 0 ? data : "");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* TRUE when member reports itself healthy ({"health":"true"}: it knows a leader and a quorum
 * read went through Raft); *answered tells whether it answered HTTP at all. The reply, or why
 * there was none, goes to *last when last is not NULL. */
static gboolean
is_healthy (PmTestEtcd *self,
            Member     *member,
            gboolean   *answered,
            char      **last)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;
  const char *health;
  guint status;

  reply = call (self->probe, member->url, "/health", NULL, &status, &error);
  if (answered != NULL)
    *answered = status != 0;
  health = get_string (reply, "health");
  if (last != NULL)
    {
      g_free (*last);
      if (reply != NULL)
        *last = g_strdup_printf ("HTTP %u, health “%s”", status, health ? health : "(none)");
      else
        *last = g_strdup (error->message);
    }
  return status == SOUP_STATUS_OK && g_strcmp0 (health, "true") == 0;
}

/* Gives every member a client and a peer port, all different. */
static gboolean
choose_ports (PmTestEtcd *self,
              GError    **error)
{
  guint16 ports[2 * MAX_MEMBERS];
  guint n = 0;

  for (guint asked = 0; n < 2 * self->n_members; asked++)
    {
      guint16 port = asked < 100 ? pm_test_free_port (FALSE) : 0;
      gboolean taken = FALSE;

      if (port == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       "no free loopback port for etcd: is the system out of ports?");
          return FALSE;
        }
      for (guint i = 0; i < n; i++)
        taken |= ports[i] == port;
      if (!taken)
        ports[n++] = port;
    }
  for (guint m = 0; m < self->n_members; m++)
    {
      Member *member = &self->members[m];

      member->client_port = ports[2 * m];
      member->peer_port = ports[2 * m + 1];
      g_free (member->url);
      g_free (member->peer_url);
      member->url = g_strdup_printf ("http://127.0.0.1:%u", member->client_port);
      member->peer_url = g_strdup_printf ("http://127.0.0.1:%u", member->peer_port);
    }
  return TRUE;
}

/* Starts a new cluster on new ports and waits until every member is healthy. Fails with
 * G_IO_ERROR_FAILED when a member exited at start (most likely: another process took its port
 * since it was found free), which is worth another attempt on other ports. */
static gboolean
launch (PmTestEtcd *self,
        GError    **error)
{
  g_autoptr(GString) initial_cluster = g_string_new (NULL);
  g_autoptr(GString) endpoints = g_string_new (NULL);
  gboolean healthy[MAX_MEMBERS] = { FALSE };
  g_autofree char *uuid = g_uuid_string_random ();
  gint64 deadline;

  if (!choose_ports (self, error))
    return FALSE;
  for (guint m = 0; m < self->n_members; m++)
    {
      Member *member = &self->members[m];

      g_string_append_printf (initial_cluster, "%s%s=%s", m > 0 ? "," : "", member->name,
                              member->peer_url);
      g_string_append_printf (endpoints, "%s%s", m > 0 ? "," : "", member->url);
    }
  g_free (self->initial_cluster);
  g_free (self->endpoints);
  g_free (self->token);
  self->initial_cluster = g_string_free (g_steal_pointer (&initial_cluster), FALSE);
  self->endpoints = g_string_free (g_steal_pointer (&endpoints), FALSE);
  /* Members of two clusters that meet on reused ports refuse each other's messages. */
  self->token = g_strconcat ("premirror-test-", uuid, NULL);

  /* All members before any wait: a member alone cannot elect a leader. */
  for (guint m = 0; m < self->n_members; m++)
    {
      Member *member = &self->members[m];

      /* What a failed attempt left would make a new member rejoin that cluster. */
      pm_test_remove_tree (member->data);
      if (!spawn_member (self, member, FALSE, error))
        {
          kill_all (self);
          return FALSE;
        }
    }

  deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  for (;;)
    {
      gboolean all_healthy = TRUE;

      for (guint m = 0; m < self->n_members; m++)
        {
          Member *member = &self->members[m];

          if (reap (member, FALSE))
            {
              g_autofree char *log = read_log_tail (member);

              kill_all (self);
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "etcd member %s (client port %u, peer port %u) exited at start: %s",
                           member->name, member->client_port, member->peer_port, log);
              return FALSE;
            }
          if (!healthy[m])
            healthy[m] = is_healthy (self, member, NULL, NULL);
          all_healthy &= healthy[m];
        }
      if (all_healthy)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        {
          g_autoptr(GString) message = g_string_new (NULL);

          g_string_append_printf (message, "the etcd cluster of %u members was not healthy "
                                  "within %d s:", self->n_members,
                                  (int) (READY_TIMEOUT_US / G_USEC_PER_SEC));
          for (guint m = 0; m < self->n_members; m++)
            if (!healthy[m])
              {
                g_autofree char *log = read_log_tail (&self->members[m]);

                g_string_append_printf (message, "\nmember %s (client port %u) logged: %s",
                                        self->members[m].name, self->members[m].client_port,
                                        log);
              }
          kill_all (self);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, message->str);
          return FALSE;
        }
      g_usleep (POLL_US);
    }
}

static Member *
get_member (PmTestEtcd *self,
            guint       member)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (member < self->n_members, NULL);
  return &self->members[member];
}

PmTestEtcd *
pm_test_etcd_start (guint    n_members,
                    GError **error)
{
  g_autoptr(PmTestEtcd) self = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (n_members >= 1 && n_members <= MAX_MEMBERS, NULL);

  self = g_new0 (PmTestEtcd, 1);
  self->etcd = g_find_program_in_path ("etcd");
  if (self->etcd == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "etcd is not installed: install the etcd-server package");
      return NULL;
    }
  self->dir = g_dir_make_tmp ("pm-etcd-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  self->envp = environment_without_etcd ();
  self->probe = soup_session_new_with_options ("timeout", PROBE_TIMEOUT_S, NULL);
  soup_session_set_proxy_resolver (self->probe, NULL);
  self->n_members = n_members;
  for (guint m = 0; m < n_members; m++)
    {
      Member *member = &self->members[m];

      member->name = g_strdup_printf ("m%u", m);
      member->data = g_strdup_printf ("%s/%s.etcd", self->dir, member->name);
      member->log = g_strdup_printf ("%s/%s.log", self->dir, member->name);
    }

  for (guint attempt = 0; attempt < PORT_ATTEMPTS; attempt++)
    {
      g_clear_error (&local_error);
      if (launch (self, &local_error))
        return g_steal_pointer (&self);
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_FAILED))
        break;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

guint
pm_test_etcd_get_n_members (PmTestEtcd *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_members;
}

const char *
pm_test_etcd_get_endpoints (PmTestEtcd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->endpoints;
}

const char *
pm_test_etcd_get_member_url (PmTestEtcd *self,
                             guint       member)
{
  Member *m = get_member (self, member);

  return m != NULL ? m->url : NULL;
}

/* A member leads when the leader it reports is itself: a member that lost its leader reports
 * none ("leader" left out, with "errors":["etcdserver: no leader"]). Member ids are unsigned
 * 64-bit, beyond gint64, so they are compared as the decimal strings the gateway sends. */
int
pm_test_etcd_find_leader (PmTestEtcd *self)
{
  g_return_val_if_fail (self != NULL, -1);

  for (guint m = 0; m < self->n_members; m++)
    {
      Member *member = &self->members[m];
      g_autoptr(JsonObject) reply = NULL;
      JsonNode *header;
      const char *leader;
      guint status;

      if (reap (member, FALSE))
        continue;
      reply = call (self->probe, member->url, "/v3/maintenance/status", "{}", &status, NULL);
      if (reply == NULL || status != SOUP_STATUS_OK)
        continue;
      header = json_object_get_member (reply, "header");
      leader = get_string (reply, "leader");
      if (header != NULL && JSON_NODE_HOLDS_OBJECT (header) && leader != NULL
          && g_strcmp0 (get_string (json_node_get_object (header), "member_id"), leader) == 0)
        return (int) m;
    }
  return -1;
}

gboolean
pm_test_etcd_kill_member (PmTestEtcd *self,
                          guint       member,
                          GError    **error)
{
  Member *m = get_member (self, member);

  g_return_val_if_fail (m != NULL, FALSE);
  kill_member (m);
  return TRUE;
}

void
pm_test_etcd_freeze_member (PmTestEtcd *self,
                            guint       member,
                            gboolean    frozen)
{
  Member *m = get_member (self, member);

  g_return_if_fail (m != NULL && m->pid != 0);
  kill (m->pid, frozen ? SIGSTOP : SIGCONT);
}

gboolean
pm_test_etcd_stop_member (PmTestEtcd *self,
                          guint       member,
                          GError    **error)
{
  Member *m = get_member (self, member);
  gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_US;

  g_return_val_if_fail (m != NULL, FALSE);
  if (reap (m, FALSE))
    return TRUE;
  /* A leader hands its leadership over before it exits, which takes a few heartbeats. */
  kill (m->pid, SIGTERM);
  while (!reap (m, FALSE))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = NULL;

          kill_member (m);
          log = read_log_tail (m);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "etcd member %s (client port %u) did not stop within %d s of SIGTERM: "
                       "killed; it logged: %s", m->name, m->client_port,
                       (int) (STOP_TIMEOUT_US / G_USEC_PER_SEC), log);
          return FALSE;
        }
      g_usleep (10 * 1000);
    }
  return TRUE;
}

gboolean
pm_test_etcd_restart_all (PmTestEtcd *self,
                          GError    **error)
{
  for (guint i = 0; i < self->n_members; i++)
    if (reap (&self->members[i], FALSE) && !spawn_member (self, &self->members[i], TRUE, error))
      return FALSE;
  return pm_test_etcd_wait_healthy (self, READY_TIMEOUT_US / 1000, error);
}

gboolean
pm_test_etcd_restart_member (PmTestEtcd *self,
                             guint       member,
                             GError    **error)
{
  Member *m = get_member (self, member);
  gint64 deadline;

  g_return_val_if_fail (m != NULL, FALSE);
  if (!reap (m, FALSE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "etcd member %s is running: kill or stop it before restarting it", m->name);
      return FALSE;
    }
  /* Its data directory holds its membership: the --initial-cluster flags are not read again. */
  if (!spawn_member (self, m, TRUE, error))
    return FALSE;

  deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  for (;;)
    {
      gboolean answered;

      /* Healthy or not: without quorum it cannot be yet. */
      is_healthy (self, m, &answered, NULL);
      if (answered)
        return TRUE;
      if (reap (m, FALSE))
        {
          g_autofree char *log = read_log_tail (m);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "etcd member %s (client port %u, peer port %u) exited at restart: %s",
                       m->name, m->client_port, m->peer_port, log);
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = NULL;

          kill_member (m);
          log = read_log_tail (m);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "etcd member %s (client port %u) did not answer within %d s of its "
                       "restart: %s", m->name, m->client_port,
                       (int) (READY_TIMEOUT_US / G_USEC_PER_SEC), log);
          return FALSE;
        }
      g_usleep (POLL_US);
    }
}

gboolean
pm_test_etcd_wait_healthy (PmTestEtcd *self,
                           guint       timeout_ms,
                           GError    **error)
{
  char *last[MAX_MEMBERS] = { NULL };  /* each member's last answer, for the message */
  g_autoptr(GString) message = NULL;
  gint64 deadline;

  g_return_val_if_fail (self != NULL, FALSE);

  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while (g_get_monotonic_time () <= deadline)
    {
      for (guint m = 0; m < self->n_members; m++)
        {
          Member *member = &self->members[m];

          if (!reap (member, FALSE) && is_healthy (self, member, NULL, &last[m]))
            {
              for (guint i = 0; i < self->n_members; i++)
                g_free (last[i]);
              return TRUE;
            }
        }
      g_usleep (POLL_US);
    }

  message = g_string_new (NULL);
  g_string_append_printf (message, "no member of the etcd cluster was healthy within %u ms:",
                          timeout_ms);
  for (guint m = 0; m < self->n_members; m++)
    {
      g_string_append_printf (message, "%s %s %s", m > 0 ? ";" : "", self->members[m].name,
                              self->members[m].pid == 0 ? "not running"
                              : last[m] != NULL ? last[m] : "not asked");
      g_free (last[m]);
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, message->str);
  return FALSE;
}

gboolean
pm_test_etcd_compact (PmTestEtcd *self,
                      gint64      revision,
                      GError    **error)
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  session = soup_session_new_with_options ("timeout", COMPACT_TIMEOUT_S, NULL);
  soup_session_set_proxy_resolver (session, NULL);
  body = g_strdup_printf ("{\"revision\": \"%" G_GINT64_FORMAT "\", \"physical\": true}",
                          revision);
  for (guint m = 0; m < self->n_members; m++)
    {
      Member *member = &self->members[m];
      g_autoptr(JsonObject) reply = NULL;
      const char *message;
      guint status;

      if (reap (member, FALSE))
        continue;
      g_clear_error (&local_error);
      reply = call (session, member->url, "/v3/kv/compaction", body, &status, &local_error);
      if (reply == NULL && status == 0)
        continue;  /* no answer: ask the next member */
      if (reply != NULL && status == SOUP_STATUS_OK)
        return TRUE;
      /* An answer is the cluster's: "required revision has been compacted", "… is a future
       * revision", or no quorum. */
      message = get_string (reply, "message");
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "etcd could not compact its history to revision %" G_GINT64_FORMAT
                   ": %s (HTTP %u from member %s)", revision,
                   message != NULL ? message
                   : local_error != NULL ? local_error->message : "no message",
                   status, member->name);
      return FALSE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
               "no member of the etcd cluster answered the compaction to revision %"
               G_GINT64_FORMAT "%s%s", revision, local_error != NULL ? ": " : " (none running)",
               local_error != NULL ? local_error->message : "");
  return FALSE;
}

void
pm_test_etcd_free (PmTestEtcd *self)
{
  if (self == NULL)
    return;
  kill_all (self);
  if (self->dir != NULL)
    pm_test_remove_tree (self->dir);
  for (guint m = 0; m < MAX_MEMBERS; m++)
    {
      Member *member = &self->members[m];

      g_free (member->name);
      g_free (member->data);
      g_free (member->log);
      g_free (member->url);
      g_free (member->peer_url);
    }
  g_clear_object (&self->probe);
  g_strfreev (self->envp);
  g_free (self->etcd);
  g_free (self->dir);
  g_free (self->token);
  g_free (self->initial_cluster);
  g_free (self->endpoints);
  g_free (self);
}
