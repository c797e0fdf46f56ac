/* pm-test-util.h: helpers shared by the tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "mirror/pm-catalog.h"
#include "pm-engine.h"
#include "pm-topology.h"
#include "route/pm-api-server.h"

G_BEGIN_DECLS

/* The chain fra (origin) – ams – lon whose edge lon stores at storage_url (a WebDAV server),
 * and its inventory: a 2 MiB CRL many UK clients fetch and a 96 MiB image few do; written to
 * temporary files whose paths come back. For the tests of real consoles copying to a real
 * edge. */
char       *pm_test_write_chain_topology (const char *storage_url);
char       *pm_test_write_chain_resources (void);
/* The origin file DATA_DIR/edges/fra/ID of the demo's content, size bytes. */
void        pm_test_write_origin         (const char *data_dir,
                                          const char *id,
                                          gsize       size);

/* Fails the test, naming both strings, unless haystack contains needle. */
#define pm_test_assert_contains(haystack, needle)                                                 \
  G_STMT_START                                                                                \
  {                                                                                           \
    if (strstr ((haystack), (needle)) == NULL)                                                \
      g_error ("%s:%d: “%s” does not contain “%s”", __FILE__, __LINE__, (haystack), (needle));   \
  }                                                                                           \
  G_STMT_END

/* Path of a file under the shared real-data folder, or NULL after marking the test skipped
 * with a message when the folder is absent. */
char       *pm_test_shared_data_path   (const char   *relative);

/* A fresh temporary folder removed (recursively) at the end of the test. */
char       *pm_test_make_temp_dir      (void);

/* Writes contents to a new file in a temporary folder and returns its path. */
char       *pm_test_write_temp_file    (const char   *name,
                                        const char   *contents);

/* The whole file at path (asserts that it can be read); free with g_free(). */
char *pm_test_read_text (const char *path);

/* JSON written with single quotes to stay readable in C, as bytes with every ' turned into a
 * double quote (so no string in it may hold an apostrophe). */
GBytes     *pm_test_json_bytes         (const char   *quoted);

/* The same JSON written to a new file in a temporary folder; returns its path. */
char       *pm_test_write_temp_json    (const char   *name,
                                        const char   *quoted);

/* A topology from such JSON, named display_name in messages; fails the test if it does not
 * load. */
PmTopology *pm_test_topology_from_json (const char   *quoted,
                                        const char   *display_name);

/* Asserts that a loader's error leads a user to the culprit: the message starts with "FILE: ",
 * names "ENTRY INDEX" (followed by ":" or by the entry's id in brackets) or, for index -1, no
 * entry at all, and names field “FIELD” unless field is NULL. */
void        pm_test_assert_error_names (const GError *error,
                                        const char   *file,
                                        const char   *entry,
                                        int           index,
                                        const char   *field);

/* The index of the segment with that circuit id (or, failing that, segment id), or -1. */
int   pm_test_segment_by_circuit (PmTopology *topology,
                                  const char *circuit_id);

/* What a program run by a test said and how it ended. */
typedef struct
{
  int   status;
  char *out;
  char *err;
} PmTestRun;

void pm_test_run_clear   (PmTestRun *run);
/* Runs the program whose path is in the environment variable program_env with the NULL-terminated
 * arguments, and waits for it. */
void pm_test_run_program (PmTestRun  *run,
                          const char *program_env,
                          ...) G_GNUC_NULL_TERMINATED;

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PmTestRun, pm_test_run_clear)

/* A standard normal draw (Box-Muller), for synthetic series. */
double pm_test_gauss (GRand *rand);
/* Fails the test unless lo ≤ value ≤ hi; logs the figure either way. */
void   pm_test_assert_between (const char *what,
                               double      value,
                               double      lo,
                               double      hi);

/* Starts the engine, stops its timer (the test ticks it), and waits for the predictor's warm-up in
 * its worker thread to finish, so that the next tick predicts. */
void pm_test_engine_start (PmEngine *engine);

/* Advances a started demo engine 10 minutes per tick until some alert exists (demo seed 1
 * announces an outage within hours) and returns its id. */
char *pm_test_engine_tick_until_alert (PmEngine *engine);

/* A session for loopback requests: never through a proxy from the environment. */
SoupSession *pm_test_session_new    (void);

/* An API server (not started) whose every request sees snapshot (may be NULL: as before the
 * engine's first tick). */
PmApiServer *pm_test_api_server_new (PmSnapshot *snapshot);

/* Sends one HTTP request (with "Authorization: Bearer token" unless token is NULL, and a JSON
 * body unless body is NULL) and fails the test unless the answer is JSON; returns its status
 * and, unless reply is NULL, the parsed answer. */
guint pm_test_http_request (SoupSession *session,
                            const char  *method,
                            const char  *url,
                            const char  *token,
                            const char  *body,
                            JsonNode   **reply);

/* The catalogue's replica of resource at site (to free), or NULL when it has no row. */
PmReplica      *pm_test_find_replica  (PmCatalog  *catalog,
                                       const char *resource,
                                       const char *site);
/* The state of that replica; a missing replica counts as gone. */
PmReplicaState  pm_test_replica_state (PmCatalog  *catalog,
                                       const char *resource,
                                       const char *site);

/* For tests that run the whole console but test something else: GTK's warning about a widget's
 * size ("in measure() with for_size") is passed over; every other message goes to the default
 * writer, which aborts on warnings. Call before gtk_test_init(). */
void pm_test_pass_over_size_warnings (void);

G_END_DECLS
