/* pm-detail-panel.c: the side panel for the selected site or segment.
 *
 * Rows are built once per selection and only their values change on each tick, so keyboard
 * focus and screen-reader position survive the live updates. Above them, the chart of the
 * selection's history, forecast and risk; its metric and time window are the panel's
 * "metric" and "span" properties, driven by the chart.metric and chart.span actions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-detail-panel.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pm-chart.h"
#include "pm-format.h"
#include "pm-health.h"
#include "pm-widget-update.h"

struct _PmDetailPanel
{
  GtkWidget   parent_instance;

  GtkStack   *stack;
  GtkLabel   *title;
  GtkLabel   *subtitle;
  GtkListBox *figures;
  GtkLabel   *links_heading;
  GtkListBox *links;
  GtkWidget  *metric_buttons;
  PmChart    *chart;

  PmEngine   *engine;
  PmSnapshot *snapshot;
  guint       span_s;
  char       *metric;     /* "latency", "jitter" or "loss" */
  int         site;
  int         segment;
  GHashTable *values;  /* row title → value GtkLabel (borrowed from the rows) */
  GtkWidget  *factor_rows[PM_MAX_FACTORS];
};

G_DEFINE_TYPE (PmDetailPanel, pm_detail_panel, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SPAN,
  PROP_METRIC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
add_row (PmDetailPanel *self,
         GtkListBox    *list,
         const char    *title)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *value = gtk_label_new (NULL);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_label_set_xalign (GTK_LABEL (value), 1);
  gtk_label_set_ellipsize (GTK_LABEL (value), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (value), 28);
  gtk_widget_add_css_class (value, "numeric");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
  gtk_list_box_append (list, row);
  g_hash_table_insert (self->values, g_strdup (title), value);
}

static void
set_value (PmDetailPanel *self,
           const char    *title,
           const char    *text)
{
  GtkLabel *label = g_hash_table_lookup (self->values, title);

  if (label != NULL)
    pm_label_set_if_changed (label, text);
}

static void
set_value_take (PmDetailPanel *self,
                const char    *title,
                char          *text)
{
  set_value (self, title, text);
  g_free (text);
}

static char *
describe_health (double health)
{
  if (isnan (health))
    return g_strdup (_("No data"));
  switch (pm_health_level (health))
    {
    case PM_HEALTH_DOWN:
      return g_strdup (_("Down"));
    case PM_HEALTH_DEGRADED:
      return g_strdup (_("Degraded"));
    case PM_HEALTH_GOOD:
    case PM_HEALTH_NO_DATA:
    default:
      return g_strdup (_("Healthy"));
    }
}

static void
build_segment_rows (PmDetailPanel *self)
{
  PmTopology *topology = self->snapshot->topology;
  const PmSegment *segment = pm_topology_get_segment (topology, (guint) self->segment);
  g_autofree char *ends = g_strdup_printf ("%s — %s", pm_topology_get_site (topology, segment->a)->name,
                                           pm_topology_get_site (topology, segment->b)->name);

  gtk_label_set_label (self->title, ends);
  gtk_label_set_label (self->subtitle, segment->id);
  add_row (self, self->figures, _("State"));
  add_row (self, self->figures, _("Partition risk"));
  add_row (self, self->figures, _("Expected at"));
  add_row (self, self->figures, _("Latency"));
  add_row (self, self->figures, _("Jitter"));
  add_row (self, self->figures, _("Loss"));
  add_row (self, self->figures, _("Baseline RTT"));
  add_row (self, self->figures, _("Length"));
  add_row (self, self->figures, _("Bandwidth"));
  add_row (self, self->figures, _("Circuit"));
  add_row (self, self->figures, _("Last sample"));
  /* The links list shows the factors behind the risk for a segment. */
  gtk_label_set_label (self->links_heading, _("Why"));
  for (guint i = 0; i < PM_MAX_FACTORS; i++)
    {
      self->factor_rows[i] = adw_action_row_new ();
      gtk_list_box_append (self->links, self->factor_rows[i]);
    }

  set_value_take (self, _("Baseline RTT"), pm_format_ms (pm_segment_baseline_rtt_ms (segment)));
  set_value_take (self, _("Length"), pm_format_km (segment->length_km));
  set_value_take (self, _("Bandwidth"), pm_format_bandwidth (segment->bandwidth_bps));
  set_value (self, _("Circuit"), segment->circuit_id != NULL ? segment->circuit_id : _("none"));
}

static void
update_segment (PmDetailPanel *self)
{
  const PmSegmentState *state = &self->snapshot->segments[self->segment];

  set_value_take (self, _("State"), describe_health (state->health));
  set_value_take (self, _("Partition risk"), pm_format_ratio (state->risk));
  set_value_take (self, _("Expected at"), state->eta_s > 0 ? pm_format_clock (state->eta_s)
                                                           : g_strdup (_("not expected")));
  for (guint i = 0; i < PM_MAX_FACTORS; i++)
    {
      gboolean shown = i < state->n_factors;

      gtk_widget_set_visible (self->factor_rows[i], shown);
      if (shown && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (
                                self->factor_rows[i])), state->factors[i].text) != 0)
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->factor_rows[i]),
                                       state->factors[i].text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->links_heading), state->n_factors > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->links), state->n_factors > 0);
  set_value_take (self, _("Latency"), pm_format_ms (state->sample.latency_ms));
  set_value_take (self, _("Jitter"), pm_format_ms (state->sample.jitter_ms));
  set_value_take (self, _("Loss"), pm_format_ratio (state->sample.loss_ratio));
  set_value_take (self, _("Last sample"), state->sample_time > 0
                                            ? pm_format_clock (state->sample_time)
                                            : g_strdup (_("never")));
}

static const char *
site_role_label (PmSiteRole role)
{
  switch (role)
    {
    case PM_SITE_ROLE_ORIGIN:
      return _("Origin");
    case PM_SITE_ROLE_CORE:
      return _("Core");
    case PM_SITE_ROLE_EDGE:
    default:
      return _("Edge");
    }
}

static void
build_site_rows (PmDetailPanel *self)
{
  PmTopology *topology = self->snapshot->topology;
  const PmSite *site = pm_topology_get_site (topology, (guint) self->site);
  const guint *segments;
  guint n_segments;

  gtk_label_set_label (self->title, site->name);
  gtk_label_set_label (self->subtitle, site->id);
  gtk_label_set_label (self->links_heading, _("Segments"));
  add_row (self, self->figures, _("Role"));
  add_row (self, self->figures, _("Region"));
  add_row (self, self->figures, _("Links up"));
  add_row (self, self->figures, _("Isolation risk"));
  add_row (self, self->figures, _("Address"));
  add_row (self, self->figures, _("IPv6 address"));
  set_value (self, _("Role"), site_role_label (site->role));
  set_value (self, _("Region"), site->region);
  set_value (self, _("Address"), site->address != NULL ? site->address : _("none"));
  set_value (self, _("IPv6 address"), site->address6 != NULL ? site->address6 : _("none"));

  segments = pm_topology_get_site_segments (topology, (guint) self->site, &n_segments);
  for (guint i = 0; i < n_segments; i++)
    {
      guint peer = pm_topology_segment_peer (topology, segments[i], (guint) self->site);
      add_row (self, self->links, pm_topology_get_site (topology, peer)->name);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->links_heading), n_segments > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->links), n_segments > 0);
}

static void
update_site (PmDetailPanel *self)
{
  PmTopology *topology = self->snapshot->topology;
  const PmSiteState *state = &self->snapshot->sites[self->site];
  const guint *segments;
  guint n_segments;

  set_value_take (self, _("Isolation risk"), pm_format_ratio (state->isolation));
  set_value_take (self, _("Links up"),
                  g_strdup_printf (_("%u of %u"), state->n_segments - state->n_down,
                                   state->n_segments));
  segments = pm_topology_get_site_segments (topology, (guint) self->site, &n_segments);
  for (guint i = 0; i < n_segments; i++)
    {
      guint peer = pm_topology_segment_peer (topology, segments[i], (guint) self->site);
      const PmSegmentState *segment = &self->snapshot->segments[segments[i]];
      g_autofree char *health = describe_health (segment->health);
      g_autofree char *latency = pm_format_ms (segment->sample.latency_ms);
      g_autofree char *risk = pm_format_ratio (segment->risk);

      set_value_take (self, pm_topology_get_site (topology, peer)->name,
                      g_strdup_printf (_("%s · %s · risk %s"), health, latency, risk));
    }
}

static void
rebuild (PmDetailPanel *self)
{
  clear_list (self->figures);
  clear_list (self->links);
  memset (self->factor_rows, 0, sizeof self->factor_rows);
  g_hash_table_remove_all (self->values);

  pm_chart_set_subject (self->chart, self->site, self->segment);
  gtk_widget_set_visible (self->metric_buttons, self->segment >= 0);
  if (self->snapshot == NULL || (self->site < 0 && self->segment < 0))
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  if (self->segment >= 0)
    build_segment_rows (self);
  else
    build_site_rows (self);
  gtk_stack_set_visible_child_name (self->stack, "details");
}

static void
refresh (PmDetailPanel *self)
{
  if (self->snapshot == NULL)
    return;
  if (self->segment >= 0)
    update_segment (self);
  else if (self->site >= 0)
    update_site (self);
}

static PmChartMetric
metric_from_string (const char *metric)
{
  if (g_strcmp0 (metric, "jitter") == 0)
    return PM_CHART_JITTER;
  if (g_strcmp0 (metric, "loss") == 0)
    return PM_CHART_LOSS;
  return PM_CHART_LATENCY;
}

static void
pm_detail_panel_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PmDetailPanel *self = PM_DETAIL_PANEL (object);

  switch (prop_id)
    {
    case PROP_SPAN:
      g_value_set_uint (value, self->span_s);
      break;
    case PROP_METRIC:
      g_value_set_string (value, self->metric);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_detail_panel_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  PmDetailPanel *self = PM_DETAIL_PANEL (object);

  switch (prop_id)
    {
    case PROP_SPAN:
      if (self->span_s != g_value_get_uint (value))
        {
          self->span_s = g_value_get_uint (value);
          pm_chart_set_span (self->chart, self->span_s);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_METRIC:
      {
        const char *metric = g_value_get_string (value);

        /* Anything else reads as latency, the metric operators look at first. */
        if (g_strcmp0 (metric, "jitter") != 0 && g_strcmp0 (metric, "loss") != 0)
          metric = "latency";
        if (g_strcmp0 (self->metric, metric) != 0)
          {
            g_free (self->metric);
            self->metric = g_strdup (metric);
            pm_chart_set_metric (self->chart, metric_from_string (metric));
            g_object_notify_by_pspec (object, pspec);
          }
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_detail_panel_dispose (GObject *object)
{
  PmDetailPanel *self = PM_DETAIL_PANEL (object);

  /* Nobody charts the segment any more: the engine can stop forecasting it. */
  if (self->engine != NULL && self->segment >= 0
      && pm_engine_get_watched_segment (self->engine) == self->segment)
    pm_engine_set_watched_segment (self->engine, -1);
  g_clear_object (&self->engine);
  g_clear_pointer (&self->metric, g_free);
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  g_clear_pointer (&self->values, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_DETAIL_PANEL);

  G_OBJECT_CLASS (pm_detail_panel_parent_class)->dispose (object);
}

static void
pm_detail_panel_class_init (PmDetailPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_detail_panel_dispose;
  object_class->get_property = pm_detail_panel_get_property;
  object_class->set_property = pm_detail_panel_set_property;

  /* The chart's time window in seconds (a GtkToggleButton group drives it). */
  properties[PROP_SPAN] = g_param_spec_uint ("span", NULL, NULL, 60, 30 * 24 * 3600, 6 * 3600,
                                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                             | G_PARAM_STATIC_STRINGS);
  /* The metric the chart shows: "latency", "jitter" or "loss". */
  properties[PROP_METRIC] = g_param_spec_string ("metric", NULL, NULL, "latency",
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                 | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PM_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/pm-detail-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PmDetailPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, PmDetailPanel, title);
  gtk_widget_class_bind_template_child (widget_class, PmDetailPanel, subtitle);
  gtk_widget_class_bind_template_child (widget_class, PmDetailPanel, figures);
  gtk_widget_class_bind_template_child (widget_class, PmDetailPanel, links_heading);
  gtk_widget_class_bind_template_child (widget_class, PmDetailPanel, links);
  gtk_widget_class_bind_template_child (widget_class, PmDetailPanel, metric_buttons);
  gtk_widget_class_bind_template_child (widget_class, PmDetailPanel, chart);
  gtk_widget_class_install_property_action (widget_class, "chart.span", "span");
  gtk_widget_class_install_property_action (widget_class, "chart.metric", "metric");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-detail-panel");
}

static void
pm_detail_panel_init (PmDetailPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->site = self->segment = -1;
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->span_s = 6 * 3600;
  self->metric = g_strdup ("latency");
  pm_chart_set_span (self->chart, self->span_s);
  pm_chart_set_metric (self->chart, PM_CHART_LATENCY);
}

PmDetailPanel *
pm_detail_panel_new (void)
{
  return g_object_new (PM_TYPE_DETAIL_PANEL, NULL);
}

void
pm_detail_panel_select (PmDetailPanel *self,
                        int            site,
                        int            segment)
{
  g_return_if_fail (PM_IS_DETAIL_PANEL (self));

  self->site = site;
  self->segment = segment;
  /* The engine forecasts the charted segment in its snapshots from the next tick on. */
  if (self->engine != NULL)
    pm_engine_set_watched_segment (self->engine, segment);
  rebuild (self);
  refresh (self);
}

void
pm_detail_panel_set_snapshot (PmDetailPanel *self,
                              PmSnapshot    *snapshot)
{
  gboolean new_topology;

  g_return_if_fail (PM_IS_DETAIL_PANEL (self));

  new_topology = self->snapshot == NULL || self->snapshot->topology != snapshot->topology;
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  self->snapshot = pm_snapshot_ref (snapshot);
  if (new_topology)
    rebuild (self);
  refresh (self);
  pm_chart_set_snapshot (self->chart, snapshot);
}

/* The engine the chart reads history from and that forecasts the selected segment. */
void
pm_detail_panel_set_engine (PmDetailPanel *self,
                            PmEngine      *engine)
{
  g_return_if_fail (PM_IS_DETAIL_PANEL (self));
  g_return_if_fail (engine == NULL || PM_IS_ENGINE (engine));

  if (!g_set_object (&self->engine, engine))
    return;
  if (engine != NULL)
    pm_engine_set_watched_segment (engine, self->segment);
  pm_chart_set_engine (self->chart, engine);
}

PmChart *
pm_detail_panel_get_chart (PmDetailPanel *self)
{
  g_return_val_if_fail (PM_IS_DETAIL_PANEL (self), NULL);

  return self->chart;
}

const char *
pm_detail_panel_get_title (PmDetailPanel *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "details") == 0
           ? gtk_label_get_label (self->title)
           : NULL;
}

/* The value shown in the row with that title, or NULL; lets tests read what a user reads. */
const char *
pm_detail_panel_get_value (PmDetailPanel *self,
                           const char    *row_title)
{
  GtkLabel *label = g_hash_table_lookup (self->values, row_title);
  return label != NULL ? gtk_label_get_label (label) : NULL;
}
