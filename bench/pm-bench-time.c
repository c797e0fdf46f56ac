/* pm-bench-time.c: how the benchmarks time their runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-bench-time.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

double
pm_bench_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static int
compare_doubles (const void *x,
                 const void *y)
{
  double a = *(const double *) x, b = *(const double *) y;

  return a < b ? -1 : a > b;
}

double
pm_bench_median (double *v,
                 guint   n)
{
  if (n == 0)
    return NAN;
  qsort (v, n, sizeof (double), compare_doubles);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
