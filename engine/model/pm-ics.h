/* pm-ics.h: maintenance notices as iCalendar with the network maintenance notification
 * properties (X-MAINTNOTE-*), read and written with libical.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-event.h"

G_BEGIN_DECLS

/* Each VEVENT becomes one PM_EVENT_MAINTENANCE event per X-MAINTNOTE-OBJECT-ID (the circuit,
 * matched against segments' circuit_id): id UID (with "#OBJECT" appended when a notice names
 * several), issued DTSTAMP, DTSTART to DTEND (or DURATION; an all-day DTSTART alone lasts the
 * day), title SUMMARY, impact X-MAINTNOTE-IMPACT (unknown or absent: OUTAGE), provider,
 * account and maintenance id from X-MAINTNOTE-PROVIDER, -ACCOUNT and -MAINTENANCE-ID. Of the
 * notices sharing a UID only the highest SEQUENCE counts (the later one on a tie), and a
 * cancelled notice (STATUS or X-MAINTNOTE-STATUS CANCELLED) takes its window away; TENTATIVE,
 * CONFIRMED, IN-PROCESS and COMPLETED windows are kept, any other X-MAINTNOTE-STATUS is an
 * error. A TZID is read from the calendar's VTIMEZONE or as an IANA zone name (unknown: an
 * error); floating times and dates are read as UTC. Errors name display_name, the VEVENT's
 * index and UID, and the property. */
GPtrArray *pm_ics_parse (const char *text,
                         const char *display_name,
                         GError    **error);

/* An iCalendar document with one VEVENT per maintenance event of events (others are left out),
 * the notices of provider for account unless an event names its own. */
char      *pm_ics_write (const GPtrArray *events,
                         const char      *provider,
                         const char      *account);

G_END_DECLS
