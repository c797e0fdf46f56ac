/* pm-proposals-panel.c: proposals, pending first (the most likely cut first), rows kept by
 * proposal id so that a refresh never takes keyboard focus away from the button an operator is
 * about to press.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-proposals-panel.h"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pm-catalog-panel-private.h"
#include "pm-format.h"
#include "pm-reason-entry.h"
#include "pm-widget-update.h"

/* Decided proposals stay in the list, dimmed, so that an operator sees what just happened to
 * the one they acted on; older ones are in the audit trail. */
#define MAX_DECIDED 20
/* Proposals named one by one in the "Approve All Matching" dialog; the rest are counted. */
#define MAX_LISTED 8

struct _PmProposalsPanel
{
  GtkWidget       parent_instance;

  GtkSearchEntry *search;
  GtkButton      *approve_matching;
  GtkStack       *stack;
  AdwStatusPage  *empty_page;
  GtkListBox     *list;

  PmCatalogFeed  *feed;
  gulong          changed_id;
  GHashTable     *rows;  /* gint64 * proposal id → GtkListBoxRow (the list's) */
  gboolean        read_only;  /* the catalogue takes no decisions now */
};

typedef struct
{
  PmRowKey        key;
  PmProposalState state;
  char           *resource;
  char           *site;
  char           *haystack;  /* what the filter searches, case-folded */
  GtkWidget      *title;
  GtkWidget      *facts;
  GtkWidget      *reason;
  GtkWidget      *state_label;
  GtkWidget      *buttons;
  GtkWidget      *approve;
  GtkWidget      *reject;
} ProposalRow;

typedef struct
{
  PmProposalsPanel *panel;  /* a reference */
  PmCatalogActionKind kind;
  char             *resource;
  char             *site;
} ActionData;

typedef struct
{
  PmProposalsPanel *panel;  /* a reference */
  GArray           *ids;    /* gint64 */
  guint             next;
  guint             n_done;
  char             *first_error;
} BatchData;

enum
{
  TOAST,
  PROPOSAL_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (PmProposalsPanel, pm_proposals_panel, GTK_TYPE_WIDGET)

static void
proposal_row_free (gpointer data)
{
  ProposalRow *row = data;

  g_free (row->resource);
  g_free (row->site);
  g_free (row->haystack);
  g_free (row);
}

static ProposalRow *
row_data (GtkWidget *row)
{
  return (ProposalRow *) _pm_row_key (GTK_LIST_BOX_ROW (row));
}

static void
toast (PmProposalsPanel *self,
       const char       *message)
{
  g_signal_emit (self, signals[TOAST], 0, message);
}

/* When the job must start to finish before the partition is expected. */
static char *
describe_deadline (const PmProposal *proposal,
                   gint64            now_s)
{
  gint64 left = proposal->deadline_s - now_s;
  gint64 minutes;

  if (proposal->late)
    return g_strdup (_("late"));
  if (proposal->deadline_s <= 0)
    return g_strdup (_("no deadline"));
  if (left <= 0)
    return g_strdup (_("late"));
  minutes = (left + 59) / 60;
  if (minutes < 90)
    return g_strdup_printf (ngettext ("starts within %d min", "starts within %d min",
                                      (gulong) minutes),
                            (int) minutes);
  return g_strdup_printf (_("starts within %d h %02d min"), (int) (minutes / 60),
                          (int) (minutes % 60));
}

static const char *
describe_state (PmProposalState state)
{
  switch (state)
    {
    case PM_PROPOSAL_PENDING:
      return _("pending");
    case PM_PROPOSAL_APPROVED:
      return _("approved");
    case PM_PROPOSAL_REJECTED:
      return _("rejected");
    case PM_PROPOSAL_WITHDRAWN:
      return _("withdrawn: the risk fell");
    default:
      return "";
    }
}

static GtkWidget *
create_row (PmProposalsPanel *self,
            const PmProposal *proposal)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  ProposalRow *data = g_new0 (ProposalRow, 1);
  g_autofree char *haystack = NULL;

  data->key.id = proposal->id;
  data->resource = g_strdup (proposal->resource);
  data->site = g_strdup (proposal->site);
  haystack = g_strjoin (" ", proposal->resource, proposal->site,
                        proposal->users_site != NULL ? proposal->users_site : "",
                        proposal->reason != NULL ? proposal->reason : "", NULL);
  data->haystack = g_utf8_casefold (haystack, -1);

  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  data->title = _pm_label_new ("heading", NULL);
  data->facts = _pm_label_new ("caption", "numeric", NULL);
  data->reason = _pm_label_new ("caption", "dim-label", NULL);
  data->state_label = _pm_label_new ("caption", NULL);
  gtk_box_append (GTK_BOX (box), data->title);
  gtk_box_append (GTK_BOX (box), data->facts);
  gtk_box_append (GTK_BOX (box), data->reason);
  gtk_box_append (GTK_BOX (box), data->state_label);

  data->buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (data->buttons, GTK_ALIGN_END);
  gtk_widget_set_margin_top (data->buttons, 4);
  data->reject = gtk_button_new_with_mnemonic (_("_Reject…"));
  data->approve = gtk_button_new_with_mnemonic (_("_Approve"));
  gtk_widget_add_css_class (data->approve, "suggested-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (data->reject), "proposals.reject");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (data->reject),
                                          g_variant_new_int64 (proposal->id));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (data->approve), "proposals.approve");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (data->approve),
                                          g_variant_new_int64 (proposal->id));
  gtk_box_append (GTK_BOX (data->buttons), data->reject);
  gtk_box_append (GTK_BOX (data->buttons), data->approve);
  gtk_box_append (GTK_BOX (box), data->buttons);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  _pm_row_set_key (GTK_LIST_BOX_ROW (row), &data->key, proposal_row_free);
  gtk_list_box_append (self->list, row);
  g_hash_table_insert (self->rows, &data->key.id, row);
  return row;
}

static void
update_row (GtkWidget        *row,
            const PmProposal *proposal,
            gint64            now_s)
{
  ProposalRow *data = row_data (row);
  gboolean pending = proposal->state == PM_PROPOSAL_PENDING;
  g_autofree char *title = g_strdup_printf (_("%s → %s"), proposal->resource, proposal->site);
  g_autofree char *deadline = describe_deadline (proposal, now_s);
  g_autofree char *bytes = g_format_size (proposal->bytes);
  g_autofree char *probability = pm_format_ratio (proposal->probability);
  g_autofree char *facts = NULL;
  g_autofree char *state = NULL;
  g_autofree char *accessible = NULL;

  data->state = proposal->state;
  if (pending)
    facts = g_strdup_printf (_("%s · %s · %s likely · keeps %.0f req/h served"), deadline,
                             bytes, probability, proposal->benefit);
  else
    facts = g_strdup_printf (_("%s · %s likely · keeps %.0f req/h served"), bytes, probability,
                             proposal->benefit);
  if (!pending)
    {
      g_autofree char *when = pm_format_clock (proposal->updated_at);
      state = g_strdup_printf (_("%s, %s"), describe_state (proposal->state), when);
    }

  _pm_label_update (data->title, title);
  _pm_label_update (data->facts, facts);
  _pm_label_update (data->reason, proposal->reason);
  _pm_label_update (data->state_label, state);
  gtk_widget_set_visible (data->buttons, pending);
  /* Decided rows are dimmed label by label: dimming the whole row would dim the reason (dim
   * already) twice, below legibility. */
  for (GtkWidget **label = (GtkWidget *[]){ data->title, data->facts, data->state_label, NULL };
       *label != NULL; label++)
    pm_widget_set_css_class_if (*label, "dim-label", !pending);
  pm_widget_set_css_class_if (data->facts, "warning", pending && proposal->late);

  accessible = g_strdup_printf (_("Proposal to mirror %s to %s, %s: %s"), proposal->resource,
                                proposal->site, describe_state (proposal->state), facts);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  g_clear_pointer (&accessible, g_free);
  accessible = g_strdup_printf (_("Approve mirroring %s to %s"), proposal->resource,
                                proposal->site);
  gtk_accessible_update_property (GTK_ACCESSIBLE (data->approve), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  g_clear_pointer (&accessible, g_free);
  accessible = g_strdup_printf (_("Reject mirroring %s to %s"), proposal->resource,
                                proposal->site);
  gtk_accessible_update_property (GTK_ACCESSIBLE (data->reject), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

static gboolean
filter_cb (GtkListBoxRow *row,
           gpointer       user_data)
{
  PmProposalsPanel *self = user_data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search));
  g_autofree char *needle = NULL;

  if (pm_reason_text_is_blank (text))
    return TRUE;
  needle = g_utf8_casefold (text, -1);
  return strstr (row_data (GTK_WIDGET (row))->haystack, g_strstrip (needle)) != NULL;
}

static GArray *
matching_ids (PmProposalsPanel *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      ProposalRow *data;

      if (!GTK_IS_LIST_BOX_ROW (child) || (data = row_data (child)) == NULL)
        continue;
      if (data->state == PM_PROPOSAL_PENDING && filter_cb (GTK_LIST_BOX_ROW (child), self))
        g_array_append_val (ids, data->key.id);
    }
  return ids;
}

/* The count on the button, the empty state and what the filter hides. */
static void
update_chrome (PmProposalsPanel *self)
{
  g_autoptr(GArray) ids = matching_ids (self);
  g_autofree char *label = g_strdup_printf (_("Approve All Matching (%u)"), ids->len);
  gboolean filtering =
    !pm_reason_text_is_blank (gtk_editable_get_text (GTK_EDITABLE (self->search)));
  gboolean any_shown = FALSE;
  PmCatalogView *view = self->feed != NULL ? pm_catalog_feed_get_view (self->feed) : NULL;

  gtk_button_set_label (self->approve_matching, label);
  gtk_widget_set_sensitive (GTK_WIDGET (self->approve_matching),
                            ids->len > 0 && !self->read_only);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list));
       child != NULL && !any_shown; child = gtk_widget_get_next_sibling (child))
    any_shown = GTK_IS_LIST_BOX_ROW (child) && filter_cb (GTK_LIST_BOX_ROW (child), self);

  if (view != NULL && view->error != NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty_page, _("Catalogue Unavailable"));
      adw_status_page_set_description (self->empty_page, view->error);
    }
  else if (filtering)
    {
      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Matching Proposals"));
      adw_status_page_set_description (self->empty_page,
                                       _("No proposal's resource, site or reason matches the "
                                         "filter."));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "emblem-ok-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Proposals"));
      adw_status_page_set_description (self->empty_page,
                                       _("Nothing is at risk: no replica needs to be placed."));
    }
  gtk_stack_set_visible_child_name (self->stack, any_shown ? "list" : "empty");
}

static int
compare_decided (gconstpointer a,
                 gconstpointer b)
{
  const PmProposal *pa = *(const PmProposal *const *) a, *pb = *(const PmProposal *const *) b;

  return (pb->updated_at > pa->updated_at) - (pb->updated_at < pa->updated_at);
}

/* The most likely cut first, then the earliest deadline, then the oldest proposal. */
static int
compare_pending (gconstpointer a,
                 gconstpointer b)
{
  const PmProposal *pa = *(const PmProposal *const *) a, *pb = *(const PmProposal *const *) b;
  double qa = isnan (pa->probability) ? -1 : pa->probability;
  double qb = isnan (pb->probability) ? -1 : pb->probability;
  gint64 da = pa->deadline_s > 0 ? pa->deadline_s : G_MAXINT64;
  gint64 db = pb->deadline_s > 0 ? pb->deadline_s : G_MAXINT64;

  if (qa != qb)
    return qa > qb ? -1 : 1;
  if (da != db)
    return da < db ? -1 : 1;
  return (pa->id > pb->id) - (pa->id < pb->id);
}

static void
view_changed_cb (PmCatalogFeed    *feed,
                 PmCatalogView    *view,
                 PmProposalsPanel *self)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new ();
  g_autoptr(GPtrArray) decided = g_ptr_array_new ();
  guint order = 0;

  for (guint i = 0; i < view->proposals->len; i++)
    {
      PmProposal *proposal = g_ptr_array_index (view->proposals, i);
      g_ptr_array_add (proposal->state == PM_PROPOSAL_PENDING ? pending : decided, proposal);
    }
  g_ptr_array_sort (pending, compare_pending);
  g_ptr_array_sort (decided, compare_decided);
  if (decided->len > MAX_DECIDED)
    g_ptr_array_set_size (decided, MAX_DECIDED);

  _pm_rows_begin (self->list);
  for (guint pass = 0; pass < 2; pass++)
    {
      GPtrArray *proposals = pass == 0 ? pending : decided;

      for (guint i = 0; i < proposals->len; i++)
        {
          const PmProposal *proposal = g_ptr_array_index (proposals, i);
          GtkWidget *row = g_hash_table_lookup (self->rows, &proposal->id);

          if (row == NULL)
            row = create_row (self, proposal);
          row_data (row)->key.seen = TRUE;
          row_data (row)->key.order = order++;
          update_row (row, proposal, view->now_s);
        }
    }
  _pm_rows_end (self->list, self->rows);
  gtk_list_box_invalidate_filter (self->list);
  update_chrome (self);
}

static void
search_changed_cb (GtkSearchEntry   *entry,
                   PmProposalsPanel *self)
{
  gtk_list_box_invalidate_filter (self->list);
  update_chrome (self);
}

static void
row_activated_cb (GtkListBox       *list,
                  GtkListBoxRow    *row,
                  PmProposalsPanel *self)
{
  ProposalRow *data = row_data (GTK_WIDGET (row));

  if (data != NULL)
    g_signal_emit (self, signals[PROPOSAL_ACTIVATED], 0, data->resource, data->site);
}

/* Acting */

static void
action_data_free (ActionData *data)
{
  g_object_unref (data->panel);
  g_free (data->resource);
  g_free (data->site);
  g_free (data);
}

static void
acted_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  ActionData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!pm_catalog_feed_act_finish (PM_CATALOG_FEED (source), result, &error))
    message = g_strdup_printf (data->kind == PM_CATALOG_ACTION_APPROVE
                                 ? _("Could not approve %s → %s: %s")
                                 : _("Could not reject %s → %s: %s"),
                               data->resource, data->site, error->message);
  else
    message = g_strdup_printf (data->kind == PM_CATALOG_ACTION_APPROVE
                                 ? _("Approved %s → %s: a copy is queued")
                                 : _("Rejected %s → %s"),
                               data->resource, data->site);
  toast (data->panel, message);
  action_data_free (data);
}

static gboolean
act (PmProposalsPanel   *self,
     PmCatalogActionKind kind,
     gint64              proposal,
     const char         *reason)
{
  GtkWidget *row = g_hash_table_lookup (self->rows, &proposal);
  PmCatalogAction action = { .kind = kind, .proposal = proposal, .reason = reason };
  ActionData *data;

  if (self->feed == NULL)
    {
      toast (self, _("The replica catalogue is not connected"));
      return FALSE;
    }
  data = g_new0 (ActionData, 1);
  data->panel = g_object_ref (self);
  data->kind = kind;
  data->resource = g_strdup (row != NULL ? row_data (row)->resource : "?");
  data->site = g_strdup (row != NULL ? row_data (row)->site : "?");
  pm_catalog_feed_act_async (self->feed, &action, NULL, acted_cb, data);
  return TRUE;
}

static void
batch_step (BatchData *batch);

static void
batch_acted_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  BatchData *batch = user_data;
  g_autoptr(GError) error = NULL;

  if (pm_catalog_feed_act_finish (PM_CATALOG_FEED (source), result, &error))
    batch->n_done++;
  else if (batch->first_error == NULL)
    batch->first_error = g_strdup (error->message);
  batch_step (batch);
}

/* One approval after the other: each is its own transaction, and a conflict (someone else
 * decided first) must not stop the rest. */
static void
batch_step (BatchData *batch)
{
  PmProposalsPanel *self = batch->panel;
  g_autofree char *message = NULL;

  if (batch->next < batch->ids->len && self->feed != NULL)
    {
      PmCatalogAction action = { .kind = PM_CATALOG_ACTION_APPROVE };

      action.proposal = g_array_index (batch->ids, gint64, batch->next++);
      pm_catalog_feed_act_async (self->feed, &action, NULL, batch_acted_cb, batch);
      return;
    }
  if (batch->first_error == NULL)
    message = g_strdup_printf (ngettext ("Approved %u proposal", "Approved %u proposals",
                                         batch->n_done),
                               batch->n_done);
  else
    message = g_strdup_printf (_("Approved %u of %u proposals; the first failure: %s"),
                               batch->n_done, batch->ids->len, batch->first_error);
  toast (self, message);
  g_object_unref (batch->panel);
  g_array_unref (batch->ids);
  g_free (batch->first_error);
  g_free (batch);
}

static void
approve_ids (PmProposalsPanel *self,
             GArray           *ids)
{
  BatchData *batch = g_new0 (BatchData, 1);

  batch->panel = g_object_ref (self);
  batch->ids = g_array_ref (ids);
  batch_step (batch);
}

static void
reject_confirmed_cb (GtkWidget  *panel,
                     const char *reason,
                     gpointer    user_data)
{
  pm_proposals_panel_reject (PM_PROPOSALS_PANEL (panel), *(gint64 *) user_data, reason);
}

static void
reject_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PmProposalsPanel *self = PM_PROPOSALS_PANEL (widget);
  gint64 id = g_variant_get_int64 (parameter);
  GtkWidget *row = g_hash_table_lookup (self->rows, &id);
  g_autofree char *heading = NULL;

  if (row == NULL)
    return;
  heading = g_strdup_printf (_("Reject %s → %s?"), row_data (row)->resource,
                             row_data (row)->site);
  _pm_reason_dialog_present (widget, heading,
                             _("The replica will not be placed. The reason goes into the audit "
                               "trail."),
                             _("_Reject"), reject_confirmed_cb, g_memdup2 (&id, sizeof id),
                             g_free);
}

static void
approve_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  pm_proposals_panel_approve (PM_PROPOSALS_PANEL (widget), g_variant_get_int64 (parameter));
}

static void
approve_matching_confirmed_cb (GtkWidget  *panel,
                               const char *reason,
                               gpointer    user_data)
{
  approve_ids (PM_PROPOSALS_PANEL (panel), user_data);
}

/* The proposals the dialog names, one a line: an operator approving many transfers at once sees
 * which before confirming. */
static char *
describe_batch (PmProposalsPanel *self,
                GArray           *ids)
{
  GString *text = g_string_new (NULL);
  guint n_listed = MIN (ids->len, MAX_LISTED);

  for (guint i = 0; i < n_listed; i++)
    {
      GtkWidget *row = g_hash_table_lookup (self->rows, &g_array_index (ids, gint64, i));

      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* TRANSLATORS: one line of the list of proposals "Approve All Matching" asks about. */
      g_string_append_printf (text, _("• %s → %s"), row_data (row)->resource,
                              row_data (row)->site);
    }
  if (ids->len > n_listed)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text, ngettext ("and %u more", "and %u more", ids->len - n_listed),
                              ids->len - n_listed);
    }
  return g_string_free (text, FALSE);
}

static void
approve_matching_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  PmProposalsPanel *self = PM_PROPOSALS_PANEL (widget);
  /* What the dialog lists is what a confirmation approves, even if the catalogue or the filter
   * change while it is open. */
  g_autoptr(GArray) ids = matching_ids (self);
  g_autofree char *heading = NULL;
  g_autofree char *list = NULL;
  g_autofree char *body = NULL;

  if (ids->len == 0)
    return;
  heading = g_strdup_printf (ngettext ("Approve %u Proposal?", "Approve %u Proposals?", ids->len),
                             ids->len);
  list = describe_batch (self, ids);
  body = g_strdup_printf (_("Each of these will be copied to its site:\n%s"), list);
  _pm_confirm_dialog_present (widget, heading, body, _("_Approve All"),
                              approve_matching_confirmed_cb, g_array_ref (ids),
                              (GDestroyNotify) g_array_unref);
}

/* GObject */

static void
pm_proposals_panel_dispose (GObject *object)
{
  PmProposalsPanel *self = PM_PROPOSALS_PANEL (object);
  GtkWidget *child;

  _pm_catalog_panel_bind_feed (self, &self->feed, &self->changed_id, NULL, NULL);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_PROPOSALS_PANEL);
  /* The template's outer box has no id: unparent it (and whatever is left) here. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (pm_proposals_panel_parent_class)->dispose (object);
}

static void
pm_proposals_panel_class_init (PmProposalsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_proposals_panel_dispose;

  /**
   * PmProposalsPanel::toast:
   * @message: what an action did, or why it failed
   */
  signals[TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * PmProposalsPanel::proposal-activated:
   * @resource: the resource's id
   * @site: the target site's id
   */
  signals[PROPOSAL_ACTIVATED] = g_signal_new ("proposal-activated", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "proposals.approve", "x", approve_action);
  gtk_widget_class_install_action (widget_class, "proposals.reject", "x", reject_action);
  gtk_widget_class_install_action (widget_class, "proposals.approve-matching", NULL,
                                   approve_matching_action);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/"
                                               "pm-proposals-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PmProposalsPanel, search);
  gtk_widget_class_bind_template_child (widget_class, PmProposalsPanel, approve_matching);
  gtk_widget_class_bind_template_child (widget_class, PmProposalsPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, PmProposalsPanel, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PmProposalsPanel, list);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-proposals-panel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pm_proposals_panel_init (PmProposalsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_hash_table_new (g_int64_hash, g_int64_equal);
  gtk_list_box_set_sort_func (self->list, _pm_row_sort_cb, NULL, NULL);
  gtk_list_box_set_filter_func (self->list, filter_cb, self, NULL);
  update_chrome (self);
}

/* Public API */

PmProposalsPanel *
pm_proposals_panel_new (void)
{
  return g_object_new (PM_TYPE_PROPOSALS_PANEL, NULL);
}

void
pm_proposals_panel_set_feed (PmProposalsPanel *self,
                             PmCatalogFeed    *feed)
{
  g_return_if_fail (PM_IS_PROPOSALS_PANEL (self));
  g_return_if_fail (feed == NULL || PM_IS_CATALOG_FEED (feed));

  _pm_catalog_panel_bind_feed (self, &self->feed, &self->changed_id, feed,
                               G_CALLBACK (view_changed_cb));
}

void
pm_proposals_panel_set_read_only (PmProposalsPanel *self,
                                  gboolean          read_only)
{
  g_return_if_fail (PM_IS_PROPOSALS_PANEL (self));

  if (self->read_only == !!read_only)
    return;
  self->read_only = !!read_only;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "proposals.approve", !read_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "proposals.reject", !read_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "proposals.approve-matching", !read_only);
  /* The button's sensitivity also follows what the filter leaves to approve. */
  update_chrome (self);
}

void
pm_proposals_panel_approve (PmProposalsPanel *self,
                            gint64            proposal)
{
  g_return_if_fail (PM_IS_PROPOSALS_PANEL (self));

  act (self, PM_CATALOG_ACTION_APPROVE, proposal, NULL);
}

gboolean
pm_proposals_panel_reject (PmProposalsPanel *self,
                           gint64            proposal,
                           const char       *reason)
{
  g_return_val_if_fail (PM_IS_PROPOSALS_PANEL (self), FALSE);

  if (pm_reason_text_is_blank (reason))
    {
      toast (self, _("A rejection needs a reason: say why the replica should not be placed"));
      return FALSE;
    }
  return act (self, PM_CATALOG_ACTION_REJECT, proposal, reason);
}

void
pm_proposals_panel_approve_matching (PmProposalsPanel *self)
{
  g_autoptr(GArray) ids = NULL;

  g_return_if_fail (PM_IS_PROPOSALS_PANEL (self));

  ids = matching_ids (self);
  approve_ids (self, ids);
}

void
pm_proposals_panel_set_filter (PmProposalsPanel *self,
                               const char       *text)
{
  g_return_if_fail (PM_IS_PROPOSALS_PANEL (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search), text != NULL ? text : "");
  /* search-changed comes after a delay; callers expect the filter to apply now. */
  search_changed_cb (self->search, self);
}

guint
pm_proposals_panel_get_n_matching (PmProposalsPanel *self)
{
  g_autoptr(GArray) ids = NULL;

  g_return_val_if_fail (PM_IS_PROPOSALS_PANEL (self), 0);

  ids = matching_ids (self);
  return ids->len;
}

guint
pm_proposals_panel_get_n_shown (PmProposalsPanel *self)
{
  g_return_val_if_fail (PM_IS_PROPOSALS_PANEL (self), 0);

  return g_hash_table_size (self->rows);
}

int
pm_proposals_panel_get_position (PmProposalsPanel *self,
                                 gint64            proposal)
{
  GtkWidget *row;

  g_return_val_if_fail (PM_IS_PROPOSALS_PANEL (self), -1);

  row = g_hash_table_lookup (self->rows, &proposal);
  return row != NULL ? gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)) : -1;
}

const char *
pm_proposals_panel_get_state (PmProposalsPanel *self,
                              gint64            proposal)
{
  GtkWidget *row;

  g_return_val_if_fail (PM_IS_PROPOSALS_PANEL (self), NULL);

  row = g_hash_table_lookup (self->rows, &proposal);
  return row != NULL ? pm_proposal_state_to_string (row_data (row)->state) : NULL;
}
