/* pm-tokens.h: named operator tokens for the API's write endpoints, stored hashed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PmTokens PmTokens;

PmTokens   *pm_tokens_open          (const char *tokens_path,
                                     const char *first_token_path,
                                     const char *first_name,
                                     GError    **error);
void        pm_tokens_free          (PmTokens *self);
char       *pm_tokens_add           (const char *tokens_path,
                                     const char *name,
                                     GError    **error);
/* The operator's name (an interned string, valid forever), or NULL. */
const char *pm_tokens_verify        (PmTokens   *self,
                                     const char *token);
const char *pm_tokens_verify_header (PmTokens   *self,
                                     const char *authorization);
guint       pm_tokens_get_n_tokens  (PmTokens *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmTokens, pm_tokens_free)

G_END_DECLS
