/* pm-catalog-records.c: the catalogue's records as the JSON objects a shared backend stores
 * (one per key), and back. A field that holds its default may be absent; a record without a
 * field it cannot do without reads as NULL, for the caller to report and skip.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-catalog-records.h"

#include "model/pm-json-private.h"

char *
_pm_record_object_to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

JsonObject *
_pm_record_parse_record (const char *key,
              const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (text == NULL)
    return NULL;
  if (!_pm_json_parser_load (parser, text, -1, key, &error))
    {
      g_warning ("Catalogue key %s is not JSON (%s); it is skipped", key, error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_warning ("Catalogue key %s does not hold a JSON object; it is skipped", key);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static const char *
get_string (JsonObject *object,
            const char *field)
{
  JsonNode *node = json_object_get_member (object, field);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
             && json_node_get_value_type (node) == G_TYPE_STRING
           ? json_node_get_string (node)
           : NULL;
}

static char *
dup_string (JsonObject *object,
            const char *field)
{
  return g_strdup (get_string (object, field));
}

void
_pm_record_set_string (JsonObject *object,
            const char *field,
            const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, field, value);
}

gint64
_pm_record_get_int (JsonObject *object,
         const char *field)
{
  return json_object_get_int_member_with_default (object, field, 0);
}

static void
copy_sha256 (JsonObject *object,
             char        out[65])
{
  g_strlcpy (out, get_string (object, "sha256") != NULL ? get_string (object, "sha256") : "", 65);
}

char *
_pm_record_replica_to_text (const PmReplica *replica)
{
  g_autoptr(JsonObject) o = json_object_new ();

  _pm_record_set_string (o, "resource", replica->resource);
  _pm_record_set_string (o, "site", replica->site);
  _pm_record_set_string (o, "state", pm_replica_state_to_string (replica->state));
  json_object_set_int_member (o, "version", replica->version);
  _pm_record_set_string (o, "sha256", replica->sha256);
  json_object_set_int_member (o, "updated_at", replica->updated_at);
  json_object_set_int_member (o, "verified_at", replica->verified_at);
  json_object_set_boolean_member (o, "temporary", replica->temporary);
  _pm_record_set_string (o, "error", replica->error);
  return _pm_record_object_to_text (o);
}

PmReplica *
_pm_record_replica_from (JsonObject *o)
{
  PmReplica *replica = g_new0 (PmReplica, 1);

  replica->resource = dup_string (o, "resource");
  replica->site = dup_string (o, "site");
  if (!pm_replica_state_from_string (get_string (o, "state"), &replica->state)
      || replica->resource == NULL || replica->site == NULL)
    {
      pm_replica_free (replica);
      return NULL;
    }
  replica->version = _pm_record_get_int (o, "version");
  copy_sha256 (o, replica->sha256);
  replica->updated_at = _pm_record_get_int (o, "updated_at");
  replica->verified_at = _pm_record_get_int (o, "verified_at");
  replica->temporary = json_object_get_boolean_member_with_default (o, "temporary", FALSE);
  replica->error = dup_string (o, "error");
  return replica;
}

char *
_pm_record_proposal_to_text (const PmProposal *p)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_int_member (o, "id", p->id);
  _pm_record_set_string (o, "resource", p->resource);
  _pm_record_set_string (o, "site", p->site);
  _pm_record_set_string (o, "state", pm_proposal_state_to_string (p->state));
  json_object_set_int_member (o, "created_at", p->created_at);
  json_object_set_int_member (o, "updated_at", p->updated_at);
  _pm_record_set_string (o, "users_site", p->users_site);
  json_object_set_double_member (o, "probability", p->probability);
  json_object_set_int_member (o, "eta_s", p->eta_s);
  json_object_set_int_member (o, "deadline_s", p->deadline_s);
  json_object_set_boolean_member (o, "late", p->late);
  json_object_set_int_member (o, "bytes", (gint64) p->bytes);
  json_object_set_double_member (o, "benefit", p->benefit);
  json_object_set_double_member (o, "score", p->score);
  _pm_record_set_string (o, "reason", p->reason);
  _pm_record_set_string (o, "prediction", p->prediction);
  return _pm_record_object_to_text (o);
}

PmProposal *
_pm_record_proposal_from (JsonObject *o)
{
  PmProposal *p = g_new0 (PmProposal, 1);

  p->id = _pm_record_get_int (o, "id");
  p->resource = dup_string (o, "resource");
  p->site = dup_string (o, "site");
  if (!pm_proposal_state_from_string (get_string (o, "state"), &p->state) || p->id <= 0
      || p->resource == NULL || p->site == NULL)
    {
      pm_proposal_free (p);
      return NULL;
    }
  p->created_at = _pm_record_get_int (o, "created_at");
  p->updated_at = _pm_record_get_int (o, "updated_at");
  p->users_site = dup_string (o, "users_site");
  p->probability = json_object_get_double_member_with_default (o, "probability", 0);
  p->eta_s = _pm_record_get_int (o, "eta_s");
  p->deadline_s = _pm_record_get_int (o, "deadline_s");
  p->late = json_object_get_boolean_member_with_default (o, "late", FALSE);
  p->bytes = (guint64) _pm_record_get_int (o, "bytes");
  p->benefit = json_object_get_double_member_with_default (o, "benefit", 0);
  p->score = json_object_get_double_member_with_default (o, "score", 0);
  p->reason = dup_string (o, "reason");
  p->prediction = dup_string (o, "prediction");
  return p;
}

char *
_pm_record_job_to_text (const PmJob *job)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_int_member (o, "id", job->id);
  json_object_set_int_member (o, "proposal", job->proposal);
  _pm_record_set_string (o, "resource", job->resource);
  _pm_record_set_string (o, "site", job->site);
  json_object_set_int_member (o, "version", job->version);
  _pm_record_set_string (o, "sha256", job->sha256);
  json_object_set_int_member (o, "bytes", (gint64) job->bytes);
  json_object_set_double_member (o, "priority", job->priority);
  json_object_set_int_member (o, "deadline_s", job->deadline_s);
  _pm_record_set_string (o, "state", pm_job_state_to_string (job->state));
  json_object_set_int_member (o, "attempts", job->attempts);
  json_object_set_int_member (o, "next_attempt_at", job->next_attempt_at);
  json_object_set_int_member (o, "created_at", job->created_at);
  json_object_set_int_member (o, "updated_at", job->updated_at);
  json_object_set_int_member (o, "bytes_done", (gint64) job->bytes_done);
  _pm_record_set_string (o, "error", job->error);
  return _pm_record_object_to_text (o);
}

PmJob *
_pm_record_job_from (JsonObject *o)
{
  PmJob *job = g_new0 (PmJob, 1);

  job->id = _pm_record_get_int (o, "id");
  job->resource = dup_string (o, "resource");
  job->site = dup_string (o, "site");
  if (!pm_job_state_from_string (get_string (o, "state"), &job->state) || job->id <= 0
      || job->resource == NULL || job->site == NULL)
    {
      pm_job_free (job);
      return NULL;
    }
  job->proposal = _pm_record_get_int (o, "proposal");
  job->version = _pm_record_get_int (o, "version");
  copy_sha256 (o, job->sha256);
  job->bytes = (guint64) _pm_record_get_int (o, "bytes");
  job->priority = json_object_get_double_member_with_default (o, "priority", 0);
  job->deadline_s = _pm_record_get_int (o, "deadline_s");
  job->attempts = (guint) _pm_record_get_int (o, "attempts");
  job->next_attempt_at = _pm_record_get_int (o, "next_attempt_at");
  job->created_at = _pm_record_get_int (o, "created_at");
  job->updated_at = _pm_record_get_int (o, "updated_at");
  job->bytes_done = (guint64) _pm_record_get_int (o, "bytes_done");
  job->error = dup_string (o, "error");
  return job;
}

char *
_pm_record_decision_to_text (const PmDecision *d)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_int_member (o, "id", d->id);
  json_object_set_int_member (o, "at", d->at);
  _pm_record_set_string (o, "who", d->who);
  _pm_record_set_string (o, "action", d->action);
  json_object_set_int_member (o, "proposal", d->proposal);
  json_object_set_int_member (o, "job", d->job);
  _pm_record_set_string (o, "resource", d->resource);
  _pm_record_set_string (o, "site", d->site);
  _pm_record_set_string (o, "reason", d->reason);
  return _pm_record_object_to_text (o);
}

PmDecision *
_pm_record_decision_from (JsonObject *o)
{
  PmDecision *d = g_new0 (PmDecision, 1);

  d->id = _pm_record_get_int (o, "id");
  d->at = _pm_record_get_int (o, "at");
  d->who = dup_string (o, "who");
  d->action = dup_string (o, "action");
  d->proposal = _pm_record_get_int (o, "proposal");
  d->job = _pm_record_get_int (o, "job");
  d->resource = dup_string (o, "resource");
  d->site = dup_string (o, "site");
  d->reason = dup_string (o, "reason");
  if (d->who == NULL || d->action == NULL)
    {
      pm_decision_free (d);
      return NULL;
    }
  return d;
}

char *
_pm_record_version_to_text (const PmVersion *v)
{
  g_autoptr(JsonObject) o = json_object_new ();

  _pm_record_set_string (o, "resource", v->resource);
  json_object_set_int_member (o, "version", v->version);
  _pm_record_set_string (o, "sha256", v->sha256);
  json_object_set_int_member (o, "size_bytes", (gint64) v->size_bytes);
  json_object_set_int_member (o, "created_at", v->created_at);
  return _pm_record_object_to_text (o);
}

gboolean
_pm_record_version_from (JsonObject *o,
              PmVersion  *v)
{
  if (o == NULL || _pm_record_get_int (o, "version") <= 0)
    return FALSE;
  v->resource = dup_string (o, "resource");
  v->version = _pm_record_get_int (o, "version");
  copy_sha256 (o, v->sha256);
  v->size_bytes = (guint64) _pm_record_get_int (o, "size_bytes");
  v->created_at = _pm_record_get_int (o, "created_at");
  return TRUE;
}

char *
_pm_record_mark_to_text (const PmAlertMark *m)
{
  g_autoptr(JsonObject) o = json_object_new ();

  _pm_record_set_string (o, "kind", m->kind);
  _pm_record_set_string (o, "subject", m->subject);
  _pm_record_set_string (o, "subject_id", m->subject_id);
  _pm_record_set_string (o, "alert_id", m->alert_id);
  _pm_record_set_string (o, "who", m->who);
  json_object_set_int_member (o, "at", m->at);
  json_object_set_int_member (o, "until", m->until);
  _pm_record_set_string (o, "reason", m->reason);
  return _pm_record_object_to_text (o);
}

PmAlertMark *
_pm_record_mark_from (JsonObject *o)
{
  PmAlertMark *m = g_new0 (PmAlertMark, 1);

  m->kind = dup_string (o, "kind");
  m->subject = dup_string (o, "subject");
  m->subject_id = dup_string (o, "subject_id");
  m->alert_id = dup_string (o, "alert_id");
  m->who = dup_string (o, "who");
  m->at = _pm_record_get_int (o, "at");
  m->until = _pm_record_get_int (o, "until");
  m->reason = dup_string (o, "reason");
  if (m->kind == NULL || m->subject == NULL || m->subject_id == NULL || m->who == NULL)
    {
      pm_alert_mark_free (m);
      return NULL;
    }
  return m;
}

char *
_pm_record_id_to_text (gint64 id)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_int_member (o, "id", id);
  return _pm_record_object_to_text (o);
}

