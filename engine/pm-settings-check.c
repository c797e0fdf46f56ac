/* pm-settings-check.c: checks of the values an operator types into the preferences.
 *
 * Each message says what is wrong and what would be right, in words that fit under an entry of
 * the preferences window. Whether a file exists or a server answers is left to the engine when
 * it opens them: a check here must answer at once, as the operator types.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-settings-check.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "telemetry/pm-simulator.h"

G_DEFINE_QUARK (pm-settings-check-error-quark, pm_settings_check_error)

static gboolean
refuse (GError    **error,
        const char *format,
        ...) G_GNUC_PRINTF (2, 3);

static gboolean
refuse (GError    **error,
        const char *format,
        ...)
{
  va_list args;

  if (error != NULL)
    {
      va_start (args, format);
      *error = g_error_new_valist (PM_SETTINGS_CHECK_ERROR, PM_SETTINGS_CHECK_ERROR_INVALID,
                                   format, args);
      va_end (args);
    }
  return FALSE;
}

/* An http:// or https:// address with a host. */
static gboolean
is_http_url (const char *text)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (!g_str_has_prefix (text, "http://") && !g_str_has_prefix (text, "https://"))
    return FALSE;
  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  return (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
         && g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0';
}

/* A host and an explicit port, nothing else: one etcd endpoint. */
static gboolean
is_http_endpoint (const char *text)
{
  g_autoptr(GUri) uri = NULL;
  const char *path;

  if (!is_http_url (text))
    return FALSE;
  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  path = g_uri_get_path (uri);
  return g_uri_get_port (uri) > 0 && (path[0] == '\0' || g_str_equal (path, "/"))
         && g_uri_get_query (uri) == NULL && g_uri_get_fragment (uri) == NULL;
}

static gboolean
has_blank (const char *text)
{
  for (const char *c = text; *c != '\0'; c++)
    if (g_ascii_isspace (*c))
      return TRUE;
  return FALSE;
}

static gboolean
is_blank (const char *text)
{
  for (const char *c = text; *c != '\0'; c++)
    if (!g_ascii_isspace (*c))
      return FALSE;
  return TRUE;
}

gboolean
pm_settings_check_source (const char *uri,
                          GError    **error)
{
  g_return_val_if_fail (uri != NULL, FALSE);

  if (g_str_has_prefix (uri, "sim:"))
    {
      PmSimulatorConfig config;
      g_autoptr(GError) sim_error = NULL;

      /* The simulator's own parser: what it accepts here, the engine accepts later. */
      if (!pm_simulator_parse_uri (uri, &config, &sim_error))
        return refuse (error, "%s", sim_error->message);
      return TRUE;
    }
  if (g_str_has_prefix (uri, "prometheus:"))
    {
      const char *url = uri + strlen ("prometheus:");
      g_autoptr(GUri) parsed = NULL;

      if (has_blank (url) || !is_http_url (url))
        return refuse (error, _("A Prometheus source is prometheus: followed by the server’s "
                                "address, such as prometheus:http://127.0.0.1:9090"));
      parsed = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
      if (g_uri_get_query (parsed) != NULL || g_uri_get_fragment (parsed) != NULL)
        return refuse (error, _("The Prometheus address takes no “?” or “#” part: give the "
                                "server, such as prometheus:http://127.0.0.1:9090"));
      return TRUE;
    }
  if (g_str_has_prefix (uri, "csv:"))
    {
      if (uri[strlen ("csv:")] == '\0')
        return refuse (error, _("A CSV source is csv: followed by the file or folder to "
                                "replay, such as csv:/srv/metrics.csv"));
      return TRUE;
    }
  if (uri[0] == '\0')
    return refuse (error, _("Give a metric source: sim:, prometheus:http://HOST:PORT or "
                            "csv:FILE"));
  return refuse (error, _("Unknown metric source “%s”: use sim:, prometheus:http://HOST:PORT or "
                          "csv:FILE"), uri);
}

gboolean
pm_settings_check_event_feed (const char *feed,
                              GError    **error)
{
  g_return_val_if_fail (feed != NULL, FALSE);

  if (is_blank (feed))
    return refuse (error, _("Give a file or an http:// or https:// address"));
  if (strstr (feed, "://") != NULL)
    {
      if (!is_http_url (feed) || has_blank (feed))
        return refuse (error, _("“%s” is not a file or an http:// or https:// address"), feed);
      return TRUE;
    }
  return TRUE;
}

gboolean
pm_settings_check_catalog (const char *uri,
                           GError    **error)
{
  g_return_val_if_fail (uri != NULL, FALSE);

  if (uri[0] == '\0')
    return TRUE;  /* the default: catalog.sqlite in the data folder */
  if (g_str_has_prefix (uri, "sqlite:"))
    {
      if (uri[strlen ("sqlite:")] == '\0')
        return refuse (error, _("A SQLite catalogue is sqlite: followed by the file, such as "
                                "sqlite:/var/lib/premirror/catalog.sqlite"));
      return TRUE;
    }
  if (g_str_has_prefix (uri, "etcd:"))
    {
      const char *rest = uri + strlen ("etcd:");
      const char *query = strchr (rest, '?');
      g_autofree char *endpoints_text = g_strndup (rest, query != NULL ? (gsize) (query - rest)
                                                                       : strlen (rest));
      g_auto(GStrv) endpoints = g_strsplit (endpoints_text, ",", -1);

      if (endpoints_text[0] == '\0')
        return refuse (error, _("An etcd catalogue is etcd: followed by its endpoints, such as "
                                "etcd:http://10.0.0.1:2379,http://10.0.0.2:2379"));
      for (guint i = 0; endpoints[i] != NULL; i++)
        if (has_blank (endpoints[i]) || !is_http_endpoint (endpoints[i]))
          return refuse (error, _("“%s” is not an etcd endpoint: write http://HOST:PORT, such "
                                  "as http://10.0.0.1:2379"), endpoints[i]);
      if (query != NULL)
        {
          const char *prefix = query + 1;

          if (!g_str_has_prefix (prefix, "prefix=/") || strchr (prefix, '&') != NULL
              || has_blank (prefix))
            return refuse (error, _("After the etcd endpoints only ?prefix=/PATH/ may follow, "
                                    "such as ?prefix=/premirror/"));
        }
      return TRUE;
    }
  return refuse (error, _("Unknown catalogue “%s”: use sqlite:PATH or "
                          "etcd:http://HOST:PORT,…"), uri);
}

gboolean
pm_settings_check_horizon (gint64   minutes,
                           GError **error)
{
  if (minutes < PM_SETTINGS_MIN_HORIZON_MIN || minutes > PM_SETTINGS_MAX_HORIZON_MIN)
    return refuse (error, _("The horizon is from %d to %d minutes"),
                   PM_SETTINGS_MIN_HORIZON_MIN, PM_SETTINGS_MAX_HORIZON_MIN);
  return TRUE;
}

gboolean
pm_settings_check_probability (double   probability,
                               GError **error)
{
  /* The bounds are compared at the precision shown (two decimals), so 0.05 typed is 0.05. */
  if (isnan (probability) || probability < PM_SETTINGS_MIN_PROBABILITY - 1e-9
      || probability > PM_SETTINGS_MAX_PROBABILITY + 1e-9)
    return refuse (error, _("Give a probability from %.2f to %.2f"),
                   PM_SETTINGS_MIN_PROBABILITY, PM_SETTINGS_MAX_PROBABILITY);
  return TRUE;
}

gboolean
pm_settings_check_criticality (gint64   criticality,
                               GError **error)
{
  if (criticality < PM_SETTINGS_MIN_CRITICALITY || criticality > PM_SETTINGS_MAX_CRITICALITY)
    return refuse (error, _("Criticality is from %d (nice to have) to %d (essential)"),
                   PM_SETTINGS_MIN_CRITICALITY, PM_SETTINGS_MAX_CRITICALITY);
  return TRUE;
}

gboolean
pm_settings_check_tile_template (const char *tile_template,
                                 GError    **error)
{
  g_autoptr(GString) sample = NULL;

  g_return_val_if_fail (tile_template != NULL, FALSE);

  if (strstr (tile_template, "{x}") == NULL || strstr (tile_template, "{y}") == NULL
      || strstr (tile_template, "{z}") == NULL)
    return refuse (error, _("The template needs {x}, {y} and {z}"));
  if (!g_str_has_prefix (tile_template, "http://") && !g_str_has_prefix (tile_template, "https://"))
    return refuse (error, _("The template must start with http:// or https://"));
  /* Checked as the address of one tile, since braces are not allowed in a URI. */
  sample = g_string_new (tile_template);
  g_string_replace (sample, "{x}", "0", 0);
  g_string_replace (sample, "{y}", "0", 0);
  g_string_replace (sample, "{z}", "0", 0);
  if (has_blank (sample->str) || !is_http_url (sample->str))
    return refuse (error, _("The template is not a valid address: write one such as "
                            "https://tile.openstreetmap.org/{z}/{x}/{y}.png"));
  return TRUE;
}

gboolean
pm_settings_check_api_address (const char *address,
                               GError    **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  const char *port_text;
  guint64 port;

  g_return_val_if_fail (address != NULL, FALSE);

  if (g_str_equal (address, "none"))
    return TRUE;
  if (address[0] == '[')
    {
      const char *close = strchr (address, ']');

      if (close == NULL || close[1] != ':')
        return refuse (error, _("Write an IPv6 address in brackets and a port, such as "
                                "[::1]:8470"));
      host = g_strndup (address + 1, (gsize) (close - address - 1));
      port_text = close + 2;
      inet = g_inet_address_new_from_string (host);
      if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)
        return refuse (error, _("“%s” is not a numeric IPv6 address"), host);
    }
  else
    {
      const char *colon = strrchr (address, ':');

      if (colon == NULL)
        return refuse (error, _("Write ADDRESS:PORT, such as 127.0.0.1:8470, or none"));
      host = g_strndup (address, (gsize) (colon - address));
      port_text = colon + 1;
      if (strchr (host, ':') != NULL)
        return refuse (error, _("Write an IPv6 address in brackets, such as [::1]:8470"));
      inet = g_inet_address_new_from_string (host);
      if (inet == NULL)
        return refuse (error, _("“%s” is not a numeric IP address: use one such as 127.0.0.1, "
                                "0.0.0.0, [::1] or [::]"), host);
    }
  if (!g_ascii_string_to_unsigned (port_text, 10, 0, 65535, &port, NULL))
    return refuse (error, _("The port is a number from 0 to 65535 (0 picks a free one)"));
  return TRUE;
}
