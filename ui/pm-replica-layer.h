/* pm-replica-layer.h: where one resource lives: its origin and each replica with its state.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

#include "mirror/pm-catalog.h"
#include "model/pm-topology.h"

G_BEGIN_DECLS

typedef struct
{
  guint          site;
  gboolean       origin;
  PmReplicaState state;  /* ignored for the origin */
} PmReplicaMark;

#define PM_TYPE_REPLICA_LAYER (pm_replica_layer_get_type ())
G_DECLARE_FINAL_TYPE (PmReplicaLayer, pm_replica_layer, PM, REPLICA_LAYER, ShumateLayer)

PmReplicaLayer *pm_replica_layer_new            (ShumateViewport *viewport);
void            pm_replica_layer_set_marks      (PmReplicaLayer      *self,
                                                 PmTopology          *topology,
                                                 const PmReplicaMark *marks,
                                                 guint                n_marks);
guint           pm_replica_layer_get_n_replicas (PmReplicaLayer *self);
const char     *pm_replica_state_to_label       (PmReplicaState state);

G_END_DECLS
