/* pm-api-read.h: the read endpoints over the engine's snapshot: /v1/health, /v1/topology,
 * /v1/risk and /v1/alerts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-api-server.h"

G_BEGIN_DECLS

void pm_api_read_register (PmApiServer *server);

G_END_DECLS
