/* pm-event-feed.h: one entry point for every event feed document (maintenance iCalendar, CAP as
 * GeoJSON, CAP 1.2 XML), whatever brought it: a file, a URL, a test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-event.h"

G_BEGIN_DECLS

typedef enum
{
  PM_EVENT_FEED_ICALENDAR,
  PM_EVENT_FEED_CAP_GEOJSON,
  PM_EVENT_FEED_CAP_XML,
} PmEventFeedKind;

/* Parses one feed document whose kind is recognised from its content (never from a name).
 * name (a path or URL) prefixes every error message. Returns the events (PmEvent *, freed with
 * pm_event_free) or NULL with an error saying where the document is wrong. */
GPtrArray  *pm_event_feed_parse          (const char      *name,
                                          const char      *data,
                                          gsize            length,
                                          PmEventFeedKind *kind_out /* nullable */,
                                          GError         **error);
const char *pm_event_feed_kind_to_string (PmEventFeedKind  kind);

G_END_DECLS
