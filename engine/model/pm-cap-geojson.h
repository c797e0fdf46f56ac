/* pm-cap-geojson.h: weather and other hazard alerts as CAP in GeoJSON, the FeatureCollection
 * national weather services serve (api.weather.gov), read and written with json-glib.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-event.h"

G_BEGIN_DECLS

/* Each feature becomes one PM_EVENT_WEATHER event: id properties.id (else the feature's id),
 * issued "sent", from "onset" (else "effective", else "sent") to "ends" (else "expires"),
 * title "headline" (else "event"), CAP "severity", "certainty" and "urgency" (unknown words:
 * Unknown), the outer ring of a Polygon geometry (lon, lat; the closing vertex dropped), or no
 * location for a null geometry. Times are RFC 3339. Features whose "messageType" is "Cancel"
 * carry no hazard and are left out. Errors name display_name, the feature's index and the
 * property. */
GPtrArray *pm_cap_geojson_parse (const char *text,
                                 gsize       length,
                                 const char *display_name,
                                 GError    **error);

/* A FeatureCollection with one feature per weather event of events (others are left out). */
char      *pm_cap_geojson_write (const GPtrArray *events);

G_END_DECLS
