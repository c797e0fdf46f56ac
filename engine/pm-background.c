/* pm-background.c: threads that yield the processor to the console's main loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-background.h"

#include <errno.h>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Far enough below the main loop that the scheduler gives it a core at once, not so far that
 * background work starves while the console is busy. */
#define BACKGROUND_NICE 10

typedef struct
{
  GTask          *task;
  GTaskThreadFunc func;
} Work;

void
pm_background_lower_thread_priority (void)
{
#ifdef __linux__
  /* On Linux a thread is a task of its own: setpriority() on its id changes only it. */
  pid_t tid = (pid_t) syscall (SYS_gettid);
  int now;

  errno = 0;
  now = getpriority (PRIO_PROCESS, (id_t) tid);
  if (errno == 0 && now < BACKGROUND_NICE)
    (void) setpriority (PRIO_PROCESS, (id_t) tid, BACKGROUND_NICE);
#endif
}

static void
run_work (gpointer data,
          gpointer pool_data)
{
  Work *work = data;

  pm_background_lower_thread_priority ();
  work->func (work->task, g_task_get_source_object (work->task),
              g_task_get_task_data (work->task), g_task_get_cancellable (work->task));
  g_object_unref (work->task);
  g_free (work);
}

static gpointer
run_work_in_thread (gpointer data)
{
  run_work (data, NULL);
  return NULL;
}

static Work *
work_new (GTask          *task,
          GTaskThreadFunc func)
{
  Work *work = g_new (Work, 1);

  work->task = g_object_ref (task);
  work->func = func;
  return work;
}

void
pm_background_run_in_thread (GTask          *task,
                             GTaskThreadFunc func)
{
  static GThreadPool *pool;

  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  if (g_once_init_enter (&pool))
    {
      g_autoptr(GError) error = NULL;
      /* Exclusive: these threads run only this pool's work, so their priority stays theirs. */
      GThreadPool *created = g_thread_pool_new (run_work, NULL, 1, TRUE, &error);

      if (created == NULL)
        g_error ("Cannot start the background threads: %s", error->message);
      g_once_init_leave (&pool, created);
    }
  g_thread_pool_push (pool, work_new (task, func), NULL);
}

void
pm_background_run_in_new_thread (GTask          *task,
                                 GTaskThreadFunc func)
{
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  g_thread_unref (g_thread_new ("pm-background", run_work_in_thread, work_new (task, func)));
}
