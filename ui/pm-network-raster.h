/* pm-network-raster.h: the network's lines, dots and names drawn into an image, off the main
 * thread.
 *
 * A PmNetworkFrame is everything one image depends on, copied when it is made, so that a worker
 * thread can draw it while the main thread goes on with the next snapshot.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-map-private.h"
#include "pm-snapshot.h"

G_BEGIN_DECLS

/* The site names of one topology, shaped in the drawing thread and kept for the next image.
 * Only one image of a layer is drawn at a time, so one thread at a time uses them. */
typedef struct _PmNetworkLabels PmNetworkLabels;

PmNetworkLabels *pm_network_labels_new   (PmTopology                 *topology,
                                          const PangoFontDescription *font,
                                          double                      resolution);
PmNetworkLabels *pm_network_labels_ref   (PmNetworkLabels *labels);
void             pm_network_labels_unref (PmNetworkLabels *labels);

typedef struct
{
  PmSnapshot      *snapshot;   /* a reference: topology, events */
  PmNetworkLabels *labels;     /* a reference */
  PmMapProjection  projection;
  int              width;
  int              height;
  int              scale;
  gboolean         show_events;
  int              selected_site;     /* or -1 */
  int              selected_segment;  /* or -1 */

  guint            n_sites;
  double          *site_x;            /* pixels under projection */
  double          *site_y;
  guint8          *site_bucket;       /* palette bucket */
  guint           *site_order;        /* dots, riskiest last */
  guint           *label_order;       /* names, most important first */

  guint            n_segments;
  guint8          *segment_bucket;
  gboolean        *segment_down;
  gboolean        *segment_maintenance;
  guint           *segment_order;     /* riskiest then down ones last */
} PmNetworkFrame;

PmNetworkFrame *pm_network_frame_new  (PmSnapshot      *snapshot,
                                       PmNetworkLabels *labels);
void            pm_network_frame_free (PmNetworkFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmNetworkFrame, pm_network_frame_free)

/* What an image holds. */
typedef struct
{
  cairo_surface_t *surface;   /* ARGB32, of the frame's size at its scale */
  guint            n_drawn;    /* segments in view */
  guint            n_labelled; /* site names shown */
} PmNetworkImage;

void pm_network_image_clear (PmNetworkImage *image);

/* Draws in the calling thread. */
void     pm_network_raster_draw   (const PmNetworkFrame *frame,
                                   PmNetworkImage       *image);

/* Draws in a worker thread; the frame is the task's. */
void     pm_network_raster_async  (PmNetworkFrame      *frame,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean pm_network_raster_finish (GAsyncResult   *result,
                                   PmNetworkImage *image);

G_END_DECLS
