/* pm-catalog-sqlite.h: the embedded replica catalogue, one SQLite file in WAL mode.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-catalog.h"

G_BEGIN_DECLS

#define PM_TYPE_CATALOG_SQLITE (pm_catalog_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (PmCatalogSqlite, pm_catalog_sqlite, PM, CATALOG_SQLITE, GObject)

/* Opens (creating it and its folders, mode 0600, when missing) and migrates the catalogue at
 * path. PM_CATALOG_ERROR_BACKEND when the file is not a catalogue, is damaged or was written by a
 * newer Premirror. */
PmCatalog *pm_catalog_sqlite_open (const char *path,
                                   GError    **error);

G_END_DECLS
