/* bench-transfer.c: verified replica transfers against the tools an operator would use, in the
 * same run, on the same file.
 *
 * Target: a verified transfer of a 1 GiB file at ≥ 0.8 × the throughput of `cp` + `sha256sum`
 * locally, and of `curl -T` + `curl | sha256sum` over WebDAV on loopback (a real nginx); copy
 * and verify times reported separately; memory flat with file size (peak RSS after 64 MiB
 * transfers against after the full-size ones; the reference tools run as children and do not
 * count).
 *
 * Every figure is the best of RUNS runs, reference and ours alternating, with the source in the
 * page cache for both. The local transport also fsyncs what it wrote (cp does not), and hashes
 * while copying, so it has no separate verify phase. The figures are printed, never judged.
 *
 * Usage: bench-transfer   (PM_BENCH_TRANSFER_MIB=N for an N MiB file; default 1024)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "pm-sha256.h"
#include "pm-test-nginx.h"
#include "pm-transport.h"

#define MIB        (1024 * 1024)
#define SMALL_MIB  64
#define RUNS       3
#define TARGET     0.8

typedef struct
{
  double copy_s;
  double verify_s;
} Timing;

static double
total (const Timing *t)
{
  return t->copy_s + t->verify_s;
}

static void
keep_best (Timing       *best,
           const Timing *t)
{
  if (best->copy_s == 0 || total (t) < total (best))
    *best = *t;
}

static long
peak_rss_kib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

static void
make_file (const char *path,
           guint64     mib)
{
  g_autofree guint64 *block = g_new (guint64, MIB / 8);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  FILE *file = fopen (path, "wb");

  if (file == NULL)
    g_error ("cannot create %s", path);
  for (guint i = 0; i < MIB / 8; i++)
    block[i] = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
  for (guint64 i = 0; i < mib; i++)
    {
      block[0] = i;
      if (fwrite (block, 1, MIB, file) != MIB)
        g_error ("cannot write %s", path);
    }
  if (fclose (file) != 0)
    g_error ("cannot write %s", path);
}

/* Runs a shell command line and returns its wall-clock time; its stdout must start with
 * expect_digest when that is not NULL. */
static double
run_timed (const char *command,
           const char *expect_digest)
{
  const char *argv[] = { "/bin/sh", "-c", command, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                     &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    g_error ("%s: %s", command, error->message);
  if (expect_digest != NULL && !g_str_has_prefix (out, expect_digest))
    g_error ("%s: printed %s, expected %s", command, out, expect_digest);
  return (g_get_monotonic_time () - start) / 1e6;
}

static Timing
reference_local (const char *source,
                 const char *dir,
                 const char *digest)
{
  g_autofree char *target = g_build_filename (dir, "reference.bin", NULL);
  g_autofree char *copy = g_strdup_printf ("cp '%s' '%s'", source, target);
  g_autofree char *verify = g_strdup_printf ("sha256sum '%s'", target);
  Timing t;

  t.copy_s = run_timed (copy, NULL);
  t.verify_s = run_timed (verify, digest);
  g_unlink (target);
  return t;
}

static Timing
reference_webdav (const char *source,
                  const char *url,
                  const char *digest)
{
  g_autofree char *copy = g_strdup_printf ("curl -sS -f -T '%s' '%sreference.bin'", source,
                                           url);
  g_autofree char *verify = g_strdup_printf ("curl -sS -f '%sreference.bin' | sha256sum", url);
  g_autofree char *remove = g_strdup_printf ("curl -sS -f -X DELETE '%sreference.bin'", url);
  Timing t;

  t.copy_s = run_timed (copy, NULL);
  t.verify_s = run_timed (verify, digest);
  run_timed (remove, NULL);
  return t;
}

static Timing
ours (PmTransport *transport,
      const char  *source,
      const char  *digest)
{
  g_autoptr(GError) error = NULL;
  PmTransferReport report;
  Timing t;

  if (!pm_transport_put (transport, source, "ours.bin", digest, NULL, NULL, &report, NULL,
                         &error)
      || !pm_transport_remove (transport, "ours.bin", NULL, &error))
    g_error ("put: %s", error->message);
  t.copy_s = report.copy_s;
  t.verify_s = report.verify_s;
  return t;
}

static void
print_row (const char   *what,
           guint64       mib,
           const Timing *t,
           const Timing *reference)
{
  printf ("  %-26s %8.3f %9.3f %8.3f %9.0f", what, t->copy_s, t->verify_s, total (t),
          mib * MIB / 1e6 / total (t));
  if (reference != NULL)
    printf ("  %6.2f", total (reference) / total (t));
  printf ("\n");
}

/* Both transports on an mib MiB file, with their references. */
static void
measure (const char  *dir,
         PmTestNginx *nginx,
         guint64      mib)
{
  g_autofree char *source = g_strdup_printf ("%s/source-%" G_GUINT64_FORMAT ".bin", dir, mib);
  g_autofree char *local_dir = g_build_filename (dir, "edge", NULL);
  g_autoptr(PmTransport) local = NULL;
  g_autoptr(PmTransport) webdav = NULL;
  g_autoptr(GError) error = NULL;
  Timing ref_local = { 0 }, ref_dav = { 0 }, our_local = { 0 }, our_dav = { 0 };
  char digest[65];
  gint64 start;

  make_file (source, mib);
  start = g_get_monotonic_time ();
  if (!pm_sha256_file (source, digest, NULL, NULL, &error))
    g_error ("%s", error->message);
  printf ("%" G_GUINT64_FORMAT " MiB: SHA-256 of the (cached) source alone %.0f MB/s\n", mib,
          mib * MIB / 1e6 / ((g_get_monotonic_time () - start) / 1e6));

  local = pm_transport_new_for_uri (local_dir, &error);
  if (local == NULL)
    g_error ("%s", error->message);
  if (nginx != NULL)
    {
      webdav = pm_transport_new_for_uri (pm_test_nginx_get_url (nginx), &error);
      if (webdav == NULL)
        g_error ("%s", error->message);
    }
  for (guint run = 0; run < RUNS; run++)
    {
      Timing t;

      t = reference_local (source, dir, digest);
      keep_best (&ref_local, &t);
      t = ours (local, source, digest);
      keep_best (&our_local, &t);
      if (webdav == NULL)
        continue;
      t = reference_webdav (source, pm_test_nginx_get_url (nginx), digest);
      keep_best (&ref_dav, &t);
      t = ours (webdav, source, digest);
      keep_best (&our_dav, &t);
    }
  printf ("  %-26s %8s %9s %8s %9s  %6s\n", "best of 3", "copy s", "verify s", "total s",
          "MB/s", "ratio");
  print_row ("cp + sha256sum", mib, &ref_local, NULL);
  print_row ("local transport", mib, &our_local, &ref_local);
  if (webdav != NULL)
    {
      print_row ("curl -T + curl | sha256sum", mib, &ref_dav, NULL);
      print_row ("WebDAV transport", mib, &our_dav, &ref_dav);
    }
  g_unlink (source);
  printf ("  peak RSS so far: %.1f MiB\n\n", peak_rss_kib () / 1024.0);
}

int
main (int   argc,
      char *argv[])
{
  const char *env = g_getenv ("PM_BENCH_TRANSFER_MIB");
  guint64 mib = env != NULL ? g_ascii_strtoull (env, NULL, 10) : 1024;
  g_autoptr(PmTestNginx) nginx = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *edge = NULL;
  long small_rss, full_rss;

  if (mib == 0)
    {
      fprintf (stderr, "PM_BENCH_TRANSFER_MIB must be a positive number of MiB\n");
      return 2;
    }
  dir = g_dir_make_tmp ("pm-bench-transfer-XXXXXX", &error);
  if (dir == NULL)
    g_error ("%s", error->message);
  nginx = pm_test_nginx_new (NULL, &error);
  if (nginx == NULL)
    printf ("WebDAV not measured: %s\n", error->message);

  printf ("bench-transfer: verified put of a %" G_GUINT64_FORMAT " MiB file, local and WebDAV "
          "(nginx on loopback)\ntarget: ratio (reference time / our time) >= %.1f\n\n", mib,
          TARGET);
  measure (dir, nginx, MIN (mib, SMALL_MIB));
  small_rss = peak_rss_kib ();
  if (mib > SMALL_MIB)
    measure (dir, nginx, mib);
  full_rss = peak_rss_kib ();
  printf ("memory: peak RSS %.1f MiB after %d MiB transfers, %.1f MiB after %" G_GUINT64_FORMAT
          " MiB ones\n", small_rss / 1024.0, SMALL_MIB, full_rss / 1024.0, mib);
  edge = g_build_filename (dir, "edge", NULL);
  g_rmdir (edge);
  g_rmdir (dir);
  return 0;
}
