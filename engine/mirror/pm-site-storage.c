/* pm-site-storage.c: a site's replica storage, from the topology or the data folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-site-storage.h"

#include <gio/gio.h>

char *
pm_site_storage_uri (const PmSite *site,
                     const char   *data_dir)
{
  g_autofree char *path = NULL;
  g_autofree char *uri = NULL;

  if (site->storage != NULL)
    return g_strdup (site->storage);
  path = g_build_filename (data_dir, "edges", site->id, NULL);
  uri = g_filename_to_uri (path, NULL, NULL);
  return g_strconcat (uri, "/", NULL);
}

char *
pm_site_storage_path (const PmSite *site,
                      const char   *data_dir)
{
  g_autofree char *uri = pm_site_storage_uri (site, data_dir);
  g_autoptr(GFile) file = NULL;

  if (!g_str_has_prefix (uri, "file:"))
    return g_str_has_prefix (uri, "/") ? g_strdup (uri) : NULL;
  file = g_file_new_for_uri (uri);
  return g_file_get_path (file);
}
