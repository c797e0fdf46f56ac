/* pm-hashing-input-stream.c: hashes and counts a source as its reader pulls it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-hashing-input-stream.h"

#include <string.h>

#include "pm-sha256.h"

struct _PmHashingInputStream
{
  GFilterInputStream     parent_instance;

  PmSha256              *sha;
  guint64                expected_size;
  guint64                done;
  guint64                next_report;
  PmTransferProgressFunc progress;
  gpointer               progress_data;
  GError                *source_error;
  gboolean               finished;
  char                   sha256[65];
};

G_DEFINE_FINAL_TYPE (PmHashingInputStream, pm_hashing_input_stream, G_TYPE_FILTER_INPUT_STREAM)

/* Keeps a copy of the source's failure for the transport (the reader, e.g. libsoup, may wrap or
 * replace the error it got from us), and hands the original on. */
static gssize
fail_source (PmHashingInputStream *self,
             GError               *source_error,
             GError              **error)
{
  g_clear_error (&self->source_error);
  self->source_error = g_error_copy (source_error);
  g_propagate_error (error, source_error);
  return -1;
}

static void
report (PmHashingInputStream *self)
{
  if (self->progress == NULL)
    return;
  if (self->done < self->next_report && self->done < self->expected_size)
    return;
  self->progress (self->done, self->expected_size, self->progress_data);
  self->next_report = self->done + PM_HASHING_PROGRESS_STEP;
}

/* At the announced size, the source must be at its end too: one more byte means it grew. */
static gssize
finish (PmHashingInputStream *self,
        GInputStream         *base,
        GCancellable         *cancellable,
        GError              **error)
{
  GError *local_error = NULL;
  guint8 probe;
  gssize n = g_input_stream_read (base, &probe, 1, cancellable, &local_error);

  if (n < 0)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, local_error);
          return -1;
        }
      return fail_source (self, local_error, error);
    }
  if (n > 0)
    return fail_source (self, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                           "grew beyond %" G_GUINT64_FORMAT " bytes while "
                                           "being copied", self->expected_size), error);
  pm_sha256_finish (self->sha, self->sha256);
  self->finished = TRUE;
  /* An empty source has had no read to report: its progress still ends at its total. */
  if (self->expected_size == 0)
    report (self);
  return 0;
}

static gssize
pm_hashing_input_stream_read (GInputStream *stream,
                              void         *buffer,
                              gsize         count,
                              GCancellable *cancellable,
                              GError      **error)
{
  PmHashingInputStream *self = PM_HASHING_INPUT_STREAM (stream);
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));
  guint64 remaining = self->expected_size - self->done;
  GError *local_error = NULL;
  gssize n;

  if (self->finished)
    return 0;
  /* Checked every chunk: reading a regular file never looks at the cancellable. */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (remaining == 0)
    return finish (self, base, cancellable, error);
  n = g_input_stream_read (base, buffer, MIN (count, remaining), cancellable, &local_error);
  if (n < 0)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, local_error);
          return -1;
        }
      return fail_source (self, local_error, error);
    }
  if (n == 0)
    return fail_source (self, g_error_new (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                           "shrank to %" G_GUINT64_FORMAT " bytes while being "
                                           "copied (it had %" G_GUINT64_FORMAT ")", self->done,
                                           self->expected_size), error);
  pm_sha256_update (self->sha, buffer, n);
  self->done += n;
  report (self);
  return n;
}

static void
pm_hashing_input_stream_finalize (GObject *object)
{
  PmHashingInputStream *self = PM_HASHING_INPUT_STREAM (object);

  pm_sha256_free (self->sha);
  g_clear_error (&self->source_error);
  G_OBJECT_CLASS (pm_hashing_input_stream_parent_class)->finalize (object);
}

static void
pm_hashing_input_stream_class_init (PmHashingInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = pm_hashing_input_stream_finalize;
  stream_class->read_fn = pm_hashing_input_stream_read;
  /* The default skip reads through read_fn, so skipped bytes are hashed too: nothing to add. */
}

static void
pm_hashing_input_stream_init (PmHashingInputStream *self)
{
  self->sha = pm_sha256_new ();
  self->next_report = PM_HASHING_PROGRESS_STEP;
}

GInputStream *
pm_hashing_input_stream_new (GInputStream          *base,
                             guint64                expected_size,
                             PmTransferProgressFunc progress,
                             gpointer               progress_data)
{
  PmHashingInputStream *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (base), NULL);

  /* The base outlives a close by the reader, for pm_hashing_input_stream_finish; it is closed
   * when the last reference to it goes. */
  self = g_object_new (PM_TYPE_HASHING_INPUT_STREAM, "base-stream", base,
                       "close-base-stream", FALSE, NULL);
  self->expected_size = expected_size;
  self->progress = progress;
  self->progress_data = progress_data;
  return G_INPUT_STREAM (self);
}

guint64
pm_hashing_input_stream_get_bytes (PmHashingInputStream *self)
{
  g_return_val_if_fail (PM_IS_HASHING_INPUT_STREAM (self), 0);

  return self->done;
}

gboolean
pm_hashing_input_stream_finish (PmHashingInputStream *self,
                                char                  out[65],
                                GCancellable         *cancellable,
                                GError              **error)
{
  GInputStream *base;

  g_return_val_if_fail (PM_IS_HASHING_INPUT_STREAM (self), FALSE);

  if (!self->finished && self->done < self->expected_size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                   "only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes were read",
                   self->done, self->expected_size);
      return FALSE;
    }
  /* Straight from the base: the reader may have closed this stream (the base stays open). */
  base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self));
  if (!self->finished && finish (self, base, cancellable, error) < 0)
    return FALSE;
  memcpy (out, self->sha256, sizeof self->sha256);
  return TRUE;
}

const GError *
pm_hashing_input_stream_get_source_error (PmHashingInputStream *self)
{
  g_return_val_if_fail (PM_IS_HASHING_INPUT_STREAM (self), NULL);

  return self->source_error;
}
