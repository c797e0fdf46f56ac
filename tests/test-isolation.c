/* test-isolation.c: isolation risk against closed forms, against a brute-force enumeration on
 * random small networks, Monte Carlo against exact on real networks, unknown risks, pairs and
 * several roots, determinism, and the worker-thread variant.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "pm-test-util.h"
#include "predict/pm-isolation.h"

#define EPS 1e-12

/* A network from a compact spec: "O*,A,B;O-A,A-B" — sites (the starred one is the origin),
 * then segments e0, e1, … in order. */
static PmTopology *
net (const char *spec)
{
  g_auto(GStrv) parts = g_strsplit (spec, ";", 2);
  g_auto(GStrv) sites = g_strsplit (parts[0], ",", -1);
  g_auto(GStrv) links = g_strsplit (parts[1] != NULL ? parts[1] : "", ",", -1);
  g_autoptr(GString) json = g_string_new ("{\"type\": \"FeatureCollection\", \"features\": [");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  PmTopology *topology;

  for (guint i = 0; sites[i] != NULL; i++)
    {
      gboolean origin = g_str_has_suffix (sites[i], "*");
      g_autofree char *id = g_strndup (sites[i], strlen (sites[i]) - origin);

      g_string_append_printf (json,
                              "%s{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\","
                              " \"coordinates\": [%u.5, %u.25]}, \"properties\": {\"id\": \"%s\","
                              " \"role\": \"%s\"}}",
                              i == 0 ? "" : ",", i % 90, i / 90, id, origin ? "origin" : "edge");
    }
  for (guint i = 0; links[i] != NULL && *links[i] != '\0'; i++)
    {
      g_auto(GStrv) ends = g_strsplit (links[i], "-", 2);

      g_string_append_printf (json,
                              ",{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
                              " \"coordinates\": [[0, 0], [1, 1]]}, \"properties\": {\"id\":"
                              " \"e%u\", \"a\": \"%s\", \"b\": \"%s\"}}",
                              i, ends[0], ends[1]);
    }
  g_string_append (json, "]}");
  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  topology = pm_topology_new_from_bytes (bytes, spec, &error);
  g_assert_no_error (error);
  return topology;
}

static PmIsolation *
isolation_with (PmTopology       *topology,
                PmIsolationMethod method,
                guint             n_samples,
                guint64           seed)
{
  PmIsolation *isolation = pm_isolation_new (topology);
  PmIsolationParams params;

  pm_isolation_params_init (&params);
  params.method = method;
  if (n_samples > 0)
    params.n_samples = n_samples;
  params.seed = seed;
  pm_isolation_set_params (isolation, &params);
  return isolation;
}

static PmIsolationEstimate *
compute (PmTopology       *topology,
         PmIsolationMethod method,
         const double     *risk,
         PmIsolationInfo  *info)
{
  g_autoptr(PmIsolation) isolation = isolation_with (topology, method, 0,
                                                     PM_ISOLATION_DEFAULT_SEED);
  PmIsolationEstimate *out = g_new (PmIsolationEstimate, pm_topology_get_n_sites (topology));

  pm_isolation_compute (isolation, risk, out, info);
  return out;
}

static double
isolation_of (PmTopology                *topology,
              const PmIsolationEstimate *out,
              const char                *site)
{
  int i = pm_topology_lookup_site (topology, site);

  g_assert_cmpint (i, >=, 0);
  return out[i].probability;
}

/* Brute force: every up/down state of the uncertain segments, a depth-first search each. */
static void
reference (PmTopology   *topology,
           const double *risk,
           const guint  *roots,
           guint         n_roots,
           double       *isolated)
{
  guint n_sites = pm_topology_get_n_sites (topology), n_seg = pm_topology_get_n_segments (topology);
  g_autofree guint *uncertain = g_new (guint, n_seg);
  g_autofree gboolean *up = g_new (gboolean, n_seg);
  g_autofree gboolean *seen = g_new (gboolean, n_sites);
  g_autofree guint *stack = g_new (guint, n_sites + n_roots);
  guint n_uncertain = 0;

  for (guint i = 0; i < n_seg; i++)
    if (risk[i] > 0 && risk[i] < 1)
      uncertain[n_uncertain++] = i;
  g_assert_cmpuint (n_uncertain, <=, 22);
  for (guint s = 0; s < n_sites; s++)
    isolated[s] = 0;

  for (guint64 state = 0; state < (G_GUINT64_CONSTANT (1) << n_uncertain); state++)
    {
      double weight = 1;
      guint depth = 0;

      for (guint i = 0; i < n_seg; i++)
        up[i] = risk[i] <= 0;
      for (guint j = 0; j < n_uncertain; j++)
        {
          gboolean down = (state >> j) & 1;

          up[uncertain[j]] = !down;
          weight *= down ? risk[uncertain[j]] : 1 - risk[uncertain[j]];
        }
      for (guint s = 0; s < n_sites; s++)
        seen[s] = FALSE;
      for (guint r = 0; r < n_roots; r++)
        if (!seen[roots[r]])
          {
            seen[roots[r]] = TRUE;
            stack[depth++] = roots[r];
          }
      while (depth > 0)
        {
          guint u = stack[--depth], n;
          const guint *segments = pm_topology_get_site_segments (topology, u, &n);

          for (guint j = 0; j < n; j++)
            {
              guint v = pm_topology_segment_peer (topology, segments[j], u);

              if (up[segments[j]] && !seen[v])
                {
                  seen[v] = TRUE;
                  stack[depth++] = v;
                }
            }
        }
      for (guint s = 0; s < n_sites; s++)
        if (!seen[s])
          isolated[s] += weight;
    }
}

/* Three standard errors of a mean of n Bernoulli worlds at the true probability p. */
static double
three_se (double p,
          guint  n)
{
  return 3 * sqrt (p * (1 - p) / n) + EPS;
}

static void
test_leaf (void)
{
  g_autoptr(PmTopology) topology = net ("O*,A,L;O-A,A-L,O-A");
  const double risks[] = { 0.0001, 0.02, 0.37, 0.5, 0.93, 0.999 };

  for (guint m = 0; m < 3; m++)
    for (guint i = 0; i < G_N_ELEMENTS (risks); i++)
      {
        /* A is safe (one of its two links never fails); L hangs off it by one segment. */
        double risk[] = { 0.6, risks[i], 0 };
        PmIsolationInfo info;
        g_autofree PmIsolationEstimate *out = compute (topology, m, risk, &info);

        g_assert_cmpfloat (isolation_of (topology, out, "L"), ==, risks[i]);
        g_assert_cmpfloat (isolation_of (topology, out, "A"), ==, 0);
        g_assert_cmpfloat (isolation_of (topology, out, "O"), ==, 0);
        g_assert_cmpfloat (out[2].std_error, ==, 0);
        g_assert_cmpfloat (out[2].lower, ==, risks[i]);
        g_assert_cmpfloat (out[2].upper, ==, risks[i]);
      }
}

static void
test_series_parallel (void)
{
  g_autoptr(PmTopology) topology = net ("O*,A,B,C;O-A,A-B,O-C,O-C,O-C");

  for (guint m = 0; m < 3; m++)
    {
      double risk[] = { 0.3, 0.2, 0.5, 0.4, 0.1 };
      g_autofree PmIsolationEstimate *out = compute (topology, m, risk, NULL);

      g_assert_cmpfloat_with_epsilon (isolation_of (topology, out, "A"), 0.3, EPS);
      /* chain: 1 − (1 − p1)(1 − p2) */
      g_assert_cmpfloat_with_epsilon (isolation_of (topology, out, "B"), 1 - 0.7 * 0.8, EPS);
      /* parallel: p1 · p2 · p3 */
      g_assert_cmpfloat_with_epsilon (isolation_of (topology, out, "C"), 0.5 * 0.4 * 0.1, EPS);
      g_assert_cmpfloat (isolation_of (topology, out, "O"), ==, 0);
    }
}

/* A cycle cannot be peeled: this is where worlds are sampled, so it checks the three ways a
 * segment's up bits are drawn (rare failures, common ones, rare survivals) against the closed
 * form P(A cut) = p · (1 − (1 − q)³) on O–A–B–C–O. */
static void
test_cycle (void)
{
  g_autoptr(PmTopology) topology = net ("O*,A,B,C;O-A,A-B,B-C,C-O");
  const double ps[] = { 0.003, 0.3, 0.995 };
  const double qs[] = { 0.5, 0.004, 0.998 };

  for (guint i = 0; i < G_N_ELEMENTS (ps); i++)
    for (guint j = 0; j < G_N_ELEMENTS (qs); j++)
      {
        double p = ps[i], q = qs[j];
        double risk[] = { p, q, q, q };
        double a = p * (1 - pow (1 - q, 3));
        double b = (1 - (1 - p) * (1 - q)) * (1 - (1 - q) * (1 - q));
        g_autofree PmIsolationEstimate *exact = compute (topology, PM_ISOLATION_EXACT, risk,
                                                         NULL);
        PmIsolationInfo info;
        g_autofree PmIsolationEstimate *mc = compute (topology, PM_ISOLATION_MONTE_CARLO, risk,
                                                      &info);

        g_assert_cmpint (info.method, ==, PM_ISOLATION_MONTE_CARLO);
        g_assert_cmpuint (info.n_samples, ==, PM_ISOLATION_DEFAULT_SAMPLES);
        g_assert_cmpfloat_with_epsilon (isolation_of (topology, exact, "A"), a, EPS);
        g_assert_cmpfloat_with_epsilon (isolation_of (topology, exact, "B"), b, EPS);
        g_assert_cmpfloat_with_epsilon (isolation_of (topology, mc, "A"), a,
                                        three_se (a, info.n_samples));
        g_assert_cmpfloat_with_epsilon (isolation_of (topology, mc, "B"), b,
                                        three_se (b, info.n_samples));
        g_assert_cmpfloat (mc[1].std_error, >, 0);
        g_assert_cmpfloat (mc[0].probability, ==, 0);
      }
}

static void
test_origin_and_disconnected (void)
{
  /* X and Y form an island with no path to the origin at all. */
  g_autoptr(PmTopology) topology = net ("A,O*,B,X,Y;O-A,A-B,X-Y,B-O");

  for (guint m = 0; m < 3; m++)
    {
      double risk[] = { 0.9, 0.9, 0.1, 0.9 };
      g_autofree PmIsolationEstimate *out = compute (topology, m, risk, NULL);

      g_assert_cmpfloat (isolation_of (topology, out, "O"), ==, 0);
      g_assert_cmpfloat (out[1].std_error, ==, 0);
      g_assert_cmpfloat (isolation_of (topology, out, "X"), ==, 1);
      g_assert_cmpfloat (isolation_of (topology, out, "Y"), ==, 1);
      g_assert_cmpfloat (out[3].std_error, ==, 0);
    }

  /* All safe, and all certain failures. */
  {
    double safe[] = { 0, 0, 0, 0 }, down[] = { 1, 1, 1, 1 };
    g_autofree PmIsolationEstimate *s = compute (topology, PM_ISOLATION_AUTO, safe, NULL);
    g_autofree PmIsolationEstimate *d = compute (topology, PM_ISOLATION_AUTO, down, NULL);

    g_assert_cmpfloat (isolation_of (topology, s, "A"), ==, 0);
    g_assert_cmpfloat (isolation_of (topology, s, "X"), ==, 1);
    g_assert_cmpfloat (isolation_of (topology, d, "A"), ==, 1);
    g_assert_cmpfloat (isolation_of (topology, d, "O"), ==, 0);
  }
}

/* Random small networks with parallels, risk-0 and risk-1 segments, islands and pendant trees:
 * enumeration must agree with brute force to rounding, and sampling within 3 standard errors. */
static void
test_random_small (void)
{
  for (guint32 seed = 1; seed <= 40; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      guint n_sites = g_rand_int_range (rand, 2, 10), n_seg = g_rand_int_range (rand, 1, 16);
      g_autoptr(GString) spec = g_string_new (NULL);
      g_autoptr(PmTopology) topology = NULL;
      g_autofree double *risk = g_new (double, n_seg);
      g_autofree double *expected = g_new (double, n_sites);
      guint origin;

      for (guint s = 0; s < n_sites; s++)
        g_string_append_printf (spec, "%sS%u%s", s ? "," : "", s, s == n_sites / 2 ? "*" : "");
      g_string_append_c (spec, ';');
      for (guint i = 0; i < n_seg; i++)
        {
          guint a = g_rand_int_range (rand, 0, n_sites), b;

          do
            b = g_rand_int_range (rand, 0, n_sites);
          while (b == a);
          g_string_append_printf (spec, "%sS%u-S%u", i ? "," : "", a, b);
          switch (g_rand_int_range (rand, 0, 6))
            {
            case 0: risk[i] = 0; break;
            case 1: risk[i] = 1; break;
            case 2: risk[i] = g_rand_double_range (rand, 0, 0.01); break;
            default: risk[i] = g_rand_double (rand); break;
            }
        }
      topology = net (spec->str);
      origin = (guint) pm_topology_get_origin (topology);
      reference (topology, risk, &origin, 1, expected);

      for (guint m = 0; m < 3; m++)
        {
          PmIsolationInfo info;
          g_autofree PmIsolationEstimate *out = compute (topology, m, risk, &info);

          for (guint s = 0; s < n_sites; s++)
            {
              double tolerance = info.method == PM_ISOLATION_EXACT
                                 ? 1e-9 : three_se (expected[s], info.n_samples);

              if (fabs (out[s].probability - expected[s]) > tolerance)
                g_error ("network %u (%s), method %u, site %u: %.12g, expected %.12g ± %g", seed,
                         spec->str, m, s, out[s].probability, expected[s], tolerance);
            }
        }
    }
}

static double *
random_risks (GRand *rand,
              guint  n)
{
  double *risk = g_new (double, n);

  for (guint i = 0; i < n; i++)
    risk[i] = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_double_range (rand, 0, 0.02)
                                                 : g_rand_double_range (rand, 0.05, 0.7);
  return risk;
}

static void
test_real_networks (void)
{
  const char *files[] = { "topologies/abilene.geojson", "topologies/nordu2010.geojson" };

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = pm_test_shared_data_path (files[f]);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmTopology) topology = NULL;
      guint n_sites, n_seg;

      if (path == NULL)
        return;
      topology = pm_topology_new_from_file (path, &error);
      g_assert_no_error (error);
      n_sites = pm_topology_get_n_sites (topology);
      n_seg = pm_topology_get_n_segments (topology);

      for (guint32 seed = 1; seed <= 3; seed++)
        {
          g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
          g_autofree double *risk = random_risks (rand, n_seg);
          g_autofree double *expected = g_new (double, n_sites);
          guint origin = (guint) pm_topology_get_origin (topology);
          PmIsolationInfo exact_info, mc_info;
          g_autofree PmIsolationEstimate *exact = compute (topology, PM_ISOLATION_EXACT, risk,
                                                           &exact_info);
          g_autofree PmIsolationEstimate *mc = compute (topology, PM_ISOLATION_MONTE_CARLO, risk,
                                                        &mc_info);

          g_assert_cmpint (exact_info.method, ==, PM_ISOLATION_EXACT);
          g_assert_cmpint (mc_info.method, ==, PM_ISOLATION_MONTE_CARLO);
          g_assert_cmpuint (mc_info.n_core, >, 2);
          reference (topology, risk, &origin, 1, expected);
          for (guint s = 0; s < n_sites; s++)
            {
              g_assert_cmpfloat_with_epsilon (exact[s].probability, expected[s], 1e-9);
              /* The reported standard error is honest: within 3 of it, and close to the true
               * one (it is computed from the estimate). */
              if (fabs (mc[s].probability - exact[s].probability) > 3 * mc[s].std_error + EPS)
                g_error ("%s, risks %u, site %s: Monte Carlo %.5f ± %.5f, exact %.5f", files[f],
                         seed, pm_topology_get_site (topology, s)->id, mc[s].probability,
                         mc[s].std_error, exact[s].probability);
              g_assert_cmpfloat (mc[s].std_error, <=, 0.0051);
            }
        }
    }
}

static void
test_deterministic (void)
{
  g_autofree char *path = pm_test_shared_data_path ("topologies/abilene.geojson");
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree double *risk = NULL;
  g_autofree PmIsolationEstimate *first = NULL, *again = NULL, *other = NULL;
  guint n_sites, differ = 0;

  if (path == NULL)
    return;
  topology = pm_topology_new_from_file (path, NULL);
  n_sites = pm_topology_get_n_sites (topology);
  risk = random_risks (rand, pm_topology_get_n_segments (topology));
  first = g_new (PmIsolationEstimate, n_sites);
  again = g_new (PmIsolationEstimate, n_sites);
  other = g_new (PmIsolationEstimate, n_sites);

  {
    g_autoptr(PmIsolation) a = isolation_with (topology, PM_ISOLATION_MONTE_CARLO, 4096, 11);
    g_autoptr(PmIsolation) b = isolation_with (topology, PM_ISOLATION_MONTE_CARLO, 4096, 11);
    g_autoptr(PmIsolation) c = isolation_with (topology, PM_ISOLATION_MONTE_CARLO, 4096, 12);

    pm_isolation_compute (a, risk, first, NULL);
    pm_isolation_compute (b, risk, again, NULL);
    pm_isolation_compute (c, risk, other, NULL);
    g_assert_cmpmem (first, sizeof *first * n_sites, again, sizeof *again * n_sites);
    /* The same instance again: no state leaks from one computation into the next. */
    pm_isolation_compute (a, risk, again, NULL);
    g_assert_cmpmem (first, sizeof *first * n_sites, again, sizeof *again * n_sites);
  }
  for (guint s = 0; s < n_sites; s++)
    {
      differ += first[s].probability != other[s].probability;
      g_assert_cmpfloat_with_epsilon (first[s].probability, other[s].probability,
                                      4 * (first[s].std_error + other[s].std_error) + EPS);
    }
  g_assert_cmpuint (differ, >, 0);

  /* Common random numbers: every segment draws from its own stream, so changing one segment's
   * risk leaves the worlds of the others, and the figures of sites it cannot touch, as they
   * were. Two rings share the origin; a risk changes in the first. */
  {
    g_autoptr(PmTopology) rings = net ("O*,A,B,C,D;O-A,A-B,B-O,O-C,C-D,D-O");
    g_autoptr(PmIsolation) a = isolation_with (rings, PM_ISOLATION_MONTE_CARLO, 4096, 11);
    double before[] = { 0.3, 0.4, 0.5, 0.3, 0.4, 0.5 }, after[] = { 0.3, 0.9, 0.5, 0.3, 0.4, 0.5 };
    PmIsolationEstimate x[5], y[5];

    pm_isolation_compute (a, before, x, NULL);
    pm_isolation_compute (a, after, y, NULL);
    g_assert_cmpfloat (x[3].probability, ==, y[3].probability);
    g_assert_cmpfloat (x[4].probability, ==, y[4].probability);
    g_assert_cmpfloat (x[1].probability, <, y[1].probability);
  }
}

/* NAN and other impossible risks are unknown: a site whose fate they can decide is NAN with
 * bounds; a site they cannot touch keeps its figure. */
static void
test_unknown (void)
{
  /* Ring O-A-B-O; C hangs off B by an unknown segment; D off O by a known one; E off C. */
  g_autoptr(PmTopology) topology = net ("O*,A,B,C,D,E;O-A,A-B,B-O,B-C,O-D,C-E");
  const double bad[] = { NAN, -0.5, 1.5, INFINITY };

  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    for (guint m = 0; m < 3; m++)
      {
        double risk[] = { 0.3, 0.2, 0.4, bad[k], 0.25, 0.5 };
        double up[] = { 0.3, 0.2, 0.4, 0, 0.25, 0.5 }, down[] = { 0.3, 0.2, 0.4, 1, 0.25, 0.5 };
        PmIsolationInfo info;
        g_autofree PmIsolationEstimate *out = compute (topology, m, risk, &info);
        g_autofree PmIsolationEstimate *lo = compute (topology, m, up, NULL);
        g_autofree PmIsolationEstimate *hi = compute (topology, m, down, NULL);

        g_assert_cmpuint (info.n_unknown, ==, 1);
        g_assert_true (isnan (isolation_of (topology, out, "C")));
        g_assert_true (isnan (isolation_of (topology, out, "E")));
        g_assert_cmpfloat_with_epsilon (out[3].lower, lo[3].probability, 1e-9);
        g_assert_cmpfloat (out[3].upper, ==, 1);
        g_assert_cmpfloat_with_epsilon (out[5].lower, lo[5].probability, 1e-9);
        g_assert_cmpfloat (out[5].upper, ==, 1);
        for (guint s = 0; s < 3; s++)
          g_assert_cmpfloat_with_epsilon (out[s].probability, lo[s].probability, 1e-9);
        g_assert_cmpfloat (isolation_of (topology, out, "D"), ==, 0.25);
        (void) hi;
      }

  /* Inside the ring the unknown segment decides some worlds for A and B, not for D. */
  for (guint m = 0; m < 3; m++)
    {
      double risk[] = { 0.3, NAN, 0.4, 0.1, 0.25, 0.5 };
      double up[] = { 0.3, 0, 0.4, 0.1, 0.25, 0.5 }, down[] = { 0.3, 1, 0.4, 0.1, 0.25, 0.5 };
      g_autofree PmIsolationEstimate *out = compute (topology, m, risk, NULL);
      g_autofree PmIsolationEstimate *lo = compute (topology, m, up, NULL);
      g_autofree PmIsolationEstimate *hi = compute (topology, m, down, NULL);

      for (guint s = 1; s <= 3; s++)
        {
          g_assert_true (isnan (out[s].probability));
          g_assert_cmpfloat (out[s].lower, <, out[s].upper);
          if (m == PM_ISOLATION_EXACT)
            {
              g_assert_cmpfloat_with_epsilon (out[s].lower, lo[s].probability, 1e-9);
              g_assert_cmpfloat_with_epsilon (out[s].upper, hi[s].probability, 1e-9);
            }
        }
      g_assert_cmpfloat (isolation_of (topology, out, "D"), ==, 0.25);
      g_assert_cmpfloat (isolation_of (topology, out, "O"), ==, 0);
    }

  /* An unknown segment in an island, or parallel to a segment that never fails, decides
   * nothing. */
  {
    g_autoptr(PmTopology) island = net ("O*,A,X,Y;O-A,X-Y,O-A");
    double risk[] = { NAN, NAN, 0 };
    g_autofree PmIsolationEstimate *out = compute (island, PM_ISOLATION_AUTO, risk, NULL);

    g_assert_cmpfloat (isolation_of (island, out, "A"), ==, 0);
    g_assert_cmpfloat (isolation_of (island, out, "X"), ==, 1);
  }
}

static void
test_pairs_and_roots (void)
{
  /* Chain O-A-B with a spur B-C, plus a ring O-D-E-O. */
  g_autoptr(PmTopology) topology = net ("O*,A,B,C,D,E;O-A,A-B,B-C,O-D,D-E,E-O");
  double risk[] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 };
  guint a = 1, b = 2, c = 3, d = 4, e = 5, o = 0;
  PmSitePair pairs[] = { { a, b }, { b, a }, { a, c }, { a, a }, { d, e }, { c, e }, { o, b },
                         { b, c } };
  PmIsolationEstimate out[G_N_ELEMENTS (pairs)];
  double expected[G_N_ELEMENTS (pairs)];

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      double iso[6];

      reference (topology, risk, &pairs[i].a, 1, iso);
      expected[i] = iso[pairs[i].b];
    }
  g_assert_cmpfloat_with_epsilon (expected[0], 0.2, EPS);
  g_assert_cmpfloat_with_epsilon (expected[2], 1 - 0.8 * 0.7, EPS);

  for (guint m = 0; m < 3; m++)
    {
      g_autoptr(PmIsolation) isolation = isolation_with (topology, m, 0, 3);
      PmIsolationInfo info;

      pm_isolation_compute_pairs (isolation, risk, pairs, G_N_ELEMENTS (pairs), out, &info);
      for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
        {
          double tolerance = info.method == PM_ISOLATION_EXACT
                             ? 1e-9 : three_se (expected[i], info.n_samples);

          g_assert_cmpfloat_with_epsilon (out[i].probability, expected[i], tolerance);
        }
      g_assert_cmpfloat (out[3].probability, ==, 0);
      /* The pairs agree with a one-root computation from the same worlds. */
      {
        PmIsolationEstimate from_d[6];

        pm_isolation_compute_from (isolation, risk, &d, 1, from_d, NULL);
        g_assert_cmpfloat (from_d[e].probability, ==, out[4].probability);
      }
    }

  /* Several roots: cut off from all of them. C is lost when B-C fails or when B is cut from
   * both A and D. */
  {
    guint roots[] = { a, d };
    double iso[6];
    PmIsolationEstimate from[6];
    g_autoptr(PmIsolation) isolation = isolation_with (topology, PM_ISOLATION_AUTO, 0, 3);

    reference (topology, risk, roots, 2, iso);
    pm_isolation_compute_from (isolation, risk, roots, 2, from, NULL);
    for (guint s = 0; s < 6; s++)
      g_assert_cmpfloat_with_epsilon (from[s].probability, iso[s], 1e-9);
    g_assert_cmpfloat (from[a].probability, ==, 0);
    g_assert_cmpfloat (from[d].probability, ==, 0);
    g_assert_cmpfloat_with_epsilon (from[c].probability, 0.3 + 0.7 * 0.2, EPS);

    /* No roots at all: everything is cut off. */
    pm_isolation_compute_from (isolation, risk, NULL, 0, from, NULL);
    for (guint s = 0; s < 6; s++)
      g_assert_cmpfloat (from[s].probability, ==, 1);
  }
}

/* Many pairs with more distinct first sites than one pass holds. */
static void
test_many_pairs (void)
{
  g_autoptr(GString) spec = g_string_new (NULL);
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmIsolation) isolation = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  guint n = 100, n_pairs = 300;
  g_autofree double *risk = NULL;
  g_autofree PmSitePair *pairs = g_new (PmSitePair, n_pairs);
  g_autofree PmIsolationEstimate *out = g_new (PmIsolationEstimate, n_pairs);
  PmIsolationEstimate from[100];

  /* A ring with chords. */
  for (guint s = 0; s < n; s++)
    g_string_append_printf (spec, "%sS%u%s", s ? "," : "", s, s == 0 ? "*" : "");
  g_string_append_c (spec, ';');
  for (guint s = 0; s < n; s++)
    g_string_append_printf (spec, "%sS%u-S%u,S%u-S%u", s ? "," : "", s, (s + 1) % n, s,
                            (s + 17) % n);
  topology = net (spec->str);
  risk = random_risks (rand, pm_topology_get_n_segments (topology));
  for (guint i = 0; i < n_pairs; i++)
    pairs[i] = (PmSitePair) { g_rand_int_range (rand, 0, n), g_rand_int_range (rand, 0, n) };
  isolation = isolation_with (topology, PM_ISOLATION_AUTO, 2048, 1);
  pm_isolation_compute_pairs (isolation, risk, pairs, n_pairs, out, NULL);
  for (guint i = 0; i < n_pairs; i += 37)
    {
      pm_isolation_compute_from (isolation, risk, &pairs[i].a, 1, from, NULL);
      g_assert_cmpfloat (out[i].probability, ==, from[pairs[i].b].probability);
    }
}

static void
compute_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_async (void)
{
  g_autoptr(PmTopology) topology = net ("O*,A,B,C;O-A,A-B,B-C,C-O");
  g_autoptr(PmIsolation) isolation = isolation_with (topology, PM_ISOLATION_MONTE_CARLO, 0,
                                                     PM_ISOLATION_DEFAULT_SEED);
  double risk[] = { 0.3, 0.2, 0.1, 0.4 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) estimates = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree PmIsolationEstimate *sync = compute (topology, PM_ISOLATION_MONTE_CARLO, risk, NULL);
  PmIsolationInfo info;

  pm_isolation_compute_async (isolation, risk, NULL, compute_done_cb, &result);
  risk[0] = 0.9;  /* the risks were copied */
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  estimates = pm_isolation_compute_finish (isolation, result, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (estimates->len, ==, 4);
  g_assert_cmpint (info.method, ==, PM_ISOLATION_MONTE_CARLO);
  g_assert_cmpmem (estimates->data, sizeof *sync * 4, sync, sizeof *sync * 4);

  /* Cancelled before it runs. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GAsyncResult) cancelled = NULL;
    g_autoptr(GArray) none = NULL;

    g_cancellable_cancel (cancellable);
    pm_isolation_compute_async (isolation, risk, cancellable, compute_done_cb, &cancelled);
    while (cancelled == NULL)
      g_main_context_iteration (NULL, TRUE);
    none = pm_isolation_compute_finish (isolation, cancelled, NULL, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (none);
  }
}

/* A larger random network: sampled, every figure a probability with a small standard error. */
static void
test_large (void)
{
  g_autoptr(GString) spec = g_string_new (NULL);
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  g_autofree double *risk = NULL;
  g_autofree PmIsolationEstimate *out = NULL;
  PmIsolationInfo info;
  guint n = 300;

  for (guint s = 0; s < n; s++)
    g_string_append_printf (spec, "%sS%u%s", s ? "," : "", s, s == 0 ? "*" : "");
  g_string_append_c (spec, ';');
  for (guint s = 1; s < n; s++)
    g_string_append_printf (spec, "%sS%u-S%u", s > 1 ? "," : "", s, g_rand_int_range (rand, 0, s));
  for (guint i = 0; i < 2 * n; i++)
    {
      guint a = g_rand_int_range (rand, 0, n), b = (a + g_rand_int_range (rand, 1, n)) % n;
      g_string_append_printf (spec, ",S%u-S%u", a, b);
    }
  topology = net (spec->str);
  risk = random_risks (rand, pm_topology_get_n_segments (topology));
  out = compute (topology, PM_ISOLATION_AUTO, risk, &info);
  g_assert_cmpint (info.method, ==, PM_ISOLATION_MONTE_CARLO);
  for (guint s = 0; s < n; s++)
    {
      g_assert_cmpfloat (out[s].probability, >=, 0);
      g_assert_cmpfloat (out[s].probability, <=, 1);
      g_assert_cmpfloat (out[s].std_error, <=, 0.0051);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/isolation/leaf", test_leaf);
  g_test_add_func ("/isolation/series-parallel", test_series_parallel);
  g_test_add_func ("/isolation/cycle", test_cycle);
  g_test_add_func ("/isolation/origin-and-disconnected", test_origin_and_disconnected);
  g_test_add_func ("/isolation/random-small", test_random_small);
  g_test_add_func ("/isolation/real-networks", test_real_networks);
  g_test_add_func ("/isolation/deterministic", test_deterministic);
  g_test_add_func ("/isolation/unknown", test_unknown);
  g_test_add_func ("/isolation/pairs-and-roots", test_pairs_and_roots);
  g_test_add_func ("/isolation/many-pairs", test_many_pairs);
  g_test_add_func ("/isolation/async", test_async);
  g_test_add_func ("/isolation/large", test_large);
  return g_test_run ();
}
