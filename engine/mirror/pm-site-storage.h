/* pm-site-storage.h: where a site keeps its replicas: the topology's `storage` URI, or the local
 * folder <data-dir>/edges/<site>/ of the demo's edges.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "model/pm-topology.h"

G_BEGIN_DECLS

/* "file:///…/edges/<id>/" or the site's own storage URI. */
char *pm_site_storage_uri   (const PmSite *site,
                             const char   *data_dir);
/* The local folder for file: storage, NULL for remote storage. */
char *pm_site_storage_path  (const PmSite *site,
                             const char   *data_dir);

G_END_DECLS
