/* pm-etcd.h: a client of etcd's v3 JSON gateway (etcd 3.4's /v3/… paths) over libsoup: key
 * ranges, transactions that compare revisions, leases and the watch stream.
 *
 * Keys and values travel base64-encoded, int64 fields arrive as decimal strings and a field
 * that holds its default value is left out of a reply (a failed transaction has no
 * "succeeded", an event that is a put has no "type"); this file is where that is dealt with, so
 * that callers see plain strings and numbers.
 *
 * A client holds several endpoints of one cluster and sends to one at a time. On a connection
 * error, an HTTP 503 or gRPC code 14 (unavailable) and a 408 it moves on to the next and tries
 * again, once round the list; only when every endpoint has failed does the call fail, with
 * PM_ETCD_ERROR_UNAVAILABLE. Calls may come from any thread (libsoup 3.2 lets every thread
 * send on one session).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define PM_ETCD_ERROR (pm_etcd_error_quark ())

typedef enum
{
  PM_ETCD_ERROR_UNAVAILABLE,  /* no endpoint answered, or the cluster has no quorum */
  PM_ETCD_ERROR_FAILED,       /* etcd answered with an error: the message is etcd's */
  PM_ETCD_ERROR_COMPACTED,    /* a watch asked for revisions compacted away */
  PM_ETCD_ERROR_LEASE_GONE,   /* the lease expired or was revoked */
  PM_ETCD_ERROR_BAD_REPLY,    /* an answer that is not what the gateway sends */
  PM_ETCD_ERROR_INDETERMINATE, /* a write reached a member that did not answer in time: it may
                                * or may not have been applied */
} PmEtcdError;

typedef struct _PmEtcd PmEtcd;

/* One key as stored: value is NUL-terminated (etcd values may hold any byte; ours are JSON). */
typedef struct
{
  char   *key;
  char   *value;
  gsize   value_length;
  gint64  create_revision;
  gint64  mod_revision;
  gint64  version;       /* 0 for a deleted key in a watch event */
  gint64  lease;
} PmEtcdKv;

typedef enum
{
  PM_ETCD_EVENT_PUT,
  PM_ETCD_EVENT_DELETE,
} PmEtcdEventType;

typedef struct
{
  PmEtcdEventType type;
  PmEtcdKv        kv;    /* a delete has the key and its mod_revision (the deletion's) */
} PmEtcdEvent;

/* A transaction under construction: compares, then the writes done when they all hold. */
typedef struct _PmEtcdTxn PmEtcdTxn;

/* A watch stream, opened by pm_etcd_watch_open. */
typedef struct _PmEtcdWatch PmEtcdWatch;

GQuark      pm_etcd_error_quark       (void);

/* endpoints: "http://HOST:PORT" each; the request timeout bounds every call but watches. */
PmEtcd     *pm_etcd_new               (const char *const *endpoints,
                                       guint              request_timeout_s,
                                       GError           **error);
void        pm_etcd_free              (PmEtcd *self);
/* The endpoint calls go to now. */
char       *pm_etcd_dup_endpoint      (PmEtcd *self);

/* POSTs body (a JSON object) to path ("/v3/kv/range") and returns the reply's object. */
JsonObject *pm_etcd_call              (PmEtcd      *self,
                                       const char  *path,
                                       JsonNode    *body,
                                       GError     **error);

/* Every key starting with prefix (PmEtcdKv, by key), and the store's revision they are from.
 * serializable: answered by the member itself, without asking the leader (works without a
 * quorum, may lag behind). */
GPtrArray  *pm_etcd_range_prefix      (PmEtcd     *self,
                                       const char *prefix,
                                       gboolean    serializable,
                                       gint64     *revision,
                                       GError    **error);
/* One key; *out NULL when absent. */
gboolean    pm_etcd_get               (PmEtcd     *self,
                                       const char *key,
                                       PmEtcdKv  **out,
                                       gint64     *revision,
                                       GError    **error);

PmEtcdTxn  *pm_etcd_txn_new           (void);
void        pm_etcd_txn_free          (PmEtcdTxn *txn);
/* The key must still be at mod_revision; 0 means it must not exist (compared as version 0). */
void        pm_etcd_txn_expect        (PmEtcdTxn  *txn,
                                       const char *key,
                                       gint64      mod_revision);
/* lease 0: none. */
void        pm_etcd_txn_put           (PmEtcdTxn  *txn,
                                       const char *key,
                                       const char *value,
                                       gint64      lease);
void        pm_etcd_txn_delete        (PmEtcdTxn  *txn,
                                       const char *key);
/* When a compare fails, the key is read in the same request (see pm_etcd_txn_get_current). */
void        pm_etcd_txn_read_on_failure (PmEtcdTxn  *txn,
                                         const char *key);
/* After a commit that did not succeed: the keys read on failure that exist (PmEtcdKv), at the
 * revision the commit reported; a key read but absent here does not exist. Owned by txn. */
GPtrArray  *pm_etcd_txn_get_current   (PmEtcdTxn  *txn);
gboolean    pm_etcd_txn_is_empty      (PmEtcdTxn  *txn);
/* *succeeded: whether every compare held (and the writes happened); *revision: the store's
 * revision after it (the writes' mod_revision when they happened). A transaction that writes is
 * sent to another member only when the first could not have received it (connection refused, no
 * leader); after a timeout it fails with INDETERMINATE, for the caller to read what happened. */
gboolean    pm_etcd_txn_commit        (PmEtcd     *self,
                                       PmEtcdTxn  *txn,
                                       gboolean   *succeeded,
                                       gint64     *revision,
                                       GError    **error);

/* A lease of ttl_s seconds; its id. */
gint64      pm_etcd_lease_grant       (PmEtcd  *self,
                                       gint64   ttl_s,
                                       GError **error);
/* Renews it; LEASE_GONE when it has expired (the reply then has no TTL). *ttl_s: what is left. */
gboolean    pm_etcd_lease_keep_alive  (PmEtcd  *self,
                                       gint64   lease,
                                       gint64  *ttl_s,
                                       GError **error);
gboolean    pm_etcd_lease_revoke      (PmEtcd  *self,
                                       gint64   lease,
                                       GError **error);

/* Watches every key under prefix from start_revision on. Blocks until etcd confirms the watch
 * (or fails: COMPACTED when start_revision was compacted away, with *compact_revision set). */
PmEtcdWatch *pm_etcd_watch_open       (PmEtcd       *self,
                                       const char   *prefix,
                                       gint64        start_revision,
                                       GCancellable *cancellable,
                                       gint64       *compact_revision,
                                       GError      **error);
/* Waits for the next batch of changes: PmEtcdEvent, in revision order (possibly none, for a
 * progress report). *revision: the store's revision the batch brings the watcher up to. Fails
 * when the stream ends (UNAVAILABLE), is cancelled, or on COMPACTED. */
GPtrArray   *pm_etcd_watch_next       (PmEtcdWatch  *watch,
                                       gint64       *revision,
                                       gint64       *compact_revision,
                                       GError      **error);
void         pm_etcd_watch_free       (PmEtcdWatch  *watch);

void        pm_etcd_kv_clear          (PmEtcdKv *kv);
void        pm_etcd_kv_free           (PmEtcdKv *kv);
void        pm_etcd_event_free        (PmEtcdEvent *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmEtcd, pm_etcd_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmEtcdTxn, pm_etcd_txn_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmEtcdWatch, pm_etcd_watch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmEtcdKv, pm_etcd_kv_free)

G_END_DECLS
