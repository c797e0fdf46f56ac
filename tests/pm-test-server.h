/* pm-test-server.h: what the launchers of real servers in the tests and benchmarks share: a
 * free loopback port to give a server, tying its life to the test's, and removing the folder it
 * ran in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A loopback port free for TCP (and, with udp_too, for UDP as well) at the time of asking;
 * 0 when none was found. */
guint16 pm_test_free_port   (gboolean    udp_too);

/* A GSpawnChildSetupFunc for the servers and consoles a test starts: killed when the test dies,
 * so that one that aborts leaves nothing running, holding a port or the test log's pipes. */
void    pm_test_die_with_parent (gpointer data);

/* Removes path and everything under it (symbolic links are removed, never followed). */
void    pm_test_remove_tree (const char *path);

G_END_DECLS
