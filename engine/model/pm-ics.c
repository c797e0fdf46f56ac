/* pm-ics.c: maintenance notices as iCalendar, through libical.
 *
 * The properties are those of the network maintenance notification format (the BCOP
 * "maintnote" draft): X-MAINTNOTE-PROVIDER, -ACCOUNT, -MAINTENANCE-ID, -OBJECT-ID (one per
 * affected circuit), -IMPACT and -STATUS on a VEVENT whose DTSTAMP is when the notice was sent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-ics.h"

#include <gio/gio.h>
#include <libical/ical.h>
#include <string.h>

#include "pm-error-private.h"

#define PRODID "-//Premirror//premirror-eval//EN"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (icalcomponent, icalcomponent_free)

/* Where a problem is: "FILE: VEVENT N (“UID”): property “NAME”: what". Always FALSE. */
static gboolean G_GNUC_PRINTF (6, 7)
ics_fail (GError    **error,
          const char *file,
          int         index,
          const char *uid,
          const char *property,
          const char *format,
          ...)
{
  const PmFilePlace at = { G_IO_ERROR, G_IO_ERROR_INVALID_DATA, file, "VEVENT", index, uid };
  va_list args;

  va_start (args, format);
  _pm_fail_at_entry_valist (error, &at, "property", property, format, args);
  va_end (args);
  return FALSE;
}

static gboolean
impact_from_string (const char *text,
                    PmImpact   *impact)
{
  for (PmImpact i = PM_IMPACT_NO_IMPACT; i <= PM_IMPACT_OUTAGE; i++)
    if (g_ascii_strcasecmp (text, pm_impact_to_string (i)) == 0)
      {
        *impact = i;
        return TRUE;
      }
  return FALSE;
}

/* A time property as unix seconds; FALSE when it is absent or not a time. */
static gboolean
read_time (icalcomponent *event,
           icalproperty_kind kind,
           gint64        *out)
{
  icalproperty *property = icalcomponent_get_first_property (event, kind);
  struct icaltimetype time;

  if (property == NULL)
    return FALSE;
  switch (kind)
    {
    case ICAL_DTSTART_PROPERTY:
      time = icalcomponent_get_dtstart (event);
      break;
    case ICAL_DTEND_PROPERTY:
    case ICAL_DURATION_PROPERTY:
      time = icalcomponent_get_dtend (event);
      break;
    case ICAL_DTSTAMP_PROPERTY:
    default:
      time = icalcomponent_get_dtstamp (event);
      break;
    }
  if (icaltime_is_null_time (time) || !icaltime_is_valid_time (time))
    return FALSE;
  *out = (gint64) icaltime_as_timet_with_zone (time, time.zone != NULL
                                                       ? time.zone
                                                       : icaltimezone_get_utc_timezone ());
  return TRUE;
}

typedef struct
{
  char      *uid;
  int        sequence;
  gboolean   cancelled;
  GPtrArray *events;  /* PmEvent, one per object */
} Notice;

static void
notice_free (Notice *notice)
{
  g_free (notice->uid);
  g_ptr_array_unref (notice->events);
  g_free (notice);
}

static Notice *
read_notice (icalcomponent *vevent,
             int            index,
             const char    *file,
             GError       **error)
{
  g_autoptr(GPtrArray) objects = g_ptr_array_new ();
  const char *uid = icalcomponent_get_uid (vevent);
  const char *summary = icalcomponent_get_summary (vevent);
  PmImpact impact = PM_IMPACT_OUTAGE;
  gint64 issued, start, end;
  Notice *notice;

  /* libical keeps what it could not parse as X-LIC-ERROR properties. */
  for (icalproperty *p = icalcomponent_get_first_property (vevent, ICAL_XLICERROR_PROPERTY);
       p != NULL; p = icalcomponent_get_next_property (vevent, ICAL_XLICERROR_PROPERTY))
    {
      ics_fail (error, file, index, uid, NULL, "%s", icalproperty_get_xlicerror (p));
      return NULL;
    }
  if (uid == NULL || *uid == '\0')
    {
      ics_fail (error, file, index, NULL, "UID", "missing");
      return NULL;
    }
  if (!read_time (vevent, ICAL_DTSTAMP_PROPERTY, &issued))
    {
      ics_fail (error, file, index, uid, "DTSTAMP", "missing or not a date-time (expected "
                "when the notice was sent)");
      return NULL;
    }
  if (!read_time (vevent, ICAL_DTSTART_PROPERTY, &start))
    {
      ics_fail (error, file, index, uid, "DTSTART", "missing or not a date-time");
      return NULL;
    }
  if (!read_time (vevent, ICAL_DTEND_PROPERTY, &end)
      && !read_time (vevent, ICAL_DURATION_PROPERTY, &end))
    {
      ics_fail (error, file, index, uid, "DTEND", "missing (and no DURATION)");
      return NULL;
    }
  if (end < start)
    {
      ics_fail (error, file, index, uid, "DTEND", "before DTSTART");
      return NULL;
    }

  notice = g_new0 (Notice, 1);
  notice->uid = g_strdup (uid);
  notice->sequence = icalcomponent_get_first_property (vevent, ICAL_SEQUENCE_PROPERTY) != NULL
                       ? icalcomponent_get_sequence (vevent) : 0;
  notice->cancelled = icalcomponent_get_status (vevent) == ICAL_STATUS_CANCELLED;
  notice->events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);

  for (icalproperty *p = icalcomponent_get_first_property (vevent, ICAL_X_PROPERTY);
       p != NULL; p = icalcomponent_get_next_property (vevent, ICAL_X_PROPERTY))
    {
      const char *name = icalproperty_get_x_name (p);
      const char *value = icalproperty_get_x (p);

      if (name == NULL || value == NULL)
        continue;
      if (g_ascii_strcasecmp (name, "X-MAINTNOTE-OBJECT-ID") == 0 && *value != '\0')
        g_ptr_array_add (objects, (gpointer) value);
      else if (g_ascii_strcasecmp (name, "X-MAINTNOTE-IMPACT") == 0)
        {
          /* An impact this reader does not know is assumed to be the worst. */
          if (!impact_from_string (value, &impact))
            impact = PM_IMPACT_OUTAGE;
        }
      else if (g_ascii_strcasecmp (name, "X-MAINTNOTE-STATUS") == 0
               && g_ascii_strcasecmp (value, "CANCELLED") == 0)
        notice->cancelled = TRUE;
    }
  if (objects->len == 0)
    {
      notice_free (notice);
      ics_fail (error, file, index, uid, "X-MAINTNOTE-OBJECT-ID",
                "missing (expected the circuit id of the affected segment)");
      return NULL;
    }

  for (guint i = 0; i < objects->len; i++)
    {
      const char *object = g_ptr_array_index (objects, i);
      PmEvent *event = g_new0 (PmEvent, 1);

      event->id = objects->len == 1 ? g_strdup (uid) : g_strdup_printf ("%s#%s", uid, object);
      event->kind = PM_EVENT_MAINTENANCE;
      event->issued_s = issued;
      event->start_s = start;
      event->end_s = end;
      event->title = g_strdup (summary != NULL ? summary : "");
      event->circuit_id = g_strdup (object);
      event->impact = impact;
      event->severity = PM_SEVERITY_UNKNOWN;
      event->certainty = PM_CERTAINTY_UNKNOWN;
      event->urgency = PM_URGENCY_UNKNOWN;
      g_ptr_array_add (notice->events, event);
    }
  return notice;
}

GPtrArray *
pm_ics_parse (const char *text,
              const char *display_name,
              GError    **error)
{
  g_autoptr(icalcomponent) root = NULL;
  g_autoptr(GPtrArray) notices = g_ptr_array_new_with_free_func ((GDestroyNotify) notice_free);
  g_autoptr(GHashTable) latest = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *events;
  int index = 0;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  root = icalparser_parse_string (text);
  if (root == NULL || icalcomponent_isa (root) != ICAL_VCALENDAR_COMPONENT)
    {
      ics_fail (error, display_name, -1, NULL, NULL, "not an iCalendar VCALENDAR");
      return NULL;
    }

  for (icalcomponent *vevent = icalcomponent_get_first_component (root, ICAL_VEVENT_COMPONENT);
       vevent != NULL;
       vevent = icalcomponent_get_next_component (root, ICAL_VEVENT_COMPONENT), index++)
    {
      Notice *notice = read_notice (vevent, index, display_name, error);
      Notice *previous;

      if (notice == NULL)
        return NULL;
      /* A later SEQUENCE of a notice replaces it wherever it appears in the file. */
      previous = g_hash_table_lookup (latest, notice->uid);
      if (previous != NULL && previous->sequence > notice->sequence)
        {
          notice_free (notice);
          continue;
        }
      g_hash_table_insert (latest, notice->uid, notice);
      g_ptr_array_add (notices, notice);
    }

  events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  for (guint i = 0; i < notices->len; i++)
    {
      Notice *notice = g_ptr_array_index (notices, i);

      if (g_hash_table_lookup (latest, notice->uid) != notice || notice->cancelled)
        continue;
      for (guint k = 0; k < notice->events->len; k++)
        g_ptr_array_add (events, g_steal_pointer (&notice->events->pdata[k]));
    }
  return events;
}

static void
add_x_property (icalcomponent *component,
                const char    *name,
                const char    *value)
{
  icalproperty *property = icalproperty_new_x (value);

  icalproperty_set_x_name (property, name);
  icalcomponent_add_property (component, property);
}

char *
pm_ics_write (const GPtrArray *events,
              const char      *provider,
              const char      *account)
{
  icaltimezone *utc = icaltimezone_get_utc_timezone ();
  g_autoptr(icalcomponent) calendar = icalcomponent_new (ICAL_VCALENDAR_COMPONENT);
  char *ical, *text;

  g_return_val_if_fail (events != NULL, NULL);

  icalcomponent_add_property (calendar, icalproperty_new_version ("2.0"));
  icalcomponent_add_property (calendar, icalproperty_new_prodid (PRODID));
  icalcomponent_add_property (calendar, icalproperty_new_method (ICAL_METHOD_PUBLISH));
  for (guint i = 0; i < events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index ((GPtrArray *) events, i);
      icalcomponent *vevent;

      if (event->kind != PM_EVENT_MAINTENANCE)
        continue;
      vevent = icalcomponent_new (ICAL_VEVENT_COMPONENT);
      icalcomponent_set_uid (vevent, event->id);
      icalcomponent_set_sequence (vevent, 0);
      icalcomponent_set_dtstamp (vevent, icaltime_from_timet_with_zone ((time_t) event->issued_s,
                                                                       0, utc));
      icalcomponent_set_dtstart (vevent, icaltime_from_timet_with_zone ((time_t) event->start_s,
                                                                       0, utc));
      icalcomponent_set_dtend (vevent, icaltime_from_timet_with_zone ((time_t) event->end_s,
                                                                     0, utc));
      icalcomponent_set_summary (vevent, event->title != NULL ? event->title : "");
      add_x_property (vevent, "X-MAINTNOTE-PROVIDER", provider);
      add_x_property (vevent, "X-MAINTNOTE-ACCOUNT", account);
      add_x_property (vevent, "X-MAINTNOTE-MAINTENANCE-ID", event->id);
      add_x_property (vevent, "X-MAINTNOTE-OBJECT-ID",
                      event->circuit_id != NULL ? event->circuit_id : "");
      add_x_property (vevent, "X-MAINTNOTE-IMPACT", pm_impact_to_string (event->impact));
      add_x_property (vevent, "X-MAINTNOTE-STATUS", "CONFIRMED");
      icalcomponent_add_component (calendar, vevent);
    }

  ical = icalcomponent_as_ical_string_r (calendar);
  text = g_strdup (ical);
  icalmemory_free_buffer (ical);
  return text;
}
