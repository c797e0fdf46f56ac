/* pm-test-prometheus.c: a real Prometheus serving backfilled metrics, for the source's tests.
 *
 * The data is written as TSDB blocks by promtool before the server starts, so that it is on
 * disk, queryable at once, and survives a restart; nothing is scraped. Prometheus writes its log
 * to a file in the temporary directory, quoted when it fails to start.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-prometheus.h"
#include "pm-test-server.h"
#include "telemetry/pm-csv-source.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_US (60 * G_USEC_PER_SEC)
#define STOP_TIMEOUT_US  (30 * G_USEC_PER_SEC)
#define PORT_ATTEMPTS    5
#define LOG_TAIL         2000

struct _PmTestPrometheus
{
  char    *prometheus;  /* the binaries' paths */
  char    *promtool;
  char    *dir;
  char    *data;
  char    *config;
  char    *log;
  char    *url;
  guint16  port;
  GPid     pid;         /* 0 when not running */
};

static char *
read_log_tail (PmTestPrometheus *self)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (self->log, &contents, &length, NULL))
    return g_strdup ("(no log)");
  return g_strdup (contents + (length > LOG_TAIL ? length - LOG_TAIL : 0));
}

/* TRUE once GET /-/ready answers 200. */
static gboolean
is_ready (SoupSession *session,
          const char  *url)
{
  g_autofree char *ready = g_strconcat (url, "/-/ready", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, ready);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);

  return body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK;
}

static gboolean
reap (PmTestPrometheus *self,
      gboolean          block)
{
  pid_t pid;

  do
    pid = waitpid (self->pid, NULL, block ? 0 : WNOHANG);
  while (pid < 0 && errno == EINTR);
  if (pid == self->pid || pid < 0)
    {
      self->pid = 0;
      return TRUE;
    }
  return FALSE;
}

/* Starts prometheus on self->port and waits until it is ready, or fails quoting its log. */
static gboolean
launch (PmTestPrometheus *self,
        GError          **error)
{
  g_autofree char *config_arg = g_strconcat ("--config.file=", self->config, NULL);
  g_autofree char *data_arg = g_strconcat ("--storage.tsdb.path=", self->data, NULL);
  g_autofree char *listen_arg = g_strdup_printf ("--web.listen-address=127.0.0.1:%u",
                                                 self->port);
  const char *argv[] = {
    self->prometheus, config_arg, data_arg, "--storage.tsdb.retention.time=100y",
    listen_arg, "--log.level=warn", NULL,
  };
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);
  gint64 deadline;
  int log_fd;
  gboolean spawned;

  g_free (self->url);
  self->url = g_strdup_printf ("http://127.0.0.1:%u", self->port);
  log_fd = g_open (self->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", self->log,
                   g_strerror (errno));
      return FALSE;
    }
  spawned = g_spawn_async_with_pipes_and_fds (self->dir, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                              pm_test_die_with_parent, NULL, -1, log_fd, log_fd, NULL,
                                              NULL, 0, &self->pid, NULL, NULL, NULL, error);
  close (log_fd);
  if (!spawned)
    return FALSE;

  soup_session_set_proxy_resolver (session, NULL);
  deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  while (!is_ready (session, self->url))
    {
      if (reap (self, FALSE))
        {
          g_autofree char *log = read_log_tail (self);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "prometheus on port %u exited at start: %s", self->port, log);
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = read_log_tail (self);

          kill (self->pid, SIGKILL);
          reap (self, TRUE);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "prometheus on port %u was not ready within %d s: %s", self->port,
                       (int) (READY_TIMEOUT_US / G_USEC_PER_SEC), log);
          return FALSE;
        }
      g_usleep (20 * 1000);
    }
  return TRUE;
}

static gboolean
backfill (PmTestPrometheus *self,
          const char       *openmetrics_path,
          GError          **error)
{
  const char *argv[] = {
    self->promtool, "tsdb", "create-blocks-from", "openmetrics", openmetrics_path, self->data,
    NULL,
  };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  if (!g_spawn_sync (self->dir, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "promtool could not backfill %s: %s%s", openmetrics_path, err, out);
      return FALSE;
    }
  return TRUE;
}

PmTestPrometheus *
pm_test_prometheus_start (const char *openmetrics_path,
                          GError    **error)
{
  g_autoptr(PmTestPrometheus) self = g_new0 (PmTestPrometheus, 1);
  g_autoptr(GError) local_error = NULL;
  /* No scrape targets: the data is what was backfilled. */
  static const char config[] = "global:\n  scrape_interval: 1m\n";

  self->prometheus = g_find_program_in_path ("prometheus");
  self->promtool = g_find_program_in_path ("promtool");
  if (self->prometheus == NULL || self->promtool == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is not installed: install the prometheus package",
                   self->prometheus == NULL ? "prometheus" : "promtool");
      return NULL;
    }
  self->dir = g_dir_make_tmp ("pm-prometheus-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  self->data = g_build_filename (self->dir, "data", NULL);
  self->config = g_build_filename (self->dir, "prometheus.yml", NULL);
  self->log = g_build_filename (self->dir, "prometheus.log", NULL);
  if (!g_file_set_contents (self->config, config, -1, error)
      || !backfill (self, openmetrics_path, error))
    return NULL;

  /* The free port found may be taken before prometheus binds it: try a few. */
  for (guint attempt = 0; attempt < PORT_ATTEMPTS; attempt++)
    {
      g_clear_error (&local_error);
      self->port = pm_test_free_port (FALSE);
      if (launch (self, &local_error))
        return g_steal_pointer (&self);
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* OpenMetrics ---------------------------------------------------------------------------------- */

typedef struct
{
  gint64 time_s;
  double latency_ms;  /* NAN where the CSV field is empty */
  double jitter_ms;
  double loss_ratio;
} Row;

static double
parse_field (const char *field)
{
  return *field == '\0' ? NAN : g_ascii_strtod (field, NULL);
}

static void
write_value (FILE  *out,
             double value)
{
  if (isnan (value))
    fputs ("NaN", out);
  else
    fprintf (out, "%.17g", value);
}

gboolean
pm_test_prometheus_write_openmetrics (const char *csv_path,
                                      const char *om_path,
                                      GError    **error)
{
  g_autoptr(GHashTable) series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autofree char *text = NULL;
  char *line, *next;
  FILE *out;
  static const char *const families[] = {
    "probe_icmp_duration_seconds", "probe_success", "premirror_test_jitter_seconds",
  };

  if (!g_file_get_contents (csv_path, &text, NULL, error))
    return FALSE;
  next = strchr (text, '\n');
  if (next == NULL || strncmp (text, PM_CSV_SOURCE_HEADER, (gsize) (next - text)) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: expected the header “%s”",
                   csv_path, PM_CSV_SOURCE_HEADER);
      return FALSE;
    }
  /* Split in place: the file of a large network is hundreds of megabytes. */
  for (line = next + 1; *line != '\0'; line = next)
    {
      char *fields[5];
      guint n = 0;
      GArray *rows;
      Row row;

      next = strchr (line, '\n');
      if (next != NULL)
        *next++ = '\0';
      else
        next = line + strlen (line);
      if (*line == '\0')
        continue;
      fields[n++] = line;
      for (char *c = line; *c != '\0' && n < G_N_ELEMENTS (fields); c++)
        if (*c == ',')
          {
            *c = '\0';
            fields[n++] = c + 1;
          }
      if (n != G_N_ELEMENTS (fields))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: a row has %u fields, expected 5", csv_path, n);
          return FALSE;
        }
      rows = g_hash_table_lookup (series, fields[1]);
      if (rows == NULL)
        {
          char *segment = g_strdup (fields[1]);

          rows = g_array_new (FALSE, FALSE, sizeof (Row));
          g_hash_table_insert (series, segment, rows);
          g_ptr_array_add (order, segment);
        }
      row = (Row) { g_ascii_strtoll (fields[0], NULL, 10), parse_field (fields[2]),
                    parse_field (fields[3]), parse_field (fields[4]) };
      g_array_append_val (rows, row);
    }

  out = fopen (om_path, "w");
  if (out == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", om_path,
                   g_strerror (errno));
      return FALSE;
    }
  /* OpenMetrics wants each family whole and each series in time order. */
  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    {
      fprintf (out, "# TYPE %s gauge\n", families[f]);
      for (guint s = 0; s < order->len; s++)
        {
          const char *segment = g_ptr_array_index (order, s);
          GArray *rows = g_hash_table_lookup (series, segment);

          for (guint r = 0; r < rows->len; r++)
            {
              const Row *row = &g_array_index (rows, Row, r);

              fprintf (out, "%s{instance=\"%s\"%s} ", families[f], segment,
                       f == 0 ? ",phase=\"rtt\"" : "");
              if (f == 0)
                write_value (out, row->latency_ms / 1000.0);
              else if (f == 1)
                write_value (out, 1.0 - row->loss_ratio);
              else
                write_value (out, row->jitter_ms / 1000.0);
              fprintf (out, " %" G_GINT64_FORMAT "\n", row->time_s - 1);
            }
        }
    }
  fputs ("# EOF\n", out);
  if (fclose (out) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", om_path,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

const char *
pm_test_prometheus_get_url (PmTestPrometheus *self)
{
  return self->url;
}

gboolean
pm_test_prometheus_stop (PmTestPrometheus *self,
                         GError          **error)
{
  gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_US;

  if (self->pid == 0)
    return TRUE;
  kill (self->pid, SIGTERM);
  while (!reap (self, FALSE))
    {
      if (g_get_monotonic_time () > deadline)
        {
          kill (self->pid, SIGKILL);
          reap (self, TRUE);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "prometheus on port %u did not stop within %d s of SIGTERM: killed",
                       self->port, (int) (STOP_TIMEOUT_US / G_USEC_PER_SEC));
          return FALSE;
        }
      g_usleep (10 * 1000);
    }
  return TRUE;
}

gboolean
pm_test_prometheus_restart (PmTestPrometheus *self,
                            GError          **error)
{
  return pm_test_prometheus_stop (self, error) && launch (self, error);
}

void
pm_test_prometheus_free (PmTestPrometheus *self)
{
  if (self == NULL)
    return;
  if (self->pid != 0)
    {
      kill (self->pid, SIGKILL);
      reap (self, TRUE);
    }
  if (self->dir != NULL)
    pm_test_remove_tree (self->dir);
  g_free (self->prometheus);
  g_free (self->promtool);
  g_free (self->dir);
  g_free (self->data);
  g_free (self->config);
  g_free (self->log);
  g_free (self->url);
  g_free (self);
}
