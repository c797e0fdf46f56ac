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

/* The deepest nesting of arrays and objects a document may have: json-glib parses recursively
 * and overflows the stack on a few hundred thousand levels, which a request body can hold. */
#define PM_JSON_MAX_DEPTH 512

gboolean    _pm_json_check_text       (const char        *text,
                                       gsize              size,
                                       const char        *name,
                                       GError           **error);

gboolean    _pm_json_parser_load      (JsonParser        *parser,
                                       const char        *data,
                                       gssize             length,
                                       const char        *name,
                                       GError           **error);

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
