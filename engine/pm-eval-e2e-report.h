/* pm-eval-e2e-report.h: `premirror-eval --e2e --report DIR`: the end-to-end comparison written
 * as a Markdown report with its plots, for the people who decide on the mirroring policy.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-eval-e2e.h"

G_BEGIN_DECLS

/* The files of a report, in its folder. */
#define PM_E2E_REPORT_MARKDOWN      "report.md"
#define PM_E2E_REPORT_AVAILABILITY  "availability-vs-bytes"
#define PM_E2E_REPORT_TIMELINE      "timeline"

/* Writes dir/report.md, dir/availability-vs-bytes.svg and .png, and dir/timeline.svg and .png
 * (the timeline only when report->timeline is not NULL; otherwise a timeline left by an earlier
 * report in dir is removed, so that the folder describes one evaluation). Creates dir and its
 * parents. command is the command line that produced the report, quoted in the Markdown for
 * reproduction. Each file is replaced atomically; report.md is written last. */
gboolean pm_e2e_report_write (const PmE2eReport *report,
                              const char        *dir,
                              const char        *command,
                              GError           **error);

G_END_DECLS
