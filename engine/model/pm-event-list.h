/* pm-event-list.h: infrastructure events read from feeds (maintenance iCalendar, CAP GeoJSON,
 * CAP XML), and the ones a predictor may see at a given time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-event.h"

G_BEGIN_DECLS

typedef struct _PmEventList PmEventList;

PmEventList *pm_event_list_new        (void);
void         pm_event_list_free       (PmEventList *self);

/* Reads one feed file and adds its events, through pm_event_feed_parse(): the kind
 * (iCalendar, CAP GeoJSON, CAP XML) is recognised from the content, not the name. Errors name
 * the file and, within it, the component, feature or element and the field. */
gboolean     pm_event_list_load_file  (PmEventList *self,
                                       const char  *path,
                                       GError     **error);
/* Takes ownership of every event of events (PmEvent). */
void         pm_event_list_take       (PmEventList *self,
                                       GPtrArray   *events);
guint        pm_event_list_get_n_events (PmEventList *self);

/* Copies of the events active in [from_s, to_s) and published by to_s, sorted by start then
 * id: the rule and order pm_simulator_get_events() uses too, so that a replay of exported
 * events feeds a predictor exactly what the simulator fed it. */
GPtrArray   *pm_event_list_get_events (PmEventList *self,
                                       gint64       from_s,
                                       gint64       to_s);

/* That rule and that order, for any list of events. */
gboolean     pm_event_is_visible      (const PmEvent *event,
                                       gint64         from_s,
                                       gint64         to_s);
int          pm_event_compare         (gconstpointer  a,
                                       gconstpointer  b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmEventList, pm_event_list_free)

G_END_DECLS
