/* pm-client-locator.h: where a client is, as a site of the topology. A location (lat/lon) maps
 * to the nearest site by great-circle distance through a spatial index; an IP address maps by
 * longest-prefix match over a table of CIDR prefixes → site ids read from a file.
 *
 * The client map file is text, one prefix per line: "CIDR SITE-ID", blank lines and lines
 * starting with "#" ignored, IPv4 and IPv6 prefixes mixed ("192.0.2.0/24 par",
 * "2001:db8:1::/48 fra"). An address without "/N" is a host route (/32 or /128). A comment may
 * follow on the line ("# …"). Bits set past the length are cleared ("192.0.2.77/24" is
 * 192.0.2.0/24); an IPv4-mapped prefix of /96 or longer ("::ffff:192.0.2.0/120") is the IPv4
 * prefix it covers. A prefix given twice is an error naming both lines, not an override.
 *
 * Immutable once built: safe to read from any thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-topology.h"

G_BEGIN_DECLS

#define PM_CLIENT_LOCATOR_ERROR (pm_client_locator_error_quark ())

typedef enum
{
  PM_CLIENT_LOCATOR_ERROR_PARSE,  /* a line of the client map is not "CIDR SITE" */
  PM_CLIENT_LOCATOR_ERROR_SITE,   /* a line names a site the topology does not have */
} PmClientLocatorError;

typedef struct _PmClientLocator PmClientLocator;

GQuark           pm_client_locator_error_quark (void);

/* Indexes the topology's sites; with client_map_path (may be NULL) also loads the prefixes.
 * Errors name the file and line: "clients.txt:12: “10.0.0.0/33” is not a CIDR prefix"; a file
 * that cannot be read gives g_file_get_contents()'s G_FILE_ERROR, which names the path. The
 * locator keeps no reference to the topology. */
PmClientLocator *pm_client_locator_new          (PmTopology  *topology,
                                                 const char  *client_map_path,
                                                 GError     **error);
void             pm_client_locator_free         (PmClientLocator *self);

/* The site nearest to (lat, lon) in degrees by great-circle distance, the lowest index among
 * sites at the same distance; the caller has validated the ranges (lat in [-90, 90], lon in
 * [-180, 180]). -1 only for a topology without sites. */
int              pm_client_locator_nearest      (PmClientLocator *self,
                                                 double           lat,
                                                 double           lon);

/* The site of the longest prefix holding address; -1 when none does. prefix_length (may be
 * NULL) gets the matched prefix's length (the DNS answer's scope), 0 when none does. IPv4-mapped
 * IPv6 addresses (::ffff:a.b.c.d) are looked up as IPv4, and their length is the IPv4 one.
 * Allocates nothing. */
int              pm_client_locator_lookup       (PmClientLocator *self,
                                                 GInetAddress    *address,
                                                 guint           *prefix_length);

/* As pm_client_locator_lookup(), and the scope of an answer for address (for a DNS answer's
 * EDNS client subnet scope): the shortest prefix length, at least the match's, whose block
 * around address holds no more specific prefix of another site, so that every client in the
 * block gets the same answer from the map. Without a match the answer is the caller's default
 * (the site is -1); its scope then keeps every prefix of the map out of the block. */
int              pm_client_locator_lookup_scope (PmClientLocator *self,
                                                 GInetAddress    *address,
                                                 guint           *prefix_length,
                                                 guint           *scope);

guint            pm_client_locator_get_n_prefixes (PmClientLocator *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmClientLocator, pm_client_locator_free)

G_END_DECLS
