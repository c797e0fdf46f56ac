/* pm-test-console.h: a headless console (premirror --headless, the path in PM_PREMIRROR) that a
 * test starts on the simulator with its API on a free loopback port, talks to and stops.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char        *data_dir;   /* --data-dir; set by the test before the first start */
  char        *config_dir; /* its XDG_CONFIG_HOME: API tokens of its own */
  GSubprocess *process;    /* NULL while stopped */
  char        *url;        /* its API, as it printed it at start */
  char        *token;      /* its API token, read after the first start */
} PmTestConsole;

/* Starts the console on the topology and resources files with the NULL-terminated extra
 * arguments, and waits until its API answers. Its logs go to the test's: what a console said
 * before a failure tells why. */
void pm_test_console_start (PmTestConsole *console,
                            const char    *topology,
                            const char    *resources,
                            ...) G_GNUC_NULL_TERMINATED;
/* Sends the signal and waits for the console to end; nothing when it is stopped. After SIGTERM
 * the console must have exited with status 0. */
void pm_test_console_stop  (PmTestConsole *console,
                            int            signal);
/* Stops it (SIGTERM) and frees what it holds. */
void pm_test_console_clear (PmTestConsole *console);

G_END_DECLS
