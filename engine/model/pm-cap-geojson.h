/* pm-cap-geojson.h: weather and other hazard alerts as CAP in GeoJSON, the FeatureCollection
 * national weather services serve (api.weather.gov), read and written with json-glib.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-event.h"

G_BEGIN_DECLS

/* Each feature is one CAP message; an Alert or Update becomes a PM_EVENT_WEATHER event per
 * polygon (see _pm_cap_resolve() for ids): id properties.id (else the feature's id), issued
 * "sent", from "onset" (else "effective", else "sent") to "ends" (else "expires"), title
 * "headline" (else "event"), CAP "severity", "certainty" and "urgency" (unknown words:
 * Unknown), the outer ring of each Polygon of the geometry (lon, lat; the closing vertex
 * dropped), or one unlocated event (polygon NULL) for a null geometry. Times are RFC 3339.
 * An Update or Cancel takes away the alerts its "references" name (NWS objects with
 * "identifier" or "@id", or a CAP references string) wherever they are in the document; a
 * Cancel, Ack or Error, and any message whose "status" is not Actual, carries no hazard.
 * Errors name display_name, the feature's index and id, and the property. */
GPtrArray *pm_cap_geojson_parse (const char *text,
                                 gsize       length,
                                 const char *display_name,
                                 GError    **error);

/* A FeatureCollection with one feature per weather event of events (others are left out). */
char      *pm_cap_geojson_write (const GPtrArray *events);

G_END_DECLS
