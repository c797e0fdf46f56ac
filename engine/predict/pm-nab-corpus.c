/* pm-nab-corpus.c: loading a folder in the NAB layout.
 *
 * The labels file defines the corpus: every key of labels/combined_windows.json names a series
 * under data/, and its windows are pairs of timestamps. NAB matches window ends to row
 * timestamps exactly; here a window covers the rows whose time lies between its ends, which
 * gives the same rows on NAB's own data and still works when a label is not on a sample time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-nab-corpus.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pm-json-private.h"

struct _PmNabCorpus
{
  GArray *files;    /* PmNabCorpusFile */
  GArray *profiles; /* PmNabProfile */
};

static void
corpus_file_clear (gpointer data)
{
  PmNabCorpusFile *file = data;

  g_clear_pointer (&file->name, g_free);
  g_clear_pointer (&file->series, pm_value_series_free);
  g_clear_pointer (&file->windows, g_array_unref);
}

static void
profile_clear (gpointer data)
{
  PmNabProfile *profile = data;

  g_clear_pointer (&profile->name, g_free);
}

static gboolean
read_weight (JsonObject *matrix,
             const char *field,
             double     *out,
             const char *path,
             const char *profile,
             GError    **error)
{
  JsonNode *node = json_object_get_member (matrix, field);
  GType type = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node)
                                                            : G_TYPE_INVALID;

  if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: profile “%s”: field “CostMatrix.%s”: %s (expected a weight ≥ 0)", path,
                   profile, field, node == NULL ? "missing" : "not a number");
      return FALSE;
    }
  *out = json_node_get_double (node);
  if (!(*out >= 0) || !isfinite (*out))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: profile “%s”: field “CostMatrix.%s”: %g (expected a weight ≥ 0)", path,
                   profile, field, *out);
      return FALSE;
    }
  return TRUE;
}

/* Like json_parser_load_from_file(), through the engine's guard for JSON it did not write. */
static gboolean
load_json_file (JsonParser *parser,
                const char *path,
                GError    **error)
{
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, error);

  return mapped != NULL
         && _pm_json_parser_load (parser, g_mapped_file_get_contents (mapped),
                                  (gssize) g_mapped_file_get_length (mapped), path, error);
}

GArray *
pm_nab_profiles_load (const char *path,
                      GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GArray) profiles = g_array_new (FALSE, TRUE, sizeof (PmNabProfile));
  g_autoptr(GList) names = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *object;

  g_return_val_if_fail (path != NULL, NULL);

  g_array_set_clear_func (profiles, profile_clear);
  if (!load_json_file (parser, path, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", path,
                   local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: expected an object of profiles ({\"standard\": {\"CostMatrix\": …}})",
                   path);
      return NULL;
    }
  object = json_node_get_object (root);
  names = json_object_get_members (object);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (object, name);
      JsonNode *matrix = NULL;
      PmNabProfile profile = { 0 };

      if (JSON_NODE_HOLDS_OBJECT (node))
        matrix = json_object_get_member (json_node_get_object (node), "CostMatrix");
      if (matrix == NULL || !JSON_NODE_HOLDS_OBJECT (matrix))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: profile “%s”: field “CostMatrix”: missing or not an object", path,
                       name);
          return NULL;
        }
      if (!read_weight (json_node_get_object (matrix), "tpWeight", &profile.tp_weight, path,
                        name, error)
          || !read_weight (json_node_get_object (matrix), "fpWeight", &profile.fp_weight, path,
                           name, error)
          || !read_weight (json_node_get_object (matrix), "fnWeight", &profile.fn_weight, path,
                           name, error))
        return NULL;
      profile.name = g_strdup (name);
      g_array_append_val (profiles, profile);
    }
  if (profiles->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no profiles", path);
      return NULL;
    }
  return g_steal_pointer (&profiles);
}

static gboolean
read_window_time (JsonArray  *pair,
                  guint       index,
                  double     *out,
                  const char *path,
                  const char *key,
                  guint       window,
                  GError    **error)
{
  JsonNode *node = json_array_get_element (pair, index);
  const char *text = NULL;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    text = json_node_get_string (node);
  if (text == NULL || !pm_value_csv_parse_time (text, out))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: “%s”: window %u: %s is not a time (expected \"YYYY-MM-DD HH:MM:SS\")",
                   path, key, window, index == 0 ? "the start" : "the end");
      return FALSE;
    }
  return TRUE;
}

/* Index of the first row at or after t (n_rows when none). */
static guint
first_at_or_after (const PmValueSeries *series,
                   double               t)
{
  guint lo = 0, hi = series->n_rows;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (series->times_s[mid] < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static GArray *
read_windows (JsonNode            *node,
              const PmValueSeries *series,
              const char          *path,
              const char          *key,
              GError             **error)
{
  g_autoptr(GArray) windows = g_array_new (FALSE, FALSE, sizeof (PmNabWindow));
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: “%s”: expected an array of [start, end] windows", path, key);
      return NULL;
    }
  array = json_node_get_array (node);
  for (guint k = 0; k < json_array_get_length (array); k++)
    {
      JsonNode *element = json_array_get_element (array, k);
      JsonArray *pair;
      PmNabWindow window;
      double start, end;
      guint after_end;

      if (!JSON_NODE_HOLDS_ARRAY (element)
          || json_array_get_length (json_node_get_array (element)) != 2)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: “%s”: window %u: expected [start, end]", path, key, k);
          return NULL;
        }
      pair = json_node_get_array (element);
      if (!read_window_time (pair, 0, &start, path, key, k, error)
          || !read_window_time (pair, 1, &end, path, key, k, error))
        return NULL;

      window.left = first_at_or_after (series, start);
      after_end = first_at_or_after (series, nextafter (end, INFINITY));
      if (end < start || window.left >= after_end)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: “%s”: window %u: no row of %s lies in it", path, key, k,
                       series->path);
          return NULL;
        }
      window.right = after_end - 1;
      if (windows->len > 0
          && window.left <= g_array_index (windows, PmNabWindow, windows->len - 1).right)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: “%s”: window %u overlaps or precedes window %u", path, key, k,
                       k - 1);
          return NULL;
        }
      g_array_append_val (windows, window);
    }
  return g_steal_pointer (&windows);
}

static gboolean
name_selected (const char        *key,
               const char *const *only,
               gboolean          *used)
{
  g_autofree char *base = g_path_get_basename (key);
  gboolean selected = FALSE;

  if (only == NULL)
    return TRUE;
  for (guint i = 0; only[i] != NULL; i++)
    if (strcmp (only[i], key) == 0 || strcmp (only[i], base) == 0)
      selected = used[i] = TRUE;
  return selected;
}

static int
compare_files_cb (gconstpointer a,
                  gconstpointer b)
{
  return strcmp (((const PmNabCorpusFile *) a)->name, ((const PmNabCorpusFile *) b)->name);
}

PmNabCorpus *
pm_nab_corpus_load (const char        *dir,
                    const char *const *only,
                    GError           **error)
{
  g_autoptr(PmNabCorpus) self = g_new0 (PmNabCorpus, 1);
  g_autofree char *labels_path = g_build_filename (dir, "labels", "combined_windows.json", NULL);
  g_autofree char *profiles_path = g_build_filename (dir, "config", "profiles.json", NULL);
  g_autofree gboolean *used = g_new0 (gboolean, only != NULL ? g_strv_length ((char **) only)
                                                              + 1 : 1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GList) keys = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *labels;
  JsonNode *root;

  g_return_val_if_fail (dir != NULL, NULL);

  self->files = g_array_new (FALSE, TRUE, sizeof (PmNabCorpusFile));
  g_array_set_clear_func (self->files, corpus_file_clear);

  self->profiles = pm_nab_profiles_load (profiles_path, error);
  if (self->profiles == NULL)
    return NULL;

  if (!load_json_file (parser, labels_path, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", labels_path,
                   local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: expected an object mapping data files to their windows", labels_path);
      return NULL;
    }
  labels = json_node_get_object (root);
  keys = json_object_get_members (labels);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *data_path = NULL;
      PmNabCorpusFile file = { 0 };

      if (!name_selected (key, only, used))
        continue;
      data_path = g_build_filename (dir, "data", key, NULL);
      file.series = pm_value_series_load_file (data_path, error);
      if (file.series == NULL || !pm_value_series_check_ordered (file.series, error))
        {
          g_clear_pointer (&file.series, pm_value_series_free);
          return NULL;
        }
      file.windows = read_windows (json_object_get_member (labels, key), file.series,
                                   labels_path, key, error);
      if (file.windows == NULL)
        {
          pm_value_series_free (file.series);
          return NULL;
        }
      file.name = g_strdup (key);
      g_array_append_val (self->files, file);
    }

  for (guint i = 0; only != NULL && only[i] != NULL; i++)
    if (!used[i])
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "%s: no labelled file is named “%s”", labels_path, only[i]);
        return NULL;
      }
  if (self->files->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no labelled files",
                   labels_path);
      return NULL;
    }

  g_array_sort (self->files, compare_files_cb);
  return g_steal_pointer (&self);
}

void
pm_nab_corpus_free (PmNabCorpus *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->files, g_array_unref);
  g_clear_pointer (&self->profiles, g_array_unref);
  g_free (self);
}

guint
pm_nab_corpus_get_n_files (PmNabCorpus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->files->len;
}

const PmNabCorpusFile *
pm_nab_corpus_get_file (PmNabCorpus *self,
                        guint        index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->files->len, NULL);

  return &g_array_index (self->files, PmNabCorpusFile, index);
}

guint
pm_nab_corpus_get_n_profiles (PmNabCorpus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->profiles->len;
}

const PmNabProfile *
pm_nab_corpus_get_profile (PmNabCorpus *self,
                           guint        index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->profiles->len, NULL);

  return &g_array_index (self->profiles, PmNabProfile, index);
}
