/* pm-catalog-open.c: a catalogue from its URI, and copying one catalogue into another.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-catalog-open.h"

#include <string.h>

#include "pm-catalog-etcd.h"
#include "pm-catalog-private.h"
#include "pm-catalog-sqlite.h"

PmCatalog *
pm_catalog_open (const char *uri,
                 GError    **error)
{
  g_return_val_if_fail (uri != NULL, NULL);

  if (g_str_has_prefix (uri, "sqlite:") && uri[strlen ("sqlite:")] != '\0')
    return pm_catalog_sqlite_open (uri + strlen ("sqlite:"), error);
  if (g_str_has_prefix (uri, "etcd:"))
    return pm_catalog_etcd_open (uri, error);
  _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                      "Unknown catalogue “%s”: expected sqlite:PATH or etcd:http://HOST:PORT,…",
                      uri);
  return NULL;
}

gboolean
pm_catalog_import (PmCatalog   *into,
                   const char  *from_uri,
                   PmResources *resources,
                   guint       *n_records,
                   GError     **error)
{
  g_autoptr(PmCatalog) from = NULL;

  g_return_val_if_fail (PM_IS_CATALOG (into) && from_uri != NULL, FALSE);

  /* The embedded catalogue is one console's own: sharing is what an import is for. */
  if (!PM_IS_CATALOG_ETCD (into))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                               "A catalogue can be imported only into a shared one (etcd:…), "
                               "not into %s", pm_catalog_describe (into));
  /* Opening a SQLite file would create it: a mistyped path is an error, not an empty import. */
  if (g_str_has_prefix (from_uri, "sqlite:")
      && !g_file_test (from_uri + strlen ("sqlite:"), G_FILE_TEST_IS_REGULAR))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND, "There is no catalogue file %s",
                               from_uri + strlen ("sqlite:"));
  from = pm_catalog_open (from_uri, error);
  if (from == NULL)
    return FALSE;
  return pm_catalog_etcd_import (PM_CATALOG_ETCD (into), from, resources, n_records, error);
}
