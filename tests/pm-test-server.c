/* pm-test-server.c: a free loopback port, and removing a server's folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-server.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Binds a loopback socket of type to *port (0: any) and reads back the port it got. */
static gboolean
bind_port (int      type,
           guint16 *port)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (*port) };
  socklen_t length = sizeof address;
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);
  gboolean bound;

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  bound = fd >= 0 && bind (fd, (struct sockaddr *) &address, sizeof address) == 0
          && getsockname (fd, (struct sockaddr *) &address, &length) == 0;
  if (bound)
    *port = ntohs (address.sin_port);
  if (fd >= 0)
    close (fd);
  return bound;
}

/* A port the system hands out for TCP may be busy for UDP: servers listening on both (DNS) get
 * one checked for both. */
guint16
pm_test_free_port (gboolean udp_too)
{
  for (guint attempt = 0; attempt < 20; attempt++)
    {
      guint16 port = 0;

      if (bind_port (SOCK_STREAM, &port) && (!udp_too || bind_port (SOCK_DGRAM, &port)))
        return port;
    }
  return 0;
}

void
pm_test_die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

void
pm_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        pm_test_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}
