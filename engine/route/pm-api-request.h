/* pm-api-request.h: what every write endpoint needs from a request: the operator behind its
 * bearer token, the engine's time it happens at, and its JSON body.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pm-api-server.h"
#include "pm-tokens.h"

G_BEGIN_DECLS

/* The operator's name, or NULL after answering 401. */
const char *pm_api_request_authorize   (PmTokens           *tokens,
                                        const PmApiRequest *request);
/* The engine's clock as of the request's snapshot: a replay at 600× acts in virtual time. */
gint64      pm_api_request_now         (const PmApiRequest *request);
/* The body as a JSON object; an empty body gives an empty object when allow_empty. NULL after
 * answering 400 (expected describes the object, for the message). */
JsonObject *pm_api_request_read_object (const PmApiRequest *request,
                                        gboolean            allow_empty,
                                        const char         *expected,
                                        JsonParser        **parser);
/* A string member, NULL when absent or not a string. */
const char *pm_api_object_get_string   (JsonObject *object,
                                        const char *member);

G_END_DECLS
