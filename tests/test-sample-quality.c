/* test-sample-quality.c: missing data is not health. Impossible values, duplicates, late and
 * too-old samples are flagged and counted, and never read back as measurements.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-util.h"
#include "telemetry/pm-series.h"

static PmSeriesStore *
new_store (void)
{
  return pm_series_store_new (1, 10, 100);
}

static void
test_quality_impossible_values (void)
{
  g_autoptr(PmSeriesStore) store = new_store ();
  const PmSample negative = { -3.0f, 0.1f, 0.0f };
  const PmSample absurd = { 1e9f, 1e9f, 7.0f };
  const PmSample infinite = { INFINITY, 0.1f, -0.5f };
  PmSample out;

  g_assert_true (pm_series_store_push (store, 0, 0, &negative));
  g_assert_true (pm_series_store_get (store, 0, 0, &out));  /* jitter and loss remain */
  g_assert_true (isnan (out.latency_ms));
  g_assert_cmpfloat (out.loss_ratio, ==, 0);

  /* Nothing left: the step reads as no data, not as a healthy zero. */
  g_assert_true (pm_series_store_push (store, 0, 10, &absurd));
  g_assert_false (pm_series_store_get (store, 0, 10, &out));
  g_assert_true (isnan (out.latency_ms) && isnan (out.jitter_ms) && isnan (out.loss_ratio));

  g_assert_true (pm_series_store_push (store, 0, 20, &infinite));
  g_assert_true (isnan (out.latency_ms));
  g_assert_cmpuint (pm_series_store_get_quality (store, 0)->invalid_fields, ==, 3);
}

static void
test_quality_nan_is_missing_not_invalid (void)
{
  g_autoptr(PmSeriesStore) store = new_store ();
  const PmSample no_answer = { NAN, NAN, 1.0f };
  PmSample out;

  g_assert_true (pm_series_store_push (store, 0, 0, &no_answer));
  g_assert_true (pm_series_store_get (store, 0, 0, &out));
  g_assert_cmpfloat (out.loss_ratio, ==, 1);
  g_assert_cmpuint (pm_series_store_get_quality (store, 0)->invalid_fields, ==, 0);
}

static void
test_quality_duplicates_and_order (void)
{
  g_autoptr(PmSeriesStore) store = new_store ();
  const PmSample a = { 5.0f, 0.1f, 0.0f }, b = { 6.0f, 0.1f, 0.0f };
  const PmSeriesQuality *quality = pm_series_store_get_quality (store, 0);
  PmSample out;

  pm_series_store_push (store, 0, 100, &a);
  pm_series_store_push (store, 0, 100, &b);   /* duplicate: the later wins */
  g_assert_true (pm_series_store_get (store, 0, 100, &out));
  g_assert_cmpfloat (out.latency_ms, ==, 6);
  g_assert_cmpuint (quality->duplicates, ==, 1);

  pm_series_store_push (store, 0, 130, &a);   /* leaves a gap at 110 and 120 */
  g_assert_false (pm_series_store_get (store, 0, 110, &out));
  pm_series_store_push (store, 0, 110, &b);   /* late, inside the window */
  g_assert_true (pm_series_store_get (store, 0, 110, &out));
  g_assert_cmpuint (quality->out_of_order, ==, 1);

  pm_series_store_push (store, 0, 80, &b);    /* before the oldest step, still inside */
  g_assert_cmpuint (quality->out_of_order, ==, 2);

  g_assert_false (pm_series_store_push (store, 0, -1000, &a));  /* too old */
  g_assert_cmpuint (quality->too_old, ==, 1);
  g_assert_cmpuint (quality->duplicates, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sample-quality/impossible-values", test_quality_impossible_values);
  g_test_add_func ("/sample-quality/nan-is-missing-not-invalid",
                   test_quality_nan_is_missing_not_invalid);
  g_test_add_func ("/sample-quality/duplicates-and-order", test_quality_duplicates_and_order);

  return g_test_run ();
}
