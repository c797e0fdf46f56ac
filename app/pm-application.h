/* pm-application.h: command line, actions, start-up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pm-engine.h"

G_BEGIN_DECLS

#define PM_TYPE_APPLICATION (pm_application_get_type ())
G_DECLARE_FINAL_TYPE (PmApplication, pm_application, PM, APPLICATION, AdwApplication)

PmApplication *pm_application_new              (void);
/* The engine in use: a reload replaces it. */
PmEngine      *pm_application_get_engine       (PmApplication *self);
/* NULL: the API is off. */
const char    *pm_application_get_api_url      (PmApplication *self);
/* Re-creates the engine on another source or catalogue (NULL: the one in use; "" for the
 * catalogue: the default) and hands it to the window and the API; on failure the running engine
 * carries on. */
gboolean       pm_application_reload_engine    (PmApplication *self,
                                                const char    *source_uri,
                                                const char    *catalog_uri,
                                                GError       **error);
/* Restarts the API server on ADDR:PORT ("none": off); on failure the running one carries on. */
gboolean       pm_application_set_api_address  (PmApplication *self,
                                                const char    *address,
                                                GError       **error);

G_END_DECLS
