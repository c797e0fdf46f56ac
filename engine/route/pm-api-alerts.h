/* pm-api-alerts.h: operator actions on alerts over the API: acknowledge and silence.
 *
 * The route layer does not know the prediction engine: the actions arrive as callbacks that
 * report failures with G_IO_ERROR_NOT_FOUND (404), G_IO_ERROR_EXISTS (409, already done) or any
 * other code (400).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-api-server.h"
#include "pm-tokens.h"

G_BEGIN_DECLS

typedef struct
{
  /* Both are called on the API thread and must be thread-safe. */
  gboolean (*acknowledge) (const char *id,
                           const char *who,
                           gint64      now,
                           gpointer    data,
                           GError    **error);
  gboolean (*silence)     (const char *id,
                           gint64      until,
                           const char *reason,
                           const char *who,
                           gint64      now,
                           gpointer    data,
                           GError    **error);
  gpointer       data;
  GDestroyNotify destroy;
} PmApiAlertActions;

void pm_api_alerts_register (PmApiServer             *server,
                             PmTokens                *tokens,
                             const PmApiAlertActions *actions);

G_END_DECLS
