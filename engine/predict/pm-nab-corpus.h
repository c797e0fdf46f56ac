/* pm-nab-corpus.h: a folder in the Numenta Anomaly Benchmark's layout: data/ (the series),
 * labels/combined_windows.json (the anomaly windows) and config/profiles.json (the profiles).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-nab.h"
#include "pm-value-csv.h"

G_BEGIN_DECLS

typedef struct
{
  char          *name;      /* the key of the labels file: a path relative to data/ */
  PmValueSeries *series;
  GArray        *windows;   /* PmNabWindow */
} PmNabCorpusFile;

typedef struct _PmNabCorpus PmNabCorpus;

/* Loads the corpus in dir. With only (NULL-terminated), loads only the files whose label key or
 * base name is listed; a listed name that matches no file is an error. Files come sorted by
 * name. Errors name the file and, where it applies, the window or the field. */
PmNabCorpus           *pm_nab_corpus_load           (const char         *dir,
                                                     const char *const  *only,
                                                     GError            **error);
void                   pm_nab_corpus_free           (PmNabCorpus *self);

guint                  pm_nab_corpus_get_n_files    (PmNabCorpus *self);
const PmNabCorpusFile *pm_nab_corpus_get_file       (PmNabCorpus *self,
                                                     guint        index);
/* The profiles in the order of config/profiles.json. */
guint                  pm_nab_corpus_get_n_profiles (PmNabCorpus *self);
const PmNabProfile    *pm_nab_corpus_get_profile    (PmNabCorpus *self,
                                                     guint        index);

/* Reads config/profiles.json-style profiles: {"NAME": {"CostMatrix": {"tpWeight": …,
 * "fpWeight": …, "fnWeight": …}}, …}. Returns an array of PmNabProfile. */
GArray                *pm_nab_profiles_load         (const char *path,
                                                     GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmNabCorpus, pm_nab_corpus_free)

G_END_DECLS
