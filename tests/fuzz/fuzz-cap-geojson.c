/* fuzz-cap-geojson.c: CAP alerts as GeoJSON (pm_cap_geojson_parse), and writing what was read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-cap-geojson.h"
#include "pm-fuzz.h"

#include <string.h>

int
LLVMFuzzerInitialize (int     *argc,
                      char  ***argv)
{
  pm_fuzz_init (argc, argv);
  return 0;
}

static int
fuzz_one (const uint8_t *data,
          size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = pm_cap_geojson_parse ((const char *) data, size, "fuzz.geojson",
                                                      &error);
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) again_error = NULL;
  g_autofree char *written = NULL;

  g_assert ((events == NULL) != (error == NULL));
  pm_fuzz_note_error (error);
  if (events == NULL)
    return 0;
  for (guint i = 0; i < events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (events, i);
      double lat = 0;

      g_assert (event->id != NULL && event->kind == PM_EVENT_WEATHER);
      g_assert ((event->polygon == NULL) == (event->n_polygon == 0));
      for (guint k = 0; k < event->n_polygon; k++)
        lat += event->polygon[k].lat;
      (void) lat;
    }
  written = pm_cap_geojson_write (events);
  again = pm_cap_geojson_parse (written, strlen (written), "written.geojson", &again_error);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  return fuzz_one (data, size);
}
