/* test-json-guard.c: the check in front of json-glib for JSON the engine did not write (trailing
 * values, unpaired surrogate escapes, deep nesting), and that every reader of such JSON refuses
 * what it refuses, in the reader's own words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-cap-geojson.h"
#include "pm-json-private.h"
#include "predict/pm-nab-corpus.h"
#include "pm-prometheus-reply.h"
#include "pm-resources.h"
#include "pm-test-util.h"
#include "pm-topology.h"
#include "pm-truth.h"

/* The documents every reader must refuse: a second value after the first (json-glib 1.6 takes
 * the first and leaks the second) and a lone high surrogate (decoded into invalid UTF-8). */
static const char *const bad_documents[] = {
  "{}{}",
  "{\"a\": \"\\ud800\"}",
};

static const char tiny_geojson[] =
  "{'type': 'FeatureCollection', 'name': 'tiny', 'features': ["
  "{'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [4.9, 52.4]},"
  " 'properties': {'id': 'ams'}},"
  "{'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [8.7, 50.1]},"
  " 'properties': {'id': 'fra'}},"
  "{'type': 'Feature', 'geometry': {'type': 'LineString',"
  " 'coordinates': [[4.9, 52.4], [8.7, 50.1]]},"
  " 'properties': {'id': 'ams-fra', 'a': 'ams', 'b': 'fra'}}"
  "]}";

/* Checks text with the guard alone; on refusal, that the message holds says. */
static void
assert_guard (const char *text,
              gboolean    accepted,
              const char *says)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = _pm_json_check_text (text, strlen (text), "doc.json", &error);

  g_test_message ("%s", text);
  if (accepted)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      return;
    }
  g_assert_false (ok);
  g_assert_true (error != NULL && error->domain == JSON_PARSER_ERROR);
  g_test_message ("error: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "doc.json:"));
  pm_test_assert_contains (error->message, says);
}

static void
test_guard_trailing (void)
{
  assert_guard ("0{\"a\":1}", FALSE, "doc.json:1:2: Parse error: trailing data after the JSON");
  assert_guard ("{}{}", FALSE, "1:3: Parse error: trailing data after the JSON value");
  assert_guard ("[1, 2]\n\n  [3]", FALSE, "doc.json:3:3:");
  assert_guard ("{\"a\": \"}\"} x", FALSE, "1:12:");
  assert_guard ("\"a\" \"b\"", FALSE, "trailing data");
  assert_guard ("true false", FALSE, "trailing data");
  assert_guard ("{}\f", FALSE, "trailing data");
  assert_guard ("{}\\", FALSE, "trailing data");
  /* A NUL is data too, not the end of the text. */
  g_assert_false (_pm_json_check_text ("{}\0{}", 5, NULL, NULL));
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (_pm_json_check_text ("[]]", 3, NULL, &error));
    g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
    g_assert_true (g_str_has_prefix (error->message, "<data>:1:3:"));
  }
  /* Comments would hide a quote from the scan, and JSON has none. */
  assert_guard ("{\"a\": 1 /* \" */}{}", FALSE, "no comments");
  assert_guard ("{} // done", FALSE, "trailing data");
}

static void
test_guard_accepted (void)
{
  assert_guard ("{\"a\": [1, 2.5, true, null, \"x\"]}", TRUE, NULL);
  assert_guard ("  {\"a\": 1}  \n\t\r\n", TRUE, NULL);
  assert_guard ("42", TRUE, NULL);
  assert_guard ("\"text with } and ] and \\\" inside\"", TRUE, NULL);
  assert_guard ("{'single': 'quoted \\ud800'}", TRUE, NULL);  /* json-glib: no escapes there */
  assert_guard ("\xef\xbb\xbf{}", TRUE, NULL);
  /* Empty text passes: json-glib gives no root, which every reader refuses in its own words. */
  assert_guard ("", TRUE, NULL);
  assert_guard (" \n ", TRUE, NULL);
  g_assert_true (_pm_json_check_text (NULL, 0, NULL, NULL));
  /* Broken documents that json-glib refuses are left to it. */
  assert_guard ("{\"a\": ", TRUE, NULL);
  assert_guard ("]", TRUE, NULL);
  assert_guard ("\"\\u12", FALSE, "needs four hexadecimal digits");
}

static void
test_guard_surrogates (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  assert_guard ("[\"\\ud83d\\ude00\"]", TRUE, NULL);
  assert_guard ("[\"\\uD83D\\uDE00 and \\u00e9\"]", TRUE, NULL);
  assert_guard ("[\"\\ud800\"]", FALSE, "doc.json:1:3: Parse error: the escape “\\ud800” starts");
  assert_guard ("[\"\\ud800x\"]", FALSE, "starts a UTF-16 surrogate pair");
  assert_guard ("[\"a\\ud800\\ud800b\"]", FALSE, "1:4:");
  /* A \u escape cut short (json-glib leaks on it; found by fuzz-prometheus-reply). */
  assert_guard ("\"!\\uDD!\\uDD,DFD", FALSE, "needs four hexadecimal digits");
  assert_guard ("[\"\\u12\"]", FALSE, "1:3:");
  assert_guard ("[\"\\u", FALSE, "needs four hexadecimal digits");
  assert_guard ("[\"\\u00e9\"]", TRUE, NULL);
  assert_guard ("[\"\\udfff\"]", FALSE, "ends a UTF-16 surrogate pair");
  assert_guard ("[\"\\ude00\\ud83d\"]", FALSE, "“\\ude00” ends");
  assert_guard ("[\"\\ud83d\\u0041\"]", FALSE, "starts");
  assert_guard ("[\"\\ud83d\\ude0\"]", FALSE, "starts");
  assert_guard ("[\"\\ud83d", FALSE, "starts");
  /* An escaped backslash before "u" is no escape. */
  assert_guard ("[\"\\\\ud800\"]", TRUE, NULL);
  /* Keys are strings too. */
  assert_guard ("{\"k\\ud800\": 1}", FALSE, "starts");
  assert_guard ("{\"ok\": {\"\\udc00\": 1}}", FALSE, "1:10:");
  /* After a newline inside a string, the line still counts. */
  assert_guard ("[\"a\nb\\ud800\"]", FALSE, "doc.json:2:2:");

  g_assert_true (_pm_json_parser_load (parser, "{\"smile\": \"\\ud83d\\ude00\"}", -1, NULL,
                                       &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "smile"), ==, "\xf0\x9f\x98\x80");
}

static void
test_guard_depth (void)
{
  gsize n = 200000;
  g_autofree char *deep = g_malloc (2 * n + 1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  /* Deep enough to overflow json-glib's recursion: refused before it starts. */
  memset (deep, '[', n);
  memset (deep + n, ']', n);
  deep[2 * n] = '\0';
  g_assert_false (_pm_json_parser_load (parser, deep, -1, "deep.json", &error));
  g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
  pm_test_assert_contains (error->message, "deep.json:1:513: Parse error: arrays and objects "
                                           "nested deeper than 512 levels");
  g_clear_error (&error);

  /* The deepest allowed nesting is read, once with strings at every level. */
  deep[PM_JSON_MAX_DEPTH] = '\0';
  memset (deep + PM_JSON_MAX_DEPTH / 2, ']', PM_JSON_MAX_DEPTH / 2);
  g_assert_true (_pm_json_parser_load (parser, deep, -1, NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GString) nested = g_string_new (NULL);

    for (int i = 0; i < PM_JSON_MAX_DEPTH; i++)
      g_string_append (nested, "{\"\\ud83d\\ude00\":");
    g_string_append (nested, "1");
    for (int i = 0; i < PM_JSON_MAX_DEPTH; i++)
      g_string_append_c (nested, '}');
    g_assert_true (_pm_json_parser_load (parser, nested->str, -1, NULL, &error));
    g_assert_no_error (error);
    g_string_append (nested, " {}");
    g_assert_false (_pm_json_parser_load (parser, nested->str, -1, NULL, &error));
    pm_test_assert_contains (error->message, "trailing data");
  }
}

/* The fuzzers' reproducers, as they are in the tree. */
static void
test_guard_regressions (void)
{
  static const char *const files[] = {
    "prometheus-reply-json-glib-trailing-value.json",
    "prometheus-reply-json-glib-surrogate.json",
    "cap-geojson-json-glib-trailing-value.json",
    "cap-geojson-json-glib-surrogate.json",
  };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fuzz", "regressions", files[i],
                                                     NULL);
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;
      int code = i % 2 == 0 ? JSON_PARSER_ERROR_PARSE : JSON_PARSER_ERROR_INVALID_DATA;

      g_assert_true (g_file_get_contents (path, &text, &length, NULL));
      g_assert_false (_pm_json_check_text (text, length, files[i], &error));
      g_assert_error (error, JSON_PARSER_ERROR, code);
    }
}

/* _pm_json_parse_bytes (topology, resources, CAP GeoJSON): "NAME: not valid JSON: …". */
static void
test_readers_files (void)
{
  g_autoptr(PmTopology) topology = pm_test_topology_from_json (tiny_geojson, "tiny");

  for (guint i = 0; i < G_N_ELEMENTS (bad_documents); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (bad_documents[i],
                                                    strlen (bad_documents[i]));
      g_autoptr(GError) error = NULL;
      g_autoptr(PmTopology) bad_topology = NULL;
      g_autoptr(PmResources) resources = NULL;
      g_autoptr(GPtrArray) events = NULL;

      bad_topology = pm_topology_new_from_bytes (bytes, "net.geojson", &error);
      g_assert_null (bad_topology);
      g_assert_error (error, PM_TOPOLOGY_ERROR, PM_TOPOLOGY_ERROR_PARSE);
      pm_test_assert_contains (error->message, "net.geojson: not valid JSON: <data>:1:");
      g_clear_error (&error);

      resources = pm_resources_new_from_bytes (bytes, "res.json", topology, &error);
      g_assert_null (resources);
      g_assert_error (error, PM_RESOURCES_ERROR, PM_RESOURCES_ERROR_PARSE);
      pm_test_assert_contains (error->message, "res.json: not valid JSON: <data>:1:");
      g_clear_error (&error);

      events = pm_cap_geojson_parse (bad_documents[i], strlen (bad_documents[i]), "alerts.json",
                                     &error);
      g_assert_null (events);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      pm_test_assert_contains (error->message, "alerts.json: not valid JSON:");
    }
}

/* Files read by path: truth ("PATH:LINE:COLUMN: … (not valid JSON)") and NAB profiles. */
static void
test_readers_paths (void)
{
  g_autoptr(PmTopology) topology = pm_test_topology_from_json (tiny_geojson, "tiny");

  for (guint i = 0; i < G_N_ELEMENTS (bad_documents); i++)
    {
      g_autofree char *truth = pm_test_write_temp_file ("truth.json", bad_documents[i]);
      g_autofree char *profiles = pm_test_write_temp_file ("profiles.json", bad_documents[i]);
      g_autofree char *expected = g_strconcat (truth, ":1:", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) partitions = pm_truth_load_file (topology, truth, &error);
      g_autoptr(GArray) read = NULL;

      g_assert_null (partitions);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_true (g_str_has_prefix (error->message, expected));
      pm_test_assert_contains (error->message, "(not valid JSON)");
      g_clear_error (&error);

      read = pm_nab_profiles_load (profiles, &error);
      g_assert_null (read);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      pm_test_assert_contains (error->message, profiles);
    }
}

/* Prometheus replies: "not JSON (…)" in PM_PROMETHEUS_ERROR_MALFORMED. */
static void
test_readers_prometheus (void)
{
  static const char *const replies[] = {
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}"
    "{\"leaked\":[1,2,3]}",
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
    "{\"metric\":{\"instance\":\"a\\ud800b\"},\"value\":[1,\"1\"]}]}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) series = pm_prometheus_parse_reply (replies[i], -1, &error);

      g_assert_null (series);
      g_assert_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_MALFORMED);
      pm_test_assert_contains (error->message, "not JSON");
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) series = pm_prometheus_parse_reply (
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
      "{\"metric\":{\"job\":\"\\ud83d\\ude00\"},\"value\":[1,\"1\"]}]}}\n", -1, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (series->len, ==, 1);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-guard/trailing", test_guard_trailing);
  g_test_add_func ("/json-guard/accepted", test_guard_accepted);
  g_test_add_func ("/json-guard/surrogates", test_guard_surrogates);
  g_test_add_func ("/json-guard/depth", test_guard_depth);
  g_test_add_func ("/json-guard/regressions", test_guard_regressions);
  g_test_add_func ("/json-guard/readers/files", test_readers_files);
  g_test_add_func ("/json-guard/readers/paths", test_readers_paths);
  g_test_add_func ("/json-guard/readers/prometheus", test_readers_prometheus);
  return g_test_run ();
}
