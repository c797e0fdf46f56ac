/* pm-fuzz.h: what every libFuzzer target shares: a strict GLib (a warning or critical on bad
 * input is a finding, not noise), quiet logging, and input handed to APIs that read files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "model/pm-topology.h"

G_BEGIN_DECLS

/* libFuzzer's entry points, declared here so that -Wmissing-prototypes holds. */
int  LLVMFuzzerInitialize    (int     *argc,
                              char  ***argv);
int  LLVMFuzzerTestOneInput  (const uint8_t *data,
                              size_t         size);

/* Call first in LLVMFuzzerInitialize. Restarts the process once with G_SLICE=always-malloc
 * (GLib reads it at start-up, and slices kept in magazines hide leaks from LeakSanitizer), then
 * makes warnings and criticals fatal and drops debug, info and message output. */
void        pm_fuzz_init           (int     *argc,
                                    char  ***argv);

/* The input as a NUL-terminated string (to free); parsers of C strings see up to the first NUL. */
char       *pm_fuzz_strdup         (const uint8_t *data,
                                    size_t         size);

/* A path whose file holds exactly data, for APIs that only read files: a memfd, rewritten on
 * every call, read through /proc/self/fd. Owned by the helper. */
const char *pm_fuzz_write_file     (const uint8_t *data,
                                    size_t         size);

/* Prints why an input was refused when PM_FUZZ_VERBOSE is set (to check that seeds are read
 * as valid documents); silent otherwise. */
void        pm_fuzz_note_error     (const GError *error);

/* Two sites (ams, fra) and two segments (ams-fra, fra-ams), built once and kept. */
PmTopology *pm_fuzz_tiny_topology  (void);

G_END_DECLS
