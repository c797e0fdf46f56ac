/* pm-fuzz.c: what every libFuzzer target shares.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include "pm-fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char tiny_geojson[] =
  "{\"type\": \"FeatureCollection\", \"name\": \"tiny\", \"features\": ["
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [4.9, 52.4]},"
  " \"properties\": {\"id\": \"ams\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [8.7, 50.1]},"
  " \"properties\": {\"id\": \"fra\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
  " \"coordinates\": [[4.9, 52.4], [8.7, 50.1]]},"
  " \"properties\": {\"id\": \"ams-fra\", \"a\": \"ams\", \"b\": \"fra\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
  " \"coordinates\": [[8.7, 50.1], [4.9, 52.4]]},"
  " \"properties\": {\"id\": \"fra-ams\", \"a\": \"fra\", \"b\": \"ams\"}}"
  "]}";

/* Warnings and criticals abort (after g_log_set_always_fatal), so libFuzzer keeps the input and
 * the stack; everything below them is expected chatter about bad input. */
static GLogWriterOutput
quiet_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  if ((log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) == 0)
    return G_LOG_WRITER_HANDLED;
  g_log_writer_default (log_level, fields, n_fields, user_data);
  /* The default writer returns for a level that is not marked fatal in the fields (old-style
   * g_log() marks it later); abort here either way, with the message already printed. */
  abort ();
}

void
pm_fuzz_init (int     *argc,
              char  ***argv)
{
  if (g_strcmp0 (getenv ("G_SLICE"), "always-malloc") != 0)
    {
      setenv ("G_SLICE", "always-malloc", 1);
      execv ("/proc/self/exe", *argv);
      fprintf (stderr, "fuzz: cannot restart with G_SLICE=always-malloc: %s\n", strerror (errno));
      exit (1);
    }
  /* Only the local file system: no GVfs, and no GIO modules at all (a scanned module that is
   * not used stays where LeakSanitizer reports it at exit). */
  setenv ("GIO_USE_VFS", "local", 1);
  setenv ("GIO_MODULE_DIR", "/nonexistent", 1);
  setenv ("GSETTINGS_BACKEND", "memory", 1);
  setenv ("TZ", "UTC", 1);

  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (quiet_writer, NULL, NULL);
}

char *
pm_fuzz_strdup (const uint8_t *data,
                size_t         size)
{
  char *text = g_malloc (size + 1);

  if (size > 0)
    memcpy (text, data, size);
  text[size] = '\0';
  return text;
}

const char *
pm_fuzz_write_file (const uint8_t *data,
                    size_t         size)
{
  static int fd = -1;
  static char *path;
  size_t done = 0;

  if (fd < 0)
    {
      fd = memfd_create ("pm-fuzz-input", MFD_CLOEXEC);
      if (fd < 0)
        g_error ("memfd_create: %s", g_strerror (errno));
      path = g_strdup_printf ("/proc/self/fd/%d", fd);
    }
  if (ftruncate (fd, 0) != 0)
    g_error ("ftruncate: %s", g_strerror (errno));
  while (done < size)
    {
      ssize_t n = pwrite (fd, data + done, size - done, (off_t) done);

      if (n < 0 && errno != EINTR)
        g_error ("pwrite: %s", g_strerror (errno));
      if (n > 0)
        done += (size_t) n;
    }
  return path;
}

void
pm_fuzz_note_error (const GError *error)
{
  static int verbose = -1;

  if (verbose < 0)
    verbose = getenv ("PM_FUZZ_VERBOSE") != NULL;
  if (verbose && error != NULL)
    fprintf (stderr, "refused: %s\n", error->message);
}

PmTopology *
pm_fuzz_tiny_topology (void)
{
  static PmTopology *topology;

  if (topology == NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (tiny_geojson, strlen (tiny_geojson));
      g_autoptr(GError) error = NULL;

      topology = pm_topology_new_from_bytes (bytes, "tiny", &error);
      if (topology == NULL)
        g_error ("the fuzz targets' topology: %s", error->message);
    }
  return topology;
}
