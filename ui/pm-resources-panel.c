/* pm-resources-panel.c: one row per resource of the inventory, holding one line per replica.
 * Rows and lines are kept (by resource index, by site) across refreshes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-resources-panel.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pm-catalog-panel-private.h"
#include "pm-reason-entry.h"
#include "pm-widget-update.h"

struct _PmResourcesPanel
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  AdwStatusPage *empty_page;
  /* The template's empty state, shown again once a catalogue error clears. */
  char          *empty_icon;
  char          *empty_title;
  char          *empty_description;
  GtkListBox    *list;

  PmCatalogFeed *feed;
  gulong         changed_id;
  GHashTable    *rows;  /* gint64 * resource index → GtkListBoxRow (the list's) */
};

typedef struct
{
  PmReplicaState state;
  GtkWidget     *box;
  GtkWidget     *site;
  GtkWidget     *state_label;
  GtkWidget     *kind;
  GtkWidget     *retire;
  gboolean       seen;
} ReplicaLine;

typedef struct
{
  PmRowKey   key;
  char      *resource;
  GtkWidget *title;
  GtkWidget *facts;
  GtkWidget *replicas;  /* GtkBox of ReplicaLine boxes, by site */
  GtkWidget *none;
  GHashTable *lines;    /* site → ReplicaLine */
} ResourceRow;

typedef struct
{
  PmResourcesPanel *panel;  /* a reference */
  char             *resource;
  char             *site;
} ActionData;

enum
{
  TOAST,
  RESOURCE_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (PmResourcesPanel, pm_resources_panel, GTK_TYPE_WIDGET)

static void
resource_row_free (gpointer data)
{
  ResourceRow *row = data;

  g_free (row->resource);
  g_hash_table_unref (row->lines);
  g_free (row);
}

static ResourceRow *
row_data (GtkWidget *row)
{
  return (ResourceRow *) _pm_row_key (GTK_LIST_BOX_ROW (row));
}

static void
action_data_free (gpointer data)
{
  ActionData *action = data;

  g_clear_object (&action->panel);
  g_free (action->resource);
  g_free (action->site);
  g_free (action);
}

static const char *
describe_state (PmReplicaState state)
{
  switch (state)
    {
    case PM_REPLICA_PLANNED:
      return _("planned");
    case PM_REPLICA_COPYING:
      return _("copying");
    case PM_REPLICA_VERIFYING:
      return _("verifying");
    case PM_REPLICA_IN_SYNC:
      return _("in sync");
    case PM_REPLICA_STALE:
      return _("stale");
    case PM_REPLICA_RETIRING:
      return _("retiring");
    case PM_REPLICA_GONE:
      return _("gone");
    case PM_REPLICA_FAILED:
      return _("failed");
    default:
      return "";
    }
}

/* Every class state_class() gives, so that a line changing state loses the old one. */
static const char *const state_classes[] = {
  "success", "warning", "error", "accent", "dim-label", NULL
};

static const char *
state_class (PmReplicaState state)
{
  switch (state)
    {
    case PM_REPLICA_IN_SYNC:
      return "success";
    case PM_REPLICA_STALE:
      return "warning";
    case PM_REPLICA_FAILED:
      return "error";
    case PM_REPLICA_COPYING:
    case PM_REPLICA_VERIFYING:
      return "accent";
    default:
      return "dim-label";
    }
}

static char *
describe_consistency (const PmResource *resource)
{
  switch (resource->consistency)
    {
    case PM_CONSISTENCY_STRONG:
      return g_strdup (_("strong consistency"));
    case PM_CONSISTENCY_BOUNDED:
      return g_strdup_printf (_("at most %lld s stale"), (long long) resource->staleness_s);
    case PM_CONSISTENCY_EVENTUAL:
    default:
      return g_strdup (_("eventual consistency"));
    }
}

static ReplicaLine *
create_line (ResourceRow     *data,
             const PmReplica *replica)
{
  ReplicaLine *line = g_new0 (ReplicaLine, 1);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  g_autofree char *label = NULL;

  line->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  line->site = gtk_label_new (replica->site);
  gtk_label_set_xalign (GTK_LABEL (line->site), 0);
  gtk_widget_set_size_request (line->site, 48, -1);
  gtk_widget_add_css_class (line->site, "monospace");
  line->state_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (line->state_label), 0);
  gtk_widget_add_css_class (line->state_label, "caption-heading");
  line->kind = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (line->kind), 0);
  gtk_label_set_wrap (GTK_LABEL (line->kind), TRUE);
  gtk_widget_add_css_class (line->kind, "caption");
  gtk_widget_add_css_class (line->kind, "dim-label");
  gtk_box_append (GTK_BOX (texts), line->state_label);
  gtk_box_append (GTK_BOX (texts), line->kind);
  gtk_widget_set_hexpand (texts, TRUE);

  line->retire = gtk_button_new_with_mnemonic (_("Re_tire…"));
  gtk_widget_set_valign (line->retire, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (line->retire, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (line->retire), "resources.retire");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (line->retire),
                                          g_variant_new ("(ss)", replica->resource,
                                                         replica->site));
  label = g_strdup_printf (_("Retire the replica of %s at %s"), replica->resource, replica->site);
  gtk_accessible_update_property (GTK_ACCESSIBLE (line->retire), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, -1);

  gtk_box_append (GTK_BOX (line->box), line->site);
  gtk_box_append (GTK_BOX (line->box), texts);
  gtk_box_append (GTK_BOX (line->box), line->retire);
  gtk_box_append (GTK_BOX (data->replicas), line->box);
  line->state = replica->state;
  gtk_widget_add_css_class (line->state_label, state_class (replica->state));
  g_hash_table_insert (data->lines, g_strdup (replica->site), line);
  return line;
}

static void
update_line (ReplicaLine     *line,
             const PmReplica *replica)
{
  g_autofree char *kind = NULL;
  g_autofree char *version = replica->version > 0
                               ? g_strdup_printf (_("version %lld"),
                                                  (long long) replica->version)
                               : NULL;
  const char *lifetime = replica->temporary ? _("temporary: goes after the risk")
                                            : _("standing");

  line->state = replica->state;
  pm_widget_set_css_class_of (line->state_label, state_classes, state_class (replica->state));
  _pm_label_update (line->state_label, describe_state (replica->state));
  if (replica->state == PM_REPLICA_FAILED && replica->error != NULL)
    kind = g_strdup_printf ("%s · %s", lifetime, replica->error);
  else if (version != NULL)
    kind = g_strdup_printf ("%s · %s", lifetime, version);
  else
    kind = g_strdup (lifetime);
  _pm_label_update (line->kind, kind);
  gtk_widget_set_visible (line->retire, replica->state == PM_REPLICA_IN_SYNC
                                          || replica->state == PM_REPLICA_STALE);
}

static GtkWidget *
create_row (PmResourcesPanel *self,
            guint             index,
            const PmResource *resource)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  ResourceRow *data = g_new0 (ResourceRow, 1);

  data->key.id = index;
  data->resource = g_strdup (resource->id);
  data->lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  data->title = _pm_label_new ("heading", NULL);
  data->facts = _pm_label_new ("caption", "dim-label", NULL);
  data->replicas = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_margin_top (data->replicas, 4);
  data->none = _pm_label_new ("caption", "dim-label", NULL);
  gtk_label_set_label (GTK_LABEL (data->none), _("No replica: only the origin holds it"));
  gtk_box_append (GTK_BOX (box), data->title);
  gtk_box_append (GTK_BOX (box), data->facts);
  gtk_box_append (GTK_BOX (box), data->replicas);
  gtk_box_append (GTK_BOX (box), data->none);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  _pm_row_set_key (GTK_LIST_BOX_ROW (row), &data->key, resource_row_free);
  gtk_list_box_append (self->list, row);
  g_hash_table_insert (self->rows, &data->key.id, row);
  return row;
}

static void
update_row (GtkWidget        *row,
            const PmResource *resource,
            const char       *origin,
            GPtrArray        *replicas)
{
  ResourceRow *data = row_data (row);
  g_autofree char *consistency = describe_consistency (resource);
  g_autofree char *size = g_format_size (resource->size_bytes);
  g_autofree char *facts = g_strdup_printf (_("%s · origin %s · %s · %s"), resource->id, origin,
                                            consistency, size);
  g_autofree char *accessible = NULL;
  GHashTableIter iter;
  gpointer value;
  GtkWidget *previous = NULL;
  guint n_in_sync = 0, n_shown = 0;

  _pm_label_update (data->title, resource->name);
  _pm_label_update (data->facts, facts);

  g_hash_table_iter_init (&iter, data->lines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((ReplicaLine *) value)->seen = FALSE;
  /* Replicas come sorted by resource then site: the lines follow that order. */
  for (guint i = 0; i < replicas->len; i++)
    {
      const PmReplica *replica = g_ptr_array_index (replicas, i);
      ReplicaLine *line;

      if (!g_str_equal (replica->resource, resource->id) || replica->state == PM_REPLICA_GONE)
        continue;
      line = g_hash_table_lookup (data->lines, replica->site);
      if (line == NULL)
        line = create_line (data, replica);
      line->seen = TRUE;
      update_line (line, replica);
      gtk_box_reorder_child_after (GTK_BOX (data->replicas), line->box, previous);
      previous = line->box;
      n_shown++;
      n_in_sync += replica->state == PM_REPLICA_IN_SYNC;
    }
  g_hash_table_iter_init (&iter, data->lines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((ReplicaLine *) value)->seen)
      {
        gtk_box_remove (GTK_BOX (data->replicas), ((ReplicaLine *) value)->box);
        g_hash_table_iter_remove (&iter);
      }
  gtk_widget_set_visible (data->replicas, n_shown > 0);
  gtk_widget_set_visible (data->none, n_shown == 0);

  accessible = g_strdup_printf (ngettext ("%s, %s: %u replica, %u in sync",
                                          "%s, %s: %u replicas, %u in sync", n_shown),
                                resource->name, facts, n_shown, n_in_sync);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

static void
view_changed_cb (PmCatalogFeed    *feed,
                 PmCatalogView    *view,
                 PmResourcesPanel *self)
{
  PmEngine *engine = pm_catalog_feed_get_engine (feed);
  PmResources *resources = engine != NULL ? pm_engine_get_resources (engine) : NULL;
  PmTopology *topology = resources != NULL ? pm_resources_get_topology (resources) : NULL;
  guint n = resources != NULL ? pm_resources_get_n_resources (resources) : 0;

  _pm_rows_begin (self->list);
  for (guint i = 0; i < n; i++)
    {
      const PmResource *resource = pm_resources_get_resource (resources, i);
      gint64 key = i;
      GtkWidget *row = g_hash_table_lookup (self->rows, &key);

      if (row == NULL)
        row = create_row (self, i, resource);
      row_data (row)->key.seen = TRUE;
      row_data (row)->key.order = i;
      update_row (row, resource, pm_topology_get_site (topology, resource->origin)->id,
                  view->replicas);
    }
  _pm_rows_end (self->list, self->rows);
  if (view->error != NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty_page, _("Catalogue Unavailable"));
      adw_status_page_set_description (self->empty_page, view->error);
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, self->empty_icon);
      adw_status_page_set_title (self->empty_page, self->empty_title);
      adw_status_page_set_description (self->empty_page, self->empty_description);
    }
  gtk_stack_set_visible_child_name (self->stack, n > 0 && view->error == NULL ? "list" : "empty");
}

static void
row_activated_cb (GtkListBox       *list,
                  GtkListBoxRow    *row,
                  PmResourcesPanel *self)
{
  ResourceRow *data = row_data (GTK_WIDGET (row));

  if (data != NULL)
    g_signal_emit (self, signals[RESOURCE_SELECTED], 0, (guint) data->key.id);
}

static void
retired_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ActionData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!pm_catalog_feed_act_finish (PM_CATALOG_FEED (source), result, &error))
    message = g_strdup_printf (_("Could not retire %s at %s: %s"), data->resource, data->site,
                               error->message);
  else
    message = g_strdup_printf (_("Retiring the replica of %s at %s"), data->resource,
                               data->site);
  g_signal_emit (data->panel, signals[TOAST], 0, message);
  action_data_free (data);
}

static void
retire_confirmed_cb (GtkWidget  *panel,
                     const char *reason,
                     gpointer    user_data)
{
  ActionData *data = user_data;

  pm_resources_panel_retire (PM_RESOURCES_PANEL (panel), data->resource, data->site, reason);
}

static void
retire_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ActionData *data = g_new0 (ActionData, 1);
  g_autofree char *heading = NULL;

  g_variant_get (parameter, "(ss)", &data->resource, &data->site);
  heading = g_strdup_printf (_("Retire %s at %s?"), data->resource, data->site);
  _pm_reason_dialog_present (widget, heading,
                             _("Its file is removed from the site and clients there go back to "
                               "another replica or the origin. The reason goes into the audit "
                               "trail."),
                             _("_Retire"), retire_confirmed_cb, data, action_data_free);
}

static void
pm_resources_panel_dispose (GObject *object)
{
  PmResourcesPanel *self = PM_RESOURCES_PANEL (object);
  GtkWidget *child;

  _pm_catalog_panel_bind_feed (self, &self->feed, &self->changed_id, NULL, NULL);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->empty_icon, g_free);
  g_clear_pointer (&self->empty_title, g_free);
  g_clear_pointer (&self->empty_description, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_RESOURCES_PANEL);
  /* The template's outer box has no id: unparent it (and whatever is left) here. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (pm_resources_panel_parent_class)->dispose (object);
}

static void
pm_resources_panel_class_init (PmResourcesPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_resources_panel_dispose;

  /**
   * PmResourcesPanel::toast:
   * @message: what an action did, or why it failed
   */
  signals[TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * PmResourcesPanel::resource-selected:
   * @resource: the resource's index in the inventory
   */
  signals[RESOURCE_SELECTED] = g_signal_new ("resource-selected", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                             1, G_TYPE_UINT);

  gtk_widget_class_install_action (widget_class, "resources.retire", "(ss)", retire_action);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/"
                                               "pm-resources-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PmResourcesPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, PmResourcesPanel, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PmResourcesPanel, list);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-resources-panel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pm_resources_panel_init (PmResourcesPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->empty_icon = g_strdup (adw_status_page_get_icon_name (self->empty_page));
  self->empty_title = g_strdup (adw_status_page_get_title (self->empty_page));
  self->empty_description = g_strdup (adw_status_page_get_description (self->empty_page));
  self->rows = g_hash_table_new (g_int64_hash, g_int64_equal);
  gtk_list_box_set_sort_func (self->list, _pm_row_sort_cb, NULL, NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

PmResourcesPanel *
pm_resources_panel_new (void)
{
  return g_object_new (PM_TYPE_RESOURCES_PANEL, NULL);
}

void
pm_resources_panel_set_feed (PmResourcesPanel *self,
                             PmCatalogFeed    *feed)
{
  g_return_if_fail (PM_IS_RESOURCES_PANEL (self));
  g_return_if_fail (feed == NULL || PM_IS_CATALOG_FEED (feed));

  _pm_catalog_panel_bind_feed (self, &self->feed, &self->changed_id, feed,
                               G_CALLBACK (view_changed_cb));
}

void
pm_resources_panel_set_read_only (PmResourcesPanel *self,
                                  gboolean          read_only)
{
  g_return_if_fail (PM_IS_RESOURCES_PANEL (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resources.retire", !read_only);
}

gboolean
pm_resources_panel_retire (PmResourcesPanel *self,
                           const char       *resource,
                           const char       *site,
                           const char       *reason)
{
  PmCatalogAction action = { .kind = PM_CATALOG_ACTION_RETIRE };
  ActionData *data;

  g_return_val_if_fail (PM_IS_RESOURCES_PANEL (self), FALSE);
  g_return_val_if_fail (resource != NULL && site != NULL, FALSE);

  if (pm_reason_text_is_blank (reason))
    {
      g_signal_emit (self, signals[TOAST], 0,
                     _("Retiring a replica needs a reason: say why it is no longer needed"));
      return FALSE;
    }
  if (self->feed == NULL)
    {
      g_signal_emit (self, signals[TOAST], 0, _("The replica catalogue is not connected"));
      return FALSE;
    }
  action.resource = resource;
  action.site = site;
  action.reason = reason;
  data = g_new0 (ActionData, 1);
  data->panel = g_object_ref (self);
  data->resource = g_strdup (resource);
  data->site = g_strdup (site);
  pm_catalog_feed_act_async (self->feed, &action, NULL, retired_cb, data);
  return TRUE;
}

void
pm_resources_panel_show_resource (PmResourcesPanel *self,
                                  const char       *resource)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (PM_IS_RESOURCES_PANEL (self));

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (row_data (value)->resource, resource) == 0)
      {
        /* The scrolled window follows the focus. */
        gtk_widget_grab_focus (value);
        return;
      }
}

guint
pm_resources_panel_get_n_shown (PmResourcesPanel *self)
{
  g_return_val_if_fail (PM_IS_RESOURCES_PANEL (self), 0);

  return g_hash_table_size (self->rows);
}

const char *
pm_resources_panel_get_replica_state (PmResourcesPanel *self,
                                      const char       *resource,
                                      const char       *site)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (PM_IS_RESOURCES_PANEL (self), NULL);

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ResourceRow *data = row_data (value);
      ReplicaLine *line;

      if (!g_str_equal (data->resource, resource))
        continue;
      line = g_hash_table_lookup (data->lines, site);
      return line != NULL ? pm_replica_state_to_string (line->state) : NULL;
    }
  return NULL;
}
