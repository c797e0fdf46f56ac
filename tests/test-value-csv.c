/* test-value-csv.c: reading `timestamp,value` series: the accepted time forms, missing values,
 * and errors that name the file, the line and the field.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "pm-test-util.h"
#include "predict/pm-value-csv.h"

static void
test_value_csv_times (void)
{
  double t;

  g_assert_true (pm_value_csv_parse_time ("1970-01-01 00:00:00", &t));
  g_assert_cmpfloat (t, ==, 0);
  g_assert_true (pm_value_csv_parse_time ("2014-02-14 14:30:00", &t));
  g_assert_cmpfloat (t, ==, 1392388200);
  g_assert_true (pm_value_csv_parse_time ("2014-02-26 13:45:00.000000", &t));
  g_assert_cmpfloat (t, ==, 1393422300);
  g_assert_true (pm_value_csv_parse_time ("2014-02-14T14:30:00Z", &t));
  g_assert_cmpfloat (t, ==, 1392388200);
  g_assert_true (pm_value_csv_parse_time ("2014-02-14T16:30:00+02:00", &t));
  g_assert_cmpfloat (t, ==, 1392388200);
  g_assert_true (pm_value_csv_parse_time ("2014-02-14T14:30:00.5Z", &t));
  g_assert_cmpfloat (t, ==, 1392388200.5);
  g_assert_true (pm_value_csv_parse_time ("2000-02-29 00:00", &t));
  g_assert_true (pm_value_csv_parse_time ("1392388200", &t));
  g_assert_cmpfloat (t, ==, 1392388200);
  g_assert_true (pm_value_csv_parse_time ("1392388200.25", &t));
  g_assert_cmpfloat (t, ==, 1392388200.25);

  g_assert_false (pm_value_csv_parse_time ("", &t));
  g_assert_false (pm_value_csv_parse_time ("yesterday", &t));
  g_assert_false (pm_value_csv_parse_time ("2014-02-30 00:00:00", &t));
  g_assert_false (pm_value_csv_parse_time ("2014-13-01 00:00:00", &t));
  g_assert_false (pm_value_csv_parse_time ("2014-02-14 24:00:00", &t));
  g_assert_false (pm_value_csv_parse_time ("2014-02-14 14:30:00 junk", &t));
  g_assert_false (pm_value_csv_parse_time ("1e9", &t));
  g_assert_false (pm_value_csv_parse_time ("inf", &t));
}

static void
test_value_csv_parse (void)
{
  static const char text[] =
    "\xEF\xBB\xBFtimestamp,value\r\n"
    "2014-02-14 14:30:00,0.132\r\n"
    "2014-02-14 14:35:00,\r\n"
    "\r\n"
    "2014-02-14 14:40:00, -1.5e3 \r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(PmValueSeries) series = pm_value_series_parse ("mem.csv", text, strlen (text),
                                                           &error);

  g_assert_no_error (error);
  g_assert_cmpuint (series->n_rows, ==, 3);
  g_assert_cmpstr (series->timestamps[0], ==, "2014-02-14 14:30:00");
  g_assert_cmpstr (series->texts[0], ==, "0.132");
  g_assert_cmpfloat (series->values[0], ==, 0.132);
  g_assert_true (isnan (series->values[1]));
  g_assert_cmpstr (series->texts[1], ==, "");
  g_assert_cmpfloat (series->values[2], ==, -1500);
  g_assert_cmpuint (series->lines[2], ==, 5);
  g_assert_cmpfloat (series->times_s[2] - series->times_s[0], ==, 600);
  g_assert_true (pm_value_series_check_ordered (series, &error));
}

static void
assert_parse_error (const char *text,
                    const char *where,
                    const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmValueSeries) series = pm_value_series_parse ("/data/cpu.csv", text, strlen (text),
                                                           &error);

  g_assert_null (series);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  if (!g_str_has_prefix (error->message, where) || strstr (error->message, what) == NULL)
    g_error ("unexpected message “%s” (expected “%s…%s…”)", error->message, where, what);
}

static void
test_value_csv_errors (void)
{
  assert_parse_error ("time,value\n2014-02-14 14:30:00,1\n", "/data/cpu.csv:1: ",
                      "expected the header “timestamp,value”, found “time,value”");
  assert_parse_error ("", "/data/cpu.csv:1: ", "empty file");
  assert_parse_error ("timestamp,value\n2014-02-14 14:30:00,1\n2014-02-14 25:00:00,2\n",
                      "/data/cpu.csv:3: ", "field “timestamp”: “2014-02-14 25:00:00”");
  assert_parse_error ("timestamp,value\n2014-02-14 14:30:00,1\n\n2014-02-14 14:35:00,abc\n",
                      "/data/cpu.csv:4: ", "field “value”: “abc” is not a finite number");
  assert_parse_error ("timestamp,value\n2014-02-14 14:30:00,nan\n", "/data/cpu.csv:2: ",
                      "field “value”: “nan”");
  assert_parse_error ("timestamp,value\n2014-02-14 14:30:00,1,2\n", "/data/cpu.csv:2: ",
                      "expected 2 fields (timestamp,value), found 3");
  assert_parse_error ("timestamp,value\n2014-02-14 14:30:00\n", "/data/cpu.csv:2: ",
                      "found 1");
}

static void
test_value_csv_order (void)
{
  static const char text[] =
    "timestamp,value\n"
    "2014-03-09 01:59:00,1\n"
    "2014-03-09 03:00:00,1\n"
    "2014-03-09 03:00:00,1\n"  /* repeated (a daylight-saving artefact): allowed */
    "2014-03-09 02:55:00,1\n"; /* back in time: refused by callers that need order */
  g_autoptr(GError) error = NULL;
  g_autoptr(PmValueSeries) series = pm_value_series_parse ("dst.csv", text, strlen (text),
                                                           &error);

  g_assert_no_error (error);
  g_assert_false (pm_value_series_check_ordered (series, &error));
  g_assert_nonnull (strstr (error->message, "dst.csv:5: "));
  g_assert_nonnull (strstr (error->message, "2014-03-09 02:55:00"));
}

static void
test_value_csv_missing_file (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "absent.csv", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (pm_value_series_load_file (path, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "absent.csv"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/value-csv/times", test_value_csv_times);
  g_test_add_func ("/value-csv/parse", test_value_csv_parse);
  g_test_add_func ("/value-csv/errors", test_value_csv_errors);
  g_test_add_func ("/value-csv/order", test_value_csv_order);
  g_test_add_func ("/value-csv/missing-file", test_value_csv_missing_file);

  return g_test_run ();
}
