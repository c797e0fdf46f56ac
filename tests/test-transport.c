/* test-transport.c: the replica transports, local directory and WebDAV (against a real nginx):
 * what arrives is verified before it gets its final name, failures leave nothing behind and map
 * to the right error, progress and cancellation work mid-transfer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "pm-sha256.h"
#include "pm-test-nginx.h"
#include "pm-test-util.h"
#include "pm-transport-local.h"
#include "pm-transport-webdav.h"
#include "pm-transport.h"

#define MIB (1024 * 1024)
/* Not a multiple of any buffer size, so that partial blocks are exercised. */
#define PUT_SIZE (9 * MIB + 12345)

/* Locations for the error mappings, next to the WebDAV tree at "/". */
#define NGINX_EXTRA                                                                        \
  "    location /forbidden/ { limit_except GET HEAD { deny all; } }\n"                     \
  "    location /full/ { return 507; }\n"                                                  \
  "    location /busy/ { return 503; }\n"                                                  \
  "    location /conflict/ { return 409; }\n"                                              \
  "    location /strict/ {\n"                                                              \
  "      dav_methods PUT DELETE MKCOL COPY MOVE;\n"                                        \
  "      create_full_put_path off;\n"                                                      \
  "      error_page 500 = @conflict;\n"                                                    \
  "    }\n"                                                                                \
  "    location @conflict { return 409; }\n"

typedef enum
{
  KIND_LOCAL,
  KIND_WEBDAV,
} Kind;

typedef struct
{
  Kind         kind;
  char        *work;       /* sources */
  char        *dir;        /* where the replicas land: the local directory or nginx's root */
  PmTestNginx *nginx;
  PmTransport *transport;  /* NULL when the test is skipped */
} Fixture;

typedef struct
{
  GArray       *done;
  guint64       total;
  guint64       act_at;    /* act once bytes_done reaches this (0: never) */
  gboolean      acted;
  GCancellable *cancel;    /* act: cancel it */
  PmTestNginx  *kill;      /* act: kill nginx */
  const char   *truncate;  /* act: truncate this source to 1 MiB */
} Progress;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->kind = GPOINTER_TO_INT (data);
  f->work = pm_test_make_temp_dir ();
  if (f->kind == KIND_LOCAL)
    {
      /* A directory that does not exist yet: the first put creates it. */
      f->dir = g_build_filename (f->work, "edge", "replicas", NULL);
      f->transport = pm_transport_local_new (f->dir);
      return;
    }
  f->nginx = pm_test_nginx_new (NGINX_EXTRA, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  f->dir = g_strdup (pm_test_nginx_get_root (f->nginx));
  f->transport = pm_transport_new_for_uri (pm_test_nginx_get_url (f->nginx), &error);
  g_assert_no_error (error);
  g_assert_true (PM_IS_TRANSPORT_WEBDAV (f->transport));
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  g_clear_object (&f->transport);
  g_clear_pointer (&f->nginx, pm_test_nginx_free);
  g_free (f->dir);
  g_free (f->work);
}

/* Deterministic content: a pseudo-random 1 MiB block, each copy stamped with its index so that
 * no two blocks are equal. */
static char *
make_source (Fixture    *f,
             const char *name,
             guint64     size)
{
  g_autofree char *path = g_build_filename (f->work, name, NULL);
  g_autofree guint64 *block = g_new (guint64, MIB / 8);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  FILE *file = fopen (path, "wb");

  g_assert_nonnull (file);
  for (guint i = 0; i < MIB / 8; i++)
    block[i] = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
  for (guint64 offset = 0, index = 0; offset < size; offset += MIB, index++)
    {
      block[0] = index;
      g_assert_cmpuint (fwrite (block, 1, MIN (MIB, size - offset), file), ==,
                        MIN (MIB, size - offset));
    }
  g_assert_cmpint (fclose (file), ==, 0);
  return g_steal_pointer (&path);
}

static void
digest_of (const char *path,
           char        out[65])
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_sha256_file (path, out, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* No hidden file (a temporary name) anywhere under dir. */
static void
assert_no_leftovers (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (name[0] == '.')
        g_error ("temporary file left behind: %s", child);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        assert_no_leftovers (child);
    }
}

static void
assert_absent (Fixture    *f,
               const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  gboolean exists = TRUE;

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (pm_transport_exists (f->transport, name, &exists, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (exists);
  assert_no_leftovers (f->dir);
}

static void
progress_cb (guint64  bytes_done,
             guint64  bytes_total,
             gpointer user_data)
{
  Progress *progress = user_data;

  g_array_append_val (progress->done, bytes_done);
  progress->total = bytes_total;
  if (progress->act_at == 0 || progress->acted || bytes_done < progress->act_at)
    return;
  progress->acted = TRUE;
  if (progress->cancel != NULL)
    g_cancellable_cancel (progress->cancel);
  if (progress->kill != NULL)
    pm_test_nginx_kill (progress->kill);
  if (progress->truncate != NULL)
    g_assert_cmpint (truncate (progress->truncate, MIB), ==, 0);
}

static void
progress_clear (Progress *progress)
{
  g_clear_pointer (&progress->done, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Progress, progress_clear)

/* Puts source as name expecting `expected`; returns the error (NULL on success). */
static GError *
put (Fixture          *f,
     const char       *source,
     const char       *name,
     const char       *expected,
     Progress         *progress,
     PmTransferReport *report,
     GCancellable     *cancellable)
{
  GError *error = NULL;
  gboolean ok;

  if (progress != NULL && progress->done == NULL)
    progress->done = g_array_new (FALSE, FALSE, sizeof (guint64));
  ok = pm_transport_put (f->transport, source, name, expected,
                         progress != NULL ? progress_cb : NULL, progress, report, cancellable,
                         &error);
  g_assert_true (ok == (error == NULL));
  if (error != NULL)
    g_test_message ("put %s: %s", name, error->message);
  return error;
}

static void
test_sha256 (void)
{
  g_autoptr(PmSha256) sha = pm_sha256_new ();
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "data", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *contents = g_malloc (PUT_SIZE);
  g_autoptr(GError) error = NULL;
  char out[65];
  guint64 size = 0;

  pm_sha256_finish (sha, out);
  g_assert_cmpstr (out, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  pm_sha256_update (sha, "a", 1);
  pm_sha256_update (sha, "bc", 2);
  pm_sha256_finish (sha, out);
  g_assert_cmpstr (out, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  /* A file larger than the read buffer, against GLib's implementation. */
  for (gsize i = 0; i < PUT_SIZE; i++)
    contents[i] = (char) (i * 7 + (i >> 13));
  g_assert_true (g_file_set_contents (path, contents, PUT_SIZE, &error));
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guint8 *) contents, PUT_SIZE);
  g_assert_true (pm_sha256_file (path, out, &size, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpuint (size, ==, PUT_SIZE);

  g_assert_false (pm_sha256_file ("/nonexistent/file", out, &size, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  pm_test_assert_contains (error->message, "/nonexistent/file");
}

static void
test_uri (void)
{
  static const char *const invalid[] = { "ftp://host/dir/", "http:///nohost/", "" };
  g_autoptr(PmTransport) plain = NULL;
  g_autoptr(PmTransport) file = NULL;
  g_autoptr(PmTransport) dav = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  plain = pm_transport_new_for_uri ("/srv/edge", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_transport_local_get_directory (PM_TRANSPORT_LOCAL (plain)), ==,
                   "/srv/edge");
  file = pm_transport_new_for_uri ("file:///srv/edge%20b/", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_transport_local_get_directory (PM_TRANSPORT_LOCAL (file)), ==,
                   "/srv/edge b");
  dav = pm_transport_new_for_uri ("http://edge.example:8080/replicas", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_transport_webdav_get_base_uri (PM_TRANSPORT_WEBDAV (dav)), ==,
                   "http://edge.example:8080/replicas/");
  description = pm_transport_describe (dav);
  pm_test_assert_contains (description, "http://edge.example:8080/replicas/");

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(PmTransport) none = pm_transport_new_for_uri (invalid[i], &error);

      g_assert_null (none);
      g_assert_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_INVALID);
      g_assert_false (pm_transport_error_is_transient (error));
      g_clear_error (&error);
    }
}

static void
test_put (Fixture      *f,
          gconstpointer data)
{
  g_autofree char *source = NULL;
  g_autofree char *other = NULL;
  g_autofree char *final = NULL;
  g_auto(Progress) progress = { 0 };
  PmTransferReport report;
  g_autoptr(GError) error = NULL;
  char expected[65], other_expected[65], out[65];
  guint64 size = 0, previous = 0;
  gboolean exists = FALSE;

  if (f->transport == NULL)
    return;
  source = make_source (f, "version.bin", PUT_SIZE);
  digest_of (source, expected);
  error = put (f, source, "sub/dir/replica.bin", expected, &progress, &report, NULL);
  g_assert_no_error (error);

  final = g_build_filename (f->dir, "sub", "dir", "replica.bin", NULL);
  digest_of (final, out);
  g_assert_cmpstr (out, ==, expected);
  assert_no_leftovers (f->dir);
  g_assert_cmpuint (report.bytes, ==, PUT_SIZE);
  g_assert_cmpstr (report.sent_sha256, ==, expected);
  g_assert_cmpstr (report.arrived_sha256, ==, expected);
  g_assert_cmpfloat (report.copy_s, >, 0);
  if (f->kind == KIND_WEBDAV)
    g_assert_cmpfloat (report.verify_s, >, 0);
  else
    g_assert_cmpfloat (report.verify_s, ==, 0);
  g_test_message ("copy %.3f s, verify %.3f s", report.copy_s, report.verify_s);

  /* Progress: monotonic, throttled to a few MiB, ending at the total. */
  g_assert_cmpuint (progress.total, ==, PUT_SIZE);
  g_assert_cmpuint (progress.done->len, >=, 2);
  g_assert_cmpuint (progress.done->len, <=, PUT_SIZE / (4 * MIB) + 2);
  for (guint i = 0; i < progress.done->len; i++)
    {
      guint64 done = g_array_index (progress.done, guint64, i);

      g_assert_cmpuint (done, >=, previous);
      previous = done;
    }
  g_assert_cmpuint (previous, ==, PUT_SIZE);

  g_assert_true (pm_transport_exists (f->transport, "sub/dir/replica.bin", &exists, &size, NULL,
                                      &error));
  g_assert_no_error (error);
  g_assert_true (exists);
  g_assert_cmpuint (size, ==, PUT_SIZE);
  g_assert_true (pm_transport_fetch_sha256 (f->transport, "sub/dir/replica.bin", out, &size,
                                            NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpuint (size, ==, PUT_SIZE);

  /* A newer version replaces the replica in place; an empty one is a version too. */
  other = make_source (f, "empty.bin", 0);
  digest_of (other, other_expected);
  error = put (f, other, "sub/dir/replica.bin", other_expected, NULL, NULL, NULL);
  g_assert_no_error (error);
  digest_of (final, out);
  g_assert_cmpstr (out, ==, other_expected);
  assert_no_leftovers (f->dir);
}

static void
test_digest_mismatch (Fixture      *f,
                      gconstpointer data)
{
  g_autofree char *source = NULL;
  g_autoptr(GError) error = NULL;
  PmTransferReport report;
  char actual[65];
  const char *wrong = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  if (f->transport == NULL)
    return;
  source = make_source (f, "version.bin", 3 * MIB);
  digest_of (source, actual);
  error = put (f, source, "replica.bin", wrong, NULL, &report, NULL);
  g_assert_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_DIGEST);
  g_assert_false (pm_transport_error_is_transient (error));
  pm_test_assert_contains (error->message, wrong);
  pm_test_assert_contains (error->message, actual);
  g_assert_cmpstr (report.sent_sha256, ==, actual);
  assert_absent (f, "replica.bin");
}

static void
test_bad_names (Fixture      *f,
                gconstpointer data)
{
  static const char *const names[] = {
    "..", "../escape.bin", "a/../../escape.bin", "a/..", "/etc/escape.bin", "", "a//b", "a/",
    "./a",
  };
  g_autofree char *escaped = g_build_filename (f->work, "escape.bin", NULL);
  g_autofree char *source = NULL;
  char expected[65], out[65];

  if (f->transport == NULL)
    return;
  source = make_source (f, "version.bin", 1000);
  digest_of (source, expected);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = put (f, source, names[i], expected, NULL, NULL, NULL);
      gboolean exists;

      g_assert_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (pm_transport_remove (f->transport, names[i], NULL, &error));
      g_assert_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (pm_transport_exists (f->transport, names[i], &exists, NULL, NULL,
                                           &error));
      g_assert_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (pm_transport_fetch_sha256 (f->transport, names[i], out, NULL, NULL,
                                                 &error));
      g_assert_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_INVALID);
    }
  g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
}

static void
test_remove (Fixture      *f,
             gconstpointer data)
{
  g_autofree char *source = NULL;
  g_autoptr(GError) error = NULL;
  char expected[65];

  if (f->transport == NULL)
    return;
  source = make_source (f, "version.bin", 5000);
  digest_of (source, expected);
  error = put (f, source, "replica.bin", expected, NULL, NULL, NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (pm_transport_remove (f->transport, "replica.bin", NULL, &error));
      g_assert_no_error (error);
      assert_absent (f, "replica.bin");
    }
  g_assert_true (pm_transport_remove (f->transport, "never/there.bin", NULL, &error));
  g_assert_no_error (error);
}

static void
test_cancel (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(Progress) progress = { .act_at = 8 * MIB, .cancel = cancellable };
  g_autofree char *source = NULL;
  g_autoptr(GError) error = NULL;
  char expected[65];

  if (f->transport == NULL)
    return;
  source = make_source (f, "version.bin", 64 * MIB);
  digest_of (source, expected);
  error = put (f, source, "replica.bin", expected, &progress, NULL, cancellable);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (progress.acted);
  g_assert_cmpuint (g_array_index (progress.done, guint64, progress.done->len - 1), <,
                    64 * MIB);
  assert_absent (f, "replica.bin");
}

static void
test_source_errors (Fixture      *f,
                    gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->work, "missing.bin", NULL);
  g_autofree char *source = NULL;
  g_auto(Progress) progress = { .act_at = 1 };
  g_autoptr(GError) error = NULL;
  char expected[65];

  if (f->transport == NULL)
    return;
  error = put (f, missing, "replica.bin", expected, NULL, NULL, NULL);
  g_assert_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_SOURCE);
  pm_test_assert_contains (error->message, missing);
  g_clear_error (&error);

  /* The source shrinks while it is copied. */
  source = make_source (f, "version.bin", 32 * MIB);
  digest_of (source, expected);
  progress.truncate = source;
  error = put (f, source, "replica.bin", expected, &progress, NULL, NULL);
  g_assert_true (progress.acted);
  g_assert_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_SOURCE);
  g_assert_false (pm_transport_error_is_transient (error));
  pm_test_assert_contains (error->message, "shrank");
  assert_absent (f, "replica.bin");
}

/* A full file system, if this process may mount a small tmpfs. */
static void
test_local_no_space (Fixture      *f,
                     gconstpointer data)
{
  g_autofree char *mount_point = g_build_filename (f->work, "tiny", NULL);
  g_autofree char *final = g_build_filename (mount_point, "replica.bin", NULL);
  g_autofree char *source = NULL;
  g_autoptr(PmTransport) tiny = NULL;
  g_autoptr(GError) error = NULL;
  const char *mount_argv[] = { "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount_point,
                               NULL };
  const char *umount_argv[] = { "umount", mount_point, NULL };
  char expected[65];
  int status = -1;

  g_assert_cmpint (g_mkdir (mount_point, 0755), ==, 0);
  if (!g_spawn_sync (NULL, (char **) mount_argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("cannot mount a 1 MiB tmpfs here (needs CAP_SYS_ADMIN): NO_SPACE untested");
      return;
    }
  source = make_source (f, "version.bin", 4 * MIB);
  digest_of (source, expected);
  tiny = pm_transport_local_new (mount_point);
  g_assert_false (pm_transport_put (tiny, source, "replica.bin", expected, NULL, NULL, NULL,
                                    NULL, &error));
  g_assert_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_NO_SPACE);
  g_assert_false (pm_transport_error_is_transient (error));
  assert_no_leftovers (mount_point);
  g_assert_false (g_file_test (final, G_FILE_TEST_EXISTS));
  g_spawn_sync (NULL, (char **) umount_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                NULL, NULL);
}

/* nginx dies mid-transfer: a transient error and nothing under the final name; once it is
 * back, the same put succeeds. */
static void
test_webdav_killed (Fixture      *f,
                    gconstpointer data)
{
  g_auto(Progress) progress = { .act_at = 32 * MIB };
  g_autofree char *source = NULL;
  g_autoptr(GError) error = NULL;
  char expected[65], out[65];
  g_autofree char *final = g_build_filename (f->dir, "replica.bin", NULL);

  if (f->transport == NULL)
    return;
  progress.kill = f->nginx;
  source = make_source (f, "version.bin", 256 * MIB);
  digest_of (source, expected);
  error = put (f, source, "replica.bin", expected, &progress, NULL, NULL);
  g_assert_true (progress.acted);
  g_assert_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_UNREACHABLE);
  g_assert_true (pm_transport_error_is_transient (error));
  g_assert_false (g_file_test (final, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_assert_true (pm_test_nginx_restart (f->nginx, &error));
  g_assert_no_error (error);
  error = put (f, source, "replica.bin", expected, NULL, NULL, NULL);
  g_assert_no_error (error);
  digest_of (final, out);
  g_assert_cmpstr (out, ==, expected);
  assert_no_leftovers (f->dir);
}

static void
assert_put_fails (Fixture         *f,
                  const char      *base,
                  int              code,
                  gboolean         transient,
                  const char      *quoted)
{
  g_autofree char *uri = g_strconcat (pm_test_nginx_get_url (f->nginx), base, NULL);
  g_autofree char *source = make_source (f, "version.bin", 2 * MIB);
  g_autoptr(PmTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  char expected[65];

  digest_of (source, expected);
  transport = pm_transport_new_for_uri (uri, &error);
  g_assert_no_error (error);
  g_assert_false (pm_transport_put (transport, source, "replica.bin", expected, NULL, NULL,
                                    NULL, NULL, &error));
  g_test_message ("%s: %s", base, error->message);
  g_assert_error (error, PM_TRANSPORT_ERROR, code);
  g_assert_true (pm_transport_error_is_transient (error) == transient);
  pm_test_assert_contains (error->message, quoted);
}

static void
test_webdav_statuses (Fixture      *f,
                      gconstpointer data)
{
  g_autofree char *url = NULL;

  if (f->transport == NULL)
    return;
  assert_put_fails (f, "forbidden/", PM_TRANSPORT_ERROR_SERVER, FALSE, "HTTP 403 Forbidden");
  assert_put_fails (f, "full/", PM_TRANSPORT_ERROR_NO_SPACE, FALSE, "HTTP 507");
  assert_put_fails (f, "busy/", PM_TRANSPORT_ERROR_SERVER, TRUE, "HTTP 503");
  /* 409: the transport makes the collection (MKCOL, refused here too) and reports that. */
  assert_put_fails (f, "conflict/", PM_TRANSPORT_ERROR_SERVER, FALSE, "MKCOL");
  assert_no_leftovers (f->dir);

  pm_test_nginx_stop (f->nginx);
  assert_put_fails (f, "", PM_TRANSPORT_ERROR_UNREACHABLE, TRUE, "PUT http://127.0.0.1:");
}

/* A server that does not create missing collections on PUT but answers 409 as RFC 4918 says
 * (nginx answers 500, turned into 409 here as Apache's mod_dav would answer): the transport
 * makes them with MKCOL and puts again. */
static void
test_webdav_mkcol (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *uri = NULL;
  g_autofree char *source = NULL;
  g_autofree char *final = NULL;
  g_autofree char *strict = NULL;
  g_autoptr(PmTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  char expected[65], out[65];

  if (f->transport == NULL)
    return;
  strict = g_build_filename (f->dir, "strict", NULL);
  g_assert_cmpint (g_mkdir (strict, 0755), ==, 0);
  uri = g_strconcat (pm_test_nginx_get_url (f->nginx), "strict/new/collection/", NULL);
  transport = pm_transport_new_for_uri (uri, &error);
  g_assert_no_error (error);
  source = make_source (f, "version.bin", 3 * MIB);
  digest_of (source, expected);
  pm_transport_put (transport, source, "sub/replica.bin", expected, NULL, NULL, NULL, NULL,
                    &error);
  g_assert_no_error (error);
  final = g_build_filename (strict, "new", "collection", "sub", "replica.bin", NULL);
  digest_of (final, out);
  g_assert_cmpstr (out, ==, expected);
  assert_no_leftovers (f->dir);
}

int
main (int   argc,
      char *argv[])
{
  static const struct
  {
    const char *name;
    void (*test) (Fixture *f, gconstpointer data);
  } both[] = {
    { "put", test_put },
    { "digest-mismatch", test_digest_mismatch },
    { "bad-names", test_bad_names },
    { "remove", test_remove },
    { "cancel", test_cancel },
    { "source-errors", test_source_errors },
  };
  static const char *const kinds[] = { "local", "webdav" };

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/transport/sha256", test_sha256);
  g_test_add_func ("/transport/uri", test_uri);
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint i = 0; i < G_N_ELEMENTS (both); i++)
      {
        g_autofree char *path = g_strdup_printf ("/transport/%s/%s", kinds[k], both[i].name);

        g_test_add (path, Fixture, GINT_TO_POINTER (k), fixture_set_up, both[i].test,
                    fixture_tear_down);
      }
  g_test_add ("/transport/local/no-space", Fixture, GINT_TO_POINTER (KIND_LOCAL),
              fixture_set_up, test_local_no_space, fixture_tear_down);
  g_test_add ("/transport/webdav/killed", Fixture, GINT_TO_POINTER (KIND_WEBDAV),
              fixture_set_up, test_webdav_killed, fixture_tear_down);
  g_test_add ("/transport/webdav/mkcol", Fixture, GINT_TO_POINTER (KIND_WEBDAV),
              fixture_set_up, test_webdav_mkcol, fixture_tear_down);
  g_test_add ("/transport/webdav/statuses", Fixture, GINT_TO_POINTER (KIND_WEBDAV),
              fixture_set_up, test_webdav_statuses, fixture_tear_down);
  return g_test_run ();
}
