/* pm-event.c: infrastructure events.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-event.h"

PmEvent *
pm_event_copy (const PmEvent *event)
{
  PmEvent *copy = g_memdup2 (event, sizeof *event);

  copy->id = g_strdup (event->id);
  copy->title = g_strdup (event->title);
  copy->circuit_id = g_strdup (event->circuit_id);
  copy->provider = g_strdup (event->provider);
  copy->account = g_strdup (event->account);
  copy->maintenance_id = g_strdup (event->maintenance_id);
  copy->polygon = g_memdup2 (event->polygon, sizeof (PmLatLon) * event->n_polygon);
  return copy;
}

void
pm_event_free (PmEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->id);
  g_free (event->title);
  g_free (event->circuit_id);
  g_free (event->provider);
  g_free (event->account);
  g_free (event->maintenance_id);
  g_free (event->polygon);
  g_free (event);
}

const char *
pm_impact_to_string (PmImpact impact)
{
  static const char *names[] = { "NO-IMPACT", "REDUCED-REDUNDANCY", "DEGRADED", "OUTAGE" };
  return (guint) impact < G_N_ELEMENTS (names) ? names[impact] : "OUTAGE";
}

const char *
pm_severity_to_string (PmSeverity severity)
{
  static const char *names[] = { "Extreme", "Severe", "Moderate", "Minor", "Unknown" };
  return (guint) severity < G_N_ELEMENTS (names) ? names[severity] : "Unknown";
}

const char *
pm_certainty_to_string (PmCertainty certainty)
{
  static const char *names[] = { "Observed", "Likely", "Possible", "Unlikely", "Unknown" };
  return (guint) certainty < G_N_ELEMENTS (names) ? names[certainty] : "Unknown";
}

const char *
pm_urgency_to_string (PmUrgency urgency)
{
  static const char *names[] = { "Immediate", "Expected", "Future", "Past", "Unknown" };
  return (guint) urgency < G_N_ELEMENTS (names) ? names[urgency] : "Unknown";
}
