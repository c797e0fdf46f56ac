/* pm-truth.h: ground-truth partitions, as the simulator logs them and the truth JSON of the
 * design stores them: {"partitions": [{"segment", "start", "end", "kind", "foreseeable"}]}.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-topology.h"

G_BEGIN_DECLS

typedef enum
{
  PM_PARTITION_DEGRADATION,
  PM_PARTITION_WEATHER,
  PM_PARTITION_MAINTENANCE,
  PM_PARTITION_SUDDEN,
  PM_PARTITION_N_KINDS
} PmPartitionKind;

typedef struct
{
  guint           segment;  /* index in the topology */
  gint64          start_s;
  gint64          end_s;
  PmPartitionKind kind;
  gboolean        foreseeable;
} PmPartition;

const char *pm_partition_kind_to_string   (PmPartitionKind kind);
gboolean    pm_partition_kind_from_string (const char      *text,
                                           PmPartitionKind *kind);

/* Serialises partitions (an array of PmPartition) as truth JSON, segment ids from topology. */
char       *pm_truth_to_json              (PmTopology   *topology,
                                           const GArray *partitions);
/* Parses truth JSON; errors name the file, the entry index and the field. */
GArray     *pm_truth_load_file            (PmTopology *topology,
                                           const char *path,
                                           GError    **error);

G_END_DECLS
