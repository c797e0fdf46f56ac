/* test-client-locator.c: where a client is. The nearest site near each site, across the
 * antimeridian and at the poles, with ties to the lowest index, and against a linear scan of
 * random sites; longest-prefix match over nested IPv4 and IPv6 prefixes, IPv4-mapped addresses
 * and misses, against a linear scan of random prefixes; every error of the client map naming
 * its file and line; reads from several threads at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "route/pm-client-locator.h"
#include "pm-test-util.h"

enum
{
  LON, AMS, FRA, PAR, SUV, APW, LYR, MCM, ANT_E, ANT_W, PAR2, N_SITES
};

#define SITE(id, lon, lat)                                                                        \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[" #lon "," #lat "]},"              \
  "'properties':{'id':'" id "','role':'edge'}}"
#define LINK(id, a, b)                                                                            \
  ",{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"             \
  "'properties':{'id':'" id "','a':'" a "','b':'" b "'}}"

/* Europe, Fiji and Samoa on either side of the antimeridian, Svalbard and McMurdo near the poles,
 * a pair straddling the antimeridian, and a second site in the very place of Paris. */
#define NETWORK                                                                                   \
  "{'type':'FeatureCollection','features':["                                                      \
  SITE ("lon", -0.13, 51.51) ","                                                                  \
  SITE ("ams", 4.90, 52.37) ","                                                                   \
  SITE ("fra", 8.68, 50.11) ","                                                                   \
  SITE ("par", 2.35, 48.86) ","                                                                   \
  SITE ("suv", 178.44, -18.14) ","                                                                \
  SITE ("apw", -171.76, -13.83) ","                                                               \
  SITE ("lyr", 15.63, 78.22) ","                                                                  \
  SITE ("mcm", 166.67, -77.85) ","                                                                \
  SITE ("ant-e", 179.9, 10.0) ","                                                                 \
  SITE ("ant-w", -179.9, 10.5) ","                                                                \
  SITE ("par2", 2.35, 48.86)                                                                      \
  LINK ("lon--ams", "lon", "ams")                                                                 \
  "]}"

static PmTopology *
network (void)
{
  PmTopology *topology = pm_test_topology_from_json (NETWORK, "locator.geojson");

  g_assert_cmpuint (pm_topology_get_n_sites (topology), ==, N_SITES);
  return topology;
}

static PmClientLocator *
locator_from_map (PmTopology *topology,
                  const char *contents)
{
  g_autofree char *path = pm_test_write_temp_file ("clients.txt", contents);
  g_autoptr(GError) error = NULL;
  PmClientLocator *locator = pm_client_locator_new (topology, path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (locator);
  return locator;
}

static void
test_nearest_sites (void)
{
  g_autoptr(PmTopology) topology = network ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClientLocator) locator = pm_client_locator_new (topology, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (pm_client_locator_get_n_prefixes (locator), ==, 0);

  /* Next to each site, and on it; Paris twice over goes to the first of the two. */
  for (guint i = 0; i < N_SITES; i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);
      int expected = i == PAR2 ? PAR : (int) i;

      g_assert_cmpint (pm_client_locator_nearest (locator, site->location.lat,
                                                  site->location.lon), ==, expected);
      g_assert_cmpint (pm_client_locator_nearest (locator, site->location.lat + 0.01,
                                                  site->location.lon - 0.01), ==, expected);
    }
  g_assert_cmpint (pm_client_locator_nearest (locator, 51.45, -2.59), ==, LON); /* Bristol */
  g_assert_cmpint (pm_client_locator_nearest (locator, 52.09, 5.12), ==, AMS);  /* Utrecht */
  g_assert_cmpint (pm_client_locator_nearest (locator, 49.49, 8.47), ==, FRA);  /* Mannheim */

  /* Across the antimeridian: 1.7° of longitude to Fiji beats 8° to Samoa, though a planar
   * difference of longitudes would make Fiji 358° away. */
  g_assert_cmpint (pm_client_locator_nearest (locator, -13.9, -179.9), ==, SUV);
  g_assert_cmpint (pm_client_locator_nearest (locator, -13.9, -172.5), ==, APW);
  g_assert_cmpint (pm_client_locator_nearest (locator, 10.4, 180.0), ==, ANT_W);
  g_assert_cmpint (pm_client_locator_nearest (locator, 10.4, -180.0), ==, ANT_W);
  g_assert_cmpint (pm_client_locator_nearest (locator, 10.1, 180.0), ==, ANT_E);
  g_assert_cmpint (pm_client_locator_nearest (locator, 10.1, -180.0), ==, ANT_E);
  g_assert_cmpint (pm_client_locator_nearest (locator, 10.2, 179.95), ==, ANT_E);
  g_assert_cmpint (pm_client_locator_nearest (locator, 10.35, -179.95), ==, ANT_W);

  /* At the poles every longitude is the same point. */
  for (double lon = -180; lon <= 180; lon += 45)
    {
      g_assert_cmpint (pm_client_locator_nearest (locator, 90, lon), ==, LYR);
      g_assert_cmpint (pm_client_locator_nearest (locator, -90, lon), ==, MCM);
    }
}

/* A point drawn uniformly over the sphere. */
static PmLatLon
random_location (GRand *rand)
{
  PmLatLon p = {
    .lat = asin (g_rand_double_range (rand, -1, 1)) * 180 / G_PI,
    .lon = g_rand_double_range (rand, -180, 180),
  };
  return p;
}

static int
nearest_by_scan (PmTopology *topology,
                 PmLatLon    p,
                 double     *distance_km)
{
  int best = -1;
  double best_km = INFINITY;

  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    {
      double km = pm_geo_distance_km (p, pm_topology_get_site (topology, i)->location);

      if (km < best_km)
        {
          best_km = km;
          best = (int) i;
        }
    }
  *distance_km = best_km;
  return best;
}

/* 2,000 sites, one in twenty of them a copy of an earlier one's location; half of them in a
 * cluster over Europe, where a tree has the most work to tell them apart. */
static PmTopology *
random_network (GRand *rand,
                guint  n_sites)
{
  g_autoptr(GString) json = g_string_new ("{\"type\":\"FeatureCollection\",\"features\":[");
  g_autofree PmLatLon *where = g_new (PmLatLon, n_sites);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  PmTopology *topology;

  for (guint i = 0; i < n_sites; i++)
    {
      char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];

      if (i > 0 && g_rand_int_range (rand, 0, 20) == 0)
        where[i] = where[g_rand_int_range (rand, 0, (gint32) i)];
      else if (i % 2 == 0)
        where[i] = random_location (rand);
      else
        {
          where[i].lat = g_rand_double_range (rand, 40, 60);
          where[i].lon = g_rand_double_range (rand, -10, 30);
        }
      g_string_append_printf (json, "%s{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\","
                              "\"coordinates\":[%s,%s]},\"properties\":{\"id\":\"s%u\","
                              "\"role\":\"edge\"}}", i > 0 ? "," : "",
                              g_ascii_dtostr (lon, sizeof lon, where[i].lon),
                              g_ascii_dtostr (lat, sizeof lat, where[i].lat), i);
    }
  g_string_append (json, ",{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\","
                   "\"coordinates\":[[0,0],[1,1]]},\"properties\":{\"id\":\"l\",\"a\":\"s0\","
                   "\"b\":\"s1\"}}]}");
  bytes = g_bytes_new (json->str, json->len);
  topology = pm_topology_new_from_bytes (bytes, "random.geojson", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pm_topology_get_n_sites (topology), ==, n_sites);
  return topology;
}

static void
test_nearest_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);
  g_autoptr(PmTopology) topology = random_network (rand, 2000);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClientLocator) locator = pm_client_locator_new (topology, NULL, &error);
  guint n_same = 0;

  g_assert_no_error (error);
  for (guint q = 0; q < 2000 + 2 * 2000 / 10; q++)
    {
      PmLatLon p;
      double want_km, got_km;
      int want, got;

      /* Mostly anywhere, some in the cluster, some on a site (where copies tie exactly). */
      if (q < 1000)
        p = random_location (rand);
      else if (q < 2000)
        {
          p.lat = g_rand_double_range (rand, 40, 60);
          p.lon = g_rand_double_range (rand, -10, 30);
        }
      else
        p = pm_topology_get_site (topology, g_rand_int_range (rand, 0, 2000))->location;

      want = nearest_by_scan (topology, p, &want_km);
      got = pm_client_locator_nearest (locator, p.lat, p.lon);
      g_assert_cmpint (got, >=, 0);
      got_km = pm_geo_distance_km (p, pm_topology_get_site (topology, got)->location);
      if (got == want)
        {
          n_same++;
          continue;
        }
      /* Two measures of one distance may order a near tie differently, and only that: the
       * sites are a millimetre apart in distance from p, and not copies of each other (a copy
       * ties exactly and must go to the lower index). */
      g_assert_cmpfloat (fabs (got_km - want_km), <, 1e-6);
      g_assert_false (memcmp (&pm_topology_get_site (topology, got)->location,
                              &pm_topology_get_site (topology, want)->location,
                              sizeof (PmLatLon)) == 0);
    }
  g_test_message ("%u of 2400 answers the same site as the scan", n_same);
  g_assert_cmpuint (n_same, >=, 2390);
}

#define MAP                                                                                       \
  "# clients of the test network\n"                                                               \
  "\n"                                                                                            \
  "10.0.0.0/8        lon\n"                                                                       \
  "10.1.0.0/16       ams   # a trailing comment\n"                                                \
  "10.1.2.0/24\tfra\r\n"                                                                          \
  "  10.1.2.3        par\n"                                                                       \
  "10.128.0.0/9      suv\n"                                                                       \
  "192.0.2.77/24     apw   # host bits set: 192.0.2.0/24\n"                                       \
  "2001:db8::/32     lon\n"                                                                       \
  "2001:db8:1::/48   ams\n"                                                                       \
  "2001:db8:1::1     fra\n"                                                                       \
  "2001:db8:8000::/33 suv\n"                                                                      \
  "::ffff:198.51.100.0/120 lyr   # written as mapped: 198.51.100.0/24\n"                          \
  "# the end"

static void
assert_lookup (PmClientLocator *locator,
               const char      *text,
               int              site,
               guint            prefix_length)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);
  guint length = 999;
  int got;

  g_assert_nonnull (address);
  got = pm_client_locator_lookup (locator, address, &length);
  if (got != site || length != prefix_length)
    g_error ("%s: site %d /%u, expected site %d /%u", text, got, length, site, prefix_length);
  g_assert_cmpint (pm_client_locator_lookup (locator, address, NULL), ==, site);
}

static void
test_lookup (void)
{
  g_autoptr(PmTopology) topology = network ();
  g_autoptr(PmClientLocator) locator = locator_from_map (topology, MAP);

  g_assert_cmpuint (pm_client_locator_get_n_prefixes (locator), ==, 11);

  /* Nested IPv4: /8 ⊃ /16 ⊃ /24 ⊃ /32, and a /9 that splits a byte. */
  assert_lookup (locator, "10.9.9.9", LON, 8);
  assert_lookup (locator, "10.127.255.255", LON, 8);
  assert_lookup (locator, "10.128.0.0", SUV, 9);
  assert_lookup (locator, "10.255.0.1", SUV, 9);
  assert_lookup (locator, "10.1.9.9", AMS, 16);
  assert_lookup (locator, "10.1.2.9", FRA, 24);
  assert_lookup (locator, "10.1.2.3", PAR, 32);
  assert_lookup (locator, "10.1.2.2", FRA, 24);
  assert_lookup (locator, "10.1.2.4", FRA, 24);
  assert_lookup (locator, "192.0.2.1", APW, 24);
  assert_lookup (locator, "192.0.2.77", APW, 24);
  assert_lookup (locator, "198.51.100.200", LYR, 24);

  /* IPv6: /32 ⊃ /48 ⊃ /128, and a /33. */
  assert_lookup (locator, "2001:db8:2::1", LON, 32);
  assert_lookup (locator, "2001:db8:7fff:ffff::1", LON, 32);
  assert_lookup (locator, "2001:db8:8001::1", SUV, 33);
  assert_lookup (locator, "2001:db8:1:5::1", AMS, 48);
  assert_lookup (locator, "2001:db8:1::1", FRA, 128);
  assert_lookup (locator, "2001:db8:1::2", AMS, 48);

  /* IPv4-mapped IPv6 is looked up as IPv4, with IPv4 lengths. */
  assert_lookup (locator, "::ffff:10.1.2.3", PAR, 32);
  assert_lookup (locator, "::ffff:10.200.0.1", SUV, 9);
  assert_lookup (locator, "::ffff:10.2.0.1", LON, 8);
  assert_lookup (locator, "::ffff:198.51.100.7", LYR, 24);

  /* Nothing holds these: -1 and length 0. */
  assert_lookup (locator, "11.0.0.1", -1, 0);
  assert_lookup (locator, "9.255.255.255", -1, 0);
  assert_lookup (locator, "::ffff:11.0.0.1", -1, 0);
  assert_lookup (locator, "2001:db9::1", -1, 0);
  assert_lookup (locator, "2001:db7:ffff::1", -1, 0);
  assert_lookup (locator, "::1", -1, 0);
  /* 10.0.0.0/8 is IPv4: the IPv6 address with the same first bytes is not in it. */
  assert_lookup (locator, "a00::1", -1, 0);
}

static void
assert_scope (PmClientLocator *locator,
              const char      *text,
              int              site,
              guint            scope)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);
  guint length = 99, got = 99;

  g_assert_cmpint (pm_client_locator_lookup_scope (locator, address, &length, &got), ==, site);
  if (got != scope)
    g_error ("%s: scope /%u, expected /%u", text, got, scope);
}

/* An answer's scope keeps more specific prefixes of other sites out of its block: a resolver
 * caching the answer for 10.9.9.9 with scope /8 would hand it to 10.1.2.3 too. */
static void
test_lookup_scope (void)
{
  g_autoptr(PmTopology) topology = network ();
  g_autoptr(PmClientLocator) locator = locator_from_map (topology, MAP);

  /* 10.0.0.0/8 holds 10.128/9, 10.1/16 and deeper: 10.9.9.9 shares 12 bits with 10.1/16. */
  assert_scope (locator, "10.9.9.9", LON, 13);
  /* 10.1/16 holds 10.1.2/24 and 10.1.2.3/32: 10.1.9.9 shares 20 bits with them. */
  assert_scope (locator, "10.1.9.9", AMS, 21);
  assert_scope (locator, "10.1.2.9", FRA, 29);
  assert_scope (locator, "10.1.2.3", PAR, 32);
  /* Nothing nested: the prefix's own length. */
  assert_scope (locator, "192.0.2.1", APW, 24);
  /* In no prefix: the widest block holding none (11/8 is next to 10/8). */
  assert_scope (locator, "11.0.0.1", -1, 8);
  assert_scope (locator, "::ffff:11.0.0.1", -1, 8);
  /* IPv6 /32 holds 2001:db8:1::/48 (and more): 2001:db8:2::1 shares 46 bits with it. */
  assert_scope (locator, "2001:db8:2::1", LON, 47);
}

static void
test_lookup_default_route (void)
{
  g_autoptr(PmTopology) topology = network ();
  g_autoptr(PmClientLocator) locator =
    locator_from_map (topology, "0.0.0.0/0 lon\n::/0 ams\n10.0.0.0/8 par\n");

  assert_lookup (locator, "10.0.0.1", PAR, 8);
  assert_lookup (locator, "11.0.0.1", LON, 0);
  assert_lookup (locator, "::ffff:11.0.0.1", LON, 0);
  assert_lookup (locator, "2001:db8::1", AMS, 0);
}

typedef struct
{
  guint8   bytes[16];
  guint    length;
  gboolean is_ipv4;
  int      site;
} RandomPrefix;

static gboolean
prefix_holds (const RandomPrefix *prefix,
              const guint8       *address)
{
  for (guint bit = 0; bit < prefix->length; bit++)
    {
      guint8 m = 0x80 >> (bit % 8);

      if ((prefix->bytes[bit / 8] & m) != (address[bit / 8] & m))
        return FALSE;
    }
  return TRUE;
}

/* 3,000 random prefixes, many nested (each later one is likely to be cut from an earlier one),
 * written with random host bits; addresses in them, next to them and anywhere, looked up against
 * a linear scan. */
static void
test_lookup_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(PmTopology) topology = network ();
  g_autoptr(GArray) prefixes = g_array_new (FALSE, TRUE, sizeof (RandomPrefix));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) map = g_string_new (NULL);
  g_autoptr(PmClientLocator) locator = NULL;
  guint n_hits = 0;

  while (prefixes->len < 3000)
    {
      RandomPrefix p = { { 0 } };
      guint8 written[16];
      guint n_bytes;
      g_autoptr(GInetAddress) address = NULL;
      g_autofree char *text = NULL;
      g_autofree char *canonical = NULL;
      g_autofree char *masked = NULL;

      p.is_ipv4 = g_rand_boolean (rand);
      n_bytes = p.is_ipv4 ? 4 : 16;
      for (guint i = 0; i < n_bytes; i++)
        written[i] = (guint8) g_rand_int_range (rand, 0, 256);
      if (prefixes->len > 0 && g_rand_int_range (rand, 0, 3) > 0)
        {
          /* A longer prefix inside an earlier one of the same family, when there is room. */
          const RandomPrefix *outer =
            &g_array_index (prefixes, RandomPrefix, g_rand_int_range (rand, 0, prefixes->len));

          if (outer->is_ipv4 != p.is_ipv4 || outer->length == n_bytes * 8)
            continue;
          memcpy (written, outer->bytes, (outer->length + 7) / 8);
          for (guint bit = outer->length; bit < ((outer->length + 7) / 8) * 8; bit++)
            if (g_rand_boolean (rand))
              written[bit / 8] |= 0x80 >> (bit % 8);
          p.length = g_rand_int_range (rand, outer->length + 1, n_bytes * 8 + 1);
        }
      else
        p.length = g_rand_int_range (rand, p.is_ipv4 ? 8 : 16, p.is_ipv4 ? 25 : 65);
      for (guint bit = 0; bit < p.length; bit++)
        p.bytes[bit / 8] |= written[bit / 8] & (0x80 >> (bit % 8));
      p.site = g_rand_int_range (rand, 0, N_SITES);

      address = g_inet_address_new_from_bytes (p.bytes, p.is_ipv4 ? G_SOCKET_FAMILY_IPV4
                                                                  : G_SOCKET_FAMILY_IPV6);
      masked = g_inet_address_to_string (address);
      canonical = g_strdup_printf ("%s/%u", masked, p.length);
      if (g_hash_table_contains (seen, canonical))
        continue;
      g_clear_object (&address);
      address = g_inet_address_new_from_bytes (written, p.is_ipv4 ? G_SOCKET_FAMILY_IPV4
                                                                  : G_SOCKET_FAMILY_IPV6);
      text = g_inet_address_to_string (address);
      g_string_append_printf (map, "%s/%u %s\n", text, p.length,
                              pm_topology_get_site (topology, p.site)->id);
      g_hash_table_add (seen, g_steal_pointer (&canonical));
      g_array_append_val (prefixes, p);
    }
  locator = locator_from_map (topology, map->str);
  g_assert_cmpuint (pm_client_locator_get_n_prefixes (locator), ==, 3000);

  for (guint q = 0; q < 3000; q++)
    {
      const RandomPrefix *near =
        &g_array_index (prefixes, RandomPrefix, g_rand_int_range (rand, 0, prefixes->len));
      guint n_bytes = near->is_ipv4 ? 4 : 16;
      gboolean as_mapped = near->is_ipv4 && g_rand_int_range (rand, 0, 4) == 0;
      guint8 bytes[16], query[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
      g_autoptr(GInetAddress) address = NULL;
      guint want_length = 0, got_length = 999;
      int want = -1, got;
      int where = g_rand_int_range (rand, 0, 4);

      /* Inside the prefix, or just outside it by its last bit, or (one in four) anywhere. */
      for (guint i = 0; i < n_bytes; i++)
        bytes[i] = (guint8) g_rand_int_range (rand, 0, 256);
      for (guint bit = 0; bit < near->length && where > 0; bit++)
        {
          guint8 m = 0x80 >> (bit % 8);
          bytes[bit / 8] = (bytes[bit / 8] & ~m) | (near->bytes[bit / 8] & m);
        }
      if (where == 1)
        bytes[(near->length - 1) / 8] ^= 0x80 >> ((near->length - 1) % 8);

      for (guint i = 0; i < prefixes->len; i++)
        {
          const RandomPrefix *p = &g_array_index (prefixes, RandomPrefix, i);

          if (p->is_ipv4 == near->is_ipv4 && prefix_holds (p, bytes)
              && (want < 0 || p->length > want_length))
            {
              want = p->site;
              want_length = p->length;
            }
        }

      if (as_mapped)
        {
          memcpy (query + 12, bytes, 4);
          address = g_inet_address_new_from_bytes (query, G_SOCKET_FAMILY_IPV6);
        }
      else
        address = g_inet_address_new_from_bytes (bytes, near->is_ipv4 ? G_SOCKET_FAMILY_IPV4
                                                                       : G_SOCKET_FAMILY_IPV6);
      got = pm_client_locator_lookup (locator, address, &got_length);
      if (got != want || got_length != want_length)
        {
          g_autofree char *text = g_inet_address_to_string (address);
          g_error ("%s: site %d /%u, the scan says site %d /%u", text, got, got_length, want,
                   want_length);
        }
      n_hits += want >= 0;
    }
  g_test_message ("%u of 3000 addresses in some prefix", n_hits);
  g_assert_cmpuint (n_hits, >, 1000);
  g_assert_cmpuint (n_hits, <, 3000);
}

/* Loads contents as a client map and asserts the error: the code, a message starting
 * "PATH:LINE: " and holding what. */
static void
assert_map_error (const char *contents,
                  int         code,
                  guint       line,
                  const char *what)
{
  g_autoptr(PmTopology) topology = network ();
  g_autofree char *path = pm_test_write_temp_file ("clients.txt", contents);
  g_autofree char *where = g_strdup_printf ("%s:%u: ", path, line);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClientLocator) locator = pm_client_locator_new (topology, path, &error);

  g_assert_null (locator);
  g_assert_error (error, PM_CLIENT_LOCATOR_ERROR, code);
  g_test_message ("%s", error->message);
  if (!g_str_has_prefix (error->message, where))
    g_error ("“%s” does not start with “%s”", error->message, where);
  pm_test_assert_contains (error->message, what);
}

static void
test_errors (void)
{
  const int parse = PM_CLIENT_LOCATOR_ERROR_PARSE;

  assert_map_error ("10.0.0.0/8 lon\n10.0.0.x/8 ams\n", parse, 2,
                    "“10.0.0.x/8” is not a CIDR prefix");
  assert_map_error ("# header\n10.0.0.0/33 lon\n", parse, 2,
                    "“10.0.0.0/33” is not a CIDR prefix");
  assert_map_error ("2001:db8::/129 lon\n", parse, 1, "“2001:db8::/129” is not a CIDR prefix");
  assert_map_error ("10.0.0.0/ lon\n", parse, 1, "“10.0.0.0/” is not a CIDR prefix");
  assert_map_error ("10.0.0.0/-8 lon\n", parse, 1, "“10.0.0.0/-8” is not a CIDR prefix");
  assert_map_error ("10.0.0.0/8x lon\n", parse, 1, "“10.0.0.0/8x” is not a CIDR prefix");
  assert_map_error ("10.0/8 lon\n", parse, 1, "“10.0/8” is not a CIDR prefix");
  assert_map_error ("lon 10.0.0.0/8\n", parse, 1, "“lon” is not a CIDR prefix");
  assert_map_error ("\n\n10.0.0.0/8   # no site\n", parse, 3,
                    "expected “CIDR SITE”, found “10.0.0.0/8”");
  assert_map_error ("10.0.0.0/8 lon ams\n", parse, 1,
                    "expected “CIDR SITE”, found “10.0.0.0/8 lon ams”");
  assert_map_error ("10.0.0.0/8 lon\n10.1.0.0/16 tokyo\n", PM_CLIENT_LOCATOR_ERROR_SITE, 2,
                    "no site “tokyo” in the topology");
  /* A repeat names both lines, also when host bits make it look different. */
  assert_map_error ("# clients\n\n10.0.0.0/8 lon\n10.1.0.0/16 ams\n10.7.0.0/8 par\n", parse, 5,
                    "“10.7.0.0/8” repeats the prefix 10.0.0.0/8 of line 3");
  assert_map_error ("2001:db8::/32 lon\n2001:db8::1/32 ams\n", parse, 2,
                    "“2001:db8::1/32” repeats the prefix 2001:db8::/32 of line 1");
  assert_map_error ("198.51.100.0/24 lon\n::ffff:198.51.100.0/120 ams\n", parse, 2,
                    "repeats the prefix 198.51.100.0/24 of line 1");
}

static void
test_errors_unreadable (void)
{
  g_autoptr(PmTopology) topology = network ();
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *missing = g_build_filename (dir, "missing.txt", NULL);
  g_autoptr(GError) error = NULL;
  PmClientLocator *locator = pm_client_locator_new (topology, missing, &error);

  g_assert_null (locator);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  pm_test_assert_contains (error->message, missing);
  g_clear_error (&error);

  locator = pm_client_locator_new (topology, dir, &error);
  g_assert_null (locator);
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_FILE_ERROR);
  pm_test_assert_contains (error->message, dir);
}

static void
test_errors_binary (void)
{
  static const char contents[] = "10.0.0.0/8 lon\n10.1.0.0/16 ams\0\n";
  g_autoptr(PmTopology) topology = network ();
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "clients.bin", NULL);
  g_autofree char *where = g_strdup_printf ("%s:2: ", path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmClientLocator) locator = NULL;

  g_file_set_contents (path, contents, sizeof contents - 1, &error);
  g_assert_no_error (error);
  locator = pm_client_locator_new (topology, path, &error);
  g_assert_null (locator);
  g_assert_error (error, PM_CLIENT_LOCATOR_ERROR, PM_CLIENT_LOCATOR_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, where));
  pm_test_assert_contains (error->message, "NUL");
}

typedef struct
{
  PmClientLocator *locator;
  const PmLatLon  *points;
  const int       *nearest;
  GInetAddress   **addresses;
  const int       *site;
  guint            n;
} Readers;

static gpointer
read_all_cb (gpointer data)
{
  const Readers *r = data;
  guint n_wrong = 0;

  for (guint round = 0; round < 5; round++)
    for (guint i = 0; i < r->n; i++)
      {
        n_wrong += pm_client_locator_nearest (r->locator, r->points[i].lat, r->points[i].lon)
                   != r->nearest[i];
        n_wrong += pm_client_locator_lookup (r->locator, r->addresses[i], NULL) != r->site[i];
      }
  return GUINT_TO_POINTER (n_wrong);
}

static void
test_threads (void)
{
  enum { N = 2000, N_THREADS = 4 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(PmTopology) topology = random_network (rand, 1000);
  g_autoptr(PmClientLocator) locator =
    locator_from_map (topology, "10.0.0.0/8 s1\n10.1.0.0/16 s2\n2001:db8::/32 s3\n");
  g_autofree PmLatLon *points = g_new (PmLatLon, N);
  g_autofree int *nearest = g_new (int, N);
  g_autofree int *site = g_new (int, N);
  GInetAddress *addresses[N];
  Readers readers = { locator, points, nearest, addresses, site, N };
  GThread *threads[N_THREADS];

  for (guint i = 0; i < N; i++)
    {
      guint8 v4[4] = { 10, (guint8) g_rand_int_range (rand, 0, 3), 5, 6 };
      guint8 v6[16] = { 0x20, 0x01, 0x0d, (guint8) (0xb7 + g_rand_int_range (rand, 0, 3)) };

      points[i] = random_location (rand);
      nearest[i] = pm_client_locator_nearest (locator, points[i].lat, points[i].lon);
      addresses[i] = i % 2 == 0 ? g_inet_address_new_from_bytes (v4, G_SOCKET_FAMILY_IPV4)
                                : g_inet_address_new_from_bytes (v6, G_SOCKET_FAMILY_IPV6);
      site[i] = pm_client_locator_lookup (locator, addresses[i], NULL);
    }
  for (guint t = 0; t < N_THREADS; t++)
    threads[t] = g_thread_new ("reader", read_all_cb, &readers);
  for (guint t = 0; t < N_THREADS; t++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (threads[t])), ==, 0);
  for (guint i = 0; i < N; i++)
    g_object_unref (addresses[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client-locator/nearest/sites", test_nearest_sites);
  g_test_add_func ("/client-locator/nearest/random", test_nearest_random);
  g_test_add_func ("/client-locator/lookup/nested", test_lookup);
  g_test_add_func ("/client-locator/lookup/default-route", test_lookup_default_route);
  g_test_add_func ("/client-locator/lookup/scope", test_lookup_scope);
  g_test_add_func ("/client-locator/lookup/random", test_lookup_random);
  g_test_add_func ("/client-locator/errors/parse", test_errors);
  g_test_add_func ("/client-locator/errors/unreadable", test_errors_unreadable);
  g_test_add_func ("/client-locator/errors/binary", test_errors_binary);
  g_test_add_func ("/client-locator/threads", test_threads);
  return g_test_run ();
}
