/* pm-cap-xml.c: CAP 1.2 XML alerts, through libxml2.
 *
 * Feeds come from the network, so the parser is told never to fetch anything (XML_PARSE_NONET,
 * no DTD loading) and never to substitute entities (no XML_PARSE_NOENT); a document with a
 * DOCTYPE is refused outright, as CAP has none and a DOCTYPE is where XXE and entity bombs live.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-cap-xml.h"

#include <gio/gio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <string.h>

#include "pm-cap-private.h"
#include "pm-error-private.h"
#include "pm-rfc3339.h"

#define CAP_1_2 "urn:oasis:names:tc:emergency:cap:1.2"
#define CAP_1_1 "urn:oasis:names:tc:emergency:cap:1.1"
/* Vertices of the polygon that stands for a CAP <circle>. */
#define CIRCLE_VERTICES 24

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlParserCtxt, xmlFreeParserCtxt)

typedef struct
{
  const char *file;
  int         index;  /* the alert in the document */
  const char *id;     /* its identifier once known */
} Place;

static gboolean G_GNUC_PRINTF (5, 6)
fail_at (GError           **error,
         const PmFilePlace *place,
         const char        *kind,
         const char        *name,
         const char        *format,
         ...)
{
  va_list args;

  va_start (args, format);
  _pm_fail_at_entry_valist (error, place, kind, name, format, args);
  va_end (args);
  return FALSE;
}

/* "FILE: alert N (“ID”): element “NAME”: line L: what". Always FALSE. */
static gboolean G_GNUC_PRINTF (4, 5)
cap_fail (GError       **error,
          const Place   *at,
          xmlNode       *element,
          const char    *format,
          ...)
{
  const PmFilePlace place = { G_IO_ERROR, G_IO_ERROR_INVALID_DATA, at->file, "alert",
                              at->index, at->id };
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (element != NULL)
    return fail_at (error, &place, "element", (const char *) element->name,
                                   "line %ld: %s", xmlGetLineNo (element), what);
  return fail_at (error, &place, NULL, NULL, "%s", what);
}

static gboolean
is_cap (xmlNode *node)
{
  return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL
         && (xmlStrEqual (node->ns->href, BAD_CAST CAP_1_2)
             || xmlStrEqual (node->ns->href, BAD_CAST CAP_1_1));
}

static gboolean
is_cap_element (xmlNode    *node,
                const char *name)
{
  return is_cap (node) && xmlStrEqual (node->name, BAD_CAST name);
}

/* The first CAP child element called name, or NULL. */
static xmlNode *
child (xmlNode    *parent,
       const char *name)
{
  for (xmlNode *node = parent->children; node != NULL; node = node->next)
    if (is_cap_element (node, name))
      return node;
  return NULL;
}

/* The text of an element, white space trimmed; NULL for a NULL element. */
static char *
text_of (xmlNode *element)
{
  xmlChar *content;
  char *text;

  if (element == NULL)
    return NULL;
  content = xmlNodeGetContent (element);
  text = g_strstrip (g_strdup (content != NULL ? (const char *) content : ""));
  xmlFree (content);
  return text;
}

/* A required child's text: FALSE with an error naming parent when it is absent or empty. */
static gboolean
required_text (xmlNode     *parent,
               const char  *name,
               char       **out,
               const Place *at,
               GError     **error)
{
  xmlNode *element = child (parent, name);

  *out = text_of (element);
  if (*out == NULL || **out == '\0')
    {
      g_clear_pointer (out, g_free);
      return cap_fail (error, at, element != NULL ? element : parent,
                       element != NULL ? "empty" : "no <%s> in it", name);
    }
  return TRUE;
}

/* An optional date-time child: *found says whether it was there. */
static gboolean
optional_time (xmlNode     *parent,
               const char  *name,
               gint64      *out,
               gboolean    *found,
               const Place *at,
               GError     **error)
{
  xmlNode *element = child (parent, name);
  g_autofree char *text = text_of (element);

  *found = FALSE;
  if (text == NULL)
    return TRUE;
  if (!pm_rfc3339_parse (text, out))
    return cap_fail (error, at, element, "“%s” is not a CAP date-time "
                     "(YYYY-MM-DDThh:mm:ss±hh:mm)", text);
  *found = TRUE;
  return TRUE;
}

/* "lat,lon" with both in range. */
static gboolean
parse_point (const char *text,
             PmLatLon   *p)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  char *end;

  if (g_strv_length (parts) != 2)
    return FALSE;
  p->lat = g_ascii_strtod (parts[0], &end);
  if (end == parts[0] || *end != '\0')
    return FALSE;
  p->lon = g_ascii_strtod (parts[1], &end);
  if (end == parts[1] || *end != '\0')
    return FALSE;
  return fabs (p->lat) <= 90 && fabs (p->lon) <= 180;
}

/* A CAP <polygon>: "lat,lon" pairs separated by white space, the first repeated at the end. */
static gboolean
read_polygon (xmlNode     *element,
              GPtrArray   *rings,
              const Place *at,
              GError     **error)
{
  g_autofree char *text = text_of (element);
  g_auto(GStrv) pairs = g_strsplit_set (text, " \t\r\n", -1);
  g_autoptr(GArray) ring = g_array_new (FALSE, FALSE, sizeof (PmLatLon));
  guint n = 0;

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      PmLatLon p;

      if (*pairs[i] == '\0')
        continue;
      if (!parse_point (pairs[i], &p))
        {
          g_auto(GStrv) parts = g_strsplit (pairs[i], ",", 2);
          g_autofree char *swapped = parts[0] != NULL && parts[1] != NULL
                                       ? g_strdup_printf ("%s,%s", parts[1], parts[0]) : NULL;
          PmLatLon q;

          /* The usual mistake: GeoJSON order, longitude first. */
          return cap_fail (error, at, element, "pair %u “%s” is not “latitude,longitude”%s", n,
                           pairs[i], swapped != NULL && parse_point (swapped, &q)
                                       ? " (CAP puts the latitude first)" : "");
        }
      g_array_append_val (ring, p);
      n++;
    }
  if (ring->len > 1
      && g_array_index (ring, PmLatLon, 0).lat == g_array_index (ring, PmLatLon, ring->len - 1).lat
      && g_array_index (ring, PmLatLon, 0).lon == g_array_index (ring, PmLatLon, ring->len - 1).lon)
    g_array_set_size (ring, ring->len - 1);
  if (ring->len < 3)
    return cap_fail (error, at, element, "a polygon needs at least 3 distinct points, got %u",
                     ring->len);
  g_ptr_array_add (rings, g_steal_pointer (&ring));
  return TRUE;
}

/* A CAP <circle> "lat,lon radius-km" as a polygon around it; a zero radius (a point) covers no
 * area and gives none. */
static gboolean
read_circle (xmlNode     *element,
             GPtrArray   *rings,
             const Place *at,
             GError     **error)
{
  g_autofree char *text = text_of (element);
  g_auto(GStrv) parts = g_strsplit_set (text, " \t\r\n", -1);
  g_autoptr(GArray) ring = NULL;
  const char *fields[2] = { NULL, NULL };
  guint n = 0;
  PmLatLon centre;
  double radius_km;
  char *end;

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      {
        if (n < 2)
          fields[n] = parts[i];
        n++;
      }
  if (n != 2 || !parse_point (fields[0], &centre))
    return cap_fail (error, at, element, "“%s” is not “latitude,longitude radius”", text);
  radius_km = g_ascii_strtod (fields[1], &end);
  if (end == fields[1] || *end != '\0' || !(radius_km >= 0) || radius_km > 5000)
    return cap_fail (error, at, element, "radius “%s” is not a distance in km", fields[1]);
  if (radius_km == 0)
    return TRUE;

  ring = g_array_sized_new (FALSE, FALSE, sizeof (PmLatLon), CIRCLE_VERTICES);
  for (guint i = 0; i < CIRCLE_VERTICES; i++)
    {
      double angle = 2 * G_PI * i / CIRCLE_VERTICES;
      double dlat = radius_km / PM_EARTH_RADIUS_KM * 180 / G_PI;
      double coslat = MAX (cos (centre.lat * G_PI / 180), 0.01);
      PmLatLon p = {
        .lat = CLAMP (centre.lat + dlat * cos (angle), -90, 90),
        .lon = centre.lon + dlat * sin (angle) / coslat,
      };

      g_array_append_val (ring, p);
    }
  g_ptr_array_add (rings, g_steal_pointer (&ring));
  return TRUE;
}

/* One <info>: its event, with a ring per polygon and circle of its areas, added to message. */
static gboolean
read_info (xmlNode      *info,
           gint64        sent,
           PmCapMessage *message,
           const Place  *at,
           GError      **error)
{
  g_autoptr(PmEvent) event = g_new0 (PmEvent, 1);
  g_autoptr(GPtrArray) rings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autofree char *name = NULL;
  g_autofree char *headline = NULL;
  g_autofree char *word = NULL;
  gint64 effective = 0;
  gboolean found, have_effective;

  /* CAP requires these four; without them nothing can be said about the hazard. */
  if (!required_text (info, "event", &name, at, error))
    return FALSE;
  event->kind = PM_EVENT_WEATHER;
  event->impact = PM_IMPACT_NO_IMPACT;
  event->issued_s = sent;
  if (!required_text (info, "urgency", &word, at, error))
    return FALSE;
  event->urgency = _pm_cap_urgency_from_string (word);
  g_clear_pointer (&word, g_free);
  if (!required_text (info, "severity", &word, at, error))
    return FALSE;
  event->severity = _pm_cap_severity_from_string (word);
  g_clear_pointer (&word, g_free);
  if (!required_text (info, "certainty", &word, at, error))
    return FALSE;
  event->certainty = _pm_cap_certainty_from_string (word);

  if (!optional_time (info, "effective", &effective, &have_effective, at, error)
      || !optional_time (info, "onset", &event->start_s, &found, at, error))
    return FALSE;
  if (!found)
    event->start_s = have_effective ? effective : sent;
  if (!optional_time (info, "expires", &event->end_s, &found, at, error))
    return FALSE;
  if (!found)
    return cap_fail (error, at, info, "no <expires> in it (expected when the hazard ends)");
  if (event->end_s < event->start_s)
    return cap_fail (error, at, child (info, "expires"), "before the onset");

  headline = text_of (child (info, "headline"));
  event->title = g_strdup (headline != NULL && *headline != '\0' ? headline : name);

  for (xmlNode *area = info->children; area != NULL; area = area->next)
    {
      if (!is_cap_element (area, "area"))
        continue;
      for (xmlNode *shape = area->children; shape != NULL; shape = shape->next)
        {
          if (is_cap_element (shape, "polygon") && !read_polygon (shape, rings, at, error))
            return FALSE;
          if (is_cap_element (shape, "circle") && !read_circle (shape, rings, at, error))
            return FALSE;
        }
    }
  /* An area given only as zone codes (<geocode>) is kept, unlocated: a user still sees it. */
  _pm_cap_message_add_areas (message, g_steal_pointer (&event), rings);
  return TRUE;
}

static PmCapMessage *
read_alert (xmlNode *alert,
            Place   *at,
            GError **error)
{
  g_autoptr(PmCapMessage) message = _pm_cap_message_new ();
  g_autofree char *status = NULL;
  g_autofree char *type = NULL;
  g_autofree char *references = NULL;
  g_autofree char *language = NULL;
  xmlNode *element;
  gint64 sent;
  gboolean found;

  if (!required_text (alert, "identifier", &message->id, at, error))
    return NULL;
  at->id = message->id;
  if (!optional_time (alert, "sent", &sent, &found, at, error))
    return NULL;
  if (!found)
    return cap_fail (error, at, alert, "no <sent> in it (expected when the alert was sent)"),
           NULL;
  if (!required_text (alert, "status", &status, at, error)
      || !required_text (alert, "msgType", &type, at, error))
    return NULL;
  if (!_pm_cap_message_type_from_string (type, &message->type))
    return cap_fail (error, at, child (alert, "msgType"), "“%s” is not Alert, Update, Cancel, "
                     "Ack or Error", type), NULL;

  element = child (alert, "references");
  references = text_of (element);
  if (references != NULL && !_pm_cap_add_references (references, message->references))
    return cap_fail (error, at, element, "expected “sender,identifier,sent” entries separated "
                     "by spaces"), NULL;
  /* An Update or Cancel that names nothing has nothing to replace: the Update stands as an
   * alert, the Cancel is without effect. */
  /* Test, Exercise, System and Draft messages are not about real weather: they neither warn of
   * a hazard nor take one away. */
  if (g_ascii_strcasecmp (status, "Actual") != 0)
    message->type = PM_CAP_OTHER;
  if (message->type == PM_CAP_CANCEL || message->type == PM_CAP_OTHER)
    return g_steal_pointer (&message);

  for (xmlNode *info = alert->children; info != NULL; info = info->next)
    {
      g_autofree char *info_language = NULL;

      if (!is_cap_element (info, "info"))
        continue;
      /* Several <info>s in several languages say the same thing; reading them all would count
       * one storm as many. */
      info_language = text_of (child (info, "language"));
      if (info_language == NULL || *info_language == '\0')
        {
          g_free (info_language);
          info_language = g_strdup ("en-US");
        }
      if (language == NULL)
        language = g_strdup (info_language);
      else if (g_ascii_strcasecmp (language, info_language) != 0)
        continue;
      if (!read_info (info, sent, message, at, error))
        return NULL;
    }
  if (message->events->len == 0)
    return cap_fail (error, at, alert, "no <info> in it (an %s says what the hazard is)",
                     type), NULL;
  return g_steal_pointer (&message);
}

/* Every CAP <alert> at or under node, in document order (a wrapper may hold several). */
static void
collect_alerts (xmlNode   *node,
                GPtrArray *alerts)
{
  for (; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (is_cap_element (node, "alert"))
        g_ptr_array_add (alerts, node);
      else
        collect_alerts (node->children, alerts);
    }
}

GPtrArray *
pm_cap_xml_parse (const char *text,
                  gsize       length,
                  const char *display_name,
                  GError    **error)
{
  static gsize initialised = 0;
  g_autoptr(xmlParserCtxt) context = NULL;
  g_autoptr(xmlDoc) document = NULL;
  g_autoptr(GPtrArray) alerts = g_ptr_array_new ();
  g_autoptr(GPtrArray) messages = NULL;
  Place at = { display_name, -1, NULL };
  xmlNode *root;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  if (g_once_init_enter (&initialised))
    {
      xmlInitParser ();
      g_once_init_leave (&initialised, 1);
    }
  if (length > G_MAXINT)
    return cap_fail (error, &at, NULL, "too large for an alert feed (%" G_GSIZE_FORMAT
                     " bytes)", length), NULL;

  context = xmlNewParserCtxt ();
  if (context == NULL)
    return cap_fail (error, &at, NULL, "out of memory"), NULL;
  document = xmlCtxtReadMemory (context, text, (int) length, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
                                | XML_PARSE_NOCDATA);
  if (document == NULL || !context->wellFormed)
    {
      const xmlError *xml_error = xmlCtxtGetLastError (context);
      g_autofree char *message = NULL;

      if (xml_error == NULL || xml_error->message == NULL)
        return cap_fail (error, &at, NULL, "not well-formed XML"), NULL;
      message = g_strstrip (g_strdup (xml_error->message));
      return cap_fail (error, &at, NULL, "line %d: not well-formed XML: %s", xml_error->line,
                       message), NULL;
    }
  if (document->intSubset != NULL || document->extSubset != NULL)
    return cap_fail (error, &at, NULL, "has a DOCTYPE; CAP documents have none, and its "
                     "entities are not read"), NULL;

  root = xmlDocGetRootElement (document);
  if (root == NULL)
    return cap_fail (error, &at, NULL, "no root element"), NULL;
  collect_alerts (root, alerts);
  if (alerts->len == 0)
    return cap_fail (error, &at, NULL, "no CAP alert: the root element is <%s>%s%s, expected "
                     "<alert xmlns=\"" CAP_1_2 "\">", (const char *) root->name,
                     root->ns != NULL ? " in " : " without a namespace",
                     root->ns != NULL ? (const char *) root->ns->href : ""), NULL;

  messages = g_ptr_array_new_with_free_func ((GDestroyNotify) _pm_cap_message_free);
  for (guint i = 0; i < alerts->len; i++)
    {
      PmCapMessage *message;

      at.index = (int) i;
      at.id = NULL;
      message = read_alert (g_ptr_array_index (alerts, i), &at, error);
      if (message == NULL)
        return NULL;
      g_ptr_array_add (messages, message);
    }
  return _pm_cap_resolve (messages);
}
