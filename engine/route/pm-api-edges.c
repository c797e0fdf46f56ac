/* pm-api-edges.c: GET /edges/{site}/… serves the files of a site's local replica folder.
 *
 * Read-only and files only: a folder answers 404, never a listing. Every component of the path
 * is decoded alone (so "%2F" cannot smuggle a separator in) and refused when it is empty, "." or
 * "..", or starts with a dot: the mirror's temporary ".NAME.part-*" copies are never served,
 * since a partial copy is never a replica. The path is then walked one component at a time from
 * the folder with O_NOFOLLOW, so that no symbolic link inside the folder leads out of it.
 *
 * Files are mapped, not read: a 1 GiB replica costs address space, not memory, and the kernel
 * pages it in as libsoup writes it out. The mirror replaces a replica by renaming a complete copy
 * over it, never by rewriting it in place, so a mapping never sees a file shrink under it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-api-edges.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mirror/pm-site-storage.h"
#include "pm-api-json.h"

typedef struct
{
  char *folder;     /* NULL: remote storage */
  char *served_at;  /* for remote storage: where its replicas are fetched */
} Edge;

static void
edge_free (gpointer data)
{
  Edge *edge = data;

  g_free (edge->folder);
  g_free (edge->served_at);
  g_free (edge);
}

/* The decoded component, or NULL when it must never be served. */
static char *
decode_component (const char *encoded)
{
  g_autofree char *name = g_uri_unescape_segment (encoded, NULL, "/");

  if (name == NULL || name[0] == '\0' || name[0] == '.')
    return NULL;
  return g_steal_pointer (&name);
}

static void
respond_not_found (const PmApiRequest *request,
                   const char         *site,
                   const char         *path,
                   const char         *why)
{
  pm_api_json_respond_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                             "No file %s at site %s: %s", path, site, why);
}

static void
respond_open_error (const PmApiRequest *request,
                    const char         *site,
                    const char         *path,
                    int                 saved_errno)
{
  switch (saved_errno)
    {
    case ENOENT:
    case ENOTDIR:
      respond_not_found (request, site, path, "no such file");
      break;
    case ELOOP:
      respond_not_found (request, site, path, "symbolic links are not followed");
      break;
    case EACCES:
    case EPERM:
      pm_api_json_respond_error (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                                 "File %s at site %s cannot be read: %s", path, site,
                                 g_strerror (saved_errno));
      break;
    default:
      pm_api_json_respond_error (request, SOUP_STATUS_INTERNAL_SERVER_ERROR, "io_error",
                                 "File %s at site %s cannot be opened: %s", path, site,
                                 g_strerror (saved_errno));
    }
}

/* Opens folder/components… without following any symbolic link below the folder; -1 with
 * errno set on failure. */
static int
open_beneath (const char *folder,
              char      **components)
{
  int dir = open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  guint n = g_strv_length (components);

  for (guint i = 0; dir >= 0 && i + 1 < n; i++)
    {
      int next = openat (dir, components[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int saved = errno;
      struct stat info;

      /* With O_DIRECTORY a link to a folder fails as "not a folder": say what it is. */
      if (next < 0 && saved == ENOTDIR
          && fstatat (dir, components[i], &info, AT_SYMLINK_NOFOLLOW) == 0
          && S_ISLNK (info.st_mode))
        saved = ELOOP;

      close (dir);
      dir = next;
      errno = saved;
    }
  if (dir < 0)
    return -1;

  {
    /* Non-blocking: opening a FIFO someone left in the folder must not stall the API thread. */
    int fd = openat (dir, components[n - 1],
                     O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    int saved = errno;

    close (dir);
    errno = saved;
    return fd;
  }
}

static void
set_last_modified (SoupMessageHeaders *headers,
                   const struct stat  *info)
{
  g_autoptr(GDateTime) modified = g_date_time_new_from_unix_utc (info->st_mtime);
  g_autofree char *text = NULL;

  if (modified == NULL)
    return;
  text = soup_date_time_to_string (modified, SOUP_DATE_HTTP);
  soup_message_headers_replace (headers, "Last-Modified", text);
}

static void
edges_cb (PmApiServer        *server,
          const PmApiRequest *request,
          gpointer            user_data)
{
  GHashTable *edges = user_data;
  const char *site = g_hash_table_lookup (request->params, "site");
  const char *rest = g_hash_table_lookup (request->params, "*");
  const Edge *edge = g_hash_table_lookup (edges, site);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (request->message);
  g_auto(GStrv) encoded = NULL;
  g_auto(GStrv) components = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  struct stat info;
  guint n;
  int fd;

  if (edge == NULL)
    {
      pm_api_json_respond_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                 "No site %s in the topology", site);
      return;
    }
  if (edge->folder == NULL)
    {
      pm_api_json_respond_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                 "Site %s keeps its replicas in remote storage: fetch them from "
                                 "%s", site, edge->served_at);
      return;
    }

  encoded = g_strsplit (rest, "/", -1);
  n = g_strv_length (encoded);
  components = g_new0 (char *, n + 1);
  /* "" splits into no component at all: the folder itself. */
  for (guint i = 0; i < MAX (n, 1); i++)
    {
      components[i] = i < n ? decode_component (encoded[i]) : NULL;
      if (components[i] == NULL)
        {
          g_autofree char *shown = g_utf8_make_valid (rest, -1);

          respond_not_found (request, site, shown,
                             "paths with empty components, “.”, “..”, names starting with a "
                             "dot or a bad escape are never served");
          return;
        }
    }
  path = g_strjoinv ("/", components);
  if (!g_utf8_validate (path, -1, NULL))
    {
      g_autofree char *shown = g_utf8_make_valid (path, -1);

      respond_not_found (request, site, shown, "the name is not UTF-8");
      return;
    }

  fd = open_beneath (edge->folder, components);
  if (fd < 0)
    {
      respond_open_error (request, site, path, errno);
      return;
    }
  if (fstat (fd, &info) != 0 || !S_ISREG (info.st_mode))
    {
      close (fd);
      respond_not_found (request, site, path,
                         "only files are served (a folder has no listing)");
      return;
    }

  soup_message_headers_set_content_type (headers, "application/octet-stream", NULL);
  set_last_modified (headers, &info);
  soup_server_message_set_status (request->message, SOUP_STATUS_OK, NULL);
  if (g_str_equal (request->method, "HEAD"))
    {
      close (fd);
      soup_message_headers_set_content_length (headers, (goffset) info.st_size);
      return;
    }

  mapped = g_mapped_file_new_from_fd (fd, FALSE, &error);
  close (fd);
  if (mapped == NULL)
    {
      soup_message_headers_remove (headers, "Last-Modified");
      pm_api_json_respond_error (request, SOUP_STATUS_INTERNAL_SERVER_ERROR, "io_error",
                                 "File %s at site %s cannot be read: %s", path, site,
                                 error->message);
      return;
    }
  {
    g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (mapped);

    soup_message_headers_set_content_length (headers, (goffset) g_bytes_get_size (bytes));
    /* libsoup refuses an empty chunk: an empty file is an empty body. */
    if (g_bytes_get_size (bytes) > 0)
      soup_message_body_append_bytes (soup_server_message_get_response_body (request->message),
                                      bytes);
  }
}

void
pm_api_edges_register (PmApiServer *server,
                       PmTopology  *topology,
                       const char  *data_dir)
{
  GHashTable *edges;

  g_return_if_fail (PM_IS_API_SERVER (server));
  g_return_if_fail (topology != NULL);
  g_return_if_fail (data_dir != NULL);

  edges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, edge_free);
  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);
      Edge *edge = g_new0 (Edge, 1);

      edge->folder = pm_site_storage_path (site, data_dir);
      if (edge->folder == NULL)
        edge->served_at = site->public_url != NULL ? g_strdup (site->public_url)
                                                   : pm_site_storage_uri (site, data_dir);
      g_hash_table_insert (edges, g_strdup (site->id), edge);
    }
  pm_api_server_add_handler (server, "GET", "/edges/{site}/*", edges_cb, edges,
                             (GDestroyNotify) g_hash_table_unref);
}
