/* pm-transport.c: the transport interface, its argument checks, its error domain (which keeps
 * the HTTP status of SERVER errors, so that retrying can be decided without parsing messages)
 * and the choice of a transport for a storage URI.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-transport.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pm-hashing-input-stream.h"
#include "pm-transport-local.h"
#include "pm-transport-private.h"
#include "pm-transport-webdav.h"

typedef struct
{
  guint http_status;
} PmTransportErrorPrivate;

static void
pm_transport_error_private_init (PmTransportErrorPrivate *priv)
{
  priv->http_status = 0;
}

static void
pm_transport_error_private_copy (const PmTransportErrorPrivate *src,
                                 PmTransportErrorPrivate       *dest)
{
  dest->http_status = src->http_status;
}

static void
pm_transport_error_private_clear (PmTransportErrorPrivate *priv)
{
}

G_DEFINE_EXTENDED_ERROR (PmTransportError, pm_transport_error)

G_DEFINE_INTERFACE (PmTransport, pm_transport, G_TYPE_OBJECT)

static void
pm_transport_default_init (PmTransportInterface *iface)
{
}

/* A replica's name is relative and stays inside the transport's directory or collection:
 * no absolute path, no empty, "." or ".." component, no trailing slash. */
static gboolean
check_name (const char *name,
            GError    **error)
{
  g_auto(GStrv) parts = NULL;

  if (name == NULL || name[0] == '\0' || name[0] == '/')
    goto invalid;
  parts = g_strsplit (name, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
      goto invalid;
  return TRUE;

invalid:
  g_set_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_INVALID,
               "“%s” is not a replica name: it must be a relative path without “.” or “..” "
               "components", name != NULL ? name : "");
  return FALSE;
}

void
_pm_transport_set_http_error (GError    **error,
                              guint       http_status,
                              const char *format,
                              ...)
{
  PmTransportError code = http_status == 507 ? PM_TRANSPORT_ERROR_NO_SPACE
                                             : PM_TRANSPORT_ERROR_SERVER;
  g_autofree char *message = NULL;
  GError *new_error;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  new_error = g_error_new_literal (PM_TRANSPORT_ERROR, code, message);
  pm_transport_error_get_private (new_error)->http_status = http_status;
  g_propagate_error (error, new_error);
}

char *
_pm_transport_temp_name (const char *name)
{
  g_autofree char *dir = g_path_get_dirname (name);
  g_autofree char *base = g_path_get_basename (name);
  g_autofree char *temp = g_strdup_printf (".%s.part-%08x%08x", base, g_random_int (),
                                           g_random_int ());

  if (strcmp (dir, ".") == 0)
    return g_steal_pointer (&temp);
  return g_build_filename (dir, temp, NULL);
}

GInputStream *
_pm_transport_open_source (const char            *source_path,
                           gsize                  buffer_size,
                           PmTransferProgressFunc progress,
                           gpointer               progress_data,
                           guint64               *size,
                           GError               **error)
{
  g_autoptr(GInputStream) base = NULL;
  struct stat st;
  int fd = g_open (source_path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0 || fstat (fd, &st) < 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_SOURCE,
                   "%s: cannot read the source: %s", source_path, g_strerror (saved_errno));
      return NULL;
    }
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  base = g_unix_input_stream_new (fd, TRUE);
  if (buffer_size > 0)
    {
      g_autoptr(GInputStream) file = g_steal_pointer (&base);

      base = g_buffered_input_stream_new_sized (file, buffer_size);
    }
  if (size != NULL)
    *size = st.st_size;
  return pm_hashing_input_stream_new (base, st.st_size, progress, progress_data);
}

void
_pm_transport_set_source_error (GError    **error,
                                const char *source_path,
                                const char *message)
{
  g_set_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_SOURCE, "%s: %s", source_path,
               message);
}

void
_pm_transport_set_digest_error (GError    **error,
                                const char *source_path,
                                const char *sha256,
                                const char *expected_sha256)
{
  g_set_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_DIGEST,
               "%s is not the version: its SHA-256 is %s, the version's is %s", source_path,
               sha256, expected_sha256);
}

PmTransport *
pm_transport_new_for_uri (const char *uri,
                          GError    **error)
{
  const char *scheme;

  g_return_val_if_fail (uri != NULL, NULL);

  scheme = g_uri_peek_scheme (uri);
  if (scheme == NULL && uri[0] != '\0')
    return pm_transport_local_new (uri);
  if (g_strcmp0 (scheme, "file") == 0)
    {
      g_autofree char *path = g_filename_from_uri (uri, NULL, error);

      if (path == NULL)
        return NULL;
      return pm_transport_local_new (path);
    }
  if (g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "https") == 0)
    return pm_transport_webdav_new (uri, error);
  g_set_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_INVALID,
               "“%s”: a storage URI must be a directory (a path or file:///…) or a WebDAV "
               "collection (http:// or https://)", uri);
  return NULL;
}

gboolean
pm_transport_put (PmTransport           *self,
                  const char            *source_path,
                  const char            *name,
                  const char            *expected_sha256,
                  PmTransferProgressFunc progress,
                  gpointer               progress_data,
                  PmTransferReport      *report,
                  GCancellable          *cancellable,
                  GError               **error)
{
  PmTransferReport unused;

  g_return_val_if_fail (PM_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (source_path != NULL, FALSE);
  g_return_val_if_fail (expected_sha256 != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (report == NULL)
    report = &unused;
  memset (report, 0, sizeof *report);
  if (!check_name (name, error))
    return FALSE;
  return PM_TRANSPORT_GET_IFACE (self)->put (self, source_path, name, expected_sha256, progress,
                                             progress_data, report, cancellable, error);
}

gboolean
pm_transport_fetch_sha256 (PmTransport  *self,
                           const char   *name,
                           char          out_sha256[65],
                           guint64      *size,
                           GCancellable *cancellable,
                           GError      **error)
{
  guint64 unused;

  g_return_val_if_fail (PM_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (out_sha256 != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_name (name, error))
    return FALSE;
  return PM_TRANSPORT_GET_IFACE (self)->fetch_sha256 (self, name, out_sha256,
                                                      size != NULL ? size : &unused,
                                                      cancellable, error);
}

gboolean
pm_transport_exists (PmTransport  *self,
                     const char   *name,
                     gboolean     *exists,
                     guint64      *size,
                     GCancellable *cancellable,
                     GError      **error)
{
  guint64 unused;

  g_return_val_if_fail (PM_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (exists != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *exists = FALSE;
  if (size != NULL)
    *size = 0;
  if (!check_name (name, error))
    return FALSE;
  return PM_TRANSPORT_GET_IFACE (self)->exists (self, name, exists,
                                                size != NULL ? size : &unused, cancellable,
                                                error);
}

gboolean
pm_transport_remove (PmTransport  *self,
                     const char   *name,
                     GCancellable *cancellable,
                     GError      **error)
{
  g_return_val_if_fail (PM_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_name (name, error))
    return FALSE;
  return PM_TRANSPORT_GET_IFACE (self)->remove (self, name, cancellable, error);
}

char *
pm_transport_describe (PmTransport *self)
{
  g_return_val_if_fail (PM_IS_TRANSPORT (self), NULL);

  return PM_TRANSPORT_GET_IFACE (self)->describe (self);
}

gboolean
pm_transport_error_is_transient (const GError *error)
{
  guint status;

  if (error == NULL || error->domain != PM_TRANSPORT_ERROR)
    return FALSE;
  if (error->code == PM_TRANSPORT_ERROR_UNREACHABLE)
    return TRUE;
  if (error->code != PM_TRANSPORT_ERROR_SERVER)
    return FALSE;
  status = pm_transport_error_get_private (error)->http_status;
  return status >= 500 || status == 408 || status == 429;
}
