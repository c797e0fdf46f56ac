/* pm-test-files.h: finding the project's files, for the data validators.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Says whether to enter a folder or to take a file; name is the last component of path. */
typedef gboolean (*PmTestFileFilter) (const char *name,
                                      const char *path);

/* Adds to files (which frees its elements with g_free()) the path of every file under dir that
 * take accepts, recursively. Hidden files and folders are passed over, and so is every folder
 * that enter (when not NULL) refuses. */
void pm_test_find_files (const char       *dir,
                         PmTestFileFilter  enter,
                         PmTestFileFilter  take,
                         GPtrArray        *files);

G_END_DECLS
