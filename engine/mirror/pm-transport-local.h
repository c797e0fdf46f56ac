/* pm-transport-local.h: replicas in a local directory (the demo's edges, a mounted share).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-transport.h"

G_BEGIN_DECLS

#define PM_TYPE_TRANSPORT_LOCAL (pm_transport_local_get_type ())
G_DECLARE_FINAL_TYPE (PmTransportLocal, pm_transport_local, PM, TRANSPORT_LOCAL, GObject)

/* The directory (relative paths are taken from the current directory) is created, with its
 * parents, by the first put. */
PmTransport *pm_transport_local_new           (const char       *directory);
const char  *pm_transport_local_get_directory (PmTransportLocal *self);

G_END_DECLS
