/* pm-api-route.h: where clients should fetch a resource: GET /v1/route (the decision and its
 * reasons, as JSON; with assume=predicted, where the client would be sent if the predicted
 * partitions happen) and GET /r/{resource} (a 307 redirect to the chosen replica, for the client
 * at the peer address).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-api-server.h"
#include "pm-client-locator.h"
#include "pm-routing.h"

G_BEGIN_DECLS

/* locator may be NULL: then clients given by address are routed as from the origin. Both must
 * outlive the server. */
void   pm_api_route_register  (PmApiServer     *server,
                               PmRouting       *routing,
                               PmClientLocator *locator);

/* Where clients fetch resource from site: the site's public_url, or the API's /edges/ folder
 * under base_url (e.g. "http://127.0.0.1:8470"). */
char  *pm_api_route_replica_url (const PmSite     *site,
                                 const PmResource *resource,
                                 const char       *base_url);

G_END_DECLS
