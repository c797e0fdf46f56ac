/* pm-catalog-open.h: a catalogue from its URI, as --catalog and --import-catalog give it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-catalog.h"

G_BEGIN_DECLS

/* "sqlite:PATH" or "etcd:http://H:P,…[?prefix=/PATH/]"; INVALID for anything else. */
PmCatalog *pm_catalog_open   (const char *uri,
                              GError    **error);

/* Copies everything the catalogue at from_uri holds (resources' newest versions, replicas, proposals, jobs,
 * decisions, alert marks and their log) into into, a shared catalogue, keeping ids and states.
 * Nothing into holds is overwritten: a record there with other content is a CONFLICT (import
 * into an empty catalogue or another prefix). An import cut short can be run again.
 * *n_records counts the records written. */
gboolean   pm_catalog_import (PmCatalog   *into,
                              const char  *from_uri,
                              PmResources *resources,
                              guint       *n_records,
                              GError     **error);

G_END_DECLS
