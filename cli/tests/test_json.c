/* test_json.c - the JSON writer and reader (over jansson): round trips, escapes, errors. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "metrics.h"

int main(void)
{
	struct jbuf b;
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	jb_str(&b, "s", "a \"quoted\"\\ line\nwith\ttab \x01");
	jb_num(&b, "n", 1.5);
	jb_num(&b, "big", 1e20);
	jb_int(&b, "i", -42);
	jb_num(&b, "nan", NAN);
	jb_bool(&b, "t", true);
	jb_null(&b, "z");
	jb_arr_begin(&b, "a");
	jb_int(&b, NULL, 1);
	jb_obj_begin(&b, NULL);
	jb_obj_end(&b);
	jb_arr_end(&b);
	struct jv *nested = jv_parse("{\"x\":[1,2]}", NULL, 0);
	jb_value(&b, "raw", nested);        /* a parsed sub-tree copied in (a workload's result) */
	jv_free(nested);
	jb_obj_end(&b);
	CHECK("writer did not fail", !b.oom);

	char err[128];
	struct jv *v = jv_parse(b.s, err, sizeof(err));
	CHECK("writer output parses", v != NULL);
	if (v) {
		CHECK("string with escapes round-trips", strcmp(jv_str(v, "s"), "a \"quoted\"\\ line\nwith\ttab \x01") == 0);
		CHECK("number", jv_num(v, "n", 0) == 1.5);
		CHECK("big number", jv_num(v, "big", 0) == 1e20);
		CHECK("negative int", jv_num(v, "i", 0) == -42);
		CHECK("NaN is written as null", jv_get(v, "nan") && jv_type(jv_get(v, "nan")) == JV_NULL);
		CHECK("bool", jv_type(jv_get(v, "t")) == JV_BOOL && jv_bool(jv_get(v, "t")));
		CHECK("dotted path into raw", jv_get(v, "raw.x") && jv_type(jv_get(v, "raw.x")) == JV_ARR && jv_len(jv_get(v, "raw.x")) == 2);
		CHECK("missing key gives default", jv_num(v, "nope", 7) == 7);

		struct jbuf c;
		jb_init(&c);
		jb_value(&c, NULL, v);
		CHECK("re-serialised text is identical", strcmp(c.s, b.s) == 0);
		jb_free(&c);
	}
	jv_free(v);
	jb_free(&b);

	static const char *const bad[] = { "", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "\"open", "{a:1}", "tru" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		struct jv *x = jv_parse(bad[i], err, sizeof(err));
		CHECK("bad text is rejected with a message", x == NULL && err[0] != '\0');
		jv_free(x);
	}
	struct jv *u = jv_parse("\"caf\\u00e9\"", err, sizeof(err));
	CHECK("\\u escape decodes to UTF-8", u && strcmp(jv_as_str(u), "caf\xc3\xa9") == 0);
	jv_free(u);

	struct metrics ms = { 0 };
	metrics_add(&ms, "faults_per_kop", "/1K ops", METRIC_LOWER, "faults per 1000 operations", 2.5);
	metrics_unsupported(&ms, "cycles_per_op", "/op", METRIC_LOWER, "cycles per operation",
			    "no hardware PMU on this machine (ENOENT)");
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	metrics_json(&ms, &b);
	jb_obj_end(&b);
	v = jv_parse(b.s, err, sizeof(err));
	CHECK("metric value", v && jv_num(v, "metrics.faults_per_kop.value", 0) == 2.5);
	CHECK("unsupported metric has a status and no value",
	      v && jv_str(v, "metrics.cycles_per_op.status") && !jv_get(v, "metrics.cycles_per_op.value"));
	/* schema 2: every metric, measured or not, says its unit, direction and meaning */
	CHECK("metric carries unit, better and desc",
	      v && jv_str(v, "metrics.faults_per_kop.unit") && strcmp(jv_str(v, "metrics.faults_per_kop.better"), "lower") == 0 &&
	      strcmp(jv_str(v, "metrics.faults_per_kop.desc"), "faults per 1000 operations") == 0);
	CHECK("unsupported metric carries unit, better and desc",
	      v && strcmp(jv_str(v, "metrics.cycles_per_op.unit"), "/op") == 0 &&
	      jv_str(v, "metrics.cycles_per_op.better") && jv_str(v, "metrics.cycles_per_op.desc"));
	jv_free(v);
	jb_free(&b);

	/* a workload's own figures: the described members become metrics */
	struct metrics wm = { 0 };
	metrics_add(&wm, "wall_s", "s", METRIC_LOWER, "core", 1.0);
	struct jv *res = jv_parse("{\"seconds\":1,\"p99_ns\":65,\"gone_ns\":null,\"wall_s\":3,"
				  "\"figures\":{\"p99_ns\":{\"unit\":\"ns\",\"better\":\"lower\",\"desc\":\"p99\"},"
				  "\"gone_ns\":{\"unit\":\"ns\",\"better\":\"lower\",\"desc\":\"not measured\"},"
				  "\"wall_s\":{\"unit\":\"s\",\"better\":\"lower\",\"desc\":\"clash\"},"
				  "\"Bad-Name\":{\"unit\":\"s\",\"better\":\"lower\",\"desc\":\"x\"},"
				  "\"seconds\":{\"unit\":\"s\",\"better\":\"up\",\"desc\":\"x\"}}}", err, sizeof(err));
	char why[200];
	metrics_from_workload(&wm, res, why, sizeof(why));
	const struct metric *p99 = metrics_find(&wm, "p99_ns"), *gone = metrics_find(&wm, "gone_ns");
	CHECK("a described figure is recorded with its value and direction",
	      p99 && p99->value == 65 && p99->better == METRIC_LOWER && !p99->status[0] && strcmp(p99->unit, "ns") == 0);
	CHECK("a described figure without a value is unsupported, never 0", gone && gone->status[0]);
	CHECK("a figure the harness records is not overwritten", metrics_find(&wm, "wall_s")->value == 1.0);
	CHECK("a bad name or direction is not recorded",
	      !metrics_find(&wm, "Bad-Name") && !metrics_find(&wm, "seconds") && wm.n == 3);
	CHECK("the first problem is reported", strstr(why, "\"wall_s\"") && strstr(why, "records itself"));
	jv_free(res);
	res = jv_parse("{\"figures\":[1]}", err, sizeof(err));
	metrics_from_workload(&wm, res, why, sizeof(why));
	CHECK("figures that are not an object are reported", strstr(why, "not an object") != NULL && wm.n == 3);
	jv_free(res);
	res = jv_parse("{\"seconds\":1}", err, sizeof(err));
	metrics_from_workload(&wm, res, why, sizeof(why));
	CHECK("no figures: nothing to say", why[0] == '\0' && wm.n == 3);
	jv_free(res);

	/* a figure's step (a timer's resolution) is kept and written; a bad one is refused */
	struct metrics sm = { 0 };
	res = jv_parse("{\"seconds\":1,\"a_ns\":40.1,\"b_ns\":3,\"c_ns\":4,"
		       "\"figures\":{\"a_ns\":{\"unit\":\"ns\",\"better\":\"lower\",\"desc\":\"a\",\"step\":10.02},"
		       "\"b_ns\":{\"unit\":\"ns\",\"better\":\"lower\",\"desc\":\"b\",\"step\":0},"
		       "\"c_ns\":{\"unit\":\"ns\",\"better\":\"lower\",\"desc\":\"c\"}}}", err, sizeof(err));
	metrics_from_workload(&sm, res, why, sizeof(why));
	CHECK("a figure's step is kept", metrics_find(&sm, "a_ns") && metrics_find(&sm, "a_ns")->step == 10.02);
	CHECK("a step that is not positive is refused, and said",
	      !metrics_find(&sm, "b_ns") && strstr(why, "\"b_ns\"") && strstr(why, "step"));
	CHECK("no step: 0", metrics_find(&sm, "c_ns") && metrics_find(&sm, "c_ns")->step == 0);
	jv_free(res);
	struct jbuf sb;
	jb_init(&sb);
	jb_obj_begin(&sb, NULL);
	metrics_json(&sm, &sb);
	jb_obj_end(&sb);
	v = jv_parse(sb.s, err, sizeof(err));
	CHECK("the step is written with the figure, and only where stated",
	      v && jv_num(v, "metrics.a_ns.step", 0) == 10.02 && !jv_get(v, "metrics.c_ns.step"));
	jv_free(v);
	jb_free(&sb);
	return check_summary();
}
