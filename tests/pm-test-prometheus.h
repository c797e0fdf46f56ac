/* pm-test-prometheus.h: a real Prometheus on a free loopback port, serving metrics backfilled
 * from an OpenMetrics file, for the tests of the Prometheus source. It scrapes nothing; its data
 * directory, configuration and log live in a temporary directory removed by
 * pm_test_prometheus_free.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PmTestPrometheus PmTestPrometheus;

/* Backfills openmetrics_path (timestamps in seconds, each series' samples in time order,
 * "# TYPE NAME gauge" lines, ending with "# EOF") with `promtool tsdb create-blocks-from
 * openmetrics`, starts prometheus on it (retention 100 years, so that old data stays) and waits
 * until /-/ready answers. Fails with G_IO_ERROR_NOT_FOUND, whose message suits g_test_skip,
 * when prometheus or promtool is not installed. */
PmTestPrometheus *pm_test_prometheus_start   (const char        *openmetrics_path,
                                              GError           **error);
/* Writes csv_path (a PmCsvSource file) to om_path as OpenMetrics in the shape of
 * blackbox_exporter's ICMP probes: probe_icmp_duration_seconds{instance=SEGMENT,phase="rtt"} in
 * seconds and probe_success (1 - loss), plus the jitter as premirror_test_jitter_seconds for a
 * query of one's own ("?jitter=premirror_test_jitter_seconds"); an empty field is NaN. Each
 * sample is written a second before its row's time, as real scrapes land between the steps a
 * query asks for: Prometheus 2's range selectors include both ends, so a sample exactly on a step
 * would also count in the next step's loss. */
gboolean          pm_test_prometheus_write_openmetrics (const char  *csv_path,
                                                        const char  *om_path,
                                                        GError     **error);
/* "http://127.0.0.1:PORT", without a trailing slash. */
const char       *pm_test_prometheus_get_url (PmTestPrometheus  *self);
/* Stops it (SIGTERM, then SIGKILL if it does not exit within 30 s) and waits for it; the port
 * then refuses connections. FALSE with error if it had to be killed. */
gboolean          pm_test_prometheus_stop    (PmTestPrometheus  *self,
                                              GError           **error);
/* Starts it again, after stop, on the same port with the same data, and waits until ready. */
gboolean          pm_test_prometheus_restart (PmTestPrometheus  *self,
                                              GError           **error);
/* Kills it if running and removes its directory. */
void              pm_test_prometheus_free    (PmTestPrometheus  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmTestPrometheus, pm_test_prometheus_free)

G_END_DECLS
