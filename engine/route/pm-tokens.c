/* pm-tokens.c: the token file holds one "NAME SHA256-HEX" line per operator (mode 0600), so a
 * stolen copy of it grants nothing. When it does not exist yet, the first start creates one token
 * for the local user and writes the token itself, once, to a separate file (mode 0600) the user
 * reads it from. Verification hashes the presented token and compares digests in constant time.
 * A token added while the console runs (premirror --add-token NAME) is picked up by the next
 * verification: the table is reloaded when the file's modification time changes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-tokens.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

struct _PmTokens
{
  GMutex      lock;            /* the API thread verifies while the table may be reloaded */
  char       *path;
  gint64      mtime_us;        /* of the file as last read */
  GHashTable *name_by_digest;  /* hex SHA-256 → operator name */
};

static char *
digest_of (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

static gboolean
write_private_file (const char *path,
                    const char *contents,
                    GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot create %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  /* g_file_set_contents_full writes a temporary file and renames it: never a half token file. */
  return g_file_set_contents_full (path, contents, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}

static char *
new_token (void)
{
  g_autoptr(GString) token = g_string_new (NULL);

  for (int i = 0; i < 8; i++)
    g_string_append_printf (token, "%08x", g_random_int ());
  return g_string_free (g_steal_pointer (&token), FALSE);
}

static gboolean
create_first (const char *tokens_path,
              const char *first_token_path,
              const char *first_name,
              GError    **error)
{
  g_autofree char *token = new_token ();
  g_autofree char *digest = digest_of (token);
  g_autofree char *line = g_strdup_printf ("%s %s\n", first_name, digest);
  g_autofree char *token_line = g_strdup_printf ("%s\n", token);

  return write_private_file (first_token_path, token_line, error)
         && write_private_file (tokens_path, line, error);
}

static gboolean
parse (GHashTable *name_by_digest,
       const char *path,
       const char *contents,
       GError    **error)
{
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      char *line = g_strstrip (lines[i]);

      if (*line == '\0' || *line == '#')
        continue;
      fields = g_strsplit_set (line, " \t", 2);
      if (g_strv_length (fields) != 2 || strlen (g_strstrip (fields[1])) != 64
          || strspn (fields[1], "0123456789abcdef") != 64)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: expected “NAME SHA256-HEX”", path, i + 1);
          return FALSE;
        }
      g_hash_table_insert (name_by_digest, g_strdup (fields[1]), g_strdup (fields[0]));
    }
  return TRUE;
}

static gint64
mtime_of (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return 0;
  return (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
}

/* Reads the token file into a new table; NULL with an error naming file and line. */
static GHashTable *
load (const char *path,
      GError    **error)
{
  g_autoptr(GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error) || !parse (table, path, contents, error))
    return NULL;
  return g_steal_pointer (&table);
}

/* Opens the token file, creating it (and the first token) when it does not exist. */
PmTokens *
pm_tokens_open (const char *tokens_path,
                const char *first_token_path,
                const char *first_name,
                GError    **error)
{
  g_autoptr(PmTokens) self = g_new0 (PmTokens, 1);

  g_mutex_init (&self->lock);
  self->path = g_strdup (tokens_path);
  if (!g_file_test (tokens_path, G_FILE_TEST_EXISTS)
      && !create_first (tokens_path, first_token_path, first_name, error))
    return NULL;
  self->mtime_us = mtime_of (tokens_path);
  self->name_by_digest = load (tokens_path, error);
  if (self->name_by_digest == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
pm_tokens_free (PmTokens *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->name_by_digest, g_hash_table_unref);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* Adds a token for operator `name` to the token file (created when missing) and returns it:
 * the only time it exists outside the operator's hands. */
char *
pm_tokens_add (const char *tokens_path,
               const char *name,
               GError    **error)
{
  g_autoptr(GHashTable) table = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *token = NULL;
  g_autofree char *digest = NULL;
  g_autoptr(GString) updated = NULL;
  GHashTableIter iter;
  gpointer value;

  if (name == NULL || *name == '\0' || strpbrk (name, " \t\r\n#") != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "An operator name is one word without spaces or “#”, not “%s”",
                   name != NULL ? name : "");
      return NULL;
    }
  if (g_file_test (tokens_path, G_FILE_TEST_EXISTS))
    {
      table = load (tokens_path, error);
      if (table == NULL || !g_file_get_contents (tokens_path, &contents, NULL, error))
        return NULL;
      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (g_str_equal (value, name))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                         "Operator “%s” already has a token in %s", name, tokens_path);
            return NULL;
          }
    }
  token = new_token ();
  digest = digest_of (token);
  updated = g_string_new (contents);
  if (updated->len > 0 && updated->str[updated->len - 1] != '\n')
    g_string_append_c (updated, '\n');
  g_string_append_printf (updated, "%s %s\n", name, digest);
  if (!write_private_file (tokens_path, updated->str, error))
    return NULL;
  return g_steal_pointer (&token);
}

/* Reloads the table when the file changed; a file that became unreadable or invalid keeps the
 * tokens last read rather than locking every operator out. Called with the lock held. */
static void
refresh (PmTokens *self)
{
  gint64 mtime = mtime_of (self->path);
  g_autoptr(GError) error = NULL;
  GHashTable *table;

  if (mtime == 0 || mtime == self->mtime_us)
    return;
  table = load (self->path, &error);
  if (table == NULL)
    {
      g_warning ("Keeping the operator tokens read before: %s", error->message);
      return;
    }
  g_hash_table_unref (self->name_by_digest);
  self->name_by_digest = table;
  self->mtime_us = mtime;
}

static gboolean
digests_equal (const char *a,
               const char *b)
{
  unsigned char difference = 0;

  for (guint i = 0; i < 64; i++)
    difference |= (unsigned char) (a[i] ^ b[i]);
  return difference == 0;
}

/* The operator's name for a token, or NULL. Every stored digest is compared, so the time taken
 * says nothing about which one nearly matched. */
const char *
pm_tokens_verify (PmTokens   *self,
                  const char *token)
{
  g_autofree char *digest = NULL;
  GHashTableIter iter;
  gpointer key, value;
  const char *name = NULL;

  if (token == NULL || *token == '\0')
    return NULL;
  digest = digest_of (token);
  g_mutex_lock (&self->lock);
  refresh (self);
  g_hash_table_iter_init (&iter, self->name_by_digest);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (digests_equal (key, digest))
      name = g_intern_string (value);
  g_mutex_unlock (&self->lock);
  return name;
}

/* Verifies an "Authorization: Bearer TOKEN" header value. */
const char *
pm_tokens_verify_header (PmTokens   *self,
                         const char *authorization)
{
  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
    return NULL;
  return pm_tokens_verify (self, authorization + 7);
}

guint
pm_tokens_get_n_tokens (PmTokens *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  refresh (self);
  n = g_hash_table_size (self->name_by_digest);
  g_mutex_unlock (&self->lock);
  return n;
}
