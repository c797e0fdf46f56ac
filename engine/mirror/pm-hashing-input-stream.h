/* pm-hashing-input-stream.h: a filter stream over a replica's source that hashes (SHA-256) and
 * counts the bytes as its reader pulls them, reports progress, and fails when the source turns
 * out shorter or longer than announced: what a transport sends is exactly what it hashed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pm-transport.h"

G_BEGIN_DECLS

/* Progress is reported at most once per this many bytes, and once at the end. */
#define PM_HASHING_PROGRESS_STEP (4 * 1024 * 1024)

#define PM_TYPE_HASHING_INPUT_STREAM (pm_hashing_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (PmHashingInputStream, pm_hashing_input_stream, PM, HASHING_INPUT_STREAM,
                      GFilterInputStream)

/* expected_size: what the source holds (the Content-Length announced for it); reading past
 * expected_size bytes or hitting the end before fails. progress may be NULL. */
GInputStream *pm_hashing_input_stream_new              (GInputStream          *base,
                                                        guint64                expected_size,
                                                        PmTransferProgressFunc progress,
                                                        gpointer               progress_data);
guint64       pm_hashing_input_stream_get_bytes        (PmHashingInputStream  *self);
/* The digest of the whole source, once all its expected_size bytes have been read (a reader
 * that stops at a Content-Length does not look for the end: this checks that the source ends
 * there). Fails when fewer bytes were read, or the source is longer. */
gboolean      pm_hashing_input_stream_finish           (PmHashingInputStream  *self,
                                                        char                   out[65],
                                                        GCancellable          *cancellable,
                                                        GError               **error);
/* The error the source gave (a read error, or a change of size), as opposed to a cancellation
 * or a failure of whoever reads this stream; NULL if none. */
const GError *pm_hashing_input_stream_get_source_error (PmHashingInputStream  *self);

G_END_DECLS
