/* pm-transport.h: how a replica reaches an edge's storage: a local directory (the demo's edges)
 * or an HTTP WebDAV server. Every transport streams (constant memory whatever the size), computes
 * SHA-256 while it copies, writes under a temporary name and renames to the final name only once
 * the digest of what arrived matches the version's digest: a half-copied or corrupted file is
 * never under the final name.
 *
 * The methods are blocking and run in the executor's worker threads; they honour the
 * cancellable and report progress from the worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PM_TRANSPORT_ERROR (pm_transport_error_quark ())

typedef enum
{
  PM_TRANSPORT_ERROR_UNREACHABLE,  /* connection refused / reset / timed out: transient */
  PM_TRANSPORT_ERROR_SERVER,       /* the server answered an error; message quotes its status
                                    * and body. Transient for 5xx, 408 and 429 */
  PM_TRANSPORT_ERROR_NO_SPACE,     /* ENOSPC, EDQUOT, HTTP 507, or over the site's capacity */
  PM_TRANSPORT_ERROR_DIGEST,       /* what arrived is not the version: permanent */
  PM_TRANSPORT_ERROR_SOURCE,       /* the origin file cannot be read, or changed size */
  PM_TRANSPORT_ERROR_IO,           /* local I/O error at the destination */
  PM_TRANSPORT_ERROR_INVALID,      /* a storage URI this build cannot use */
} PmTransportError;

/* Called from the worker thread, at most every few MiB. */
typedef void (*PmTransferProgressFunc) (guint64  bytes_done,
                                        guint64  bytes_total,
                                        gpointer user_data);

typedef struct
{
  guint64 bytes;          /* bytes sent */
  double  copy_s;         /* sending, with SHA-256 of the source on the fly */
  double  verify_s;       /* reading back what arrived and hashing it (0 when the transport
                           * verifies while writing, see pm_transport_local) */
  char    sent_sha256[65];
  char    arrived_sha256[65];
} PmTransferReport;

#define PM_TYPE_TRANSPORT (pm_transport_get_type ())
G_DECLARE_INTERFACE (PmTransport, pm_transport, PM, TRANSPORT, GObject)

struct _PmTransportInterface
{
  GTypeInterface parent_iface;

  gboolean (*put)    (PmTransport *self, const char *source_path, const char *name,
                      const char *expected_sha256, PmTransferProgressFunc progress,
                      gpointer progress_data, PmTransferReport *report,
                      GCancellable *cancellable, GError **error);
  gboolean (*fetch_sha256) (PmTransport *self, const char *name, char out_sha256[65],
                            guint64 *size, GCancellable *cancellable, GError **error);
  gboolean (*exists) (PmTransport *self, const char *name, gboolean *exists, guint64 *size,
                      GCancellable *cancellable, GError **error);
  gboolean (*remove) (PmTransport *self, const char *name, GCancellable *cancellable,
                      GError **error);
  char    *(*describe) (PmTransport *self);
};

GQuark       pm_transport_error_quark (void);

/* "file:///path/" or a plain path → local directory; "http(s)://host:port/path/" → WebDAV. */
PmTransport *pm_transport_new_for_uri (const char *uri,
                                       GError    **error);

/* Copies source_path to `name` (a relative file name, no "..") through a temporary name, and
 * renames it only when the SHA-256 of what arrived equals expected_sha256 (lowercase hex);
 * otherwise removes the temporary file and fails with DIGEST. report may be NULL. */
gboolean     pm_transport_put          (PmTransport           *self,
                                        const char            *source_path,
                                        const char            *name,
                                        const char            *expected_sha256,
                                        PmTransferProgressFunc progress,
                                        gpointer               progress_data,
                                        PmTransferReport      *report,
                                        GCancellable          *cancellable,
                                        GError               **error);
/* Reads `name` back and hashes it. */
gboolean     pm_transport_fetch_sha256 (PmTransport  *self,
                                        const char   *name,
                                        char          out_sha256[65],
                                        guint64      *size,
                                        GCancellable *cancellable,
                                        GError      **error);
gboolean     pm_transport_exists       (PmTransport  *self,
                                        const char   *name,
                                        gboolean     *exists,
                                        guint64      *size,
                                        GCancellable *cancellable,
                                        GError      **error);
/* Removing what is not there succeeds. */
gboolean     pm_transport_remove       (PmTransport  *self,
                                        const char   *name,
                                        GCancellable *cancellable,
                                        GError      **error);
char        *pm_transport_describe     (PmTransport *self);

/* Whether a failure is worth retrying (unreachable, 5xx/408/429) rather than permanent. */
gboolean     pm_transport_error_is_transient (const GError *error);

G_END_DECLS
