/* test-settings-check.c: the checks behind the preferences window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "pm-settings-check.h"

typedef gboolean (*CheckFunc) (const char *text,
                               GError    **error);

/* Every refusal carries a message that names what is expected. */
static void
assert_refused (CheckFunc   check,
                const char *text,
                const char *expect_in_message)
{
  g_autoptr(GError) error = NULL;

  if (check (text, &error))
    g_error ("“%s” was accepted", text);
  g_assert_error (error, PM_SETTINGS_CHECK_ERROR, PM_SETTINGS_CHECK_ERROR_INVALID);
  if (strstr (error->message, expect_in_message) == NULL)
    g_error ("“%s”: message “%s” lacks “%s”", text, error->message, expect_in_message);
}

static void
assert_accepted (CheckFunc   check,
                 const char *text)
{
  g_autoptr(GError) error = NULL;

  if (!check (text, &error))
    g_error ("“%s” was refused: %s", text, error->message);
}

static void
test_source (void)
{
  assert_accepted (pm_settings_check_source, "sim:");
  assert_accepted (pm_settings_check_source, "sim:?seed=7&speed=60&start=1700000000");
  assert_accepted (pm_settings_check_source, "prometheus:http://127.0.0.1:9090");
  assert_accepted (pm_settings_check_source, "prometheus:https://prom.example.net/prometheus");
  assert_accepted (pm_settings_check_source, "csv:/srv/metrics.csv");
  assert_accepted (pm_settings_check_source, "csv:relative/dir");

  assert_refused (pm_settings_check_source, "", "sim:");
  assert_refused (pm_settings_check_source, "simulator", "Unknown metric source");
  assert_refused (pm_settings_check_source, "sim:?seed=x", "seed");
  assert_refused (pm_settings_check_source, "sim:?colour=red", "colour");
  assert_refused (pm_settings_check_source, "prometheus:", "prometheus:http://");
  assert_refused (pm_settings_check_source, "prometheus:127.0.0.1:9090", "prometheus:http://");
  assert_refused (pm_settings_check_source, "prometheus:ftp://h:21", "prometheus:http://");
  assert_refused (pm_settings_check_source, "prometheus:http://", "prometheus:http://");
  assert_refused (pm_settings_check_source, "prometheus:http://h:9090/?q=1", "“?”");
  assert_refused (pm_settings_check_source, "csv:", "csv:");
}

static void
test_event_feed (void)
{
  assert_accepted (pm_settings_check_event_feed, "/srv/maintenance.ics");
  assert_accepted (pm_settings_check_event_feed, "alerts.json");
  assert_accepted (pm_settings_check_event_feed, "https://api.weather.gov/alerts/active");
  assert_accepted (pm_settings_check_event_feed, "http://10.0.0.5:8080/cap.xml");

  assert_refused (pm_settings_check_event_feed, "", "http://");
  assert_refused (pm_settings_check_event_feed, "   ", "http://");
  assert_refused (pm_settings_check_event_feed, "ftp://example.net/a.ics", "is not a file");
  assert_refused (pm_settings_check_event_feed, "https://", "is not a file");
  assert_refused (pm_settings_check_event_feed, "https://exa mple.net/", "is not a file");
}

static void
test_catalog (void)
{
  assert_accepted (pm_settings_check_catalog, "");
  assert_accepted (pm_settings_check_catalog, "sqlite:/var/lib/premirror/catalog.sqlite");
  assert_accepted (pm_settings_check_catalog, "etcd:http://10.0.0.1:2379");
  assert_accepted (pm_settings_check_catalog, "etcd:http://10.0.0.1:2379,https://etcd2:2379");
  assert_accepted (pm_settings_check_catalog, "etcd:http://h:2379,http://g:2379?prefix=/pm/");

  assert_refused (pm_settings_check_catalog, "sqlite:", "sqlite:");
  assert_refused (pm_settings_check_catalog, "/tmp/catalog.sqlite", "Unknown catalogue");
  assert_refused (pm_settings_check_catalog, "etcd:", "etcd:http://");
  assert_refused (pm_settings_check_catalog, "etcd:10.0.0.1:2379", "not an etcd endpoint");
  assert_refused (pm_settings_check_catalog, "etcd:http://h", "not an etcd endpoint");
  assert_refused (pm_settings_check_catalog, "etcd:http://h:2379,", "not an etcd endpoint");
  assert_refused (pm_settings_check_catalog, "etcd:http://h:2379/v3", "not an etcd endpoint");
  assert_refused (pm_settings_check_catalog, "etcd:http://h:2379?prefix=pm", "?prefix=/");
  assert_refused (pm_settings_check_catalog, "etcd:http://h:2379?lease=5", "?prefix=/");
}

static void
test_ranges (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_settings_check_horizon (5, NULL));
  g_assert_true (pm_settings_check_horizon (720, NULL));
  g_assert_false (pm_settings_check_horizon (4, &error));
  g_assert_error (error, PM_SETTINGS_CHECK_ERROR, PM_SETTINGS_CHECK_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "5 to 720 minutes"));
  g_clear_error (&error);
  g_assert_false (pm_settings_check_horizon (721, NULL));
  g_assert_false (pm_settings_check_horizon (-30, NULL));

  g_assert_true (pm_settings_check_probability (0.05, NULL));
  g_assert_true (pm_settings_check_probability (0.99, NULL));
  g_assert_true (pm_settings_check_probability (0.2, NULL));
  g_assert_false (pm_settings_check_probability (0.04, &error));
  g_assert_nonnull (strstr (error->message, "0.05 to 0.99"));
  g_clear_error (&error);
  g_assert_false (pm_settings_check_probability (1.0, NULL));
  g_assert_false (pm_settings_check_probability (NAN, NULL));

  g_assert_true (pm_settings_check_criticality (1, NULL));
  g_assert_true (pm_settings_check_criticality (5, NULL));
  g_assert_false (pm_settings_check_criticality (0, NULL));
  g_assert_false (pm_settings_check_criticality (6, NULL));
}

static void
test_tile_template (void)
{
  assert_accepted (pm_settings_check_tile_template,
                   "https://tile.openstreetmap.org/{z}/{x}/{y}.png");
  assert_accepted (pm_settings_check_tile_template, "http://10.0.0.9:8080/tiles/{z}/{y}/{x}");
  assert_accepted (pm_settings_check_tile_template, "https://t.example.net/{z}/{x}/{y}@2x.png?k=1");

  assert_refused (pm_settings_check_tile_template, "https://tile.example.net/{z}/{x}.png",
                  "needs {x}, {y} and {z}");
  assert_refused (pm_settings_check_tile_template, "", "needs {x}, {y} and {z}");
  assert_refused (pm_settings_check_tile_template, "file:///tiles/{z}/{x}/{y}.png", "http://");
  assert_refused (pm_settings_check_tile_template, "tile.example.net/{z}/{x}/{y}.png", "http://");
  assert_refused (pm_settings_check_tile_template, "https:///{z}/{x}/{y}.png", "not a valid");
  assert_refused (pm_settings_check_tile_template, "https://a b/{z}/{x}/{y}.png", "not a valid");
}

static void
test_api_address (void)
{
  assert_accepted (pm_settings_check_api_address, "127.0.0.1:8642");
  assert_accepted (pm_settings_check_api_address, "0.0.0.0:0");
  assert_accepted (pm_settings_check_api_address, "[::1]:8470");
  assert_accepted (pm_settings_check_api_address, "[::]:65535");
  assert_accepted (pm_settings_check_api_address, "none");

  assert_refused (pm_settings_check_api_address, "", "ADDRESS:PORT");
  assert_refused (pm_settings_check_api_address, "127.0.0.1", "ADDRESS:PORT");
  assert_refused (pm_settings_check_api_address, "localhost:8470", "not a numeric IP address");
  assert_refused (pm_settings_check_api_address, "127.0.0.1:65536", "0 to 65535");
  assert_refused (pm_settings_check_api_address, "127.0.0.1:port", "0 to 65535");
  assert_refused (pm_settings_check_api_address, "127.0.0.1:", "0 to 65535");
  assert_refused (pm_settings_check_api_address, "::1:8470", "brackets");
  assert_refused (pm_settings_check_api_address, "[::1]8470", "brackets");
  assert_refused (pm_settings_check_api_address, "[127.0.0.1]:8470", "not a numeric IPv6");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/settings-check/source", test_source);
  g_test_add_func ("/settings-check/event-feed", test_event_feed);
  g_test_add_func ("/settings-check/catalog", test_catalog);
  g_test_add_func ("/settings-check/ranges", test_ranges);
  g_test_add_func ("/settings-check/tile-template", test_tile_template);
  g_test_add_func ("/settings-check/api-address", test_api_address);

  return g_test_run ();
}
