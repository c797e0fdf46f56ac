/* pm-tokens.c: the token file holds one "NAME SHA256-HEX" line per operator (mode 0600), so a
 * stolen copy of it grants nothing. When it does not exist yet, the first start creates one token
 * for the local user and writes the token itself, once, to a separate file (mode 0600) the user
 * reads it from. Verification hashes the presented token and compares digests in constant time.
 * The table is read-only after opening, so the API thread may verify without locking.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-tokens.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

struct _PmTokens
{
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
parse (PmTokens   *self,
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
      g_hash_table_insert (self->name_by_digest, g_strdup (fields[1]), g_strdup (fields[0]));
    }
  return TRUE;
}

/* Opens the token file, creating it (and the first token) when it does not exist. */
PmTokens *
pm_tokens_open (const char *tokens_path,
                const char *first_token_path,
                const char *first_name,
                GError    **error)
{
  g_autoptr(PmTokens) self = g_new0 (PmTokens, 1);
  g_autofree char *contents = NULL;

  self->name_by_digest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!g_file_test (tokens_path, G_FILE_TEST_EXISTS)
      && !create_first (tokens_path, first_token_path, first_name, error))
    return NULL;
  if (!g_file_get_contents (tokens_path, &contents, NULL, error)
      || !parse (self, tokens_path, contents, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
pm_tokens_free (PmTokens *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->name_by_digest);
  g_free (self);
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
  g_hash_table_iter_init (&iter, self->name_by_digest);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (digests_equal (key, digest))
      name = value;
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
  return g_hash_table_size (self->name_by_digest);
}
