/* pm-consistency.h: which replicas may serve, by the resource's consistency level. One rule for
 * the planner, the router and the catalogue's staleness marking.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/pm-resources.h"
#include "pm-catalog.h"

G_BEGIN_DECLS

/* Whether a replica holding `version` lags the origin past what the consistency level allows:
 * strong — any newer version at once; bounded — a newer version older than staleness_s;
 * eventual — never. latest is the resource's newest version (NULL: none known, nothing lags). */
gboolean pm_consistency_is_outdated (const PmResource *resource,
                                     gint64            version,
                                     const PmVersion  *latest,
                                     gint64            now);

/* In sync, verified, and not outdated. */
gboolean pm_consistency_can_serve   (const PmResource *resource,
                                     const PmReplica  *replica,
                                     const PmVersion  *latest,
                                     gint64            now);

G_END_DECLS
