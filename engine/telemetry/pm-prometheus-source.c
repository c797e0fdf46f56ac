/* pm-prometheus-source.c: latency, jitter and loss read from a Prometheus server's HTTP API.
 *
 * Every fetch, instant or range, fills a block of samples (segments × steps) from the three
 * queries before anything is pushed, because the store holds one sample of all three metrics
 * per step: pushing each metric on its own would count two of them as duplicates. A block is
 * bounded in memory (BLOCK_BYTES), which also bounds the JSON a reply may hold; a block that
 * fails leaves the store as it was, and the next fetch starts from the step after the last one
 * that succeeded.
 *
 * The session is made on the first request, so in the thread that advances: libsoup 3.2 lets
 * any thread send, but wants the session set up in the thread that made it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-prometheus-source.h"

#include <float.h>
#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "pm-error-private.h"
#include "pm-step-private.h"

#define REQUEST_TIMEOUT_S 10
/* Samples of a fetch held at once: 16 MiB, e.g. 11,000 steps of 127 segments, or 1,400 steps
 * of 1,000. */
#define BLOCK_BYTES       (16 * 1024 * 1024)
/* As many instant queries as this many new steps; a longer gap is one range query. */
#define MAX_INSTANT_STEPS 2
#define QUOTED_BODY       160

typedef enum
{
  METRIC_LATENCY,
  METRIC_JITTER,
  METRIC_LOSS,
  N_METRICS,
} Metric;

static const char *const metric_names[N_METRICS] = { "latency", "jitter", "loss" };
static const char *const default_queries[N_METRICS] = {
  PM_PROMETHEUS_SOURCE_DEFAULT_LATENCY,
  PM_PROMETHEUS_SOURCE_DEFAULT_JITTER,
  PM_PROMETHEUS_SOURCE_DEFAULT_LOSS,
};
/* Seconds (latency, jitter) to the store's milliseconds; loss is a ratio either way. */
static const double metric_scale[N_METRICS] = { 1000.0, 1000.0, 1.0 };

/* Samples of every segment for n_steps steps from start_s; all NO_DATA until a reply fills
 * them. */
typedef struct
{
  gint64    start_s;
  gint64    step_s;
  guint     n_steps;
  guint     n_segments;
  PmSample *samples;   /* [step × n_segments + segment] */
} Block;

struct _PmPrometheusSource
{
  GObject                  parent_instance;

  PmTopology              *topology;
  guint                    n_segments;
  char                    *url;        /* base, without a trailing slash */
  char                    *queries[N_METRICS];
  GHashTable              *probes;     /* instance → GArray of segment indices (guint) */
  GHashTable              *unknown;    /* instance labels matching no segment (a set) */
  SoupSession             *session;

  gboolean                 have_done;
  gint64                   done_s;     /* the newest step fetched, when have_done */
  gboolean                 have_range_end;
  gint64                   range_end_s;
  Block                    ahead;      /* replay: the window fetched ahead; n_steps 0 if none */

  gboolean                 succeeded;  /* ever */
  gboolean                 failing;    /* the last attempt failed */
  GError                  *last_error;
  gint64                   retry_at_us;
  gint64                   backoff_us; /* the wait after the next failure */
  gint64                   backoff_initial_us;
  gint64                   backoff_max_us;

  PmPrometheusSourceStats  stats;
};

static void pm_prometheus_source_iface_init (PmSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PmPrometheusSource, pm_prometheus_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PM_TYPE_SOURCE,
                                                      pm_prometheus_source_iface_init))

/* Blocks --------------------------------------------------------------------------------------- */

static void
block_reset (Block *block,
             gint64 start_s,
             gint64 step_s,
             guint  n_steps,
             guint  n_segments)
{
  gsize n = (gsize) n_steps * n_segments;

  g_free (block->samples);
  block->start_s = start_s;
  block->step_s = step_s;
  block->n_steps = n_steps;
  block->n_segments = n_segments;
  block->samples = g_new (PmSample, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    block->samples[i] = PM_SAMPLE_NO_DATA;
}

static void
block_clear (Block *block)
{
  g_clear_pointer (&block->samples, g_free);
  block->n_steps = 0;
}

static gint64
block_end (const Block *block)
{
  return block->start_s + ((gint64) block->n_steps - 1) * block->step_s;
}

static gboolean
block_covers (const Block *block,
              gint64       time_s)
{
  return block->n_steps > 0 && time_s >= block->start_s && time_s <= block_end (block);
}

/* Pushes the block's steps from_s..to_s (both inside it), segment by segment in time order.
 * A step without any value is left out: the store shows it as no data, as it would show a
 * step never fetched. */
static void
block_push (const Block   *block,
            PmSeriesStore *store,
            gint64         from_s,
            gint64         to_s)
{
  guint first = (guint) ((from_s - block->start_s) / block->step_s);
  guint last = (guint) ((to_s - block->start_s) / block->step_s);

  for (guint s = 0; s < block->n_segments; s++)
    for (guint k = first; k <= last; k++)
      {
        const PmSample *sample = &block->samples[(gsize) k * block->n_segments + s];

        if (!isnan (sample->latency_ms) || !isnan (sample->jitter_ms)
            || !isnan (sample->loss_ratio))
          pm_series_store_push (store, s, block->start_s + (gint64) k * block->step_s, sample);
      }
}

/* Steps a block may hold for this topology: the server's limit, and the memory budget. */
static guint
block_max_steps (PmPrometheusSource *self)
{
  gsize per_step = (gsize) MAX (self->n_segments, 1) * sizeof (PmSample);

  return (guint) CLAMP (BLOCK_BYTES / per_step, 1, PM_PROMETHEUS_MAX_POINTS);
}

/* URI ------------------------------------------------------------------------------------------ */

static gboolean
fail_uri (GError    **error,
          const char *uri,
          const char *format,
          ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail_uri (GError    **error,
          const char *uri,
          const char *format,
          ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_URI,
               "Prometheus source “%s”: %s (expected prometheus:http://HOST:PORT[/PREFIX]"
               "[?latency=PROMQL&jitter=PROMQL&loss=PROMQL], each query percent-encoded)", uri,
               reason);
  return FALSE;
}

static gboolean
parse_uri (PmPrometheusSource *self,
           const char         *uri,
           GError            **error)
{
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  const char *http, *scheme, *query;

  if (!g_str_has_prefix (uri, "prometheus:"))
    return fail_uri (error, uri, "it does not start with “prometheus:”");
  http = uri + strlen ("prometheus:");
  parsed = g_uri_parse (http, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_PATH
                        | G_URI_FLAGS_SCHEME_NORMALIZE,
                        &local_error);
  if (parsed == NULL)
    return fail_uri (error, uri, "%s", local_error->message);
  scheme = g_uri_get_scheme (parsed);
  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    return fail_uri (error, uri, "the server must be an http:// or https:// URL, not %s:",
                     scheme);
  if (g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    return fail_uri (error, uri, "no host");
  if (g_uri_get_userinfo (parsed) != NULL)
    return fail_uri (error, uri, "a user name or password in the URL is not supported");
  if (g_uri_get_fragment (parsed) != NULL)
    return fail_uri (error, uri, "a “#” fragment means nothing here");

  query = g_uri_get_query (parsed);
  if (query != NULL && *query != '\0')
    {
      g_autoptr(GHashTable) params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE,
                                                         &local_error);
      GHashTableIter iter;
      gpointer key, value;

      if (params == NULL)
        return fail_uri (error, uri, "%s", local_error->message);
      g_hash_table_iter_init (&iter, params);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          int metric = -1;

          for (guint m = 0; m < N_METRICS; m++)
            if (g_str_equal (key, metric_names[m]))
              metric = (int) m;
          if (metric < 0)
            return fail_uri (error, uri, "unknown parameter “%s” (only latency, jitter and loss)",
                             (const char *) key);
          if (*g_strstrip (value) == '\0')
            return fail_uri (error, uri, "the %s query is empty", (const char *) key);
          g_free (self->queries[metric]);
          self->queries[metric] = g_strdup (value);
        }
    }

  /* The base URL requests are built on: no query, no trailing slash. */
  path = g_strdup (g_uri_get_path (parsed));
  while (*path != '\0' && path[strlen (path) - 1] == '/')
    path[strlen (path) - 1] = '\0';
  self->url = g_uri_join (G_URI_FLAGS_ENCODED_PATH, scheme, NULL, g_uri_get_host (parsed),
                          g_uri_get_port (parsed), path, NULL, NULL);
  return TRUE;
}

/* Requests ------------------------------------------------------------------------------------- */

static SoupSession *
get_session (PmPrometheusSource *self)
{
  if (self->session == NULL)
    self->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_S,
                                                   "user-agent", "premirror/" PACKAGE_VERSION,
                                                   NULL);
  return self->session;
}

/* The query with "$step" replaced by the store's step, as Prometheus writes a duration. */
static char *
expand_query (const char *query,
              gint64      step_s)
{
  g_autofree char *duration = g_strdup_printf ("%" G_GINT64_FORMAT "s", step_s);
  g_auto(GStrv) parts = g_strsplit (query, "$step", -1);

  return g_strjoinv (duration, parts);
}

/* One line of at most QUOTED_BODY characters of an answer that is not the API's JSON. */
static char *
quote_body (GBytes *body)
{
  gsize length;
  const char *data = g_bytes_get_data (body, &length);
  char *text = _pm_quote_one_line (data, length, QUOTED_BODY);

  /* Leading blanks too: the quote follows a colon. */
  return g_strchug (text);
}

/* What went wrong with a request that got no answer, in words a network engineer acts on. */
static void
set_unreachable (GError      **error,
                 SoupMessage  *msg,
                 const GError *soup_error)
{
  const char *host = g_uri_get_host (soup_message_get_uri (msg));

  if (g_error_matches (soup_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_UNREACHABLE,
                 "connection refused");
  else if (g_error_matches (soup_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_UNREACHABLE,
                 "no answer within %d s", REQUEST_TIMEOUT_S);
  else if (soup_error->domain == G_RESOLVER_ERROR)
    g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_UNREACHABLE,
                 "cannot resolve “%s”: %s", host, soup_error->message);
  else
    g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_UNREACHABLE, "%s",
                 soup_error->message);
}

/* POSTs one query to endpoint (“query” or “query_range”) with the form's other fields, and
 * reads the series of its answer. Errors name the metric and query, not the server (the caller
 * adds it). */
static GPtrArray *
request (PmPrometheusSource *self,
         const char         *endpoint,
         Metric              metric,
         const char         *query,
         char               *form,
         GError            **error)
{
  g_autofree char *url = g_strdup_printf ("%s/api/v1/%s", self->url, endpoint);
  g_autoptr(SoupMessage) msg = soup_message_new_from_encoded_form (SOUP_METHOD_POST, url, form);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) series = NULL;
  guint status;
  gsize length;
  const char *data;

  self->stats.requests++;
  if (msg == NULL)
    {
      g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_URI,
                   "“%s” is not a URL libsoup can request", url);
      self->stats.failures++;
      return NULL;
    }
  body = soup_session_send_and_read (get_session (self), msg, NULL, &local_error);
  if (body == NULL)
    {
      set_unreachable (error, msg, local_error);
      self->stats.failures++;
      return NULL;
    }

  status = soup_message_get_status (msg);
  data = g_bytes_get_data (body, &length);
  series = pm_prometheus_parse_reply (data != NULL ? data : "", data != NULL ? length : 0,
                                      &local_error);
  if (series != NULL && SOUP_STATUS_IS_SUCCESSFUL (status))
    return g_steal_pointer (&series);

  self->stats.failures++;
  if (g_error_matches (local_error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_SERVER))
    /* The API's own error body (400 for a bad query, 422 for one that failed, 503 for a
     * timeout): its words say what to fix. */
    g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_SERVER,
                 "%s query “%s”: HTTP %u: %s", metric_names[metric], query, status,
                 local_error->message);
  else if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_autofree char *quoted = quote_body (body);

      g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_HTTP,
                   "POST %s: HTTP %u %s%s%s (is this the Prometheus API? check the URL and its "
                   "path prefix)", url, status, soup_message_get_reason_phrase (msg),
                   *quoted != '\0' ? ": " : "", quoted);
    }
  else
    g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_MALFORMED,
                 "POST %s (%s query): %s", url, metric_names[metric],
                 local_error != NULL ? local_error->message : "no series");
  return NULL;
}

/* Writes the series of one metric into the block: each value at its step, scaled to the
 * store's units, for every segment whose probe is the series' instance. */
static void
fill_block (PmPrometheusSource *self,
            Block              *block,
            Metric              metric,
            GPtrArray          *series)
{
  for (guint i = 0; i < series->len; i++)
    {
      const PmPrometheusSeries *one = g_ptr_array_index (series, i);
      const char *instance = g_hash_table_lookup (one->labels, "instance");
      GArray *segments = instance != NULL ? g_hash_table_lookup (self->probes, instance) : NULL;

      if (segments == NULL)
        {
          self->stats.unknown_series++;
          if (instance != NULL && !g_hash_table_contains (self->unknown, instance))
            g_hash_table_add (self->unknown, g_strdup (instance));
          continue;
        }
      for (guint p = 0; p < one->points->len; p++)
        {
          const PmPrometheusPoint *point = &g_array_index (one->points, PmPrometheusPoint, p);
          double scaled = point->value * metric_scale[metric];
          gint64 step, k;
          float value;

          /* Evaluation times are whole steps; a server's float time is rounded first. */
          if (!isfinite (point->time_s) || fabs (point->time_s) > (double) G_MAXINT32 * 1000)
            continue;
          step = _pm_floor_div ((gint64) floor (point->time_s + 0.5), block->step_s);
          k = step - _pm_floor_div (block->start_s, block->step_s);
          if (k < 0 || k >= block->n_steps)
            continue;
          self->stats.points++;
          /* Beyond a float is absurd for any metric: infinite, which the store refuses and
           * counts (a plain conversion would be undefined). */
          value = fabs (scaled) > FLT_MAX ? (float) copysign (INFINITY, scaled) : (float) scaled;
          for (guint s = 0; s < segments->len; s++)
            {
              PmSample *sample =
                &block->samples[(gsize) k * block->n_segments + g_array_index (segments, guint, s)];

              if (metric == METRIC_LATENCY)
                sample->latency_ms = value;
              else if (metric == METRIC_JITTER)
                sample->jitter_ms = value;
              else
                sample->loss_ratio = value;
            }
        }
    }
}

/* Fills block (already reset to the steps wanted) from the three queries: one instant query
 * when it is one step and instant is set, else a range query. */
static gboolean
fetch_block (PmPrometheusSource *self,
             Block              *block,
             gboolean            instant,
             GError            **error)
{
  g_autofree char *start = g_strdup_printf ("%" G_GINT64_FORMAT, block->start_s);
  g_autofree char *end = g_strdup_printf ("%" G_GINT64_FORMAT, block_end (block));
  g_autofree char *step = g_strdup_printf ("%" G_GINT64_FORMAT, block->step_s);

  g_assert (!instant || block->n_steps == 1);

  for (guint m = 0; m < N_METRICS; m++)
    {
      g_autofree char *query = expand_query (self->queries[m], block->step_s);
      g_autoptr(GPtrArray) series = NULL;
      char *form;

      if (instant)
        form = soup_form_encode ("query", query, "time", end, NULL);
      else
        form = soup_form_encode ("query", query, "start", start, "end", end, "step", step, NULL);
      series = request (self, instant ? "query" : "query_range", m, query, form, error);
      if (series == NULL)
        return FALSE;
      fill_block (self, block, m, series);
    }
  return TRUE;
}

/* Fetches from_s..to_s (whole steps) and pushes it, window by window; done_s follows each
 * window that succeeded. */
static gboolean
fetch_range (PmPrometheusSource *self,
             PmSeriesStore      *store,
             gint64              from_s,
             gint64              to_s,
             gint64              step_s,
             GError            **error)
{
  g_autoptr(GArray) windows = pm_prometheus_split_range (from_s, to_s, step_s,
                                                         block_max_steps (self));
  Block block = { 0 };
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < windows->len; i++)
    {
      const PmPrometheusWindow *w = &g_array_index (windows, PmPrometheusWindow, i);

      block_reset (&block, w->start_s, step_s, (guint) ((w->end_s - w->start_s) / step_s) + 1,
                   self->n_segments);
      ok = fetch_block (self, &block, FALSE, error);
      if (ok)
        {
          block_push (&block, store, w->start_s, w->end_s);
          self->done_s = w->end_s;
          self->have_done = TRUE;
          self->succeeded = TRUE;
        }
    }
  block_clear (&block);
  return ok;
}

/* One instant query per step. */
static gboolean
fetch_instants (PmPrometheusSource *self,
                PmSeriesStore      *store,
                gint64              from_s,
                gint64              to_s,
                gint64              step_s,
                GError            **error)
{
  Block block = { 0 };
  gboolean ok = TRUE;

  for (gint64 t = from_s; ok && t <= to_s; t += step_s)
    {
      block_reset (&block, t, step_s, 1, self->n_segments);
      ok = fetch_block (self, &block, TRUE, error);
      if (ok)
        {
          block_push (&block, store, t, t);
          self->done_s = t;
          self->succeeded = TRUE;
        }
    }
  block_clear (&block);
  return ok;
}

/* Replay: serves from_s..to_s from the window fetched ahead, fetching the next window (as far
 * as the range end, within a block) whenever the one held ends. */
static gboolean
serve_ahead (PmPrometheusSource *self,
             PmSeriesStore      *store,
             gint64              from_s,
             gint64              to_s,
             gint64              step_s,
             GError            **error)
{
  gint64 range_end = _pm_floor_div (self->range_end_s, step_s) * step_s;

  while (from_s <= to_s)
    {
      gint64 until;

      if (!block_covers (&self->ahead, from_s) || self->ahead.step_s != step_s)
        {
          gint64 end = MIN (from_s + ((gint64) block_max_steps (self) - 1) * step_s,
                            MAX (to_s, range_end));

          block_reset (&self->ahead, from_s, step_s, (guint) ((end - from_s) / step_s) + 1,
                       self->n_segments);
          if (!fetch_block (self, &self->ahead, FALSE, error))
            {
              block_clear (&self->ahead);
              return FALSE;
            }
          self->succeeded = TRUE;
        }
      until = MIN (to_s, block_end (&self->ahead));
      block_push (&self->ahead, store, from_s, until);
      self->done_s = until;
      self->have_done = TRUE;
      from_s = until + step_s;
    }
  return TRUE;
}

/* For qsort of a string vector. */
static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Back-off ------------------------------------------------------------------------------------- */

static char *
format_wait (gint64 us)
{
  if (us <= 0)
    return g_strdup ("retrying at the next update");
  if (us < G_USEC_PER_SEC)
    return g_strdup_printf ("retrying in %" G_GINT64_FORMAT " ms", MAX (us / 1000, 1));
  return g_strdup_printf ("retrying in %" G_GINT64_FORMAT " s",
                          (us + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC);
}

/* Records a failure (taking error) and returns it, worded for the console, in *out. */
static gboolean
fail (PmPrometheusSource *self,
      GError             *error,
      GError            **out)
{
  gint64 wait = self->backoff_us;
  g_autofree char *retry = format_wait (wait);

  g_clear_error (&self->last_error);
  self->last_error = g_error_new (error->domain, error->code, "Prometheus at %s: %s (%s)",
                                  self->url, error->message, retry);
  g_error_free (error);
  self->failing = TRUE;
  self->retry_at_us = g_get_monotonic_time () + wait;
  self->backoff_us = MIN (MAX (wait * 2, wait), self->backoff_max_us);
  if (out != NULL)
    *out = g_error_copy (self->last_error);
  return FALSE;
}

/* PmSource ------------------------------------------------------------------------------------- */

static gboolean
pm_prometheus_source_advance (PmSource      *source,
                              PmSeriesStore *store,
                              gint64         until_s,
                              GError       **error)
{
  PmPrometheusSource *self = PM_PROMETHEUS_SOURCE (source);
  gint64 step = pm_series_store_get_step (store);
  gint64 capacity = pm_series_store_get_capacity (store);
  gint64 last = _pm_floor_div (until_s, step) * step;
  gint64 oldest = last - (capacity - 1) * step;
  gint64 from;
  GError *local_error = NULL;
  gboolean ok;

  if (pm_series_store_get_n_segments (store) != self->n_segments)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Prometheus at %s: the store has %u segments but the topology %u", self->url,
                   pm_series_store_get_n_segments (store), self->n_segments);
      return FALSE;
    }
  if (self->failing && g_get_monotonic_time () < self->retry_at_us)
    {
      if (error != NULL)
        *error = g_error_copy (self->last_error);
      return FALSE;
    }

  /* The first advance loads the store's span; later ones go on after the last step fetched,
   * but never further back than the store holds (after a long outage). */
  from = self->have_done ? MAX (self->done_s + step, oldest) : oldest;
  if (from > last)
    return TRUE;

  if (self->have_range_end)
    ok = serve_ahead (self, store, from, last, step, &local_error);
  else if (self->have_done && (last - from) / step + 1 <= MAX_INSTANT_STEPS)
    ok = fetch_instants (self, store, from, last, step, &local_error);
  else
    ok = fetch_range (self, store, from, last, step, &local_error);

  if (!ok)
    return fail (self, local_error, error);
  self->failing = FALSE;
  self->backoff_us = self->backoff_initial_us;
  g_clear_error (&self->last_error);
  return TRUE;
}

static char *
pm_prometheus_source_describe (PmSource *source)
{
  return g_strdup_printf ("Prometheus at %s", PM_PROMETHEUS_SOURCE (source)->url);
}

static PmSourceState
pm_prometheus_source_get_state (PmSource *source)
{
  PmPrometheusSource *self = PM_PROMETHEUS_SOURCE (source);

  if (self->failing)
    return self->succeeded ? PM_SOURCE_STATE_STALE : PM_SOURCE_STATE_FAILED;
  return self->succeeded ? PM_SOURCE_STATE_CONNECTED : PM_SOURCE_STATE_CONNECTING;
}

static void
pm_prometheus_source_iface_init (PmSourceInterface *iface)
{
  iface->advance = pm_prometheus_source_advance;
  iface->describe = pm_prometheus_source_describe;
  iface->get_state = pm_prometheus_source_get_state;
}

/* GObject -------------------------------------------------------------------------------------- */

static void
pm_prometheus_source_finalize (GObject *object)
{
  PmPrometheusSource *self = PM_PROMETHEUS_SOURCE (object);

  g_clear_object (&self->session);
  g_clear_object (&self->topology);
  g_clear_pointer (&self->probes, g_hash_table_unref);
  g_clear_pointer (&self->unknown, g_hash_table_unref);
  g_clear_error (&self->last_error);
  block_clear (&self->ahead);
  for (guint m = 0; m < N_METRICS; m++)
    g_free (self->queries[m]);
  g_free (self->url);

  G_OBJECT_CLASS (pm_prometheus_source_parent_class)->finalize (object);
}

static void
pm_prometheus_source_class_init (PmPrometheusSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_prometheus_source_finalize;
}

static void
pm_prometheus_source_init (PmPrometheusSource *self)
{
  self->probes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_array_unref);
  self->unknown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint m = 0; m < N_METRICS; m++)
    self->queries[m] = g_strdup (default_queries[m]);
  self->backoff_initial_us = PM_PROMETHEUS_SOURCE_BACKOFF_INITIAL_US;
  self->backoff_max_us = PM_PROMETHEUS_SOURCE_BACKOFF_MAX_US;
  self->backoff_us = self->backoff_initial_us;
}

/* Public API ----------------------------------------------------------------------------------- */

PmPrometheusSource *
pm_prometheus_source_new (PmTopology  *topology,
                          const char  *uri,
                          GError     **error)
{
  g_autoptr(PmPrometheusSource) self = NULL;

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  self = g_object_new (PM_TYPE_PROMETHEUS_SOURCE, NULL);
  if (!parse_uri (self, uri, error))
    return NULL;
  self->topology = g_object_ref (topology);
  self->n_segments = pm_topology_get_n_segments (topology);
  for (guint s = 0; s < self->n_segments; s++)
    {
      const char *probe = pm_topology_get_segment (topology, s)->probe;
      GArray *segments = g_hash_table_lookup (self->probes, probe);

      /* Several segments may share a probe (two directions measured by one): each gets it. */
      if (segments == NULL)
        {
          segments = g_array_new (FALSE, FALSE, sizeof (guint));
          g_hash_table_insert (self->probes, g_strdup (probe), segments);
        }
      g_array_append_val (segments, s);
    }
  return g_steal_pointer (&self);
}

const char *
pm_prometheus_source_get_url (PmPrometheusSource *self)
{
  g_return_val_if_fail (PM_IS_PROMETHEUS_SOURCE (self), NULL);
  return self->url;
}

void
pm_prometheus_source_set_range_end (PmPrometheusSource *self,
                                    gint64              end_s)
{
  g_return_if_fail (PM_IS_PROMETHEUS_SOURCE (self));
  self->have_range_end = TRUE;
  self->range_end_s = end_s;
  block_clear (&self->ahead);
}

void
pm_prometheus_source_set_backoff (PmPrometheusSource *self,
                                  gint64              initial_us,
                                  gint64              max_us)
{
  g_return_if_fail (PM_IS_PROMETHEUS_SOURCE (self));
  g_return_if_fail (initial_us >= 0 && max_us >= initial_us);
  self->backoff_initial_us = initial_us;
  self->backoff_max_us = max_us;
  self->backoff_us = initial_us;
  self->retry_at_us = MIN (self->retry_at_us, g_get_monotonic_time () + initial_us);
}

const PmPrometheusSourceStats *
pm_prometheus_source_get_stats (PmPrometheusSource *self)
{
  g_return_val_if_fail (PM_IS_PROMETHEUS_SOURCE (self), NULL);
  return &self->stats;
}

char **
pm_prometheus_source_dup_unknown_instances (PmPrometheusSource *self)
{
  g_autofree const char **keys = NULL;
  char **copy;
  guint n;

  g_return_val_if_fail (PM_IS_PROMETHEUS_SOURCE (self), NULL);
  keys = (const char **) g_hash_table_get_keys_as_array (self->unknown, &n);
  copy = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    copy[i] = g_strdup (keys[i]);
  qsort (copy, n, sizeof (char *), compare_strings);
  return copy;
}
