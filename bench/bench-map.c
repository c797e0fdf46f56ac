/* bench-map.c: how long the map's layers take to draw a large network, one frame at a time.
 *
 * A synthetic network of 1,000 sites (a jittered 40 × 25 mesh over Europe) and 3,000 segments,
 * every segment with a risk (5 % down, 3 % under maintenance, a few weather polygons), every site
 * with an isolation risk, 20 firing alerts; the map view alone in a 1,400 × 900 window, fitted
 * to the network. Each run calls the layers' snapshot functions and renders the resulting nodes
 * with the window's renderer: the map's share of a frame on the main thread, once the layers'
 * images are drawn. Apart from it, the time the drawing thread takes for one image of the
 * network (lines, dots, names), which a new snapshot or view costs the worker, not the frame.
 * The reference run is the built-in demo network. The budget is 12 ms a frame; figures are
 * printed, never judged.
 *
 * Usage: bench-map [FRAMES]   (default 200)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <math.h>
#include <stdio.h>

#include "pm-bench-grid.h"
#include "pm-bench-time.h"
#include "pm-demo.h"
#include "pm-map-view.h"

#define SEED   20261127
#define BUDGET 0.012
/* Network images drawn for the drawing thread's figure. */
#define IMAGES 20

typedef struct
{
  double snapshot_s;
  double render_s;
  double image_s;
} Figures;

static PmSnapshot *
random_snapshot (PmTopology *topology,
                 GRand      *rand)
{
  PmSnapshot *snapshot = pm_snapshot_new (topology);

  for (guint i = 0; i < snapshot->n_segments; i++)
    {
      double u = g_rand_double (rand);
      snapshot->segments[i].risk = u < 0.02 ? NAN : pow (u, 4);
      snapshot->segments[i].health = u > 0.95 ? 1.0 : 0.1;
    }
  for (guint i = 0; i < snapshot->n_sites; i++)
    snapshot->sites[i].isolation = pow (g_rand_double (rand), 6);
  for (guint i = 0; i < 20; i++)
    {
      PmAlert *alert = g_new0 (PmAlert, 1);
      alert->id = g_strdup_printf ("bench:%u", i);
      alert->subject = i % 4 == 0 ? PM_ALERT_SITE : PM_ALERT_SEGMENT;
      alert->index = (guint) g_rand_int_range (rand, 0, (gint32) (alert->subject == PM_ALERT_SITE
                                                                    ? snapshot->n_sites
                                                                    : snapshot->n_segments));
      alert->state = i % 3 == 0 ? PM_ALERT_PENDING : PM_ALERT_FIRING;
      g_ptr_array_add (snapshot->alerts, alert);
    }
  for (guint i = 0; i < 4; i++)
    {
      PmEvent *event = g_new0 (PmEvent, 1);
      double lat = 40 + 4 * i, lon = -5 + 8 * i;

      event->id = g_strdup_printf ("storm-%u", i);
      event->kind = PM_EVENT_WEATHER;
      event->severity = PM_SEVERITY_SEVERE;
      event->n_polygon = 12;
      event->polygon = g_new (PmLatLon, 12);
      for (guint p = 0; p < 12; p++)
        event->polygon[p] = (PmLatLon) { lat + 2 * sin (p * G_PI / 6), lon + 3 * cos (p * G_PI / 6) };
      g_ptr_array_add (snapshot->events, event);
    }
  for (guint i = 0; i < snapshot->n_segments; i += 33)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, i);
      PmEvent *event = g_new0 (PmEvent, 1);

      if (segment->circuit_id == NULL)
        continue;
      event->id = g_strdup_printf ("mw-%u", i);
      event->kind = PM_EVENT_MAINTENANCE;
      event->circuit_id = g_strdup (segment->circuit_id);
      g_ptr_array_add (snapshot->events, event);
    }
  return snapshot;
}

static void
draw_layer (GtkWidget *layer,
            double    *snapshot_s,
            double    *render_s)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (layer));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  double t0 = pm_bench_cpu_seconds (), t1;

  GTK_WIDGET_GET_CLASS (layer)->snapshot (layer, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  t1 = pm_bench_cpu_seconds ();
  *snapshot_s += t1 - t0;
  if (node != NULL)
    texture = gsk_renderer_render_texture (renderer, node,
                                           &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (layer),
                                                                gtk_widget_get_height (layer)));
  *render_s += pm_bench_cpu_seconds () - t1;
}

static void
measure (const char *name,
         PmTopology *topology,
         guint       n_frames,
         Figures    *figures)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  g_autoptr(PmSnapshot) snapshot = random_snapshot (topology, rand);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  PmMapView *map_view = pm_map_view_new ();
  g_autofree double *snapshots = g_new (double, n_frames);
  g_autofree double *renders = g_new (double, n_frames);
  double images[IMAGES];
  GtkWidget *layers[2];
  double start;

  gtk_window_set_child (window, GTK_WIDGET (map_view));
  gtk_window_set_default_size (window, 1400, 900);
  pm_map_view_set_snapshot (map_view, snapshot);
  gtk_window_present (window);
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < G_USEC_PER_SEC)
    g_main_context_iteration (NULL, FALSE);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  gtk_widget_activate_action (GTK_WIDGET (map_view), "map.fit", NULL);
  /* Frames paint the layers' last images: wait until they show this view. */
  start = g_get_monotonic_time ();
  while (!pm_network_layer_is_current (pm_map_view_get_network_layer (map_view))
         || g_get_monotonic_time () - start < G_USEC_PER_SEC / 2)
    g_main_context_iteration (NULL, FALSE);

  layers[0] = GTK_WIDGET (pm_map_view_get_network_layer (map_view));
  layers[1] = GTK_WIDGET (pm_map_view_get_alert_layer (map_view));
  for (guint f = 0; f < n_frames; f++)
    {
      snapshots[f] = renders[f] = 0;
      for (guint l = 0; l < G_N_ELEMENTS (layers); l++)
        draw_layer (layers[l], &snapshots[f], &renders[f]);
    }
  figures->snapshot_s = pm_bench_median (snapshots, n_frames);
  figures->render_s = pm_bench_median (renders, n_frames);
  for (guint f = 0; f < MIN (n_frames, IMAGES); f++)
    {
      g_autoptr(PmNetworkFrame) frame =
        pm_network_layer_new_frame (pm_map_view_get_network_layer (map_view));
      PmNetworkImage image = { 0 };
      double t0 = pm_bench_cpu_seconds ();

      pm_network_raster_draw (frame, &image);
      images[f] = pm_bench_cpu_seconds () - t0;
      pm_network_image_clear (&image);
    }
  figures->image_s = pm_bench_median (images, MIN (n_frames, IMAGES));
  g_print ("%-28s %6u %8u %11.2f %9.2f %9.2f %8u %10.1f\n", name,
           pm_topology_get_n_sites (topology), pm_topology_get_n_segments (topology),
           figures->snapshot_s * 1e3, figures->render_s * 1e3,
           (figures->snapshot_s + figures->render_s) * 1e3,
           pm_network_layer_get_n_labelled (pm_map_view_get_network_layer (map_view)),
           figures->image_s * 1e3);
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  guint n_frames = argc > 1 ? (guint) atoi (argv[1]) : 200;
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  g_autoptr(PmTopology) demo = NULL;
  g_autoptr(PmTopology) mesh = NULL;
  g_autoptr(GError) error = NULL;
  Figures fd, fm;

  /* As bench-paint: GTK's software renderer unless GSK_RENDERER says otherwise. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  if (!gtk_init_check ())
    {
      g_print ("bench-map: needs a display (run it inside xvfb-run); skipped\n");
      return 0;
    }
  adw_init ();
  demo = pm_demo_load_topology (&error);
  g_assert_no_error (error);
  mesh = pm_bench_mesh_topology (40, 25, 3000, rand);

  g_print ("Map layers (network + alerts), one frame on the main thread, median of %u, one "
           "core, GSK_RENDERER=%s; image: one network image in the drawing thread, median of "
           "%u:\n", n_frames, g_getenv ("GSK_RENDERER"), MIN (n_frames, IMAGES));
  g_print ("%-28s %6s %8s %11s %9s %9s %8s %10s\n", "network", "sites", "segments",
           "snapshot ms", "render ms", "total ms", "names", "image ms");
  measure ("demo", demo, n_frames, &fd);
  measure ("mesh", mesh, n_frames, &fm);
  g_print ("ratio (mesh ÷ demo): frame %.2f, image %.2f; mesh frame ÷ budget (%.0f ms): %.2f\n",
           (fm.snapshot_s + fm.render_s) / (fd.snapshot_s + fd.render_s), fm.image_s / fd.image_s,
           BUDGET * 1e3, (fm.snapshot_s + fm.render_s) / BUDGET);
  return 0;
}
