/* pm-alerts.h: the alert manager — per segment (partition risk) and per site (isolation risk):
 * pending → firing → resolved with a hold time and hysteresis, operator acknowledgements and
 * silences, the list the snapshot shows, and a log of what fired for the evaluator.
 *
 * The life of an alert, per subject (one segment or one site), fed once per tick:
 * - no alert, probability ≥ fire_threshold: a new PENDING alert (id "segment:<id>:<n>", n counting
 *   the subject's alerts from 1; an id is never reused);
 * - PENDING fires (FIRING, fired_at = now) once the probability has stayed ≥ fire_threshold for
 *   hold_s without a break: a short spike does not fire. A dip below fire_threshold restarts the
 *   hold; a fall below clear_threshold drops the pending alert (it never fired, it is not logged);
 * - FIRING resolves (RESOLVED, resolved_at = now) only once the probability has stayed below
 *   clear_threshold for clear_s: noise between the two thresholds, or brief dips, never make it
 *   flap. A resolved alert stays listed for keep_resolved_s, then it is dropped;
 * - an unknown probability (NAN) is no evidence either way: it neither fires, nor clears, nor
 *   counts towards a hold or a clear time (missing data is not health); the alert keeps the last
 *   known probability.
 * Times are the engine clock's unix seconds and must not go backwards: an update older than the
 * latest one is ignored.
 *
 * Operators acknowledge an alert (who, when) and silence one until a time, with a reason. A
 * silence covers the alert and any later alert of the same subject until it ends; silenced alerts
 * keep their state, they are only marked. Acknowledging twice is a conflict.
 *
 * Marks outlive the process (the engine keeps them in the catalogue, see PmAlertMark in
 * mirror/pm-catalog.h, and restores them before its first tick). Alert ids count from 1 again in
 * every run, so a mark is keyed by its subject (kind, segment or site id), and the rule is:
 * - a silence covers its subject until its `until`, whatever alert episode comes meanwhile; one
 *   that ended while the engine was down is not restored and is purged from the store, one that
 *   ends while it runs is purged by the next tick's save;
 * - an acknowledgement covers the episode it was made on, and is kept only while that episode's
 *   alert is pending or firing: once it resolves (or, pending, is dropped) the mark ends, and a
 *   later alert of the subject is not acknowledged. Restored, it waits for the subject's next
 *   alert and applies to it, as the same episode going on, unless the subject first stays below
 *   clear_threshold for clear_s (the calm that would have resolved it): then the episode is over
 *   and the mark ends unused. Unknown probabilities, as ever, count for neither.
 *
 * Thread-safe: the API thread may acknowledge or silence while the engine ticks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-topology.h"
/* For PmAlertMark: the stored form of a mark is the catalogue's record type. */
#include "mirror/pm-catalog.h"
#include "pm-snapshot.h"

G_BEGIN_DECLS

#define PM_ALERT_ERROR (pm_alert_error_quark ())

typedef enum
{
  PM_ALERT_ERROR_NOT_FOUND,  /* no such alert (never raised, or dropped after it resolved) */
  PM_ALERT_ERROR_INVALID,    /* a silence ending in the past, an empty name or reason */
  PM_ALERT_ERROR_CONFLICT,   /* acknowledged already */
  PM_ALERT_ERROR_EXPIRED,    /* a restored silence that has ended */
} PmAlertError;

/* Defaults: the risk is a calibrated probability of partition within the horizon (30 min). A NOC
 * wants to hear of a one-in-five chance of losing a link within half an hour: that is what
 * gives time to mirror, and at 0.2 the alert comes a median ~18 min ahead where "more likely than
 * not" (0.5) gave ~10 and missed half the degradations (tuning seeds 5, 6 × Abilene, JANET and
 * GÉANT: F1 0.49 against 0.38). It clears well below that (0.08), so that a risk wavering around
 * the threshold as a degradation develops keeps one alert rather than a string of them; one minute
 * of hold (six 10-s ticks) costs one minute of lead time and stops one-tick spikes; five minutes
 * of calm before "resolved" outlasts the usual lulls of a degrading link; resolved alerts stay
 * listed an hour, long enough for the next shift to see what happened. */
#define PM_ALERT_DEFAULT_FIRE_THRESHOLD  0.2
#define PM_ALERT_DEFAULT_CLEAR_THRESHOLD 0.08
#define PM_ALERT_DEFAULT_HOLD_S          60
#define PM_ALERT_DEFAULT_CLEAR_S         300
#define PM_ALERT_DEFAULT_KEEP_RESOLVED_S 3600

typedef struct
{
  double fire_threshold;   /* pending at or above this probability */
  double clear_threshold;  /* resolving below this; clamped to at most fire_threshold */
  gint64 hold_s;           /* pending → firing after this long at or above fire_threshold */
  gint64 clear_s;          /* firing → resolved after this long below clear_threshold */
  gint64 keep_resolved_s;  /* resolved alerts stay listed this long */
} PmAlertParams;

/* What operators did that PmAlert does not carry. */
typedef struct
{
  gint64 acknowledged_at;  /* 0 = not acknowledged */
  char  *silenced_by;      /* NULL = never silenced */
  gint64 silenced_at;
} PmAlertActions;

/* One alert that fired: the evaluator's record. */
typedef struct
{
  char          *id;
  PmAlertSubject subject;
  guint          index;
  gint64         pending_since;
  gint64         fired_at;
  gint64         resolved_at;   /* 0 while still firing */
  double         probability;   /* when it fired */
  double         peak;          /* highest while it was firing */
} PmAlertRecord;

GQuark          pm_alert_error_quark        (void);
void            pm_alert_params_init        (PmAlertParams *params);
void            pm_alert_actions_clear      (PmAlertActions *actions);
void            pm_alert_record_clear       (PmAlertRecord *record);

#define PM_TYPE_ALERT_MANAGER (pm_alert_manager_get_type ())
G_DECLARE_FINAL_TYPE (PmAlertManager, pm_alert_manager, PM, ALERT_MANAGER, GObject)

/* params: for both segments and sites; NULL for the defaults. */
PmAlertManager *pm_alert_manager_new        (PmTopology          *topology,
                                             const PmAlertParams *params);
void            pm_alert_manager_get_params (PmAlertManager *self,
                                             PmAlertSubject  subject,
                                             PmAlertParams  *params);
void            pm_alert_manager_set_params (PmAlertManager      *self,
                                             PmAlertSubject       subject,
                                             const PmAlertParams *params);

/* One subject's figures at this tick. factors (largest first) are copied, at most
 * PM_MAX_FACTORS; their names are interned. FALSE when now is older than the latest update. */
gboolean        pm_alert_manager_update     (PmAlertManager     *self,
                                             gint64              now,
                                             PmAlertSubject      subject,
                                             guint               index,
                                             double              probability,
                                             gint64              eta_s,
                                             const PmRiskFactor *factors,
                                             guint               n_factors);
/* Every segment from its risk, eta and factors; every site from its isolation. */
void            pm_alert_manager_update_segments (PmAlertManager       *self,
                                                  gint64                now,
                                                  const PmSegmentState *segments,
                                                  guint                 n_segments);
void            pm_alert_manager_update_sites    (PmAlertManager    *self,
                                                  gint64             now,
                                                  const PmSiteState *sites,
                                                  guint              n_sites);
/* Once per tick, after the updates: drops resolved alerts past keep_resolved_s and ends
 * silences that ran out. */
void            pm_alert_manager_expire     (PmAlertManager *self,
                                             gint64          now);

/* Copies for the snapshot (free with pm_alert_free, which the array does): pending and firing
 * first, then resolved; within each, most probable first, then soonest expected time (none
 * last), then id. Silences that ended before now show as not silenced. */
GPtrArray      *pm_alert_manager_export     (PmAlertManager *self,
                                             gint64          now);
PmAlert        *pm_alert_manager_lookup     (PmAlertManager *self,
                                             const char     *id,
                                             gint64          now);
guint           pm_alert_manager_count      (PmAlertManager *self,
                                             PmAlertState    state);

gboolean        pm_alert_manager_acknowledge (PmAlertManager *self,
                                              const char     *id,
                                              const char     *who,
                                              gint64          now,
                                              GError        **error);
gboolean        pm_alert_manager_silence    (PmAlertManager *self,
                                             const char     *id,
                                             gint64          until,
                                             const char     *reason,
                                             const char     *who,
                                             gint64          now,
                                             GError        **error);
gboolean        pm_alert_manager_unsilence  (PmAlertManager *self,
                                             const char     *id,
                                             GError        **error);
gboolean        pm_alert_manager_get_actions (PmAlertManager *self,
                                              const char     *id,
                                              PmAlertActions *actions,
                                              GError        **error);

/* Marks to keep across restarts (see the top of this file). The serial grows whenever the marks
 * may have changed (an operator's action, an episode's end, a silence's end, a restore), so a
 * caller saving them after every tick compares it first. dup_marks gives the marks in force at
 * now (PmAlertMark, free with the array): at most one silence and one acknowledgement per
 * subject, segments first, in topology order. */
guint64         pm_alert_manager_get_marks_serial (PmAlertManager *self);
GPtrArray      *pm_alert_manager_dup_marks  (PmAlertManager *self,
                                             gint64          now);
/* Applies a stored mark, replacing the subject's silence, or acknowledging its active alert (or
 * its next one, see above). PM_ALERT_ERROR_EXPIRED for a silence that ended by now,
 * PM_ALERT_ERROR_INVALID (the message says what is wrong, without naming the store) for an
 * unknown kind or subject, a subject the topology lacks, or a missing name, time or reason. */
gboolean        pm_alert_manager_restore    (PmAlertManager    *self,
                                             const PmAlertMark *mark,
                                             gint64             now,
                                             GError           **error);

/* Every alert that fired so far, in firing order: a GArray of PmAlertRecord (copies, cleared by
 * the array). The log grows by one record (about 80 bytes) per alert that fires. */
GArray         *pm_alert_manager_dup_log    (PmAlertManager *self);
/* The log as JSON lines for `premirror-eval --alerts`: for segments
 * {"segment": ID, "fired_at": UNIX_S, "resolved_at": UNIX_S or null, "probability": P},
 * for sites the same with "site". Appended to out. */
void            pm_alert_manager_write_log  (PmAlertManager *self,
                                             PmAlertSubject  subject,
                                             GString        *out);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PmAlertActions, pm_alert_actions_clear)

G_END_DECLS
