/* pm-test-pdns.h: a real PowerDNS Authoritative Server (Debian's pdns-server) on a free loopback
 * port, for the tests and benchmarks of the DNS backend: either with the remote backend posting
 * JSON to a URL (the engine's POST /dns) or with the bind backend serving a zone file, every
 * cache off, so that each query reaches the backend. Its configuration, control socket, zone
 * files and log live in a temporary directory removed by pm_test_pdns_free.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PmTestPdns PmTestPdns;

/* Starts pdns_server with launch=remote and
 * remote-connection-string=http:url=BACKEND_URL,post=yes,post_json=yes, and waits until it
 * answers the SOA query for zone (absolute, "premirror.test."). Fails with
 * G_IO_ERROR_NOT_FOUND, whose message suits g_test_skip, when pdns_server, its remote backend
 * or dig is not installed. */
PmTestPdns *pm_test_pdns_new_remote  (const char  *backend_url,
                                      const char  *zone,
                                      GError     **error);
/* The same with launch=bind serving zone from zone_text, a master file with $ORIGIN zone. */
PmTestPdns *pm_test_pdns_new_bind    (const char  *zone,
                                      const char  *zone_text,
                                      GError     **error);
guint16     pm_test_pdns_get_port    (PmTestPdns *self);
/* The pdns.conf it runs with. */
const char *pm_test_pdns_get_config  (PmTestPdns *self);
/* What pdns has logged so far. */
char       *pm_test_pdns_read_log    (PmTestPdns *self);
/* Runs dig @127.0.0.1 -p PORT with one try of 2 s and the NULL-terminated arguments; returns
 * its standard output, or NULL with error when dig could not run or failed. */
char       *pm_test_pdns_dig         (PmTestPdns         *self,
                                      const char * const *args,
                                      GError            **error);
/* Stops it cleanly (SIGTERM), waits for it and removes its directory. */
void        pm_test_pdns_free        (PmTestPdns *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmTestPdns, pm_test_pdns_free)

G_END_DECLS
