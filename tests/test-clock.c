/* test-clock.c: wall and virtual clocks.
 *
 * Virtual-clock checks bracket every reading with the monotonic clock the implementation uses,
 * so that the bounds hold on a loaded machine instead of relying on generous tolerances.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-clock.h"

#define START_US (G_GINT64_CONSTANT (1767571200) * G_USEC_PER_SEC)
#define HOUR_US  (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

typedef struct
{
  gint64 before;  /* monotonic time just before the reading */
  gint64 value;   /* the clock's now */
  gint64 after;   /* monotonic time just after */
} Reading;

static Reading
read_clock (PmClock *clock)
{
  Reading r;

  r.before = g_get_monotonic_time ();
  r.value = pm_clock_now_us (clock);
  r.after = g_get_monotonic_time ();
  return r;
}

/* At a constant speed, the virtual time between two readings is speed × the monotonic time
 * between them, which lies between the inner and the outer brackets (±1 µs of rounding each). */
static void
assert_elapsed_at_speed (Reading r0,
                         Reading r1,
                         double  speed)
{
  gint64 elapsed = r1.value - r0.value;

  g_assert_cmpint (elapsed, >=, (gint64) ((double) (r1.before - r0.after) * speed) - 2);
  g_assert_cmpint (elapsed, <=, (gint64) ((double) (r1.after - r0.before) * speed) + 2);
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_wall (void)
{
  g_autoptr(PmClock) clock = pm_clock_new_wall ();
  guint notified = 0;
  gint64 now = pm_clock_now_us (clock);

  g_assert_cmpint (pm_clock_get_kind (clock), ==, PM_CLOCK_WALL);
  /* Close to the real time; a second of slack covers an NTP step in between. */
  g_assert_cmpint (ABS (now - g_get_real_time ()), <, G_USEC_PER_SEC);
  g_assert_cmpint (ABS (pm_clock_now_s (clock) - g_get_real_time () / G_USEC_PER_SEC), <=, 1);

  /* A wall clock cannot be paused or sped up; asking is ignored, not an error. */
  g_signal_connect (clock, "notify", G_CALLBACK (count_cb), &notified);
  pm_clock_set_paused (clock, TRUE);
  pm_clock_set_speed (clock, 10);
  g_assert_false (pm_clock_get_paused (clock));
  g_assert_cmpfloat (pm_clock_get_speed (clock), ==, 1.0);
  g_assert_cmpuint (notified, ==, 0);
  g_assert_cmpint (ABS (pm_clock_now_us (clock) - g_get_real_time ()), <, G_USEC_PER_SEC);
}

static void
test_virtual_start (void)
{
  g_autoptr(PmClock) still = pm_clock_new_virtual (START_US, 0.0);
  g_autoptr(PmClock) running = NULL;
  gint64 created_before, created_after;
  Reading r;

  g_assert_cmpint (pm_clock_get_kind (still), ==, PM_CLOCK_VIRTUAL);
  g_assert_cmpint (pm_clock_now_us (still), ==, START_US);
  g_assert_cmpint (pm_clock_now_s (still), ==, START_US / G_USEC_PER_SEC);
  g_assert_cmpfloat (pm_clock_get_speed (still), ==, 0.0);
  g_assert_false (pm_clock_get_paused (still));

  created_before = g_get_monotonic_time ();
  running = pm_clock_new_virtual (START_US, 60.0);
  created_after = g_get_monotonic_time ();
  r = read_clock (running);
  g_assert_cmpint (r.value, >=, START_US + (gint64) ((double) (r.before - created_after) * 60) - 2);
  g_assert_cmpint (r.value, <=, START_US + (gint64) ((double) (r.after - created_before) * 60) + 2);
}

/* The one real-time check: 50 ms at 1000× is at least 50 virtual seconds. */
static void
test_virtual_speed (void)
{
  g_autoptr(PmClock) clock = pm_clock_new_virtual (START_US, 1000.0);
  Reading r0, r1;

  g_assert_cmpfloat (pm_clock_get_speed (clock), ==, 1000.0);
  r0 = read_clock (clock);
  g_usleep (50 * 1000);
  r1 = read_clock (clock);
  g_test_message ("50 ms at 1000× gave %.3f virtual s", (r1.value - r0.value) / 1e6);
  g_assert_cmpint (r1.value - r0.value, >=, 50 * G_USEC_PER_SEC - 2);
  assert_elapsed_at_speed (r0, r1, 1000.0);
}

static void
test_virtual_advance (void)
{
  g_autoptr(PmClock) clock = pm_clock_new_virtual (START_US, 1.0);

  pm_clock_set_paused (clock, TRUE);
  pm_clock_set_now (clock, START_US);
  g_assert_cmpint (pm_clock_now_us (clock), ==, START_US);

  /* Paused and stepped: exact, whatever the machine does in between. */
  pm_clock_advance (clock, 10 * G_USEC_PER_SEC);
  g_assert_cmpint (pm_clock_now_us (clock), ==, START_US + 10 * G_USEC_PER_SEC);
  pm_clock_advance (clock, 0);
  g_assert_cmpint (pm_clock_now_us (clock), ==, START_US + 10 * G_USEC_PER_SEC);
  for (int i = 0; i < 8640; i++)
    pm_clock_advance (clock, 10 * G_USEC_PER_SEC);
  g_assert_cmpint (pm_clock_now_s (clock), ==, START_US / G_USEC_PER_SEC + 10 + 86400);
  g_assert_true (pm_clock_get_paused (clock));

  /* set_now may go backwards: replays rewind. */
  pm_clock_set_now (clock, START_US - HOUR_US);
  g_assert_cmpint (pm_clock_now_us (clock), ==, START_US - HOUR_US);
}

static void
test_virtual_advance_running (void)
{
  g_autoptr(PmClock) clock = pm_clock_new_virtual (START_US, 2.0);
  Reading r0, r1;

  r0 = read_clock (clock);
  pm_clock_advance (clock, 60 * G_USEC_PER_SEC);
  r1 = read_clock (clock);
  r1.value -= 60 * G_USEC_PER_SEC;
  assert_elapsed_at_speed (r0, r1, 2.0);
}

static void
test_virtual_pause (void)
{
  g_autoptr(PmClock) clock = pm_clock_new_virtual (START_US, 1000.0);
  Reading r0;
  gint64 frozen;

  r0 = read_clock (clock);
  pm_clock_set_paused (clock, TRUE);
  g_assert_true (pm_clock_get_paused (clock));
  frozen = pm_clock_now_us (clock);
  /* Pausing keeps the time reached, it does not rewind to the anchor. */
  g_assert_cmpint (frozen, >=, r0.value);
  g_usleep (10 * 1000);
  g_assert_cmpint (pm_clock_now_us (clock), ==, frozen);
  g_usleep (10 * 1000);
  g_assert_cmpint (pm_clock_now_us (clock), ==, frozen);
}

static void
test_virtual_unpause (void)
{
  g_autoptr(PmClock) clock = pm_clock_new_virtual (START_US, 1000.0);
  gint64 frozen, unpaused_before;
  Reading r1;

  pm_clock_set_paused (clock, TRUE);
  frozen = pm_clock_now_us (clock);
  /* 20 ms paused would be 20 virtual seconds if unpausing counted the pause. */
  g_usleep (20 * 1000);
  unpaused_before = g_get_monotonic_time ();
  pm_clock_set_paused (clock, FALSE);
  g_assert_false (pm_clock_get_paused (clock));
  r1 = read_clock (clock);
  g_assert_cmpint (r1.value, >=, frozen);
  g_assert_cmpint (r1.value - frozen, <=,
                   (gint64) ((double) (r1.after - unpaused_before) * 1000.0) + 2);

  /* And it runs again. */
  g_usleep (5 * 1000);
  g_assert_cmpint (pm_clock_now_us (clock) - r1.value, >=, 5 * G_USEC_PER_SEC - 2);
}

static void
test_virtual_set_speed (void)
{
  g_autoptr(PmClock) clock = pm_clock_new_virtual (START_US, 1.0);
  Reading r0, r1, r2;

  /* 20 ms at speed 1 since the anchor: re-timed at 1000× without re-anchoring, that would jump
   * by 20 s. */
  g_usleep (20 * 1000);
  r0 = read_clock (clock);
  pm_clock_set_speed (clock, 1000.0);
  g_assert_cmpfloat (pm_clock_get_speed (clock), ==, 1000.0);
  r1 = read_clock (clock);
  g_assert_cmpint (r1.value, >=, r0.value);
  g_assert_cmpint (r1.value - r0.value, <=,
                   (gint64) ((double) (r1.after - r0.before) * 1000.0) + 2);

  /* Slowing down must not jump either (nor go backwards). */
  g_usleep (5 * 1000);
  pm_clock_set_speed (clock, 1.0);
  r2 = read_clock (clock);
  g_assert_cmpint (r2.value - r1.value, >=, 5 * G_USEC_PER_SEC - 2);
  g_assert_cmpint (r2.value - r1.value, <=,
                   (gint64) ((double) (r2.after - r1.before) * 1000.0) + 2);

  /* Speed 0 stops time without pausing; a paused clock keeps its time across speed changes. */
  pm_clock_set_speed (clock, 0.0);
  r0 = read_clock (clock);
  g_usleep (2 * 1000);
  g_assert_cmpint (pm_clock_now_us (clock), ==, r0.value);
  pm_clock_set_speed (clock, 50.0);
  pm_clock_set_paused (clock, TRUE);
  r0 = read_clock (clock);
  pm_clock_set_speed (clock, 500.0);
  g_assert_cmpint (pm_clock_now_us (clock), ==, r0.value);
}

static void
test_notify (void)
{
  g_autoptr(PmClock) clock = pm_clock_new_virtual (START_US, 1.0);
  guint speed_notified = 0, paused_notified = 0;
  double speed;
  gboolean paused;

  g_signal_connect (clock, "notify::speed", G_CALLBACK (count_cb), &speed_notified);
  g_signal_connect (clock, "notify::paused", G_CALLBACK (count_cb), &paused_notified);

  pm_clock_set_speed (clock, 1.0);
  g_assert_cmpuint (speed_notified, ==, 0);
  pm_clock_set_speed (clock, 60.0);
  g_assert_cmpuint (speed_notified, ==, 1);
  g_object_set (clock, "speed", 120.0, NULL);
  g_assert_cmpuint (speed_notified, ==, 2);
  g_object_set (clock, "speed", 120.0, NULL);
  g_assert_cmpuint (speed_notified, ==, 2);

  pm_clock_set_paused (clock, TRUE);
  g_assert_cmpuint (paused_notified, ==, 1);
  pm_clock_set_paused (clock, TRUE);
  g_assert_cmpuint (paused_notified, ==, 1);
  g_object_set (clock, "paused", FALSE, NULL);
  g_assert_cmpuint (paused_notified, ==, 2);
  g_assert_cmpuint (speed_notified, ==, 2);

  g_object_get (clock, "speed", &speed, "paused", &paused, NULL);
  g_assert_cmpfloat (speed, ==, 120.0);
  g_assert_false (paused);

  /* Stepping is not a property change. */
  pm_clock_set_paused (clock, TRUE);
  pm_clock_advance (clock, G_USEC_PER_SEC);
  pm_clock_set_now (clock, START_US);
  g_assert_cmpuint (paused_notified, ==, 3);
  g_assert_cmpuint (speed_notified, ==, 2);
}

/* Whole seconds round towards minus infinity, so that a step boundary is the same on both sides
 * of 1970 (the tests of other units run before it). */
static void
test_now_s_floor (void)
{
  static const struct
  {
    gint64 us;
    gint64 s;
  } cases[] = {
    { 0, 0 },
    { 1, 0 },
    { 999999, 0 },
    { 1000000, 1 },
    { 1500000, 1 },
    { -1, -1 },
    { -999999, -1 },
    { -1000000, -1 },
    { -1000001, -2 },
    { -1500000, -2 },
    { -86400 * G_GINT64_CONSTANT (1000000), -86400 },
    { START_US, START_US / G_USEC_PER_SEC },
    { START_US + 999999, START_US / G_USEC_PER_SEC },
  };
  g_autoptr(PmClock) clock = pm_clock_new_virtual (0, 1.0);

  pm_clock_set_paused (clock, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      pm_clock_set_now (clock, cases[i].us);
      g_assert_cmpint (pm_clock_now_us (clock), ==, cases[i].us);
      g_assert_cmpint (pm_clock_now_s (clock), ==, cases[i].s);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/clock/wall", test_wall);
  g_test_add_func ("/clock/virtual/start", test_virtual_start);
  g_test_add_func ("/clock/virtual/speed", test_virtual_speed);
  g_test_add_func ("/clock/virtual/advance", test_virtual_advance);
  g_test_add_func ("/clock/virtual/advance-running", test_virtual_advance_running);
  g_test_add_func ("/clock/virtual/pause", test_virtual_pause);
  g_test_add_func ("/clock/virtual/unpause", test_virtual_unpause);
  g_test_add_func ("/clock/virtual/set-speed", test_virtual_set_speed);
  g_test_add_func ("/clock/notify", test_notify);
  g_test_add_func ("/clock/now-s-floor", test_now_s_floor);

  return g_test_run ();
}
