/* test-background.c: background work runs, returns its result, and yields to other threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>

#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "pm-background.h"

typedef struct
{
  GThread *thread;    /* where the work ran */
  int      nice;      /* its priority there, or G_MININT where unknown */
} Ran;

static int
thread_nice (void)
{
#ifdef __linux__
  int nice;

  errno = 0;
  nice = getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
  return errno == 0 ? nice : G_MININT;
#else
  return G_MININT;
#endif
}

static void
work_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Ran *ran = g_new (Ran, 1);

  ran->thread = g_thread_self ();
  ran->nice = thread_nice ();
  g_task_return_pointer (task, ran, g_free);
}

static void
done_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Ran **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = g_task_propagate_pointer (G_TASK (result), &error);
  g_assert_no_error (error);
}

static Ran *
run (gboolean new_thread)
{
  Ran *ran = NULL;
  g_autoptr(GTask) task = g_task_new (NULL, NULL, done_cb, &ran);

  if (new_thread)
    pm_background_run_in_new_thread (task, work_thread);
  else
    pm_background_run_in_thread (task, work_thread);
  while (ran == NULL)
    g_main_context_iteration (NULL, TRUE);
  return ran;
}

static void
test_background_shared_thread (void)
{
  int own = thread_nice ();
  g_autofree Ran *first = run (FALSE);
  g_autofree Ran *second = run (FALSE);

  g_assert_true (first->thread != g_thread_self ());
  /* One thread runs all the shared work, one piece after the other. */
  g_assert_true (second->thread == first->thread);
  if (own == G_MININT)
    {
      g_test_skip ("this system has no per-thread priority");
      return;
    }
  g_assert_cmpint (first->nice, >, own);
  /* The caller keeps its own. */
  g_assert_cmpint (thread_nice (), ==, own);
}

static void
test_background_new_thread (void)
{
  int own = thread_nice ();
  g_autofree Ran *shared = run (FALSE);
  g_autofree Ran *ran = run (TRUE);

  g_assert_true (ran->thread != g_thread_self ());
  g_assert_true (ran->thread != shared->thread);
  if (own == G_MININT)
    {
      g_test_skip ("this system has no per-thread priority");
      return;
    }
  g_assert_cmpint (ran->nice, >, own);
  g_assert_cmpint (thread_nice (), ==, own);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/background/shared-thread", test_background_shared_thread);
  g_test_add_func ("/background/new-thread", test_background_new_thread);
  return g_test_run ();
}
