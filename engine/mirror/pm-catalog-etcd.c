/* pm-catalog-etcd.c: the replica catalogue in etcd (see the header for the key layout).
 *
 * A change is a function of a transaction (Tx) that reads keys from the in-memory copy and
 * writes new values; the transaction then commits in etcd only if none of the keys it read has
 * moved since. When one has (another console wrote it, or the copy was behind), the keys it read
 * are fetched again and the function runs again. A function that refuses (CONFLICT, NOT_FOUND)
 * is believed only once etcd confirms that what it read was current, so a copy that lags never
 * turns into a wrong answer.
 *
 * Threads: any thread may call; the copy is guarded by a mutex. One thread follows the watch
 * stream, another checks every second that the cluster still has a quorum.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-catalog-etcd.h"

#include <string.h>
#include <unistd.h>

#include "model/pm-json-private.h"
#include "pm-catalog-private.h"
#include "pm-catalog-records.h"
#include "pm-consistency.h"
#include "pm-etcd.h"

#define REQUEST_TIMEOUT_S  3
#define MAX_ATTEMPTS       32
#define HEALTH_INTERVAL_US (1 * G_USEC_PER_SEC)
#define RETRY_WATCH_US     (G_USEC_PER_SEC / 2)
/* A console that dies is replaced after at most this long: its lease, and with it the leader
 * key and its jobs' running keys, expire. */
#define LEASE_TTL_S        5

typedef struct
{
  char   *value;         /* NULL: deleted (kept so that an older put cannot bring it back) */
  gint64  mod_revision;
} Entry;

struct _PmCatalogEtcd
{
  GObject       parent_instance;

  PmEtcd       *etcd;
  char         *prefix;
  char         *description;

  GMutex        lock;          /* guards what follows */
  GCond         changed;
  GTree        *copy;          /* full key → Entry */
  gint64        revision;      /* the copy is complete up to this revision */
  gboolean      loaded;        /* the copy holds a read of etcd (none while never reached) */
  PmCatalogState state;
  gboolean      stopping;

  GCancellable *cancellable;
  GThread      *watcher;
  GThread      *prober;

  /* The election of the console that runs jobs (guarded by lock too). */
  char         *console;       /* this console's name in the leader key */
  gint64        lease;         /* 0 while it holds none */
  gint64        renewed_us;    /* monotonic time of the last keep-alive etcd answered */
  gboolean      leader;
};

typedef struct
{
  PmCatalogEtcd *self;
  GHashTable    *seen;     /* full key → gint64 *: the mod_revision read, 0 when absent */
  GHashTable    *writes;   /* full key → new value, NULL to delete */
  GPtrArray     *order;    /* the written keys in order */
  GPtrArray     *strings;  /* values handed to the function */
  GHashTable    *leases;   /* full key → gint64 *: the lease a written key is bound to */
} Tx;

typedef gboolean (*TxFunc) (Tx *tx, gpointer data, GError **error);

static PmCatalogState pm_catalog_etcd_get_state (PmCatalog *catalog);

static void pm_catalog_etcd_iface_init (PmCatalogInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PmCatalogEtcd, pm_catalog_etcd, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PM_TYPE_CATALOG, pm_catalog_etcd_iface_init))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmReplica, pm_replica_free)

/* Keys */

static char *
escape (const char *id)
{
  return g_uri_escape_string (id, NULL, FALSE);
}

static char *
key_of_id (PmCatalogEtcd *self,
           const char    *kind,
           gint64         id)
{
  return g_strdup_printf ("%s%s/%016" G_GINT64_FORMAT, self->prefix, kind, id);
}

static char *
key_of_pair (PmCatalogEtcd *self,
             const char    *kind,
             const char    *resource,
             const char    *site)
{
  g_autofree char *r = escape (resource);
  g_autofree char *s = escape (site);

  return g_strdup_printf ("%s%s/%s/%s", self->prefix, kind, r, s);
}

static char *
key_of_one (PmCatalogEtcd *self,
            const char    *kind,
            const char    *id)
{
  g_autofree char *e = escape (id);

  return g_strdup_printf ("%s%s/%s", self->prefix, kind, e);
}

/* The in-memory copy */

static void
entry_free (Entry *entry)
{
  g_free (entry->value);
  g_free (entry);
}

/* Lock held. Keeps the newer of what is there and what comes. */
static void
copy_apply (PmCatalogEtcd *self,
            const char    *key,
            const char    *value,
            gint64         mod_revision)
{
  Entry *entry = g_tree_lookup (self->copy, key);

  if (entry != NULL && entry->mod_revision >= mod_revision)
    return;
  entry = g_new0 (Entry, 1);
  entry->value = g_strdup (value);
  entry->mod_revision = mod_revision;
  g_tree_replace (self->copy, g_strdup (key), entry);
}

/* Lock held. */
static void
copy_replace (PmCatalogEtcd *self,
              GPtrArray     *kvs,
              gint64         revision)
{
  g_tree_destroy (self->copy);
  self->copy = g_tree_new_full ((GCompareDataFunc) strcmp, NULL, g_free,
                                (GDestroyNotify) entry_free);
  for (guint i = 0; i < kvs->len; i++)
    {
      const PmEtcdKv *kv = g_ptr_array_index (kvs, i);

      copy_apply (self, kv->key, kv->value, kv->mod_revision);
    }
  self->revision = revision;
}

/* The values under prefix + kind + "/" with their keys, in key order. */
static GPtrArray *
copy_collect (PmCatalogEtcd *self,
              const char    *kind,
              GPtrArray    **keys)
{
  g_autofree char *start = g_strconcat (self->prefix, kind, "/", NULL);
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  GTreeNode *node;

  *keys = g_ptr_array_new_with_free_func (g_free);
  g_mutex_lock (&self->lock);
  for (node = g_tree_lower_bound (self->copy, start);
       node != NULL && g_str_has_prefix (g_tree_node_key (node), start);
       node = g_tree_node_next (node))
    {
      const Entry *entry = g_tree_node_value (node);

      if (entry->value == NULL)
        continue;
      g_ptr_array_add (values, g_strdup (entry->value));
      g_ptr_array_add (*keys, g_strdup (g_tree_node_key (node)));
    }
  g_mutex_unlock (&self->lock);
  return values;
}

typedef gpointer (*RecordFrom) (JsonObject *object);

static GPtrArray *
list_records (PmCatalogEtcd *self,
              const char    *kind,
              RecordFrom     from,
              GDestroyNotify free_func)
{
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GPtrArray) values = copy_collect (self, kind, &keys);
  GPtrArray *records = g_ptr_array_new_with_free_func (free_func);

  for (guint i = 0; i < values->len; i++)
    {
      g_autoptr(JsonObject) object = _pm_record_parse_record (keys->pdata[i], values->pdata[i]);
      gpointer record = object != NULL ? from (object) : NULL;

      if (record != NULL)
        g_ptr_array_add (records, record);
      else if (object != NULL)
        g_warning ("Catalogue key %s lacks a field it needs; it is skipped",
                   (char *) keys->pdata[i]);
    }
  return records;
}

/* Transactions */

static void
tx_init (Tx            *tx,
         PmCatalogEtcd *self)
{
  tx->self = self;
  tx->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  tx->writes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  tx->order = g_ptr_array_new_with_free_func (g_free);
  tx->strings = g_ptr_array_new_with_free_func (g_free);
  tx->leases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
tx_clear (Tx *tx)
{
  g_hash_table_unref (tx->seen);
  g_hash_table_unref (tx->writes);
  g_ptr_array_unref (tx->order);
  g_ptr_array_unref (tx->strings);
  g_hash_table_unref (tx->leases);
}

/* The key's value as this transaction sees it: its own write, else the copy's; NULL when
 * absent. */
static const char *
tx_read (Tx         *tx,
         const char *key)
{
  PmCatalogEtcd *self = tx->self;
  gpointer written;
  char *value = NULL;

  if (g_hash_table_lookup_extended (tx->writes, key, NULL, &written))
    return written;
  g_mutex_lock (&self->lock);
  {
    const Entry *entry = g_tree_lookup (self->copy, key);

    if (!g_hash_table_contains (tx->seen, key))
      {
        gint64 *revision = g_new (gint64, 1);

        /* A deleted key is compared as absent, as a new key would be. */
        *revision = entry != NULL && entry->value != NULL ? entry->mod_revision : 0;
        g_hash_table_insert (tx->seen, g_strdup (key), revision);
      }
    if (entry != NULL && entry->value != NULL)
      value = g_strdup (entry->value);
  }
  g_mutex_unlock (&self->lock);
  if (value != NULL)
    g_ptr_array_add (tx->strings, value);
  return value;
}

static JsonObject *
tx_read_object (Tx         *tx,
                const char *key)
{
  return _pm_record_parse_record (key, tx_read (tx, key));
}

/* Takes value; NULL deletes the key. */
static void
tx_write (Tx         *tx,
          const char *key,
          char       *value)
{
  if (!g_hash_table_contains (tx->writes, key))
    g_ptr_array_add (tx->order, g_strdup (key));
  g_hash_table_replace (tx->writes, g_strdup (key), value);
}

/* Writes value bound to lease: etcd deletes the key when the lease expires. */
static void
tx_write_leased (Tx         *tx,
                 const char *key,
                 char       *value,
                 gint64      lease)
{
  gint64 *owned = g_new (gint64, 1);

  *owned = lease;
  tx_write (tx, key, value);
  g_hash_table_replace (tx->leases, g_strdup (key), owned);
}

/* The next id of a kind of record: counters/KIND, read and written in the transaction. */
static gint64
tx_next_id (Tx         *tx,
            const char *kind)
{
  g_autofree char *key = key_of_one (tx->self, "counters", kind);
  g_autoptr(JsonObject) counter = tx_read_object (tx, key);
  gint64 id = (counter != NULL ? _pm_record_get_int (counter, "last") : 0) + 1;
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_int_member (o, "last", id);
  tx_write (tx, key, _pm_record_object_to_text (o));
  return id;
}

static void
add_expectations (Tx        *tx,
                  PmEtcdTxn *txn)
{
  GHashTableIter iter;
  gpointer key, revision;

  g_hash_table_iter_init (&iter, tx->seen);
  while (g_hash_table_iter_next (&iter, &key, &revision))
    {
      pm_etcd_txn_expect (txn, key, *(gint64 *) revision);
      pm_etcd_txn_read_on_failure (txn, key);
    }
}

/* The keys tx read, fetched one by one into the copy. */
static gboolean
fetch_seen (Tx      *tx,
            GError **error)
{
  PmCatalogEtcd *self = tx->self;
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, tx->seen);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(PmEtcdKv) kv = NULL;
      gint64 revision = 0;

      if (!pm_etcd_get (self->etcd, key, &kv, &revision, error))
        return FALSE;
      g_mutex_lock (&self->lock);
      if (kv != NULL)
        copy_apply (self, key, kv->value, kv->mod_revision);
      else
        copy_apply (self, key, NULL, revision);
      g_mutex_unlock (&self->lock);
    }
  return TRUE;
}

/* After a commit whose compares failed: what the keys tx read hold now, into the copy. etcd
 * read them in the same request, at revision; only when its reply was lost (and the outcome
 * read back) are they fetched again. */
static gboolean
refresh_seen (Tx        *tx,
              PmEtcdTxn *txn,
              gint64     revision,
              GError   **error)
{
  PmCatalogEtcd *self = tx->self;
  GPtrArray *current = pm_etcd_txn_get_current (txn);
  g_autoptr(GHashTable) absent = NULL;
  GHashTableIter iter;
  gpointer key;

  if (current == NULL)
    return fetch_seen (tx, error);
  absent = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_iter_init (&iter, tx->seen);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (absent, key);
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < current->len; i++)
    {
      const PmEtcdKv *kv = g_ptr_array_index (current, i);

      copy_apply (self, kv->key, kv->value, kv->mod_revision);
      g_hash_table_remove (absent, kv->key);
    }
  g_hash_table_iter_init (&iter, absent);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    copy_apply (self, key, NULL, revision);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* After a write whose outcome etcd did not report: whether every key written holds what tx
 * wrote (its values carry fresh ids and times, so another console's write does not match). */
static gboolean
find_out (Tx       *tx,
          gboolean *applied,
          gint64   *revision,
          GError  **error)
{
  *applied = TRUE;
  *revision = 0;
  for (guint i = 0; i < tx->order->len; i++)
    {
      const char *key = tx->order->pdata[i];
      const char *wrote = g_hash_table_lookup (tx->writes, key);
      g_autoptr(PmEtcdKv) kv = NULL;

      if (!pm_etcd_get (tx->self->etcd, key, &kv, NULL, error))
        return FALSE;
      if (kv != NULL ? g_strcmp0 (kv->value, wrote) != 0 : wrote != NULL)
        *applied = FALSE;
      if (kv != NULL)
        *revision = MAX (*revision, kv->mod_revision);
    }
  return TRUE;
}

/* A catalogue never read stays UNREACHABLE, whatever a probe says, until its first read. */
static void
set_state (PmCatalogEtcd *self,
           PmCatalogState state)
{
  g_mutex_lock (&self->lock);
  self->state = self->loaded ? state : PM_CATALOG_STATE_UNREACHABLE;
  g_mutex_unlock (&self->lock);
}

/* An etcd failure as the catalogue's: no quorum or no member makes it read-only. */
static gboolean
fail_from_etcd (PmCatalogEtcd *self,
                GError        *etcd_error,
                GError       **error)
{
  if (g_error_matches (etcd_error, PM_ETCD_ERROR, PM_ETCD_ERROR_UNAVAILABLE))
    {
      set_state (self, PM_CATALOG_STATE_READ_ONLY);
      return _pm_catalog_refuse (error, PM_CATALOG_ERROR_READ_ONLY,
                                 "The shared catalogue (%s) takes no changes now: etcd has no "
                                 "quorum or cannot be reached (%s). Nothing was changed; try "
                                 "again once the cluster is back", self->description,
                                 etcd_error->message);
    }
  if (g_error_matches (etcd_error, PM_ETCD_ERROR, PM_ETCD_ERROR_INDETERMINATE))
    {
      set_state (self, PM_CATALOG_STATE_READ_ONLY);
      return _pm_catalog_refuse (error, PM_CATALOG_ERROR_READ_ONLY,
                                 "The shared catalogue (%s) did not confirm this change before "
                                 "losing contact (%s): it may have been made, and shows here once "
                                 "the cluster is back", self->description, etcd_error->message);
    }
  return _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND, "The shared catalogue (%s): %s",
                             self->description, etcd_error->message);
}

/* Runs func until it commits against current data, or refuses on current data. */
static gboolean
run (PmCatalogEtcd *self,
     TxFunc         func,
     gpointer       data,
     GError       **error)
{
  /* Known to be without quorum (the probe checks every second): refused at once rather than
   * after every member's timeout, so that no caller stalls. */
  if (pm_catalog_etcd_get_state (PM_CATALOG (self)) != PM_CATALOG_STATE_OK)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_READ_ONLY,
                               "The shared catalogue (%s) takes no changes now: etcd has lost "
                               "its quorum or cannot be reached. Nothing was changed; decisions "
                               "are taken again once the cluster is back", self->description);
  for (guint attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
    {
      g_autoptr(GError) refusal = NULL;
      g_autoptr(GError) etcd_error = NULL;
      g_autoptr(PmEtcdTxn) txn = pm_etcd_txn_new ();
      gboolean ok, succeeded = FALSE;
      gint64 revision = 0;
      Tx tx;

      tx_init (&tx, self);
      ok = func (&tx, data, &refusal);
      add_expectations (&tx, txn);
      if (ok)
        for (guint i = 0; i < tx.order->len; i++)
          {
            const char *key = tx.order->pdata[i];
            const char *value = g_hash_table_lookup (tx.writes, key);

            const gint64 *lease = g_hash_table_lookup (tx.leases, key);

            if (value != NULL)
              pm_etcd_txn_put (txn, key, value, lease != NULL ? *lease : 0);
            else
              pm_etcd_txn_delete (txn, key);
          }
      if (ok && tx.order->len == 0)
        {
          tx_clear (&tx);
          return TRUE;
        }
      if (!pm_etcd_txn_commit (self->etcd, txn, &succeeded, &revision, &etcd_error))
        {
          if (!(g_error_matches (etcd_error, PM_ETCD_ERROR, PM_ETCD_ERROR_INDETERMINATE) && ok
                && find_out (&tx, &succeeded, &revision, NULL)))
            {
              tx_clear (&tx);
              return fail_from_etcd (self, etcd_error, error);
            }
          /* The outcome was read back: the lost reply no longer matters (and a retry's read
           * must be able to report its own error). */
          g_clear_error (&etcd_error);
        }
      if (succeeded)
        {
          if (ok)
            {
              g_mutex_lock (&self->lock);
              for (guint i = 0; i < tx.order->len; i++)
                copy_apply (self, tx.order->pdata[i],
                            g_hash_table_lookup (tx.writes, tx.order->pdata[i]), revision);
              g_mutex_unlock (&self->lock);
            }
          tx_clear (&tx);
          if (!ok)
            g_propagate_error (error, g_steal_pointer (&refusal));
          return ok;
        }
      /* Something it read has moved: read it again and start over. */
      ok = refresh_seen (&tx, txn, revision, &etcd_error);
      tx_clear (&tx);
      if (!ok)
        return fail_from_etcd (self, etcd_error, error);
    }
  return _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND,
                             "The shared catalogue (%s) changed under every one of %d attempts "
                             "at this change; try again", self->description, MAX_ATTEMPTS);
}

/* Steps of transactions */

static gboolean
require_resource (Tx         *tx,
                  const char *resource,
                  GError    **error)
{
  g_autofree char *key = key_of_one (tx->self, "resources", resource);

  if (tx_read (tx, key) == NULL)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND,
                               "No resource “%s” in the catalogue: is it in the resource "
                               "inventory?", resource);
  return TRUE;
}

/* The replica, or a new GONE one when there is none; NULL when the resource is unknown. */
static PmReplica *
load_replica (Tx         *tx,
              const char *resource,
              const char *site,
              GError    **error)
{
  g_autofree char *key = key_of_pair (tx->self, "replicas", resource, site);
  g_autoptr(JsonObject) object = tx_read_object (tx, key);
  PmReplica *replica = object != NULL ? _pm_record_replica_from (object) : NULL;

  if (replica != NULL)
    return replica;
  if (!require_resource (tx, resource, error))
    return NULL;
  replica = g_new0 (PmReplica, 1);
  replica->resource = g_strdup (resource);
  replica->site = g_strdup (site);
  replica->state = PM_REPLICA_GONE;
  return replica;
}

static void
save_replica (Tx        *tx,
              PmReplica *replica)
{
  g_autofree char *key = key_of_pair (tx->self, "replicas", replica->resource, replica->site);

  tx_write (tx, key, _pm_record_replica_to_text (replica));
}

/* As the SQLite backend: a replica with nothing on the way becomes planned. */
static gboolean
plan_replica (Tx         *tx,
              const char *resource,
              const char *site,
              gint64      version,
              const char *sha256,
              gboolean    temporary,
              gint64      now,
              GError    **error)
{
  g_autoptr(PmReplica) replica = load_replica (tx, resource, site, error);

  if (replica == NULL)
    return FALSE;
  if (replica->state != PM_REPLICA_GONE && replica->state != PM_REPLICA_FAILED)
    return TRUE;
  _pm_replica_apply_move (replica, PM_REPLICA_PLANNED, version, sha256, temporary, NULL, now);
  save_replica (tx, replica);
  return TRUE;
}

/* The id in an index key (pending/…, active/…), 0 when absent. */
static gint64
read_index (Tx         *tx,
            const char *kind,
            const char *resource,
            const char *site)
{
  g_autofree char *key = key_of_pair (tx->self, kind, resource, site);
  g_autoptr(JsonObject) object = tx_read_object (tx, key);

  return object != NULL ? _pm_record_get_int (object, "id") : 0;
}

static void
write_index (Tx         *tx,
             const char *kind,
             const char *resource,
             const char *site,
             gint64      id)
{
  g_autofree char *key = key_of_pair (tx->self, kind, resource, site);

  tx_write (tx, key, id != 0 ? _pm_record_id_to_text (id) : NULL);
}

/* A proposal or job by id; NOT_FOUND names it as what. */
static gpointer
load_record (Tx         *tx,
             const char *kind,
             const char *what,
             gint64      id,
             RecordFrom  from,
             GError    **error)
{
  g_autofree char *key = key_of_id (tx->self, kind, id);
  g_autoptr(JsonObject) object = tx_read_object (tx, key);
  gpointer record = object != NULL ? from (object) : NULL;

  if (record == NULL)
    _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND, "No %s %" G_GINT64_FORMAT, what, id);
  return record;
}

/* Writes text as kind/ID and keeps the index key INDEX/RESOURCE/SITE pointing at it while
 * indexed (a pending proposal, an active job), and at nothing once it no longer is. */
static void
save_indexed (Tx         *tx,
              const char *kind,
              gint64      id,
              char       *text,
              const char *index,
              const char *resource,
              const char *site,
              gboolean    indexed)
{
  g_autofree char *key = key_of_id (tx->self, kind, id);
  gint64 current = read_index (tx, index, resource, site);

  tx_write (tx, key, text);
  if (indexed && current != id)
    write_index (tx, index, resource, site, id);
  else if (!indexed && current == id)
    write_index (tx, index, resource, site, 0);
}

static PmJob *
load_job (Tx      *tx,
          gint64   id,
          GError **error)
{
  return load_record (tx, "jobs", "job", id, (RecordFrom) _pm_record_job_from, error);
}

static void
save_job (Tx          *tx,
          const PmJob *job)
{
  save_indexed (tx, "jobs", job->id, _pm_record_job_to_text (job), "active", job->resource,
                job->site, job->state == PM_JOB_QUEUED || job->state == PM_JOB_RUNNING);
}

static PmProposal *
load_proposal (Tx      *tx,
               gint64   id,
               GError **error)
{
  return load_record (tx, "proposals", "proposal", id, (RecordFrom) _pm_record_proposal_from,
                      error);
}

static void
save_proposal (Tx               *tx,
               const PmProposal *proposal)
{
  save_indexed (tx, "proposals", proposal->id, _pm_record_proposal_to_text (proposal), "pending",
                proposal->resource, proposal->site, proposal->state == PM_PROPOSAL_PENDING);
}

static gint64
insert_decision (Tx               *tx,
                 const PmDecision *decision)
{
  PmDecision stored = *decision;
  g_autofree char *key = NULL;

  stored.id = tx_next_id (tx, "decisions");
  key = key_of_id (tx->self, "decisions", stored.id);
  tx_write (tx, key, _pm_record_decision_to_text (&stored));
  return stored.id;
}

static gint64
start_job (Tx              *tx,
           gint64           proposal,
           const char      *resource,
           const char      *site,
           const PmJobSpec *spec,
           const char      *sha256,
           gint64           now,
           GError         **error)
{
  PmJob job = {
    .proposal = proposal, .resource = (char *) resource, .site = (char *) site,
    .version = spec->version, .bytes = spec->bytes, .priority = spec->priority,
    .deadline_s = spec->deadline_s, .state = PM_JOB_QUEUED, .created_at = now,
    .updated_at = now,
  };

  job.id = tx_next_id (tx, "jobs");
  g_strlcpy (job.sha256, sha256, sizeof job.sha256);
  save_job (tx, &job);
  /* A proposal's replica is placed for a predicted partition and retired after the cool-down;
   * a manual mirror stays. */
  if (!plan_replica (tx, resource, site, spec->version, sha256, proposal != 0, now, error))
    return 0;
  return job.id;
}

/* The operations, each a TxFunc with its arguments and results in a struct */

typedef struct
{
  PmResources *resources;
} SyncResources;

static gboolean
sync_resources_tx (Tx       *tx,
                   gpointer  data,
                   GError  **error)
{
  SyncResources *args = data;
  PmTopology *topology = pm_resources_get_topology (args->resources);

  for (guint i = 0; i < pm_resources_get_n_resources (args->resources); i++)
    {
      const PmResource *resource = pm_resources_get_resource (args->resources, i);
      g_autofree char *key = key_of_one (tx->self, "resources", resource->id);
      g_autoptr(JsonObject) o = json_object_new ();
      g_autofree char *text = NULL;
      const char *stored;

      _pm_record_set_string (o, "id", resource->id);
      _pm_record_set_string (o, "name", resource->name);
      json_object_set_int_member (o, "size_bytes", (gint64) resource->size_bytes);
      json_object_set_int_member (o, "criticality", resource->criticality);
      _pm_record_set_string (o, "consistency", pm_consistency_to_string (resource->consistency));
      json_object_set_int_member (o, "staleness_s", resource->staleness_s);
      if (topology != NULL && resource->origin < pm_topology_get_n_sites (topology))
        _pm_record_set_string (o, "origin", pm_topology_get_site (topology, resource->origin)->id);
      text = _pm_record_object_to_text (o);
      stored = tx_read (tx, key);
      /* Unchanged metadata is not written: every console syncs it at start. */
      if (g_strcmp0 (stored, text) != 0)
        tx_write (tx, key, g_steal_pointer (&text));
    }
  return TRUE;
}

typedef struct
{
  const char *resource;
  const char *sha256;
  guint64     size_bytes;
  gint64      now;
  PmVersion   version;
  gboolean    is_new;
} AddVersion;

static gboolean
add_version_tx (Tx       *tx,
                gpointer  data,
                GError  **error)
{
  AddVersion *args = data;
  g_autofree char *latest_key = key_of_one (tx->self, "latest", args->resource);
  g_autoptr(JsonObject) latest = NULL;
  g_autofree char *version_key = NULL;
  g_autofree char *r = NULL;
  PmVersion version = { 0 };

  pm_version_clear (&args->version);
  if (!require_resource (tx, args->resource, error))
    return FALSE;
  latest = tx_read_object (tx, latest_key);
  if (latest != NULL && _pm_record_version_from (latest, &args->version)
      && g_str_equal (args->version.sha256, args->sha256))
    {
      args->is_new = FALSE;
      return TRUE;
    }
  version.resource = (char *) args->resource;
  version.version = args->version.version + 1;
  g_strlcpy (version.sha256, args->sha256, sizeof version.sha256);
  version.size_bytes = args->size_bytes;
  version.created_at = args->now;
  pm_version_clear (&args->version);
  r = escape (args->resource);
  version_key = g_strdup_printf ("%sversions/%s/%016" G_GINT64_FORMAT, tx->self->prefix, r,
                                 version.version);
  tx_write (tx, version_key, _pm_record_version_to_text (&version));
  tx_write (tx, latest_key, _pm_record_version_to_text (&version));
  args->version = version;
  args->version.resource = g_strdup (args->resource);
  args->is_new = TRUE;
  return TRUE;
}

typedef struct
{
  const char    *resource;
  const char    *site;
  PmReplicaState from;
  PmReplicaState to;
  gint64         version;
  const char    *sha256;
  gboolean       temporary;
  const char    *error_text;
  gint64         now;
} MoveReplica;

static gboolean
move_replica_tx (Tx       *tx,
                 gpointer  data,
                 GError  **error)
{
  MoveReplica *args = data;
  g_autoptr(PmReplica) replica = load_replica (tx, args->resource, args->site, error);

  if (replica == NULL)
    return FALSE;
  if (replica->state != args->from)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                               "The replica of “%s” at “%s” is %s, not %s: someone moved it "
                               "meanwhile", args->resource, args->site,
                               pm_replica_state_to_string (replica->state),
                               pm_replica_state_to_string (args->from));
  if (!pm_replica_state_can_move (args->from, args->to))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_ILLEGAL,
                               "A replica cannot go from %s to %s (“%s” at “%s”)",
                               pm_replica_state_to_string (args->from),
                               pm_replica_state_to_string (args->to), args->resource,
                               args->site);
  _pm_replica_apply_move (replica, args->to, args->version, args->sha256, args->temporary,
                          args->error_text, args->now);
  save_replica (tx, replica);
  return TRUE;
}

typedef struct
{
  const PmProposal *proposal;
  gint64            now;
  gint64            id;
} UpsertProposal;

static gboolean
upsert_proposal_tx (Tx       *tx,
                    gpointer  data,
                    GError  **error)
{
  UpsertProposal *args = data;
  const PmProposal *in = args->proposal;
  gint64 pending;
  g_autoptr(PmProposal) stored = NULL;
  PmProposal out;

  if (!require_resource (tx, in->resource, error))
    return FALSE;
  pending = read_index (tx, "pending", in->resource, in->site);
  if (pending != 0 && (stored = load_proposal (tx, pending, NULL)) != NULL
      && stored->state == PM_PROPOSAL_PENDING)
    {
      out = *in;
      out.id = stored->id;
      out.resource = stored->resource;
      out.site = stored->site;
      out.created_at = stored->created_at;
    }
  else
    {
      out = *in;
      out.id = tx_next_id (tx, "proposals");
      out.created_at = args->now;
    }
  out.state = PM_PROPOSAL_PENDING;
  out.updated_at = args->now;
  save_proposal (tx, &out);
  args->id = out.id;
  return TRUE;
}

typedef struct
{
  gint64 id;
  gint64 now;
} Withdraw;

static gboolean
withdraw_tx (Tx       *tx,
             gpointer  data,
             GError  **error)
{
  Withdraw *args = data;
  g_autoptr(PmProposal) proposal = load_proposal (tx, args->id, error);

  if (proposal == NULL)
    return FALSE;
  if (proposal->state != PM_PROPOSAL_PENDING)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                               "Proposal %" G_GINT64_FORMAT " is already %s: only a pending "
                               "one can be withdrawn", args->id,
                               pm_proposal_state_to_string (proposal->state));
  proposal->state = PM_PROPOSAL_WITHDRAWN;
  proposal->updated_at = args->now;
  save_proposal (tx, proposal);
  return TRUE;
}

typedef struct
{
  gint64           proposal;
  gboolean         approve;
  const char      *who;
  const char      *reason;
  const PmJobSpec *spec;
  const char      *sha256;
  gint64           now;
  gint64           id;
} Decide;

static gboolean
decide_tx (Tx       *tx,
           gpointer  data,
           GError  **error)
{
  Decide *args = data;
  g_autoptr(PmProposal) proposal = load_proposal (tx, args->proposal, error);
  PmDecision decision = { 0 };
  gint64 decision_id;

  if (proposal == NULL)
    return FALSE;
  if (proposal->state != PM_PROPOSAL_PENDING)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                               "Proposal %" G_GINT64_FORMAT " is already %s: it can be decided "
                               "only once", args->proposal,
                               pm_proposal_state_to_string (proposal->state));
  decision = (PmDecision) {
    .at = args->now, .who = (char *) args->who, .action = args->approve ? "approve" : "reject",
    .proposal = args->proposal, .resource = proposal->resource, .site = proposal->site,
    .reason = (char *) args->reason,
  };
  proposal->state = args->approve ? PM_PROPOSAL_APPROVED : PM_PROPOSAL_REJECTED;
  proposal->updated_at = args->now;
  save_proposal (tx, proposal);
  if (args->approve)
    {
      /* A job already on its way to that site serves this approval too. */
      decision.job = read_index (tx, "active", proposal->resource, proposal->site);
      if (decision.job == 0)
        {
          decision.job = start_job (tx, args->proposal, proposal->resource, proposal->site,
                                    args->spec, args->sha256, args->now, error);
          if (decision.job == 0)
            return FALSE;
        }
    }
  decision_id = insert_decision (tx, &decision);
  args->id = args->approve ? decision.job : decision_id;
  return TRUE;
}

typedef struct
{
  const char      *resource;
  const char      *site;
  const char      *who;
  const char      *reason;
  const PmJobSpec *spec;
  const char      *sha256;
  gint64           now;
  gint64           id;
} MirrorNow;

static gboolean
mirror_now_tx (Tx       *tx,
               gpointer  data,
               GError  **error)
{
  MirrorNow *args = data;
  PmDecision decision = {
    .at = args->now, .who = (char *) args->who, .action = "mirror",
    .resource = (char *) args->resource, .site = (char *) args->site,
    .reason = (char *) args->reason,
  };
  gint64 active;

  if (!require_resource (tx, args->resource, error))
    return FALSE;
  active = read_index (tx, "active", args->resource, args->site);
  if (active != 0)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                               "Job %" G_GINT64_FORMAT " already copies “%s” to “%s”: wait for "
                               "it or cancel it first", active, args->resource, args->site);
  decision.job = start_job (tx, 0, args->resource, args->site, args->spec, args->sha256,
                            args->now, error);
  if (decision.job == 0)
    return FALSE;
  insert_decision (tx, &decision);
  args->id = decision.job;
  return TRUE;
}

/* A running job is bound to the lease of the console running it: running/ID, which vanishes
 * with that console's lease, tells the next one which jobs nobody runs any more. */
static gboolean
bind_running (Tx      *tx,
              gint64   id,
              GError **error)
{
  PmCatalogEtcd *self = tx->self;
  g_autofree char *key = key_of_id (self, "running", id);
  g_autoptr(JsonObject) o = json_object_new ();
  gint64 lease;
  gboolean leader;

  g_mutex_lock (&self->lock);
  lease = self->lease;
  leader = self->leader;
  _pm_record_set_string (o, "console", self->console);
  g_mutex_unlock (&self->lock);
  if (!leader || lease == 0)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                               "Job %" G_GINT64_FORMAT " cannot start here: another console "
                               "runs the jobs of %s", id, self->description);
  tx_write_leased (tx, key, _pm_record_object_to_text (o), lease);
  return TRUE;
}

static void
unbind_running (Tx     *tx,
                gint64  id)
{
  g_autofree char *key = key_of_id (tx->self, "running", id);

  if (tx_read (tx, key) != NULL)
    tx_write (tx, key, NULL);
}

/* Whether a console with a live lease runs the job. */
static gboolean
is_bound (Tx     *tx,
          gint64  id)
{
  g_autofree char *key = key_of_id (tx->self, "running", id);

  return tx_read (tx, key) != NULL;
}

typedef struct
{
  const PmJob *job;
  PmJobState   expected;
  gint64       now;
} UpdateJob;

static gboolean
update_job_tx (Tx       *tx,
               gpointer  data,
               GError  **error)
{
  UpdateJob *args = data;
  g_autoptr(PmJob) stored = load_job (tx, args->job->id, error);

  if (stored == NULL)
    return FALSE;
  if (stored->state != args->expected)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                               "Job %" G_GINT64_FORMAT " is %s, not %s: someone changed it "
                               "meanwhile", args->job->id,
                               pm_job_state_to_string (stored->state),
                               pm_job_state_to_string (args->expected));
  if (args->job->state == PM_JOB_RUNNING && stored->state != PM_JOB_RUNNING
      && !bind_running (tx, stored->id, error))
    return FALSE;
  if (args->job->state != PM_JOB_RUNNING && stored->state == PM_JOB_RUNNING)
    unbind_running (tx, stored->id);
  stored->state = args->job->state;
  stored->attempts = args->job->attempts;
  stored->next_attempt_at = args->job->next_attempt_at;
  stored->bytes_done = args->job->bytes_done;
  g_free (stored->error);
  stored->error = g_strdup (args->job->error);
  stored->updated_at = args->now;
  save_job (tx, stored);
  return TRUE;
}

typedef struct
{
  gint64      id;
  gboolean    cancel;
  const char *who;
  const char *reason;
  gint64      now;
} ActOnJob;

static gboolean
act_on_job_tx (Tx       *tx,
               gpointer  data,
               GError  **error)
{
  ActOnJob *args = data;
  g_autoptr(PmJob) job = load_job (tx, args->id, error);
  PmDecision decision;

  if (job == NULL)
    return FALSE;
  decision = (PmDecision) {
    .at = args->now, .who = (char *) args->who, .action = args->cancel ? "cancel" : "retry",
    .proposal = job->proposal, .job = args->id, .resource = job->resource, .site = job->site,
    .reason = (char *) args->reason,
  };
  if (args->cancel)
    {
      g_autoptr(PmReplica) replica = NULL;

      if (job->state != PM_JOB_QUEUED && job->state != PM_JOB_RUNNING)
        return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                                   "Job %" G_GINT64_FORMAT " is %s: only a queued or running "
                                   "job can be cancelled", args->id,
                                   pm_job_state_to_string (job->state));
      if (job->state == PM_JOB_RUNNING)
        unbind_running (tx, job->id);
      job->state = PM_JOB_CANCELLED;
      job->updated_at = args->now;
      save_job (tx, job);
      /* Nothing arrived yet: the planned replica will not come. */
      replica = load_replica (tx, job->resource, job->site, error);
      if (replica == NULL)
        return FALSE;
      if (replica->state == PM_REPLICA_PLANNED)
        {
          _pm_replica_apply_move (replica, PM_REPLICA_GONE, 0, NULL, replica->temporary, NULL,
                                  args->now);
          save_replica (tx, replica);
        }
    }
  else
    {
      gint64 active;

      if (job->state != PM_JOB_FAILED && job->state != PM_JOB_CANCELLED)
        return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                                   "Job %" G_GINT64_FORMAT " is %s: only a failed or cancelled "
                                   "job can be retried", args->id,
                                   pm_job_state_to_string (job->state));
      active = read_index (tx, "active", job->resource, job->site);
      if (active != 0)
        return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                                   "Job %" G_GINT64_FORMAT " already copies “%s” to “%s”: job %"
                                   G_GINT64_FORMAT " cannot be retried meanwhile", active,
                                   job->resource, job->site, args->id);
      job->state = PM_JOB_QUEUED;
      job->attempts = 0;
      job->next_attempt_at = 0;
      g_clear_pointer (&job->error, g_free);
      job->updated_at = args->now;
      save_job (tx, job);
      if (!plan_replica (tx, job->resource, job->site, job->version, job->sha256,
                         job->proposal != 0, args->now, error))
        return FALSE;
    }
  insert_decision (tx, &decision);
  return TRUE;
}

static gboolean
record_decision_tx (Tx       *tx,
                    gpointer  data,
                    GError  **error)
{
  insert_decision (tx, data);
  return TRUE;
}

typedef struct
{
  gint64 now;
  guint  n_reset;
} Recover;

static gboolean
recover_tx (Tx       *tx,
            gpointer  data,
            GError  **error)
{
  Recover *args = data;
  g_autoptr(GPtrArray) jobs = list_records (tx->self, "jobs", (RecordFrom) _pm_record_job_from,
                                            (GDestroyNotify) pm_job_free);
  g_autoptr(GPtrArray) replicas = list_records (tx->self, "replicas", (RecordFrom) _pm_record_replica_from,
                                                (GDestroyNotify) pm_replica_free);

  args->n_reset = 0;
  for (guint i = 0; i < jobs->len; i++)
    {
      PmJob *listed = g_ptr_array_index (jobs, i);
      g_autoptr(PmJob) job = NULL;

      if (listed->state != PM_JOB_RUNNING)
        continue;
      /* Read through the transaction, so that the commit checks it did not move. */
      job = load_job (tx, listed->id, error);
      if (job == NULL)
        return FALSE;
      /* One with a live lease is another console's, still running. */
      if (job->state != PM_JOB_RUNNING || is_bound (tx, job->id))
        continue;
      job->state = PM_JOB_QUEUED;
      job->updated_at = args->now;
      save_job (tx, job);
      args->n_reset++;
    }
  for (guint i = 0; i < replicas->len; i++)
    {
      PmReplica *listed = g_ptr_array_index (replicas, i);
      g_autoptr(PmReplica) replica = NULL;
      gint64 active;

      if (listed->state != PM_REPLICA_COPYING && listed->state != PM_REPLICA_VERIFYING)
        continue;
      replica = load_replica (tx, listed->resource, listed->site, error);
      if (replica == NULL)
        return FALSE;
      if (replica->state != PM_REPLICA_COPYING && replica->state != PM_REPLICA_VERIFYING)
        continue;
      active = read_index (tx, "active", replica->resource, replica->site);
      if (active != 0 && is_bound (tx, active))
        continue;
      replica->state = PM_REPLICA_PLANNED;
      replica->updated_at = args->now;
      save_replica (tx, replica);
      args->n_reset++;
    }
  return TRUE;
}

typedef struct
{
  GPtrArray *put;
  GPtrArray *remove;
} UpdateMarks;

static char *
key_of_mark (PmCatalogEtcd     *self,
             const PmAlertMark *mark)
{
  g_autofree char *kind = escape (mark->kind);
  g_autofree char *subject = escape (mark->subject);
  g_autofree char *id = escape (mark->subject_id);

  return g_strdup_printf ("%salert-marks/%s/%s/%s", self->prefix, kind, subject, id);
}

static gboolean
update_marks_tx (Tx       *tx,
                 gpointer  data,
                 GError  **error)
{
  UpdateMarks *args = data;

  for (guint i = 0; args->remove != NULL && i < args->remove->len; i++)
    {
      g_autofree char *key = key_of_mark (tx->self, g_ptr_array_index (args->remove, i));

      if (tx_read (tx, key) != NULL)
        tx_write (tx, key, NULL);
    }
  for (guint i = 0; args->put != NULL && i < args->put->len; i++)
    {
      const PmAlertMark *mark = g_ptr_array_index (args->put, i);
      g_autofree char *key = key_of_mark (tx->self, mark);
      g_autoptr(JsonObject) object = tx_read_object (tx, key);
      g_autoptr(PmAlertMark) stored = object != NULL ? _pm_record_mark_from (object) : NULL;
      gboolean same = stored != NULL && g_strcmp0 (stored->who, mark->who) == 0
                      && stored->at == mark->at && stored->until == mark->until
                      && g_strcmp0 (stored->reason, mark->reason) == 0;

      /* Stored again unchanged (its alert's id aside), a mark is not a new decision. */
      if (!same)
        {
          g_autofree char *log_key = key_of_id (tx->self, "alert-mark-log",
                                                tx_next_id (tx, "alert-mark-log"));

          tx_write (tx, log_key, _pm_record_mark_to_text (mark));
        }
      tx_write (tx, key, _pm_record_mark_to_text (mark));
    }
  return TRUE;
}

/* Sorting lists as the interface promises */

static int
compare_replicas (gconstpointer a,
                  gconstpointer b)
{
  const PmReplica *x = *(PmReplica *const *) a, *y = *(PmReplica *const *) b;
  int order = strcmp (x->resource, y->resource);

  return order != 0 ? order : strcmp (x->site, y->site);
}

/* Newest first: created_at, then id, descending. Proposals and jobs start with the same
 * fields in the same order, so one comparison serves both. */
#define NEWEST_FIRST(Type)                                                                         \
  static int compare_##Type (gconstpointer a, gconstpointer b)                                    \
  {                                                                                               \
    const Type *x = *(Type *const *) a, *y = *(Type *const *) b;                                  \
    if (x->created_at != y->created_at)                                                           \
      return x->created_at > y->created_at ? -1 : 1;                                              \
    return x->id > y->id ? -1 : x->id < y->id;                                                    \
  }

NEWEST_FIRST (PmProposal)
NEWEST_FIRST (PmJob)

#undef NEWEST_FIRST

static int
compare_decisions (gconstpointer a,
                   gconstpointer b)
{
  const PmDecision *x = *(PmDecision *const *) a, *y = *(PmDecision *const *) b;

  return x->id < y->id ? -1 : x->id > y->id;
}

/* Following the store */

static gboolean
read_whole (PmCatalogEtcd *self,
            GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) kvs = NULL;
  gint64 revision = 0;
  PmCatalogState state = PM_CATALOG_STATE_OK;

  kvs = pm_etcd_range_prefix (self->etcd, self->prefix, FALSE, &revision, &local_error);
  if (kvs == NULL && g_error_matches (local_error, PM_ETCD_ERROR, PM_ETCD_ERROR_UNAVAILABLE))
    {
      /* No quorum: a member's own copy is the best there is, and changes must wait. */
      g_clear_error (&local_error);
      kvs = pm_etcd_range_prefix (self->etcd, self->prefix, TRUE, &revision, &local_error);
      state = PM_CATALOG_STATE_READ_ONLY;
    }
  if (kvs == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  copy_replace (self, kvs, revision);
  self->loaded = TRUE;
  self->state = state;
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
is_stopping (PmCatalogEtcd *self)
{
  gboolean stopping;

  g_mutex_lock (&self->lock);
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);
  return stopping;
}

/* Sleeps for us, or until the catalogue closes. */
static void
pause_for (PmCatalogEtcd *self,
           gint64         us)
{
  gint64 until = g_get_monotonic_time () + us;

  g_mutex_lock (&self->lock);
  while (!self->stopping && g_cond_wait_until (&self->changed, &self->lock, until))
    ;
  g_mutex_unlock (&self->lock);
}

static gpointer
watch_thread (gpointer data)
{
  PmCatalogEtcd *self = data;
  gboolean whole;

  /* A catalogue opened while etcd could not be reached is read whole first. */
  g_mutex_lock (&self->lock);
  whole = !self->loaded;
  g_mutex_unlock (&self->lock);
  while (!is_stopping (self))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PmEtcdWatch) watch = NULL;
      gint64 start;

      if (whole && !read_whole (self, &error))
        {
          g_debug ("%s: cannot read the catalogue again: %s", self->description, error->message);
          pause_for (self, RETRY_WATCH_US);
          continue;
        }
      whole = FALSE;
      g_mutex_lock (&self->lock);
      start = self->revision + 1;
      g_mutex_unlock (&self->lock);
      watch = pm_etcd_watch_open (self->etcd, self->prefix, start, self->cancellable, NULL,
                                  &error);
      while (watch != NULL)
        {
          g_autoptr(GPtrArray) events = NULL;
          gint64 revision = 0;

          events = pm_etcd_watch_next (watch, &revision, NULL, &error);
          if (events == NULL)
            break;
          g_mutex_lock (&self->lock);
          for (guint i = 0; i < events->len; i++)
            {
              const PmEtcdEvent *event = g_ptr_array_index (events, i);

              copy_apply (self, event->kv.key,
                          event->type == PM_ETCD_EVENT_PUT ? event->kv.value : NULL,
                          event->kv.mod_revision);
              self->revision = MAX (self->revision, event->kv.mod_revision);
            }
          self->revision = MAX (self->revision, revision);
          g_cond_broadcast (&self->changed);
          g_mutex_unlock (&self->lock);
        }
      if (g_error_matches (error, PM_ETCD_ERROR, PM_ETCD_ERROR_COMPACTED))
        {
          /* The changes since the copy are gone from etcd's history: start from a whole read. */
          g_debug ("%s: %s; reading it whole again", self->description, error->message);
          whole = TRUE;
          continue;
        }
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("%s: %s; watching again", self->description, error->message);
      pause_for (self, RETRY_WATCH_US);
    }
  return NULL;
}

/* The leader key holds the console that runs jobs, bound to its lease: created only where
 * absent, so that of several consoles exactly one holds it, and gone when that console's lease
 * expires. Returns whether this console holds it. */
static gboolean
campaign (PmCatalogEtcd *self,
          gint64         lease,
          GError       **error)
{
  g_autofree char *key = g_strconcat (self->prefix, "leader", NULL);
  g_autoptr(PmEtcdKv) held = NULL;
  g_autoptr(PmEtcdTxn) txn = NULL;
  g_autoptr(JsonObject) o = json_object_new ();
  g_autofree char *value = NULL;
  gboolean succeeded = FALSE;

  if (!pm_etcd_get (self->etcd, key, &held, NULL, error))
    return FALSE;
  if (held != NULL)
    return held->lease == lease;
  _pm_record_set_string (o, "console", self->console);
  json_object_set_int_member (o, "lease", lease);
  value = _pm_record_object_to_text (o);
  txn = pm_etcd_txn_new ();
  pm_etcd_txn_expect (txn, key, 0);
  pm_etcd_txn_put (txn, key, value, lease);
  if (!pm_etcd_txn_commit (self->etcd, txn, &succeeded, NULL, error))
    return FALSE;
  return succeeded;
}

/* One round of the election: a lease held and renewed, then the leader key. */
static void
elect (PmCatalogEtcd *self)
{
  g_autoptr(GError) error = NULL;
  gint64 lease, renewed_us;
  gboolean leader = FALSE;

  g_mutex_lock (&self->lock);
  lease = self->lease;
  renewed_us = self->renewed_us;
  g_mutex_unlock (&self->lock);

  if (lease != 0 && !pm_etcd_lease_keep_alive (self->etcd, lease, NULL, &error))
    {
      if (g_error_matches (error, PM_ETCD_ERROR, PM_ETCD_ERROR_LEASE_GONE))
        lease = 0;
      g_debug ("%s: %s", self->description, error->message);
      g_clear_error (&error);
    }
  else if (lease != 0)
    renewed_us = g_get_monotonic_time ();
  if (lease == 0 && (lease = pm_etcd_lease_grant (self->etcd, LEASE_TTL_S, &error)) != 0)
    renewed_us = g_get_monotonic_time ();
  if (lease != 0 && error == NULL)
    leader = campaign (self, lease, &error);
  if (error != NULL)
    g_debug ("%s: the election: %s", self->description, error->message);
  /* Without a renewal for a lease's lifetime, another console may lead by now. */
  if (g_get_monotonic_time () - renewed_us >= (LEASE_TTL_S - 1) * G_USEC_PER_SEC)
    leader = FALSE;

  g_mutex_lock (&self->lock);
  if (leader != self->leader)
    g_message ("%s: this console %s", self->description,
               leader ? "now runs the jobs" : "no longer runs the jobs");
  self->lease = lease;
  self->renewed_us = renewed_us;
  self->leader = leader;
  g_mutex_unlock (&self->lock);
}

/* Every second: does a linearizable read (which needs a quorum) go through? Then the
 * election. */
static gpointer
probe_thread (gpointer data)
{
  PmCatalogEtcd *self = data;
  g_autofree char *key = g_strconcat (self->prefix, "counters/decisions", NULL);

  while (!is_stopping (self))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PmEtcdKv) kv = NULL;

      if (pm_etcd_get (self->etcd, key, &kv, NULL, &error))
        set_state (self, PM_CATALOG_STATE_OK);
      else if (!is_stopping (self))
        {
          g_debug ("%s: %s", self->description, error->message);
          set_state (self, PM_CATALOG_STATE_READ_ONLY);
        }
      if (!is_stopping (self))
        elect (self);
      pause_for (self, HEALTH_INTERVAL_US);
    }
  return NULL;
}

/* GObject */

static void
pm_catalog_etcd_dispose (GObject *object)
{
  PmCatalogEtcd *self = PM_CATALOG_ETCD (object);

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->lock);
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->watcher, g_thread_join);
  g_clear_pointer (&self->prober, g_thread_join);
  /* Stepping down at once: the next console need not wait for the lease to expire. */
  if (self->lease != 0 && self->etcd != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!pm_etcd_lease_revoke (self->etcd, self->lease, &error))
        g_debug ("%s: %s", self->description, error->message);
      self->lease = 0;
      self->leader = FALSE;
    }
  G_OBJECT_CLASS (pm_catalog_etcd_parent_class)->dispose (object);
}

static void
pm_catalog_etcd_finalize (GObject *object)
{
  PmCatalogEtcd *self = PM_CATALOG_ETCD (object);

  g_clear_pointer (&self->etcd, pm_etcd_free);
  g_clear_pointer (&self->copy, g_tree_destroy);
  g_clear_object (&self->cancellable);
  g_free (self->prefix);
  g_free (self->description);
  g_free (self->console);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->changed);
  G_OBJECT_CLASS (pm_catalog_etcd_parent_class)->finalize (object);
}

static void
pm_catalog_etcd_class_init (PmCatalogEtcdClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pm_catalog_etcd_dispose;
  object_class->finalize = pm_catalog_etcd_finalize;
}

static void
pm_catalog_etcd_init (PmCatalogEtcd *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->changed);
  self->copy = g_tree_new_full ((GCompareDataFunc) strcmp, NULL, g_free,
                                (GDestroyNotify) entry_free);
  self->cancellable = g_cancellable_new ();
}

/* The interface */

static const char *
pm_catalog_etcd_describe (PmCatalog *catalog)
{
  return PM_CATALOG_ETCD (catalog)->description;
}

static PmCatalogState
pm_catalog_etcd_get_state (PmCatalog *catalog)
{
  PmCatalogEtcd *self = PM_CATALOG_ETCD (catalog);
  PmCatalogState state;

  g_mutex_lock (&self->lock);
  state = self->state;
  g_mutex_unlock (&self->lock);
  return state;
}

static gboolean
pm_catalog_etcd_is_executor (PmCatalog *catalog)
{
  PmCatalogEtcd *self = PM_CATALOG_ETCD (catalog);
  gboolean leader;

  g_mutex_lock (&self->lock);
  leader = self->leader;
  g_mutex_unlock (&self->lock);
  return leader;
}

static gboolean
pm_catalog_etcd_sync_resources (PmCatalog   *catalog,
                                PmResources *resources,
                                GError     **error)
{
  SyncResources args = { resources };

  return run (PM_CATALOG_ETCD (catalog), sync_resources_tx, &args, error);
}

static gboolean
pm_catalog_etcd_add_version (PmCatalog  *catalog,
                             const char *resource,
                             const char *sha256,
                             guint64     size_bytes,
                             gint64      now,
                             PmVersion  *out,
                             gboolean   *is_new,
                             GError    **error)
{
  char digest[65];
  AddVersion args = { resource, digest, size_bytes, now, { 0 }, FALSE };

  if (!_pm_catalog_require_text (resource, "The resource", error)
      || !_pm_catalog_normalize_sha256 (sha256, digest, error))
    return FALSE;
  if (!run (PM_CATALOG_ETCD (catalog), add_version_tx, &args, error))
    {
      pm_version_clear (&args.version);
      return FALSE;
    }
  if (out != NULL)
    *out = args.version;
  else
    pm_version_clear (&args.version);
  if (is_new != NULL)
    *is_new = args.is_new;
  return TRUE;
}

static gboolean
pm_catalog_etcd_get_latest_version (PmCatalog  *catalog,
                                    const char *resource,
                                    PmVersion  *out,
                                    GError    **error)
{
  PmCatalogEtcd *self = PM_CATALOG_ETCD (catalog);
  g_autofree char *key = key_of_one (self, "latest", resource != NULL ? resource : "");
  g_autoptr(JsonObject) object = NULL;
  char *text = NULL;

  g_mutex_lock (&self->lock);
  {
    const Entry *entry = g_tree_lookup (self->copy, key);

    text = entry != NULL ? g_strdup (entry->value) : NULL;
  }
  g_mutex_unlock (&self->lock);
  object = _pm_record_parse_record (key, text);
  g_free (text);
  if (!_pm_record_version_from (object, out))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND,
                               "Resource “%s” has no version yet", resource != NULL ? resource
                                                                                     : "");
  return TRUE;
}

static GPtrArray *
pm_catalog_etcd_list_replicas (PmCatalog *catalog,
                               GError   **error)
{
  GPtrArray *replicas = list_records (PM_CATALOG_ETCD (catalog), "replicas",
                                      (RecordFrom) _pm_record_replica_from, (GDestroyNotify) pm_replica_free);

  g_ptr_array_sort (replicas, compare_replicas);
  return replicas;
}

static gboolean
pm_catalog_etcd_move_replica (PmCatalog     *catalog,
                              const char    *resource,
                              const char    *site,
                              PmReplicaState from,
                              PmReplicaState to,
                              gint64         version,
                              const char    *sha256,
                              gboolean       temporary,
                              const char    *error_text,
                              gint64         now,
                              GError       **error)
{
  char digest[65];
  MoveReplica args = { resource, site, from, to, version, digest, temporary, error_text, now };

  if (!_pm_catalog_check_move (resource, site, to, version, sha256, digest, error))
    return FALSE;
  return run (PM_CATALOG_ETCD (catalog), move_replica_tx, &args, error);
}

static gint64
pm_catalog_etcd_upsert_proposal (PmCatalog        *catalog,
                                 const PmProposal *proposal,
                                 gint64            now,
                                 GError          **error)
{
  UpsertProposal args = { proposal, now, 0 };

  if (!_pm_catalog_require_text (proposal->resource, "The proposal's resource", error)
      || !_pm_catalog_require_text (proposal->site, "The proposal's site", error))
    return 0;
  if (!(proposal->probability >= 0 && proposal->probability <= 1))
    {
      _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID, "A proposal's probability must be "
                          "within 0–1, not %g", proposal->probability);
      return 0;
    }
  return run (PM_CATALOG_ETCD (catalog), upsert_proposal_tx, &args, error) ? args.id : 0;
}

static gboolean
pm_catalog_etcd_withdraw_proposal (PmCatalog *catalog,
                                   gint64     id,
                                   gint64     now,
                                   GError   **error)
{
  Withdraw args = { id, now };

  return run (PM_CATALOG_ETCD (catalog), withdraw_tx, &args, error);
}

static GPtrArray *
pm_catalog_etcd_list_proposals (PmCatalog *catalog,
                                GError   **error)
{
  GPtrArray *proposals = list_records (PM_CATALOG_ETCD (catalog), "proposals",
                                       (RecordFrom) _pm_record_proposal_from,
                                       (GDestroyNotify) pm_proposal_free);

  g_ptr_array_sort (proposals, compare_PmProposal);
  return proposals;
}

static gint64
pm_catalog_etcd_decide (PmCatalog       *catalog,
                        gint64           proposal,
                        gboolean         approve,
                        const char      *who,
                        const char      *reason,
                        const PmJobSpec *spec,
                        gint64           now,
                        GError         **error)
{
  char digest[65];
  Decide args = { proposal, approve, who, reason, spec, digest, now, 0 };

  if (!_pm_catalog_require_text (who, "The decider's name", error)
      || (!approve && !_pm_catalog_require_text (reason, "The reason for a rejection", error))
      || (approve && !_pm_catalog_check_spec (spec, digest, error)))
    return 0;
  return run (PM_CATALOG_ETCD (catalog), decide_tx, &args, error) ? args.id : 0;
}

static gint64
pm_catalog_etcd_mirror_now (PmCatalog       *catalog,
                            const char      *resource,
                            const char      *site,
                            const char      *who,
                            const char      *reason,
                            const PmJobSpec *spec,
                            gint64           now,
                            GError         **error)
{
  char digest[65];
  MirrorNow args = { resource, site, who, reason, spec, digest, now, 0 };

  if (!_pm_catalog_require_text (resource, "The resource", error)
      || !_pm_catalog_require_text (site, "The site", error)
      || !_pm_catalog_require_text (who, "The operator's name", error)
      || !_pm_catalog_check_spec (spec, digest, error))
    return 0;
  return run (PM_CATALOG_ETCD (catalog), mirror_now_tx, &args, error) ? args.id : 0;
}

static GPtrArray *
pm_catalog_etcd_list_jobs (PmCatalog *catalog,
                           GError   **error)
{
  GPtrArray *jobs = list_records (PM_CATALOG_ETCD (catalog), "jobs", (RecordFrom) _pm_record_job_from,
                                  (GDestroyNotify) pm_job_free);

  g_ptr_array_sort (jobs, compare_PmJob);
  return jobs;
}

static PmJob *
pm_catalog_etcd_get_job (PmCatalog *catalog,
                         gint64     id,
                         GError   **error)
{
  PmCatalogEtcd *self = PM_CATALOG_ETCD (catalog);
  g_autofree char *key = key_of_id (self, "jobs", id);
  g_autoptr(JsonObject) object = NULL;
  PmJob *job;
  char *text;

  g_mutex_lock (&self->lock);
  {
    const Entry *entry = g_tree_lookup (self->copy, key);

    text = entry != NULL ? g_strdup (entry->value) : NULL;
  }
  g_mutex_unlock (&self->lock);
  object = _pm_record_parse_record (key, text);
  g_free (text);
  job = object != NULL ? _pm_record_job_from (object) : NULL;
  if (job == NULL)
    _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND, "No job %" G_GINT64_FORMAT, id);
  return job;
}

static gboolean
pm_catalog_etcd_update_job (PmCatalog   *catalog,
                            const PmJob *job,
                            PmJobState   expected,
                            gint64       now,
                            GError     **error)
{
  UpdateJob args = { job, expected, now };

  return run (PM_CATALOG_ETCD (catalog), update_job_tx, &args, error);
}

static gboolean
pm_catalog_etcd_act_on_job (PmCatalog  *catalog,
                            gint64      id,
                            const char *action,
                            const char *who,
                            const char *reason,
                            gint64      now,
                            GError    **error)
{
  ActOnJob args = { id, g_strcmp0 (action, "cancel") == 0, who, reason, now };

  if (!args.cancel && g_strcmp0 (action, "retry") != 0)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                               "Unknown action “%s” on a job: expected cancel or retry",
                               action != NULL ? action : "");
  if (!_pm_catalog_require_text (who, "The operator's name", error))
    return FALSE;
  return run (PM_CATALOG_ETCD (catalog), act_on_job_tx, &args, error);
}

static gboolean
pm_catalog_etcd_record_decision (PmCatalog        *catalog,
                                 const PmDecision *decision,
                                 GError          **error)
{
  if (!_pm_catalog_check_decision (decision, error))
    return FALSE;
  return run (PM_CATALOG_ETCD (catalog), record_decision_tx, (gpointer) decision, error);
}

static GPtrArray *
pm_catalog_etcd_list_decisions (PmCatalog *catalog,
                                GError   **error)
{
  GPtrArray *decisions = list_records (PM_CATALOG_ETCD (catalog), "decisions",
                                       (RecordFrom) _pm_record_decision_from,
                                       (GDestroyNotify) pm_decision_free);

  g_ptr_array_sort (decisions, compare_decisions);
  return decisions;
}

static gboolean
pm_catalog_etcd_recover (PmCatalog *catalog,
                         gint64     now,
                         guint     *n_reset,
                         GError   **error)
{
  Recover args = { now, 0 };

  if (!run (PM_CATALOG_ETCD (catalog), recover_tx, &args, error))
    return FALSE;
  if (n_reset != NULL)
    *n_reset = args.n_reset;
  return TRUE;
}

static GPtrArray *
pm_catalog_etcd_list_alert_marks (PmCatalog *catalog,
                                  GError   **error)
{
  /* Keys sort by kind, subject and subject id, as the interface lists them. */
  return list_records (PM_CATALOG_ETCD (catalog), "alert-marks", (RecordFrom) _pm_record_mark_from,
                       (GDestroyNotify) pm_alert_mark_free);
}

static gboolean
pm_catalog_etcd_update_alert_marks (PmCatalog *catalog,
                                    GPtrArray *put,
                                    GPtrArray *remove,
                                    GError   **error)
{
  UpdateMarks args = { put, remove };

  if (!_pm_catalog_check_alert_marks (put, remove, error))
    return FALSE;
  return run (PM_CATALOG_ETCD (catalog), update_marks_tx, &args, error);
}

static GPtrArray *
pm_catalog_etcd_list_alert_mark_log (PmCatalog *catalog,
                                     GError   **error)
{
  /* Keys sort by id: oldest first. */
  return list_records (PM_CATALOG_ETCD (catalog), "alert-mark-log", (RecordFrom) _pm_record_mark_from,
                       (GDestroyNotify) pm_alert_mark_free);
}

static void
pm_catalog_etcd_iface_init (PmCatalogInterface *iface)
{
  iface->describe = pm_catalog_etcd_describe;
  iface->sync_resources = pm_catalog_etcd_sync_resources;
  iface->add_version = pm_catalog_etcd_add_version;
  iface->get_latest_version = pm_catalog_etcd_get_latest_version;
  iface->list_replicas = pm_catalog_etcd_list_replicas;
  iface->move_replica = pm_catalog_etcd_move_replica;
  iface->upsert_proposal = pm_catalog_etcd_upsert_proposal;
  iface->withdraw_proposal = pm_catalog_etcd_withdraw_proposal;
  iface->list_proposals = pm_catalog_etcd_list_proposals;
  iface->decide = pm_catalog_etcd_decide;
  iface->mirror_now = pm_catalog_etcd_mirror_now;
  iface->list_jobs = pm_catalog_etcd_list_jobs;
  iface->get_job = pm_catalog_etcd_get_job;
  iface->update_job = pm_catalog_etcd_update_job;
  iface->act_on_job = pm_catalog_etcd_act_on_job;
  iface->record_decision = pm_catalog_etcd_record_decision;
  iface->list_decisions = pm_catalog_etcd_list_decisions;
  iface->recover = pm_catalog_etcd_recover;
  iface->list_alert_marks = pm_catalog_etcd_list_alert_marks;
  iface->update_alert_marks = pm_catalog_etcd_update_alert_marks;
  iface->list_alert_mark_log = pm_catalog_etcd_list_alert_mark_log;
  iface->get_state = pm_catalog_etcd_get_state;
  iface->is_executor = pm_catalog_etcd_is_executor;
}

/* Public API */

PmCatalog *
pm_catalog_etcd_open (const char *uri,
                      GError    **error)
{
  g_autoptr(PmCatalogEtcd) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) endpoints = NULL;
  g_autofree char *list = NULL;
  const char *rest, *query;

  g_return_val_if_fail (uri != NULL, NULL);

  if (!g_str_has_prefix (uri, "etcd:"))
    {
      _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                          "“%s” is not an etcd catalogue: expected etcd:http://HOST:PORT,…", uri);
      return NULL;
    }
  rest = uri + strlen ("etcd:");
  query = strchr (rest, '?');
  list = g_strndup (rest, query != NULL ? (gsize) (query - rest) : strlen (rest));
  endpoints = g_strsplit (list, ",", -1);

  self = g_object_new (PM_TYPE_CATALOG_ETCD, NULL);
  self->description = g_strdup (uri);
  if (query == NULL)
    self->prefix = g_strdup (PM_CATALOG_ETCD_DEFAULT_PREFIX);
  else if (g_str_has_prefix (query, "?prefix=/") && strchr (query, '&') == NULL)
    self->prefix = g_str_has_suffix (query, "/") ? g_strdup (query + strlen ("?prefix="))
                                                 : g_strconcat (query + strlen ("?prefix="),
                                                                "/", NULL);
  else
    {
      _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                          "After the etcd endpoints only ?prefix=/PATH/ may follow, not “%s”",
                          query);
      return NULL;
    }
  self->etcd = pm_etcd_new ((const char *const *) endpoints, REQUEST_TIMEOUT_S, &local_error);
  if (self->etcd == NULL)
    {
      _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID, "%s", local_error->message);
      return NULL;
    }
  if (!read_whole (self, &local_error)
      && g_error_matches (local_error, PM_ETCD_ERROR, PM_ETCD_ERROR_UNAVAILABLE))
    {
      /* No member answers (yet): the console starts, says so, and reads the catalogue as soon
       * as one does, as it would after losing them later. */
      g_message ("%s cannot be reached (%s); it is read as soon as a member answers", uri,
                 local_error->message);
      g_clear_error (&local_error);
      self->state = PM_CATALOG_STATE_UNREACHABLE;
    }
  else if (local_error != NULL)
    {
      _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND, "Cannot read the shared catalogue "
                          "%s: %s", uri, local_error->message);
      return NULL;
    }
  self->console = g_strdup_printf ("%s:%d", g_get_host_name (), (int) getpid ());
  /* The first round before returning: a console alone on the catalogue runs its jobs from
   * the first tick. (Unreached, the probe runs it once etcd answers.) */
  if (self->loaded)
    elect (self);
  self->watcher = g_thread_new ("pm-catalog-watch", watch_thread, self);
  self->prober = g_thread_new ("pm-catalog-probe", probe_thread, self);
  return PM_CATALOG (g_steal_pointer (&self));
}

/* Import */

#define IMPORT_BATCH 100   /* keys per transaction: etcd allows 128 operations in one */

typedef struct
{
  GPtrArray *keys;
  GPtrArray *values;
} Records;

static void
records_add (Records *records,
             char    *key,
             char    *value)
{
  g_ptr_array_add (records->keys, key);
  g_ptr_array_add (records->values, value);
}

static void
add_counter (PmCatalogEtcd *self,
             Records       *records,
             const char    *kind,
             gint64         last)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_int_member (o, "last", last);
  records_add (records, key_of_one (self, "counters", kind), _pm_record_object_to_text (o));
}

/* Everything from holds, as keys and values of this layout. */
static gboolean
collect_records (PmCatalogEtcd *self,
                 PmCatalog     *from,
                 PmResources   *resources,
                 Records       *records,
                 GError       **error)
{
  g_autoptr(GPtrArray) replicas = pm_catalog_list_replicas (from, error);
  g_autoptr(GPtrArray) proposals = replicas != NULL ? pm_catalog_list_proposals (from, error)
                                                    : NULL;
  g_autoptr(GPtrArray) jobs = proposals != NULL ? pm_catalog_list_jobs (from, error) : NULL;
  g_autoptr(GPtrArray) decisions = jobs != NULL ? pm_catalog_list_decisions (from, error) : NULL;
  g_autoptr(GPtrArray) marks = decisions != NULL ? pm_catalog_list_alert_marks (from, error)
                                                 : NULL;
  g_autoptr(GPtrArray) log = marks != NULL ? pm_catalog_list_alert_mark_log (from, error) : NULL;
  gint64 last_proposal = 0, last_job = 0, last_decision = 0;

  if (log == NULL)
    return FALSE;
  for (guint i = 0; i < pm_resources_get_n_resources (resources); i++)
    {
      const char *id = pm_resources_get_resource (resources, i)->id;
      PmVersion version = { 0 };
      g_autofree char *r = escape (id);

      if (!pm_catalog_get_latest_version (from, id, &version, NULL))
        continue;
      records_add (records, g_strdup_printf ("%sversions/%s/%016" G_GINT64_FORMAT, self->prefix,
                                             r, version.version),
                   _pm_record_version_to_text (&version));
      records_add (records, key_of_one (self, "latest", id), _pm_record_version_to_text (&version));
      pm_version_clear (&version);
    }
  for (guint i = 0; i < replicas->len; i++)
    {
      PmReplica *replica = g_ptr_array_index (replicas, i);

      records_add (records, key_of_pair (self, "replicas", replica->resource, replica->site),
                   _pm_record_replica_to_text (replica));
    }
  for (guint i = 0; i < proposals->len; i++)
    {
      PmProposal *proposal = g_ptr_array_index (proposals, i);

      records_add (records, key_of_id (self, "proposals", proposal->id),
                   _pm_record_proposal_to_text (proposal));
      if (proposal->state == PM_PROPOSAL_PENDING)
        records_add (records, key_of_pair (self, "pending", proposal->resource, proposal->site),
                     _pm_record_id_to_text (proposal->id));
      last_proposal = MAX (last_proposal, proposal->id);
    }
  for (guint i = 0; i < jobs->len; i++)
    {
      PmJob *job = g_ptr_array_index (jobs, i);

      records_add (records, key_of_id (self, "jobs", job->id), _pm_record_job_to_text (job));
      if (job->state == PM_JOB_QUEUED || job->state == PM_JOB_RUNNING)
        records_add (records, key_of_pair (self, "active", job->resource, job->site),
                     _pm_record_id_to_text (job->id));
      last_job = MAX (last_job, job->id);
    }
  for (guint i = 0; i < decisions->len; i++)
    {
      PmDecision *decision = g_ptr_array_index (decisions, i);

      records_add (records, key_of_id (self, "decisions", decision->id),
                   _pm_record_decision_to_text (decision));
      last_decision = MAX (last_decision, decision->id);
    }
  for (guint i = 0; i < marks->len; i++)
    records_add (records, key_of_mark (self, g_ptr_array_index (marks, i)),
                 _pm_record_mark_to_text (g_ptr_array_index (marks, i)));
  for (guint i = 0; i < log->len; i++)
    records_add (records, key_of_id (self, "alert-mark-log", i + 1),
                 _pm_record_mark_to_text (g_ptr_array_index (log, i)));
  add_counter (self, records, "proposals", last_proposal);
  add_counter (self, records, "jobs", last_job);
  add_counter (self, records, "decisions", last_decision);
  add_counter (self, records, "alert-mark-log", log->len);
  return TRUE;
}

gboolean
pm_catalog_etcd_import (PmCatalogEtcd *self,
                        PmCatalog     *from,
                        PmResources   *resources,
                        guint         *n_records,
                        GError       **error)
{
  Records records = { g_ptr_array_new_with_free_func (g_free),
                      g_ptr_array_new_with_free_func (g_free) };
  gboolean ok = FALSE;
  guint n = 0;

  g_return_val_if_fail (PM_IS_CATALOG_ETCD (self), FALSE);

  if (!pm_catalog_sync_resources (PM_CATALOG (self), resources, error)
      || !collect_records (self, from, resources, &records, error))
    goto out;
  for (guint i = 0; i < records.keys->len; i += IMPORT_BATCH)
    {
      g_autoptr(PmEtcdTxn) txn = pm_etcd_txn_new ();
      g_autoptr(GError) etcd_error = NULL;
      gboolean succeeded = FALSE;
      gint64 revision = 0;

      for (guint j = i; j < MIN (i + IMPORT_BATCH, records.keys->len); j++)
        {
          const char *key = records.keys->pdata[j];
          const char *value = records.values->pdata[j];
          g_autofree char *held = NULL;
          gint64 held_revision = 0;

          g_mutex_lock (&self->lock);
          {
            const Entry *entry = g_tree_lookup (self->copy, key);

            if (entry != NULL && entry->value != NULL)
              {
                held = g_strdup (entry->value);
                held_revision = entry->mod_revision;
              }
          }
          g_mutex_unlock (&self->lock);
          /* An import run again after it was cut short finds what it wrote. */
          if (g_strcmp0 (held, value) == 0)
            continue;
          /* A counter only moves up: ids given out there stay given out. */
          if (held != NULL && g_str_has_prefix (key + strlen (self->prefix), "counters/"))
            {
              g_autoptr(JsonObject) h = _pm_record_parse_record (key, held);
              g_autoptr(JsonObject) v = _pm_record_parse_record (key, value);

              if (h != NULL && v != NULL && _pm_record_get_int (h, "last") >= _pm_record_get_int (v, "last"))
                continue;
            }
          /* The counters are the only keys an import may overwrite (an empty catalogue's
           * first start sets none yet); anything else there is another console's work. */
          if (held != NULL && !g_str_has_prefix (key + strlen (self->prefix), "counters/")
              && !g_str_has_prefix (key + strlen (self->prefix), "resources/"))
            {
              _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                                  "The shared catalogue %s already holds %s with other content: "
                                  "import only into an empty catalogue (or another prefix)",
                                  self->description, key);
              goto out;
            }
          pm_etcd_txn_expect (txn, key, held_revision);
          pm_etcd_txn_put (txn, key, value, 0);
          n++;
        }
      if (pm_etcd_txn_is_empty (txn))
        continue;
      if (!pm_etcd_txn_commit (self->etcd, txn, &succeeded, &revision, &etcd_error))
        {
          fail_from_etcd (self, etcd_error, error);
          goto out;
        }
      if (!succeeded)
        {
          _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                              "Another console wrote to %s during the import: nothing of this "
                              "batch was written; run the import again", self->description);
          goto out;
        }
      g_mutex_lock (&self->lock);
      for (guint j = i; j < MIN (i + IMPORT_BATCH, records.keys->len); j++)
        copy_apply (self, records.keys->pdata[j], records.values->pdata[j], revision);
      g_mutex_unlock (&self->lock);
    }
  ok = TRUE;
  if (n_records != NULL)
    *n_records = n;
out:
  g_ptr_array_unref (records.keys);
  g_ptr_array_unref (records.values);
  return ok;
}

gint64
pm_catalog_etcd_get_revision (PmCatalogEtcd *self)
{
  gint64 revision;

  g_return_val_if_fail (PM_IS_CATALOG_ETCD (self), 0);
  g_mutex_lock (&self->lock);
  revision = self->revision;
  g_mutex_unlock (&self->lock);
  return revision;
}
