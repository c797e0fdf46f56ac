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

/* How a time property was read. */
typedef enum
{
  TIME_OK,
  TIME_ABSENT,
  TIME_INVALID,
  TIME_UNKNOWN_ZONE,
} TimeResult;

/* A time property as unix seconds. A TZID is looked up in the calendar's VTIMEZONEs, then
 * among the IANA zones libical knows; one found in neither is an error rather than a guess, as
 * a window read in the wrong zone is hours off. Times without a zone (floating) and dates
 * (all-day, midnight) are read as UTC: a notice sent to operators in several countries that
 * names no zone means the network's clock, which is UTC. *tzid_out names an unknown zone. */
static TimeResult
read_time (icalcomponent    *event,
           icalproperty_kind kind,
           gint64           *out,
           const char      **tzid_out)
{
  icalproperty *property = icalcomponent_get_first_property (event, kind);
  icalparameter *tzid;
  struct icaltimetype time;

  if (property == NULL)
    return TIME_ABSENT;
  switch (kind)
    {
    case ICAL_DTSTART_PROPERTY:
      time = icalcomponent_get_dtstart (event);
      break;
    case ICAL_DTEND_PROPERTY:
    case ICAL_DURATION_PROPERTY:
      time = icalcomponent_get_dtend (event);
      /* DURATION counts from DTSTART, so DTSTART's zone is the one that matters. */
      if (kind == ICAL_DURATION_PROPERTY)
        property = icalcomponent_get_first_property (event, ICAL_DTSTART_PROPERTY);
      break;
    case ICAL_DTSTAMP_PROPERTY:
    default:
      time = icalcomponent_get_dtstamp (event);
      break;
    }
  if (icaltime_is_null_time (time) || !icaltime_is_valid_time (time))
    return TIME_INVALID;
  tzid = property != NULL ? icalproperty_get_first_parameter (property, ICAL_TZID_PARAMETER)
                          : NULL;
  if (tzid != NULL && time.zone == NULL && !time.is_date)
    {
      *tzid_out = icalparameter_get_tzid (tzid);
      return TIME_UNKNOWN_ZONE;
    }
  *out = (gint64) icaltime_as_timet_with_zone (time, time.zone != NULL
                                                       ? time.zone
                                                       : icaltimezone_get_utc_timezone ());
  return TIME_OK;
}

/* A required time: FALSE with an error naming the property. */
static gboolean
require_time (icalcomponent    *vevent,
              icalproperty_kind kind,
              gint64           *out,
              int               index,
              const char       *file,
              const char       *uid,
              GError          **error)
{
  const char *name = icalproperty_kind_to_string (kind);
  const char *tzid = NULL;

  switch (read_time (vevent, kind, out, &tzid))
    {
    case TIME_OK:
      return TRUE;
    case TIME_UNKNOWN_ZONE:
      return ics_fail (error, file, index, uid, name, "unknown time zone “%s” (no VTIMEZONE "
                       "defines it and it is not an IANA zone name)", tzid);
    case TIME_ABSENT:
    case TIME_INVALID:
    default:
      return ics_fail (error, file, index, uid, name, "%s",
                       kind == ICAL_DTSTAMP_PROPERTY
                         ? "missing or not a date-time (expected when the notice was sent)"
                         : "missing or not a date-time");
    }
}

/* X-MAINTNOTE-STATUS, or the standard STATUS. */
typedef enum
{
  STATUS_TENTATIVE,
  STATUS_CONFIRMED,
  STATUS_CANCELLED,
  STATUS_IN_PROCESS,
  STATUS_COMPLETED,
} Status;

static gboolean
status_from_string (const char *text,
                    Status     *status)
{
  static const char *names[] = { "TENTATIVE", "CONFIRMED", "CANCELLED", "IN-PROCESS",
                                 "COMPLETED" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (text, names[i]) == 0)
      {
        *status = (Status) i;
        return TRUE;
      }
  return FALSE;
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
  const char *provider = NULL, *account = NULL, *maintenance_id = NULL;
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
  if (!require_time (vevent, ICAL_DTSTAMP_PROPERTY, &issued, index, file, uid, error)
      || !require_time (vevent, ICAL_DTSTART_PROPERTY, &start, index, file, uid, error))
    return NULL;
  if (icalcomponent_get_first_property (vevent, ICAL_DTEND_PROPERTY) != NULL)
    {
      if (!require_time (vevent, ICAL_DTEND_PROPERTY, &end, index, file, uid, error))
        return NULL;
    }
  else if (icalcomponent_get_first_property (vevent, ICAL_DURATION_PROPERTY) != NULL)
    {
      if (!require_time (vevent, ICAL_DURATION_PROPERTY, &end, index, file, uid, error))
        return NULL;
    }
  else if (icalcomponent_get_dtstart (vevent).is_date)
    /* An all-day notice without an end lasts that day (RFC 5545, 3.6.1). */
    end = start + 24 * 3600;
  else
    {
      /* RFC 5545 would make it an instant, which no maintenance is: the end was forgotten. */
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
      Status status;

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
      else if (g_ascii_strcasecmp (name, "X-MAINTNOTE-STATUS") == 0)
        {
          /* TENTATIVE, CONFIRMED and IN-PROCESS windows may all cut; a COMPLETED one is kept
           * too, as history the hazard model learns from. Only CANCELLED takes it away. */
          if (!status_from_string (value, &status))
            {
              notice_free (notice);
              ics_fail (error, file, index, uid, name, "“%s” is not TENTATIVE, CONFIRMED, "
                        "CANCELLED, IN-PROCESS or COMPLETED", value);
              return NULL;
            }
          notice->cancelled |= status == STATUS_CANCELLED;
        }
      else if (g_ascii_strcasecmp (name, "X-MAINTNOTE-PROVIDER") == 0 && *value != '\0')
        provider = value;
      else if (g_ascii_strcasecmp (name, "X-MAINTNOTE-ACCOUNT") == 0 && *value != '\0')
        account = value;
      else if (g_ascii_strcasecmp (name, "X-MAINTNOTE-MAINTENANCE-ID") == 0 && *value != '\0')
        maintenance_id = value;
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
      event->provider = g_strdup (provider);
      event->account = g_strdup (account);
      event->maintenance_id = g_strdup (maintenance_id);
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
  const char *bad;
  int index = 0;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  /* iCalendar is UTF-8 (RFC 5545 §3.1.4), and libical passes any other bytes through into the
   * ids and titles the console and the API show. */
  if (!g_utf8_validate (text, -1, &bad))
    {
      guint line = 1;

      for (const char *p = text; p < bad; p++)
        line += *p == '\n';
      ics_fail (error, display_name, -1, NULL, NULL,
                "line %u: not UTF-8 text (an iCalendar file is UTF-8)", line);
      return NULL;
    }
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
      add_x_property (vevent, "X-MAINTNOTE-PROVIDER",
                      event->provider != NULL ? event->provider : provider);
      add_x_property (vevent, "X-MAINTNOTE-ACCOUNT",
                      event->account != NULL ? event->account : account);
      add_x_property (vevent, "X-MAINTNOTE-MAINTENANCE-ID",
                      event->maintenance_id != NULL ? event->maintenance_id : event->id);
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
