/* pm-mbtiles-source.h: raster tiles from an offline MBTiles file, for consoles without internet.
 * The one adapter between MBTiles and libshumate 1.0's data source API (1.1 changes that API).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define PM_TYPE_MBTILES_SOURCE (pm_mbtiles_source_get_type ())
G_DECLARE_FINAL_TYPE (PmMbtilesSource, pm_mbtiles_source, PM, MBTILES_SOURCE, ShumateDataSource)

PmMbtilesSource  *pm_mbtiles_source_new          (const char *path,
                                                  GError    **error);
const char       *pm_mbtiles_source_get_name     (PmMbtilesSource *self);
guint             pm_mbtiles_source_get_min_zoom (PmMbtilesSource *self);
guint             pm_mbtiles_source_get_max_zoom (PmMbtilesSource *self);
ShumateMapSource *pm_mbtiles_source_create_map_source (PmMbtilesSource *self);

G_END_DECLS
