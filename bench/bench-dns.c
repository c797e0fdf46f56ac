/* bench-dns.c: DNS queries per second through PowerDNS and the engine's remote backend
 * (POST /dns), against the same PowerDNS serving the same names from its bind backend, in the
 * same run, every pdns cache off so that each query reaches the backend.
 *
 * The engine side is in-process, as `premirror --headless` runs it: the demo network and
 * resources, the routing service updated once (quiet network, the predictor running, some
 * replicas usable), a client map of one /16 per site, and the API server on a loopback port.
 * The bind zone holds, for each resource, the A and AAAA records the remote backend answers a
 * client in no prefix of the map (the origin's view), and the same SOA. The load is dnsperf
 * cycling through every resource name, A and AAAA; the remote backend is measured twice, with
 * and without an EDNS client subnet option (a /24 inside one site's prefix), the bind backend
 * with it. The figures are printed, never judged.
 *
 * Usage: bench-dns   (PM_BENCH_DNS_SECONDS=N per run; default 10)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-demo.h"
#include "pm-snapshot.h"
#include "pm-test-pdns.h"
#include "route/pm-api-dns.h"
#include "route/pm-api-server.h"
#include "route/pm-client-locator.h"
#include "route/pm-routing.h"

#define DNSPERF_PATH "/usr/bin/dnsperf"
#define ZONE         "premirror.test."
#define NOW          1767571200
#define CLIENTS      "8"
#define OUTSTANDING  "64"
#define ECS_SITE     3  /* the site whose prefix holds the ECS subnet */

typedef struct
{
  double qps;
  double latency_s;
  double latency_max_s;
  double lost_percent;
  char  *codes;
} Figures;

static void
figures_clear (Figures *figures)
{
  g_clear_pointer (&figures->codes, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Figures, figures_clear)

static PmSnapshot *
dup_no_snapshot_cb (gpointer data)
{
  return NULL;
}

/* One prefix per site: 10.<site>.0.0/16. */
static char *
write_client_map (const char *dir,
                  PmTopology *topology)
{
  g_autoptr(GString) map = g_string_new ("# one /16 per site\n");
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, "clients.txt", NULL);

  for (guint s = 0; s < pm_topology_get_n_sites (topology) && s < 256; s++)
    g_string_append_printf (map, "10.%u.0.0/16 %s\n", s, pm_topology_get_site (topology, s)->id);
  if (!g_file_set_contents (path, map->str, -1, &error))
    g_error ("%s", error->message);
  return path;
}

/* Quiet network, the predictor running, a replica usable at every third edge. */
static void
update_routing (PmRouting   *routing,
                PmTopology  *topology,
                PmResources *resources)
{
  guint n_sites = pm_topology_get_n_sites (topology);
  guint n_resources = pm_resources_get_n_resources (resources);
  g_autofree guint8 *usable = g_new0 (guint8, (gsize) n_sites * n_resources);
  g_autoptr(PmSnapshot) snapshot = pm_snapshot_new (topology);

  snapshot->time_s = NOW;
  snapshot->horizon_s = 3600;
  snapshot->predicting = TRUE;
  for (guint e = 0; e < snapshot->n_segments; e++)
    {
      snapshot->segments[e].health = 0.0;
      snapshot->segments[e].risk = 0.001;
    }
  for (guint r = 0; r < n_resources; r++)
    for (guint s = 0; s < n_sites; s++)
      if (pm_topology_get_site (topology, s)->role == PM_SITE_ROLE_EDGE && (r + s) % 3 == 0)
        usable[(gsize) r * n_sites + s] = 1;
  pm_routing_update (routing, snapshot, usable);
}

/* The first candidate not excluded with an address of the family, as POST /dns picks it. */
static const char *
answer_address (PmRouting  *routing,
                PmTopology *topology,
                guint       client,
                guint       resource,
                gboolean    v6)
{
  g_autoptr(PmRouteAnswer) answer = pm_routing_route (routing, client, resource);

  for (guint i = 0; answer != NULL && i < answer->candidates->len; i++)
    {
      const PmRouteCandidate *candidate = &g_array_index (answer->candidates, PmRouteCandidate, i);
      const PmSite *site = pm_topology_get_site (topology, candidate->site);
      const char *address = v6 ? site->address6 : site->address;

      if (!candidate->excluded && address != NULL && *address != '\0')
        return address;
    }
  return NULL;
}

/* The zone file for the bind backend and the query file for dnsperf, over the same names. */
static void
write_zone_and_queries (PmRouting   *routing,
                        PmTopology  *topology,
                        PmResources *resources,
                        char       **zone_text,
                        const char  *queries_path,
                        guint       *n_names)
{
  g_autoptr(GString) zone = g_string_new (NULL);
  g_autoptr(GString) queries = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  g_string_append_printf (zone,
                          "$ORIGIN %s\n$TTL %d\n"
                          "@ IN SOA ns.%s hostmaster.%s %d 3600 600 86400 %d\n",
                          ZONE, PM_API_DNS_TTL, ZONE, ZONE, NOW, PM_API_DNS_TTL);
  *n_names = 0;
  for (guint r = 0; r < pm_resources_get_n_resources (resources); r++)
    {
      const PmResource *resource = pm_resources_get_resource (resources, r);
      const char *a = answer_address (routing, topology, resource->origin, r, FALSE);
      const char *aaaa = answer_address (routing, topology, resource->origin, r, TRUE);

      if (!pm_api_dns_is_label (resource->id))
        continue;
      if (a != NULL)
        {
          g_string_append_printf (zone, "%s IN A %s\n", resource->id, a);
          g_string_append_printf (queries, "%s.%s A\n", resource->id, ZONE);
        }
      if (aaaa != NULL)
        {
          g_string_append_printf (zone, "%s IN AAAA %s\n", resource->id, aaaa);
          g_string_append_printf (queries, "%s.%s AAAA\n", resource->id, ZONE);
        }
      (*n_names)++;
    }
  if (!g_file_set_contents (queries_path, queries->str, -1, &error))
    g_error ("%s", error->message);
  *zone_text = g_string_free (g_steal_pointer (&zone), FALSE);
}

static gboolean
parse_figure (const char *line,
              const char *label,
              double     *value)
{
  if (!g_str_has_prefix (line, label))
    return FALSE;
  *value = g_ascii_strtod (line + strlen (label), NULL);
  return TRUE;
}

/* Runs dnsperf against port and reads its statistics; FALSE (with what it said) on failure. */
static gboolean
run_dnsperf (guint16     port,
             const char *queries_path,
             const char *seconds,
             const char *ecs,
             Figures    *figures)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) dnsperf = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;

  g_ptr_array_add (argv, (gpointer) DNSPERF_PATH);
  g_ptr_array_add (argv, (gpointer) "-s");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1");
  g_ptr_array_add (argv, (gpointer) "-p");
  g_ptr_array_add (argv, port_text);
  g_ptr_array_add (argv, (gpointer) "-d");
  g_ptr_array_add (argv, (gpointer) queries_path);
  g_ptr_array_add (argv, (gpointer) "-l");
  g_ptr_array_add (argv, (gpointer) seconds);
  g_ptr_array_add (argv, (gpointer) "-c");
  g_ptr_array_add (argv, (gpointer) CLIENTS);
  g_ptr_array_add (argv, (gpointer) "-q");
  g_ptr_array_add (argv, (gpointer) OUTSTANDING);
  if (ecs != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "-E");
      g_ptr_array_add (argv, (gpointer) ecs);
    }
  g_ptr_array_add (argv, NULL);

  dnsperf = g_subprocess_newv ((const char *const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  if (dnsperf == NULL
      || !g_subprocess_communicate_utf8 (dnsperf, NULL, NULL, &out, &err, &error))
    {
      printf ("  dnsperf did not run: %s\n", error->message);
      return FALSE;
    }
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);
      double lost_count;
      const char *open;

      parse_figure (line, "Queries per second:", &figures->qps);
      if (parse_figure (line, "Average Latency (s):", &figures->latency_s)
          && (open = strstr (line, "max ")) != NULL)
        figures->latency_max_s = g_ascii_strtod (open + 4, NULL);
      if (parse_figure (line, "Queries lost:", &lost_count) && (open = strchr (line, '(')) != NULL)
        figures->lost_percent = g_ascii_strtod (open + 1, NULL);
      if (g_str_has_prefix (line, "Response codes:"))
        figures->codes = g_strdup (g_strstrip ((char *) line + strlen ("Response codes:")));
    }
  if (figures->qps <= 0)
    {
      printf ("  dnsperf gave no figures:\n%s%s\n", out, err != NULL ? err : "");
      return FALSE;
    }
  return TRUE;
}

static void
print_figures (const char    *name,
               const Figures *figures)
{
  printf ("  %-30s %9.0f q/s   latency avg %7.3f ms, max %7.1f ms   lost %.2f%%   %s\n", name,
          figures->qps, figures->latency_s * 1e3, figures->latency_max_s * 1e3,
          figures->lost_percent, figures->codes != NULL ? figures->codes : "");
}

/* dnsperf's -E value for an EDNS client subnet option: family 1, source /24, scope 0, and the
 * three bytes of 10.<site>.7.0. */
static char *
ecs_option (guint site)
{
  return g_strdup_printf ("8:00011800%02x%02x07", 10, site & 0xff);
}

int
main (int   argc,
      char *argv[])
{
  const char *seconds = g_getenv ("PM_BENCH_DNS_SECONDS");
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmResources) resources = NULL;
  g_autoptr(PmRouting) routing = NULL;
  g_autoptr(PmClientLocator) locator = NULL;
  g_autoptr(PmApiServer) server = NULL;
  g_autoptr(PmTestPdns) remote = NULL;
  g_autoptr(PmTestPdns) bind = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *map = NULL;
  g_autofree char *queries = NULL;
  g_autofree char *zone_text = NULL;
  g_autofree char *url = NULL;
  g_autofree char *ecs = NULL;
  g_auto(Figures) bind_figures = { 0 };
  g_auto(Figures) remote_figures = { 0 };
  g_auto(Figures) ecs_figures = { 0 };
  gboolean bind_ok, remote_ok, ecs_ok;
  guint n_names;

  if (seconds == NULL)
    seconds = "10";
  if (!g_file_test (DNSPERF_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      printf ("bench-dns: skipped: dnsperf is not installed (%s is absent): install dnsperf\n",
              DNSPERF_PATH);
      return 0;
    }

  topology = pm_demo_load_topology (&error);
  if (topology != NULL)
    resources = pm_demo_load_resources (topology, &error);
  if (resources == NULL)
    g_error ("demo network: %s", error->message);
  dir = g_dir_make_tmp ("pm-bench-dns-XXXXXX", &error);
  if (dir == NULL)
    g_error ("%s", error->message);
  map = write_client_map (dir, topology);
  locator = pm_client_locator_new (topology, map, &error);
  if (locator == NULL)
    g_error ("%s", error->message);
  routing = pm_routing_new (topology, resources, NULL);
  update_routing (routing, topology, resources);
  queries = g_build_filename (dir, "queries.txt", NULL);
  write_zone_and_queries (routing, topology, resources, &zone_text, queries, &n_names);

  server = pm_api_server_new (dup_no_snapshot_cb, NULL, NULL);
  pm_api_dns_register (server, routing, locator);
  if (!pm_api_server_start (server, "127.0.0.1:0", &error))
    g_error ("%s", error->message);
  url = g_strconcat (pm_api_server_get_url (server), "/dns", NULL);

  bind = pm_test_pdns_new_bind (ZONE, zone_text, &error);
  if (bind == NULL)
    {
      printf ("bench-dns: skipped: %s\n", error->message);
      return 0;
    }
  remote = pm_test_pdns_new_remote (url, ZONE, &error);
  if (remote == NULL)
    {
      printf ("bench-dns: skipped: %s\n", error->message);
      return 0;
    }
  ecs = ecs_option (ECS_SITE);

  printf ("bench-dns: PowerDNS with the remote backend (POST /dns) against its bind backend, "
          "caches off\n"
          "load: dnsperf -c " CLIENTS " -q " OUTSTANDING " -l %s over %u names (A and AAAA), "
          "%d sites, %u resources\n\n"
          "remote pdns.conf:\n%s\n", seconds, n_names, pm_topology_get_n_sites (topology),
          pm_resources_get_n_resources (resources), pm_test_pdns_get_config (remote));

  bind_ok = run_dnsperf (pm_test_pdns_get_port (bind), queries, seconds, ecs, &bind_figures);
  remote_ok = run_dnsperf (pm_test_pdns_get_port (remote), queries, seconds, NULL,
                           &remote_figures);
  ecs_ok = run_dnsperf (pm_test_pdns_get_port (remote), queries, seconds, ecs, &ecs_figures);

  if (bind_ok)
    print_figures ("bind backend (ECS)", &bind_figures);
  if (remote_ok)
    print_figures ("remote backend", &remote_figures);
  if (ecs_ok)
    print_figures ("remote backend (ECS)", &ecs_figures);
  if (bind_ok && remote_ok)
    printf ("\n  ratio remote / bind: %.3f\n", remote_figures.qps / bind_figures.qps);
  if (bind_ok && ecs_ok)
    printf ("  ratio remote (ECS) / bind (ECS): %.3f\n", ecs_figures.qps / bind_figures.qps);

  g_clear_pointer (&remote, pm_test_pdns_free);
  g_clear_pointer (&bind, pm_test_pdns_free);
  pm_api_server_stop (server);
  g_unlink (map);
  g_unlink (queries);
  g_rmdir (dir);
  return 0;
}
