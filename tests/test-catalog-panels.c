/* test-catalog-panels.c: the catalogue panels (proposals, jobs, resources, audit) on the demo
 * engine, under Xvfb, and the audit trail's CSV writer.
 *
 * With PM_TEST_SCREENSHOT_DIR set, the panels are also saved there as PNG, light and dark.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <string.h>

#include "pm-audit-csv.h"
#include "pm-audit-panel.h"
#include "pm-catalog-feed.h"
#include "pm-engine.h"
#include "pm-jobs-panel.h"
#include "pm-proposals-panel.h"
#include "pm-resources-panel.h"
#include "pm-test-util.h"

/* Bounds on the waiting loops: each round is one engine tick and one catalogue read. */
#define MAX_ROUNDS 3000
#define REASON     "Storm over the Channel, \"fibre\" cut expected;\nsee ticket 42, line 2"

typedef struct
{
  PmEngine         *engine;
  PmCatalogFeed    *feed;
  GtkWidget        *window;
  PmProposalsPanel *proposals;
  PmJobsPanel      *jobs;
  PmResourcesPanel *resources;
  PmAuditPanel     *audit;
  char             *toast;
  guint             watchdog;
} Fixture;

static gboolean
watchdog_cb (gpointer data)
{
  g_error ("The panels did not answer within 240 s");
  return G_SOURCE_REMOVE;
}

static void
toast_cb (GtkWidget  *panel,
          const char *message,
          Fixture    *fixture)
{
  g_test_message ("toast: %s", message);
  g_free (fixture->toast);
  fixture->toast = g_strdup (message);
}

/* Until the read under way (if any) has been shown. */
static void
wait_for_feed (Fixture *fixture)
{
  for (int i = 0; i < MAX_ROUNDS && pm_catalog_feed_is_busy (fixture->feed); i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (pm_catalog_feed_is_busy (fixture->feed));
}

/* One engine tick and the catalogue read it causes. */
static void
tick (Fixture *fixture)
{
  pm_engine_tick (fixture->engine);
  wait_for_feed (fixture);
}

static void
refresh (Fixture *fixture)
{
  pm_catalog_feed_refresh (fixture->feed);
  wait_for_feed (fixture);
}

/* The message of the toast the action under way ends with. */
static char *
wait_for_toast (Fixture *fixture)
{
  for (int i = 0; i < MAX_ROUNDS && fixture->toast == NULL; i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (fixture->toast);
  /* The action reads the catalogue again: let the panels show that read too. */
  wait_for_feed (fixture);
  return g_steal_pointer (&fixture->toast);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  PmEngineOptions options = { .data_dir = data_dir, .start_paused = TRUE, .demo_files = TRUE };
  g_autoptr(GError) error = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *panels[4];

  fixture->engine = pm_engine_new (&options, &error);
  g_assert_no_error (error);
  pm_test_engine_start (fixture->engine);
  /* Approving needs the origin's version: the files are hashed in a worker thread, whose
   * answer the engine takes on its next tick. */
  for (int i = 0; i < MAX_ROUNDS && !pm_mirror_is_ready (pm_engine_get_mirror (fixture->engine));
       i++)
    {
      pm_engine_tick (fixture->engine);
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert_true (pm_mirror_is_ready (pm_engine_get_mirror (fixture->engine)));
  /* A wait on the main loop that nothing ends would otherwise hang until the runner's timeout. */
  fixture->watchdog = g_timeout_add_seconds (240, watchdog_cb, NULL);

  fixture->feed = pm_catalog_feed_new (fixture->engine);
  fixture->proposals = pm_proposals_panel_new ();
  fixture->jobs = pm_jobs_panel_new ();
  fixture->resources = pm_resources_panel_new ();
  fixture->audit = pm_audit_panel_new ();
  panels[0] = GTK_WIDGET (fixture->proposals);
  panels[1] = GTK_WIDGET (fixture->jobs);
  panels[2] = GTK_WIDGET (fixture->resources);
  panels[3] = GTK_WIDGET (fixture->audit);
  pm_proposals_panel_set_feed (fixture->proposals, fixture->feed);
  pm_jobs_panel_set_feed (fixture->jobs, fixture->feed);
  pm_resources_panel_set_feed (fixture->resources, fixture->feed);
  pm_audit_panel_set_feed (fixture->audit, fixture->feed);
  for (guint i = 0; i < G_N_ELEMENTS (panels); i++)
    {
      /* The side panel's width in the console. */
      gtk_widget_set_size_request (panels[i], 380, -1);
      g_signal_connect (panels[i], "toast", G_CALLBACK (toast_cb), fixture);
      gtk_box_append (GTK_BOX (box), panels[i]);
      if (i + 1 < G_N_ELEMENTS (panels))
        gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
    }

  fixture->window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (fixture->window), box);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1540, 900);
  gtk_window_present (GTK_WINDOW (fixture->window));
  gtk_test_widget_wait_for_draw (fixture->window);
  wait_for_feed (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  wait_for_feed (fixture);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_assert_finalize_object (fixture->feed);
  g_clear_object (&fixture->engine);
  g_clear_pointer (&fixture->toast, g_free);
  g_source_remove (fixture->watchdog);
}

/* The inventory's least critical resource (the auto-approve policy leaves it to operators) and
 * an edge site to place it at. */
static void
pick_target (Fixture     *fixture,
             guint        nth_site,
             const char **resource,
             const char **site)
{
  PmResources *resources = pm_engine_get_resources (fixture->engine);
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  const PmResource *best = NULL;

  for (guint i = 0; i < pm_resources_get_n_resources (resources); i++)
    {
      const PmResource *candidate = pm_resources_get_resource (resources, i);
      if (best == NULL || candidate->criticality < best->criticality
          || (candidate->criticality == best->criticality
              && candidate->size_bytes < best->size_bytes))
        best = candidate;
    }
  *resource = best->id;
  *site = NULL;
  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    if (pm_topology_get_site (topology, i)->role == PM_SITE_ROLE_EDGE && nth_site-- == 0)
      {
        *site = pm_topology_get_site (topology, i)->id;
        break;
      }
  g_assert_nonnull (*site);
}

static gint64
create_proposal (Fixture    *fixture,
                 const char *resource,
                 const char *site)
{
  PmCatalog *catalog = pm_mirror_get_catalog (pm_engine_get_mirror (fixture->engine));
  PmResources *resources = pm_engine_get_resources (fixture->engine);
  gint64 now = pm_clock_now_s (pm_engine_get_clock (fixture->engine));
  PmProposal proposal = {
    .resource = (char *) resource,
    .site = (char *) site,
    .state = PM_PROPOSAL_PENDING,
    .users_site = (char *) site,
    .probability = 0.42,
    .eta_s = now + 3600,
    .deadline_s = now + 12 * 60,
    .bytes = pm_resources_get_resource (resources,
                                        pm_resources_lookup_resource (resources, resource))
               ->size_bytes,
    .benefit = 1200,
    .score = 1,
    .reason = (char *) "Users at the site may be cut off from the origin",
    .prediction = (char *) "{}",
  };
  g_autoptr(GError) error = NULL;
  gint64 id = pm_catalog_upsert_proposal (catalog, &proposal, now, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
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
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);

  if (dir == NULL)
    return;
  gtk_test_widget_wait_for_draw (widget);
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

static void
save_screenshots (Fixture    *fixture,
                  const char *suffix)
{
  AdwStyleManager *style = adw_style_manager_get_default ();

  if (g_getenv ("PM_TEST_SCREENSHOT_DIR") == NULL)
    return;
  for (int dark = 0; dark < 2; dark++)
    {
      g_autofree char *name = g_strdup_printf ("catalog-panels-%s-%s.png", suffix,
                                               dark ? "dark" : "light");

      adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                      : ADW_COLOR_SCHEME_FORCE_LIGHT);
      gtk_test_widget_wait_for_draw (fixture->window);
      save_screenshot (fixture->window, name);
    }
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

/* A proposal shows up, is approved through the panel's action, its job runs to the end in the
 * jobs panel and the replica reads in sync in the resources panel. */
static void
test_panels_approve_to_in_sync (Fixture       *fixture,
                                gconstpointer  data)
{
  const char *resource, *site;
  g_autofree char *message = NULL;
  gint64 proposal, job;
  gboolean shot_running = FALSE;
  GtkWidget *focus;
  int round;

  pick_target (fixture, 0, &resource, &site);
  proposal = create_proposal (fixture, resource, site);
  g_assert_null (pm_proposals_panel_get_state (fixture->proposals, proposal));
  refresh (fixture);
  g_assert_cmpstr (pm_proposals_panel_get_state (fixture->proposals, proposal), ==, "pending");
  g_assert_cmpuint (pm_proposals_panel_get_n_matching (fixture->proposals), >=, 1);

  /* The filter narrows "Approve All Matching" to what it shows. */
  pm_proposals_panel_set_filter (fixture->proposals, "no such resource anywhere");
  g_assert_cmpuint (pm_proposals_panel_get_n_matching (fixture->proposals), ==, 0);
  pm_proposals_panel_set_filter (fixture->proposals, NULL);
  g_assert_cmpuint (pm_resources_panel_get_n_shown (fixture->resources), ==,
                    pm_resources_get_n_resources (pm_engine_get_resources (fixture->engine)));
  save_screenshots (fixture, "pending");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->proposals),
                                             "proposals.approve", "x", proposal));
  message = wait_for_toast (fixture);
  pm_test_assert_contains (message, "Approved");
  g_assert_cmpstr (pm_proposals_panel_get_state (fixture->proposals, proposal), ==, "approved");
  g_assert_cmpint (pm_audit_panel_find (fixture->audit, "approve", resource, site), >, 0);

  job = pm_jobs_panel_find_job (fixture->jobs, resource, site);
  g_assert_cmpint (job, >, 0);
  g_assert_nonnull (pm_jobs_panel_get_state (fixture->jobs, job));
  for (round = 0; round < MAX_ROUNDS; round++)
    {
      const char *state = pm_jobs_panel_get_state (fixture->jobs, job);

      g_assert_nonnull (state);
      g_assert_cmpstr (state, !=, "failed");
      g_assert_cmpstr (state, !=, "cancelled");
      if (g_str_equal (state, "running") && !shot_running)
        {
          save_screenshots (fixture, "running");
          shot_running = TRUE;
        }
      if (g_str_equal (state, "done")
          && g_strcmp0 (pm_resources_panel_get_replica_state (fixture->resources, resource, site),
                        "in_sync") == 0)
        break;
      tick (fixture);
    }
  g_test_message ("job %" G_GINT64_FORMAT " done after %d rounds", job, round);
  g_assert_cmpint (round, <, MAX_ROUNDS);
  g_assert_cmpstr (pm_resources_panel_get_replica_state (fixture->resources, resource, site), ==,
                   "in_sync");
  pm_resources_panel_show_resource (fixture->resources, resource);
  save_screenshots (fixture, "done");

  /* Rows are updated in place: the focused row keeps the focus across refreshes. */
  focus = gtk_root_get_focus (GTK_ROOT (fixture->window));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_ancestor (focus, GTK_WIDGET (fixture->resources)));
  tick (fixture);
  refresh (fixture);
  g_assert_true (gtk_root_get_focus (GTK_ROOT (fixture->window)) == focus);

  /* Retiring needs a reason; with one, the replica goes. */
  g_assert_false (pm_resources_panel_retire (fixture->resources, resource, site, "  "));
  g_clear_pointer (&message, g_free);
  message = g_steal_pointer (&fixture->toast);
  pm_test_assert_contains (message, "reason");
  g_assert_true (pm_resources_panel_retire (fixture->resources, resource, site,
                                            "Test: no longer needed"));
  g_clear_pointer (&message, g_free);
  message = wait_for_toast (fixture);
  pm_test_assert_contains (message, "Retiring");
  g_assert_cmpint (pm_audit_panel_find (fixture->audit, "retire", resource, site), >, 0);

  /* A second approval of the same proposal conflicts: the catalogue's error is the toast. */
  pm_proposals_panel_approve (fixture->proposals, proposal);
  g_clear_pointer (&message, g_free);
  message = wait_for_toast (fixture);
  pm_test_assert_contains (message, "Could not approve");
}

/* Parses RFC 4180 text into records (GStrv each). */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  const char *c = text;

  while (*c != '\0')
    {
      if (*c == '"')
        {
          for (c++;; c++)
            {
              g_assert_true (*c != '\0');
              if (*c == '"' && c[1] == '"')
                {
                  g_string_append_c (field, '"');
                  c++;
                }
              else if (*c == '"')
                break;
              else
                g_string_append_c (field, *c);
            }
          c++;
          g_assert_true (*c == ',' || *c == '\r');
        }
      else
        {
          for (; *c != ',' && *c != '\r' && *c != '\0'; c++)
            {
              g_assert_true (*c != '\n' && *c != '"');
              g_string_append_c (field, *c);
            }
        }
      g_ptr_array_add (fields, g_strdup (field->str));
      g_string_truncate (field, 0);
      if (*c == ',')
        {
          c++;
          continue;
        }
      g_assert_cmpint (*c, ==, '\r');
      g_assert_cmpint (c[1], ==, '\n');
      c += 2;
      g_ptr_array_add (fields, NULL);
      /* The record keeps the strings; the array itself goes. */
      g_ptr_array_add (records, g_ptr_array_free (g_steal_pointer (&fields), FALSE));
      fields = g_ptr_array_new_with_free_func (g_free);
    }
  g_assert_cmpuint (fields->len, ==, 0);
  return records;
}

/* The message dialog a panel has just opened. */
static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* the list is GTK's */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);
      if (ADW_IS_MESSAGE_DIALOG (window))
        return ADW_MESSAGE_DIALOG (window);
    }
  g_error ("No message dialog is open");
  return NULL;
}

/* Rejecting: a blank reason is refused; a reason is kept, shown in the audit trail and written
 * to CSV intact (commas, quotes, line break). */
static void
test_panels_reject_and_export (Fixture       *fixture,
                               gconstpointer  data)
{
  const char *resource, *site;
  g_autofree char *message = NULL;
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "audit.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *contents = NULL;
  gint64 proposal, decision;
  gboolean found = FALSE;
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  pick_target (fixture, 1, &resource, &site);
  proposal = create_proposal (fixture, resource, site);
  refresh (fixture);
  g_assert_cmpstr (pm_proposals_panel_get_state (fixture->proposals, proposal), ==, "pending");

  g_assert_false (pm_proposals_panel_reject (fixture->proposals, proposal, ""));
  message = g_steal_pointer (&fixture->toast);
  pm_test_assert_contains (message, "needs a reason");
  g_assert_false (pm_proposals_panel_reject (fixture->proposals, proposal, " \n\t"));
  g_clear_pointer (&fixture->toast, g_free);
  refresh (fixture);
  g_assert_cmpstr (pm_proposals_panel_get_state (fixture->proposals, proposal), ==, "pending");
  g_assert_cmpint (pm_audit_panel_find (fixture->audit, "reject", resource, site), ==, 0);

  /* Through the row's Reject button: its dialog refuses to confirm until a reason is typed. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->proposals), "proposals.reject",
                                             "x", proposal));
  dialog = find_message_dialog ();
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "confirm"));
  entry = adw_message_dialog_get_extra_child (dialog);
  g_assert_true (GTK_IS_EDITABLE (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), "   ");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "confirm"));
  gtk_editable_set_text (GTK_EDITABLE (entry), REASON);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "confirm"));
  adw_message_dialog_response (dialog, "confirm");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_clear_pointer (&message, g_free);
  message = wait_for_toast (fixture);
  pm_test_assert_contains (message, "Rejected");
  g_assert_cmpstr (pm_proposals_panel_get_state (fixture->proposals, proposal), ==, "rejected");
  decision = pm_audit_panel_find (fixture->audit, "reject", resource, site);
  g_assert_cmpint (decision, >, 0);
  g_assert_cmpstr (pm_audit_panel_get_reason (fixture->audit, decision), ==, REASON);
  save_screenshots (fixture, "rejected");

  pm_audit_panel_export (fixture->audit, file);
  g_clear_pointer (&message, g_free);
  message = wait_for_toast (fixture);
  pm_test_assert_contains (message, "Exported");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  records = parse_csv (contents);
  g_assert_cmpuint (records->len, ==,
                    pm_catalog_feed_get_view (fixture->feed)->decisions->len + 1);
  g_assert_cmpstr (((char **) records->pdata[0])[0], ==, "id");
  g_assert_cmpstr (((char **) records->pdata[0])[8], ==, "reason");
  for (guint i = 1; i < records->len; i++)
    {
      char **record = g_ptr_array_index (records, i);
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, decision);

      g_assert_cmpuint (g_strv_length (record), ==, 9);
      /* RFC 3339 in UTC. */
      g_assert_true (g_str_has_suffix (record[1], "Z") && strlen (record[1]) == 20);
      if (g_str_equal (record[0], id))
        {
          g_assert_cmpstr (record[2], ==, g_get_user_name ());
          g_assert_cmpstr (record[3], ==, "reject");
          g_assert_cmpstr (record[4], ==, resource);
          g_assert_cmpstr (record[5], ==, site);
          g_assert_cmpstr (record[8], ==, REASON);
          found = TRUE;
        }
    }
  g_assert_true (found);
}

/* The CSV writer alone */

static void
test_csv_escape (void)
{
  static const struct
  {
    const char *field;
    const char *escaped;
  } cases[] = {
    { "plain", "plain" },
    { "", "" },
    { "a,b", "\"a,b\"" },
    { "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "two\nlines", "\"two\nlines\"" },
    { "carriage\rreturn", "\"carriage\rreturn\"" },
    { "\"", "\"\"\"\"" },
    { "ünïcödé → ok", "ünïcödé → ok" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *escaped = pm_audit_csv_escape (cases[i].field);
      g_assert_cmpstr (escaped, ==, cases[i].escaped);
    }
  {
    g_autofree char *escaped = pm_audit_csv_escape (NULL);
    g_assert_cmpstr (escaped, ==, "");
  }
}

static GPtrArray *
sample_decisions (void)
{
  GPtrArray *decisions = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_decision_free);
  PmDecision *reject = g_new0 (PmDecision, 1);
  PmDecision *retire = g_new0 (PmDecision, 1);

  reject->id = 7;
  reject->at = 1772366400; /* 2026-03-01T12:00:00Z */
  reject->who = g_strdup ("alice");
  reject->action = g_strdup ("reject");
  reject->proposal = 3;
  reject->resource = g_strdup ("crl");
  reject->site = g_strdup ("lon");
  reject->reason = g_strdup ("too big, \"really\"\r\nsorry");
  g_ptr_array_add (decisions, reject);

  retire->id = 8;
  retire->at = 1772366461;
  retire->who = g_strdup ("policy:auto-approve");
  retire->action = g_strdup ("retire");
  retire->resource = g_strdup ("zone");
  retire->site = g_strdup ("dub");
  g_ptr_array_add (decisions, retire);
  return decisions;
}

static void
test_csv_write (void)
{
  g_autoptr(GPtrArray) decisions = sample_decisions ();
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (pm_audit_csv_write (decisions, out, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_cmpstr (text, ==,
                   "id,at,who,action,resource,site,proposal,job,reason\r\n"
                   "7,2026-03-01T12:00:00Z,alice,reject,crl,lon,3,,"
                   "\"too big, \"\"really\"\"\r\nsorry\"\r\n"
                   "8,2026-03-01T12:01:01Z,policy:auto-approve,retire,zone,dub,,,\r\n");
}

/* A stream that fills up: the writer says so instead of stopping silently. */
static void
test_csv_write_error (void)
{
  g_autoptr(GPtrArray) decisions = sample_decisions ();
  static char buffer[64];
  g_autoptr(GOutputStream) out = g_memory_output_stream_new (buffer, sizeof buffer, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (pm_audit_csv_write (decisions, out, &error));
  g_assert_nonnull (error);
}

/* A file that cannot be written is reported with its name and leaves nothing behind; an
 * existing file is replaced whole. */
static void
test_csv_write_file (void)
{
  g_autoptr(GPtrArray) decisions = sample_decisions ();
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *bad = g_build_filename (dir, "missing", "audit.csv", NULL);
  g_autofree char *good = g_build_filename (dir, "audit.csv", NULL);
  g_autoptr(GFile) bad_file = g_file_new_for_path (bad);
  g_autoptr(GFile) good_file = g_file_new_for_path (good);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_assert_false (pm_audit_csv_write_file (decisions, bad_file, NULL, &error));
  g_assert_nonnull (error);
  pm_test_assert_contains (error->message, "audit.csv");
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (good, "old contents that are longer than a header line "
                                      "and then some more text to be sure\n", -1, NULL));
  g_assert_true (pm_audit_csv_write_file (decisions, good_file, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (good, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "id,at,who,"));
  g_assert_null (strstr (contents, "old contents"));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/audit-csv/escape", test_csv_escape);
  g_test_add_func ("/audit-csv/write", test_csv_write);
  g_test_add_func ("/audit-csv/write-error", test_csv_write_error);
  g_test_add_func ("/audit-csv/write-file", test_csv_write_file);
  g_test_add ("/catalog-panels/approve-to-in-sync", Fixture, NULL, fixture_set_up,
              test_panels_approve_to_in_sync, fixture_tear_down);
  g_test_add ("/catalog-panels/reject-and-export", Fixture, NULL, fixture_set_up,
              test_panels_reject_and_export, fixture_tear_down);

  return g_test_run ();
}
