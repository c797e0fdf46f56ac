/* pm-test-etcd.h: a real etcd cluster of one to five members on free loopback ports, for the
 * tests and benchmarks of the etcd catalogue backend. Every member's data directory and log live
 * in a temporary directory removed by pm_test_etcd_free; members can be crashed, stopped and
 * restarted on the same data and ports to test failover and lost quorum.
 *
 * The helpers speak to etcd 3.4's JSON gateway (POST /v3/kv/put, /v3/kv/range, …): keys and
 * values are base64, int64 fields are decimal strings, and fields equal to their default are
 * left out of replies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PmTestEtcd PmTestEtcd;

/* Starts n_members (1 to 5) members m0, m1, … of one new cluster, each with its own data
 * directory, client URL http://127.0.0.1:CPORT and peer URL http://127.0.0.1:PPORT, a unique
 * cluster token, a 50 ms heartbeat and a 500 ms election timeout (fast failover) and no
 * automatic compaction (tests compact with pm_test_etcd_compact); waits up to 60 s until every
 * member reports itself healthy, that is until the cluster has a leader and commits through
 * Raft. Fails with G_IO_ERROR_NOT_FOUND, whose message suits g_test_skip, when etcd is not
 * installed; otherwise quotes the log of the member that failed. */
PmTestEtcd *pm_test_etcd_start          (guint        n_members,
                                         GError     **error);
guint       pm_test_etcd_get_n_members  (PmTestEtcd  *self);
/* Every member's client URL, comma-separated: "http://127.0.0.1:P0,http://127.0.0.1:P1,…". */
const char *pm_test_etcd_get_endpoints  (PmTestEtcd  *self);
/* One member's client URL, "http://127.0.0.1:PORT" without a trailing slash. */
const char *pm_test_etcd_get_member_url (PmTestEtcd  *self,
                                         guint        member);
/* The index of the member that is the Raft leader now, by asking each running member's
 * /v3/maintenance/status, or -1 when no running member says it leads. */
int         pm_test_etcd_find_leader    (PmTestEtcd  *self);
/* Crashes a member: SIGKILL, then waits for it. TRUE at once if it is not running. */
gboolean    pm_test_etcd_kill_member    (PmTestEtcd  *self,
                                         guint        member,
                                         GError     **error);
/* Stops a member: SIGTERM, then SIGKILL if it does not exit within 30 s (FALSE with error
 * then), and waits for it. TRUE at once if it is not running. */
gboolean    pm_test_etcd_stop_member    (PmTestEtcd  *self,
                                         guint        member,
                                         GError     **error);
/* Freezes a member (SIGSTOP) or lets it go on (SIGCONT): a member that hangs, as behind a
 * network that drops its packets, holds requests sent to it without answering or refusing. */
void        pm_test_etcd_freeze_member  (PmTestEtcd  *self,
                                         guint        member,
                                         gboolean     frozen);
/* Starts a killed or stopped member again on its data directory and ports and waits (up to
 * 60 s) until it answers GET /health, healthy or not: without quorum it cannot be. */
gboolean    pm_test_etcd_restart_member (PmTestEtcd  *self,
                                         guint        member,
                                         GError     **error);
/* Starts every member that is not running at once and waits (up to 60 s) for a healthy
 * cluster: a member restarted alone answers nobody until it has a quorum again. */
gboolean    pm_test_etcd_restart_all    (PmTestEtcd  *self,
                                         GError     **error);
/* Waits up to timeout_ms until some running member reports itself healthy (quorum is back and
 * a leader elected). */
gboolean    pm_test_etcd_wait_healthy   (PmTestEtcd  *self,
                                         guint        timeout_ms,
                                         GError     **error);
/* Compacts the key-value history up to revision, physically (POST /v3/kv/compaction with
 * "physical": true, which returns once the compaction is applied), through the first running
 * member that answers. */
gboolean    pm_test_etcd_compact        (PmTestEtcd  *self,
                                         gint64       revision,
                                         GError     **error);
/* Kills every member still running and removes the temporary directory. */
void        pm_test_etcd_free           (PmTestEtcd  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmTestEtcd, pm_test_etcd_free)

G_END_DECLS
