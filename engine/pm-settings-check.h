/* pm-settings-check.h: checks of the values an operator types into the preferences, before they
 * are stored: syntax and ranges only, so that they answer at once and need no engine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_SETTINGS_CHECK_ERROR (pm_settings_check_error_quark ())

typedef enum
{
  PM_SETTINGS_CHECK_ERROR_INVALID,  /* the value is refused; the message says why */
} PmSettingsCheckError;

/* The ranges of the schema's keys, repeated here so that a check can say what is allowed. */
#define PM_SETTINGS_MIN_HORIZON_MIN     5
#define PM_SETTINGS_MAX_HORIZON_MIN     720
#define PM_SETTINGS_MIN_PROBABILITY     0.05
#define PM_SETTINGS_MAX_PROBABILITY     0.99
#define PM_SETTINGS_MIN_CRITICALITY     1
#define PM_SETTINGS_MAX_CRITICALITY     5

GQuark   pm_settings_check_error_quark   (void);

/* "sim:[?seed=N&speed=X&start=UNIX_S]", "prometheus:http(s)://HOST[:PORT][/PATH]", "csv:FILE". */
gboolean pm_settings_check_source        (const char *uri,
                                          GError    **error);
/* A file path or an http(s):// address. */
gboolean pm_settings_check_event_feed    (const char *feed,
                                          GError    **error);
/* "" (the default), "sqlite:PATH" or "etcd:http://H:P,http://H:P,…[?prefix=/P/]". */
gboolean pm_settings_check_catalog       (const char *uri,
                                          GError    **error);
gboolean pm_settings_check_horizon       (gint64      minutes,
                                          GError    **error);
gboolean pm_settings_check_probability   (double      probability,
                                          GError    **error);
gboolean pm_settings_check_criticality   (gint64      criticality,
                                          GError    **error);
/* http(s)://… with {x}, {y} and {z}. */
gboolean pm_settings_check_tile_template (const char *tile_template,
                                          GError    **error);
/* "ADDR:PORT" with a numeric address ("[IPv6]:PORT"), port 0–65535, or "none". */
gboolean pm_settings_check_api_address   (const char *address,
                                          GError    **error);

G_END_DECLS
