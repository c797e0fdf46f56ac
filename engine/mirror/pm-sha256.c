/* pm-sha256.c: streaming SHA-256 over GnuTLS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#define DIGEST_LENGTH 32

struct _PmSha256
{
  gnutls_hash_hd_t hash;
};

PmSha256 *
pm_sha256_new (void)
{
  PmSha256 *self = g_new0 (PmSha256, 1);
  int status = gnutls_hash_init (&self->hash, GNUTLS_DIG_SHA256);

  /* SHA-256 is in every GnuTLS build, FIPS mode included: failing here is a broken install. */
  if (status < 0)
    g_error ("GnuTLS cannot hash SHA-256: %s", gnutls_strerror (status));
  return self;
}

void
pm_sha256_update (PmSha256   *self,
                  const void *data,
                  gsize       length)
{
  /* gnutls_hash only fails for an unknown algorithm, which pm_sha256_new rules out. */
  gnutls_hash (self->hash, data, length);
}

void
pm_sha256_finish (PmSha256 *self,
                  char      out[65])
{
  static const char hex[] = "0123456789abcdef";
  guint8 digest[DIGEST_LENGTH];

  /* gnutls_hash_output also resets the state, so the object can hash again. */
  gnutls_hash_output (self->hash, digest);
  for (guint i = 0; i < DIGEST_LENGTH; i++)
    {
      out[2 * i] = hex[digest[i] >> 4];
      out[2 * i + 1] = hex[digest[i] & 0xf];
    }
  out[2 * DIGEST_LENGTH] = '\0';
}

void
pm_sha256_free (PmSha256 *self)
{
  if (self == NULL)
    return;
  gnutls_hash_deinit (self->hash, NULL);
  g_free (self);
}

gboolean
pm_sha256_stream (GInputStream *stream,
                  char          out[65],
                  guint64      *size,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_autoptr(PmSha256) sha = pm_sha256_new ();
  g_autofree guint8 *buffer = g_malloc (PM_SHA256_BUFFER_SIZE);
  guint64 total = 0;

  for (;;)
    {
      gssize n;

      /* Streams need not check the cancellable between reads (regular files never block). */
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      n = g_input_stream_read (stream, buffer, PM_SHA256_BUFFER_SIZE, cancellable, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      pm_sha256_update (sha, buffer, n);
      total += n;
    }
  pm_sha256_finish (sha, out);
  if (size != NULL)
    *size = total;
  return TRUE;
}

gboolean
pm_sha256_file (const char   *path,
                char          out[65],
                guint64      *size,
                GCancellable *cancellable,
                GError      **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  /* Whole-file sequential read: let the kernel read ahead aggressively. */
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  stream = g_unix_input_stream_new (fd, TRUE);
  if (!pm_sha256_stream (stream, out, size, cancellable, &local_error))
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&local_error, "%s: ", path);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}
