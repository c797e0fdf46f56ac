/* pm-cap-private.h: what the two CAP readers (GeoJSON and XML) share: the CAP 1.2 words, and
 * the rule by which Update and Cancel messages take earlier alerts away.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-event.h"

G_BEGIN_DECLS

typedef enum
{
  PM_CAP_ALERT,
  PM_CAP_UPDATE,
  PM_CAP_CANCEL,
  PM_CAP_OTHER,   /* Ack and Error: they answer a message and carry no hazard */
} PmCapMessageType;

/* One CAP message as read, before Update and Cancel messages are applied. */
typedef struct
{
  char            *id;          /* the identifier */
  char            *alias;       /* another name the alert goes by (a feature's URL), or NULL */
  PmCapMessageType type;
  GPtrArray       *references;  /* char *: identifiers of the messages this one updates */
  GPtrArray       *events;      /* PmEvent: one per polygon, or one unlocated */
} PmCapMessage;

PmCapMessage    *_pm_cap_message_new          (void);
void             _pm_cap_message_free         (PmCapMessage *message);

PmSeverity       _pm_cap_severity_from_string  (const char *text);
PmCertainty      _pm_cap_certainty_from_string (const char *text);
PmUrgency        _pm_cap_urgency_from_string   (const char *text);
/* Alert, Update, Cancel, Ack or Error; FALSE for anything else. */
gboolean         _pm_cap_message_type_from_string (const char       *text,
                                                   PmCapMessageType *type);

/* Adds the identifiers of a CAP references list ("sender,identifier,sent" triples separated by
 * white space) to out. FALSE when an entry is not such a triple. */
gboolean         _pm_cap_add_references       (const char *text,
                                               GPtrArray  *out);

/* Gives message one event per ring of rings (GPtrArray of GArray of PmLatLon), copies of base
 * (which it then frees), or base itself, unlocated, when rings is empty. */
void             _pm_cap_message_add_areas    (PmCapMessage *message,
                                               PmEvent      *base,
                                               GPtrArray    *rings);

/* The events of the messages that still stand: a message referenced by an Update or a Cancel
 * anywhere in the document is superseded, whatever the order (NWS lists newest first), and a
 * Cancel, Ack or Error itself carries no hazard. A message with several polygons gives one
 * event per polygon, with ids "ID#1", "ID#2", …; one with a single polygon (or none) keeps its
 * identifier. Takes the events out of messages. */
GPtrArray       *_pm_cap_resolve              (GPtrArray *messages);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmCapMessage, _pm_cap_message_free)

G_END_DECLS
