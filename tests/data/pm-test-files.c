/* pm-test-files.c: finding the project's files, for the data validators.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-files.h"

void
pm_test_find_files (const char       *dir,
                    PmTestFileFilter  enter,
                    PmTestFileFilter  take,
                    GPtrArray        *files)
{
  g_autoptr(GDir) handle = NULL;
  g_autoptr(GError) error = NULL;
  const char *entry;

  handle = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);

  while ((entry = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);

      if (entry[0] == '.')
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (enter == NULL || enter (entry, path))
            pm_test_find_files (path, enter, take, files);
        }
      else if (take (entry, path))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
}
