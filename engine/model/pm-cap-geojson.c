/* pm-cap-geojson.c: CAP alerts as GeoJSON, through json-glib.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-cap-geojson.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "pm-cap-private.h"
#include "pm-json-private.h"
#include "pm-rfc3339.h"

/* An optional RFC 3339 property: FALSE with an error when present but not a time; *found says
 * whether it was there. */
static gboolean
read_time (JsonObject        *properties,
           const char        *field,
           gint64            *out,
           gboolean          *found,
           const PmJsonPlace *at,
           GError           **error)
{
  g_autofree char *text = NULL;

  *found = FALSE;
  if (!_pm_json_optional_string (properties, field, &text, at, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (!pm_rfc3339_parse (text, out))
    return _pm_json_fail (error, at, field, "“%s” is not an RFC 3339 time with a zone", text);
  *found = TRUE;
  return TRUE;
}

/* One ring of lon/lat positions, as a closed or open ring of PmLatLon; the closing vertex
 * (equal to the first) is dropped, as PmEvent rings need none. what names the ring in errors. */
static gboolean
read_ring (JsonNode          *node,
           const char        *what,
           GPtrArray         *rings,
           const PmJsonPlace *at,
           GError           **error)
{
  g_autoptr(GArray) points = NULL;
  JsonArray *ring;
  guint n;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return _pm_json_fail (error, at, "geometry", "%s: expected [[lon, lat], …]", what);
  ring = json_node_get_array (node);
  n = json_array_get_length (ring);
  if (n < 3)
    return _pm_json_fail (error, at, "geometry", "%s: a ring needs at least 3 positions, got %u",
                          what, n);

  points = g_array_sized_new (FALSE, FALSE, sizeof (PmLatLon), n);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (ring, i);
      JsonArray *position;
      PmLatLon p;

      if (!JSON_NODE_HOLDS_ARRAY (element)
          || json_array_get_length (position = json_node_get_array (element)) < 2
          || !_pm_json_node_is_number (json_array_get_element (position, 0))
          || !_pm_json_node_is_number (json_array_get_element (position, 1)))
        return _pm_json_fail (error, at, "geometry", "%s, position %u: expected [lon, lat]",
                              what, i);
      p.lon = json_array_get_double_element (position, 0);
      p.lat = json_array_get_double_element (position, 1);
      if (!(fabs (p.lon) <= 180) || !(fabs (p.lat) <= 90))
        return _pm_json_fail (error, at, "geometry", "%s, position %u: [%g, %g] is not a "
                              "longitude and latitude", what, i, p.lon, p.lat);
      g_array_append_val (points, p);
    }
  if (g_array_index (points, PmLatLon, 0).lat == g_array_index (points, PmLatLon, n - 1).lat
      && g_array_index (points, PmLatLon, 0).lon == g_array_index (points, PmLatLon, n - 1).lon)
    g_array_set_size (points, n - 1);
  if (points->len < 3)
    return _pm_json_fail (error, at, "geometry", "%s: a ring needs at least 3 distinct "
                          "positions", what);
  g_ptr_array_add (rings, g_steal_pointer (&points));
  return TRUE;
}

/* The outer ring of one polygon's coordinates [[ring], [hole], …]; holes are left out: a storm
 * cell with a calm hole in it still threatens the cables under the hole. */
static gboolean
read_polygon_coordinates (JsonNode          *node,
                          const char        *what,
                          GPtrArray         *rings,
                          const PmJsonPlace *at,
                          GError           **error)
{
  JsonArray *polygon;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (polygon = json_node_get_array (node)) == 0)
    return _pm_json_fail (error, at, "geometry", "%s: expected coordinates [[[lon, lat], …]]",
                          what);
  return read_ring (json_array_get_element (polygon, 0), what, rings, at, error);
}

/* The rings of a Polygon (one) or MultiPolygon (one per polygon) geometry. */
static gboolean
read_geometry (JsonObject        *geometry,
               GPtrArray         *rings,
               const PmJsonPlace *at,
               GError           **error)
{
  g_autofree char *type = NULL;
  JsonNode *coordinates;
  JsonArray *polygons;

  if (!_pm_json_optional_string (geometry, "type", &type, at, error))
    return FALSE;
  coordinates = json_object_get_member (geometry, "coordinates");
  if (g_strcmp0 (type, "Polygon") == 0)
    return read_polygon_coordinates (coordinates, "the polygon", rings, at, error);
  if (g_strcmp0 (type, "MultiPolygon") != 0)
    return _pm_json_fail (error, at, "geometry", "expected a Polygon, a MultiPolygon or null, "
                          "not %s", type != NULL ? type : "an object without a type");
  if (coordinates == NULL || !JSON_NODE_HOLDS_ARRAY (coordinates)
      || json_array_get_length (polygons = json_node_get_array (coordinates)) == 0)
    return _pm_json_fail (error, at, "geometry", "expected MultiPolygon coordinates "
                          "[[[[lon, lat], …]], …]");
  for (guint i = 0; i < json_array_get_length (polygons); i++)
    {
      g_autofree char *what = g_strdup_printf ("polygon %u", i);

      if (!read_polygon_coordinates (json_array_get_element (polygons, i), what, rings, at,
                                     error))
        return FALSE;
    }
  return TRUE;
}

/* "references": NWS gives objects with "identifier" and "@id" (the alert's URL), CAP a string
 * of "sender,identifier,sent" triples; an array of plain identifiers is taken too. */
static gboolean
read_references (JsonObject        *properties,
                 GPtrArray         *out,
                 const PmJsonPlace *at,
                 GError           **error)
{
  JsonNode *member = json_object_get_member (properties, "references");
  JsonArray *array;

  if (member == NULL || JSON_NODE_HOLDS_NULL (member))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING)
    {
      if (!_pm_cap_add_references (json_node_get_string (member), out))
        return _pm_json_fail (error, at, "references", "expected “sender,identifier,sent” "
                              "entries separated by spaces");
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (member))
    return _pm_json_fail (error, at, "references", "expected an array");
  array = json_node_get_array (member);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      gboolean any = FALSE;

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_ptr_array_add (out, g_strdup (json_node_get_string (node)));
          continue;
        }
      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *reference = json_node_get_object (node);

          for (guint k = 0; k < 2; k++)
            {
              const char *name = k == 0 ? "identifier" : "@id";
              JsonNode *value = json_object_get_member (reference, name);

              if (value != NULL && JSON_NODE_HOLDS_VALUE (value)
                  && json_node_get_value_type (value) == G_TYPE_STRING)
                {
                  g_ptr_array_add (out, g_strdup (json_node_get_string (value)));
                  any = TRUE;
                }
            }
        }
      if (!any)
        return _pm_json_fail (error, at, "references", "entry %u: expected an object with an "
                              "“identifier” or “@id”", i);
    }
  return TRUE;
}

/* One feature as a CAP message, its events not yet checked against Updates and Cancels. */
static PmCapMessage *
read_feature (JsonNode    *node,
              PmJsonPlace *at,
              GError     **error)
{
  g_autoptr(PmCapMessage) message = _pm_cap_message_new ();
  g_autoptr(PmEvent) event = g_new0 (PmEvent, 1);
  g_autoptr(GPtrArray) rings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autofree char *message_type = NULL;
  g_autofree char *status = NULL;
  g_autofree char *feature_id = NULL;
  g_autofree char *headline = NULL;
  g_autofree char *word = NULL;
  JsonObject *feature, *properties;
  JsonNode *member;
  gint64 effective = 0, expires = 0;
  gboolean found, have_effective, have_expires;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return _pm_json_fail (error, at, NULL, "expected a Feature object"), NULL;
  feature = json_node_get_object (node);
  member = json_object_get_member (feature, "properties");
  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    return _pm_json_fail (error, at, "properties", "expected an object"), NULL;
  properties = json_node_get_object (member);

  if (!_pm_json_optional_string (properties, "id", &message->id, at, error)
      || !_pm_json_optional_string (feature, "id", &feature_id, at, error))
    return NULL;
  if (message->id == NULL)
    message->id = g_steal_pointer (&feature_id);
  else
    message->alias = g_steal_pointer (&feature_id);
  if (message->id == NULL || *message->id == '\0')
    return _pm_json_fail (error, at, "id", "missing (in properties or on the feature)"), NULL;
  at->id = message->id;

  if (!_pm_json_optional_string (properties, "messageType", &message_type, at, error))
    return NULL;
  message->type = PM_CAP_ALERT;
  if (message_type != NULL && !_pm_cap_message_type_from_string (message_type, &message->type))
    return _pm_json_fail (error, at, "messageType", "“%s” is not Alert, Update, Cancel, Ack or "
                          "Error", message_type), NULL;
  /* Test, Exercise, System and Draft messages are not about real weather: they neither warn of
   * a hazard nor take one away. */
  if (!_pm_json_optional_string (properties, "status", &status, at, error))
    return NULL;
  if (status != NULL && g_ascii_strcasecmp (status, "Actual") != 0)
    message->type = PM_CAP_OTHER;
  if (!read_references (properties, message->references, at, error))
    return NULL;
  /* An Update or Cancel that names nothing has nothing to replace: the Update stands as an
   * alert, the Cancel is without effect. */
  if (message->type == PM_CAP_CANCEL || message->type == PM_CAP_OTHER)
    return g_steal_pointer (&message);

  event->kind = PM_EVENT_WEATHER;
  event->impact = PM_IMPACT_NO_IMPACT;
  if (!read_time (properties, "sent", &event->issued_s, &found, at, error))
    return NULL;
  if (!found)
    return _pm_json_fail (error, at, "sent", "missing (expected when the alert was issued)"),
           NULL;
  if (!read_time (properties, "effective", &effective, &have_effective, at, error)
      || !read_time (properties, "onset", &event->start_s, &found, at, error))
    return NULL;
  if (!found)
    event->start_s = have_effective ? effective : event->issued_s;
  if (!read_time (properties, "expires", &expires, &have_expires, at, error)
      || !read_time (properties, "ends", &event->end_s, &found, at, error))
    return NULL;
  if (!found && !have_expires)
    return _pm_json_fail (error, at, "ends", "missing, and no “expires” either"), NULL;
  if (!found)
    event->end_s = expires;
  if (event->end_s < event->start_s)
    return _pm_json_fail (error, at, found ? "ends" : "expires", "before the onset"), NULL;

  if (!_pm_json_optional_string (properties, "headline", &headline, at, error)
      || (headline == NULL
          && !_pm_json_optional_string (properties, "event", &headline, at, error)))
    return NULL;
  event->title = g_strdup (headline != NULL ? headline : "");

  event->severity = PM_SEVERITY_UNKNOWN;
  event->certainty = PM_CERTAINTY_UNKNOWN;
  event->urgency = PM_URGENCY_UNKNOWN;
  if (!_pm_json_optional_string (properties, "severity", &word, at, error))
    return NULL;
  if (word != NULL)
    event->severity = _pm_cap_severity_from_string (word);
  g_clear_pointer (&word, g_free);
  if (!_pm_json_optional_string (properties, "certainty", &word, at, error))
    return NULL;
  if (word != NULL)
    event->certainty = _pm_cap_certainty_from_string (word);
  g_clear_pointer (&word, g_free);
  if (!_pm_json_optional_string (properties, "urgency", &word, at, error))
    return NULL;
  if (word != NULL)
    event->urgency = _pm_cap_urgency_from_string (word);

  /* A null geometry is kept: an unlocated alert (a zone-based NWS warning) is still an alert a
   * user sees, it just exposes no segment. */
  member = json_object_get_member (feature, "geometry");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_OBJECT (member))
        return _pm_json_fail (error, at, "geometry", "expected a Polygon, a MultiPolygon or "
                              "null"), NULL;
      if (!read_geometry (json_node_get_object (member), rings, at, error))
        return NULL;
    }
  _pm_cap_message_add_areas (message, g_steal_pointer (&event), rings);
  return g_steal_pointer (&message);
}

GPtrArray *
pm_cap_geojson_parse (const char *text,
                      gsize       length,
                      const char *display_name,
                      GError    **error)
{
  const PmJsonPlace document = {
    .domain = G_IO_ERROR, .code = G_IO_ERROR_INVALID_DATA,
    .file = display_name, .entry = "feature", .index = -1,
  };
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, length);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  JsonNode *root, *member;
  JsonArray *features;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  parser = _pm_json_parse_bytes (bytes, display_name, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                 error);
  if (parser == NULL)
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return _pm_json_fail (error, &document, NULL, "expected a GeoJSON FeatureCollection"), NULL;
  member = json_object_get_member (json_node_get_object (root), "features");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    return _pm_json_fail (error, &document, "features", "expected an array"), NULL;
  features = json_node_get_array (member);

  messages = g_ptr_array_new_with_free_func ((GDestroyNotify) _pm_cap_message_free);
  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      PmJsonPlace at = document;
      PmCapMessage *message;

      at.index = (int) i;
      message = read_feature (json_array_get_element (features, i), &at, error);
      if (message == NULL)
        return NULL;
      g_ptr_array_add (messages, message);
    }
  return _pm_cap_resolve (messages);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       unix_s)
{
  g_autofree char *text = pm_rfc3339_format (unix_s);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

char *
pm_cap_geojson_write (const GPtrArray *events)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (events != NULL, NULL);

  json_builder_begin_object (builder);
  add_string (builder, "type", "FeatureCollection");
  json_builder_set_member_name (builder, "features");
  json_builder_begin_array (builder);
  for (guint i = 0; i < events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index ((GPtrArray *) events, i);
      const char *title = event->title != NULL ? event->title : "";

      if (event->kind != PM_EVENT_WEATHER)
        continue;
      json_builder_begin_object (builder);
      add_string (builder, "type", "Feature");
      add_string (builder, "id", event->id);
      json_builder_set_member_name (builder, "geometry");
      if (event->polygon != NULL && event->n_polygon > 0)
        {
          json_builder_begin_object (builder);
          add_string (builder, "type", "Polygon");
          json_builder_set_member_name (builder, "coordinates");
          json_builder_begin_array (builder);
          json_builder_begin_array (builder);
          /* GeoJSON rings are closed: the first position once more at the end, always, so that
           * the reader's dropping it gives back exactly this ring. */
          for (guint k = 0; k <= event->n_polygon; k++)
            {
              const PmLatLon *p = &event->polygon[k % event->n_polygon];

              json_builder_begin_array (builder);
              json_builder_add_double_value (builder, p->lon);
              json_builder_add_double_value (builder, p->lat);
              json_builder_end_array (builder);
            }
          json_builder_end_array (builder);
          json_builder_end_array (builder);
          json_builder_end_object (builder);
        }
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "properties");
      json_builder_begin_object (builder);
      add_string (builder, "id", event->id);
      add_string (builder, "event", title);
      add_string (builder, "headline", title);
      add_string (builder, "status", "Actual");
      add_string (builder, "messageType", "Alert");
      add_string (builder, "severity", pm_severity_to_string (event->severity));
      add_string (builder, "certainty", pm_certainty_to_string (event->certainty));
      add_string (builder, "urgency", pm_urgency_to_string (event->urgency));
      add_time (builder, "sent", event->issued_s);
      add_time (builder, "effective", event->issued_s);
      add_time (builder, "onset", event->start_s);
      add_time (builder, "expires", event->end_s);
      add_time (builder, "ends", event->end_s);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return _pm_json_builder_to_text (builder);
}
