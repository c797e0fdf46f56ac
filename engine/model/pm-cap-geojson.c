/* pm-cap-geojson.c: CAP alerts as GeoJSON, through json-glib.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-cap-geojson.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "pm-json-private.h"
#include "pm-rfc3339.h"

static PmSeverity
severity_from_string (const char *text)
{
  for (PmSeverity s = PM_SEVERITY_EXTREME; s < PM_SEVERITY_UNKNOWN; s++)
    if (g_ascii_strcasecmp (text, pm_severity_to_string (s)) == 0)
      return s;
  return PM_SEVERITY_UNKNOWN;
}

static PmCertainty
certainty_from_string (const char *text)
{
  for (PmCertainty c = PM_CERTAINTY_OBSERVED; c < PM_CERTAINTY_UNKNOWN; c++)
    if (g_ascii_strcasecmp (text, pm_certainty_to_string (c)) == 0)
      return c;
  return PM_CERTAINTY_UNKNOWN;
}

static PmUrgency
urgency_from_string (const char *text)
{
  for (PmUrgency u = PM_URGENCY_IMMEDIATE; u < PM_URGENCY_UNKNOWN; u++)
    if (g_ascii_strcasecmp (text, pm_urgency_to_string (u)) == 0)
      return u;
  return PM_URGENCY_UNKNOWN;
}

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

/* The outer ring of a Polygon, lon/lat positions; the closing vertex (equal to the first) is
 * dropped, as PmEvent rings need none. */
static gboolean
read_polygon (JsonObject        *geometry,
              PmEvent           *event,
              const PmJsonPlace *at,
              GError           **error)
{
  g_autofree char *type = NULL;
  JsonNode *coordinates;
  JsonArray *rings, *ring;
  guint n;

  if (!_pm_json_optional_string (geometry, "type", &type, at, error))
    return FALSE;
  if (g_strcmp0 (type, "Polygon") != 0)
    return _pm_json_fail (error, at, "geometry", "expected a Polygon or null, not %s",
                          type != NULL ? type : "an object without a type");
  coordinates = json_object_get_member (geometry, "coordinates");
  if (coordinates == NULL || !JSON_NODE_HOLDS_ARRAY (coordinates)
      || json_array_get_length (rings = json_node_get_array (coordinates)) == 0
      || !JSON_NODE_HOLDS_ARRAY (json_array_get_element (rings, 0)))
    return _pm_json_fail (error, at, "geometry", "expected coordinates [[[lon, lat], …]]");
  ring = json_array_get_array_element (rings, 0);
  n = json_array_get_length (ring);
  if (n < 3)
    return _pm_json_fail (error, at, "geometry", "a ring needs at least 3 positions, got %u", n);

  event->polygon = g_new (PmLatLon, n);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (ring, i);
      JsonArray *position;
      double lon, lat;

      if (!JSON_NODE_HOLDS_ARRAY (node)
          || json_array_get_length (position = json_node_get_array (node)) < 2
          || !_pm_json_node_is_number (json_array_get_element (position, 0))
          || !_pm_json_node_is_number (json_array_get_element (position, 1)))
        return _pm_json_fail (error, at, "geometry", "position %u: expected [lon, lat]", i);
      lon = json_array_get_double_element (position, 0);
      lat = json_array_get_double_element (position, 1);
      if (!(fabs (lon) <= 180) || !(fabs (lat) <= 90))
        return _pm_json_fail (error, at, "geometry", "position %u: [%g, %g] is not a longitude "
                              "and latitude", i, lon, lat);
      event->polygon[i] = (PmLatLon) { .lat = lat, .lon = lon };
    }
  if (event->polygon[0].lat == event->polygon[n - 1].lat
      && event->polygon[0].lon == event->polygon[n - 1].lon)
    n--;
  event->n_polygon = n;
  return TRUE;
}

/* One feature; NULL with no error for a feature that carries no hazard (a Cancel). */
static PmEvent *
read_feature (JsonNode    *node,
              PmJsonPlace *at,
              GError     **error)
{
  g_autoptr(PmEvent) event = g_new0 (PmEvent, 1);
  g_autofree char *message_type = NULL;
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

  if (!_pm_json_optional_string (properties, "id", &event->id, at, error))
    return NULL;
  if (event->id == NULL && !_pm_json_optional_string (feature, "id", &event->id, at, error))
    return NULL;
  if (event->id == NULL || *event->id == '\0')
    return _pm_json_fail (error, at, "id", "missing (in properties or on the feature)"), NULL;
  at->id = event->id;

  if (!_pm_json_optional_string (properties, "messageType", &message_type, at, error))
    return NULL;
  if (g_strcmp0 (message_type, "Cancel") == 0)
    return NULL;

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
    event->severity = severity_from_string (word);
  g_clear_pointer (&word, g_free);
  if (!_pm_json_optional_string (properties, "certainty", &word, at, error))
    return NULL;
  if (word != NULL)
    event->certainty = certainty_from_string (word);
  g_clear_pointer (&word, g_free);
  if (!_pm_json_optional_string (properties, "urgency", &word, at, error))
    return NULL;
  if (word != NULL)
    event->urgency = urgency_from_string (word);

  member = json_object_get_member (feature, "geometry");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_OBJECT (member))
        return _pm_json_fail (error, at, "geometry", "expected a Polygon or null"), NULL;
      if (!read_polygon (json_node_get_object (member), event, at, error))
        return NULL;
    }
  return g_steal_pointer (&event);
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
  g_autoptr(GPtrArray) events = NULL;
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

  events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      PmJsonPlace at = document;
      g_autoptr(GError) local_error = NULL;
      PmEvent *event;

      at.index = (int) i;
      event = read_feature (json_array_get_element (features, i), &at, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (event != NULL)
        g_ptr_array_add (events, event);
    }
  return g_steal_pointer (&events);
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
