/* pm-api-mirror.h: the mirroring endpoints: resources, replicas, proposals, jobs and the audit
 * trail to read; approve, reject, mirror now, cancel, retry and retire to act (bearer token).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mirror/pm-mirror.h"
#include "pm-api-server.h"
#include "pm-tokens.h"

G_BEGIN_DECLS

/* The mirror and the tokens must outlive the server's handlers (stop the server first). */
void pm_api_mirror_register (PmApiServer *server,
                             PmTokens    *tokens,
                             PmMirror    *mirror);

G_END_DECLS
