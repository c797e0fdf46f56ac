/* test-series.c: the per-segment ring buffers: windows, gaps, late and stale samples.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-series.h"

#define STEP 10
#define CAPACITY 10

static PmSample
sample (float latency)
{
  return (PmSample) { latency, latency / 10, 0 };
}

static void
push (PmSeriesStore *store,
      guint          segment,
      gint64         time_s,
      float          latency)
{
  PmSample s = sample (latency);
  g_assert_true (pm_series_store_push (store, segment, time_s, &s));
}

static void
assert_latency (PmSeriesStore *store,
                guint          segment,
                gint64         time_s,
                float          latency)
{
  PmSample out;

  if (!pm_series_store_get (store, segment, time_s, &out))
    g_error ("segment %u at %" G_GINT64_FORMAT " s: no data, expected latency %g", segment,
             time_s, latency);
  g_assert_cmpfloat (out.latency_ms, ==, latency);
  g_assert_cmpfloat (out.jitter_ms, ==, latency / 10);
  g_assert_cmpfloat (out.loss_ratio, ==, 0);
}

static void
assert_no_data (PmSeriesStore *store,
                guint          segment,
                gint64         time_s)
{
  PmSample out = { 1, 2, 3 };

  if (pm_series_store_get (store, segment, time_s, &out))
    g_error ("segment %u at %" G_GINT64_FORMAT " s: latency %g, expected no data", segment,
             time_s, out.latency_ms);
  g_assert_true (isnan (out.latency_ms));
  g_assert_true (isnan (out.jitter_ms));
  g_assert_true (isnan (out.loss_ratio));
}

static PmSeriesStore *
small_store (void)
{
  PmSeriesStore *store = pm_series_store_new (3, STEP, STEP * CAPACITY);

  g_assert_cmpuint (pm_series_store_get_capacity (store), ==, CAPACITY);
  return store;
}

static void
test_push_get (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();
  PmSample no_answer = { NAN, NAN, 1 };
  PmSample out;

  g_assert_cmpuint (pm_series_store_get_n_segments (store), ==, 3);
  g_assert_cmpint (pm_series_store_get_step (store), ==, STEP);

  assert_no_data (store, 0, 1000);
  push (store, 0, 1000, 12.5f);
  assert_latency (store, 0, 1000, 12.5f);
  /* Any time inside the step reads the step; times need not be aligned. */
  assert_latency (store, 0, 1009, 12.5f);
  assert_no_data (store, 0, 999);
  assert_no_data (store, 0, 1010);
  /* Segments are independent. */
  assert_no_data (store, 1, 1000);
  assert_no_data (store, 2, 1000);

  /* A second sample in the same step replaces the first. */
  push (store, 0, 1004, 13.0f);
  assert_latency (store, 0, 1000, 13.0f);

  /* A probe without an answer is data (total loss), not a gap. */
  g_assert_true (pm_series_store_push (store, 1, 1000, &no_answer));
  g_assert_true (pm_series_store_get (store, 1, 1000, &out));
  g_assert_true (isnan (out.latency_ms));
  g_assert_cmpfloat (out.loss_ratio, ==, 1);

  /* An explicit no-data sample is stored as such. */
  g_assert_true (pm_series_store_push (store, 2, 1000, &PM_SAMPLE_NO_DATA));
  assert_no_data (store, 2, 1000);
}

static void
test_has_data (void)
{
  PmSample s = PM_SAMPLE_NO_DATA;

  g_assert_false (pm_sample_has_data (&s));
  s.jitter_ms = 1;  /* jitter alone says nothing about reachability */
  g_assert_false (pm_sample_has_data (&s));
  s.loss_ratio = 0;
  g_assert_true (pm_sample_has_data (&s));
  s = PM_SAMPLE_NO_DATA;
  s.latency_ms = 5;
  g_assert_true (pm_sample_has_data (&s));
}

/* Pushing more steps than the ring holds keeps the newest lap; older steps read as no data,
 * never as the values that now share their slots. */
static void
test_wrap_around (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();
  PmSample out[30];

  for (int i = 0; i < 25; i++)
    push (store, 0, i * STEP, (float) i);
  for (int i = 0; i < 15; i++)
    assert_no_data (store, 0, i * STEP);
  for (int i = 15; i < 25; i++)
    assert_latency (store, 0, i * STEP, (float) i);
  assert_no_data (store, 0, 25 * STEP);

  g_assert_cmpuint (pm_series_store_read (store, 0, 0, 30, out), ==, CAPACITY);
  g_assert_true (isnan (out[14].latency_ms));
  g_assert_cmpfloat (out[15].latency_ms, ==, 15);
  g_assert_cmpfloat (out[24].latency_ms, ==, 24);
  g_assert_true (isnan (out[25].latency_ms));
}

/* Skipped steps are gaps, even where the slot still holds a sample from the previous lap. */
static void
test_gap_forward (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();

  for (int i = 0; i < 10; i++)
    push (store, 0, i * STEP, (float) i);
  push (store, 0, 13 * STEP, 13);
  for (int i = 10; i < 13; i++)
    assert_no_data (store, 0, i * STEP);
  assert_latency (store, 0, 13 * STEP, 13);
  /* Steps 4…9 are still inside the window. */
  for (int i = 4; i < 10; i++)
    assert_latency (store, 0, i * STEP, (float) i);
  for (int i = 0; i < 4; i++)
    assert_no_data (store, 0, i * STEP);
}

static void
test_gap_longer_than_capacity (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();
  PmSample out[CAPACITY];
  gint64 time_s;
  PmSample latest;

  for (int i = 0; i < 10; i++)
    push (store, 0, i * STEP, (float) i);
  push (store, 0, 35 * STEP, 35);
  for (int i = 0; i < 35; i++)
    assert_no_data (store, 0, i * STEP);
  assert_latency (store, 0, 35 * STEP, 35);
  g_assert_cmpuint (pm_series_store_read (store, 0, 26 * STEP, CAPACITY, out), ==, 1);
  g_assert_true (pm_series_store_latest (store, 0, &time_s, &latest));
  g_assert_cmpint (time_s, ==, 35 * STEP);

  /* The late fill still works in the new window. */
  push (store, 0, 30 * STEP, 30);
  assert_latency (store, 0, 30 * STEP, 30);
  g_assert_cmpuint (pm_series_store_read (store, 0, 26 * STEP, CAPACITY, out), ==, 2);
}

static void
test_late_sample (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();

  push (store, 0, 100 * STEP, 100);
  push (store, 0, 105 * STEP, 105);
  assert_no_data (store, 0, 103 * STEP);
  /* Late, but inside the window: fills its gap. */
  push (store, 0, 103 * STEP, 103);
  assert_latency (store, 0, 103 * STEP, 103);
  assert_no_data (store, 0, 102 * STEP);
  assert_no_data (store, 0, 104 * STEP);

  /* Older than anything seen, still inside the window: extends it backwards; the steps in
   * between are gaps. */
  push (store, 0, 97 * STEP, 97);
  assert_latency (store, 0, 97 * STEP, 97);
  assert_no_data (store, 0, 98 * STEP);
  assert_no_data (store, 0, 99 * STEP);
  assert_latency (store, 0, 100 * STEP, 100);
  assert_no_data (store, 0, 96 * STEP);
}

/* A first sample may come late too: the ring starts at the newest and grows backwards. */
static void
test_late_first_lap (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();
  PmSample out[CAPACITY];

  for (int i = 0; i < CAPACITY; i++)
    push (store, 0, i * STEP, (float) i);
  push (store, 1, 9 * STEP, 9);
  push (store, 1, 5 * STEP, 5);
  push (store, 1, 0, 0);
  g_assert_cmpuint (pm_series_store_read (store, 1, 0, CAPACITY, out), ==, 3);
  for (int i = 0; i < CAPACITY; i++)
    assert_latency (store, 0, i * STEP, (float) i);
}

static void
test_too_old (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();
  PmSample s = sample (1);

  push (store, 0, 20 * STEP, 20);
  /* The window is steps 11…20; step 10 would overwrite step 20's slot. */
  g_assert_false (pm_series_store_push (store, 0, 10 * STEP, &s));
  g_assert_false (pm_series_store_push (store, 0, 3 * STEP, &s));
  g_assert_false (pm_series_store_push (store, 0, -1000, &s));
  assert_latency (store, 0, 20 * STEP, 20);
  assert_no_data (store, 0, 10 * STEP);
  push (store, 0, 11 * STEP, 11);
  assert_latency (store, 0, 11 * STEP, 11);
  assert_latency (store, 0, 20 * STEP, 20);
}

static void
test_latest (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();
  PmSample out;
  gint64 time_s = 42;

  g_assert_false (pm_series_store_latest (store, 0, &time_s, &out));
  g_assert_cmpint (time_s, ==, 0);
  g_assert_true (isnan (out.latency_ms));

  push (store, 0, 1003, 3);
  push (store, 0, 1017, 17);
  push (store, 0, 1005, 5);  /* late: not the latest */
  g_assert_true (pm_series_store_latest (store, 0, &time_s, &out));
  g_assert_cmpint (time_s, ==, 1010);  /* the start of the step */
  g_assert_cmpfloat (out.latency_ms, ==, 17);

  /* The newest step may hold no data: latest says so but still gives its time. */
  g_assert_true (pm_series_store_push (store, 0, 1020, &PM_SAMPLE_NO_DATA));
  g_assert_false (pm_series_store_latest (store, 0, &time_s, &out));
  g_assert_cmpint (time_s, ==, 1020);
  g_assert_true (isnan (out.latency_ms));
}

static void
test_read (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();
  PmSample out[6];

  push (store, 0, 0, 0);
  push (store, 0, 20, 2);
  push (store, 0, 30, 3);
  /* From 10 s before the first sample to 10 s after the last. */
  g_assert_cmpuint (pm_series_store_read (store, 0, -10, 6, out), ==, 3);
  g_assert_true (isnan (out[0].latency_ms));
  g_assert_cmpfloat (out[1].latency_ms, ==, 0);
  g_assert_true (isnan (out[2].latency_ms));
  g_assert_cmpfloat (out[3].latency_ms, ==, 2);
  g_assert_cmpfloat (out[4].latency_ms, ==, 3);
  g_assert_true (isnan (out[5].latency_ms));
  g_assert_cmpuint (pm_series_store_read (store, 0, 20, 2, out), ==, 2);
  g_assert_cmpuint (pm_series_store_read (store, 0, 20, 0, out), ==, 0);
  g_assert_cmpuint (pm_series_store_read (store, 1, -10, 6, out), ==, 0);
}

/* Steps are floor(time / step), also before 1970. */
static void
test_negative_times (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();
  PmSample out[4];
  gint64 time_s;
  PmSample latest;

  push (store, 0, -15, 15);   /* step -2: −20…−11 */
  push (store, 0, -5, 5);     /* step -1: −10…−1 */
  assert_latency (store, 0, -20, 15);
  assert_latency (store, 0, -11, 15);
  assert_latency (store, 0, -10, 5);
  assert_latency (store, 0, -1, 5);
  assert_no_data (store, 0, 0);
  assert_no_data (store, 0, -21);
  g_assert_cmpuint (pm_series_store_read (store, 0, -30, 4, out), ==, 2);
  g_assert_true (pm_series_store_latest (store, 0, &time_s, &latest));
  g_assert_cmpint (time_s, ==, -10);

  /* Crossing zero keeps the ring consistent. */
  push (store, 0, 5, 25);
  assert_latency (store, 0, -15, 15);
  assert_latency (store, 0, 5, 25);
  for (int i = 1; i <= 8; i++)
    push (store, 0, i * STEP + 1, (float) i);
  assert_no_data (store, 0, -15);
  assert_latency (store, 0, -5, 5);
}

static void
test_memory_budget (void)
{
  g_autoptr(PmSeriesStore) store = small_store ();
  g_autoptr(PmSeriesStore) day = NULL;
  gsize overhead;

  /* Three floats a step, plus a small constant for the ring's bookkeeping. */
  g_assert_cmpuint (sizeof (PmSample), ==, 12);
  overhead = pm_series_store_bytes_per_segment (store) - CAPACITY * 12;
  g_assert_cmpuint (pm_series_store_bytes_per_segment (store), >, CAPACITY * 12);
  g_assert_cmpuint (overhead, <=, 64);

  /* The default: a day at 10 s steps is 8640 slots, about 101 KiB a segment. */
  day = pm_series_store_new (1000, PM_SERIES_DEFAULT_STEP_S, PM_SERIES_DEFAULT_SPAN_S);
  g_assert_cmpint (pm_series_store_get_step (day), ==, 10);
  g_assert_cmpuint (pm_series_store_get_capacity (day), ==, 8640);
  g_assert_cmpuint (pm_series_store_bytes_per_segment (day), ==, 8640 * 12 + overhead);

  /* A span that is not a whole number of steps rounds down. */
  g_clear_pointer (&day, pm_series_store_free);
  day = pm_series_store_new (1, 60, 3599);
  g_assert_cmpuint (pm_series_store_get_capacity (day), ==, 59);
}

/* A full day of one segment at the default budget, pushed in order: the last lap is intact. */
static void
test_full_day (void)
{
  g_autoptr(PmSeriesStore) store =
    pm_series_store_new (2, PM_SERIES_DEFAULT_STEP_S, PM_SERIES_DEFAULT_SPAN_S);
  const gint64 start = 1767571200;
  const int n = 8640 + 100;
  g_autofree PmSample *out = g_new (PmSample, n);

  for (int i = 0; i < n; i++)
    push (store, 1, start + (gint64) i * 10, (float) (i % 1000));
  g_assert_cmpuint (pm_series_store_read (store, 1, start, (guint) n, out), ==, 8640);
  g_assert_true (isnan (out[99].latency_ms));
  g_assert_cmpfloat (out[100].latency_ms, ==, 100);
  g_assert_cmpfloat (out[n - 1].latency_ms, ==, (float) ((n - 1) % 1000));
  g_assert_cmpuint (pm_series_store_read (store, 0, start, (guint) n, out), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/series/push-get", test_push_get);
  g_test_add_func ("/series/has-data", test_has_data);
  g_test_add_func ("/series/wrap-around", test_wrap_around);
  g_test_add_func ("/series/gap/forward", test_gap_forward);
  g_test_add_func ("/series/gap/longer-than-capacity", test_gap_longer_than_capacity);
  g_test_add_func ("/series/late/fills-gap", test_late_sample);
  g_test_add_func ("/series/late/first-lap", test_late_first_lap);
  g_test_add_func ("/series/late/too-old", test_too_old);
  g_test_add_func ("/series/latest", test_latest);
  g_test_add_func ("/series/read", test_read);
  g_test_add_func ("/series/negative-times", test_negative_times);
  g_test_add_func ("/series/memory-budget", test_memory_budget);
  g_test_add_func ("/series/full-day", test_full_day);

  return g_test_run ();
}
