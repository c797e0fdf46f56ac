/* pm-test-route-network.h: the small network the routing tests share: two ways from London to
 * Frankfurt (via Amsterdam, via Paris), Bristol hanging off London; crl originates at Frankfurt,
 * at-bri at Bristol.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

enum
{
  LON, AMS, FRA, PAR, BRI, N_SITES
};
enum
{
  LON_AMS, AMS_FRA, LON_PAR, PAR_FRA, BRI_LON, N_SEGMENTS
};
enum
{
  CRL, AT_BRI, N_RESOURCES
};

#define SITE(id, role, region, lon, lat)                                                          \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[" #lon "," #lat "]},"              \
  "'properties':{'id':'" id "','role':'" role "','region':'" region "'}}"
#define LINK(id, a, b)                                                                            \
  ",{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"             \
  "'properties':{'id':'" id "','a':'" a "','b':'" b "'}}"

#define NETWORK                                                                                   \
  "{'type':'FeatureCollection','features':["                                                      \
  SITE ("lon", "edge", "uk", -0.13, 51.51) ","                                                    \
  SITE ("ams", "edge", "nl", 4.90, 52.37) ","                                                     \
  SITE ("fra", "origin", "de", 8.68, 50.11) ","                                                   \
  SITE ("par", "edge", "fr", 2.35, 48.86) ","                                                     \
  SITE ("bri", "edge", "uk", -2.59, 51.45)                                                        \
  LINK ("lon--ams", "lon", "ams")                                                                 \
  LINK ("ams--fra", "ams", "fra")                                                                 \
  LINK ("lon--par", "lon", "par")                                                                 \
  LINK ("par--fra", "par", "fra")                                                                 \
  LINK ("bri--lon", "bri", "lon")                                                                 \
  "]}"

#define RESOURCES                                                                                 \
  "{'resources':["                                                                                \
  "{'id':'crl','size_bytes':1000,'criticality':4,'consistency':'eventual','origin':'fra'},"      \
  "{'id':'at-bri','size_bytes':1000,'criticality':4,'consistency':'eventual','origin':'bri'}"    \
  "]}"
