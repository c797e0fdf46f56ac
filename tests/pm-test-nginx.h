/* pm-test-nginx.h: a real nginx with its WebDAV module on a free loopback port, for the tests
 * and benchmarks of the WebDAV transport. Everything it writes (configuration, logs, temporary
 * bodies, the served data) lives in a temporary directory removed by pm_test_nginx_free.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PmTestNginx PmTestNginx;

/* Starts nginx serving a WebDAV tree (PUT DELETE MKCOL COPY MOVE, missing collections created
 * on PUT, no body size limit) at "/" from pm_test_nginx_get_root, and waits until it accepts
 * connections. server_extra (may be NULL) is pasted into the server block, e.g. more
 * locations. Fails with G_IO_ERROR_NOT_FOUND, whose message suits g_test_skip, when nginx is not
 * installed. */
PmTestNginx *pm_test_nginx_new      (const char  *server_extra,
                                     GError     **error);
/* "http://127.0.0.1:PORT/" */
const char  *pm_test_nginx_get_url  (PmTestNginx *self);
/* The directory served at "/". */
const char  *pm_test_nginx_get_root (PmTestNginx *self);
/* Every request answered so far, one line each, fields separated by tabs: status, method,
 * URI, then the request's User-Agent, Accept, If-None-Match and If-Modified-Since headers ("-"
 * when absent). nginx writes a line when it has answered, so a request whose answer the client
 * got is in it. A server_extra with its own access_log turns this log off for that server. */
char        *pm_test_nginx_read_request_log (PmTestNginx *self);
/* Stops it cleanly (SIGTERM) and waits for it. */
void         pm_test_nginx_stop     (PmTestNginx *self);
/* Kills it (SIGKILL, as a crash or a pulled cable would) and waits for it. */
void         pm_test_nginx_kill     (PmTestNginx *self);
/* Starts it again, after stop or kill, on the same port with the same data. */
gboolean     pm_test_nginx_restart  (PmTestNginx *self,
                                     GError     **error);
/* Stops it if running and removes its directory. */
void         pm_test_nginx_free     (PmTestNginx *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmTestNginx, pm_test_nginx_free)

G_END_DECLS
