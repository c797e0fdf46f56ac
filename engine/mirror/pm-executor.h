/* pm-executor.h: runs the catalogue's queued jobs: highest priority first, then earliest
 * deadline, within a global and a per-site concurrency limit; each transfer in a worker thread
 * through the target site's transport; transient failures retried with exponential backoff and
 * jitter, permanent ones reported with the server's answer.
 *
 * The catalogue is the source of truth: the executor keeps nothing that a restart needs. Polling
 * and completion run on the thread that owns the executor (the engine's); progress is readable
 * from any thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-resources.h"
#include "pm-catalog.h"
#include "pm-inventory.h"
#include "pm-transport.h"

G_BEGIN_DECLS

typedef struct
{
  guint  max_jobs;           /* running at once, all sites; default 4 */
  guint  max_jobs_per_site;  /* running at once into one site; default 2 */
  guint  max_attempts;       /* a job fails for good after this many transient failures; 6 */
  double backoff_s;          /* first retry after this many (real) seconds, doubling; 5 */
  double backoff_max_s;      /* 600 */
} PmExecutorParams;

typedef struct
{
  guint64 bytes_done;
  guint64 bytes_total;
  double  rate_bps;     /* bytes per real second since the transfer started */
  double  eta_s;        /* real seconds left at that rate; NAN when unknown */
  gboolean verifying;   /* the bytes are sent; what arrived is being checked */
} PmJobProgress;

typedef struct _PmExecutor PmExecutor;

void        pm_executor_params_init      (PmExecutorParams *params);

PmExecutor *pm_executor_new              (PmCatalog              *catalog,
                                          PmResources            *resources,
                                          PmInventory            *inventory,
                                          const char             *data_dir,
                                          const PmExecutorParams *params);
/* Cancels running transfers; jobs stay running in the catalogue, to be resumed on next start. */
void        pm_executor_free             (PmExecutor *self);

/* Starts what may start and cancels what an operator cancelled. now is the engine's clock (for
 * the catalogue), speed its rate (backoff waits count in real seconds). */
void        pm_executor_poll             (PmExecutor *self,
                                          gint64      now,
                                          double      speed);
/* Removes a replica's file and marks it gone (in_sync/stale → retiring → gone). */
gboolean    pm_executor_retire           (PmExecutor *self,
                                          const char *resource,
                                          const char *site,
                                          gint64      now,
                                          GError    **error);

/* Live progress of a running job (thread-safe); FALSE when it is not running here. */
gboolean    pm_executor_get_progress     (PmExecutor    *self,
                                          gint64         job,
                                          PmJobProgress *out);
/* Measured throughput into a site (bytes per real second, smoothed over its transfers); 0 when
 * nothing was measured yet. Thread-safe. */
double      pm_executor_get_throughput   (PmExecutor *self,
                                          guint       site);
guint       pm_executor_get_n_running    (PmExecutor *self);

/* Storage bytes a site's replicas take or will take (planned to stale; not retiring or gone). */
guint64     pm_executor_used_bytes       (PmExecutor *self,
                                          GPtrArray  *replicas,
                                          guint       site);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmExecutor, pm_executor_free)

G_END_DECLS
