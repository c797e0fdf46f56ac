/* pm-transport-webdav.h: replicas in a WebDAV collection (nginx's dav module, Apache mod_dav,
 * most object stores' WebDAV gateways), over HTTP or HTTPS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-transport.h"

G_BEGIN_DECLS

#define PM_TYPE_TRANSPORT_WEBDAV (pm_transport_webdav_get_type ())
G_DECLARE_FINAL_TYPE (PmTransportWebdav, pm_transport_webdav, PM, TRANSPORT_WEBDAV, GObject)

/* base_uri: "http(s)://host[:port]/path/" (a missing final slash is added). INVALID when it
 * is not such a URI. Missing collections are created (MKCOL) when a PUT answers 409. */
PmTransport *pm_transport_webdav_new          (const char        *base_uri,
                                               GError           **error);
const char  *pm_transport_webdav_get_base_uri (PmTransportWebdav *self);

G_END_DECLS
