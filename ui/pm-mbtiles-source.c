/* pm-mbtiles-source.c: MBTiles (SQLite) raster tiles as a ShumateDataSource.
 *
 * Lookups run on a worker thread (the file may sit on a slow disk); the "received-data" signal
 * is emitted back on the main thread before the task returns, because libshumate 1.0's raster
 * renderer paints only what that signal delivers. MBTiles rows are TMS: row = 2^z − 1 − y.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-mbtiles-source.h"

#include <sqlite3.h>

struct _PmMbtilesSource
{
  ShumateDataSource parent_instance;

  sqlite3          *db;       /* opened serialized: worker threads share it */
  char             *path;
  char             *name;
  guint             min_zoom;
  guint             max_zoom;
};

G_DEFINE_TYPE (PmMbtilesSource, pm_mbtiles_source, SHUMATE_TYPE_DATA_SOURCE)

typedef struct
{
  int x, y, z;
} TileRequest;

static char *
read_metadata (sqlite3    *db,
               const char *key)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT value FROM metadata WHERE name = ?", -1, &stmt, NULL)
      != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static void
lookup_tile_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  PmMbtilesSource *self = source_object;
  TileRequest *request = task_data;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT tile_data FROM tiles "
                          "WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                          -1, &stmt, NULL)
      != SQLITE_OK)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", self->path,
                               sqlite3_errmsg (self->db));
      return;
    }
  sqlite3_bind_int (stmt, 1, request->z);
  sqlite3_bind_int (stmt, 2, request->x);
  sqlite3_bind_int (stmt, 3, (1 << request->z) - 1 - request->y);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      GBytes *bytes = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
    }
  else if (rc == SQLITE_DONE)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                             "%s has no tile %d/%d/%d", self->path, request->z, request->x,
                             request->y);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", self->path,
                             sqlite3_errmsg (self->db));
  sqlite3_finalize (stmt);
}

static void
tile_looked_up_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  TileRequest *request = g_task_get_task_data (outer);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_task_propagate_pointer (G_TASK (result), &error);

  if (bytes == NULL)
    {
      g_task_return_error (outer, g_steal_pointer (&error));
      return;
    }
  g_signal_emit_by_name (source_object, "received-data", request->x, request->y, request->z,
                         bytes);
  g_task_return_pointer (outer, g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
}

static void
pm_mbtiles_source_get_tile_data_async (ShumateDataSource  *source,
                                       int                 x,
                                       int                 y,
                                       int                 zoom_level,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  GTask *outer = g_task_new (source, cancellable, callback, user_data);
  g_autoptr(GTask) lookup = g_task_new (source, cancellable, tile_looked_up_cb, outer);
  TileRequest *request = g_new (TileRequest, 1);

  *request = (TileRequest) { x, y, zoom_level };
  g_task_set_source_tag (outer, pm_mbtiles_source_get_tile_data_async);
  g_task_set_task_data (outer, request, g_free);
  g_task_set_task_data (lookup, g_memdup2 (request, sizeof *request), g_free);
  g_task_run_in_thread (lookup, lookup_tile_thread);
}

static GBytes *
pm_mbtiles_source_get_tile_data_finish (ShumateDataSource *source,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
pm_mbtiles_source_finalize (GObject *object)
{
  PmMbtilesSource *self = PM_MBTILES_SOURCE (object);

  sqlite3_close (self->db);
  g_free (self->path);
  g_free (self->name);

  G_OBJECT_CLASS (pm_mbtiles_source_parent_class)->finalize (object);
}

static void
pm_mbtiles_source_class_init (PmMbtilesSourceClass *klass)
{
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = pm_mbtiles_source_finalize;
  source_class->get_tile_data_async = pm_mbtiles_source_get_tile_data_async;
  source_class->get_tile_data_finish = pm_mbtiles_source_get_tile_data_finish;
}

static void
pm_mbtiles_source_init (PmMbtilesSource *self)
{
}

static guint
zoom_from_metadata (sqlite3    *db,
                    const char *key,
                    guint       fallback)
{
  g_autofree char *text = read_metadata (db, key);
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, 22, &value, NULL))
    return fallback;
  return (guint) value;
}

PmMbtilesSource *
pm_mbtiles_source_new (const char *path,
                       GError    **error)
{
  g_autoptr(PmMbtilesSource) self = g_object_new (PM_TYPE_MBTILES_SOURCE, NULL);
  g_autofree char *format = NULL;
  sqlite3_stmt *stmt = NULL;

  self->path = g_strdup (path);
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL)
        != SQLITE_OK
      || sqlite3_prepare_v2 (self->db, "SELECT 1 FROM tiles LIMIT 1", -1, &stmt, NULL)
           != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: not an MBTiles file (%s)", path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : "cannot open");
      sqlite3_finalize (stmt);
      return NULL;
    }
  sqlite3_finalize (stmt);

  format = read_metadata (self->db, "format");
  if (format != NULL && g_strcmp0 (format, "png") != 0 && g_strcmp0 (format, "jpg") != 0
      && g_strcmp0 (format, "jpeg") != 0 && g_strcmp0 (format, "webp") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s: tiles in format “%s” are not raster images; use a png or jpg MBTiles",
                   path, format);
      return NULL;
    }
  self->name = read_metadata (self->db, "name");
  if (self->name == NULL)
    self->name = g_path_get_basename (path);
  self->min_zoom = zoom_from_metadata (self->db, "minzoom", 0);
  self->max_zoom = MAX (self->min_zoom, zoom_from_metadata (self->db, "maxzoom", 19));
  return g_steal_pointer (&self);
}

const char *
pm_mbtiles_source_get_name (PmMbtilesSource *self)
{
  return self->name;
}

guint
pm_mbtiles_source_get_min_zoom (PmMbtilesSource *self)
{
  return self->min_zoom;
}

guint
pm_mbtiles_source_get_max_zoom (PmMbtilesSource *self)
{
  return self->max_zoom;
}

ShumateMapSource *
pm_mbtiles_source_create_map_source (PmMbtilesSource *self)
{
  g_autofree char *id = g_strconcat ("mbtiles:", self->path, NULL);

  return SHUMATE_MAP_SOURCE (shumate_raster_renderer_new_full (
    id, self->name, "", "", self->min_zoom, self->max_zoom, 256,
    SHUMATE_MAP_PROJECTION_MERCATOR, SHUMATE_DATA_SOURCE (self)));
}
