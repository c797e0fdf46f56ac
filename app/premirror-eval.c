/* premirror-eval.c: the premirror-eval executable; the work is in engine/pm-eval.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "pm-eval.h"

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  /* Reports and CSV output are data for other programs: numbers always use a decimal point. */
  setlocale (LC_NUMERIC, "C");
  return pm_eval_main (argc, argv);
}
