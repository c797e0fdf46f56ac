/* pm-transport-private.h: helpers shared by the transports, implemented in pm-transport.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-transport.h"

G_BEGIN_DECLS

/* Sets a SERVER error (NO_SPACE for 507) remembering http_status, which
 * pm_transport_error_is_transient reads. */
void  _pm_transport_set_http_error (GError    **error,
                                    guint       http_status,
                                    const char *format,
                                    ...) G_GNUC_PRINTF (3, 4);

/* The temporary name a replica is written under before its digest is checked: in the same
 * directory as name (so that the final rename stays within one directory), hidden, recognisable
 * and unique: "dir/.base.part-<16 random hex digits>". */
char *_pm_transport_temp_name      (const char *name);

/* Opens source_path for a put, in a hashing stream that expects the size the file has now
 * (*size, when not NULL): every transport reads its source the same way and fails to the same
 * SOURCE error. buffer_size > 0 puts a buffer of that size under the hashing stream, for a
 * reader that pulls small pieces. */
GInputStream *_pm_transport_open_source      (const char            *source_path,
                                              gsize                  buffer_size,
                                              PmTransferProgressFunc progress,
                                              gpointer               progress_data,
                                              guint64               *size,
                                              GError               **error);

/* The SOURCE error of a source that failed, or changed size, while it was read. */
void          _pm_transport_set_source_error (GError    **error,
                                              const char *source_path,
                                              const char *message);

/* The DIGEST error of a source that is not the version it is put as. */
void          _pm_transport_set_digest_error (GError    **error,
                                              const char *source_path,
                                              const char *sha256,
                                              const char *expected_sha256);

G_END_DECLS
