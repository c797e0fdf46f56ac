/* pm-json-private.h: reading the engine's JSON files with errors that point at the culprit, and
 * writing its JSON documents.
 *
 * The loaders (topology, resources, truth) each read an array of entries and report a problem as
 * "FILE: ENTRY INDEX (“ID”): field “FIELD”: what was expected", each in its own error domain.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pm-error-private.h"

G_BEGIN_DECLS

/* Where in a file a value was read, and the error to report a bad one with. */
typedef PmFilePlace PmJsonPlace;

JsonParser *_pm_json_parse_bytes      (GBytes            *bytes,
                                       const char        *display_name,
                                       GQuark             domain,
                                       int                code,
                                       GError           **error);

gboolean    _pm_json_fail             (GError           **error,
                                       const PmJsonPlace *at,
                                       const char        *field,
                                       const char        *format,
                                       ...) G_GNUC_PRINTF (4, 5);

char       *_pm_json_builder_to_text  (JsonBuilder       *builder);

gboolean    _pm_json_node_is_number   (JsonNode          *node);

gboolean    _pm_json_optional_string  (JsonObject        *object,
                                       const char        *field,
                                       char             **out,
                                       const PmJsonPlace *at,
                                       GError           **error);
gboolean    _pm_json_required_string  (JsonObject        *object,
                                       const char        *field,
                                       char             **out,
                                       const PmJsonPlace *at,
                                       GError           **error);

G_END_DECLS
