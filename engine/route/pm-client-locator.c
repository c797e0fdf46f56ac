/* pm-client-locator.c: the nearest site through a static k-d tree over the sites' points on the
 * unit sphere, and longest-prefix match through one hash table of masked prefixes per address
 * family, probed from the longest length present down.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-client-locator.h"

#include <math.h>
#include <string.h>

/* A site as a point of the unit sphere. The chord between two points grows monotonically with
 * the arc between them, so the nearest point in 3-D Euclidean distance is the nearest by
 * great-circle distance, and a k-d tree finds it exactly with no special case at the
 * antimeridian or the poles. */
typedef struct
{
  double v[3];
  guint  site;
  guint  axis;  /* the coordinate the subtree rooted here is split on */
} KdNode;

/* A prefix, its address a 128-bit number in two words (IPv4 in the top 32 bits of hi) with the
 * host bits cleared: masking an address to a length is then a shift, and comparing two compares. */
typedef struct
{
  guint64 hi;
  guint64 lo;
  guint   length;  /* 0 … 32 for IPv4, 0 … 128 for IPv6 */
  int     site;    /* -1: an empty slot */
  guint   line;    /* in the client map, to name both lines when a prefix is repeated */
} Prefix;

/* The prefixes of one family in one open-addressing table keyed on (length, masked address),
 * probed once per length present from the longest down: a handful of multiplies and a compare
 * per probe, no pointer chasing, nothing allocated. */
typedef struct
{
  Prefix *slots;        /* linear probing, at most half full */
  guint   slot_mask;    /* number of slots − 1: a power of two */
  guint   n_prefixes;
  guint   n_lengths;
  guint8  lengths[129]; /* the lengths present, longest first */
} Family;

struct _PmClientLocator
{
  KdNode *nodes;    /* tree order: the subtree [lo, hi) has its root at lo + (hi - lo) / 2 */
  guint   n_nodes;
  Family  ipv4;
  Family  ipv6;
};

typedef struct
{
  double d2;        /* squared chord */
  guint  site;
} Nearest;

G_DEFINE_QUARK (pm-client-locator-error-quark, pm_client_locator_error)

static void
to_unit_vector (double lat,
                double lon,
                double v[3])
{
  double phi = lat * (G_PI / 180.0);
  double lambda = lon * (G_PI / 180.0);
  double c = cos (phi);

  v[0] = c * cos (lambda);
  v[1] = c * sin (lambda);
  v[2] = sin (phi);
}

static void
swap_nodes (KdNode *nodes,
            guint   i,
            guint   j)
{
  KdNode t = nodes[i];

  nodes[i] = nodes[j];
  nodes[j] = t;
}

static double
median_of_three (double a,
                 double b,
                 double c)
{
  if (a > b)
    {
      double t = a;
      a = b;
      b = t;
    }
  return c <= a ? a : c >= b ? b : c;
}

/* Puts the node of rank nth along axis at nth, smaller ones before and larger ones after.
 * Three-way partitioning keeps it linear when many sites share a coordinate (sites in one
 * building, or a topology where every site sits at the same placeholder location). */
static void
select_nth (KdNode *nodes,
            guint   lo,
            guint   hi,
            guint   nth,
            guint   axis)
{
  while (hi - lo > 1)
    {
      double pivot = median_of_three (nodes[lo].v[axis], nodes[lo + (hi - lo) / 2].v[axis],
                                      nodes[hi - 1].v[axis]);
      guint lt = lo, i = lo, gt = hi;

      while (i < gt)
        {
          double x = nodes[i].v[axis];

          if (x < pivot)
            swap_nodes (nodes, lt++, i++);
          else if (x > pivot)
            swap_nodes (nodes, i, --gt);
          else
            i++;
        }
      if (nth < lt)
        hi = lt;
      else if (nth >= gt)
        lo = gt;
      else
        return;
    }
}

/* Splits on the coordinate of widest spread: sites cluster on continents, and cycling x, y, z
 * would waste levels on directions in which a cluster is flat. */
static void
build_tree (KdNode *nodes,
            guint   lo,
            guint   hi)
{
  double min[3] = { INFINITY, INFINITY, INFINITY };
  double max[3] = { -INFINITY, -INFINITY, -INFINITY };
  guint mid = lo + (hi - lo) / 2;
  guint axis = 0;

  if (hi - lo <= 1)
    return;
  for (guint i = lo; i < hi; i++)
    for (guint k = 0; k < 3; k++)
      {
        min[k] = MIN (min[k], nodes[i].v[k]);
        max[k] = MAX (max[k], nodes[i].v[k]);
      }
  for (guint k = 1; k < 3; k++)
    if (max[k] - min[k] > max[axis] - min[axis])
      axis = k;
  select_nth (nodes, lo, hi, mid, axis);
  nodes[mid].axis = axis;
  build_tree (nodes, lo, mid);
  build_tree (nodes, mid + 1, hi);
}

/* Nodes before a root are ≤ it along its axis and nodes after are ≥, so the squared distance to
 * the splitting plane bounds every distance on the far side from below. That bound holds for
 * the rounded distances too (rounding is monotonic and the terms are non-negative), which is why
 * the pruning is exact; it is strict so that a far-side site at exactly the best distance is
 * still visited, as ties go to the lowest site index. */
static void
search_tree (const KdNode *nodes,
             guint         lo,
             guint         hi,
             const double  q[3],
             Nearest      *best)
{
  while (hi > lo)
    {
      guint mid = lo + (hi - lo) / 2;
      const KdNode *node = &nodes[mid];
      double dx = q[0] - node->v[0];
      double dy = q[1] - node->v[1];
      double dz = q[2] - node->v[2];
      double d2 = dx * dx + dy * dy + dz * dz;
      double plane;

      if (d2 < best->d2 || (d2 == best->d2 && node->site < best->site))
        {
          best->d2 = d2;
          best->site = node->site;
        }
      if (hi - lo == 1)
        return;
      plane = q[node->axis] - node->v[node->axis];
      if (plane < 0)
        {
          search_tree (nodes, lo, mid, q, best);
          if (plane * plane > best->d2)
            return;
          lo = mid + 1;
        }
      else
        {
          search_tree (nodes, mid + 1, hi, q, best);
          if (plane * plane > best->d2)
            return;
          hi = mid;
        }
    }
}

static void
mask_to (guint64  hi,
         guint64  lo,
         guint    length,
         guint64 *masked_hi,
         guint64 *masked_lo)
{
  *masked_hi = length == 0 ? 0 : length >= 64 ? hi : hi & (G_MAXUINT64 << (64 - length));
  *masked_lo = length <= 64 ? 0 : length == 128 ? lo : lo & (G_MAXUINT64 << (128 - length));
}

static guint
prefix_hash (guint64 hi,
             guint64 lo,
             guint   length)
{
  guint64 h = hi * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)
              ^ (lo + length) * G_GUINT64_CONSTANT (0xc2b2ae3d27d4eb4f);

  h ^= h >> 32;
  h *= G_GUINT64_CONSTANT (0xd6e8feb86659fd93);
  return (guint) (h ^ (h >> 32));
}

/* The slot holding the prefix, or the empty slot where it would go. */
static Prefix *
family_slot (const Family *family,
             guint64       hi,
             guint64       lo,
             guint         length)
{
  for (guint i = prefix_hash (hi, lo, length) & family->slot_mask;; i = (i + 1) & family->slot_mask)
    {
      Prefix *slot = &family->slots[i];

      if (slot->site < 0 || (slot->hi == hi && slot->lo == lo && slot->length == length))
        return slot;
    }
}

static void
family_init (Family *family,
             guint   n_slots)
{
  family->slots = g_new (Prefix, n_slots);
  family->slot_mask = n_slots - 1;
  for (guint i = 0; i < n_slots; i++)
    family->slots[i].site = -1;
}

static void
family_add (Family       *family,
            const Prefix *prefix)
{
  if (2 * (family->n_prefixes + 1) > family->slot_mask + 1)
    {
      Prefix *old = family->slots;
      guint n_old = family->slot_mask + 1;

      family_init (family, 2 * n_old);
      for (guint i = 0; i < n_old; i++)
        if (old[i].site >= 0)
          *family_slot (family, old[i].hi, old[i].lo, old[i].length) = old[i];
      g_free (old);
    }
  *family_slot (family, prefix->hi, prefix->lo, prefix->length) = *prefix;
  family->n_prefixes++;
}

static void
family_index_lengths (Family *family)
{
  gboolean present[129] = { FALSE };

  for (guint i = 0; i <= family->slot_mask; i++)
    if (family->slots[i].site >= 0)
      present[family->slots[i].length] = TRUE;
  family->n_lengths = 0;
  for (int length = 128; length >= 0; length--)
    if (present[length])
      family->lengths[family->n_lengths++] = (guint8) length;
}

static int
family_lookup (const Family *family,
               guint64       hi,
               guint64       lo,
               guint        *prefix_length)
{
  for (guint i = 0; i < family->n_lengths; i++)
    {
      const Prefix *slot;
      guint64 masked_hi, masked_lo;

      mask_to (hi, lo, family->lengths[i], &masked_hi, &masked_lo);
      slot = family_slot (family, masked_hi, masked_lo, family->lengths[i]);
      if (slot->site >= 0)
        {
          if (prefix_length != NULL)
            *prefix_length = slot->length;
          return slot->site;
        }
    }
  return -1;
}

/* The number of leading bits two 128-bit values share. */
static guint
common_prefix_length (guint64 a_hi,
                      guint64 a_lo,
                      guint64 b_hi,
                      guint64 b_lo)
{
  if (a_hi != b_hi)
    return (guint) __builtin_clzll (a_hi ^ b_hi);
  if (a_lo != b_lo)
    return 64 + (guint) __builtin_clzll (a_lo ^ b_lo);
  return 128;
}

/* The shortest length L, at least matched_length, such that no prefix mapping elsewhere than
 * site lies inside the block of the address's first L bits: an answer for the address then
 * holds for the whole block. A scan of every prefix: run per DNS answer, whose cost is the
 * network's, not per routing decision. */
static guint
family_scope (const Family *family,
              guint64       hi,
              guint64       lo,
              guint         matched_length,
              int           site,
              guint         max_length)
{
  guint scope = matched_length;

  for (guint i = 0; i <= family->slot_mask; i++)
    {
      const Prefix *prefix = &family->slots[i];
      guint shared;

      if (prefix->site < 0 || prefix->site == site || prefix->length <= matched_length)
        continue;
      shared = common_prefix_length (hi, lo, prefix->hi, prefix->lo);
      /* Inside the matched block but not holding the address (it would be the match). */
      if (shared >= matched_length && shared < prefix->length)
        scope = MAX (scope, MIN (shared + 1, max_length));
    }
  return scope;
}

static guint64
read_be64 (const guint8 *bytes)
{
  guint64 v;

  memcpy (&v, bytes, sizeof v);
  return GUINT64_FROM_BE (v);
}

static guint64
read_be32_high (const guint8 *bytes)
{
  guint32 v;

  memcpy (&v, bytes, sizeof v);
  return (guint64) GUINT32_FROM_BE (v) << 32;
}

/* Whether the 16 bytes are an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
static gboolean
is_mapped_ipv4 (const guint8 *bytes)
{
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  return memcmp (bytes, mapped, sizeof mapped) == 0;
}

/* Parses "ADDRESS[/LENGTH]" into a prefix with its host bits cleared. Not with GInetAddressMask:
 * it refuses an address with bits set past the length, and a map written as "192.0.2.77/24"
 * means 192.0.2.0/24 plainly enough to accept. An IPv4-mapped IPv6 prefix of /96 or longer
 * becomes the IPv4 prefix it covers, since mapped addresses are looked up as IPv4 and would
 * otherwise never reach it. */
static gboolean
parse_prefix (const char *text,
              Prefix     *prefix,
              gboolean   *is_ipv4)
{
  const char *slash = strchr (text, '/');
  g_autofree char *address_text = slash != NULL ? g_strndup (text, slash - text) : g_strdup (text);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (address_text);
  const guint8 *bytes;
  guint64 hi, lo;
  guint n_bits;
  guint64 length;

  if (address == NULL)
    return FALSE;
  n_bits = (guint) g_inet_address_get_native_size (address) * 8;
  if (slash == NULL)
    length = n_bits;
  else if (!g_ascii_string_to_unsigned (slash + 1, 10, 0, n_bits, &length, NULL))
    return FALSE;

  bytes = g_inet_address_to_bytes (address);
  if (n_bits == 128 && length >= 96 && is_mapped_ipv4 (bytes))
    {
      bytes += 12;
      n_bits = 32;
      length -= 96;
    }
  hi = n_bits == 32 ? read_be32_high (bytes) : read_be64 (bytes);
  lo = n_bits == 32 ? 0 : read_be64 (bytes + 8);
  prefix->length = (guint) length;
  mask_to (hi, lo, (guint) length, &prefix->hi, &prefix->lo);
  *is_ipv4 = n_bits == 32;
  return TRUE;
}

static char *
prefix_to_string (const Prefix *prefix,
                  gboolean      is_ipv4)
{
  guint64 words[2] = { GUINT64_TO_BE (prefix->hi), GUINT64_TO_BE (prefix->lo) };
  g_autoptr(GInetAddress) address =
    g_inet_address_new_from_bytes ((const guint8 *) words,
                                   is_ipv4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
  g_autofree char *text = g_inet_address_to_string (address);

  return g_strdup_printf ("%s/%u", text, prefix->length);
}

static guint
split_fields (char  *line,
              char **fields,
              guint  max_fields)
{
  guint n = 0;

  for (char *p = line; *p != '\0' && n <= max_fields;)
    {
      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;
      fields[n++] = p;
      while (*p != '\0' && !g_ascii_isspace (*p))
        p++;
      if (*p != '\0')
        *p++ = '\0';
    }
  return n;
}

static gboolean
fail_at_line (GError    **error,
              int         code,
              const char *path,
              guint       line,
              const char *format,
              ...) G_GNUC_PRINTF (5, 6);

static gboolean
fail_at_line (GError    **error,
              int         code,
              const char *path,
              guint       line,
              const char *format,
              ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PM_CLIENT_LOCATOR_ERROR, code, "%s:%u: %s", path, line, what);
  return FALSE;
}

static gboolean
load_line (PmClientLocator *self,
           PmTopology      *topology,
           const char      *path,
           guint            line_number,
           char            *line,
           GError         **error)
{
  Prefix prefix = { 0 };
  char *comment = strchr (line, '#');
  g_autofree char *text = NULL;  /* the line as written, for messages */
  char *fields[3];
  gboolean is_ipv4;
  Family *family;
  const Prefix *previous;
  int site;

  if (comment != NULL)
    *comment = '\0';
  g_strstrip (line);
  if (*line == '\0')
    return TRUE;
  text = g_strdup (line);
  if (split_fields (line, fields, 2) != 2)
    {
      g_autofree char *shown = g_utf8_make_valid (text, -1);
      return fail_at_line (error, PM_CLIENT_LOCATOR_ERROR_PARSE, path, line_number,
                           "expected “CIDR SITE”, found “%s”", shown);
    }

  if (!parse_prefix (fields[0], &prefix, &is_ipv4))
    {
      g_autofree char *shown = g_utf8_make_valid (fields[0], -1);
      return fail_at_line (error, PM_CLIENT_LOCATOR_ERROR_PARSE, path, line_number,
                           "“%s” is not a CIDR prefix", shown);
    }
  site = pm_topology_lookup_site (topology, fields[1]);
  if (site < 0)
    {
      g_autofree char *shown = g_utf8_make_valid (fields[1], -1);
      return fail_at_line (error, PM_CLIENT_LOCATOR_ERROR_SITE, path, line_number,
                           "no site “%s” in the topology", shown);
    }

  /* A repeated prefix is refused rather than overridden: in a file of thousands of lines it is
   * almost always a mistake, and which of the two sites was meant is for the operator to say. */
  family = is_ipv4 ? &self->ipv4 : &self->ipv6;
  previous = family_slot (family, prefix.hi, prefix.lo, prefix.length);
  if (previous->site >= 0)
    {
      g_autofree char *shown = g_utf8_make_valid (fields[0], -1);
      g_autofree char *canonical = prefix_to_string (previous, is_ipv4);
      return fail_at_line (error, PM_CLIENT_LOCATOR_ERROR_PARSE, path, line_number,
                           "“%s” repeats the prefix %s of line %u", shown, canonical,
                           previous->line);
    }
  prefix.site = site;
  prefix.line = line_number;
  family_add (family, &prefix);
  return TRUE;
}

static gboolean
load_client_map (PmClientLocator *self,
                 PmTopology      *topology,
                 const char      *path,
                 GError         **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length;
  const char *nul;

  /* The file error already names the path ("Failed to open file “…”: …"). */
  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;
  nul = memchr (contents, '\0', length);
  if (nul != NULL)
    {
      guint line = 1;

      for (const char *p = contents; p < nul; p++)
        line += *p == '\n';
      return fail_at_line (error, PM_CLIENT_LOCATOR_ERROR_PARSE, path, line,
                           "a NUL byte: this is not a text file");
    }

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (!load_line (self, topology, path, i + 1, lines[i], error))
      return FALSE;
  family_index_lengths (&self->ipv4);
  family_index_lengths (&self->ipv6);
  return TRUE;
}

PmClientLocator *
pm_client_locator_new (PmTopology *topology,
                       const char *client_map_path,
                       GError    **error)
{
  g_autoptr(PmClientLocator) self = NULL;

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (PmClientLocator, 1);
  family_init (&self->ipv4, 8);
  family_init (&self->ipv6, 8);

  self->n_nodes = pm_topology_get_n_sites (topology);
  self->nodes = g_new0 (KdNode, MAX (self->n_nodes, 1));
  for (guint i = 0; i < self->n_nodes; i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);

      to_unit_vector (site->location.lat, site->location.lon, self->nodes[i].v);
      self->nodes[i].site = i;
    }
  build_tree (self->nodes, 0, self->n_nodes);

  if (client_map_path != NULL && !load_client_map (self, topology, client_map_path, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
pm_client_locator_free (PmClientLocator *self)
{
  if (self == NULL)
    return;
  g_free (self->ipv4.slots);
  g_free (self->ipv6.slots);
  g_free (self->nodes);
  g_free (self);
}

int
pm_client_locator_nearest (PmClientLocator *self,
                           double           lat,
                           double           lon)
{
  Nearest best = { INFINITY, G_MAXUINT };
  double q[3];

  g_return_val_if_fail (self != NULL, -1);

  if (self->n_nodes == 0)
    return -1;
  to_unit_vector (lat, lon, q);
  search_tree (self->nodes, 0, self->n_nodes, q, &best);
  return (int) best.site;
}

int
pm_client_locator_lookup (PmClientLocator *self,
                          GInetAddress    *address,
                          guint           *prefix_length)
{
  const guint8 *bytes;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), -1);

  if (prefix_length != NULL)
    *prefix_length = 0;
  bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    return family_lookup (&self->ipv4, read_be32_high (bytes), 0, prefix_length);
  if (is_mapped_ipv4 (bytes))
    return family_lookup (&self->ipv4, read_be32_high (bytes + 12), 0, prefix_length);
  return family_lookup (&self->ipv6, read_be64 (bytes), read_be64 (bytes + 8), prefix_length);
}

int
pm_client_locator_lookup_scope (PmClientLocator *self,
                                GInetAddress    *address,
                                guint           *prefix_length,
                                guint           *scope)
{
  const Family *family = &self->ipv6;
  const guint8 *bytes;
  guint64 hi, lo = 0;
  guint matched = 0, max_length = 128;
  int site;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), -1);
  g_return_val_if_fail (scope != NULL, -1);

  bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4 || is_mapped_ipv4 (bytes))
    {
      family = &self->ipv4;
      hi = read_be32_high (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4 ? bytes
                                                                                        : bytes + 12);
      max_length = 32;
    }
  else
    {
      hi = read_be64 (bytes);
      lo = read_be64 (bytes + 8);
    }
  site = family_lookup (family, hi, lo, &matched);
  if (site < 0)
    matched = 0;
  if (prefix_length != NULL)
    *prefix_length = matched;
  *scope = family_scope (family, hi, lo, matched, site, max_length);
  return site;
}

guint
pm_client_locator_get_n_prefixes (PmClientLocator *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->ipv4.n_prefixes + self->ipv6.n_prefixes;
}
