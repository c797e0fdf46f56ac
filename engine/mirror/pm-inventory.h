/* pm-inventory.h: the resources' files at their origin and the versions they make: a new origin
 * file (a new digest) is a new version, recorded in the catalogue with its SHA-256.
 *
 * Scanning and creating files are blocking and run in a worker thread; an inventory is used by
 * one thread at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-resources.h"
#include "pm-catalog.h"

G_BEGIN_DECLS

typedef struct _PmInventory PmInventory;

PmInventory *pm_inventory_new               (PmResources *resources,
                                             const char  *data_dir);
void         pm_inventory_free              (PmInventory *self);

/* The origin's copy of a resource: <origin storage folder>/<resource id>. NULL (with an error)
 * when the origin's storage is not a local folder. */
char        *pm_inventory_origin_path       (PmInventory *self,
                                             guint        resource,
                                             GError     **error);

/* Writes every missing origin file with deterministic content of the resource's size (through
 * a temporary name, so a kill leaves no short file behind). The demo does this on first start. */
gboolean     pm_inventory_create_demo_files (PmInventory  *self,
                                             GCancellable *cancellable,
                                             GError      **error);

/* Hashes origin files that are new or changed since the last scan (size, modification time,
 * inode) and records their versions. A missing or unreadable file is skipped and named in
 * *problems (one line each; NULL when none); the other resources are still scanned.
 * *n_new counts new versions. */
gboolean     pm_inventory_scan              (PmInventory  *self,
                                             PmCatalog    *catalog,
                                             gint64        now,
                                             guint        *n_new,
                                             char        **problems,
                                             GCancellable *cancellable,
                                             GError      **error);

/* Fills buffer with the demo content of a resource starting at byte offset (a multiple of 8):
 * a SplitMix64 stream seeded by the resource id, the same on every machine. */
void         pm_inventory_demo_content      (const char *resource_id,
                                             guint64     offset,
                                             guint8     *buffer,
                                             gsize       length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmInventory, pm_inventory_free)

G_END_DECLS
