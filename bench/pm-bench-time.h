/* pm-bench-time.h: how the benchmarks time their runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

/* CPU time of this thread: "one core" even on a busy machine. */
double pm_bench_cpu_seconds (void);

/* The median of the n times in v, which it sorts in place (v[0] is then the fastest run and
 * v[n - 1] the slowest). */
double pm_bench_median      (double *v,
                             guint   n);
