/* pm-sha256.h: streaming SHA-256 over GnuTLS (several times faster than GChecksum on CPUs with
 * SHA extensions), lowercase hex, and the one helper that hashes a whole stream or file with
 * large reads and constant memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bytes read per call when hashing a stream: large enough that system calls and per-call hash
 * overhead vanish next to the hashing itself, small enough to stay out of the way. */
#define PM_SHA256_BUFFER_SIZE (4 * 1024 * 1024)

typedef struct _PmSha256 PmSha256;

PmSha256 *pm_sha256_new    (void);
void      pm_sha256_update (PmSha256   *self,
                            const void *data,
                            gsize       length);
/* Writes the digest of everything so far as 64 lowercase hex digits and a NUL, and starts
 * over. */
void      pm_sha256_finish (PmSha256   *self,
                            char        out[65]);
void      pm_sha256_free   (PmSha256   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSha256, pm_sha256_free)

/* Reads stream to its end and hashes it; size (may be NULL) receives the byte count. Errors are
 * the stream's (G_IO_ERROR_CANCELLED when cancelled). */
gboolean  pm_sha256_stream (GInputStream *stream,
                            char          out[65],
                            guint64      *size,
                            GCancellable *cancellable,
                            GError      **error);
/* The digest of the file at path: a version's digest. Errors are G_IO_ERROR, naming the file. */
gboolean  pm_sha256_file   (const char   *path,
                            char          out[65],
                            guint64      *size,
                            GCancellable *cancellable,
                            GError      **error);

G_END_DECLS
