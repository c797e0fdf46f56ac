/* test-catalog-banner.c: the console window while its catalogue takes no decisions, under Xvfb.
 * A banner says the catalogue lost its quorum (or cannot be reached) and the decision buttons are
 * insensitive; both go when it is back. Once from snapshots that say so, once on a real
 * three-member etcd cluster that loses two members and gets them back.
 *
 * With PM_TEST_SCREENSHOT_DIR set, the window is also saved there as PNG with the banner shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <string.h>
#include <unistd.h>

#include "pm-engine.h"
#include "pm-test-etcd.h"
#include "pm-test-util.h"
#include "pm-window.h"

/* Bounds on the waiting loops: each round is one engine tick and one main loop iteration. */
#define MAX_ROUNDS 3000

typedef struct
{
  PmEngine   *engine;
  PmWindow   *window;
  PmTestEtcd *etcd;     /* in the etcd case */
  gint64      proposal; /* a pending proposal, for the proposals panel's buttons */
} Fixture;

/* The first widget under root (depth first) with that style class, or NULL. */
static GtkWidget *
find_by_class (GtkWidget  *root,
               const char *css_class)
{
  if (gtk_widget_has_css_class (root, css_class))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_class (child, css_class);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first actionable widget under root (depth first) bound to that action, or NULL. */
static GtkWidget *
find_by_action (GtkWidget  *root,
                const char *action)
{
  if (GTK_IS_ACTIONABLE (root)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_action (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkRevealer *
get_banner (Fixture *fixture)
{
  GtkWidget *banner = find_by_class (GTK_WIDGET (fixture->window), "catalog-banner");

  g_assert_true (GTK_IS_REVEALER (banner));
  return GTK_REVEALER (banner);
}

/* The banner's text: its one label. */
static const char *
get_banner_text (Fixture *fixture)
{
  GtkWidget *box = gtk_revealer_get_child (get_banner (fixture));

  for (GtkWidget *child = gtk_widget_get_first_child (box); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LABEL (child))
      return gtk_label_get_label (GTK_LABEL (child));
  g_assert_not_reached ();
}

static gboolean
banner_has_class (Fixture    *fixture,
                  const char *css_class)
{
  return gtk_widget_has_css_class (gtk_revealer_get_child (get_banner (fixture)), css_class);
}

/* Whether the proposals panel's Approve (of the pending proposal) and Approve All Matching
 * buttons can be pressed; both are asserted to agree. */
static gboolean
decisions_sensitive (Fixture *fixture)
{
  GtkWidget *panel = GTK_WIDGET (pm_window_get_proposals_panel (fixture->window));
  GtkWidget *approve = find_by_action (panel, "proposals.approve");
  GtkWidget *approve_matching = find_by_action (panel, "proposals.approve-matching");

  g_assert_nonnull (approve);
  g_assert_nonnull (approve_matching);
  g_assert_cmpint (gtk_widget_is_sensitive (approve), ==,
                   gtk_widget_is_sensitive (approve_matching));
  return gtk_widget_is_sensitive (approve);
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("PM_TEST_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (dir == NULL)
    return;
  /* Past the revealer's slide. */
  for (int i = 0; i < 40; i++)
    {
      gtk_test_widget_wait_for_draw (widget);
      g_usleep (10000);
    }
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* A pending proposal nobody will approve on its own: the least critical resource at an edge. */
static gint64
create_proposal (PmEngine *engine)
{
  PmCatalog *catalog = pm_mirror_get_catalog (pm_engine_get_mirror (engine));
  PmResources *resources = pm_engine_get_resources (engine);
  PmTopology *topology = pm_engine_get_topology (engine);
  gint64 now = pm_clock_now_s (pm_engine_get_clock (engine));
  const PmResource *resource = NULL;
  const char *site = NULL;
  g_autoptr(GError) error = NULL;
  PmProposal proposal = {
    .state = PM_PROPOSAL_PENDING,
    .probability = 0.42,
    .eta_s = now + 3600,
    .deadline_s = now + 12 * 60,
    .benefit = 1200,
    .score = 1,
    .reason = (char *) "Users at the site may be cut off from the origin",
    .prediction = (char *) "{}",
  };
  gint64 id;

  for (guint i = 0; i < pm_resources_get_n_resources (resources); i++)
    {
      const PmResource *candidate = pm_resources_get_resource (resources, i);

      if (resource == NULL || candidate->criticality < resource->criticality)
        resource = candidate;
    }
  for (guint i = 0; i < pm_topology_get_n_sites (topology) && site == NULL; i++)
    if (pm_topology_get_site (topology, i)->role == PM_SITE_ROLE_EDGE)
      site = pm_topology_get_site (topology, i)->id;
  g_assert_nonnull (resource);
  g_assert_nonnull (site);
  proposal.resource = resource->id;
  proposal.site = proposal.users_site = (char *) site;
  proposal.bytes = resource->size_bytes;
  id = pm_catalog_upsert_proposal (catalog, &proposal, now, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* One engine tick and what the main loop has to do after it (the catalogue's reads). */
static void
tick (Fixture *fixture)
{
  pm_engine_tick (fixture->engine);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Opens the window on an engine with that catalogue (NULL: the default SQLite file) and waits
 * until its proposals panel lists the pending proposal. */
static void
open_window (Fixture    *fixture,
             const char *catalog_uri)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  PmEngineOptions options = { .data_dir = data_dir, .start_paused = TRUE,
                              .catalog_uri = catalog_uri };
  g_autoptr(GSettings) settings = g_settings_new ("io.github.premirror.Premirror");
  g_autoptr(GError) error = NULL;
  PmProposalsPanel *panel;

  /* No tile server is reachable from a test: draw on the graticule alone. */
  g_settings_set_boolean (settings, "show-basemap", FALSE);

  fixture->engine = pm_engine_new (&options, &error);
  g_assert_no_error (error);
  pm_test_engine_start (fixture->engine);
  fixture->proposal = create_proposal (fixture->engine);

  fixture->window = pm_window_new (NULL, fixture->engine);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (fixture->window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  g_action_group_activate_action (G_ACTION_GROUP (fixture->window), "show-panel",
                                  g_variant_new_string ("proposals"));

  panel = pm_window_get_proposals_panel (fixture->window);
  for (int i = 0; i < MAX_ROUNDS && pm_proposals_panel_get_n_matching (panel) == 0; i++)
    {
      tick (fixture);
      g_usleep (1000);
    }
  g_assert_cmpuint (pm_proposals_panel_get_n_matching (panel), ==, 1);
  g_assert_cmpint (pm_proposals_panel_get_position (panel, fixture->proposal), ==, 0);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->engine);
  g_clear_pointer (&fixture->etcd, pm_test_etcd_free);
}

/* The engine's last snapshot as it would be with the catalogue in that state. Only what the
 * window's header and banner read is copied: the map shows no data meanwhile. */
static PmSnapshot *
snapshot_with_state (PmEngine       *engine,
                     PmCatalogState  state)
{
  PmSnapshot *last = pm_engine_get_snapshot (engine);
  PmSnapshot *snapshot = pm_snapshot_new (last->topology);

  snapshot->time_s = last->time_s;
  snapshot->speed = last->speed;
  snapshot->paused = last->paused;
  snapshot->source_description = g_strdup (last->source_description);
  snapshot->source_state = last->source_state;
  snapshot->horizon_s = last->horizon_s;
  snapshot->predicting = last->predicting;
  snapshot->catalog_state = state;
  return snapshot;
}

static void
emit_state (Fixture        *fixture,
            PmCatalogState  state)
{
  g_autoptr(PmSnapshot) snapshot = snapshot_with_state (fixture->engine, state);

  g_signal_emit_by_name (fixture->engine, "changed", snapshot);
}

/* READ_ONLY shows the quorum banner (a warning) and disables the decisions, UNREACHABLE says
 * so (an error), and the next snapshot of the engine's own catalogue (OK) hides it again. */
static void
test_catalog_banner_states (Fixture       *fixture,
                            gconstpointer  data)
{
  open_window (fixture, NULL);
  g_assert_false (gtk_revealer_get_reveal_child (get_banner (fixture)));
  g_assert_true (decisions_sensitive (fixture));

  emit_state (fixture, PM_CATALOG_STATE_READ_ONLY);
  g_assert_true (gtk_revealer_get_reveal_child (get_banner (fixture)));
  pm_test_assert_contains (get_banner_text (fixture), "lost its quorum");
  pm_test_assert_contains (get_banner_text (fixture), "last known state");
  pm_test_assert_contains (get_banner_text (fixture), "Decisions are refused");
  g_assert_true (banner_has_class (fixture, "warning"));
  g_assert_false (banner_has_class (fixture, "error"));
  g_assert_false (decisions_sensitive (fixture));
  /* The same state again changes nothing. */
  emit_state (fixture, PM_CATALOG_STATE_READ_ONLY);
  g_assert_true (gtk_revealer_get_reveal_child (get_banner (fixture)));
  g_assert_false (decisions_sensitive (fixture));
  save_screenshot (GTK_WIDGET (fixture->window), "catalog-banner-read-only.png");

  emit_state (fixture, PM_CATALOG_STATE_UNREACHABLE);
  g_assert_true (gtk_revealer_get_reveal_child (get_banner (fixture)));
  pm_test_assert_contains (get_banner_text (fixture), "cannot be reached");
  g_assert_true (banner_has_class (fixture, "error"));
  g_assert_false (banner_has_class (fixture, "warning"));
  g_assert_false (decisions_sensitive (fixture));
  save_screenshot (GTK_WIDGET (fixture->window), "catalog-banner-unreachable.png");

  /* The engine's SQLite catalogue is fine: its next snapshot says so. */
  tick (fixture);
  g_assert_cmpint (pm_engine_get_snapshot (fixture->engine)->catalog_state, ==,
                   PM_CATALOG_STATE_OK);
  g_assert_false (gtk_revealer_get_reveal_child (get_banner (fixture)));
  g_assert_true (decisions_sensitive (fixture));
}

/* Ticks until the banner is shown or hidden, the catalogue's health probe (once a second)
 * having noticed. */
static void
wait_for_banner (Fixture  *fixture,
                 gboolean  revealed)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (gtk_revealer_get_reveal_child (get_banner (fixture)) != revealed)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      tick (fixture);
      g_usleep (50000);
    }
}

/* A console on a three-member cluster: two members down, the banner says the quorum is lost;
 * back up, the banner goes. */
static void
test_catalog_banner_etcd_quorum (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  PmProposalsPanel *panel;

  fixture->etcd = pm_test_etcd_start (3, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip ("etcd is not installed (Debian package etcd-server)");
      return;
    }
  g_assert_no_error (error);
  uri = g_strdup_printf ("etcd:%s?prefix=/test-catalog-banner-%d/",
                         pm_test_etcd_get_endpoints (fixture->etcd), (int) getpid ());
  open_window (fixture, uri);
  panel = pm_window_get_proposals_panel (fixture->window);
  g_assert_false (gtk_revealer_get_reveal_child (get_banner (fixture)));
  g_assert_true (decisions_sensitive (fixture));

  /* The planner's proposals refused meanwhile are logged as messages, not warnings: this test
   * runs with warnings fatal. */
  for (guint member = 1; member < 3; member++)
    {
      g_assert_true (pm_test_etcd_kill_member (fixture->etcd, member, &error));
      g_assert_no_error (error);
    }
  wait_for_banner (fixture, TRUE);
  g_assert_cmpint (pm_engine_get_snapshot (fixture->engine)->catalog_state, ==,
                   PM_CATALOG_STATE_READ_ONLY);
  pm_test_assert_contains (get_banner_text (fixture), "lost its quorum");
  g_assert_false (decisions_sensitive (fixture));
  save_screenshot (GTK_WIDGET (fixture->window), "catalog-banner-etcd-quorum.png");
  /* The last known state is still shown. */
  g_assert_cmpint (pm_proposals_panel_get_position (panel, fixture->proposal), ==, 0);

  for (guint member = 1; member < 3; member++)
    {
      g_assert_true (pm_test_etcd_restart_member (fixture->etcd, member, &error));
      g_assert_no_error (error);
    }
  g_assert_true (pm_test_etcd_wait_healthy (fixture->etcd, 60000, &error));
  g_assert_no_error (error);
  wait_for_banner (fixture, FALSE);
  g_assert_true (decisions_sensitive (fixture));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The console's own styles, the banner's among them, as AdwApplication would load them. */
  gtk_css_provider_load_from_resource (css, "/io/github/premirror/Premirror/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add ("/catalog-banner/states", Fixture, NULL, NULL, test_catalog_banner_states,
              fixture_tear_down);
  g_test_add ("/catalog-banner/etcd-quorum", Fixture, NULL, NULL,
              test_catalog_banner_etcd_quorum, fixture_tear_down);

  return g_test_run ();
}
