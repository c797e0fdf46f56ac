/* pm-background.h: work that must never take a processor core from the console's main loop.
 *
 * The console paints from its main thread while the engine ticks and the map draws its images
 * in threads of their own. On a machine with two cores, three busy threads meant the main loop
 * waited for a core for tens of milliseconds in the middle of a frame, although its own work was
 * short. Background threads run at a lower scheduling priority (a higher nice value): they get
 * every core nobody else needs, and yield to the main loop when it needs one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Lowers the calling thread's priority for good. Only for threads of one's own: a thread of
 * GLib's shared pool would stay lowered for whatever work it runs next. Where the system cannot
 * set one thread's priority this does nothing. */
void pm_background_lower_thread_priority (void);

/* Runs func for task, as g_task_run_in_thread() does, but in a thread of lowered priority kept
 * for such work. One thread, shared by every caller: work queues behind earlier work, which is
 * what drawing one image after another wants, and never holds more than one core. */
void pm_background_run_in_thread (GTask          *task,
                                  GTaskThreadFunc func);

/* Runs func for task in a new thread of lowered priority of its own, which ends with it: for
 * long work (minutes of learning) that must not hold up the shared thread's short work. */
void pm_background_run_in_new_thread (GTask          *task,
                                      GTaskThreadFunc func);

G_END_DECLS
