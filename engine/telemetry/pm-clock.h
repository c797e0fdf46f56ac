/* pm-clock.h: the only source of "now" in the engine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  PM_CLOCK_WALL,    /* real time; cannot be paused or sped up */
  PM_CLOCK_VIRTUAL, /* starts at a given time, runs at speed × real time, may be paused/stepped */
} PmClockKind;

#define PM_TYPE_CLOCK (pm_clock_get_type ())
G_DECLARE_FINAL_TYPE (PmClock, pm_clock, PM, CLOCK, GObject)

PmClock    *pm_clock_new_wall    (void);
PmClock    *pm_clock_new_virtual (gint64 start_us,
                                  double speed);

PmClockKind pm_clock_get_kind    (PmClock *self);
gint64      pm_clock_now_us      (PmClock *self);
gint64      pm_clock_now_s       (PmClock *self);
double      pm_clock_get_speed   (PmClock *self);
void        pm_clock_set_speed   (PmClock *self,
                                  double   speed);
gboolean    pm_clock_get_paused  (PmClock *self);
void        pm_clock_set_paused  (PmClock *self,
                                  gboolean paused);
void        pm_clock_advance     (PmClock *self,
                                  gint64   delta_us);
void        pm_clock_set_now     (PmClock *self,
                                  gint64   now_us);

G_END_DECLS
