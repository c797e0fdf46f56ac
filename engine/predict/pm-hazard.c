/* pm-hazard.c: event hazards.
 *
 * An event exposes a segment when it could cut it within the horizon: an outage-impact
 * maintenance window on the segment's circuit that overlaps [now, now + H), or a weather alert
 * whose polygon crosses the segment's line in that interval. Each exposure is remembered until it
 * is over; a partition of the segment that starts while it lasts marks it a hit. The hazard is the
 * segment's learned hit rate for that class of event (a beta-binomial estimate shrunk towards the
 * network-wide rate, itself shrunk towards a prior), scaled for weather by the alert's CAP
 * severity, certainty and urgency, so that a network whose storms never cut anything learns to
 * stop worrying about them, and a segment that always fails in storms stands out. Classes split
 * what cuts at very different rates: an OUTAGE window from a reroute announced as DEGRADED, a
 * Severe storm from a Minor one; learned together, the harmless ones would dilute the rate of
 * the dangerous ones until no outage window looked likely to cut.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-hazard.h"

/* How many exposures the prior weighs. */
#define PRIOR_STRENGTH_NETWORK   4.0
#define PRIOR_STRENGTH_SEGMENT   3.0
/* A partition this long after an exposure ends still counts as its consequence. */
#define EXPOSURE_GRACE_S         (15 * 60)

/* Prior P(partition | exposure) per class, before anything is learned: impacts short of an
 * outage reroute traffic but rarely cut. */
static const double class_priors[PM_HAZARD_N_CLASSES] = {
  [PM_HAZARD_MAINTENANCE_OUTAGE] = 0.5,
  [PM_HAZARD_MAINTENANCE_PARTIAL] = 0.1,
  [PM_HAZARD_WEATHER_SEVERE] = 0.25,
  [PM_HAZARD_WEATHER_OTHER] = 0.1,
};

typedef struct
{
  double exposures;
  double hits;
} Counts;

typedef struct
{
  guint         segment;
  PmHazardClass hazard_class;
  gint64        end_s;
  gboolean      hit;
} Exposure;

struct _PmHazardModel
{
  GObject     parent_instance;

  PmTopology *topology;
  GHashTable *segment_by_circuit;  /* circuit id (or segment id) → index + 1 */
  Counts     *counts;              /* n_segments × PM_HAZARD_N_CLASSES */
  Counts      network[PM_HAZARD_N_CLASSES];
  GHashTable *exposures;           /* "event-id\nsegment" → Exposure */
};

G_DEFINE_TYPE (PmHazardModel, pm_hazard_model, G_TYPE_OBJECT)

static PmHazardClass
class_of (const PmEvent *event)
{
  if (event->kind == PM_EVENT_MAINTENANCE)
    return event->impact == PM_IMPACT_OUTAGE ? PM_HAZARD_MAINTENANCE_OUTAGE
                                             : PM_HAZARD_MAINTENANCE_PARTIAL;
  return event->severity <= PM_SEVERITY_SEVERE ? PM_HAZARD_WEATHER_SEVERE
                                               : PM_HAZARD_WEATHER_OTHER;
}

static double
severity_weight (PmSeverity severity)
{
  static const double weights[] = { 1.0, 0.7, 0.4, 0.15, 0.3 };
  return weights[MIN ((guint) severity, G_N_ELEMENTS (weights) - 1)];
}

static double
certainty_weight (PmCertainty certainty)
{
  static const double weights[] = { 1.0, 0.8, 0.5, 0.2, 0.5 };
  return weights[MIN ((guint) certainty, G_N_ELEMENTS (weights) - 1)];
}

static double
urgency_weight (PmUrgency urgency)
{
  static const double weights[] = { 1.0, 0.8, 0.5, 0.1, 0.5 };
  return weights[MIN ((guint) urgency, G_N_ELEMENTS (weights) - 1)];
}

/* Ends of exposures that are over fold into the counts; a hit counts once per exposure. */
static void
retire_exposures (PmHazardModel *self,
                  gint64         now_s)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->exposures);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Exposure *exposure = value;
      Counts *segment, *network;

      if (now_s <= exposure->end_s + EXPOSURE_GRACE_S)
        continue;
      segment = &self->counts[exposure->segment * PM_HAZARD_N_CLASSES + exposure->hazard_class];
      network = &self->network[exposure->hazard_class];
      segment->exposures++;
      network->exposures++;
      if (exposure->hit)
        {
          segment->hits++;
          network->hits++;
        }
      g_hash_table_iter_remove (&iter);
    }
}

static void
remember_exposure (PmHazardModel *self,
                   const PmEvent *event,
                   guint          segment)
{
  g_autofree char *key = g_strdup_printf ("%s\n%u", event->id, segment);
  Exposure *exposure = g_hash_table_lookup (self->exposures, key);

  if (exposure == NULL)
    {
      exposure = g_new0 (Exposure, 1);
      exposure->segment = segment;
      exposure->hazard_class = class_of (event);
      g_hash_table_insert (self->exposures, g_steal_pointer (&key), exposure);
    }
  exposure->end_s = MAX (exposure->end_s, event->end_s);
}

static gboolean
crosses (PmHazardModel *self,
         const PmEvent *event,
         guint          segment)
{
  const PmSegment *s = pm_topology_get_segment (self->topology, segment);

  return pm_geo_segment_crosses_polygon (pm_topology_get_site (self->topology, s->a)->location,
                                         pm_topology_get_site (self->topology, s->b)->location,
                                         event->polygon, event->n_polygon);
}

static void
apply_maintenance (PmHazardModel   *self,
                   const PmEvent   *event,
                   PmSegmentHazard *out)
{
  int segment = pm_hazard_model_match_segment (self, event);
  double hazard;
  PmSegmentHazard *h;
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;
  g_autofree char *start_text = NULL;
  g_autofree char *end_text = NULL;

  if (segment < 0 || event->impact == PM_IMPACT_NO_IMPACT)
    return;
  remember_exposure (self, event, (guint) segment);
  hazard = pm_hazard_model_get_rate (self, (guint) segment, class_of (event));
  h = &out[segment];
  if (hazard <= h->maintenance)
    return;

  h->maintenance = hazard;
  h->maintenance_start_s = event->start_s;
  start = g_date_time_new_from_unix_utc (event->start_s);
  end = g_date_time_new_from_unix_utc (event->end_s);
  start_text = start != NULL ? g_date_time_format (start, "%H:%M") : g_strdup ("?");
  end_text = end != NULL ? g_date_time_format (end, "%H:%M") : g_strdup ("?");
  g_snprintf (h->maintenance_text, sizeof h->maintenance_text, "maintenance %s (%s) %s–%s UTC",
              event->circuit_id != NULL ? event->circuit_id : event->id,
              pm_impact_to_string (event->impact), start_text, end_text);
}

static void
apply_weather (PmHazardModel   *self,
               const PmEvent   *event,
               PmSegmentHazard *out)
{
  double scale = severity_weight (event->severity) * certainty_weight (event->certainty)
                 * urgency_weight (event->urgency);

  if (event->n_polygon < 3)
    return;
  for (guint i = 0; i < pm_topology_get_n_segments (self->topology); i++)
    {
      double hazard;

      if (!crosses (self, event, i))
        continue;
      remember_exposure (self, event, i);
      hazard = scale * pm_hazard_model_get_rate (self, i, class_of (event));
      if (hazard > out[i].weather)
        {
          out[i].weather = hazard;
          g_snprintf (out[i].weather_text, sizeof out[i].weather_text,
                      "storm '%s' over segment", pm_severity_to_string (event->severity));
        }
    }
}

static void
pm_hazard_model_finalize (GObject *object)
{
  PmHazardModel *self = PM_HAZARD_MODEL (object);

  g_clear_object (&self->topology);
  g_hash_table_unref (self->segment_by_circuit);
  g_hash_table_unref (self->exposures);
  g_free (self->counts);

  G_OBJECT_CLASS (pm_hazard_model_parent_class)->finalize (object);
}

static void
pm_hazard_model_class_init (PmHazardModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_hazard_model_finalize;
}

static void
pm_hazard_model_init (PmHazardModel *self)
{
  self->segment_by_circuit = g_hash_table_new (g_str_hash, g_str_equal);
  self->exposures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

PmHazardModel *
pm_hazard_model_new (PmTopology *topology)
{
  PmHazardModel *self = g_object_new (PM_TYPE_HAZARD_MODEL, NULL);
  guint n = pm_topology_get_n_segments (topology);

  self->topology = g_object_ref (topology);
  self->counts = g_new0 (Counts, (gsize) n * PM_HAZARD_N_CLASSES);
  /* Notices name circuits; a topology without circuit ids is matched on segment ids. */
  for (guint i = 0; i < n; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, i);
      g_hash_table_insert (self->segment_by_circuit, segment->id, GUINT_TO_POINTER (i + 1));
      if (segment->circuit_id != NULL)
        g_hash_table_insert (self->segment_by_circuit, segment->circuit_id,
                             GUINT_TO_POINTER (i + 1));
    }
  return self;
}

/* The segment a maintenance notice is about, or -1 when it names no circuit of this network. */
int
pm_hazard_model_match_segment (PmHazardModel *self,
                               const PmEvent *event)
{
  if (event->circuit_id == NULL)
    return -1;
  return GPOINTER_TO_INT (g_hash_table_lookup (self->segment_by_circuit, event->circuit_id)) - 1;
}

/* Fills out[n_segments] with each segment's hazard from the events that threaten it within
 * [now, now + horizon): published ones only (issued_s ≤ now). */
void
pm_hazard_model_evaluate (PmHazardModel   *self,
                          const GPtrArray *events,
                          gint64           now_s,
                          gint64           horizon_s,
                          PmSegmentHazard *out)
{
  guint n = pm_topology_get_n_segments (self->topology);

  retire_exposures (self, now_s);
  memset (out, 0, sizeof (PmSegmentHazard) * n);
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index ((GPtrArray *) events, i);

      if (event->issued_s > now_s || event->end_s <= now_s || event->start_s >= now_s + horizon_s)
        continue;
      if (event->kind == PM_EVENT_MAINTENANCE)
        apply_maintenance (self, event, out);
      else
        apply_weather (self, event, out);
    }
}

/* A partition of the segment started: every exposure of it still open was followed by one. */
void
pm_hazard_model_observe_partition (PmHazardModel *self,
                                   guint          segment,
                                   gint64         start_s)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (segment < pm_topology_get_n_segments (self->topology));

  g_hash_table_iter_init (&iter, self->exposures);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Exposure *exposure = value;
      if (exposure->segment == segment && start_s <= exposure->end_s + EXPOSURE_GRACE_S)
        exposure->hit = TRUE;
    }
}

/* The segment's own record shrunk towards the network's, which is shrunk towards the prior. */
double
pm_hazard_model_get_rate (PmHazardModel *self,
                          guint          segment,
                          PmHazardClass  hazard_class)
{
  const Counts *network = &self->network[hazard_class];
  const Counts *own = &self->counts[segment * PM_HAZARD_N_CLASSES + hazard_class];
  double network_rate = (network->hits + PRIOR_STRENGTH_NETWORK * class_priors[hazard_class])
                        / (network->exposures + PRIOR_STRENGTH_NETWORK);

  return (own->hits + PRIOR_STRENGTH_SEGMENT * network_rate)
         / (own->exposures + PRIOR_STRENGTH_SEGMENT);
}
