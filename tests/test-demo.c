/* test-demo.c: the built-in demo network and resources, and the local edge folders.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "pm-demo.h"
#include "pm-test-util.h"

#define MB (1000 * 1000)

static PmTopology *
load_demo (void)
{
  g_autoptr(GError) error = NULL;
  PmTopology *topology = pm_demo_load_topology (&error);

  g_assert_no_error (error);
  g_assert_nonnull (topology);
  return topology;
}

static PmTopology *
load_network (const char *quoted)
{
  return pm_test_topology_from_json (quoted, "test.geojson");
}

static gboolean
address_in (const char        *text,
            const char *const *masks)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);

  if (address == NULL)
    return FALSE;
  for (guint i = 0; masks[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GInetAddressMask) mask = g_inet_address_mask_new_from_string (masks[i], &error);

      g_assert_no_error (error);
      if (g_inet_address_mask_matches (mask, address))
        return TRUE;
    }
  return FALSE;
}

static void
test_sites (void)
{
  /* RFC 5737 and RFC 3849: addresses that can never reach anything real. */
  static const char *const v4[] = { "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", NULL };
  static const char *const v6[] = { "2001:db8::/32", NULL };
  g_autoptr(PmTopology) topology = load_demo ();
  g_autoptr(GHashTable) regions = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) addresses = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = pm_topology_get_n_sites (topology);
  guint n_origin = 0, n_core = 0, n_edge = 0;
  int origin;

  g_assert_cmpstr (pm_topology_get_name (topology), ==, "Premirror demo (Europe)");
  g_assert_cmpuint (n, >=, 30);
  g_assert_cmpuint (n, <=, 40);

  for (guint i = 0; i < n; i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);

      g_test_message ("%s (%s, %s, %s): %s %s", site->id, site->name,
                      pm_site_role_to_string (site->role), site->region, site->address,
                      site->address6);
      switch (site->role)
        {
        case PM_SITE_ROLE_ORIGIN:
          n_origin++;
          break;
        case PM_SITE_ROLE_CORE:
          n_core++;
          break;
        case PM_SITE_ROLE_EDGE:
        default:
          n_edge++;
          break;
        }

      /* Real names and a region given explicitly, not the defaults. */
      g_assert_cmpstr (site->name, !=, site->id);
      g_assert_cmpstr (site->region, !=, site->id);
      g_assert_true (g_str_has_prefix (site->region, "eu-") || strcmp (site->region, "uk-ie") == 0);
      g_hash_table_add (regions, site->region);

      g_assert_nonnull (site->address);
      g_assert_nonnull (site->address6);
      if (!address_in (site->address, v4))
        g_error ("%s: %s is not an RFC 5737 documentation address", site->id, site->address);
      if (!address_in (site->address6, v6))
        g_error ("%s: %s is not in 2001:db8::/32", site->id, site->address6);
      g_assert_false (g_hash_table_contains (addresses, site->address));
      g_assert_false (g_hash_table_contains (addresses, site->address6));
      g_hash_table_add (addresses, site->address);
      g_hash_table_add (addresses, site->address6);

      /* Sites that hold replicas have room for them; all are in Europe (Istanbul included). */
      if (site->role != PM_SITE_ROLE_CORE)
        g_assert_cmpuint (site->capacity_bytes, >=, G_GUINT64_CONSTANT (1) << 40);
      g_assert_null (site->storage);
      g_assert_cmpfloat (site->location.lat, >, 35);
      g_assert_cmpfloat (site->location.lat, <, 71);
      g_assert_cmpfloat (site->location.lon, >, -11);
      g_assert_cmpfloat (site->location.lon, <, 45);
    }

  g_assert_cmpuint (n_origin, ==, 1);
  g_assert_cmpuint (n_core, >=, 2);
  g_assert_cmpuint (n_core, <=, 8);
  g_assert_cmpuint (n_edge, ==, n - n_origin - n_core);
  g_assert_cmpuint (g_hash_table_size (regions), >=, 5);
  g_assert_cmpuint (g_hash_table_size (regions), <=, 7);

  origin = pm_topology_get_origin (topology);
  g_assert_cmpint (origin, >=, 0);
  g_assert_cmpstr (pm_topology_get_site (topology, (guint) origin)->id, ==, "fra");
  g_assert_cmpint (pm_topology_get_site (topology, (guint) origin)->role, ==,
                   PM_SITE_ROLE_ORIGIN);
}

static void
test_segments (void)
{
  g_autoptr(PmTopology) topology = load_demo ();
  g_autoptr(GHashTable) circuits = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = pm_topology_get_n_segments (topology);
  guint n_long_haul = 0;

  g_assert_cmpuint (n, >=, 55);
  g_assert_cmpuint (n, <=, 70);

  for (guint i = 0; i < n; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, i);
      const char *a = pm_topology_get_site (topology, segment->a)->id;
      const char *b = pm_topology_get_site (topology, segment->b)->id;
      g_autofree char *id = g_strdup_printf ("%s--%s", a, b);
      g_autofree char *a_upper = g_ascii_strup (a, -1);
      g_autofree char *b_upper = g_ascii_strup (b, -1);
      g_autofree char *prefix = g_strdup_printf ("PMX-%s-%s-", a_upper, b_upper);
      g_autofree char *pair = g_strdup_printf ("%u %u", MIN (segment->a, segment->b),
                                               MAX (segment->a, segment->b));

      g_assert_cmpstr (segment->id, ==, id);
      g_assert_cmpstr (segment->probe, ==, segment->id);

      /* Maintenance notices name circuits: every segment has one, and only one segment has it. */
      g_assert_nonnull (segment->circuit_id);
      g_assert_true (g_str_has_prefix (segment->circuit_id, prefix));
      g_assert_cmpuint (strlen (segment->circuit_id), ==, strlen (prefix) + 4);
      g_assert_true (g_ascii_isdigit (segment->circuit_id[strlen (prefix)]));
      g_assert_false (g_hash_table_contains (circuits, segment->circuit_id));
      g_hash_table_add (circuits, segment->circuit_id);

      /* One circuit per pair of sites. */
      g_assert_false (g_hash_table_contains (pairs, pair));
      g_hash_table_add (pairs, g_steal_pointer (&pair));

      g_assert_cmpfloat (segment->bandwidth_bps, >=, 1e9);
      g_assert_cmpfloat (segment->bandwidth_bps, <=, 1e11);
      if (segment->bandwidth_bps >= 1e11)
        n_long_haul++;
      g_assert_cmpfloat (segment->length_km, >, 50);
      g_assert_cmpfloat (segment->length_km, <, 2500);
    }
  g_assert_cmpuint (n_long_haul, >, 0);
}

/* Sites reachable from site 0 without using segment `skip` (G_MAXUINT: none skipped). */
static guint
count_reachable (PmTopology *topology,
                 guint       skip)
{
  guint n = pm_topology_get_n_sites (topology);
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  g_autoptr(GArray) queue = g_array_new (FALSE, FALSE, sizeof (guint));
  guint start = 0, reached = 1;

  seen[0] = TRUE;
  g_array_append_val (queue, start);
  for (guint q = 0; q < queue->len; q++)
    {
      guint site = g_array_index (queue, guint, q);
      guint n_segments;
      const guint *segments = pm_topology_get_site_segments (topology, site, &n_segments);

      for (guint k = 0; k < n_segments; k++)
        {
          guint peer;

          if (segments[k] == skip)
            continue;
          peer = pm_topology_segment_peer (topology, segments[k], site);
          if (!seen[peer])
            {
              seen[peer] = TRUE;
              reached++;
              g_array_append_val (queue, peer);
            }
        }
    }
  return reached;
}

static void
test_connected (void)
{
  g_autoptr(PmTopology) topology = load_demo ();

  g_assert_cmpuint (count_reachable (topology, G_MAXUINT), ==, pm_topology_get_n_sites (topology));
}

/* A realistic backbone: one cut isolates at most a single-homed spur; regions need several. */
static void
test_resilience (void)
{
  g_autoptr(PmTopology) topology = load_demo ();
  guint n_sites = pm_topology_get_n_sites (topology);
  guint n_spurs = 0;

  for (guint i = 0; i < n_sites; i++)
    {
      guint degree;

      pm_topology_get_site_segments (topology, i, &degree);
      g_assert_cmpuint (degree, >=, 1);
      if (degree == 1)
        {
          g_test_message ("spur: %s", pm_topology_get_site (topology, i)->id);
          g_assert_cmpint (pm_topology_get_site (topology, i)->role, ==, PM_SITE_ROLE_EDGE);
          n_spurs++;
        }
    }
  g_assert_cmpuint (n_spurs, >=, 2);
  g_assert_cmpuint (n_spurs, <=, 5);

  for (guint i = 0; i < pm_topology_get_n_segments (topology); i++)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, i);
      guint reached = count_reachable (topology, i);
      guint degree_a, degree_b;

      if (reached == n_sites)
        continue;
      pm_topology_get_site_segments (topology, segment->a, &degree_a);
      pm_topology_get_site_segments (topology, segment->b, &degree_b);
      if (degree_a != 1 && degree_b != 1)
        g_error ("cutting %s alone splits the network", segment->id);
      g_assert_cmpuint (reached, ==, n_sites - 1);
    }

  /* The origin has diverse paths out. */
  {
    guint degree;
    pm_topology_get_site_segments (topology, (guint) pm_topology_get_origin (topology), &degree);
    g_assert_cmpuint (degree, >=, 4);
  }
}

static gboolean
is_lowercase_dash (const char *id)
{
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return id[0] != '\0' && id[0] != '-';
}

static void
test_resources (void)
{
  g_autoptr(PmTopology) topology = load_demo ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmResources) resources = pm_demo_load_resources (topology, &error);
  g_autoptr(GHashTable) regions = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean criticality_seen[6] = { FALSE };
  gboolean consistency_seen[3] = { FALSE };
  guint64 total = 0;
  guint n;
  const PmAutoApprovePolicy *policy;

  g_assert_no_error (error);
  g_assert_true (pm_resources_get_topology (resources) == topology);
  n = pm_resources_get_n_resources (resources);
  g_assert_cmpuint (n, >=, 18);
  g_assert_cmpuint (n, <=, 22);

  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    g_hash_table_add (regions, pm_topology_get_site (topology, i)->region);

  for (guint i = 0; i < n; i++)
    {
      const PmResource *r = pm_resources_get_resource (resources, i);

      g_test_message ("%s: %s, %.1f MB, criticality %u, %s", r->id, r->name,
                      (double) r->size_bytes / MB, r->criticality,
                      pm_consistency_to_string (r->consistency));
      g_assert_true (is_lowercase_dash (r->id));
      g_assert_cmpstr (r->name, !=, r->id);
      g_assert_cmpuint (r->size_bytes, >=, 1 * MB);
      g_assert_cmpuint (r->size_bytes, <=, 64 * MB);
      total += r->size_bytes;
      criticality_seen[r->criticality] = TRUE;
      consistency_seen[r->consistency] = TRUE;
      if (r->consistency == PM_CONSISTENCY_BOUNDED)
        g_assert_cmpint (r->staleness_s, >, 0);
      g_assert_cmpint ((int) r->origin, ==, pm_topology_get_origin (topology));

      /* Demand is per region of the demo network, and something asks for every resource. */
      g_assert_cmpuint (r->n_demand, >, 0);
      g_assert_cmpfloat (pm_resource_get_total_demand (r), >, 0);
      for (guint k = 0; k < r->n_demand; k++)
        if (!g_hash_table_contains (regions, r->demand[k].region))
          g_error ("%s: demand from region “%s”, which the demo network does not have", r->id,
                   r->demand[k].region);
    }

  for (guint c = 1; c <= 5; c++)
    if (!criticality_seen[c])
      g_error ("no demo resource has criticality %u", c);
  g_assert_true (consistency_seen[PM_CONSISTENCY_STRONG]);
  g_assert_true (consistency_seen[PM_CONSISTENCY_BOUNDED]);
  g_assert_true (consistency_seen[PM_CONSISTENCY_EVENTUAL]);
  g_test_message ("total %.1f MB", (double) total / MB);
  g_assert_cmpuint (total, >=, 100 * MB);
  g_assert_cmpuint (total, <=, 1000 * MB);

  policy = pm_resources_get_policy (resources);
  g_assert_true (policy->enabled);
  g_assert_cmpuint (policy->min_criticality, ==, 4);
  g_assert_cmpfloat (policy->min_risk, ==, 0.7);
}

/* DESIGN: without --resources, the demo resources follow the loaded topology's origin, even
 * when that topology has no site of the demo's name. */
static void
test_resources_other_topology (void)
{
  g_autoptr(PmTopology) topology =
    load_network ("{'type':'FeatureCollection','features':["
                  "{'type':'Feature','geometry':{'type':'Point','coordinates':[0,0]},"
                  "'properties':{'id':'edge-1'}},"
                  "{'type':'Feature','geometry':{'type':'Point','coordinates':[1,1]},"
                  "'properties':{'id':'hq','role':'origin'}},"
                  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"
                  "'properties':{'id':'hq--edge-1','a':'hq','b':'edge-1'}}]}");
  g_autoptr(GError) error = NULL;
  g_autoptr(PmResources) resources = pm_demo_load_resources (topology, &error);
  g_autoptr(PmTopology) demo = load_demo ();
  g_autoptr(PmResources) reference = pm_demo_load_resources (demo, &error);

  g_assert_no_error (error);
  g_assert_cmpint (pm_topology_get_origin (topology), ==, 1);
  g_assert_cmpuint (pm_resources_get_n_resources (resources), ==,
                    pm_resources_get_n_resources (reference));
  for (guint i = 0; i < pm_resources_get_n_resources (resources); i++)
    {
      const PmResource *r = pm_resources_get_resource (resources, i);
      const PmResource *ref = pm_resources_get_resource (reference, i);

      g_assert_cmpuint (r->origin, ==, 1);
      /* Everything but the origin is the demo's. */
      g_assert_cmpstr (r->id, ==, ref->id);
      g_assert_cmpuint (r->size_bytes, ==, ref->size_bytes);
      g_assert_cmpuint (r->criticality, ==, ref->criticality);
      g_assert_cmpint (r->consistency, ==, ref->consistency);
      g_assert_cmpint (r->staleness_s, ==, ref->staleness_s);
      g_assert_cmpuint (r->n_demand, ==, ref->n_demand);
    }
}

static guint
current_umask (void)
{
  mode_t mask = umask (022);

  umask (mask);
  return (guint) mask;
}

static void
assert_is_dir (const char *path,
               guint       mode)
{
  GStatBuf buf;

  if (g_stat (path, &buf) != 0)
    g_error ("%s: %s", path, g_strerror (errno));
  g_assert_true (S_ISDIR (buf.st_mode));
  g_assert_cmpuint (buf.st_mode & 0777, ==, mode);
}

static void
test_prepare_edges (void)
{
  g_autoptr(PmTopology) topology = load_demo ();
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = pm_test_make_temp_dir ();
  /* The data dir and its parents need not exist yet. */
  g_autofree char *data_dir = g_build_filename (tmp, "state", "premirror", NULL);
  g_autofree char *kept = NULL;
  guint mode = 0755 & ~current_umask ();
  guint n_folders = 0;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *edges = g_build_filename (data_dir, "edges", NULL);

  g_assert_true (pm_demo_prepare_edges (data_dir, topology, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);
      g_autofree char *path = g_build_filename (edges, site->id, NULL);

      if (site->role == PM_SITE_ROLE_CORE)
        {
          g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
          continue;
        }
      assert_is_dir (path, mode);
    }
  assert_is_dir (edges, mode);

  /* Idempotent, and what an edge already holds is left alone. */
  kept = g_build_filename (edges, "fra", "config.tar", NULL);
  g_file_set_contents (kept, "replica", -1, &error);
  g_assert_no_error (error);
  g_assert_true (pm_demo_prepare_edges (data_dir, topology, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));

  dir = g_dir_open (edges, 0, &error);
  g_assert_no_error (error);
  while (g_dir_read_name (dir) != NULL)
    n_folders++;
  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    if (pm_topology_get_site (topology, i)->role != PM_SITE_ROLE_CORE)
      n_folders--;
  g_assert_cmpuint (n_folders, ==, 0);
}

static void
test_prepare_edges_data_dir_is_file (void)
{
  g_autoptr(PmTopology) topology = load_demo ();
  g_autoptr(GError) error = NULL;
  g_autofree char *file = pm_test_write_temp_file ("premirror", "not a folder");

  g_assert_false (pm_demo_prepare_edges (file, topology, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_test_message ("%s", error->message);
  pm_test_assert_contains (error->message, file);
  pm_test_assert_contains (error->message, "fra");
}

static void
test_prepare_edges_edge_is_file (void)
{
  g_autoptr(PmTopology) topology = load_demo ();
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autofree char *edges = g_build_filename (data_dir, "edges", NULL);
  g_autofree char *dub = g_build_filename (edges, "dub", NULL);

  g_assert_cmpint (g_mkdir (edges, 0755), ==, 0);
  g_file_set_contents (dub, "", -1, &error);
  g_assert_no_error (error);

  g_assert_false (pm_demo_prepare_edges (data_dir, topology, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_IO_ERROR);
  g_test_message ("%s", error->message);
  pm_test_assert_contains (error->message, dub);
  pm_test_assert_contains (error->message, "“dub”");
}

static void
test_prepare_edges_unsafe_id (void)
{
  g_autoptr(PmTopology) topology =
    load_network ("{'type':'FeatureCollection','features':["
                  "{'type':'Feature','geometry':{'type':'Point','coordinates':[0,0]},"
                  "'properties':{'id':'hq','role':'origin'}},"
                  "{'type':'Feature','geometry':{'type':'Point','coordinates':[1,1]},"
                  "'properties':{'id':'..'}},"
                  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"
                  "'properties':{'id':'x','a':'hq','b':'..'}}]}");
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = pm_test_make_temp_dir ();

  g_assert_false (pm_demo_prepare_edges (data_dir, topology, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
  pm_test_assert_contains (error->message, "“..”");
}

/* A site that names its own storage is not a local edge. */
static void
test_prepare_edges_own_storage (void)
{
  g_autoptr(PmTopology) topology =
    load_network ("{'type':'FeatureCollection','features':["
                  "{'type':'Feature','geometry':{'type':'Point','coordinates':[0,0]},"
                  "'properties':{'id':'hq','role':'origin'}},"
                  "{'type':'Feature','geometry':{'type':'Point','coordinates':[1,1]},"
                  "'properties':{'id':'far','storage':'https://far.example.net/dav/'}},"
                  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"
                  "'properties':{'id':'x','a':'hq','b':'far'}}]}");
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autofree char *hq = g_build_filename (data_dir, "edges", "hq", NULL);
  g_autofree char *far = g_build_filename (data_dir, "edges", "far", NULL);

  g_assert_true (pm_demo_prepare_edges (data_dir, topology, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (hq, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (far, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/demo/topology/sites", test_sites);
  g_test_add_func ("/demo/topology/segments", test_segments);
  g_test_add_func ("/demo/topology/connected", test_connected);
  g_test_add_func ("/demo/topology/resilience", test_resilience);
  g_test_add_func ("/demo/resources", test_resources);
  g_test_add_func ("/demo/resources/other-topology", test_resources_other_topology);
  g_test_add_func ("/demo/prepare-edges", test_prepare_edges);
  g_test_add_func ("/demo/prepare-edges/data-dir-is-file", test_prepare_edges_data_dir_is_file);
  g_test_add_func ("/demo/prepare-edges/edge-is-file", test_prepare_edges_edge_is_file);
  g_test_add_func ("/demo/prepare-edges/unsafe-id", test_prepare_edges_unsafe_id);
  g_test_add_func ("/demo/prepare-edges/own-storage", test_prepare_edges_own_storage);

  return g_test_run ();
}
