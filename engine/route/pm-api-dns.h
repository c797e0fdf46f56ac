/* pm-api-dns.h: POST /dns, the PowerDNS remote backend's HTTP connector (post=yes,
 * post_json=yes): the zone's SOA at its apex and, for each resource, "<resource>.<zone>" A and
 * AAAA records with the address of the site the routing service picks for the client that
 * EDNS client subnet (or the resolver's address) places.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-api-server.h"
#include "pm-client-locator.h"
#include "pm-routing.h"

G_BEGIN_DECLS

/* Seconds resolvers may keep an answer: routing changes as soon as a partition is predicted, so
 * answers must not outlive a few engine ticks. Also the SOA's negative-caching TTL. */
#define PM_API_DNS_TTL 30

/* Adds POST /dns. The zone is the server's (pm_api_server_get_dns_zone()), read per request.
 * routing and locator (may be NULL: every client is routed as from the resource's origin) must
 * outlive the server's thread (pm_api_server_stop()). */
void pm_api_dns_register (PmApiServer     *server,
                          PmRouting       *routing,
                          PmClientLocator *locator);

/* TRUE when a resource id can be served as the first label of "<id>.<zone>": 1 to 63 letters,
 * digits and hyphens, neither first nor last a hyphen. */
gboolean pm_api_dns_is_label (const char *id);

G_END_DECLS
