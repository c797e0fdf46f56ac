/* pm-api-metrics.h: GET /metrics, the Prometheus text exposition (format 0.0.4) of the engine's
 * predictions, the routing service's counters and the API's own request latencies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-api-server.h"
#include "pm-routing.h"

G_BEGIN_DECLS

/* routing may be NULL (no route metrics); otherwise it must outlive the server's handlers. */
void pm_api_metrics_register (PmApiServer *server,
                              PmRouting   *routing);

G_END_DECLS
