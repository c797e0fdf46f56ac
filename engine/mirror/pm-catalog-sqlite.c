/* pm-catalog-sqlite.c: the replica catalogue in one SQLite file.
 *
 * Durability: WAL with synchronous=FULL, so a decision acknowledged to an operator survives a
 * crash or a power loss. Consistency: every change runs in one BEGIN IMMEDIATE transaction (the
 * write lock is taken before anything is read, so two decisions on one proposal are serialised
 * even across processes) together with its decision record; "never two pending proposals, never
 * two active jobs for a resource and site" is enforced by partial unique indexes, not only by the
 * code. One connection serves every thread, guarded by a mutex that each public method holds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-catalog-sqlite.h"
#include "pm-catalog-private.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>

#include <glib/gstdio.h>

struct _PmCatalogSqlite
{
  GObject  parent_instance;

  GMutex   mutex;        /* guards db; the connection is opened without SQLite's own mutex */
  sqlite3 *db;
  char    *path;
  char    *description;
};

typedef gpointer (*ReadRowFunc) (sqlite3_stmt *row);

static void pm_catalog_sqlite_iface_init (PmCatalogInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PmCatalogSqlite, pm_catalog_sqlite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PM_TYPE_CATALOG,
                                                      pm_catalog_sqlite_iface_init))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmReplica, pm_replica_free)

/* Schema migrations: migrations[i] takes a file from user_version i to i + 1. Append only: a
 * released migration never changes, a new schema is a new entry. */
static const char *const schema_v1[] = {
  "CREATE TABLE resources ("
  " id TEXT PRIMARY KEY NOT NULL,"
  " name TEXT NOT NULL,"
  " size_bytes INTEGER NOT NULL,"
  " criticality INTEGER NOT NULL,"
  " consistency TEXT NOT NULL,"
  " staleness_s INTEGER NOT NULL,"
  " origin TEXT)",

  "CREATE TABLE versions ("
  " resource TEXT NOT NULL REFERENCES resources (id),"
  " version INTEGER NOT NULL CHECK (version > 0),"
  " sha256 TEXT NOT NULL CHECK (length (sha256) = 64),"
  " size_bytes INTEGER NOT NULL,"
  " created_at INTEGER NOT NULL,"
  " PRIMARY KEY (resource, version))",

  "CREATE TABLE replicas ("
  " resource TEXT NOT NULL REFERENCES resources (id),"
  " site TEXT NOT NULL,"
  " state TEXT NOT NULL CHECK (state IN ('planned', 'copying', 'verifying', 'in_sync', 'stale',"
  "   'retiring', 'gone', 'failed')),"
  " version INTEGER NOT NULL DEFAULT 0,"
  " sha256 TEXT NOT NULL DEFAULT '',"
  " updated_at INTEGER NOT NULL,"
  " verified_at INTEGER NOT NULL DEFAULT 0,"
  " temporary INTEGER NOT NULL DEFAULT 0,"
  " error TEXT,"
  " PRIMARY KEY (resource, site),"
  /* Only a verified replica of a known version may serve clients. */
  " CHECK (state <> 'in_sync' OR (version > 0 AND length (sha256) = 64 AND verified_at > 0)))",

  "CREATE TABLE proposals ("
  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
  " resource TEXT NOT NULL REFERENCES resources (id),"
  " site TEXT NOT NULL,"
  " state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn')),"
  " created_at INTEGER NOT NULL,"
  " updated_at INTEGER NOT NULL,"
  " users_site TEXT,"
  " probability REAL NOT NULL DEFAULT 0,"
  " eta_s INTEGER NOT NULL DEFAULT 0,"
  " deadline_s INTEGER NOT NULL DEFAULT 0,"
  " late INTEGER NOT NULL DEFAULT 0,"
  " bytes INTEGER NOT NULL DEFAULT 0,"
  " benefit REAL NOT NULL DEFAULT 0,"
  " score REAL NOT NULL DEFAULT 0,"
  " reason TEXT,"
  " prediction TEXT)",

  "CREATE UNIQUE INDEX proposals_one_pending ON proposals (resource, site)"
  " WHERE state = 'pending'",

  "CREATE TABLE jobs ("
  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
  " proposal INTEGER REFERENCES proposals (id),"
  " resource TEXT NOT NULL REFERENCES resources (id),"
  " site TEXT NOT NULL,"
  " version INTEGER NOT NULL,"
  " sha256 TEXT NOT NULL,"
  " bytes INTEGER NOT NULL,"
  " priority REAL NOT NULL,"
  " deadline_s INTEGER NOT NULL,"
  " state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),"
  " attempts INTEGER NOT NULL DEFAULT 0,"
  " next_attempt_at INTEGER NOT NULL DEFAULT 0,"
  " created_at INTEGER NOT NULL,"
  " updated_at INTEGER NOT NULL,"
  " bytes_done INTEGER NOT NULL DEFAULT 0,"
  " error TEXT)",

  "CREATE UNIQUE INDEX jobs_one_active ON jobs (resource, site)"
  " WHERE state IN ('queued', 'running')",

  "CREATE INDEX jobs_by_proposal ON jobs (proposal)",

  "CREATE TABLE decisions ("
  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
  " at INTEGER NOT NULL,"
  " who TEXT NOT NULL,"
  " action TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'auto_approve', 'mirror',"
  "   'cancel', 'retry', 'retire')),"
  " proposal INTEGER REFERENCES proposals (id),"
  " job INTEGER REFERENCES jobs (id),"
  " resource TEXT,"
  " site TEXT,"
  " reason TEXT)",

  /* The audit trail is evidence: nothing rewrites or deletes it, not even a bug of ours. */
  "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions"
  " BEGIN SELECT RAISE (ABORT, 'the decision log is append-only'); END",
  "CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions"
  " BEGIN SELECT RAISE (ABORT, 'the decision log is append-only'); END",

  NULL,
};

/* Operators' acknowledgements and silences of alerts, which outlive the process (see
 * predict/pm-alerts.h for how they apply), and the log of every one made. Kinds and subjects are
 * checked by the writer and again by the reader, which reports and skips a row it cannot use,
 * rather than by CHECK constraints: a row edited by hand must not make the file unreadable. */
static const char *const schema_v2[] = {
  "CREATE TABLE alert_marks ("
  " kind TEXT NOT NULL,"
  " subject TEXT NOT NULL,"
  " subject_id TEXT NOT NULL,"
  " alert_id TEXT,"
  " who TEXT NOT NULL,"
  " at INTEGER NOT NULL,"
  " until INTEGER NOT NULL DEFAULT 0,"
  " reason TEXT,"
  " PRIMARY KEY (kind, subject, subject_id))",

  "CREATE TABLE alert_mark_log ("
  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
  " kind TEXT NOT NULL,"
  " subject TEXT NOT NULL,"
  " subject_id TEXT NOT NULL,"
  " alert_id TEXT,"
  " who TEXT NOT NULL,"
  " at INTEGER NOT NULL,"
  " until INTEGER NOT NULL DEFAULT 0,"
  " reason TEXT)",

  /* Evidence, as the decision log is. */
  "CREATE TRIGGER alert_mark_log_no_update BEFORE UPDATE ON alert_mark_log"
  " BEGIN SELECT RAISE (ABORT, 'the alert mark log is append-only'); END",
  "CREATE TRIGGER alert_mark_log_no_delete BEFORE DELETE ON alert_mark_log"
  " BEGIN SELECT RAISE (ABORT, 'the alert mark log is append-only'); END",

  NULL,
};

static const char *const *const migrations[] = {
  schema_v1,
  schema_v2,
};

#define REPLICA_COLUMNS \
  "resource, site, state, version, sha256, updated_at, verified_at, temporary, error"
#define PROPOSAL_COLUMNS                                                                          \
  "id, resource, site, state, created_at, updated_at, users_site, probability, eta_s, "          \
  "deadline_s, late, bytes, benefit, score, reason, prediction"
#define JOB_COLUMNS                                                                               \
  "id, proposal, resource, site, version, sha256, bytes, priority, deadline_s, state, attempts, " \
  "next_attempt_at, created_at, updated_at, bytes_done, error"
#define DECISION_COLUMNS "id, at, who, action, proposal, job, resource, site, reason"
#define VERSION_COLUMNS "resource, version, sha256, size_bytes, created_at"
#define ALERT_MARK_COLUMNS "kind, subject, subject_id, alert_id, who, at, until, reason"


/* Turns SQLite's last error into ours: a constraint the schema enforces becomes the error the
 * code would have reported for it, everything else names the file. */
static gboolean
fail (PmCatalogSqlite *self,
      GError         **error)
{
  int code = sqlite3_extended_errcode (self->db);
  const char *message = sqlite3_errmsg (self->db);

  switch (code)
    {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT, "Catalogue %s: %s", self->path, message);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND, "Catalogue %s: %s", self->path, message);
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
      return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID, "Catalogue %s: %s", self->path, message);
    default:
      break;
    }
  switch (code & 0xff)
    {
    case SQLITE_READONLY:
      return _pm_catalog_refuse (error, PM_CATALOG_ERROR_READ_ONLY,
                     "Catalogue %s: %s (check the permissions of the file and its folder)",
                     self->path, message);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND,
                     "Catalogue %s: %s: the file is damaged or is not a Premirror catalogue; "
                     "move it aside to start an empty one", self->path, message);
    default:
      return _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND, "Catalogue %s: %s", self->path, message);
    }
}

/* Prepares sql and binds one argument per character of types: 't' text (NULL binds NULL),
 * 'i' gint64, 'u' guint64, 'k' a gint64 row id where 0 binds NULL, 'b' gboolean, 'd' double.
 * Integer arguments must have exactly those types: they are read as varargs. */
static sqlite3_stmt *
prepare_va (PmCatalogSqlite *self,
            GError         **error,
            const char      *sql,
            const char      *types,
            va_list          args)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      fail (self, error);
      return NULL;
    }
  /* A programming error, caught by every test that runs the statement. */
  g_assert_cmpint (strlen (types), ==, sqlite3_bind_parameter_count (stmt));
  for (int i = 0; types[i] != '\0'; i++)
    {
      int column = i + 1;
      int rc = SQLITE_OK;

      switch (types[i])
        {
        case 't':
          {
            const char *text = va_arg (args, const char *);

            rc = text != NULL ? sqlite3_bind_text (stmt, column, text, -1, SQLITE_TRANSIENT)
                              : sqlite3_bind_null (stmt, column);
            break;
          }
        case 'i':
          rc = sqlite3_bind_int64 (stmt, column, va_arg (args, gint64));
          break;
        case 'u':
          rc = sqlite3_bind_int64 (stmt, column, (gint64) va_arg (args, guint64));
          break;
        case 'k':
          {
            gint64 key = va_arg (args, gint64);

            rc = key != 0 ? sqlite3_bind_int64 (stmt, column, key)
                          : sqlite3_bind_null (stmt, column);
            break;
          }
        case 'b':
          rc = sqlite3_bind_int (stmt, column, va_arg (args, gboolean) ? 1 : 0);
          break;
        case 'd':
          rc = sqlite3_bind_double (stmt, column, va_arg (args, double));
          break;
        default:
          g_assert_not_reached ();
        }
      if (rc != SQLITE_OK)
        {
          fail (self, error);
          return NULL;
        }
    }
  return g_steal_pointer (&stmt);
}

static sqlite3_stmt *
prepare (PmCatalogSqlite *self,
         GError         **error,
         const char      *sql,
         const char      *types,
         ...)
{
  va_list args;
  sqlite3_stmt *stmt;

  va_start (args, types);
  stmt = prepare_va (self, error, sql, types, args);
  va_end (args);
  return stmt;
}

/* One step: *row says whether it produced a row; FALSE on failure. */
static gboolean
step (PmCatalogSqlite *self,
      sqlite3_stmt    *stmt,
      gboolean        *row,
      GError         **error)
{
  int rc = sqlite3_step (stmt);

  *row = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return TRUE;
  return fail (self, error);
}

/* Runs a statement to its end (see prepare_va for types). */
static gboolean
exec (PmCatalogSqlite *self,
      GError         **error,
      const char      *sql,
      const char      *types,
      ...)
{
  va_list args;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean row = TRUE;

  va_start (args, types);
  stmt = prepare_va (self, error, sql, types, args);
  va_end (args);
  if (stmt == NULL)
    return FALSE;
  while (row)
    if (!step (self, stmt, &row, error))
      return FALSE;
  return TRUE;
}

/* Runs a query for at most one row: *out is the statement on that row, or NULL when there is
 * none. FALSE on failure. */
static gboolean
query_one (PmCatalogSqlite *self,
           sqlite3_stmt   **out,
           GError         **error,
           const char      *sql,
           const char      *types,
           ...)
{
  va_list args;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean row;

  *out = NULL;
  va_start (args, types);
  stmt = prepare_va (self, error, sql, types, args);
  va_end (args);
  if (stmt == NULL || !step (self, stmt, &row, error))
    return FALSE;
  if (row)
    *out = g_steal_pointer (&stmt);
  return TRUE;
}

static GPtrArray *
list_rows (PmCatalogSqlite *self,
           const char      *sql,
           ReadRowFunc      read,
           GDestroyNotify   free_func,
           GError         **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_func);
  g_autoptr(sqlite3_stmt) stmt = prepare (self, error, sql, "");
  gboolean row = TRUE;

  if (stmt == NULL)
    return NULL;
  while (TRUE)
    {
      if (!step (self, stmt, &row, error))
        return NULL;
      if (!row)
        return g_steal_pointer (&rows);
      g_ptr_array_add (rows, read (stmt));
    }
}

static gboolean
begin (PmCatalogSqlite *self,
       GError         **error)
{
  return exec (self, error, "BEGIN IMMEDIATE", "");
}

/* Ends the transaction begin() opened: commits when ok, else rolls back. Returns whether the
 * change was made. */
static gboolean
end (PmCatalogSqlite *self,
     gboolean         ok,
     GError         **error)
{
  if (ok && exec (self, error, "COMMIT", ""))
    return TRUE;
  /* Some errors have rolled back already; then there is nothing left to roll back. */
  if (!sqlite3_get_autocommit (self->db))
    exec (self, NULL, "ROLLBACK", "");
  return FALSE;
}

static const char *
column_text (sqlite3_stmt *row,
             int           column)
{
  return (const char *) sqlite3_column_text (row, column);
}

static char *
column_dup (sqlite3_stmt *row,
            int           column)
{
  return g_strdup (column_text (row, column));
}

static void
column_sha256 (sqlite3_stmt *row,
               int           column,
               char          sha256[65])
{
  const char *text = column_text (row, column);

  g_strlcpy (sha256, text != NULL ? text : "", 65);
}

static void
read_version (sqlite3_stmt *row,
              PmVersion    *version)
{
  version->resource = column_dup (row, 0);
  version->version = sqlite3_column_int64 (row, 1);
  column_sha256 (row, 2, version->sha256);
  version->size_bytes = (guint64) sqlite3_column_int64 (row, 3);
  version->created_at = sqlite3_column_int64 (row, 4);
}

static gpointer
read_replica (sqlite3_stmt *row)
{
  PmReplica *replica = g_new0 (PmReplica, 1);

  replica->resource = column_dup (row, 0);
  replica->site = column_dup (row, 1);
  pm_replica_state_from_string (column_text (row, 2), &replica->state);
  replica->version = sqlite3_column_int64 (row, 3);
  column_sha256 (row, 4, replica->sha256);
  replica->updated_at = sqlite3_column_int64 (row, 5);
  replica->verified_at = sqlite3_column_int64 (row, 6);
  replica->temporary = sqlite3_column_int (row, 7) != 0;
  replica->error = column_dup (row, 8);
  return replica;
}

static gpointer
read_proposal (sqlite3_stmt *row)
{
  PmProposal *proposal = g_new0 (PmProposal, 1);

  proposal->id = sqlite3_column_int64 (row, 0);
  proposal->resource = column_dup (row, 1);
  proposal->site = column_dup (row, 2);
  pm_proposal_state_from_string (column_text (row, 3), &proposal->state);
  proposal->created_at = sqlite3_column_int64 (row, 4);
  proposal->updated_at = sqlite3_column_int64 (row, 5);
  proposal->users_site = column_dup (row, 6);
  proposal->probability = sqlite3_column_double (row, 7);
  proposal->eta_s = sqlite3_column_int64 (row, 8);
  proposal->deadline_s = sqlite3_column_int64 (row, 9);
  proposal->late = sqlite3_column_int (row, 10) != 0;
  proposal->bytes = (guint64) sqlite3_column_int64 (row, 11);
  proposal->benefit = sqlite3_column_double (row, 12);
  proposal->score = sqlite3_column_double (row, 13);
  proposal->reason = column_dup (row, 14);
  proposal->prediction = column_dup (row, 15);
  return proposal;
}

static gpointer
read_job (sqlite3_stmt *row)
{
  PmJob *job = g_new0 (PmJob, 1);

  job->id = sqlite3_column_int64 (row, 0);
  job->proposal = sqlite3_column_int64 (row, 1);
  job->resource = column_dup (row, 2);
  job->site = column_dup (row, 3);
  job->version = sqlite3_column_int64 (row, 4);
  column_sha256 (row, 5, job->sha256);
  job->bytes = (guint64) sqlite3_column_int64 (row, 6);
  job->priority = sqlite3_column_double (row, 7);
  job->deadline_s = sqlite3_column_int64 (row, 8);
  pm_job_state_from_string (column_text (row, 9), &job->state);
  job->attempts = (guint) sqlite3_column_int64 (row, 10);
  job->next_attempt_at = sqlite3_column_int64 (row, 11);
  job->created_at = sqlite3_column_int64 (row, 12);
  job->updated_at = sqlite3_column_int64 (row, 13);
  job->bytes_done = (guint64) sqlite3_column_int64 (row, 14);
  job->error = column_dup (row, 15);
  return job;
}

static gpointer
read_decision (sqlite3_stmt *row)
{
  PmDecision *decision = g_new0 (PmDecision, 1);

  decision->id = sqlite3_column_int64 (row, 0);
  decision->at = sqlite3_column_int64 (row, 1);
  decision->who = column_dup (row, 2);
  decision->action = column_dup (row, 3);
  decision->proposal = sqlite3_column_int64 (row, 4);
  decision->job = sqlite3_column_int64 (row, 5);
  decision->resource = column_dup (row, 6);
  decision->site = column_dup (row, 7);
  decision->reason = column_dup (row, 8);
  return decision;
}

/* A stored alert mark, or NULL with a warning naming the file and the row when a column does not
 * hold what it should (a row edited by hand, a damaged page): the caller skips it. What the
 * values mean (a known kind, a subject of the topology) is for the alert manager to judge. */
static PmAlertMark *
read_alert_mark (PmCatalogSqlite *self,
                 const char      *table,
                 sqlite3_stmt    *row)
{
  static const char *const columns[] = {
    "kind", "subject", "subject_id", "alert_id", "who", "at", "until", "reason",
  };
  /* 't' text, 'T' text or NULL, 'i' integer. */
  static const char types[] = "tttTtiiT";
  PmAlertMark *mark;

  for (int i = 0; types[i] != '\0'; i++)
    {
      int type = sqlite3_column_type (row, i + 1);
      gboolean ok = types[i] == 'i' ? type == SQLITE_INTEGER
                                    : type == SQLITE_TEXT
                                        || (types[i] == 'T' && type == SQLITE_NULL);

      if (!ok)
        {
          g_warning ("Catalogue %s: %s row %" G_GINT64_FORMAT ": column “%s” does not hold %s; "
                     "the row is skipped", self->path, table,
                     (gint64) sqlite3_column_int64 (row, 0), columns[i],
                     types[i] == 'i' ? "a time in unix seconds" : "text");
          return NULL;
        }
    }
  mark = g_new0 (PmAlertMark, 1);
  mark->kind = column_dup (row, 1);
  mark->subject = column_dup (row, 2);
  mark->subject_id = column_dup (row, 3);
  mark->alert_id = column_dup (row, 4);
  mark->who = column_dup (row, 5);
  mark->at = sqlite3_column_int64 (row, 6);
  mark->until = sqlite3_column_int64 (row, 7);
  mark->reason = column_dup (row, 8);
  return mark;
}

static GPtrArray *
list_alert_marks (PmCatalogSqlite *self,
                  const char      *table,
                  const char      *sql,
                  GError         **error)
{
  g_autoptr(GPtrArray) marks = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_alert_mark_free);
  g_autoptr(sqlite3_stmt) stmt = prepare (self, error, sql, "");
  gboolean row = TRUE;

  if (stmt == NULL)
    return NULL;
  while (TRUE)
    {
      PmAlertMark *mark;

      if (!step (self, stmt, &row, error))
        return NULL;
      if (!row)
        return g_steal_pointer (&marks);
      if ((mark = read_alert_mark (self, table, stmt)) != NULL)
        g_ptr_array_add (marks, mark);
    }
}

static gboolean
update_alert_marks_in_transaction (PmCatalogSqlite *self,
                                   GPtrArray       *put,
                                   GPtrArray       *remove,
                                   GError         **error)
{
  for (guint i = 0; remove != NULL && i < remove->len; i++)
    {
      const PmAlertMark *mark = g_ptr_array_index (remove, i);

      if (!exec (self, error,
                 "DELETE FROM alert_marks WHERE kind = ? AND subject = ? AND subject_id = ?",
                 "ttt", mark->kind, mark->subject, mark->subject_id))
        return FALSE;
    }
  for (guint i = 0; put != NULL && i < put->len; i++)
    {
      const PmAlertMark *mark = g_ptr_array_index (put, i);
      g_autoptr(sqlite3_stmt) same = NULL;

      /* Stored again unchanged (its alert's id aside), a mark is not a new decision. */
      if (!query_one (self, &same, error,
                      "SELECT 1 FROM alert_marks WHERE kind = ? AND subject = ? AND"
                      " subject_id = ? AND who = ? AND at = ? AND until = ? AND"
                      " reason IS ?",
                      "ttttiit", mark->kind, mark->subject, mark->subject_id, mark->who,
                      mark->at, mark->until, mark->reason))
        return FALSE;
      if (same == NULL
          && !exec (self, error,
                    "INSERT INTO alert_mark_log (" ALERT_MARK_COLUMNS ")"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    "tttttiit", mark->kind, mark->subject, mark->subject_id, mark->alert_id,
                    mark->who, mark->at, mark->until, mark->reason))
        return FALSE;
      if (!exec (self, error,
                 "INSERT OR REPLACE INTO alert_marks (" ALERT_MARK_COLUMNS ")"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 "tttttiit", mark->kind, mark->subject, mark->subject_id, mark->alert_id,
                 mark->who, mark->at, mark->until, mark->reason))
        return FALSE;
    }
  return TRUE;
}

/* Argument checks, done before taking the lock. */





/* Steps of a transaction: the lock is held and begin() was called. */

static gboolean
require_resource (PmCatalogSqlite *self,
                  const char      *resource,
                  GError         **error)
{
  g_autoptr(sqlite3_stmt) row = NULL;

  if (!query_one (self, &row, error, "SELECT 1 FROM resources WHERE id = ?", "t", resource))
    return FALSE;
  if (row == NULL)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND,
                   "No resource “%s” in the catalogue: is it in the resource inventory?",
                   resource);
  return TRUE;
}

/* The replica's row, or a new GONE one when it has none (a missing replica is gone), or NULL
 * on failure and when the resource is unknown. */
static PmReplica *
load_replica (PmCatalogSqlite *self,
              const char      *resource,
              const char      *site,
              GError         **error)
{
  g_autoptr(sqlite3_stmt) row = NULL;
  PmReplica *replica;

  if (!query_one (self, &row, error,
                  "SELECT " REPLICA_COLUMNS " FROM replicas WHERE resource = ? AND site = ?",
                  "tt", resource, site))
    return NULL;
  if (row != NULL)
    return read_replica (row);
  if (!require_resource (self, resource, error))
    return NULL;
  replica = g_new0 (PmReplica, 1);
  replica->resource = g_strdup (resource);
  replica->site = g_strdup (site);
  replica->state = PM_REPLICA_GONE;
  return replica;
}

/* Moves the replica to `to` and writes it: the version and digest when version > 0 (a gone
 * replica holds none), verified now when it becomes in_sync, the failure's text when it fails. */
static gboolean
save_replica (PmCatalogSqlite *self,
              PmReplica       *replica,
              PmReplicaState   to,
              gint64           version,
              const char      *sha256,
              gboolean         temporary,
              const char      *error_text,
              gint64           now,
              GError         **error)
{
  _pm_replica_apply_move (replica, to, version, sha256, temporary, error_text, now);
  return exec (self, error,
               "INSERT INTO replicas (" REPLICA_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
               " ON CONFLICT (resource, site) DO UPDATE SET state = excluded.state,"
               " version = excluded.version, sha256 = excluded.sha256,"
               " updated_at = excluded.updated_at, verified_at = excluded.verified_at,"
               " temporary = excluded.temporary, error = excluded.error",
               "tttitiibt", replica->resource, replica->site,
               pm_replica_state_to_string (replica->state), replica->version, replica->sha256,
               replica->updated_at, replica->verified_at, replica->temporary, replica->error);
}

/* A job's target replica with nothing on the way (absent, gone or failed) becomes planned for
 * the job's version; any other state already holds or is getting a replica and stays. */
static gboolean
plan_replica (PmCatalogSqlite *self,
              const char      *resource,
              const char      *site,
              gint64           version,
              const char      *sha256,
              gboolean         temporary,
              gint64           now,
              GError         **error)
{
  g_autoptr(PmReplica) replica = load_replica (self, resource, site, error);

  if (replica == NULL)
    return FALSE;
  if (replica->state != PM_REPLICA_GONE && replica->state != PM_REPLICA_FAILED)
    return TRUE;
  return save_replica (self, replica, PM_REPLICA_PLANNED, version, sha256, temporary, NULL, now,
                       error);
}

/* *id is the queued or running job for (resource, site), 0 when there is none. */
static gboolean
find_active_job (PmCatalogSqlite *self,
                 const char      *resource,
                 const char      *site,
                 gint64          *id,
                 GError         **error)
{
  g_autoptr(sqlite3_stmt) row = NULL;

  if (!query_one (self, &row, error,
                  "SELECT id FROM jobs WHERE resource = ? AND site = ?"
                  " AND state IN ('queued', 'running')",
                  "tt", resource, site))
    return FALSE;
  *id = row != NULL ? sqlite3_column_int64 (row, 0) : 0;
  return TRUE;
}

static PmJob *
load_job (PmCatalogSqlite *self,
          gint64           id,
          GError         **error)
{
  g_autoptr(sqlite3_stmt) row = NULL;

  if (!query_one (self, &row, error, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?", "i", id))
    return NULL;
  if (row == NULL)
    {
      _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND, "No job %" G_GINT64_FORMAT, id);
      return NULL;
    }
  return read_job (row);
}

/* Queues a job for (resource, site) and plans its replica. */
static gboolean
start_job (PmCatalogSqlite *self,
           gint64           proposal,
           const char      *resource,
           const char      *site,
           const PmJobSpec *spec,
           const char      *sha256,
           gint64           now,
           gint64          *id,
           GError         **error)
{
  if (!exec (self, error,
             "INSERT INTO jobs (proposal, resource, site, version, sha256, bytes, priority,"
             " deadline_s, state, created_at, updated_at)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
             "kttitudiii", proposal, resource, site, spec->version, sha256, spec->bytes,
             spec->priority, spec->deadline_s, now, now))
    return FALSE;
  *id = sqlite3_last_insert_rowid (self->db);
  /* A proposal's replica is placed for a predicted partition: it is retired after the
   * cool-down. A manual mirror stays. */
  return plan_replica (self, resource, site, spec->version, sha256, proposal != 0, now, error);
}

static gboolean
insert_decision (PmCatalogSqlite  *self,
                 const PmDecision *decision,
                 gint64           *id,
                 GError          **error)
{
  if (!exec (self, error,
             "INSERT INTO decisions (at, who, action, proposal, job, resource, site, reason)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             "ittkkttt", decision->at, decision->who, decision->action, decision->proposal,
             decision->job, decision->resource, decision->site, decision->reason))
    return FALSE;
  if (id != NULL)
    *id = sqlite3_last_insert_rowid (self->db);
  return TRUE;
}

static gboolean
add_version_in_transaction (PmCatalogSqlite *self,
                            const char      *resource,
                            const char      *sha256,
                            guint64          size_bytes,
                            gint64           now,
                            PmVersion       *out,
                            gboolean        *is_new,
                            GError         **error)
{
  g_autoptr(sqlite3_stmt) latest = NULL;
  gint64 version = 1;

  if (!require_resource (self, resource, error)
      || !query_one (self, &latest, error,
                     "SELECT " VERSION_COLUMNS " FROM versions WHERE resource = ?"
                     " ORDER BY version DESC LIMIT 1",
                     "t", resource))
    return FALSE;
  if (latest != NULL)
    {
      if (g_str_equal (column_text (latest, 2), sha256))
        {
          *is_new = FALSE;
          read_version (latest, out);
          return TRUE;
        }
      version = sqlite3_column_int64 (latest, 1) + 1;
      g_clear_pointer (&latest, sqlite3_finalize);
    }
  if (!exec (self, error,
             "INSERT INTO versions (" VERSION_COLUMNS ") VALUES (?, ?, ?, ?, ?)",
             "titui", resource, version, sha256, size_bytes, now))
    return FALSE;
  *is_new = TRUE;
  out->resource = g_strdup (resource);
  out->version = version;
  g_strlcpy (out->sha256, sha256, sizeof out->sha256);
  out->size_bytes = size_bytes;
  out->created_at = now;
  return TRUE;
}

static gboolean
move_replica_in_transaction (PmCatalogSqlite *self,
                             const char      *resource,
                             const char      *site,
                             PmReplicaState   from,
                             PmReplicaState   to,
                             gint64           version,
                             const char      *sha256,
                             gboolean         temporary,
                             const char      *error_text,
                             gint64           now,
                             GError         **error)
{
  g_autoptr(PmReplica) replica = load_replica (self, resource, site, error);

  if (replica == NULL)
    return FALSE;
  if (replica->state != from)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                   "The replica of “%s” at “%s” is %s, not %s: someone moved it meanwhile",
                   resource, site, pm_replica_state_to_string (replica->state),
                   pm_replica_state_to_string (from));
  /* Checked after the state: a caller unsure which of two states a replica is in tries both,
   * and learns from CONFLICT that it guessed wrong. */
  if (!pm_replica_state_can_move (from, to))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_ILLEGAL,
                   "A replica cannot go from %s to %s (“%s” at “%s”)",
                   pm_replica_state_to_string (from), pm_replica_state_to_string (to), resource,
                   site);
  return save_replica (self, replica, to, version, sha256, temporary, error_text, now, error);
}

static gboolean
decide_in_transaction (PmCatalogSqlite *self,
                       gint64           proposal,
                       gboolean         approve,
                       const char      *who,
                       const char      *reason,
                       const PmJobSpec *spec,
                       const char      *sha256,
                       gint64           now,
                       gint64          *id,
                       GError         **error)
{
  g_autoptr(sqlite3_stmt) row = NULL;
  g_autofree char *resource = NULL;
  g_autofree char *site = NULL;
  PmDecision decision = { 0 };
  gint64 decision_id;

  if (!query_one (self, &row, error, "SELECT resource, site, state FROM proposals WHERE id = ?",
                  "i", proposal))
    return FALSE;
  if (row == NULL)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND, "No proposal %" G_GINT64_FORMAT, proposal);
  if (!g_str_equal (column_text (row, 2), "pending"))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                   "Proposal %" G_GINT64_FORMAT " is already %s: it can be decided only once",
                   proposal, column_text (row, 2));

  resource = column_dup (row, 0);
  site = column_dup (row, 1);
  g_clear_pointer (&row, sqlite3_finalize);

  decision.at = now;
  decision.who = (char *) who;
  /* The policy approves as "approve" too: who tells an operator from the policy. */
  decision.action = approve ? "approve" : "reject";
  decision.proposal = proposal;
  decision.resource = resource;
  decision.site = site;
  decision.reason = (char *) reason;

  if (!exec (self, error, "UPDATE proposals SET state = ?, updated_at = ? WHERE id = ?", "tii",
             approve ? "approved" : "rejected", now, proposal))
    return FALSE;
  /* A job already on its way to that site (a manual mirror, an earlier proposal) serves this
   * approval too: never a second copy of the same thing. */
  if (approve
      && (!find_active_job (self, decision.resource, decision.site, &decision.job, error)
          || (decision.job == 0
              && !start_job (self, proposal, decision.resource, decision.site, spec, sha256,
                             now, &decision.job, error))))
    return FALSE;
  if (!insert_decision (self, &decision, &decision_id, error))
    return FALSE;
  *id = approve ? decision.job : decision_id;
  return TRUE;
}

static gboolean
mirror_now_in_transaction (PmCatalogSqlite *self,
                           const char      *resource,
                           const char      *site,
                           const char      *who,
                           const char      *reason,
                           const PmJobSpec *spec,
                           const char      *sha256,
                           gint64           now,
                           gint64          *id,
                           GError         **error)
{
  PmDecision decision = {
    .at = now, .who = (char *) who, .action = "mirror", .resource = (char *) resource,
    .site = (char *) site, .reason = (char *) reason,
  };
  gint64 active;

  if (!require_resource (self, resource, error)
      || !find_active_job (self, resource, site, &active, error))
    return FALSE;
  if (active != 0)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                   "Job %" G_GINT64_FORMAT " already copies “%s” to “%s”: wait for it or "
                   "cancel it first", active, resource, site);
  if (!start_job (self, 0, resource, site, spec, sha256, now, &decision.job, error)
      || !insert_decision (self, &decision, NULL, error))
    return FALSE;
  *id = decision.job;
  return TRUE;
}

static gboolean
act_on_job_in_transaction (PmCatalogSqlite *self,
                           gint64           id,
                           gboolean         cancel,
                           const char      *who,
                           const char      *reason,
                           gint64           now,
                           GError         **error)
{
  g_autoptr(PmJob) job = load_job (self, id, error);
  PmDecision decision = { 0 };

  if (job == NULL)
    return FALSE;
  decision = (PmDecision) {
    .at = now, .who = (char *) who, .action = cancel ? "cancel" : "retry",
    .proposal = job->proposal, .job = id, .resource = job->resource, .site = job->site,
    .reason = (char *) reason,
  };

  if (cancel)
    {
      g_autoptr(PmReplica) replica = NULL;

      if (job->state != PM_JOB_QUEUED && job->state != PM_JOB_RUNNING)
        return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                       "Job %" G_GINT64_FORMAT " is %s: only a queued or running job can be "
                       "cancelled", id, pm_job_state_to_string (job->state));
      if (!exec (self, error, "UPDATE jobs SET state = 'cancelled', updated_at = ? WHERE id = ?",
                 "ii", now, id))
        return FALSE;
      /* Nothing arrived yet: the planned replica will not come. A replica being copied is the
       * executor's to move when it stops the transfer. */
      replica = load_replica (self, job->resource, job->site, error);
      if (replica == NULL
          || (replica->state == PM_REPLICA_PLANNED
              && !save_replica (self, replica, PM_REPLICA_GONE, 0, NULL, replica->temporary, NULL,
                                now, error)))
        return FALSE;
    }
  else
    {
      gint64 active;

      if (job->state != PM_JOB_FAILED && job->state != PM_JOB_CANCELLED)
        return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                       "Job %" G_GINT64_FORMAT " is %s: only a failed or cancelled job can be "
                       "retried", id, pm_job_state_to_string (job->state));
      if (!find_active_job (self, job->resource, job->site, &active, error))
        return FALSE;
      if (active != 0)
        return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                       "Job %" G_GINT64_FORMAT " already copies “%s” to “%s”: job %"
                       G_GINT64_FORMAT " cannot be retried meanwhile", active, job->resource,
                       job->site, id);
      if (!exec (self, error,
                 "UPDATE jobs SET state = 'queued', attempts = 0, next_attempt_at = 0,"
                 " error = NULL, updated_at = ? WHERE id = ?",
                 "ii", now, id)
          || !plan_replica (self, job->resource, job->site, job->version, job->sha256,
                            job->proposal != 0, now, error))
        return FALSE;
    }
  return insert_decision (self, &decision, NULL, error);
}

static gboolean
update_job_in_transaction (PmCatalogSqlite *self,
                           const PmJob     *job,
                           PmJobState       expected,
                           gint64           now,
                           GError         **error)
{
  g_autoptr(PmJob) stored = load_job (self, job->id, error);

  if (stored == NULL)
    return FALSE;
  if (stored->state != expected)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                   "Job %" G_GINT64_FORMAT " is %s, not %s: someone changed it meanwhile",
                   job->id, pm_job_state_to_string (stored->state),
                   pm_job_state_to_string (expected));
  return exec (self, error,
               "UPDATE jobs SET state = ?, attempts = ?, next_attempt_at = ?, bytes_done = ?,"
               " error = ?, updated_at = ? WHERE id = ?",
               "tiiutii", pm_job_state_to_string (job->state), (gint64) job->attempts,
               job->next_attempt_at, job->bytes_done, job->error, now, job->id);
}

static gboolean
sync_resources_in_transaction (PmCatalogSqlite *self,
                               PmResources     *resources,
                               GError         **error)
{
  PmTopology *topology = pm_resources_get_topology (resources);

  for (guint i = 0; i < pm_resources_get_n_resources (resources); i++)
    {
      const PmResource *resource = pm_resources_get_resource (resources, i);
      const char *origin = NULL;

      if (topology != NULL && resource->origin < pm_topology_get_n_sites (topology))
        origin = pm_topology_get_site (topology, resource->origin)->id;
      if (!exec (self, error,
                 "INSERT INTO resources (id, name, size_bytes, criticality, consistency,"
                 " staleness_s, origin) VALUES (?, ?, ?, ?, ?, ?, ?)"
                 " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                 " size_bytes = excluded.size_bytes, criticality = excluded.criticality,"
                 " consistency = excluded.consistency, staleness_s = excluded.staleness_s,"
                 " origin = excluded.origin",
                 "ttuitit", resource->id, resource->name, resource->size_bytes,
                 (gint64) resource->criticality, pm_consistency_to_string (resource->consistency),
                 resource->staleness_s, origin))
        return FALSE;
    }
  return TRUE;
}

static gboolean
recover_in_transaction (PmCatalogSqlite *self,
                        gint64           now,
                        guint           *n_reset,
                        GError         **error)
{
  guint n = 0;

  if (!exec (self, error,
             "UPDATE jobs SET state = 'queued', updated_at = ? WHERE state = 'running'", "i", now))
    return FALSE;
  n += sqlite3_changes (self->db);
  if (!exec (self, error,
             "UPDATE replicas SET state = 'planned', updated_at = ?"
             " WHERE state IN ('copying', 'verifying')",
             "i", now))
    return FALSE;
  n += sqlite3_changes (self->db);
  if (n_reset != NULL)
    *n_reset = n;
  return TRUE;
}

static gboolean
upsert_proposal_in_transaction (PmCatalogSqlite  *self,
                                const PmProposal *proposal,
                                gint64            now,
                                gint64           *id,
                                GError          **error)
{
  g_autoptr(sqlite3_stmt) row = NULL;

  /* The partial unique index is the conflict target: the pending proposal for (resource, site)
   * is updated in place, and only when there is none does a new one start. */
  if (!require_resource (self, proposal->resource, error)
      || !query_one (self, &row, error,
                     "INSERT INTO proposals (resource, site, state, created_at, updated_at,"
                     " users_site, probability, eta_s, deadline_s, late, bytes, benefit, score,"
                     " reason, prediction)"
                     " VALUES (?1, ?2, 'pending', ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                     " ?13)"
                     " ON CONFLICT (resource, site) WHERE state = 'pending'"
                     " DO UPDATE SET updated_at = excluded.updated_at,"
                     " users_site = excluded.users_site, probability = excluded.probability,"
                     " eta_s = excluded.eta_s, deadline_s = excluded.deadline_s,"
                     " late = excluded.late, bytes = excluded.bytes, benefit = excluded.benefit,"
                     " score = excluded.score, reason = excluded.reason,"
                     " prediction = excluded.prediction"
                     " RETURNING id",
                     "ttitdiibuddtt", proposal->resource, proposal->site, now,
                     proposal->users_site, proposal->probability, proposal->eta_s,
                     proposal->deadline_s, proposal->late, proposal->bytes, proposal->benefit,
                     proposal->score, proposal->reason, proposal->prediction))
    return FALSE;
  g_assert (row != NULL);
  *id = sqlite3_column_int64 (row, 0);
  return TRUE;
}

static gboolean
withdraw_in_transaction (PmCatalogSqlite *self,
                         gint64           id,
                         gint64           now,
                         GError         **error)
{
  g_autoptr(sqlite3_stmt) row = NULL;

  if (!query_one (self, &row, error, "SELECT state FROM proposals WHERE id = ?", "i", id))
    return FALSE;
  if (row == NULL)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND, "No proposal %" G_GINT64_FORMAT, id);
  if (!g_str_equal (column_text (row, 0), "pending"))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_CONFLICT,
                   "Proposal %" G_GINT64_FORMAT " is already %s: only a pending one can be "
                   "withdrawn", id, column_text (row, 0));
  g_clear_pointer (&row, sqlite3_finalize);
  return exec (self, error,
               "UPDATE proposals SET state = 'withdrawn', updated_at = ? WHERE id = ?", "ii", now,
               id);
}

/* Opening. */

/* SQLite would create the file with the umask's mode; a catalogue holds operators' names and
 * decisions, so it is created private first (SQLite gives its -wal and -shm the same mode). */
static gboolean
create_private_file (const char *path,
                     GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      return _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND, "Cannot create the folder %s for the "
                     "catalogue: %s", dir, g_strerror (saved));
    }
  fd = g_open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      return _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND, "Cannot create the catalogue %s: %s", path,
                     g_strerror (saved));
    }
  g_close (fd, NULL);
  return TRUE;
}

static gboolean
configure (PmCatalogSqlite *self,
           GError         **error)
{
  g_autoptr(sqlite3_stmt) mode = NULL;
  gboolean wal;

  sqlite3_extended_result_codes (self->db, 1);
  /* Writers from other threads wait for the write lock instead of failing at once. */
  sqlite3_busy_timeout (self->db, 10000);
  if (!query_one (self, &mode, error, "PRAGMA journal_mode = WAL", ""))
    return FALSE;
  wal = mode != NULL && g_ascii_strcasecmp (column_text (mode, 0), "wal") == 0;
  g_clear_pointer (&mode, sqlite3_finalize);
  if (!wal)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND,
                   "Catalogue %s: cannot use write-ahead logging (is it on a network file "
                   "system?)", self->path);
  return exec (self, error, "PRAGMA synchronous = FULL", "")
         && exec (self, error, "PRAGMA foreign_keys = ON", "");
}

static gboolean
migrate_in_transaction (PmCatalogSqlite *self,
                        GError         **error)
{
  g_autoptr(sqlite3_stmt) row = NULL;
  g_autofree char *set_version = NULL;
  gint64 version;

  if (!query_one (self, &row, error, "PRAGMA user_version", ""))
    return FALSE;
  version = row != NULL ? sqlite3_column_int64 (row, 0) : 0;
  g_clear_pointer (&row, sqlite3_finalize);
  if (version > (gint64) G_N_ELEMENTS (migrations))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND,
                   "Catalogue %s has schema version %" G_GINT64_FORMAT ", newer than this build "
                   "of Premirror knows (%u): run a newer Premirror, or use another catalogue",
                   self->path, version, (guint) G_N_ELEMENTS (migrations));
  if (version < 0)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND,
                   "Catalogue %s has an invalid schema version %" G_GINT64_FORMAT, self->path,
                   version);
  if (version == (gint64) G_N_ELEMENTS (migrations))
    return TRUE;
  for (gint64 v = version; v < (gint64) G_N_ELEMENTS (migrations); v++)
    for (guint i = 0; migrations[v][i] != NULL; i++)
      if (!exec (self, error, migrations[v][i], ""))
        return FALSE;
  /* PRAGMA takes no parameters; the value is our own integer. */
  set_version = g_strdup_printf ("PRAGMA user_version = %u", (guint) G_N_ELEMENTS (migrations));
  return exec (self, error, set_version, "");
}

static void
pm_catalog_sqlite_finalize (GObject *object)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (object);

  sqlite3_close_v2 (self->db);
  g_mutex_clear (&self->mutex);
  g_free (self->path);
  g_free (self->description);
  G_OBJECT_CLASS (pm_catalog_sqlite_parent_class)->finalize (object);
}

static void
pm_catalog_sqlite_class_init (PmCatalogSqliteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_catalog_sqlite_finalize;
}

static void
pm_catalog_sqlite_init (PmCatalogSqlite *self)
{
  g_mutex_init (&self->mutex);
}

/* The interface: each method validates its arguments, then holds the lock for its transaction. */

#define LOCK(self) \
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&(self)->mutex)

static const char *
pm_catalog_sqlite_describe (PmCatalog *catalog)
{
  return PM_CATALOG_SQLITE (catalog)->description;
}

static gboolean
pm_catalog_sqlite_sync_resources (PmCatalog   *catalog,
                                  PmResources *resources,
                                  GError     **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return begin (self, error)
         && end (self, sync_resources_in_transaction (self, resources, error), error);
}

static gboolean
pm_catalog_sqlite_add_version (PmCatalog  *catalog,
                               const char *resource,
                               const char *sha256,
                               guint64     size_bytes,
                               gint64      now,
                               PmVersion  *out,
                               gboolean   *is_new,
                               GError    **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  PmVersion version = { 0 };
  gboolean version_is_new = FALSE;
  char digest[65];
  gboolean ok;

  if (!_pm_catalog_require_text (resource, "The resource", error) || !_pm_catalog_normalize_sha256 (sha256, digest, error))
    return FALSE;
  {
    LOCK (self);

    ok = begin (self, error)
         && end (self,
                 add_version_in_transaction (self, resource, digest, size_bytes, now, &version,
                                             &version_is_new, error),
                 error);
  }
  /* The caller's *out is written only once the version is committed. */
  if (ok && out != NULL)
    *out = version;
  else
    pm_version_clear (&version);
  if (ok && is_new != NULL)
    *is_new = version_is_new;
  return ok;
}

static gboolean
pm_catalog_sqlite_get_latest_version (PmCatalog  *catalog,
                                      const char *resource,
                                      PmVersion  *out,
                                      GError    **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);
  /* Declared after the lock: the statement is finalized before the lock is released. */
  g_autoptr(sqlite3_stmt) row = NULL;

  if (!query_one (self, &row, error,
                  "SELECT " VERSION_COLUMNS " FROM versions WHERE resource = ?"
                  " ORDER BY version DESC LIMIT 1",
                  "t", resource))
    return FALSE;
  if (row == NULL)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_NOT_FOUND, "Resource “%s” has no version yet",
                   resource != NULL ? resource : "");
  read_version (row, out);
  return TRUE;
}

static GPtrArray *
pm_catalog_sqlite_list_replicas (PmCatalog *catalog,
                                 GError   **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return list_rows (self, "SELECT " REPLICA_COLUMNS " FROM replicas ORDER BY resource, site",
                    read_replica, (GDestroyNotify) pm_replica_free, error);
}

static gboolean
pm_catalog_sqlite_move_replica (PmCatalog     *catalog,
                                const char    *resource,
                                const char    *site,
                                PmReplicaState from,
                                PmReplicaState to,
                                gint64         version,
                                const char    *sha256,
                                gboolean       temporary,
                                const char    *error_text,
                                gint64         now,
                                GError       **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  char digest[65] = "";

  if (!_pm_catalog_check_move (resource, site, to, version, sha256, digest, error))
    return FALSE;
  {
    LOCK (self);

    return begin (self, error)
           && end (self,
                   move_replica_in_transaction (self, resource, site, from, to, version, digest,
                                                temporary, error_text, now, error),
                   error);
  }
}

static gint64
pm_catalog_sqlite_upsert_proposal (PmCatalog        *catalog,
                                   const PmProposal *proposal,
                                   gint64            now,
                                   GError          **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  gint64 id = 0;

  if (!_pm_catalog_require_text (proposal->resource, "The proposal's resource", error)
      || !_pm_catalog_require_text (proposal->site, "The proposal's site", error))
    return 0;
  if (!(proposal->probability >= 0 && proposal->probability <= 1))
    {
      _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID, "A proposal's probability must be within 0–1, "
              "not %g", proposal->probability);
      return 0;
    }
  {
    LOCK (self);

    if (!begin (self, error)
        || !end (self, upsert_proposal_in_transaction (self, proposal, now, &id, error), error))
      return 0;
  }
  return id;
}

static gboolean
pm_catalog_sqlite_withdraw_proposal (PmCatalog *catalog,
                                     gint64     id,
                                     gint64     now,
                                     GError   **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return begin (self, error)
         && end (self, withdraw_in_transaction (self, id, now, error), error);
}

static GPtrArray *
pm_catalog_sqlite_list_proposals (PmCatalog *catalog,
                                  GError   **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return list_rows (self,
                    "SELECT " PROPOSAL_COLUMNS " FROM proposals ORDER BY created_at DESC, id DESC",
                    read_proposal, (GDestroyNotify) pm_proposal_free, error);
}

static gint64
pm_catalog_sqlite_decide (PmCatalog       *catalog,
                          gint64           proposal,
                          gboolean         approve,
                          const char      *who,
                          const char      *reason,
                          const PmJobSpec *spec,
                          gint64           now,
                          GError         **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  char digest[65];
  gint64 id = 0;

  if (!_pm_catalog_require_text (who, "The decider's name", error)
      || (!approve && !_pm_catalog_require_text (reason, "The reason for a rejection", error))
      || (approve && !_pm_catalog_check_spec (spec, digest, error)))
    return 0;
  {
    LOCK (self);

    if (!begin (self, error)
        || !end (self,
                 decide_in_transaction (self, proposal, approve, who, reason, spec, digest, now,
                                        &id, error),
                 error))
      return 0;
  }
  return id;
}

static gint64
pm_catalog_sqlite_mirror_now (PmCatalog       *catalog,
                              const char      *resource,
                              const char      *site,
                              const char      *who,
                              const char      *reason,
                              const PmJobSpec *spec,
                              gint64           now,
                              GError         **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  char digest[65];
  gint64 id = 0;

  if (!_pm_catalog_require_text (resource, "The resource", error) || !_pm_catalog_require_text (site, "The site", error)
      || !_pm_catalog_require_text (who, "The operator's name", error) || !_pm_catalog_check_spec (spec, digest, error))
    return 0;
  {
    LOCK (self);

    if (!begin (self, error)
        || !end (self,
                 mirror_now_in_transaction (self, resource, site, who, reason, spec, digest, now,
                                            &id, error),
                 error))
      return 0;
  }
  return id;
}

static GPtrArray *
pm_catalog_sqlite_list_jobs (PmCatalog *catalog,
                             GError   **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return list_rows (self, "SELECT " JOB_COLUMNS " FROM jobs ORDER BY created_at DESC, id DESC",
                    read_job, (GDestroyNotify) pm_job_free, error);
}

static PmJob *
pm_catalog_sqlite_get_job (PmCatalog *catalog,
                           gint64     id,
                           GError   **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return load_job (self, id, error);
}

static gboolean
pm_catalog_sqlite_update_job (PmCatalog   *catalog,
                              const PmJob *job,
                              PmJobState   expected,
                              gint64       now,
                              GError     **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return begin (self, error)
         && end (self, update_job_in_transaction (self, job, expected, now, error), error);
}

static gboolean
pm_catalog_sqlite_act_on_job (PmCatalog  *catalog,
                              gint64      id,
                              const char *action,
                              const char *who,
                              const char *reason,
                              gint64      now,
                              GError    **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  gboolean cancel = g_strcmp0 (action, "cancel") == 0;

  if (!cancel && g_strcmp0 (action, "retry") != 0)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                   "Unknown action “%s” on a job: expected cancel or retry",
                   action != NULL ? action : "");
  if (!_pm_catalog_require_text (who, "The operator's name", error))
    return FALSE;
  {
    LOCK (self);

    return begin (self, error)
           && end (self, act_on_job_in_transaction (self, id, cancel, who, reason, now, error),
                   error);
  }
}

static gboolean
pm_catalog_sqlite_record_decision (PmCatalog        *catalog,
                                   const PmDecision *decision,
                                   GError          **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);

  if (!_pm_catalog_check_decision (decision, error))
    return FALSE;
  {
    LOCK (self);

    return begin (self, error)
           && end (self, insert_decision (self, decision, NULL, error), error);
  }
}

static GPtrArray *
pm_catalog_sqlite_list_decisions (PmCatalog *catalog,
                                  GError   **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return list_rows (self, "SELECT " DECISION_COLUMNS " FROM decisions ORDER BY id",
                    read_decision, (GDestroyNotify) pm_decision_free, error);
}

static gboolean
pm_catalog_sqlite_recover (PmCatalog *catalog,
                           gint64     now,
                           guint     *n_reset,
                           GError   **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return begin (self, error)
         && end (self, recover_in_transaction (self, now, n_reset, error), error);
}

static GPtrArray *
pm_catalog_sqlite_list_alert_marks (PmCatalog *catalog,
                                    GError   **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return list_alert_marks (self, "alert_marks",
                           "SELECT rowid, " ALERT_MARK_COLUMNS " FROM alert_marks"
                           " ORDER BY kind, subject, subject_id",
                           error);
}

static gboolean
pm_catalog_sqlite_update_alert_marks (PmCatalog *catalog,
                                      GPtrArray *put,
                                      GPtrArray *remove,
                                      GError   **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);

  if (!_pm_catalog_check_alert_marks (put, remove, error))
      return FALSE;
  {
    LOCK (self);

    return begin (self, error)
           && end (self, update_alert_marks_in_transaction (self, put, remove, error), error);
  }
}

static GPtrArray *
pm_catalog_sqlite_list_alert_mark_log (PmCatalog *catalog,
                                       GError   **error)
{
  PmCatalogSqlite *self = PM_CATALOG_SQLITE (catalog);
  LOCK (self);

  return list_alert_marks (self, "alert_mark_log",
                           "SELECT id, " ALERT_MARK_COLUMNS " FROM alert_mark_log ORDER BY id",
                           error);
}

#undef LOCK

static void
pm_catalog_sqlite_iface_init (PmCatalogInterface *iface)
{
  iface->describe = pm_catalog_sqlite_describe;
  iface->sync_resources = pm_catalog_sqlite_sync_resources;
  iface->add_version = pm_catalog_sqlite_add_version;
  iface->get_latest_version = pm_catalog_sqlite_get_latest_version;
  iface->list_replicas = pm_catalog_sqlite_list_replicas;
  iface->move_replica = pm_catalog_sqlite_move_replica;
  iface->upsert_proposal = pm_catalog_sqlite_upsert_proposal;
  iface->withdraw_proposal = pm_catalog_sqlite_withdraw_proposal;
  iface->list_proposals = pm_catalog_sqlite_list_proposals;
  iface->decide = pm_catalog_sqlite_decide;
  iface->mirror_now = pm_catalog_sqlite_mirror_now;
  iface->list_jobs = pm_catalog_sqlite_list_jobs;
  iface->get_job = pm_catalog_sqlite_get_job;
  iface->update_job = pm_catalog_sqlite_update_job;
  iface->act_on_job = pm_catalog_sqlite_act_on_job;
  iface->record_decision = pm_catalog_sqlite_record_decision;
  iface->list_decisions = pm_catalog_sqlite_list_decisions;
  iface->recover = pm_catalog_sqlite_recover;
  iface->list_alert_marks = pm_catalog_sqlite_list_alert_marks;
  iface->update_alert_marks = pm_catalog_sqlite_update_alert_marks;
  iface->list_alert_mark_log = pm_catalog_sqlite_list_alert_mark_log;
}

PmCatalog *
pm_catalog_sqlite_open (const char *path,
                        GError    **error)
{
  g_autoptr(PmCatalogSqlite) self = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (PM_TYPE_CATALOG_SQLITE, NULL);
  self->path = g_strdup (path);
  self->description = g_strdup_printf ("sqlite:%s", path);
  if (!create_private_file (path, error))
    return NULL;
  /* No SQLite mutex: self->mutex already serialises every use of the connection. */
  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      if (self->db == NULL)
        _pm_catalog_refuse (error, PM_CATALOG_ERROR_BACKEND, "Cannot open the catalogue %s: %s", path,
                sqlite3_errstr (rc));
      else
        fail (self, error);
      return NULL;
    }
  if (!configure (self, error) || !begin (self, error)
      || !end (self, migrate_in_transaction (self, error), error))
    return NULL;
  return PM_CATALOG (g_steal_pointer (&self));
}
