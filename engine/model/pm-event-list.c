/* pm-event-list.c: infrastructure events read from feeds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-event-list.h"

#include <gio/gio.h>
#include <string.h>

#include "pm-event-feed.h"

struct _PmEventList
{
  GPtrArray *events;  /* PmEvent, in the order read */
};

PmEventList *
pm_event_list_new (void)
{
  PmEventList *self = g_new0 (PmEventList, 1);

  self->events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  return self;
}

void
pm_event_list_free (PmEventList *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->events);
  g_free (self);
}

gboolean
pm_event_list_load_file (PmEventList *self,
                         const char  *path,
                         GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gsize length;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_get_contents (path, &text, &length, error))
    return FALSE;
  events = pm_event_feed_parse (path, text, length, NULL, error);
  if (events == NULL)
    return FALSE;
  pm_event_list_take (self, g_steal_pointer (&events));
  return TRUE;
}

void
pm_event_list_take (PmEventList *self,
                    GPtrArray   *events)
{
  g_return_if_fail (self != NULL);

  for (guint i = 0; i < events->len; i++)
    g_ptr_array_add (self->events, g_steal_pointer (&events->pdata[i]));
  /* The slots now hold NULL, which the free function ignores. */
  g_ptr_array_unref (events);
}

guint
pm_event_list_get_n_events (PmEventList *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->events->len;
}

gboolean
pm_event_is_visible (const PmEvent *event,
                     gint64         from_s,
                     gint64         to_s)
{
  return event->start_s < to_s && event->end_s > from_s && event->issued_s <= to_s;
}

int
pm_event_compare (gconstpointer pa,
                  gconstpointer pb)
{
  const PmEvent *a = *(PmEvent *const *) pa;
  const PmEvent *b = *(PmEvent *const *) pb;

  if (a->start_s != b->start_s)
    return a->start_s < b->start_s ? -1 : 1;
  return strcmp (a->id, b->id);
}

GPtrArray *
pm_event_list_get_events (PmEventList *self,
                          gint64       from_s,
                          gint64       to_s)
{
  GPtrArray *visible;

  g_return_val_if_fail (self != NULL, NULL);

  visible = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  if (to_s <= from_s)
    return visible;
  for (guint i = 0; i < self->events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (self->events, i);

      if (pm_event_is_visible (event, from_s, to_s))
        g_ptr_array_add (visible, pm_event_copy (event));
    }
  g_ptr_array_sort (visible, pm_event_compare);
  return visible;
}
