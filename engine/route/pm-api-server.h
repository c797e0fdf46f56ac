/* pm-api-server.h: the HTTP API server (libsoup) on a thread and main context of its own, so that
 * load on the API never stalls the console. Other modules add their endpoints as handlers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "pm-snapshot.h"

G_BEGIN_DECLS

#define PM_API_DEFAULT_ADDRESS  "127.0.0.1:8470"
#define PM_API_DEFAULT_DNS_ZONE "premirror.test."

/* Requests beyond these answer 413 and 414: no endpoint takes more, and a client that sends more
 * is broken or hostile. */
#define PM_API_MAX_BODY_BYTES   (1024 * 1024)
#define PM_API_MAX_URI_BYTES    (8 * 1024)

#define PM_API_SERVER_ERROR (pm_api_server_error_quark ())

typedef enum
{
  PM_API_SERVER_ERROR_ADDRESS,  /* the --api text is not ADDR:PORT or none, or the --dns-zone
                                 * text is not a zone name */
  PM_API_SERVER_ERROR_TLS,      /* the certificate or key cannot be used */
} PmApiServerError;

/* Request latencies (from routing to the handler's return), cumulative since the server was
 * created, as a Prometheus histogram reads them. */
#define PM_API_LATENCY_N_BUCKETS 13

typedef struct
{
  double  bounds[PM_API_LATENCY_N_BUCKETS];      /* upper bounds in seconds, ascending */
  guint64 cumulative[PM_API_LATENCY_N_BUCKETS];  /* requests that took ≤ bounds[i] */
  guint64 count;                                 /* every request, also those over the last */
  double  sum_s;
} PmApiHistogram;

/* Answers counted by status code: counts[code - PM_API_MIN_STATUS]. */
#define PM_API_MIN_STATUS 100
#define PM_API_N_STATUS   500

#define PM_TYPE_API_SERVER (pm_api_server_get_type ())
G_DECLARE_FINAL_TYPE (PmApiServer, pm_api_server, PM, API_SERVER, GObject)

/* Returns a new reference to the latest snapshot, or NULL when there is none yet. Called on the
 * API thread, so it must be thread-safe (pm_engine_dup_snapshot() is). */
typedef PmSnapshot *(*PmApiSnapshotFunc) (gpointer user_data);

/* One request, valid only for the duration of the handler call. */
typedef struct
{
  SoupServerMessage *message;
  const char        *method;    /* as received; a GET handler also answers HEAD */
  const char        *path;      /* as received, still percent-encoded */
  GHashTable        *query;     /* decoded query parameters (char * → char *), never NULL */
  GHashTable        *params;    /* decoded {name} segments of the pattern (never "." nor
                                 * ".."); for a pattern whose last segment is "*", "*" → the
                                 * rest of the path, still encoded and unchecked: a handler
                                 * serving files must refuse ".." itself */
  PmSnapshot        *snapshot;  /* the engine's latest snapshot, held for the request; NULL
                                 * only before the engine's first tick */
} PmApiRequest;

/* Runs on the API thread: it must not touch GTK nor the engine's internals, only the snapshot
 * and data of its own that is safe to read from another thread. It answers before returning,
 * with the pm_api_json_respond*() helpers; to answer later (work on the main thread), it pauses
 * request->message, keeps its own references and unpauses it from the API thread's context
 * (pm_api_server_get_context()). */
typedef void (*PmApiHandler) (PmApiServer        *server,
                              const PmApiRequest *request,
                              gpointer            user_data);

GQuark        pm_api_server_error_quark (void);

gboolean      pm_api_address_parse      (const char          *text,
                                         GInetSocketAddress **address,
                                         GError             **error);

PmApiServer  *pm_api_server_new         (PmApiSnapshotFunc dup_snapshot,
                                         gpointer          user_data,
                                         GDestroyNotify    destroy);

void          pm_api_server_add_handler (PmApiServer   *self,
                                         const char    *method,
                                         const char    *pattern,
                                         PmApiHandler   handler,
                                         gpointer       user_data,
                                         GDestroyNotify destroy);

/* "Example.NET" → "example.net."; NULL with an error when text is not a zone name. */
char         *pm_dns_zone_normalize      (const char  *text,
                                          GError     **error);

/* From a handler: the connection closes after this answer (see pm-api-server.c). */
void          pm_api_server_close_after  (PmApiServer        *self,
                                          const PmApiRequest *request);

void          pm_api_server_set_dns_zone (PmApiServer *self,
                                          const char  *zone);
const char   *pm_api_server_get_dns_zone (PmApiServer *self);

gboolean      pm_api_server_set_tls     (PmApiServer *self,
                                         const char  *cert_path,
                                         const char  *key_path,
                                         GError     **error);

gboolean      pm_api_server_start       (PmApiServer *self,
                                         const char  *address,
                                         GError     **error);
void          pm_api_server_stop        (PmApiServer *self);

const char   *pm_api_server_get_url     (PmApiServer *self);
guint16       pm_api_server_get_port    (PmApiServer *self);
GMainContext *pm_api_server_get_context (PmApiServer *self);

void          pm_api_server_get_latency_histogram (PmApiServer    *self,
                                                   PmApiHistogram *out);
void          pm_api_server_get_status_counts     (PmApiServer *self,
                                                   guint64      counts[PM_API_N_STATUS]);

G_END_DECLS
