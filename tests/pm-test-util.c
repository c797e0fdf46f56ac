/* pm-test-util.c: helpers shared by the tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-util.h"
#include "pm-test-server.h"
#include "mirror/pm-inventory.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

char *
pm_test_shared_data_path (const char *relative)
{
  const char *root = g_getenv ("PM_SHARED_DATA");
  g_autofree char *path = NULL;

  if (root == NULL)
    {
      g_test_skip ("PM_SHARED_DATA is not set; the shared real-data folder is unknown");
      return NULL;
    }
  path = g_build_filename (root, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *message = g_strdup_printf ("real data %s is absent", path);
      g_test_skip (message);
      return NULL;
    }
  return g_steal_pointer (&path);
}

static void
remove_dir_cb (gpointer data)
{
  pm_test_remove_tree (data);
  g_free (data);
}

char *
pm_test_make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("premirror-test-XXXXXX", &error);

  g_assert_no_error (error);
  g_test_queue_destroy (remove_dir_cb, g_strdup (dir));
  return dir;
}

char *
pm_test_write_temp_file (const char *name,
                         const char *contents)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

GBytes *
pm_test_json_bytes (const char *quoted)
{
  char *json = g_strdup (quoted);

  g_strdelimit (json, "'", '"');
  return g_bytes_new_take (json, strlen (json));
}

char *
pm_test_write_temp_json (const char *name,
                         const char *quoted)
{
  g_autofree char *json = g_strdup (quoted);

  g_strdelimit (json, "'", '"');
  return pm_test_write_temp_file (name, json);
}

PmTopology *
pm_test_topology_from_json (const char *quoted,
                            const char *display_name)
{
  g_autoptr(GBytes) bytes = pm_test_json_bytes (quoted);
  g_autoptr(GError) error = NULL;
  PmTopology *topology = pm_topology_new_from_bytes (bytes, display_name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (topology);
  return topology;
}

void
pm_test_assert_error_names (const GError *error,
                            const char   *file,
                            const char   *entry,
                            int           index,
                            const char   *field)
{
  g_autofree char *prefix = g_strdup_printf ("%s: ", file);

  g_assert_nonnull (error);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("“%s” does not start with “%s”", error->message, prefix);
  if (index >= 0)
    {
      g_autofree char *plain = g_strdup_printf (": %s %d:", entry, index);
      g_autofree char *with_id = g_strdup_printf (": %s %d (", entry, index);

      if (strstr (error->message, plain) == NULL && strstr (error->message, with_id) == NULL)
        g_error ("“%s” does not name %s %d", error->message, entry, index);
    }
  else
    {
      g_autofree char *any = g_strdup_printf (": %s ", entry);

      g_assert_null (strstr (error->message, any));
    }
  if (field != NULL)
    {
      g_autofree char *quoted = g_strdup_printf ("field “%s”", field);

      pm_test_assert_contains (error->message, quoted);
    }
}

int
pm_test_segment_by_circuit (PmTopology *topology,
                            const char *circuit_id)
{
  for (guint i = 0; i < pm_topology_get_n_segments (topology); i++)
    if (g_strcmp0 (pm_topology_get_segment (topology, i)->circuit_id, circuit_id) == 0)
      return (int) i;
  return pm_topology_lookup_segment (topology, circuit_id);
}

void
pm_test_run_clear (PmTestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

void
pm_test_run_program (PmTestRun  *run,
                     const char *program_env,
                     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *path = g_getenv (program_env);
  const char *arg;
  va_list args;

  g_assert_nonnull (path);
  g_ptr_array_add (argv, (gpointer) path);
  va_start (args, program_env);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char *const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
}

void
pm_test_engine_start (PmEngine *engine)
{
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  g_assert_true (pm_engine_start (engine, &error));
  g_assert_no_error (error);
  pm_engine_stop (engine);
  while (!pm_engine_is_predicting (engine))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

char *
pm_test_engine_tick_until_alert (PmEngine *engine)
{
  for (int i = 0; i < 6 * 48; i++)
    {
      PmSnapshot *snapshot = pm_engine_get_snapshot (engine);
      if (snapshot->alerts->len > 0)
        return g_strdup (((PmAlert *) g_ptr_array_index (snapshot->alerts, 0))->id);
      pm_clock_advance (pm_engine_get_clock (engine), (gint64) 600 * G_USEC_PER_SEC);
      pm_engine_tick (engine);
    }
  g_assert_not_reached ();
}

double
pm_test_gauss (GRand *rand)
{
  double u1 = g_rand_double (rand), u2 = g_rand_double (rand);

  return sqrt (-2 * log (1 - u1)) * cos (2 * G_PI * u2);
}

void
pm_test_assert_between (const char *what,
                        double      value,
                        double      lo,
                        double      hi)
{
  g_test_message ("%s = %.4f (expected %.4f to %.4f)", what, value, lo, hi);
  if (!(value >= lo && value <= hi))
    g_error ("%s = %g, expected between %g and %g", what, value, lo, hi);
}

guint
pm_test_http_request (SoupSession *session,
                      const char  *method,
                      const char  *url,
                      const char  *token,
                      const char  *body,
                      JsonNode   **reply)
{
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  gsize size;
  const char *text;

  if (token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization",
                                    header);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  answer = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  text = g_bytes_get_data (answer, &size);
  g_assert_true (json_parser_load_from_data (parser, text, (gssize) size, &error));
  root = json_parser_get_root (parser);
  if (reply != NULL)
    *reply = root != NULL ? json_node_copy (root) : NULL;
  return soup_message_get_status (message);
}

PmReplica *
pm_test_find_replica (PmCatalog  *catalog,
                      const char *resource,
                      const char *site)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) replicas = pm_catalog_list_replicas (catalog, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < replicas->len; i++)
    {
      PmReplica *replica = g_ptr_array_index (replicas, i);

      if (g_str_equal (replica->resource, resource) && g_str_equal (replica->site, site))
        return g_ptr_array_steal_index (replicas, i);
    }
  return NULL;
}

PmReplicaState
pm_test_replica_state (PmCatalog  *catalog,
                       const char *resource,
                       const char *site)
{
  PmReplica *replica = pm_test_find_replica (catalog, resource, site);
  PmReplicaState state = replica != NULL ? replica->state : PM_REPLICA_GONE;

  pm_replica_free (replica);
  return state;
}

SoupSession *
pm_test_session_new (void)
{
  SoupSession *session = soup_session_new ();

  soup_session_set_proxy_resolver (session, NULL);
  return session;
}

static PmSnapshot *
dup_fixed_snapshot_cb (gpointer data)
{
  return data != NULL ? pm_snapshot_ref (data) : NULL;
}

PmApiServer *
pm_test_api_server_new (PmSnapshot *snapshot)
{
  return pm_api_server_new (dup_fixed_snapshot_cb,
                            snapshot != NULL ? pm_snapshot_ref (snapshot) : NULL,
                            snapshot != NULL ? (GDestroyNotify) pm_snapshot_unref : NULL);
}

static GLogWriterOutput
pass_over_size_warnings_cb (GLogLevelFlags   log_level,
                            const GLogField *fields,
                            gsize            n_fields,
                            gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
    else if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  if ((log_level & G_LOG_LEVEL_WARNING) != 0 && g_strcmp0 (domain, "Gtk") == 0
      && message != NULL && strstr (message, "in measure() with for_size") != NULL)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

void
pm_test_pass_over_size_warnings (void)
{
  g_log_set_writer_func (pass_over_size_warnings_cb, NULL, NULL);
}

char *
pm_test_read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

char *
pm_test_write_chain_topology (const char *storage_url)
{
  g_autofree char *network = g_strdup_printf (
    "{'type':'FeatureCollection','features':["
    "{'type':'Feature','geometry':{'type':'Point','coordinates':[8.68,50.11]},"
    "'properties':{'id':'fra','role':'origin','region':'de'}},"
    "{'type':'Feature','geometry':{'type':'Point','coordinates':[4.90,52.37]},"
    "'properties':{'id':'ams','role':'edge','region':'nl'}},"
    "{'type':'Feature','geometry':{'type':'Point','coordinates':[-0.13,51.51]},"
    "'properties':{'id':'lon','role':'edge','region':'uk','storage':'%sedges/lon/'}},"
    "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[8.68,50.11],[4.9,52.37]]},"
    "'properties':{'id':'fra--ams','a':'fra','b':'ams'}},"
    "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[4.9,52.37],[-0.13,51.51]]},"
    "'properties':{'id':'ams--lon','a':'ams','b':'lon'}}]}",
    storage_url);

  return pm_test_write_temp_json ("chain.geojson", network);
}

char *
pm_test_write_chain_resources (void)
{
  return pm_test_write_temp_json (
    "resources.json",
    "{'resources':["
    "{'id':'crl','size_bytes':2097152,'criticality':3,'consistency':'strong','origin':'fra',"
    "'demand':{'uk':100}},"
    "{'id':'big','size_bytes':100663296,'criticality':2,'consistency':'eventual',"
    "'origin':'fra','demand':{'uk':1}}]}");
}

void
pm_test_write_origin (const char *data_dir,
                      const char *id,
                      gsize       size)
{
  g_autofree char *folder = g_build_filename (data_dir, "edges", "fra", NULL);
  g_autofree char *path = g_build_filename (folder, id, NULL);
  g_autofree guint8 *contents = g_malloc (size);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  pm_inventory_demo_content (id, 0, contents, size);
  g_file_set_contents (path, (const char *) contents, (gssize) size, &error);
  g_assert_no_error (error);
}
