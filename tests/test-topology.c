/* test-topology.c: the topology GeoJSON loader: defaults, graph, origin, every malformed input,
 * and the real networks of the shared data folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-util.h"
#include "pm-topology.h"

/* The GeoJSON below is written with single quotes so that it stays readable in C; they are
 * turned into double quotes before parsing (no test string needs an apostrophe). */
#define F_LON "{'type':'Feature','geometry':{'type':'Point','coordinates':[-0.1278,51.5074]}," \
              "'properties':{'id':'lon'}}"
#define F_PAR "{'type':'Feature','geometry':{'type':'Point','coordinates':[2.3522,48.8566]}," \
              "'properties':{'id':'par'}}"
#define F_SEG "{'type':'Feature','geometry':{'type':'LineString','coordinates':" \
              "[[-0.1278,51.5074],[2.3522,48.8566]]},'properties':{'id':'lon--par','a':'lon'," \
              "'b':'par'}}"
#define SITE(coordinates, props) \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':" coordinates "}," \
  "'properties':{" props "}}"
#define LINK(props) \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]}," \
  "'properties':{" props "}}"
#define FC(features) "{'type':'FeatureCollection','features':[" features "]}"
#define VALID_BUT(feature) FC (F_LON "," F_PAR "," F_SEG "," feature)

#define FILE_NAME "networks/test.geojson"

static PmTopology *
load (const char *quoted,
      GError    **error)
{
  g_autoptr(GBytes) bytes = pm_test_json_bytes (quoted);

  return pm_topology_new_from_bytes (bytes, FILE_NAME, error);
}

static void
test_valid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = NULL;
  const PmSite *lon, *par, *ams;
  const PmSegment *segment;
  const guint *segments;
  guint n;
  int i;

  /* A segment names a site (ams) defined further down the file. */
  topology = load ("{'type':'FeatureCollection','name':'Test net','attribution':'CC BY 4.0',"
                   "'features':["
                   SITE ("[-0.1278,51.5074]", "'id':'lon','name':'London','role':'edge',"
                         "'region':'uk-ie','address':'192.0.2.1','address6':'2001:db8::1',"
                         "'capacity_bytes':1000000000000,'storage':'file:///srv/edges/lon/',"
                         "'public_url':'https://lon.example.net/'") ","
                   "{'type':'Feature','geometry':{'type':'LineString','coordinates':"
                   "[[2.3522,48.8566],[4.9041,52.3676]]},'properties':{'id':'par--ams',"
                   "'a':'par','b':'ams','circuit_id':'PMX-PAR-AMS-0001',"
                   "'bandwidth_bps':1e10,'probe':'probe-par-ams'}},"
                   F_PAR ","
                   F_SEG ","
                   SITE ("[4.9041,52.3676]", "'id':'ams','role':'core'") ","
                   "{'type':'Feature','geometry':{'type':'LineString','coordinates':"
                   "[[-0.1278,51.5074],[4.9041,52.3676]]},'properties':{'id':'lon--ams',"
                   "'a':'lon','b':'ams','bandwidth_bps':100000000000}}"
                   "]}",
                   &error);
  g_assert_no_error (error);
  g_assert_nonnull (topology);

  g_assert_cmpstr (pm_topology_get_name (topology), ==, "Test net");
  g_assert_cmpstr (pm_topology_get_attribution (topology), ==, "CC BY 4.0");
  g_assert_cmpuint (pm_topology_get_n_sites (topology), ==, 3);
  g_assert_cmpuint (pm_topology_get_n_segments (topology), ==, 3);

  /* Sites keep file order among themselves, as do segments. */
  g_assert_cmpint (pm_topology_lookup_site (topology, "lon"), ==, 0);
  g_assert_cmpint (pm_topology_lookup_site (topology, "par"), ==, 1);
  g_assert_cmpint (pm_topology_lookup_site (topology, "ams"), ==, 2);
  g_assert_cmpint (pm_topology_lookup_site (topology, "nyc"), ==, -1);
  g_assert_cmpint (pm_topology_lookup_segment (topology, "par--ams"), ==, 0);
  g_assert_cmpint (pm_topology_lookup_segment (topology, "lon--par"), ==, 1);
  g_assert_cmpint (pm_topology_lookup_segment (topology, "lon--ams"), ==, 2);
  g_assert_cmpint (pm_topology_lookup_segment (topology, "lon"), ==, -1);

  lon = pm_topology_get_site (topology, 0);
  g_assert_cmpstr (lon->id, ==, "lon");
  g_assert_cmpstr (lon->name, ==, "London");
  g_assert_cmpint (lon->role, ==, PM_SITE_ROLE_EDGE);
  g_assert_cmpstr (lon->region, ==, "uk-ie");
  g_assert_cmpstr (lon->address, ==, "192.0.2.1");
  g_assert_cmpstr (lon->address6, ==, "2001:db8::1");
  g_assert_cmpuint (lon->capacity_bytes, ==, G_GUINT64_CONSTANT (1000000000000));
  g_assert_cmpstr (lon->storage, ==, "file:///srv/edges/lon/");
  g_assert_cmpstr (lon->public_url, ==, "https://lon.example.net/");
  g_assert_cmpfloat_with_epsilon (lon->location.lat, 51.5074, 1e-9);
  g_assert_cmpfloat_with_epsilon (lon->location.lon, -0.1278, 1e-9);

  /* Defaults: name and region are the id, role edge, no storage, no addresses. */
  par = pm_topology_get_site (topology, 1);
  g_assert_cmpstr (par->name, ==, "par");
  g_assert_cmpstr (par->region, ==, "par");
  g_assert_cmpint (par->role, ==, PM_SITE_ROLE_EDGE);
  g_assert_null (par->storage);
  g_assert_null (par->public_url);
  g_assert_null (par->address);
  g_assert_null (par->address6);
  g_assert_cmpuint (par->capacity_bytes, ==, 0);

  ams = pm_topology_get_site (topology, 2);
  g_assert_cmpint (ams->role, ==, PM_SITE_ROLE_CORE);

  segment = pm_topology_get_segment (topology, 0);
  g_assert_cmpstr (segment->id, ==, "par--ams");
  g_assert_cmpuint (segment->a, ==, 1);
  g_assert_cmpuint (segment->b, ==, 2);
  g_assert_cmpstr (segment->circuit_id, ==, "PMX-PAR-AMS-0001");
  g_assert_cmpfloat (segment->bandwidth_bps, ==, 1e10);
  g_assert_cmpstr (segment->probe, ==, "probe-par-ams");

  /* Defaults: bandwidth 1 Gbit/s, the probe is the segment id, no circuit. */
  segment = pm_topology_get_segment (topology, 1);
  g_assert_cmpstr (segment->id, ==, "lon--par");
  g_assert_cmpfloat (segment->bandwidth_bps, ==, 1e9);
  g_assert_cmpstr (segment->probe, ==, "lon--par");
  g_assert_null (segment->circuit_id);
  /* London–Paris is about 344 km on the great circle. */
  g_assert_cmpfloat (segment->length_km, >, 344 * 0.98);
  g_assert_cmpfloat (segment->length_km, <, 344 * 1.02);
  g_assert_cmpfloat (pm_topology_get_segment (topology, 2)->bandwidth_bps, ==, 1e11);
  /* London–Amsterdam about 358 km, Paris–Amsterdam about 430 km. */
  g_assert_cmpfloat_with_epsilon (pm_topology_get_segment (topology, 2)->length_km, 358, 8);
  g_assert_cmpfloat_with_epsilon (pm_topology_get_segment (topology, 0)->length_km, 430, 9);

  /* A triangle: every site has two segments, and the peers are the other two sites. */
  for (guint site = 0; site < 3; site++)
    {
      guint peers = 0;

      segments = pm_topology_get_site_segments (topology, site, &n);
      g_assert_cmpuint (n, ==, 2);
      for (guint k = 0; k < n; k++)
        {
          guint peer = pm_topology_segment_peer (topology, segments[k], site);
          g_assert_cmpuint (peer, !=, site);
          g_assert_cmpuint (peer, <, 3);
          peers |= 1u << peer;
        }
      g_assert_cmpuint (peers | (1u << site), ==, 7);
    }
  segments = pm_topology_get_site_segments (topology, 0, &n);
  g_assert_cmpuint (segments[0], ==, 1);  /* lon--par */
  g_assert_cmpuint (segments[1], ==, 2);  /* lon--ams */

  /* No origin declared: the best-connected site; here all tie and the first wins. */
  i = pm_topology_get_origin (topology);
  g_assert_cmpint (i, ==, 0);
}

static void
test_origin_declared (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology =
    load (FC (F_LON "," F_PAR "," F_SEG ","
              SITE ("[4.9,52.4]", "'id':'ams','role':'origin'") ","
              LINK ("'id':'par--ams','a':'par','b':'ams'")),
          &error);

  g_assert_no_error (error);
  g_assert_cmpint (pm_topology_get_origin (topology), ==,
                   pm_topology_lookup_site (topology, "ams"));
  g_assert_cmpint (pm_topology_get_site (topology, 2)->role, ==, PM_SITE_ROLE_ORIGIN);
}

static void
test_origin_fallback (void)
{
  g_autoptr(GError) error = NULL;
  /* A star around "hub", which is neither first nor declared. */
  g_autoptr(PmTopology) topology =
    load (FC (SITE ("[0,0]", "'id':'a'") ","
              SITE ("[1,0]", "'id':'b'") ","
              SITE ("[2,0]", "'id':'hub'") ","
              SITE ("[3,0]", "'id':'c'") ","
              LINK ("'id':'a--hub','a':'a','b':'hub'") ","
              LINK ("'id':'b--hub','a':'b','b':'hub'") ","
              LINK ("'id':'c--hub','a':'hub','b':'c'") ","
              LINK ("'id':'a--b','a':'a','b':'b'")),
          &error);

  g_assert_no_error (error);
  g_assert_cmpint (pm_topology_get_origin (topology), ==,
                   pm_topology_lookup_site (topology, "hub"));
  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    g_assert_cmpint (pm_topology_get_site (topology, i)->role, ==, PM_SITE_ROLE_EDGE);
}

static void
test_role_names (void)
{
  g_assert_cmpstr (pm_site_role_to_string (PM_SITE_ROLE_ORIGIN), ==, "origin");
  g_assert_cmpstr (pm_site_role_to_string (PM_SITE_ROLE_CORE), ==, "core");
  g_assert_cmpstr (pm_site_role_to_string (PM_SITE_ROLE_EDGE), ==, "edge");
}

static void
test_from_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = NULL;
  g_autofree char *path = pm_test_write_temp_json ("net.geojson", FC (F_LON "," F_PAR "," F_SEG));
  g_autofree char *bad = NULL;
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *missing = g_build_filename (dir, "missing.geojson", NULL);

  topology = pm_topology_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pm_topology_get_n_sites (topology), ==, 2);
  g_assert_null (pm_topology_get_name (topology));
  g_assert_null (pm_topology_get_attribution (topology));
  g_clear_object (&topology);

  /* Errors from a file name the path the user gave. */
  bad = pm_test_write_temp_file ("bad.geojson", "{\"type\": \"FeatureCollection\"}");
  topology = pm_topology_new_from_file (bad, &error);
  g_assert_null (topology);
  g_assert_error (error, PM_TOPOLOGY_ERROR, PM_TOPOLOGY_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, bad));
  g_clear_error (&error);

  topology = pm_topology_new_from_file (missing, &error);
  g_assert_null (topology);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
test_empty_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = load ("", &error);

  /* json-glib takes an empty document as "no root"; either way it is refused with the file. */
  g_assert_null (topology);
  g_assert_nonnull (error);
  g_assert_true (error->domain == PM_TOPOLOGY_ERROR);
  g_assert_true (g_str_has_prefix (error->message, FILE_NAME ": "));
}

typedef struct
{
  const char *name;
  const char *json;
  int         code;
  int         feature;  /* -1: the collection itself */
  const char *field;    /* NULL: no particular field */
  const char *detail;   /* NULL, or something else the message must say */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "not-json", "{'type': 'FeatureCollection', 'features': [", PM_TOPOLOGY_ERROR_PARSE, -1, NULL,
    "not valid JSON" },
  { "not-json-garbage", "<kml/>", PM_TOPOLOGY_ERROR_PARSE, -1, NULL, "not valid JSON" },
  { "root-array", "[" F_LON "]", PM_TOPOLOGY_ERROR_INVALID, -1, NULL, "FeatureCollection" },
  { "root-string", "'FeatureCollection'", PM_TOPOLOGY_ERROR_INVALID, -1, NULL,
    "FeatureCollection" },
  { "wrong-type", "{'type':'Feature','features':[" F_LON "]}", PM_TOPOLOGY_ERROR_INVALID, -1,
    "type", "FeatureCollection" },
  { "no-type", "{'features':[" F_LON "]}", PM_TOPOLOGY_ERROR_INVALID, -1, "type", NULL },
  { "no-features", "{'type':'FeatureCollection'}", PM_TOPOLOGY_ERROR_INVALID, -1, "features",
    "array" },
  { "features-object", "{'type':'FeatureCollection','features':{}}", PM_TOPOLOGY_ERROR_INVALID,
    -1, "features", "array" },
  { "feature-not-object", VALID_BUT ("42"), PM_TOPOLOGY_ERROR_INVALID, 3, NULL, "object" },
  { "feature-wrong-type",
    FC (F_LON ",{'type':'Thing','geometry':{'type':'Point','coordinates':[0,0]},"
        "'properties':{'id':'x'}}"),
    PM_TOPOLOGY_ERROR_INVALID, 1, "type", "Feature" },
  { "site-missing-id", FC (F_LON "," SITE ("[2,48]", "'name':'Paris'") "," F_SEG),
    PM_TOPOLOGY_ERROR_INVALID, 1, "id", "missing" },
  { "site-empty-id", FC (F_LON "," SITE ("[2,48]", "'id':''") "," F_SEG),
    PM_TOPOLOGY_ERROR_INVALID, 1, "id", "missing" },
  { "site-id-number", FC (F_LON "," SITE ("[2,48]", "'id':7") "," F_SEG),
    PM_TOPOLOGY_ERROR_INVALID, 1, "id", "string" },
  { "segment-missing-id", FC (F_LON "," F_PAR "," LINK ("'a':'lon','b':'par'")),
    PM_TOPOLOGY_ERROR_INVALID, 2, "id", "missing" },
  { "duplicate-site", FC (F_LON "," F_PAR "," SITE ("[0,0]", "'id':'lon'") "," F_SEG),
    PM_TOPOLOGY_ERROR_INVALID, 2, "id", "duplicate site id “lon”" },
  { "duplicate-segment", VALID_BUT (F_SEG), PM_TOPOLOGY_ERROR_INVALID, 3, "id",
    "duplicate segment id “lon--par”" },
  { "unknown-site-a", VALID_BUT (LINK ("'id':'x','a':'nyc','b':'par'")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "a", "unknown site “nyc”" },
  { "unknown-site-b", VALID_BUT (LINK ("'id':'x','a':'lon','b':'nyc'")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "b", "unknown site “nyc”" },
  { "missing-a", VALID_BUT (LINK ("'id':'x','b':'par'")), PM_TOPOLOGY_ERROR_INVALID, 3, "a",
    "missing" },
  { "missing-b", VALID_BUT (LINK ("'id':'x','a':'par'")), PM_TOPOLOGY_ERROR_INVALID, 3, "b",
    "missing" },
  { "segments-without-sites", FC (F_SEG), PM_TOPOLOGY_ERROR_INVALID, 0, "a", "unknown site" },
  { "self-loop", VALID_BUT (LINK ("'id':'x','a':'lon','b':'lon'")), PM_TOPOLOGY_ERROR_INVALID,
    3, "b", "self-loop" },
  { "latitude-91", VALID_BUT (SITE ("[0,91]", "'id':'n'")), PM_TOPOLOGY_ERROR_INVALID, 3,
    "geometry.coordinates", "out of range" },
  { "latitude-minus-91", VALID_BUT (SITE ("[0,-91]", "'id':'n'")), PM_TOPOLOGY_ERROR_INVALID, 3,
    "geometry.coordinates", "out of range" },
  { "longitude-181", VALID_BUT (SITE ("[181,0]", "'id':'n'")), PM_TOPOLOGY_ERROR_INVALID, 3,
    "geometry.coordinates", "out of range" },
  { "longitude-minus-181", VALID_BUT (SITE ("[-181,0]", "'id':'n'")), PM_TOPOLOGY_ERROR_INVALID,
    3, "geometry.coordinates", "out of range" },
  { "coordinate-not-number", VALID_BUT (SITE ("['0',0]", "'id':'n'")), PM_TOPOLOGY_ERROR_INVALID,
    3, "geometry.coordinates", "numbers" },
  { "coordinate-null", VALID_BUT (SITE ("[0,null]", "'id':'n'")), PM_TOPOLOGY_ERROR_INVALID,
    3, "geometry.coordinates", "numbers" },
  { "coordinates-short", VALID_BUT (SITE ("[0]", "'id':'n'")), PM_TOPOLOGY_ERROR_INVALID, 3,
    "geometry.coordinates", NULL },
  { "coordinates-object", VALID_BUT (SITE ("{}", "'id':'n'")), PM_TOPOLOGY_ERROR_INVALID, 3,
    "geometry.coordinates", NULL },
  { "coordinates-missing",
    VALID_BUT ("{'type':'Feature','geometry':{'type':'Point'},'properties':{'id':'n'}}"),
    PM_TOPOLOGY_ERROR_INVALID, 3, "geometry.coordinates", NULL },
  { "line-out-of-range",
    VALID_BUT ("{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[0,95]]},"
               "'properties':{'id':'x','a':'lon','b':'par'}}"),
    PM_TOPOLOGY_ERROR_INVALID, 3, "geometry.coordinates", "out of range" },
  { "line-one-position",
    VALID_BUT ("{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0]]},"
               "'properties':{'id':'x','a':'lon','b':'par'}}"),
    PM_TOPOLOGY_ERROR_INVALID, 3, "geometry.coordinates", "two positions" },
  { "polygon",
    VALID_BUT ("{'type':'Feature','geometry':{'type':'Polygon','coordinates':"
               "[[[0,0],[1,0],[1,1],[0,0]]]},'properties':{'id':'x'}}"),
    PM_TOPOLOGY_ERROR_INVALID, 3, "geometry.type", "Polygon" },
  { "geometry-without-type",
    VALID_BUT ("{'type':'Feature','geometry':{'coordinates':[0,0]},'properties':{'id':'x'}}"),
    PM_TOPOLOGY_ERROR_INVALID, 3, "geometry.type", NULL },
  { "missing-geometry", VALID_BUT ("{'type':'Feature','properties':{'id':'x'}}"),
    PM_TOPOLOGY_ERROR_INVALID, 3, "geometry", NULL },
  { "null-geometry", VALID_BUT ("{'type':'Feature','geometry':null,'properties':{'id':'x'}}"),
    PM_TOPOLOGY_ERROR_INVALID, 3, "geometry", NULL },
  { "missing-properties",
    VALID_BUT ("{'type':'Feature','geometry':{'type':'Point','coordinates':[0,0]}}"),
    PM_TOPOLOGY_ERROR_INVALID, 3, "properties", NULL },
  { "properties-array",
    VALID_BUT ("{'type':'Feature','geometry':{'type':'Point','coordinates':[0,0]},"
               "'properties':[]}"),
    PM_TOPOLOGY_ERROR_INVALID, 3, "properties", NULL },
  { "invalid-role", VALID_BUT (SITE ("[0,0]", "'id':'n','role':'hub'")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "role", "“hub” is not one of origin, core, edge" },
  { "role-number", VALID_BUT (SITE ("[0,0]", "'id':'n','role':1")), PM_TOPOLOGY_ERROR_INVALID, 3,
    "role", "string" },
  { "no-sites", FC (""), PM_TOPOLOGY_ERROR_EMPTY, -1, NULL, "no sites" },
  { "no-segments", FC (F_LON "," F_PAR), PM_TOPOLOGY_ERROR_EMPTY, -1, NULL, "no segments" },
  { "name-number", VALID_BUT (SITE ("[0,0]", "'id':'n','name':5")), PM_TOPOLOGY_ERROR_INVALID,
    3, "name", "string" },
  { "region-boolean", VALID_BUT (SITE ("[0,0]", "'id':'n','region':true")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "region", "string" },
  { "address-number", VALID_BUT (SITE ("[0,0]", "'id':'n','address':19202001")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "address", "string" },
  { "storage-object", VALID_BUT (SITE ("[0,0]", "'id':'n','storage':{}")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "storage", "string" },
  { "negative-capacity", VALID_BUT (SITE ("[0,0]", "'id':'n','capacity_bytes':-1")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "capacity_bytes", "non-negative" },
  { "capacity-string", VALID_BUT (SITE ("[0,0]", "'id':'n','capacity_bytes':'1 TB'")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "capacity_bytes", "number" },
  { "negative-bandwidth", VALID_BUT (LINK ("'id':'x','a':'lon','b':'par','bandwidth_bps':-5")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "bandwidth_bps", "non-negative" },
  { "bandwidth-string",
    VALID_BUT (LINK ("'id':'x','a':'lon','b':'par','bandwidth_bps':'10G'")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "bandwidth_bps", "number" },
  { "circuit-number", VALID_BUT (LINK ("'id':'x','a':'lon','b':'par','circuit_id':12")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "circuit_id", "string" },
  { "probe-array", VALID_BUT (LINK ("'id':'x','a':'lon','b':'par','probe':[]")),
    PM_TOPOLOGY_ERROR_INVALID, 3, "probe", "string" },
};

static void
test_invalid (gconstpointer data)
{
  const InvalidCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = load (c->json, &error);

  g_test_message ("%s", error != NULL ? error->message : "(no error)");
  g_assert_null (topology);
  g_assert_error (error, PM_TOPOLOGY_ERROR, c->code);
  pm_test_assert_error_names (error, FILE_NAME, "feature", c->feature, c->field);
  if (c->detail != NULL)
    pm_test_assert_contains (error->message, c->detail);
}

/* Reads the table of README.md: | file | network | sites | segments |. */
static GHashTable *
read_expected_counts (const char *dir)
{
  g_autofree char *readme = g_build_filename (dir, "README.md", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_file_get_contents (readme, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[i], "|", -1);
      guint64 *pair;

      if (g_strv_length (cells) < 6)
        continue;
      g_strstrip (cells[1]);
      if (!g_str_has_suffix (cells[1], ".geojson"))
        continue;
      pair = g_new (guint64, 2);
      pair[0] = g_ascii_strtoull (g_strstrip (cells[3]), NULL, 10);
      pair[1] = g_ascii_strtoull (g_strstrip (cells[4]), NULL, 10);
      g_hash_table_insert (counts, g_strdup (cells[1]), pair);
    }
  return counts;
}

static void
test_shared_topologies (void)
{
  g_autofree char *dir_path = pm_test_shared_data_path ("topologies");
  g_autoptr(GHashTable) expected = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint n_files = 0;

  if (dir_path == NULL)
    return;  /* skipped, with the reason */

  expected = read_expected_counts (dir_path);
  g_assert_cmpuint (g_hash_table_size (expected), >, 0);
  dir = g_dir_open (dir_path, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(PmTopology) topology = NULL;
      const guint64 *counts;

      if (!g_str_has_suffix (name, ".geojson"))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      topology = pm_topology_new_from_file (path, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %u sites, %u segments", name, pm_topology_get_n_sites (topology),
                      pm_topology_get_n_segments (topology));

      counts = g_hash_table_lookup (expected, name);
      if (counts == NULL)
        g_error ("%s is not in the README's table", name);
      g_assert_cmpuint (pm_topology_get_n_sites (topology), ==, counts[0]);
      g_assert_cmpuint (pm_topology_get_n_segments (topology), ==, counts[1]);
      g_assert_cmpint (pm_topology_get_origin (topology), >=, 0);
      g_assert_nonnull (pm_topology_get_attribution (topology));
      for (guint i = 0; i < pm_topology_get_n_segments (topology); i++)
        g_assert_cmpfloat (pm_topology_get_segment (topology, i)->length_km, >=, 0);
      n_files++;
    }
  g_assert_cmpuint (n_files, ==, g_hash_table_size (expected));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/topology/valid", test_valid);
  g_test_add_func ("/topology/origin/declared", test_origin_declared);
  g_test_add_func ("/topology/origin/fallback", test_origin_fallback);
  g_test_add_func ("/topology/role-names", test_role_names);
  g_test_add_func ("/topology/from-file", test_from_file);
  g_test_add_func ("/topology/invalid/empty-input", test_empty_input);
  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/topology/invalid/%s", invalid_cases[i].name);
      g_test_add_data_func (path, &invalid_cases[i], test_invalid);
    }
  g_test_add_func ("/topology/shared-data", test_shared_topologies);

  return g_test_run ();
}
