/* pm-api-json.h: writing API responses: one JSON object with "now", numbers that are never NaN,
 * times as unix seconds or null, and errors as {"error": {"code", "message"}}.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pm-api-server.h"

G_BEGIN_DECLS

JsonBuilder *pm_api_json_begin          (const PmApiRequest *request);
void         pm_api_json_respond        (const PmApiRequest *request,
                                         guint               status,
                                         JsonBuilder        *builder);
void         pm_api_json_respond_error  (const PmApiRequest *request,
                                         guint               status,
                                         const char         *code,
                                         const char         *format,
                                         ...) G_GNUC_PRINTF (4, 5);

void         pm_api_json_add_error      (JsonBuilder *builder,
                                         const char  *code,
                                         const char  *message);
void         pm_api_json_add_string     (JsonBuilder *builder,
                                         const char  *name,
                                         const char  *value);
void         pm_api_json_add_number     (JsonBuilder *builder,
                                         const char  *name,
                                         double       value);
void         pm_api_json_add_float      (JsonBuilder *builder,
                                         const char  *name,
                                         float        value);
void         pm_api_json_add_time       (JsonBuilder *builder,
                                         const char  *name,
                                         gint64       unix_s);
void         pm_api_json_add_id         (JsonBuilder *builder,
                                         const char  *name,
                                         gint64       id);
void         pm_api_json_add_integer    (JsonBuilder *builder,
                                         const char  *name,
                                         gint64       value);

G_END_DECLS
