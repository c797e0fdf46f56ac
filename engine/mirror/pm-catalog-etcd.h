/* pm-catalog-etcd.h: the replica catalogue shared by several consoles in etcd, through its v3
 * JSON gateway.
 *
 * Key layout, under the prefix (default "/premirror/"); every value is a JSON object, every id
 * and version written as 16 decimal digits so that keys sort as numbers, and resource and site
 * ids URI-escaped:
 *
 *   resources/RESOURCE            the inventory's metadata
 *   versions/RESOURCE/VERSION     every version of a resource's origin file
 *   latest/RESOURCE               the newest of them
 *   replicas/RESOURCE/SITE        a replica and its state
 *   proposals/ID                  a proposal
 *   pending/RESOURCE/SITE         {"id"}: the pending proposal for the pair (at most one)
 *   jobs/ID                       a job of the journal
 *   active/RESOURCE/SITE          {"id"}: the queued or running job for the pair (at most one)
 *   decisions/ID                  the audit trail
 *   alert-marks/KIND/SUBJECT/ID   an acknowledgement or silence in force
 *   alert-mark-log/ID             every mark made
 *   counters/NAME                 {"last"}: the last id given to proposals, jobs, decisions, …
 *
 * Every change is one etcd transaction that compares the mod_revision of every key it read (a
 * key read as absent must still have version 0) and writes only if none moved: of two consoles
 * deciding one proposal, exactly one commits, and the other reads the decision on its retry.
 *
 * Reads are served from a copy of the prefix kept in memory: read whole at start, then kept up
 * to date by one watch stream, resumed after the last revision seen when it breaks and read
 * whole again when etcd compacted the revisions it needed. When the cluster loses its quorum
 * the copy stays (the last known state) and the catalogue becomes READ_ONLY until a member
 * answers a linearizable read again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-catalog.h"

G_BEGIN_DECLS

#define PM_CATALOG_ETCD_DEFAULT_PREFIX "/premirror/"

#define PM_TYPE_CATALOG_ETCD (pm_catalog_etcd_get_type ())
G_DECLARE_FINAL_TYPE (PmCatalogEtcd, pm_catalog_etcd, PM, CATALOG_ETCD, GObject)

/* uri: "etcd:http://H:P,http://H:P,…[?prefix=/PATH/]". Reads the whole prefix once (so that
 * it fails with BACKEND when no member answers) and starts watching it. */
PmCatalog *pm_catalog_etcd_open     (const char *uri,
                                     GError    **error);

/* Copies from (see pm_catalog_import) key by key, at most 100 keys per transaction, each key
 * created only if absent; a key that already holds what would be written is skipped, so an
 * import cut short can run again. CONFLICT when a key holds something else. */
gboolean   pm_catalog_etcd_import   (PmCatalogEtcd *self,
                                     PmCatalog     *from,
                                     PmResources   *resources,
                                     guint         *n_records,
                                     GError       **error);
/* No proposal, job or decision yet. */

/* The revision of the store the in-memory copy is complete up to. */
gint64     pm_catalog_etcd_get_revision (PmCatalogEtcd *self);

G_END_DECLS
