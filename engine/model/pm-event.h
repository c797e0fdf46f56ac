/* pm-event.h: infrastructure events (maintenance windows, weather alerts) in one small internal
 * type; the feed parsers (iCalendar, CAP) and the simulator all produce it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-geo.h"

G_BEGIN_DECLS

typedef enum
{
  PM_EVENT_MAINTENANCE,
  PM_EVENT_WEATHER,
} PmEventKind;

/* X-MAINTNOTE-IMPACT; unknown values count as an outage. */
typedef enum
{
  PM_IMPACT_NO_IMPACT,
  PM_IMPACT_REDUCED_REDUNDANCY,
  PM_IMPACT_DEGRADED,
  PM_IMPACT_OUTAGE,
} PmImpact;

/* CAP 1.2 severity, certainty and urgency, most severe first in each. */
typedef enum
{
  PM_SEVERITY_EXTREME,
  PM_SEVERITY_SEVERE,
  PM_SEVERITY_MODERATE,
  PM_SEVERITY_MINOR,
  PM_SEVERITY_UNKNOWN,
} PmSeverity;

typedef enum
{
  PM_CERTAINTY_OBSERVED,
  PM_CERTAINTY_LIKELY,
  PM_CERTAINTY_POSSIBLE,
  PM_CERTAINTY_UNLIKELY,
  PM_CERTAINTY_UNKNOWN,
} PmCertainty;

typedef enum
{
  PM_URGENCY_IMMEDIATE,
  PM_URGENCY_EXPECTED,
  PM_URGENCY_FUTURE,
  PM_URGENCY_PAST,
  PM_URGENCY_UNKNOWN,
} PmUrgency;

typedef struct
{
  char       *id;
  PmEventKind kind;
  gint64      issued_s;   /* when the feed published it; invisible before */
  gint64      start_s;
  gint64      end_s;
  char       *title;

  /* maintenance */
  char       *circuit_id;
  PmImpact    impact;
  char       *provider;        /* X-MAINTNOTE-PROVIDER, -ACCOUNT, -MAINTENANCE-ID; may be NULL */
  char       *account;
  char       *maintenance_id;

  /* weather */
  PmSeverity  severity;
  PmCertainty certainty;
  PmUrgency   urgency;
  /* One ring, closed or open; NULL when unlocated (an alert for zones, not a shape). An alert
   * over several polygons is several events, "ID#1", "ID#2", …: see pm-cap.c. */
  PmLatLon   *polygon;
  guint       n_polygon;
} PmEvent;

PmEvent    *pm_event_copy              (const PmEvent *event);
void        pm_event_free              (PmEvent *event);
const char *pm_impact_to_string        (PmImpact impact);
const char *pm_severity_to_string      (PmSeverity severity);
const char *pm_certainty_to_string     (PmCertainty certainty);
const char *pm_urgency_to_string       (PmUrgency urgency);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmEvent, pm_event_free)

G_END_DECLS
