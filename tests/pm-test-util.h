/* pm-test-util.h: helpers shared by the tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Path of a file under the shared real-data folder, or NULL after marking the test skipped
 * with a message when the folder is absent. */
char *pm_test_shared_data_path (const char *relative);

/* A fresh temporary folder removed (recursively) at the end of the test. */
char *pm_test_make_temp_dir    (void);

/* Writes contents to a new file in a temporary folder and returns its path. */
char *pm_test_write_temp_file  (const char *name,
                                const char *contents);

G_END_DECLS
