/* pm-api-mirror.c: GET /v1/resources, /v1/replicas, /v1/proposals, /v1/jobs, /v1/decisions;
 * POST /v1/proposals/{id}/approve|reject, /v1/mirror, /v1/jobs/{id}/cancel|retry,
 * /v1/replicas/{resource}/{site}/retire.
 *
 * The catalogue and the mirror's actions are thread-safe, so every handler answers on the API
 * thread. Each action is one catalogue transaction: a second decision on a decided proposal
 * answers 409, whichever operator sent it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-api-mirror.h"

#include <errno.h>
#include <math.h>

#include "mirror/pm-consistency.h"
#include "pm-api-json.h"
#include "pm-api-request.h"
#include "pm-json-private.h"

typedef struct
{
  PmTokens *tokens;  /* borrowed, as the mirror */
  PmMirror *mirror;
} Context;

static void
respond_catalog_error (const PmApiRequest *request,
                       const GError       *error)
{
  static const struct
  {
    PmCatalogError code;
    guint          status;
    const char    *name;
  } map[] = {
    { PM_CATALOG_ERROR_NOT_FOUND, SOUP_STATUS_NOT_FOUND, "not_found" },
    { PM_CATALOG_ERROR_CONFLICT, SOUP_STATUS_CONFLICT, "conflict" },
    { PM_CATALOG_ERROR_ILLEGAL, SOUP_STATUS_CONFLICT, "illegal_transition" },
    { PM_CATALOG_ERROR_INVALID, SOUP_STATUS_BAD_REQUEST, "invalid" },
    { PM_CATALOG_ERROR_READ_ONLY, SOUP_STATUS_SERVICE_UNAVAILABLE, "read_only" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_error_matches (error, PM_CATALOG_ERROR, map[i].code))
      {
        pm_api_json_respond_error (request, map[i].status, map[i].name, "%s", error->message);
        return;
      }
  pm_api_json_respond_error (request, SOUP_STATUS_INTERNAL_SERVER_ERROR, "catalog",
                             "%s", error->message);
}

/* Writes one item of a list as a JSON object. */
typedef void (*WriteItemFunc) (JsonBuilder   *builder,
                               Context       *context,
                               gint64         now,
                               gconstpointer  item);

/* Answers a GET of a catalogue list: the catalogue's error when listing fails, else an object
 * whose member is the array of the items, each written by write_item. */
static void
respond_list (const PmApiRequest *request,
              Context            *context,
              const char         *member,
              GPtrArray          *(*list) (PmCatalog *catalog, GError **error),
              WriteItemFunc       write_item)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = list (pm_mirror_get_catalog (context->mirror), &error);
  g_autoptr(JsonBuilder) builder = NULL;
  gint64 now = pm_api_request_now (request);

  if (items == NULL)
    {
      respond_catalog_error (request, error);
      return;
    }
  builder = pm_api_json_begin (request);
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; i < items->len; i++)
    {
      json_builder_begin_object (builder);
      write_item (builder, context, now, g_ptr_array_index (items, i));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

static void
add_digest (JsonBuilder *builder,
            const char  *sha256)
{
  pm_api_json_add_string (builder, "sha256", sha256 != NULL && *sha256 != '\0' ? sha256 : NULL);
}

static void
resources_cb (PmApiServer        *server,
              const PmApiRequest *request,
              gpointer            user_data)
{
  Context *context = user_data;
  PmResources *resources = pm_mirror_get_resources (context->mirror);
  PmTopology *topology = pm_resources_get_topology (resources);
  g_autoptr(JsonBuilder) builder = pm_api_json_begin (request);

  json_builder_set_member_name (builder, "resources");
  json_builder_begin_array (builder);
  for (guint i = 0; i < pm_resources_get_n_resources (resources); i++)
    {
      const PmResource *r = pm_resources_get_resource (resources, i);
      PmVersion latest = { 0 };
      gboolean known = pm_mirror_dup_latest (context->mirror, i, &latest);

      json_builder_begin_object (builder);
      pm_api_json_add_string (builder, "id", r->id);
      pm_api_json_add_string (builder, "name", r->name);
      pm_api_json_add_integer (builder, "size_bytes", (gint64) r->size_bytes);
      pm_api_json_add_integer (builder, "criticality", r->criticality);
      pm_api_json_add_string (builder, "consistency", pm_consistency_to_string (r->consistency));
      if (r->consistency == PM_CONSISTENCY_BOUNDED)
        pm_api_json_add_integer (builder, "staleness_s", r->staleness_s);
      pm_api_json_add_string (builder, "origin", pm_topology_get_site (topology, r->origin)->id);
      json_builder_set_member_name (builder, "demand");
      json_builder_begin_object (builder);
      for (guint d = 0; d < r->n_demand; d++)
        pm_api_json_add_number (builder, r->demand[d].region, r->demand[d].requests_per_hour);
      json_builder_end_object (builder);
      pm_api_json_add_id (builder, "version", known ? latest.version : 0);
      add_digest (builder, known ? latest.sha256 : NULL);
      pm_api_json_add_time (builder, "version_created_at", known ? latest.created_at : 0);
      json_builder_end_object (builder);
      pm_version_clear (&latest);
    }
  json_builder_end_array (builder);
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

static void
write_replica (JsonBuilder   *builder,
               Context       *context,
               gint64         now,
               gconstpointer  item)
{
  const PmReplica *replica = item;
  PmResources *resources = pm_mirror_get_resources (context->mirror);
  int r = pm_resources_lookup_resource (resources, replica->resource);
  PmVersion latest = { 0 };
  gboolean usable = FALSE;

  if (r >= 0)
    {
      gboolean known = pm_mirror_dup_latest (context->mirror, (guint) r, &latest);
      usable = pm_consistency_can_serve (pm_resources_get_resource (resources, r), replica,
                                         known ? &latest : NULL, now);
      pm_version_clear (&latest);
    }
  pm_api_json_add_string (builder, "resource", replica->resource);
  pm_api_json_add_string (builder, "site", replica->site);
  pm_api_json_add_string (builder, "state", pm_replica_state_to_string (replica->state));
  pm_api_json_add_id (builder, "version", replica->version);
  add_digest (builder, replica->sha256);
  json_builder_set_member_name (builder, "usable");
  json_builder_add_boolean_value (builder, usable);
  json_builder_set_member_name (builder, "temporary");
  json_builder_add_boolean_value (builder, replica->temporary);
  pm_api_json_add_time (builder, "updated_at", replica->updated_at);
  pm_api_json_add_time (builder, "verified_at", replica->verified_at);
  pm_api_json_add_string (builder, "error", replica->error);
}

static void
replicas_cb (PmApiServer        *server,
             const PmApiRequest *request,
             gpointer            user_data)
{
  respond_list (request, user_data, "replicas", pm_catalog_list_replicas, write_replica);
}

static void
write_proposal (JsonBuilder   *builder,
                Context       *context,
                gint64         now,
                gconstpointer  item)
{
  const PmProposal *p = item;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  pm_api_json_add_id (builder, "id", p->id);
  pm_api_json_add_string (builder, "resource", p->resource);
  pm_api_json_add_string (builder, "site", p->site);
  pm_api_json_add_string (builder, "state", pm_proposal_state_to_string (p->state));
  pm_api_json_add_string (builder, "users_site", p->users_site);
  pm_api_json_add_number (builder, "probability", p->probability);
  pm_api_json_add_time (builder, "eta", p->eta_s);
  pm_api_json_add_time (builder, "deadline", p->deadline_s);
  json_builder_set_member_name (builder, "late");
  json_builder_add_boolean_value (builder, p->late);
  pm_api_json_add_integer (builder, "bytes", (gint64) p->bytes);
  pm_api_json_add_number (builder, "benefit", p->benefit);
  pm_api_json_add_number (builder, "score", p->score);
  pm_api_json_add_string (builder, "reason", p->reason);
  json_builder_set_member_name (builder, "prediction");
  if (p->prediction != NULL && _pm_json_parser_load (parser, p->prediction, -1, NULL, NULL))
    json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
  else
    json_builder_add_null_value (builder);
  pm_api_json_add_time (builder, "created_at", p->created_at);
  pm_api_json_add_time (builder, "updated_at", p->updated_at);
}

static void
proposals_cb (PmApiServer        *server,
              const PmApiRequest *request,
              gpointer            user_data)
{
  respond_list (request, user_data, "proposals", pm_catalog_list_proposals, write_proposal);
}

static void
add_progress (JsonBuilder *builder,
              PmExecutor  *executor,
              const PmJob *job)
{
  PmJobProgress progress;

  json_builder_set_member_name (builder, "progress");
  if (job->state != PM_JOB_RUNNING || !pm_executor_get_progress (executor, job->id, &progress))
    {
      json_builder_add_null_value (builder);
      return;
    }
  json_builder_begin_object (builder);
  pm_api_json_add_integer (builder, "bytes_done", (gint64) progress.bytes_done);
  pm_api_json_add_integer (builder, "bytes_total", (gint64) progress.bytes_total);
  pm_api_json_add_number (builder, "rate_bps", progress.rate_bps);
  pm_api_json_add_number (builder, "eta_s", progress.eta_s);
  pm_api_json_add_string (builder, "phase", progress.verifying ? "verifying" : "copying");
  json_builder_end_object (builder);
}

static void
write_job (JsonBuilder   *builder,
           Context       *context,
           gint64         now,
           gconstpointer  item)
{
  const PmJob *job = item;

  pm_api_json_add_id (builder, "id", job->id);
  pm_api_json_add_id (builder, "proposal", job->proposal);
  pm_api_json_add_string (builder, "resource", job->resource);
  pm_api_json_add_string (builder, "site", job->site);
  pm_api_json_add_id (builder, "version", job->version);
  add_digest (builder, job->sha256);
  pm_api_json_add_integer (builder, "bytes", (gint64) job->bytes);
  pm_api_json_add_number (builder, "priority", job->priority);
  pm_api_json_add_time (builder, "deadline", job->deadline_s);
  pm_api_json_add_string (builder, "state", pm_job_state_to_string (job->state));
  pm_api_json_add_integer (builder, "attempts", job->attempts);
  pm_api_json_add_time (builder, "next_attempt_at", job->next_attempt_at);
  pm_api_json_add_string (builder, "error", job->error);
  pm_api_json_add_time (builder, "created_at", job->created_at);
  pm_api_json_add_time (builder, "updated_at", job->updated_at);
  add_progress (builder, pm_mirror_get_executor (context->mirror), job);
}

static void
jobs_cb (PmApiServer        *server,
         const PmApiRequest *request,
         gpointer            user_data)
{
  respond_list (request, user_data, "jobs", pm_catalog_list_jobs, write_job);
}

static void
write_decision (JsonBuilder   *builder,
                Context       *context,
                gint64         now,
                gconstpointer  item)
{
  const PmDecision *d = item;

  pm_api_json_add_id (builder, "id", d->id);
  pm_api_json_add_time (builder, "at", d->at);
  pm_api_json_add_string (builder, "who", d->who);
  pm_api_json_add_string (builder, "action", d->action);
  pm_api_json_add_id (builder, "proposal", d->proposal);
  pm_api_json_add_id (builder, "job", d->job);
  pm_api_json_add_string (builder, "resource", d->resource);
  pm_api_json_add_string (builder, "site", d->site);
  pm_api_json_add_string (builder, "reason", d->reason);
}

static void
decisions_cb (PmApiServer        *server,
              const PmApiRequest *request,
              gpointer            user_data)
{
  respond_list (request, user_data, "decisions", pm_catalog_list_decisions, write_decision);
}

/* Actions */

/* The {id} of the path as a positive integer; NULL after answering 404. */
static gboolean
parse_id (const PmApiRequest *request,
          gint64             *id)
{
  const char *text = g_hash_table_lookup (request->params, "id");
  char *end = NULL;
  gint64 value;

  errno = 0;
  value = text != NULL ? g_ascii_strtoll (text, &end, 10) : 0;
  if (text == NULL || *text == '\0' || *end != '\0' || errno != 0 || value <= 0)
    {
      pm_api_json_respond_error (request, SOUP_STATUS_NOT_FOUND, "not_found", "No such id “%s”",
                                 text != NULL ? text : "");
      return FALSE;
    }
  *id = value;
  return TRUE;
}

/* What every action starts with: the operator and the body. */
typedef struct
{
  const char *who;
  JsonParser *parser;
  JsonObject *body;
  const char *reason;  /* the body's "reason", NULL when absent */
  gint64      now;
} Action;

static void
action_clear (Action *action)
{
  g_clear_object (&action->parser);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Action, action_clear)

static gboolean
begin_action (Context            *context,
              const PmApiRequest *request,
              const char         *expected,
              Action             *action)
{
  action->who = pm_api_request_authorize (context->tokens, request);
  if (action->who == NULL)
    return FALSE;
  action->body = pm_api_request_read_object (request, TRUE, expected, &action->parser);
  if (action->body == NULL)
    return FALSE;
  action->reason = pm_api_object_get_string (action->body, "reason");
  action->now = pm_api_request_now (request);
  return TRUE;
}

static void
respond_action (const PmApiRequest *request,
                const Action       *action,
                const char         *member,
                gint64              id,
                const GError       *error)
{
  g_autoptr(JsonBuilder) builder = NULL;

  if (error != NULL)
    {
      respond_catalog_error (request, error);
      return;
    }
  builder = pm_api_json_begin (request);
  if (member != NULL)
    pm_api_json_add_id (builder, member, id);
  pm_api_json_add_string (builder, "by", action->who);
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

static void
approve_cb (PmApiServer        *server,
            const PmApiRequest *request,
            gpointer            user_data)
{
  Context *context = user_data;
  g_auto(Action) action = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 id, job;

  if (!parse_id (request, &id) || !begin_action (context, request, "{\"reason\": TEXT}", &action))
    return;
  job = pm_mirror_approve (context->mirror, id, action.who, action.reason, action.now, &error);
  respond_action (request, &action, "job", job, error);
}

static void
reject_cb (PmApiServer        *server,
           const PmApiRequest *request,
           gpointer            user_data)
{
  Context *context = user_data;
  g_auto(Action) action = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  if (!parse_id (request, &id) || !begin_action (context, request, "{\"reason\": TEXT}", &action))
    return;
  if (action.reason == NULL || *action.reason == '\0')
    {
      pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_body",
                                 "Field “reason” is required: say why the proposal is rejected");
      return;
    }
  pm_mirror_reject (context->mirror, id, action.who, action.reason, action.now, &error);
  respond_action (request, &action, "proposal", id, error);
}

static void
mirror_cb (PmApiServer        *server,
           const PmApiRequest *request,
           gpointer            user_data)
{
  Context *context = user_data;
  g_auto(Action) action = { 0 };
  g_autoptr(GError) error = NULL;
  const char *resource, *site;
  gint64 job;

  if (!begin_action (context, request,
                     "{\"resource\": ID, \"site\": ID, \"reason\": TEXT (optional)}", &action))
    return;
  resource = pm_api_object_get_string (action.body, "resource");
  site = pm_api_object_get_string (action.body, "site");
  if (resource == NULL || site == NULL)
    {
      pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_body",
                                 "Fields “resource” and “site” are required");
      return;
    }
  job = pm_mirror_mirror_now (context->mirror, resource, site, action.who, action.reason,
                              action.now, &error);
  respond_action (request, &action, "job", job, error);
}

static void
job_action (Context            *context,
            const PmApiRequest *request,
            const char         *verb)
{
  g_auto(Action) action = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  if (!parse_id (request, &id) || !begin_action (context, request, "{\"reason\": TEXT}", &action))
    return;
  pm_mirror_act_on_job (context->mirror, id, verb, action.who, action.reason, action.now, &error);
  respond_action (request, &action, "job", id, error);
}

static void
cancel_cb (PmApiServer        *server,
           const PmApiRequest *request,
           gpointer            user_data)
{
  job_action (user_data, request, "cancel");
}

static void
retry_cb (PmApiServer        *server,
          const PmApiRequest *request,
          gpointer            user_data)
{
  job_action (user_data, request, "retry");
}

static void
retire_cb (PmApiServer        *server,
           const PmApiRequest *request,
           gpointer            user_data)
{
  Context *context = user_data;
  g_auto(Action) action = { 0 };
  g_autoptr(GError) error = NULL;

  if (!begin_action (context, request, "{\"reason\": TEXT}", &action))
    return;
  pm_mirror_retire (context->mirror, g_hash_table_lookup (request->params, "resource"),
                    g_hash_table_lookup (request->params, "site"), action.who, action.reason,
                    action.now, &error);
  respond_action (request, &action, NULL, 0, error);
}

void
pm_api_mirror_register (PmApiServer *server,
                        PmTokens    *tokens,
                        PmMirror    *mirror)
{
  static const struct
  {
    const char  *method;
    const char  *pattern;
    PmApiHandler handler;
  } routes[] = {
    { "GET", "/v1/resources", resources_cb },
    { "GET", "/v1/replicas", replicas_cb },
    { "GET", "/v1/proposals", proposals_cb },
    { "GET", "/v1/jobs", jobs_cb },
    { "GET", "/v1/decisions", decisions_cb },
    { "POST", "/v1/proposals/{id}/approve", approve_cb },
    { "POST", "/v1/proposals/{id}/reject", reject_cb },
    { "POST", "/v1/mirror", mirror_cb },
    { "POST", "/v1/jobs/{id}/cancel", cancel_cb },
    { "POST", "/v1/jobs/{id}/retry", retry_cb },
    { "POST", "/v1/replicas/{resource}/{site}/retire", retire_cb },
  };
  Context *context = g_new0 (Context, 1);

  context->tokens = tokens;
  context->mirror = mirror;
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    pm_api_server_add_handler (server, routes[i].method, routes[i].pattern, routes[i].handler,
                               context, i == 0 ? g_free : NULL);
}
