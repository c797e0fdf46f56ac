/* pm-prometheus-reply.c: Prometheus API replies read into series, and range queries split into
 * windows the server accepts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-prometheus-reply.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "pm-json-private.h"

G_DEFINE_QUARK (pm-prometheus-error-quark, pm_prometheus_error)

void
pm_prometheus_series_free (PmPrometheusSeries *series)
{
  if (series == NULL)
    return;
  g_clear_pointer (&series->labels, g_hash_table_unref);
  g_clear_pointer (&series->points, g_array_unref);
  g_free (series);
}

static gboolean
malformed (GError    **error,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static gboolean
malformed (GError    **error,
           const char *format,
           ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_MALFORMED,
               "Not a Prometheus reply: %s", message);
  return FALSE;
}

/* A sample value as Prometheus writes it: a string, "NaN", "+Inf" and "-Inf" included. */
static gboolean
parse_value (const char *text,
             double     *value)
{
  char *end = NULL;

  if (g_strcmp0 (text, "NaN") == 0)
    *value = NAN;
  else if (g_strcmp0 (text, "+Inf") == 0 || g_strcmp0 (text, "Inf") == 0)
    *value = INFINITY;
  else if (g_strcmp0 (text, "-Inf") == 0)
    *value = -INFINITY;
  else
    {
      if (text == NULL || *text == '\0')
        return FALSE;
      *value = g_ascii_strtod (text, &end);
      return end != NULL && *end == '\0';
    }
  return TRUE;
}

/* [TIME, "VALUE"] */
static gboolean
parse_point (JsonNode          *node,
             PmPrometheusPoint *point,
             guint              series_index,
             guint              sample_index,
             GError           **error)
{
  JsonArray *pair;
  JsonNode *time, *value;

  pair = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  if (pair == NULL || json_array_get_length (pair) != 2)
    return malformed (error, "series %u, sample %u: not a [time, \"value\"] pair",
                      series_index, sample_index);
  time = json_array_get_element (pair, 0);
  value = json_array_get_element (pair, 1);
  if (!JSON_NODE_HOLDS_VALUE (time)
      || (json_node_get_value_type (time) != G_TYPE_DOUBLE
          && json_node_get_value_type (time) != G_TYPE_INT64))
    return malformed (error, "series %u, sample %u: the time is not a number", series_index,
                      sample_index);
  point->time_s = json_node_get_double (time);
  if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING
      || !parse_value (json_node_get_string (value), &point->value))
    return malformed (error, "series %u, sample %u: the value is not a number in a string",
                      series_index, sample_index);
  return TRUE;
}

static PmPrometheusSeries *
parse_series (JsonNode   *node,
              gboolean    matrix,
              guint       index,
              GError    **error)
{
  g_autoptr(GHashTable) labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (PmPrometheusPoint));
  PmPrometheusSeries *series;
  JsonObject *object, *metric;
  JsonNode *metric_node;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      malformed (error, "series %u is not an object", index);
      return NULL;
    }
  object = json_node_get_object (node);
  metric_node = json_object_get_member (object, "metric");
  if (metric_node == NULL || !JSON_NODE_HOLDS_OBJECT (metric_node))
    {
      malformed (error, "series %u has no “metric” object", index);
      return NULL;
    }
  metric = json_node_get_object (metric_node);
  {
    g_autoptr(GList) names = json_object_get_members (metric);

    for (GList *l = names; l != NULL; l = l->next)
      {
        JsonNode *label = json_object_get_member (metric, l->data);

        if (!JSON_NODE_HOLDS_VALUE (label) || json_node_get_value_type (label) != G_TYPE_STRING)
          {
            malformed (error, "series %u: label “%s” is not a string", index,
                       (const char *) l->data);
            return NULL;
          }
        g_hash_table_insert (labels, g_strdup (l->data), g_strdup (json_node_get_string (label)));
      }
  }

  if (matrix)
    {
      JsonNode *values = json_object_get_member (object, "values");
      JsonArray *array;

      if (values == NULL || !JSON_NODE_HOLDS_ARRAY (values))
        {
          malformed (error, "series %u of a matrix has no “values” array", index);
          return NULL;
        }
      array = json_node_get_array (values);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          PmPrometheusPoint point;

          if (!parse_point (json_array_get_element (array, i), &point, index, i, error))
            return NULL;
          g_array_append_val (points, point);
        }
    }
  else
    {
      JsonNode *value = json_object_get_member (object, "value");
      PmPrometheusPoint point;

      if (value == NULL)
        {
          malformed (error, "series %u of a vector has no “value”", index);
          return NULL;
        }
      if (!parse_point (value, &point, index, 0, error))
        return NULL;
      g_array_append_val (points, point);
    }

  series = g_new0 (PmPrometheusSeries, 1);
  series->labels = g_steal_pointer (&labels);
  series->points = g_steal_pointer (&points);
  return series;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

GPtrArray *
pm_prometheus_parse_reply (const char *body,
                           gssize      length,
                           GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(GError) json_error = NULL;
  JsonObject *root, *data;
  JsonNode *node, *results;
  const char *status, *type;
  gboolean matrix;

  g_return_val_if_fail (body != NULL || length == 0, NULL);

  if (body == NULL || length == 0 || *body == '\0')
    {
      malformed (error, "the reply is empty");
      return NULL;
    }
  if (!_pm_json_parser_load (parser, body, length, NULL, &json_error))
    {
      malformed (error, "not JSON (%s)", json_error->message);
      return NULL;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      malformed (error, "the reply is not a JSON object");
      return NULL;
    }
  root = json_node_get_object (node);
  status = string_member (root, "status");
  if (g_strcmp0 (status, "error") == 0)
    {
      const char *kind = string_member (root, "errorType");
      const char *message = string_member (root, "error");

      g_set_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_SERVER,
                   "Prometheus refused the query (%s): %s", kind != NULL ? kind : "no type",
                   message != NULL ? message : "no message");
      return NULL;
    }
  if (g_strcmp0 (status, "success") != 0)
    {
      malformed (error, "“status” is neither “success” nor “error”");
      return NULL;
    }
  node = json_object_get_member (root, "data");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      malformed (error, "no “data” object");
      return NULL;
    }
  data = json_node_get_object (node);
  type = string_member (data, "resultType");
  if (g_strcmp0 (type, "matrix") != 0 && g_strcmp0 (type, "vector") != 0)
    {
      malformed (error, "“resultType” is “%s”, not a matrix or a vector",
                 type != NULL ? type : "");
      return NULL;
    }
  matrix = g_str_equal (type, "matrix");
  results = json_object_get_member (data, "result");
  if (results == NULL || !JSON_NODE_HOLDS_ARRAY (results))
    {
      malformed (error, "no “result” array");
      return NULL;
    }

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_prometheus_series_free);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (results)); i++)
    {
      PmPrometheusSeries *series =
        parse_series (json_array_get_element (json_node_get_array (results), i), matrix, i,
                      error);

      if (series == NULL)
        return NULL;
      g_ptr_array_add (result, series);
    }
  return g_steal_pointer (&result);
}

GArray *
pm_prometheus_split_range (gint64 start_s,
                           gint64 end_s,
                           gint64 step_s,
                           guint  max_points)
{
  GArray *windows = g_array_new (FALSE, FALSE, sizeof (PmPrometheusWindow));

  g_return_val_if_fail (step_s > 0, windows);
  g_return_val_if_fail (max_points > 0, windows);

  /* A window from s to s + (n - 1) × step holds n points, both ends included. */
  for (gint64 start = start_s; start <= end_s;)
    {
      PmPrometheusWindow window = { start,
                                    MIN (end_s, start + (gint64) (max_points - 1) * step_s) };

      g_array_append_val (windows, window);
      start = window.end_s + step_s;
    }
  return windows;
}
