/* pm-consistency.c: strong, bounded and eventual replicas.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-consistency.h"

gboolean
pm_consistency_is_outdated (const PmResource *resource,
                            gint64            version,
                            const PmVersion  *latest,
                            gint64            now)
{
  if (latest == NULL || version >= latest->version)
    return FALSE;
  switch (resource->consistency)
    {
    case PM_CONSISTENCY_STRONG:
      return TRUE;
    case PM_CONSISTENCY_BOUNDED:
      /* The replica has lagged since the newest version appeared, at the latest; with several
       * versions in between it may have lagged longer, which only the version history knows. */
      return now - latest->created_at > resource->staleness_s;
    case PM_CONSISTENCY_EVENTUAL:
    default:
      return FALSE;
    }
}

gboolean
pm_consistency_can_serve (const PmResource *resource,
                          const PmReplica  *replica,
                          const PmVersion  *latest,
                          gint64            now)
{
  return replica->state == PM_REPLICA_IN_SYNC && replica->verified_at > 0
         && !pm_consistency_is_outdated (resource, replica->version, latest, now);
}
