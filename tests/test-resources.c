/* test-resources.c: the resource inventory loader: a demo-like file, defaults, every malformed
 * input, and moving the origin.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-resources.h"
#include "pm-test-util.h"

#define FILE_NAME "inventory/resources.json"

/* JSON is written with single quotes to stay readable in C; they become double quotes before
 * parsing (no test string needs an apostrophe). */
#define NETWORK                                                                                   \
  "{'type':'FeatureCollection','features':["                                                      \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[2.3522,48.8566]},"                 \
  "'properties':{'id':'par','role':'edge','region':'eu-west'}},"                                  \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[8.6821,50.1109]},"                 \
  "'properties':{'id':'fra','role':'origin','region':'eu-central'}},"                             \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[-0.1278,51.5074]},"                \
  "'properties':{'id':'lon','role':'edge','region':'uk-ie'}},"                                    \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[4.9041,52.3676]},"                 \
  "'properties':{'id':'ams','role':'core','region':'eu-west'}},"                                  \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"               \
  "'properties':{'id':'fra--par','a':'fra','b':'par'}},"                                          \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"               \
  "'properties':{'id':'fra--ams','a':'fra','b':'ams'}},"                                          \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"               \
  "'properties':{'id':'ams--lon','a':'ams','b':'lon'}}"                                           \
  "]}"

#define DEMO_LIKE                                                                                 \
  "{'resources':["                                                                                \
  "{'id':'dns-zone-premirror-test','name':'DNS zone premirror.test','size_bytes':3145728,"        \
  "'criticality':5,'consistency':'bounded','staleness_s':60,'origin':'fra',"                      \
  "'demand':{'eu-central':2400,'eu-west':2100.5,'uk-ie':0}},"                                     \
  "{'id':'router-firmware_7.4.2','name':'Edge router firmware 7.4.2','size_bytes':6e7,"           \
  "'criticality':3,'consistency':'strong','origin':'par','demand':{}},"                           \
  "{'id':'map-tiles','size_bytes':62914560,'criticality':1,'consistency':'eventual',"             \
  "'staleness_s':null,'demand':null},"                                                            \
  "{'id':'edge-config','size_bytes':1,'criticality':4.0,'future_field':[1,2,3]}"                  \
  "],"                                                                                            \
  "'policy':{'auto_approve':{'min_criticality':4,'min_risk':0.7},'retire_after_s':1800}}"

#define GOOD "{'id':'good','size_bytes':1000,'criticality':2,'consistency':'eventual'}"
#define RESOURCES(list) "{'resources':[" list "]}"
/* A malformed resource at index 1, after a good one. */
#define BAD(props) RESOURCES (GOOD ",{" props "}")
#define OK_PROPS "'id':'x','size_bytes':10,'criticality':3"
#define BAD_POLICY(policy) "{'resources':[" GOOD "],'policy':" policy "}"

static PmTopology *
load_network (void)
{
  return pm_test_topology_from_json (NETWORK, "network.geojson");
}

static PmResources *
load (PmTopology *topology,
      const char *quoted,
      GError    **error)
{
  g_autoptr(GBytes) bytes = pm_test_json_bytes (quoted);

  return pm_resources_new_from_bytes (bytes, FILE_NAME, topology, error);
}

static void
test_demo_like (void)
{
  g_autoptr(PmTopology) topology = load_network ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmResources) resources = load (topology, DEMO_LIKE, &error);
  const PmAutoApprovePolicy *policy;
  const PmResource *r;

  g_assert_no_error (error);
  g_assert_true (pm_resources_get_topology (resources) == topology);
  g_assert_cmpuint (pm_resources_get_n_resources (resources), ==, 4);

  r = pm_resources_get_resource (resources, 0);
  g_assert_cmpstr (r->id, ==, "dns-zone-premirror-test");
  g_assert_cmpstr (r->name, ==, "DNS zone premirror.test");
  g_assert_cmpuint (r->size_bytes, ==, 3145728);
  g_assert_cmpuint (r->criticality, ==, 5);
  g_assert_cmpint (r->consistency, ==, PM_CONSISTENCY_BOUNDED);
  g_assert_cmpint (r->staleness_s, ==, 60);
  g_assert_cmpuint (r->origin, ==, 1);  /* fra */
  g_assert_cmpuint (r->n_demand, ==, 3);
  /* File order is kept. */
  g_assert_cmpstr (r->demand[0].region, ==, "eu-central");
  g_assert_cmpfloat (r->demand[0].requests_per_hour, ==, 2400);
  g_assert_cmpstr (r->demand[1].region, ==, "eu-west");
  g_assert_cmpfloat (r->demand[1].requests_per_hour, ==, 2100.5);
  g_assert_cmpstr (r->demand[2].region, ==, "uk-ie");
  g_assert_cmpfloat (r->demand[2].requests_per_hour, ==, 0);
  g_assert_cmpfloat (pm_resource_get_demand (r, "eu-west"), ==, 2100.5);
  g_assert_cmpfloat (pm_resource_get_demand (r, "eu-north"), ==, 0);
  g_assert_cmpfloat (pm_resource_get_demand (r, NULL), ==, 0);
  g_assert_cmpfloat (pm_resource_get_total_demand (r), ==, 4500.5);

  /* An integral number written with an exponent is still a size. */
  r = pm_resources_get_resource (resources, 1);
  g_assert_cmpstr (r->id, ==, "router-firmware_7.4.2");
  g_assert_cmpuint (r->size_bytes, ==, 60000000);
  g_assert_cmpint (r->consistency, ==, PM_CONSISTENCY_STRONG);
  g_assert_cmpint (r->staleness_s, ==, 0);
  g_assert_cmpuint (r->origin, ==, 0);  /* par */
  g_assert_cmpuint (r->n_demand, ==, 0);
  g_assert_cmpfloat (pm_resource_get_total_demand (r), ==, 0);

  /* Defaults: the name is the id, the origin the topology's, no demand. */
  r = pm_resources_get_resource (resources, 2);
  g_assert_cmpstr (r->name, ==, "map-tiles");
  g_assert_cmpint (r->consistency, ==, PM_CONSISTENCY_EVENTUAL);
  g_assert_cmpint (r->staleness_s, ==, 0);
  g_assert_cmpint ((int) r->origin, ==, pm_topology_get_origin (topology));
  g_assert_cmpuint (r->n_demand, ==, 0);
  g_assert_null (r->demand);

  /* Without a consistency: strong, the one that never serves a stale copy. Unknown fields are
   * left for newer versions. */
  r = pm_resources_get_resource (resources, 3);
  g_assert_cmpuint (r->criticality, ==, 4);
  g_assert_cmpint (r->consistency, ==, PM_CONSISTENCY_STRONG);

  g_assert_cmpint (pm_resources_lookup_resource (resources, "map-tiles"), ==, 2);
  g_assert_cmpint (pm_resources_lookup_resource (resources, "dns-zone-premirror-test"), ==, 0);
  g_assert_cmpint (pm_resources_lookup_resource (resources, "nothing"), ==, -1);
  g_assert_cmpint (pm_resources_lookup_resource (resources, NULL), ==, -1);

  policy = pm_resources_get_policy (resources);
  g_assert_true (policy->enabled);
  g_assert_cmpuint (policy->min_criticality, ==, 4);
  g_assert_cmpfloat (policy->min_risk, ==, 0.7);
  g_assert_cmpint (pm_resources_get_retire_after_s (resources), ==, 1800);
}

static void
test_policy_optional (void)
{
  static const char *cases[] = {
    "{'resources':[]}",
    "{'resources':[],'policy':null}",
    "{'resources':[],'policy':{}}",
    "{'resources':[],'policy':{'auto_approve':null}}",
  };
  g_autoptr(PmTopology) topology = load_network ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PmResources) resources = load (topology, cases[i], &error);

      g_assert_no_error (error);
      g_assert_cmpuint (pm_resources_get_n_resources (resources), ==, 0);
      g_assert_false (pm_resources_get_policy (resources)->enabled);
      g_assert_cmpint (pm_resources_get_retire_after_s (resources), ==, 0);
    }
}

static void
test_policy_bounds (void)
{
  g_autoptr(PmTopology) topology = load_network ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmResources) low = NULL;
  g_autoptr(PmResources) high = NULL;

  low = load (topology,
              "{'resources':[],'policy':{'auto_approve':{'min_criticality':1,'min_risk':0}}}",
              &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pm_resources_get_policy (low)->min_criticality, ==, 1);
  g_assert_cmpfloat (pm_resources_get_policy (low)->min_risk, ==, 0);
  high = load (topology,
               "{'resources':[],'policy':{'auto_approve':{'min_criticality':5,'min_risk':1}}}",
               &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pm_resources_get_policy (high)->min_criticality, ==, 5);
  g_assert_cmpfloat (pm_resources_get_policy (high)->min_risk, ==, 1);
}

static void
test_set_origin (void)
{
  g_autoptr(PmTopology) topology = load_network ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmResources) resources = load (topology, DEMO_LIKE, &error);
  int lon = pm_topology_lookup_site (topology, "lon");

  g_assert_no_error (error);
  g_assert_cmpint (lon, >=, 0);
  pm_resources_set_origin (resources, (guint) lon);
  for (guint i = 0; i < pm_resources_get_n_resources (resources); i++)
    g_assert_cmpuint (pm_resources_get_resource (resources, i)->origin, ==, (guint) lon);
  /* Nothing else moves. */
  g_assert_cmpuint (pm_resources_get_resource (resources, 0)->size_bytes, ==, 3145728);
  g_assert_cmpuint (pm_resources_get_resource (resources, 0)->n_demand, ==, 3);
}

static void
test_consistency_names (void)
{
  g_assert_cmpstr (pm_consistency_to_string (PM_CONSISTENCY_STRONG), ==, "strong");
  g_assert_cmpstr (pm_consistency_to_string (PM_CONSISTENCY_BOUNDED), ==, "bounded");
  g_assert_cmpstr (pm_consistency_to_string (PM_CONSISTENCY_EVENTUAL), ==, "eventual");
}

static void
test_from_file (void)
{
  g_autoptr(PmTopology) topology = load_network ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmResources) resources = NULL;
  g_autofree char *path = pm_test_write_temp_json ("resources.json", DEMO_LIKE);
  g_autofree char *bad = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);

  resources = pm_resources_new_from_file (path, topology, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pm_resources_get_n_resources (resources), ==, 4);
  g_clear_object (&resources);

  bad = pm_test_write_temp_file ("bad.json", "{\"resources\": [{\"id\": \"a\"}]}");
  resources = pm_resources_new_from_file (bad, topology, &error);
  g_assert_null (resources);
  g_assert_error (error, PM_RESOURCES_ERROR, PM_RESOURCES_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, bad));
  pm_test_assert_contains (error->message, "resource 0");
  pm_test_assert_contains (error->message, "“size_bytes”");
  g_clear_error (&error);

  empty = pm_test_write_temp_file ("empty.json", "");
  resources = pm_resources_new_from_file (empty, topology, &error);
  g_assert_null (resources);
  g_assert_true (error->domain == PM_RESOURCES_ERROR);
  g_assert_true (g_str_has_prefix (error->message, empty));
  g_clear_error (&error);

  resources = pm_resources_new_from_file (missing, topology, &error);
  g_assert_null (resources);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
test_empty_bytes (void)
{
  g_autoptr(PmTopology) topology = load_network ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (NULL, 0);
  g_autoptr(PmResources) resources =
    pm_resources_new_from_bytes (bytes, FILE_NAME, topology, &error);

  g_assert_null (resources);
  g_assert_true (error->domain == PM_RESOURCES_ERROR);
  g_assert_true (g_str_has_prefix (error->message, FILE_NAME ": "));
}

typedef struct
{
  const char *name;
  const char *json;
  int         code;
  int         index;   /* -1: the file, not one resource */
  const char *field;   /* NULL: no particular field */
  const char *detail;  /* NULL, or something else the message must say */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "not-json", "{'resources': [", PM_RESOURCES_ERROR_PARSE, -1, NULL, "not valid JSON" },
  { "not-json-trailing", "{'resources': []} x", PM_RESOURCES_ERROR_PARSE, -1, NULL,
    "not valid JSON" },
  { "root-array", "[" GOOD "]", PM_RESOURCES_ERROR_INVALID, -1, NULL, "“resources”" },
  { "missing-resources", "{'policy':{}}", PM_RESOURCES_ERROR_INVALID, -1, "resources", "array" },
  { "resources-object", "{'resources':{}}", PM_RESOURCES_ERROR_INVALID, -1, "resources",
    "array" },
  { "resources-null", "{'resources':null}", PM_RESOURCES_ERROR_INVALID, -1, "resources",
    "array" },
  { "resource-not-object", RESOURCES (GOOD ",7"), PM_RESOURCES_ERROR_INVALID, 1, NULL, "object" },
  { "missing-id", BAD ("'size_bytes':10,'criticality':3"), PM_RESOURCES_ERROR_INVALID, 1, "id",
    "missing" },
  { "empty-id", BAD ("'id':'','size_bytes':10,'criticality':3"), PM_RESOURCES_ERROR_INVALID, 1,
    "id", "missing" },
  { "id-number", BAD ("'id':5,'size_bytes':10,'criticality':3"), PM_RESOURCES_ERROR_INVALID, 1,
    "id", "string" },
  { "id-path", BAD ("'id':'../etc','size_bytes':10,'criticality':3"),
    PM_RESOURCES_ERROR_INVALID, 1, "id", "“../etc”" },
  { "id-space", BAD ("'id':'dns zone','size_bytes':10,'criticality':3"),
    PM_RESOURCES_ERROR_INVALID, 1, "id", NULL },
  { "id-hidden", BAD ("'id':'.hidden','size_bytes':10,'criticality':3"),
    PM_RESOURCES_ERROR_INVALID, 1, "id", NULL },
  { "duplicate-id", BAD ("'id':'good','size_bytes':10,'criticality':3"),
    PM_RESOURCES_ERROR_INVALID, 1, "id", "duplicate resource id “good”" },
  { "missing-size", BAD ("'id':'x','criticality':3"), PM_RESOURCES_ERROR_INVALID, 1,
    "size_bytes", "missing" },
  { "size-zero", BAD ("'id':'x','size_bytes':0,'criticality':3"), PM_RESOURCES_ERROR_INVALID, 1,
    "size_bytes", "positive integer" },
  { "size-negative", BAD ("'id':'x','size_bytes':-10,'criticality':3"),
    PM_RESOURCES_ERROR_INVALID, 1, "size_bytes", "positive integer" },
  { "size-fraction", BAD ("'id':'x','size_bytes':1.5,'criticality':3"),
    PM_RESOURCES_ERROR_INVALID, 1, "size_bytes", "positive integer" },
  { "size-string", BAD ("'id':'x','size_bytes':'10 MB','criticality':3"),
    PM_RESOURCES_ERROR_INVALID, 1, "size_bytes", "positive integer" },
  { "size-null", BAD ("'id':'x','size_bytes':null,'criticality':3"),
    PM_RESOURCES_ERROR_INVALID, 1, "size_bytes", "positive integer" },
  { "size-huge", BAD ("'id':'x','size_bytes':1e300,'criticality':3"),
    PM_RESOURCES_ERROR_INVALID, 1, "size_bytes", "positive integer" },
  { "missing-criticality", BAD ("'id':'x','size_bytes':10"), PM_RESOURCES_ERROR_INVALID, 1,
    "criticality", "missing" },
  { "criticality-0", BAD ("'id':'x','size_bytes':10,'criticality':0"),
    PM_RESOURCES_ERROR_INVALID, 1, "criticality", "1" },
  { "criticality-6", BAD ("'id':'x','size_bytes':10,'criticality':6"),
    PM_RESOURCES_ERROR_INVALID, 1, "criticality", "5" },
  { "criticality-fraction", BAD ("'id':'x','size_bytes':10,'criticality':2.5"),
    PM_RESOURCES_ERROR_INVALID, 1, "criticality", "integer" },
  { "criticality-string", BAD ("'id':'x','size_bytes':10,'criticality':'high'"),
    PM_RESOURCES_ERROR_INVALID, 1, "criticality", "integer" },
  { "unknown-consistency", BAD (OK_PROPS ",'consistency':'weak'"), PM_RESOURCES_ERROR_INVALID, 1,
    "consistency", "“weak” is not one of strong, bounded, eventual" },
  { "consistency-number", BAD (OK_PROPS ",'consistency':1"), PM_RESOURCES_ERROR_INVALID, 1,
    "consistency", "string" },
  { "bounded-without-staleness", BAD (OK_PROPS ",'consistency':'bounded'"),
    PM_RESOURCES_ERROR_INVALID, 1, "staleness_s", "bounded" },
  { "bounded-null-staleness", BAD (OK_PROPS ",'consistency':'bounded','staleness_s':null"),
    PM_RESOURCES_ERROR_INVALID, 1, "staleness_s", "bounded" },
  { "staleness-zero", BAD (OK_PROPS ",'consistency':'bounded','staleness_s':0"),
    PM_RESOURCES_ERROR_INVALID, 1, "staleness_s", "positive" },
  { "staleness-negative", BAD (OK_PROPS ",'consistency':'bounded','staleness_s':-60"),
    PM_RESOURCES_ERROR_INVALID, 1, "staleness_s", "positive" },
  { "staleness-string", BAD (OK_PROPS ",'consistency':'bounded','staleness_s':'1m'"),
    PM_RESOURCES_ERROR_INVALID, 1, "staleness_s", "positive" },
  { "staleness-on-strong", BAD (OK_PROPS ",'consistency':'strong','staleness_s':60"),
    PM_RESOURCES_ERROR_INVALID, 1, "staleness_s", "only applies to bounded" },
  { "staleness-on-eventual", BAD (OK_PROPS ",'consistency':'eventual','staleness_s':60"),
    PM_RESOURCES_ERROR_INVALID, 1, "staleness_s", "only applies to bounded" },
  { "staleness-without-consistency", BAD (OK_PROPS ",'staleness_s':60"),
    PM_RESOURCES_ERROR_INVALID, 1, "staleness_s", "only applies to bounded" },
  { "unknown-origin", BAD (OK_PROPS ",'origin':'nyc'"), PM_RESOURCES_ERROR_INVALID, 1, "origin",
    "“nyc”" },
  { "origin-number", BAD (OK_PROPS ",'origin':3"), PM_RESOURCES_ERROR_INVALID, 1, "origin",
    "string" },
  { "demand-array", BAD (OK_PROPS ",'demand':[100,200]"), PM_RESOURCES_ERROR_INVALID, 1,
    "demand", "object" },
  { "demand-number", BAD (OK_PROPS ",'demand':100"), PM_RESOURCES_ERROR_INVALID, 1, "demand",
    "object" },
  { "demand-negative", BAD (OK_PROPS ",'demand':{'eu-central':5,'eu-west':-1}"),
    PM_RESOURCES_ERROR_INVALID, 1, "demand.eu-west", "non-negative" },
  { "demand-string", BAD (OK_PROPS ",'demand':{'eu-west':'many'}"), PM_RESOURCES_ERROR_INVALID,
    1, "demand.eu-west", "number" },
  { "demand-null-value", BAD (OK_PROPS ",'demand':{'eu-west':null}"),
    PM_RESOURCES_ERROR_INVALID, 1, "demand.eu-west", "number" },
  { "demand-nested", BAD (OK_PROPS ",'demand':{'eu-west':{'rate':1}}"),
    PM_RESOURCES_ERROR_INVALID, 1, "demand.eu-west", "number" },
  { "name-number", BAD (OK_PROPS ",'name':5"), PM_RESOURCES_ERROR_INVALID, 1, "name", "string" },
  { "policy-array", BAD_POLICY ("[]"), PM_RESOURCES_ERROR_INVALID, -1, "policy", "object" },
  { "auto-approve-number", BAD_POLICY ("{'auto_approve':1}"), PM_RESOURCES_ERROR_INVALID, -1,
    "policy.auto_approve", "object" },
  { "min-criticality-missing", BAD_POLICY ("{'auto_approve':{'min_risk':0.7}}"),
    PM_RESOURCES_ERROR_INVALID, -1, "policy.auto_approve.min_criticality", "missing" },
  { "min-criticality-0", BAD_POLICY ("{'auto_approve':{'min_criticality':0,'min_risk':0.7}}"),
    PM_RESOURCES_ERROR_INVALID, -1, "policy.auto_approve.min_criticality", "1 to 5" },
  { "min-criticality-6", BAD_POLICY ("{'auto_approve':{'min_criticality':6,'min_risk':0.7}}"),
    PM_RESOURCES_ERROR_INVALID, -1, "policy.auto_approve.min_criticality", "1 to 5" },
  { "min-criticality-fraction",
    BAD_POLICY ("{'auto_approve':{'min_criticality':4.5,'min_risk':0.7}}"),
    PM_RESOURCES_ERROR_INVALID, -1, "policy.auto_approve.min_criticality", "integer" },
  { "min-risk-missing", BAD_POLICY ("{'auto_approve':{'min_criticality':4}}"),
    PM_RESOURCES_ERROR_INVALID, -1, "policy.auto_approve.min_risk", "missing" },
  { "min-risk-above-1", BAD_POLICY ("{'auto_approve':{'min_criticality':4,'min_risk':1.5}}"),
    PM_RESOURCES_ERROR_INVALID, -1, "policy.auto_approve.min_risk", "0 to 1" },
  { "min-risk-negative", BAD_POLICY ("{'auto_approve':{'min_criticality':4,'min_risk':-0.1}}"),
    PM_RESOURCES_ERROR_INVALID, -1, "policy.auto_approve.min_risk", "0 to 1" },
  { "retire-after-0", BAD_POLICY ("{'retire_after_s':0}"), PM_RESOURCES_ERROR_INVALID, -1,
    "policy.retire_after_s", "positive" },
  { "retire-after-text", BAD_POLICY ("{'retire_after_s':'1h'}"), PM_RESOURCES_ERROR_INVALID, -1,
    "policy.retire_after_s", "positive" },
  { "min-risk-string", BAD_POLICY ("{'auto_approve':{'min_criticality':4,'min_risk':'high'}}"),
    PM_RESOURCES_ERROR_INVALID, -1, "policy.auto_approve.min_risk", "0 to 1" },
};

static void
test_invalid (gconstpointer data)
{
  const InvalidCase *c = data;
  g_autoptr(PmTopology) topology = load_network ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmResources) resources = load (topology, c->json, &error);

  g_test_message ("%s", error != NULL ? error->message : "(no error)");
  g_assert_null (resources);
  g_assert_error (error, PM_RESOURCES_ERROR, c->code);
  pm_test_assert_error_names (error, FILE_NAME, "resource", c->index, c->field);
  if (c->detail != NULL)
    pm_test_assert_contains (error->message, c->detail);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/resources/demo-like", test_demo_like);
  g_test_add_func ("/resources/policy/optional", test_policy_optional);
  g_test_add_func ("/resources/policy/bounds", test_policy_bounds);
  g_test_add_func ("/resources/set-origin", test_set_origin);
  g_test_add_func ("/resources/consistency-names", test_consistency_names);
  g_test_add_func ("/resources/from-file", test_from_file);
  g_test_add_func ("/resources/invalid/empty-bytes", test_empty_bytes);
  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/resources/invalid/%s", invalid_cases[i].name);
      g_test_add_data_func (path, &invalid_cases[i], test_invalid);
    }

  return g_test_run ();
}
