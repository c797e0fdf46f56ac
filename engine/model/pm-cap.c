/* pm-cap.c: what the CAP GeoJSON and CAP XML readers share.
 *
 * A PmEvent holds one ring, and every user of it (the hazard model, the map layers, the
 * planner, the writers) reads exactly one; so an alert over several polygons (a MultiPolygon,
 * a CAP area with several <polygon>s, several areas) becomes one event per polygon, the ids
 * sharing the alert's identifier with a "#N" suffix, rather than PmEvent growing a ring list
 * that each of those would have to learn. A segment under two polygons of one alert is then
 * exposed twice, which only matters for learning, where the two exposures share one outcome.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-cap-private.h"

#include <string.h>

PmCapMessage *
_pm_cap_message_new (void)
{
  PmCapMessage *message = g_new0 (PmCapMessage, 1);

  message->references = g_ptr_array_new_with_free_func (g_free);
  message->events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  return message;
}

void
_pm_cap_message_free (PmCapMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->id);
  g_free (message->alias);
  g_ptr_array_unref (message->references);
  g_ptr_array_unref (message->events);
  g_free (message);
}

PmSeverity
_pm_cap_severity_from_string (const char *text)
{
  for (PmSeverity s = PM_SEVERITY_EXTREME; s < PM_SEVERITY_UNKNOWN; s++)
    if (g_ascii_strcasecmp (text, pm_severity_to_string (s)) == 0)
      return s;
  return PM_SEVERITY_UNKNOWN;
}

PmCertainty
_pm_cap_certainty_from_string (const char *text)
{
  for (PmCertainty c = PM_CERTAINTY_OBSERVED; c < PM_CERTAINTY_UNKNOWN; c++)
    if (g_ascii_strcasecmp (text, pm_certainty_to_string (c)) == 0)
      return c;
  /* CAP 1.0 said "Very Likely"; CAP 1.2 folds it into Likely. */
  if (g_ascii_strcasecmp (text, "Very Likely") == 0)
    return PM_CERTAINTY_LIKELY;
  return PM_CERTAINTY_UNKNOWN;
}

PmUrgency
_pm_cap_urgency_from_string (const char *text)
{
  for (PmUrgency u = PM_URGENCY_IMMEDIATE; u < PM_URGENCY_UNKNOWN; u++)
    if (g_ascii_strcasecmp (text, pm_urgency_to_string (u)) == 0)
      return u;
  return PM_URGENCY_UNKNOWN;
}

gboolean
_pm_cap_message_type_from_string (const char       *text,
                                  PmCapMessageType *type)
{
  if (g_ascii_strcasecmp (text, "Alert") == 0)
    *type = PM_CAP_ALERT;
  else if (g_ascii_strcasecmp (text, "Update") == 0)
    *type = PM_CAP_UPDATE;
  else if (g_ascii_strcasecmp (text, "Cancel") == 0)
    *type = PM_CAP_CANCEL;
  else if (g_ascii_strcasecmp (text, "Ack") == 0 || g_ascii_strcasecmp (text, "Error") == 0)
    *type = PM_CAP_OTHER;
  else
    return FALSE;
  return TRUE;
}

gboolean
_pm_cap_add_references (const char *text,
                        GPtrArray  *out)
{
  g_auto(GStrv) entries = g_strsplit_set (text, " \t\r\n", -1);

  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_auto(GStrv) parts = NULL;

      if (*entries[i] == '\0')
        continue;
      parts = g_strsplit (entries[i], ",", -1);
      if (g_strv_length (parts) != 3 || *parts[1] == '\0')
        return FALSE;
      g_ptr_array_add (out, g_strdup (parts[1]));
    }
  return TRUE;
}

void
_pm_cap_message_add_areas (PmCapMessage *message,
                           PmEvent      *base,
                           GPtrArray    *rings)
{
  if (rings->len == 0)
    {
      g_ptr_array_add (message->events, base);
      return;
    }
  for (guint i = 0; i < rings->len; i++)
    {
      GArray *ring = g_ptr_array_index (rings, i);
      PmEvent *event = pm_event_copy (base);

      g_free (event->polygon);
      event->n_polygon = ring->len;
      event->polygon = g_memdup2 (ring->data, sizeof (PmLatLon) * ring->len);
      g_ptr_array_add (message->events, event);
    }
  pm_event_free (base);
}

GPtrArray *
_pm_cap_resolve (GPtrArray *messages)
{
  g_autoptr(GHashTable) superseded = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);

  for (guint i = 0; i < messages->len; i++)
    {
      PmCapMessage *message = g_ptr_array_index (messages, i);

      if (message->type != PM_CAP_UPDATE && message->type != PM_CAP_CANCEL)
        continue;
      for (guint k = 0; k < message->references->len; k++)
        g_hash_table_add (superseded, g_ptr_array_index (message->references, k));
    }

  for (guint i = 0; i < messages->len; i++)
    {
      PmCapMessage *message = g_ptr_array_index (messages, i);
      guint n = message->events->len;

      if (message->type == PM_CAP_CANCEL || message->type == PM_CAP_OTHER
          || g_hash_table_contains (superseded, message->id)
          || (message->alias != NULL && g_hash_table_contains (superseded, message->alias)))
        continue;
      for (guint k = 0; k < n; k++)
        {
          PmEvent *event = g_steal_pointer (&message->events->pdata[k]);

          g_free (event->id);
          event->id = n == 1 ? g_strdup (message->id) : g_strdup_printf ("%s#%u", message->id,
                                                                         k + 1);
          g_ptr_array_add (events, event);
        }
    }
  return events;
}
