/* pm-routing-panel.c: where clients at a clicked location are sent, now and if the predicted
 * partitions happen.
 *
 * The answers come from the engine's routing service, which takes a lock and, for the what-if,
 * runs a shortest-path pass per resource: on a large network that is more than a frame's worth
 * of work, so every refresh runs in a worker thread, one at a time; a refresh asked for while
 * one runs is coalesced into a single one after it. The answers shown are looks (they do not
 * steer the clients of the region, nor count as decisions).
 *
 * Rows are built once per engine and updated in place, so that keyboard focus, the expanders'
 * state and the screen reader's position survive the refresh on every tick.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-routing-panel.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "model/pm-geo.h"
#include "pm-format.h"
#include "pm-widget-update.h"

/* The widgets of one resource's row. */
typedef struct
{
  GtkWidget *row;
  GtkWidget *now_button;
  GtkWidget *now_problem;      /* "No route", in place of the button */
  GtkWidget *what_if_button;
  GtkWidget *what_if_problem;
  GtkWidget *details;          /* the expander's box: rebuilt only when its text changes */
  char      *details_key;
  char      *now_text;
  char      *what_if_text;
  int        what_if_site;
} Row;

/* The answers for one resource: today's look and the what-if. */
typedef struct
{
  PmRouteAnswer *now;
  PmRouteAnswer *what_if;
} Routes;

/* What a worker computes from: a reference to the engine keeps the routing service alive. */
typedef struct
{
  PmEngine *engine;
  guint     client_site;
  guint     generation;
} Query;

struct _PmRoutingPanel
{
  GtkWidget     parent_instance;

  GtkStack     *stack;
  GtkLabel     *location_label;
  GtkLabel     *site_label;
  GtkLabel     *assumption_label;
  GtkLabel     *status_label;
  GtkListBox   *list;

  PmEngine     *engine;
  PmSnapshot   *snapshot;
  GPtrArray    *rows;          /* Row *, one per resource */
  gboolean      has_location;
  double        lat;
  double        lon;
  int           client_site;

  GCancellable *cancellable;
  gboolean      running;       /* a worker computes */
  gboolean      pending;       /* another refresh is due once it is done */
  guint         generation;    /* bumped when the question changes (engine, location) */
};

enum
{
  SITE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (PmRoutingPanel, pm_routing_panel, GTK_TYPE_WIDGET)

static void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->details_key);
  g_free (row->now_text);
  g_free (row->what_if_text);
  g_free (row);
}

static void
routes_free (gpointer data)
{
  Routes *routes = data;

  g_clear_pointer (&routes->now, pm_route_answer_free);
  g_clear_pointer (&routes->what_if, pm_route_answer_free);
  g_free (routes);
}

static void
query_free (gpointer data)
{
  Query *query = data;

  g_clear_object (&query->engine);
  g_free (query);
}

/* Worker ------------------------------------------------------------------------------------ */

static void
compute_routes_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  Query *query = task_data;
  PmRouting *routing = pm_engine_get_routing (query->engine);
  guint n_resources = pm_resources_get_n_resources (pm_routing_get_resources (routing));
  g_autoptr(GPtrArray) results = g_ptr_array_new_full (n_resources, routes_free);

  for (guint r = 0; r < n_resources; r++)
    {
      Routes *routes = g_new0 (Routes, 1);

      if (g_task_return_error_if_cancelled (task))
        {
          routes_free (routes);
          return;
        }
      routes->now = pm_routing_route_full (routing, query->client_site, r, PM_ROUTE_FLAG_PEEK);
      routes->what_if = pm_routing_route_assuming_predicted (routing, query->client_site, r);
      g_ptr_array_add (results, routes);
    }
  g_task_return_pointer (task, g_steal_pointer (&results), (GDestroyNotify) g_ptr_array_unref);
}

static void request_routes (PmRoutingPanel *self);
static void apply_routes   (PmRoutingPanel *self,
                            GPtrArray      *results);

static void
routes_computed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  PmRoutingPanel *self = PM_ROUTING_PANEL (source);
  Query *query = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = g_task_propagate_pointer (G_TASK (result), &error);

  /* Cancelled: the panel is being disposed; nothing is left to update. */
  if (results == NULL)
    return;
  self->running = FALSE;
  /* Answers to an older question (another location or engine) are dropped: the newer one is
   * pending. */
  if (query->generation == self->generation)
    apply_routes (self, results);
  if (self->pending)
    {
      self->pending = FALSE;
      request_routes (self);
    }
}

static void
request_routes (PmRoutingPanel *self)
{
  g_autoptr(GTask) task = NULL;
  Query *query;

  if (self->engine == NULL || !self->has_location || self->client_site < 0)
    return;
  if (self->running)
    {
      self->pending = TRUE;
      return;
    }
  query = g_new0 (Query, 1);
  query->engine = g_object_ref (self->engine);
  query->client_site = (guint) self->client_site;
  query->generation = self->generation;
  task = g_task_new (self, self->cancellable, routes_computed_cb, NULL);
  g_task_set_source_tag (task, request_routes);
  g_task_set_task_data (task, query, query_free);
  self->running = TRUE;
  g_task_run_in_thread (task, compute_routes_thread);
}

/* Texts ------------------------------------------------------------------------------------- */

static char *
describe_consistency (const PmResource *resource)
{
  switch (resource->consistency)
    {
    case PM_CONSISTENCY_STRONG:
      return g_strdup (_("Strong consistency"));
    case PM_CONSISTENCY_BOUNDED:
      if (resource->staleness_s >= 120)
        return g_strdup_printf (_("Bounded: at most %lld min stale"),
                                (long long) (resource->staleness_s / 60));
      return g_strdup_printf (_("Bounded: at most %lld s stale"),
                              (long long) resource->staleness_s);
    case PM_CONSISTENCY_EVENTUAL:
    default:
      return g_strdup (_("Eventual consistency"));
    }
}

static char *
describe_location (double lat,
                   double lon)
{
  /* TRANSLATORS: a location: latitude and longitude in degrees with their hemispheres. */
  return g_strdup_printf (_("%.2f° %s, %.2f° %s"), fabs (lat), lat >= 0 ? _("N") : _("S"),
                          fabs (lon), lon >= 0 ? _("E") : _("W"));
}

static char *
format_horizon (gint64 horizon_s)
{
  if (horizon_s >= 7200)
    return g_strdup_printf (_("%.1f h"), (double) horizon_s / 3600);
  return g_strdup_printf (_("%lld min"), (long long) (horizon_s / 60));
}

static char *
format_time_of_day (gint64 unix_s)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_s);

  if (time == NULL)
    return g_strdup ("");
  return g_date_time_format (time, "%H:%M UTC");
}

static char *
describe_assumption (PmTopology              *topology,
                     const PmRouteAssumption *assumption)
{
  const PmSegment *segment = pm_topology_get_segment (topology, assumption->segment);
  const char *a = pm_topology_get_site (topology, segment->a)->id;
  const char *b = pm_topology_get_site (topology, segment->b)->id;
  g_autofree char *eta = NULL;

  if (assumption->down_now)
    /* TRANSLATORS: a segment by its two sites, down now: "lon–par (down now)" */
    return g_strdup_printf (_("%s–%s (down now)"), a, b);
  if (assumption->eta_s > 0)
    {
      eta = format_time_of_day (assumption->eta_s);
      /* TRANSLATORS: a segment, its probability of failing and the expected time */
      return g_strdup_printf (_("%s–%s (p = %.2f, %s)"), a, b, assumption->risk, eta);
    }
  return g_strdup_printf (_("%s–%s (p = %.2f)"), a, b, assumption->risk);
}

/* The line under the location: what the what-if assumes, shared by every resource. */
static char *
describe_assumptions (PmRoutingPanel      *self,
                      PmTopology          *topology,
                      const PmRouteAnswer *what_if)
{
  g_autofree char *horizon = NULL;
  g_autoptr(GString) list = g_string_new (NULL);
  guint n = what_if->assumptions->len;
  guint n_named = n <= 5 ? n : 4;

  if (self->snapshot != NULL && !self->snapshot->predicting)
    return g_strdup (_("Predictions are not ready yet: the predicted partitions are only the "
                       "segments down now."));
  horizon = format_horizon (self->snapshot != NULL ? self->snapshot->horizon_s : 1800);
  if (n == 0)
    return g_strdup_printf (_("No segment is down or predicted to fail within %s."), horizon);
  for (guint i = 0; i < n_named; i++)
    {
      g_autofree char *text = describe_assumption (
        topology, &g_array_index (what_if->assumptions, PmRouteAssumption, i));

      if (i > 0)
        g_string_append (list, ", ");
      g_string_append (list, text);
    }
  if (n_named < n)
    g_string_append_printf (list, ngettext (", and %u more", ", and %u more", n - n_named),
                            n - n_named);
  return g_strdup_printf (ngettext ("Assumed down within %s (%u segment): %s",
                                    "Assumed down within %s (%u segments): %s", n),
                          horizon, n, list->str);
}

static const char *
describe_verdict (PmRouteVerdict verdict)
{
  switch (verdict)
    {
    case PM_ROUTE_CHOSEN:
      return _("chosen");
    case PM_ROUTE_KEPT:
      return _("kept");
    case PM_ROUTE_SLOWER:
      return _("eligible");
    case PM_ROUTE_CUT_OFF:
      return _("cut off");
    case PM_ROUTE_UNREACHABLE:
    default:
      return _("unreachable");
    }
}

static char *
describe_p_cut (double p_cut)
{
  if (isnan (p_cut))
    return g_strdup (_("p_cut unknown"));
  return g_strdup_printf (_("p_cut %.2f"), p_cut);
}

/* Rows -------------------------------------------------------------------------------------- */

static void
target_clicked_cb (GtkButton      *button,
                   PmRoutingPanel *self)
{
  int site = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "pm-site"));

  if (site > 0)
    g_signal_emit (self, signals[SITE_ACTIVATED], 0, (guint) (site - 1));
}

/* A flat button that shows a target; activating it asks the map to centre on the site. */
static GtkWidget *
target_button_new (PmRoutingPanel *self)
{
  GtkWidget *button = gtk_button_new_with_label ("");

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "numeric");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect (button, "clicked", G_CALLBACK (target_clicked_cb), self);
  return button;
}

static void
set_target (GtkWidget  *button,
            int         site,
            const char *text,
            const char *accessible)
{
  GtkWidget *label = gtk_button_get_child (GTK_BUTTON (button));

  /* The site is stored +1 so that "no site" is NULL. */
  g_object_set_data (G_OBJECT (button), "pm-site", GINT_TO_POINTER (site + 1));
  pm_label_set_if_changed (GTK_LABEL (label), text);
  gtk_widget_set_tooltip_text (button, accessible);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

static GtkWidget *
problem_label_new (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  GtkWidget *label = gtk_label_new (_("No route"));

  gtk_widget_add_css_class (box, "error");
  gtk_widget_add_css_class (label, "heading");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Problem"), -1);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_visible (box, FALSE);
  return box;
}

/* "Now" … [target]: the caption wraps before the target is squeezed. */
static GtkWidget *
line_new (const char *caption,
          GtkWidget  *button,
          GtkWidget  *problem)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (caption);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), button);
  gtk_box_append (GTK_BOX (box), problem);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  label, NULL, -1);
  return box;
}

static Row *
row_new (PmRoutingPanel   *self,
         const PmResource *resource)
{
  Row *row = g_new0 (Row, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (resource->name);
  g_autofree char *consistency_text = describe_consistency (resource);
  GtkWidget *consistency = gtk_label_new (consistency_text);
  GtkWidget *expander = gtk_expander_new (_("Reasons and alternatives"));

  row->what_if_site = -1;
  row->row = gtk_list_box_row_new ();
  /* The row is a container: its targets and expander take the focus, not the row. */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row->row), FALSE);
  gtk_widget_set_focusable (row->row, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  resource->name, -1);

  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 6);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_wrap (GTK_LABEL (name), TRUE);
  gtk_widget_add_css_class (name, "heading");
  gtk_box_append (GTK_BOX (box), name);
  gtk_label_set_xalign (GTK_LABEL (consistency), 0);
  gtk_widget_add_css_class (consistency, "dim-label");
  gtk_widget_add_css_class (consistency, "caption");
  gtk_widget_set_margin_bottom (consistency, 4);
  gtk_box_append (GTK_BOX (box), consistency);

  row->now_button = target_button_new (self);
  row->now_problem = problem_label_new ();
  gtk_box_append (GTK_BOX (box), line_new (_("Now"), row->now_button, row->now_problem));
  row->what_if_button = target_button_new (self);
  row->what_if_problem = problem_label_new ();
  gtk_box_append (GTK_BOX (box), line_new (_("If predicted partitions happen"),
                                           row->what_if_button, row->what_if_problem));

  row->details = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_margin_top (row->details, 6);
  gtk_widget_set_margin_end (row->details, 6);
  gtk_expander_set_child (GTK_EXPANDER (expander), row->details);
  gtk_widget_set_margin_top (expander, 4);
  gtk_box_append (GTK_BOX (box), expander);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row->row), box);
  return row;
}

static void
rebuild_rows (PmRoutingPanel *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_ptr_array_set_size (self->rows, 0);
  if (self->engine == NULL)
    return;
  {
    PmResources *resources = pm_engine_get_resources (self->engine);

    for (guint r = 0; r < pm_resources_get_n_resources (resources); r++)
      {
        Row *row = row_new (self, pm_resources_get_resource (resources, r));

        gtk_list_box_append (self->list, row->row);
        g_ptr_array_add (self->rows, row);
      }
  }
}

static GtkWidget *
details_label_new (const char *text,
                   const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (label, css_class);
  return label;
}

static void
add_reasons (GtkWidget           *box,
             const char          *heading,
             const PmRouteAnswer *answer)
{
  gtk_box_append (GTK_BOX (box), details_label_new (heading, "caption-heading"));
  for (guint i = 0; i < answer->reasons->len; i++)
    gtk_box_append (GTK_BOX (box),
                    details_label_new (g_ptr_array_index (answer->reasons, i), "caption"));
}

/* "Now: 3.00 ms, chosen · if predicted: 27.0 ms · p_cut 0.02" */
static char *
describe_alternative (const PmRouteCandidate *now,
                      const PmRouteAnswer    *what_if)
{
  g_autofree char *latency = isfinite (now->latency_ms) ? pm_format_ms (now->latency_ms)
                                                        : g_strdup (_("no path"));
  g_autofree char *p_cut = describe_p_cut (now->p_cut);
  g_autofree char *if_text = NULL;

  for (guint i = 0; i < what_if->candidates->len; i++)
    {
      const PmRouteCandidate *c = &g_array_index (what_if->candidates, PmRouteCandidate, i);

      if (c->site != now->site)
        continue;
      if_text = isfinite (c->latency_ms) ? pm_format_ms (c->latency_ms)
                                         : g_strdup (_("unreachable"));
    }
  /* TRANSLATORS: one candidate replica: its latency and verdict now, its latency if the
   * predicted partitions happen, and the probability of being cut off from the client */
  return g_strdup_printf (_("now %s, %s · if predicted: %s · %s"), latency,
                          describe_verdict (now->verdict),
                          if_text != NULL ? if_text : _("unknown"), p_cut);
}

static void
update_details (PmRoutingPanel *self,
                Row            *row,
                PmTopology     *topology,
                const Routes   *routes)
{
  g_autoptr(GString) key = g_string_new (NULL);
  GtkWidget *child;

  /* Rebuilding the box would move the focus away from a target inside it: only when the texts
   * change. */
  for (guint i = 0; i < routes->now->reasons->len; i++)
    g_string_append_printf (key, "%s\n", (char *) g_ptr_array_index (routes->now->reasons, i));
  for (guint i = 0; i < routes->what_if->reasons->len; i++)
    g_string_append_printf (key, "%s\n",
                            (char *) g_ptr_array_index (routes->what_if->reasons, i));
  for (guint i = 0; i < routes->now->candidates->len; i++)
    {
      const PmRouteCandidate *c = &g_array_index (routes->now->candidates, PmRouteCandidate, i);
      g_autofree char *text = describe_alternative (c, routes->what_if);

      g_string_append_printf (key, "%u %s\n", c->site, text);
    }
  if (g_strcmp0 (row->details_key, key->str) == 0)
    return;
  g_free (row->details_key);
  row->details_key = g_strdup (key->str);

  while ((child = gtk_widget_get_first_child (row->details)) != NULL)
    gtk_box_remove (GTK_BOX (row->details), child);
  add_reasons (row->details, _("Now"), routes->now);
  add_reasons (row->details, _("If predicted partitions happen"), routes->what_if);
  gtk_box_append (GTK_BOX (row->details), details_label_new (_("Alternatives"),
                                                             "caption-heading"));
  for (guint i = 0; i < routes->now->candidates->len; i++)
    {
      const PmRouteCandidate *c = &g_array_index (routes->now->candidates, PmRouteCandidate, i);
      const PmSite *site = pm_topology_get_site (topology, c->site);
      g_autofree char *text = describe_alternative (c, routes->what_if);
      g_autofree char *accessible = g_strdup_printf (_("%s (%s): %s; show on the map"),
                                                     site->name, site->id, text);
      GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *button = target_button_new (self);
      GtkWidget *label = details_label_new (text, "caption");

      set_target (button, (int) c->site, site->id, accessible);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (line), button);
      gtk_box_append (GTK_BOX (line), label);
      gtk_box_append (GTK_BOX (row->details), line);
    }
}

/* One line: the target as a button, or "No route" as a problem. */
static void
show_answer (GtkWidget           *button,
             GtkWidget           *problem,
             PmTopology          *topology,
             const PmRouteAnswer *answer,
             const char          *caption,
             char               **text_out)
{
  g_free (*text_out);
  if (answer->site < 0)
    {
      g_autofree char *accessible = g_strdup_printf (_("%s: no route"), caption);

      *text_out = g_strdup (_("No route"));
      gtk_widget_set_visible (button, FALSE);
      gtk_widget_set_visible (problem, TRUE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (problem), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
    }
  else
    {
      const PmSite *site = pm_topology_get_site (topology, (guint) answer->site);
      g_autofree char *latency = pm_format_ms (answer->latency_ms);
      g_autofree char *accessible = NULL;

      /* TRANSLATORS: the target of a route: site id · latency, "par · 3.00 ms" */
      *text_out = g_strdup_printf (_("%s · %s"), site->id, latency);
      accessible = g_strdup_printf (_("%s: %s (%s), %s; show on the map"), caption, site->name,
                                    site->id, latency);
      set_target (button, answer->site, *text_out, accessible);
      gtk_widget_set_visible (button, TRUE);
      gtk_widget_set_visible (problem, FALSE);
    }
}

static void
apply_routes (PmRoutingPanel *self,
              GPtrArray      *results)
{
  PmTopology *topology = pm_engine_get_topology (self->engine);
  gboolean ready = TRUE;

  for (guint r = 0; r < results->len && r < self->rows->len; r++)
    {
      Routes *routes = g_ptr_array_index (results, r);
      Row *row = g_ptr_array_index (self->rows, r);

      /* Before the engine's first tick there are no tables to ask. */
      if (routes->now == NULL || routes->what_if == NULL)
        {
          ready = FALSE;
          continue;
        }
      show_answer (row->now_button, row->now_problem, topology, routes->now, _("Now"),
                   &row->now_text);
      show_answer (row->what_if_button, row->what_if_problem, topology, routes->what_if,
                   _("If predicted partitions happen"), &row->what_if_text);
      row->what_if_site = routes->what_if->site;
      update_details (self, row, topology, routes);
      if (r == 0)
        {
          g_autofree char *text = describe_assumptions (self, topology, routes->what_if);

          pm_label_set_if_changed (self->assumption_label, text);
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), !ready);
  gtk_widget_set_visible (GTK_WIDGET (self->list), ready);
  if (!ready)
    pm_label_set_if_changed (self->status_label,
                             _("The routing tables are not built yet: answers follow the "
                               "engine’s first tick."));
}

static void
show_location (PmRoutingPanel *self)
{
  g_autofree char *location = describe_location (self->lat, self->lon);
  g_autofree char *site_text = NULL;

  gtk_label_set_label (self->location_label, location);
  if (self->engine == NULL || self->client_site < 0)
    {
      gtk_label_set_label (self->site_label, _("No network to route in"));
    }
  else
    {
      const PmSite *site = pm_topology_get_site (pm_engine_get_topology (self->engine),
                                                 (guint) self->client_site);
      PmLatLon here = { self->lat, self->lon };
      g_autofree char *distance = pm_format_km (pm_geo_distance_km (here, site->location));

      /* TRANSLATORS: the site a location maps to, and how far away it is */
      site_text = g_strdup_printf (_("Clients here are served as from %s (%s), %s away"),
                                   site->name, site->id, distance);
      gtk_label_set_label (self->site_label, site_text);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->location_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, location, -1);
  gtk_stack_set_visible_child_name (self->stack, "routes");
}

/* Forgets what rows show, for a new question. */
static void
reset_rows (PmRoutingPanel *self)
{
  for (guint r = 0; r < self->rows->len; r++)
    {
      Row *row = g_ptr_array_index (self->rows, r);

      g_clear_pointer (&row->now_text, g_free);
      g_clear_pointer (&row->what_if_text, g_free);
      row->what_if_site = -1;
    }
}

static void
locate (PmRoutingPanel *self)
{
  self->client_site = -1;
  if (self->engine != NULL && self->has_location)
    self->client_site = pm_routing_nearest_site (pm_engine_get_routing (self->engine), self->lat,
                                                 self->lon);
}

/* GObject ----------------------------------------------------------------------------------- */

static void
pm_routing_panel_dispose (GObject *object)
{
  PmRoutingPanel *self = PM_ROUTING_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_ROUTING_PANEL);

  G_OBJECT_CLASS (pm_routing_panel_parent_class)->dispose (object);
}

static void
pm_routing_panel_class_init (PmRoutingPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_routing_panel_dispose;

  /**
   * PmRoutingPanel::site-activated:
   * @site: the target site's index in the topology
   *
   * The user activated a target: the map should centre on it.
   */
  signals[SITE_ACTIVATED] = g_signal_new ("site-activated", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          1, G_TYPE_UINT);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/premirror/Premirror/pm-routing-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PmRoutingPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, PmRoutingPanel, location_label);
  gtk_widget_class_bind_template_child (widget_class, PmRoutingPanel, site_label);
  gtk_widget_class_bind_template_child (widget_class, PmRoutingPanel, assumption_label);
  gtk_widget_class_bind_template_child (widget_class, PmRoutingPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, PmRoutingPanel, list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-routing-panel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pm_routing_panel_init (PmRoutingPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_ptr_array_new_with_free_func (row_free);
  self->cancellable = g_cancellable_new ();
  self->client_site = -1;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Routing"), -1);
}

/* Public ------------------------------------------------------------------------------------ */

PmRoutingPanel *
pm_routing_panel_new (void)
{
  return g_object_new (PM_TYPE_ROUTING_PANEL, NULL);
}

void
pm_routing_panel_set_engine (PmRoutingPanel *self,
                             PmEngine       *engine)
{
  g_return_if_fail (PM_IS_ROUTING_PANEL (self));
  g_return_if_fail (engine == NULL || PM_IS_ENGINE (engine));

  if (!g_set_object (&self->engine, engine))
    return;
  self->generation++;
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  rebuild_rows (self);
  locate (self);
  if (self->has_location)
    {
      show_location (self);
      request_routes (self);
    }
}

void
pm_routing_panel_set_location (PmRoutingPanel *self,
                               double          lat,
                               double          lon)
{
  g_return_if_fail (PM_IS_ROUTING_PANEL (self));
  g_return_if_fail (lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180);

  self->has_location = TRUE;
  self->lat = lat;
  self->lon = lon;
  self->generation++;
  locate (self);
  reset_rows (self);
  show_location (self);
  request_routes (self);
}

void
pm_routing_panel_clear_location (PmRoutingPanel *self)
{
  g_return_if_fail (PM_IS_ROUTING_PANEL (self));

  self->has_location = FALSE;
  self->client_site = -1;
  self->generation++;
  self->pending = FALSE;
  reset_rows (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

void
pm_routing_panel_set_snapshot (PmRoutingPanel *self,
                               PmSnapshot     *snapshot)
{
  g_return_if_fail (PM_IS_ROUTING_PANEL (self));
  g_return_if_fail (snapshot != NULL);

  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  self->snapshot = pm_snapshot_ref (snapshot);
  request_routes (self);
}

int
pm_routing_panel_get_client_site (PmRoutingPanel *self)
{
  g_return_val_if_fail (PM_IS_ROUTING_PANEL (self), -1);
  return self->client_site;
}

gboolean
pm_routing_panel_is_busy (PmRoutingPanel *self)
{
  g_return_val_if_fail (PM_IS_ROUTING_PANEL (self), FALSE);
  return self->running || self->pending;
}

guint
pm_routing_panel_get_n_rows (PmRoutingPanel *self)
{
  g_return_val_if_fail (PM_IS_ROUTING_PANEL (self), 0);
  return self->rows->len;
}

static Row *
get_row (PmRoutingPanel *self,
         guint           resource)
{
  g_return_val_if_fail (PM_IS_ROUTING_PANEL (self), NULL);
  g_return_val_if_fail (resource < self->rows->len, NULL);
  return g_ptr_array_index (self->rows, resource);
}

const char *
pm_routing_panel_get_now_text (PmRoutingPanel *self,
                               guint           resource)
{
  Row *row = get_row (self, resource);

  return row != NULL ? row->now_text : NULL;
}

const char *
pm_routing_panel_get_what_if_text (PmRoutingPanel *self,
                                   guint           resource)
{
  Row *row = get_row (self, resource);

  return row != NULL ? row->what_if_text : NULL;
}

int
pm_routing_panel_get_what_if_site (PmRoutingPanel *self,
                                   guint           resource)
{
  Row *row = get_row (self, resource);

  return row != NULL ? row->what_if_site : -1;
}
