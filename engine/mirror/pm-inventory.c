/* pm-inventory.c: origin files, demo content and version detection.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-inventory.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pm-sha256.h"
#include "pm-site-storage.h"

/* What the file looked like when it was last hashed: an unchanged stat means an unchanged
 * digest, so a scan per minute costs a few stat() calls, not a re-read of every file. */
typedef struct
{
  gboolean known;
  guint64  size;
  gint64   mtime_ns;
  guint64  inode;
} FileStamp;

struct _PmInventory
{
  PmResources *resources;
  char        *data_dir;
  FileStamp   *stamps;  /* one per resource */
};

#define DEMO_CHUNK (4u << 20)

PmInventory *
pm_inventory_new (PmResources *resources,
                  const char  *data_dir)
{
  PmInventory *self = g_new0 (PmInventory, 1);

  self->resources = g_object_ref (resources);
  self->data_dir = g_strdup (data_dir);
  self->stamps = g_new0 (FileStamp, pm_resources_get_n_resources (resources));
  return self;
}

void
pm_inventory_free (PmInventory *self)
{
  if (self == NULL)
    return;
  g_object_unref (self->resources);
  g_free (self->data_dir);
  g_free (self->stamps);
  g_free (self);
}

char *
pm_inventory_origin_path (PmInventory *self,
                          guint        resource,
                          GError     **error)
{
  const PmResource *r = pm_resources_get_resource (self->resources, resource);
  PmTopology *topology = pm_resources_get_topology (self->resources);
  const PmSite *origin = pm_topology_get_site (topology, r->origin);
  g_autofree char *folder = pm_site_storage_path (origin, self->data_dir);

  if (folder == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Origin site “%s” of resource “%s” keeps its files at %s, which is not a "
                   "local folder: the inventory reads origin files locally",
                   origin->id, r->id, origin->storage);
      return NULL;
    }
  return g_build_filename (folder, r->id, NULL);
}

/* SplitMix64 (Steele, Lea, Flood 2014): fast, and each 8-byte word is a function of its index
 * alone, so any offset can be produced without generating what precedes it. */
static inline guint64
splitmix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return x ^ (x >> 31);
}

/* FNV-1a: a seed that does not depend on GLib's hash functions, which may change. */
static guint64
seed_of (const char *text)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    h = (h ^ *p) * G_GUINT64_CONSTANT (0x100000001b3);
  return h;
}

void
pm_inventory_demo_content (const char *resource_id,
                           guint64     offset,
                           guint8     *buffer,
                           gsize       length)
{
  guint64 seed = seed_of (resource_id);
  guint64 word = offset / 8;

  g_return_if_fail (offset % 8 == 0);

  for (gsize i = 0; i < length; i += 8, word++)
    {
      guint64 value = GUINT64_TO_LE (splitmix64 (seed + word));
      memcpy (buffer + i, &value, MIN (8, length - i));
    }
}

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 const char *what,
                 const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s %s: %s", what, path,
               g_strerror (saved_errno));
  return FALSE;
}

static gboolean
write_demo_file (const PmResource *r,
                 const char       *path,
                 GCancellable     *cancellable,
                 GError          **error)
{
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autofree guint8 *buffer = g_malloc (DEMO_CHUNK);
  int fd = open (part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd < 0)
    return set_errno_error (error, errno, "Cannot create demo file", part);

  for (guint64 done = 0; done < r->size_bytes;)
    {
      gsize n = (gsize) MIN ((guint64) DEMO_CHUNK, r->size_bytes - done);
      gsize written = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto fail;
      pm_inventory_demo_content (r->id, done, buffer, n);
      while (written < n)
        {
          ssize_t w = write (fd, buffer + written, n - written);
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            {
              set_errno_error (error, errno, "Cannot write demo file", part);
              goto fail;
            }
          written += (gsize) w;
        }
      done += n;
    }
  if (fsync (fd) != 0)
    {
      set_errno_error (error, errno, "Cannot write demo file", part);
      goto fail;
    }
  close (fd);
  if (g_rename (part, path) != 0)
    {
      int saved = errno;
      g_unlink (part);
      return set_errno_error (error, saved, "Cannot rename demo file to", path);
    }
  return TRUE;

fail:
  close (fd);
  g_unlink (part);
  return FALSE;
}

gboolean
pm_inventory_create_demo_files (PmInventory  *self,
                                GCancellable *cancellable,
                                GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < pm_resources_get_n_resources (self->resources); i++)
    {
      const PmResource *r = pm_resources_get_resource (self->resources, i);
      g_autofree char *path = pm_inventory_origin_path (self, i, error);
      g_autofree char *folder = NULL;

      if (path == NULL)
        return FALSE;
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      folder = g_path_get_dirname (path);
      if (g_mkdir_with_parents (folder, 0755) != 0)
        return set_errno_error (error, errno, "Cannot create the origin folder", folder);
      if (!write_demo_file (r, path, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

static FileStamp
stamp_of (const struct stat *st)
{
  FileStamp stamp = { TRUE, (guint64) st->st_size,
                      (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000)
                        + st->st_mtim.tv_nsec,
                      (guint64) st->st_ino };
  return stamp;
}

static gboolean
same_stamp (const FileStamp *a,
            const FileStamp *b)
{
  return a->known && b->known && a->size == b->size && a->mtime_ns == b->mtime_ns
         && a->inode == b->inode;
}

/* Hashes one origin file when its stamp changed and records the version. Returns FALSE with
 * error set for a problem with this file only. */
static gboolean
scan_one (PmInventory  *self,
          guint         index,
          PmCatalog    *catalog,
          gint64        now,
          gboolean     *is_new,
          GCancellable *cancellable,
          GError      **error)
{
  const PmResource *r = pm_resources_get_resource (self->resources, index);
  g_autofree char *path = pm_inventory_origin_path (self, index, error);
  struct stat before, after;
  char digest[65];
  guint64 size = 0;
  PmVersion version = { 0 };
  FileStamp stamp;

  *is_new = FALSE;
  if (path == NULL)
    return FALSE;
  if (g_stat (path, &before) != 0)
    return set_errno_error (error, errno, "Cannot read the origin file of resource", path);
  stamp = stamp_of (&before);
  if (same_stamp (&stamp, &self->stamps[index]))
    return TRUE;

  if (!pm_sha256_file (path, digest, &size, cancellable, error))
    return FALSE;
  /* A file rewritten while it was hashed gives a digest of no version: try again next scan. */
  if (g_stat (path, &after) != 0 || !same_stamp (&stamp, (FileStamp[]) { stamp_of (&after) }))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "The origin file %s of resource “%s” changed while it was read", path, r->id);
      return FALSE;
    }
  if (!pm_catalog_add_version (catalog, r->id, digest, size, now, &version, is_new, error))
    return FALSE;
  pm_version_clear (&version);
  self->stamps[index] = stamp;
  return TRUE;
}

gboolean
pm_inventory_scan (PmInventory  *self,
                   PmCatalog    *catalog,
                   gint64        now,
                   guint        *n_new,
                   char        **problems,
                   GCancellable *cancellable,
                   GError      **error)
{
  g_autoptr(GString) report = NULL;
  guint added = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (PM_IS_CATALOG (catalog), FALSE);

  for (guint i = 0; i < pm_resources_get_n_resources (self->resources); i++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean is_new = FALSE;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!scan_one (self, i, catalog, now, &is_new, cancellable, &local_error))
        {
          /* The catalogue failing is everyone's problem; one bad file is only its own. */
          if (local_error->domain == PM_CATALOG_ERROR)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          if (report == NULL)
            report = g_string_new (NULL);
          g_string_append_printf (report, "%s%s", report->len > 0 ? "\n" : "",
                                  local_error->message);
          continue;
        }
      added += is_new ? 1 : 0;
    }
  if (n_new != NULL)
    *n_new = added;
  if (problems != NULL)
    *problems = report != NULL ? g_string_free (g_steal_pointer (&report), FALSE) : NULL;
  return TRUE;
}
