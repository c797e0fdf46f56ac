/* pm-cap-xml.h: alerts in the OASIS Common Alerting Protocol 1.2 XML (<alert>), the form most
 * national alerting services (and IPAWS) publish, read with libxml2.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-event.h"

G_BEGIN_DECLS

/* The document is one CAP 1.2 (or 1.1) <alert>, or any wrapper (an Atom <feed>, EDXL-DE)
 * holding such alerts. Each Alert or Update becomes PM_EVENT_WEATHER events, one per
 * <polygon> or <circle> of its <area>s (ids as in _pm_cap_resolve()), or one unlocated
 * (polygon NULL) when no area has a shape: id <identifier>, issued <sent>, from <onset> (else
 * <effective>, else <sent>) to <expires>, title <headline> (else <event>), <severity>,
 * <certainty> and <urgency> (unknown words: Unknown). Of several <info> blocks only those in
 * the language of the first are read (the others translate it). CAP polygons are "lat,lon"
 * pairs separated by spaces. An Update or Cancel takes away the alerts its <references> name;
 * a Cancel, Ack or Error, and any alert whose <status> is not Actual, carries no hazard.
 * No network access and no entity expansion. Errors name display_name, the alert's index and
 * identifier, the element and its line. */
GPtrArray *pm_cap_xml_parse (const char *text,
                             gsize       length,
                             const char *display_name,
                             GError    **error);

G_END_DECLS
