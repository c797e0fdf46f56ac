/* pm-transport-local.c: replicas in a local directory. A put reads the source once, hashing it
 * and writing it to a hidden temporary file next to the final one, syncs that file, and renames
 * it to the final name only when the digest matches, then syncs the directory so that the
 * rename survives a crash too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-transport-local.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pm-hashing-input-stream.h"
#include "pm-sha256.h"
#include "pm-transport-private.h"

/* Big enough that a copy is a few hundred system calls per GiB. */
#define COPY_BUFFER_SIZE (4 * 1024 * 1024)

struct _PmTransportLocal
{
  GObject parent_instance;

  char   *directory;
};

static void pm_transport_local_iface_init (PmTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PmTransportLocal, pm_transport_local, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PM_TYPE_TRANSPORT,
                                                      pm_transport_local_iface_init))

/* The one errno mapping of this transport: a full disk or quota is NO_SPACE whatever the
 * operation, anything else is `code`. Always returns FALSE. */
static gboolean
fail_errno (GError         **error,
            int              saved_errno,
            PmTransportError code,
            const char      *path,
            const char      *what)
{
  if (saved_errno == ENOSPC || saved_errno == EDQUOT)
    code = PM_TRANSPORT_ERROR_NO_SPACE;
  g_set_error (error, PM_TRANSPORT_ERROR, code, "%s: %s: %s", path, what,
               g_strerror (saved_errno));
  return FALSE;
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      data += n;
      length -= n;
    }
  return TRUE;
}

static gboolean
sync_directory (const char *path,
                GError    **error)
{
  int fd = g_open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  int saved_errno;

  if (fd >= 0 && fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  return fail_errno (error, saved_errno, PM_TRANSPORT_ERROR_IO, path, "cannot sync directory");
}

/* Copies source into the open temporary file through the hashing stream; on success out holds
 * the digest of everything written. */
static gboolean
copy_hashing (const char            *source_path,
              int                    out_fd,
              const char            *temp_path,
              PmTransferProgressFunc progress,
              gpointer               progress_data,
              guint64               *bytes,
              char                   out[65],
              GCancellable          *cancellable,
              GError               **error)
{
  g_autoptr(GInputStream) hashing = _pm_transport_open_source (source_path, 0, progress,
                                                               progress_data, NULL, error);
  g_autofree guint8 *buffer = NULL;

  if (hashing == NULL)
    return FALSE;
  buffer = g_malloc (COPY_BUFFER_SIZE);
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_input_stream_read (hashing, buffer, COPY_BUFFER_SIZE, cancellable,
                                      &local_error);
      const GError *source_error;

      if (n == 0)
        break;
      if (n < 0)
        {
          source_error = pm_hashing_input_stream_get_source_error (
            PM_HASHING_INPUT_STREAM (hashing));
          if (source_error == NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          _pm_transport_set_source_error (error, source_path, source_error->message);
          return FALSE;
        }
      if (!write_all (out_fd, buffer, n))
        return fail_errno (error, errno, PM_TRANSPORT_ERROR_IO, temp_path, "cannot write");
    }
  *bytes = pm_hashing_input_stream_get_bytes (PM_HASHING_INPUT_STREAM (hashing));
  /* Read to its end above: this only hands over the digest. */
  return pm_hashing_input_stream_finish (PM_HASHING_INPUT_STREAM (hashing), out, NULL, error);
}

/* A put killed with its process (a crash, SIGKILL) leaves its temporary file behind. The
 * catalogue runs one transfer per resource and site at a time, so any temporary file of this
 * name found when a new put starts is such a leftover: removed, so it does not hold space. */
static void
sweep_leftovers (const char *parent,
                 const char *name)
{
  g_autofree char *base = g_path_get_basename (name);
  g_autofree char *prefix = g_strconcat (".", base, ".part-", NULL);
  g_autoptr(GDir) dir = g_dir_open (parent, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (entry, prefix))
      {
        g_autofree char *path = g_build_filename (parent, entry, NULL);
        g_unlink (path);
      }
}

static gboolean
pm_transport_local_put (PmTransport           *transport,
                        const char            *source_path,
                        const char            *name,
                        const char            *expected_sha256,
                        PmTransferProgressFunc progress,
                        gpointer               progress_data,
                        PmTransferReport      *report,
                        GCancellable          *cancellable,
                        GError               **error)
{
  PmTransportLocal *self = PM_TRANSPORT_LOCAL (transport);
  g_autofree char *final_path = g_build_filename (self->directory, name, NULL);
  g_autofree char *temp_name = _pm_transport_temp_name (name);
  g_autofree char *temp_path = g_build_filename (self->directory, temp_name, NULL);
  g_autofree char *parent = g_path_get_dirname (final_path);
  g_autoptr(GTimer) timer = g_timer_new ();
  int out_fd;

  if (g_mkdir_with_parents (parent, 0755) < 0)
    return fail_errno (error, errno, PM_TRANSPORT_ERROR_IO, parent, "cannot create directory");
  sweep_leftovers (parent, name);
  out_fd = g_open (temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out_fd < 0)
    return fail_errno (error, errno, PM_TRANSPORT_ERROR_IO, temp_path, "cannot create");
  if (!copy_hashing (source_path, out_fd, temp_path, progress, progress_data, &report->bytes,
                     report->sent_sha256, cancellable, error))
    goto failed;
  /* Errors of delayed allocation (ENOSPC on some file systems) and of the device only show up
   * in fsync and close: both are part of the copy. */
  if (fsync (out_fd) < 0)
    {
      fail_errno (error, errno, PM_TRANSPORT_ERROR_IO, temp_path, "cannot sync");
      goto failed;
    }
  if (close (out_fd) < 0)
    {
      out_fd = -1;
      fail_errno (error, errno, PM_TRANSPORT_ERROR_IO, temp_path, "cannot close");
      goto failed;
    }
  out_fd = -1;
  report->copy_s = g_timer_elapsed (timer, NULL);

  /* What arrived is what write() accepted and fsync() made durable, byte for byte from the
   * buffer that was hashed: reading it back would only hash the page cache again (the same
   * bytes, at the cost of a second pass), not the disk. So here arrived = sent, and the check
   * against the version's digest is made on those bytes, with no separate verify phase. */
  memcpy (report->arrived_sha256, report->sent_sha256, sizeof report->arrived_sha256);
  report->verify_s = 0;
  if (strcmp (report->arrived_sha256, expected_sha256) != 0)
    {
      _pm_transport_set_digest_error (error, source_path, report->arrived_sha256,
                                      expected_sha256);
      goto failed;
    }
  if (g_rename (temp_path, final_path) < 0)
    {
      fail_errno (error, errno, PM_TRANSPORT_ERROR_IO, final_path, "cannot rename into place");
      goto failed;
    }
  return sync_directory (parent, error);

failed:
  if (out_fd >= 0)
    close (out_fd);
  g_unlink (temp_path);
  return FALSE;
}

static gboolean
pm_transport_local_fetch_sha256 (PmTransport  *transport,
                                 const char   *name,
                                 char          out_sha256[65],
                                 guint64      *size,
                                 GCancellable *cancellable,
                                 GError      **error)
{
  PmTransportLocal *self = PM_TRANSPORT_LOCAL (transport);
  g_autofree char *path = g_build_filename (self->directory, name, NULL);
  g_autoptr(GError) local_error = NULL;

  if (pm_sha256_file (path, out_sha256, size, cancellable, &local_error))
    return TRUE;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_set_error_literal (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_IO, local_error->message);
  return FALSE;
}

static gboolean
pm_transport_local_exists (PmTransport  *transport,
                           const char   *name,
                           gboolean     *exists,
                           guint64      *size,
                           GCancellable *cancellable,
                           GError      **error)
{
  PmTransportLocal *self = PM_TRANSPORT_LOCAL (transport);
  g_autofree char *path = g_build_filename (self->directory, name, NULL);
  GStatBuf st;

  if (g_stat (path, &st) < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return TRUE;
      return fail_errno (error, errno, PM_TRANSPORT_ERROR_IO, path, "cannot stat");
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_IO,
                   "%s: not a regular file", path);
      return FALSE;
    }
  *exists = TRUE;
  *size = st.st_size;
  return TRUE;
}

static gboolean
pm_transport_local_remove (PmTransport  *transport,
                           const char   *name,
                           GCancellable *cancellable,
                           GError      **error)
{
  PmTransportLocal *self = PM_TRANSPORT_LOCAL (transport);
  g_autofree char *path = g_build_filename (self->directory, name, NULL);

  if (g_unlink (path) < 0 && errno != ENOENT && errno != ENOTDIR)
    return fail_errno (error, errno, PM_TRANSPORT_ERROR_IO, path, "cannot remove");
  return TRUE;
}

static char *
pm_transport_local_describe (PmTransport *transport)
{
  return g_strdup_printf ("directory %s", PM_TRANSPORT_LOCAL (transport)->directory);
}

static void
pm_transport_local_finalize (GObject *object)
{
  PmTransportLocal *self = PM_TRANSPORT_LOCAL (object);

  g_free (self->directory);
  G_OBJECT_CLASS (pm_transport_local_parent_class)->finalize (object);
}

static void
pm_transport_local_class_init (PmTransportLocalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_transport_local_finalize;
}

static void
pm_transport_local_iface_init (PmTransportInterface *iface)
{
  iface->put = pm_transport_local_put;
  iface->fetch_sha256 = pm_transport_local_fetch_sha256;
  iface->exists = pm_transport_local_exists;
  iface->remove = pm_transport_local_remove;
  iface->describe = pm_transport_local_describe;
}

static void
pm_transport_local_init (PmTransportLocal *self)
{
}

PmTransport *
pm_transport_local_new (const char *directory)
{
  PmTransportLocal *self;

  g_return_val_if_fail (directory != NULL && directory[0] != '\0', NULL);

  self = g_object_new (PM_TYPE_TRANSPORT_LOCAL, NULL);
  self->directory = g_canonicalize_filename (directory, NULL);
  return PM_TRANSPORT (self);
}

const char *
pm_transport_local_get_directory (PmTransportLocal *self)
{
  g_return_val_if_fail (PM_IS_TRANSPORT_LOCAL (self), NULL);

  return self->directory;
}
