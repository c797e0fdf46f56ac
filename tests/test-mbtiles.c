/* test-mbtiles.c: offline raster tiles from a real MBTiles (SQLite) file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gtk/gtk.h>
#include <sqlite3.h>

#include "pm-mbtiles-source.h"
#include "pm-test-util.h"

static GBytes *
make_png (void)
{
  g_autofree guchar *pixels = g_malloc (16 * 16 * 4);
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  for (guint i = 0; i < 16 * 16; i++)
    {
      pixels[i * 4 + 0] = (guchar) i;
      pixels[i * 4 + 1] = 0x40;
      pixels[i * 4 + 2] = 0x80;
      pixels[i * 4 + 3] = 0xff;
    }
  data = g_bytes_new (pixels, 16 * 16 * 4);
  texture = gdk_memory_texture_new (16, 16, GDK_MEMORY_R8G8B8A8, data, 16 * 4);
  return gdk_texture_save_to_png_bytes (texture);
}

static void
exec_sql (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* Writes an MBTiles file with one tile at z/x/y (XYZ numbering; stored as TMS rows). */
static char *
write_mbtiles (const char *format,
               int         z,
               int         x,
               int         y,
               GBytes     *tile)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  char *path = g_build_filename (dir, "tiles.mbtiles", NULL);
  g_autofree char *metadata = g_strdup_printf (
    "INSERT INTO metadata VALUES ('name', 'Test tiles'), ('format', '%s'), "
    "('minzoom', '0'), ('maxzoom', '3')", format);
  sqlite3 *db;
  sqlite3_stmt *stmt;
  gsize size;
  const void *bytes = g_bytes_get_data (tile, &size);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, "CREATE TABLE metadata (name TEXT, value TEXT)");
  exec_sql (db, "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
                "tile_data BLOB)");
  exec_sql (db, metadata);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO tiles VALUES (?, ?, ?, ?)", -1, &stmt,
                                       NULL), ==, SQLITE_OK);
  sqlite3_bind_int (stmt, 1, z);
  sqlite3_bind_int (stmt, 2, x);
  sqlite3_bind_int (stmt, 3, (1 << z) - 1 - y);
  sqlite3_bind_blob (stmt, 4, bytes, (int) size, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return path;
}

typedef struct
{
  GBytes *result;
  GError *error;
  gboolean done;
  int received_x, received_y, received_z;
  GBytes *received;
} Fetch;

static void
received_data_cb (ShumateDataSource *source,
                  int                x,
                  int                y,
                  int                z,
                  GBytes            *bytes,
                  gpointer           user_data)
{
  Fetch *fetch = user_data;

  fetch->received_x = x;
  fetch->received_y = y;
  fetch->received_z = z;
  fetch->received = g_bytes_ref (bytes);
}

static void
fetched_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;

  fetch->result = shumate_data_source_get_tile_data_finish (SHUMATE_DATA_SOURCE (object), result,
                                                            &fetch->error);
  fetch->done = TRUE;
}

static void
fetch_tile (PmMbtilesSource *source,
            int              x,
            int              y,
            int              z,
            Fetch           *fetch)
{
  gulong id = g_signal_connect (source, "received-data", G_CALLBACK (received_data_cb), fetch);

  shumate_data_source_get_tile_data_async (SHUMATE_DATA_SOURCE (source), x, y, z, NULL,
                                           fetched_cb, fetch);
  while (!fetch->done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (source, id);
}

static void
test_mbtiles_reads_tile (void)
{
  g_autoptr(GBytes) png = make_png ();
  g_autofree char *path = write_mbtiles ("png", 2, 1, 3, png);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMbtilesSource) source = pm_mbtiles_source_new (path, &error);
  g_autoptr(ShumateMapSource) map_source = NULL;
  Fetch fetch = { 0 };

  g_assert_no_error (error);
  g_assert_cmpstr (pm_mbtiles_source_get_name (source), ==, "Test tiles");
  g_assert_cmpuint (pm_mbtiles_source_get_min_zoom (source), ==, 0);
  g_assert_cmpuint (pm_mbtiles_source_get_max_zoom (source), ==, 3);

  fetch_tile (source, 1, 3, 2, &fetch);
  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.result, png));
  /* libshumate 1.0 paints only what "received-data" delivers. */
  g_assert_nonnull (fetch.received);
  g_assert_true (g_bytes_equal (fetch.received, png));
  g_assert_cmpint (fetch.received_x, ==, 1);
  g_assert_cmpint (fetch.received_y, ==, 3);
  g_assert_cmpint (fetch.received_z, ==, 2);
  g_bytes_unref (fetch.result);
  g_bytes_unref (fetch.received);

  map_source = pm_mbtiles_source_create_map_source (source);
  g_assert_cmpuint (shumate_map_source_get_max_zoom_level (map_source), ==, 3);
}

static void
test_mbtiles_missing_tile (void)
{
  g_autoptr(GBytes) png = make_png ();
  g_autofree char *path = write_mbtiles ("png", 2, 1, 3, png);
  g_autoptr(PmMbtilesSource) source = pm_mbtiles_source_new (path, NULL);
  Fetch fetch = { 0 };

  /* The TMS flip matters: XYZ row 0 is TMS row 3, where nothing is stored. */
  fetch_tile (source, 1, 0, 2, &fetch);
  g_assert_null (fetch.result);
  g_assert_error (fetch.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (fetch.received);
  g_clear_error (&fetch.error);
}

static void
test_mbtiles_rejects_non_mbtiles (void)
{
  g_autofree char *path = pm_test_write_temp_file ("tiles.mbtiles", "this is not SQLite");
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMbtilesSource) source = pm_mbtiles_source_new (path, &error);

  g_assert_null (source);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_mbtiles_rejects_vector_tiles (void)
{
  g_autoptr(GBytes) blob = g_bytes_new_static ("\x1a\x00", 2);
  g_autofree char *path = write_mbtiles ("pbf", 0, 0, 0, blob);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmMbtilesSource) source = pm_mbtiles_source_new (path, &error);

  g_assert_null (source);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "pbf"));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mbtiles/reads-tile", test_mbtiles_reads_tile);
  g_test_add_func ("/mbtiles/missing-tile", test_mbtiles_missing_tile);
  g_test_add_func ("/mbtiles/rejects-non-mbtiles", test_mbtiles_rejects_non_mbtiles);
  g_test_add_func ("/mbtiles/rejects-vector-tiles", test_mbtiles_rejects_vector_tiles);

  return g_test_run ();
}
