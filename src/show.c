// SPDX-License-Identifier: GPL-2.0-or-later
#include "show.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/escape.h"
#include "lib/units.h"

bool show_knob_is_boolean(const struct ksm_knob *knob)
{
	return knob->kind == KNOB_BOOL ||
	       knob == &ksm_knobs[KSM_MERGE_ACROSS_NODES];
}

static const char *run_meaning(unsigned long long run)
{
	switch (run) {
	case 0: return "stopped";
	case 1: return "merging";
	case 2: return "stopped, unmerged";
	default: return "unknown";
	}
}

void show_value(const struct ksm_knob *knob, const struct ksm_value *v,
		long page_size, bool bytes, char *buf, size_t size)
{
	char raw[64], human[32];

	ksm_knob_format(knob, v, raw, sizeof(raw));
	if (knob == &ksm_knobs[KSM_RUN]) {
		snprintf(buf, size, "%s (%s)", raw, run_meaning(v->u));
	} else if (show_knob_is_boolean(knob)) {
		snprintf(buf, size, "%s (%s)", raw, v->u ? "on" : "off");
	} else if (knob->unit == UNIT_PAGES && (knob->flags & KNOB_RO) && !bytes) {
		/* an unsigned count is never shown as a negative size */
		if (knob->kind == KNOB_SCOUNTER || knob->kind == KNOB_INT)
			ksm_format_ssize(ksm_pages_sbytes(v->s, page_size), human,
					 sizeof(human));
		else
			ksm_format_size(ksm_pages_bytes(v->u, page_size), human,
					sizeof(human));
		snprintf(buf, size, "%s (%s)", raw, human);
	} else if (knob->unit == UNIT_BYTES && !bytes) {
		ksm_format_ssize(v->s, human, sizeof(human));
		snprintf(buf, size, "%s (%s)", raw, human);
	} else if (knob->unit != UNIT_NONE && knob->unit != UNIT_BYTES &&
		   !(knob->flags & KNOB_RO)) {
		snprintf(buf, size, "%s %s", raw, ksm_unit_name(knob->unit));
	} else {
		snprintf(buf, size, "%s", raw);
	}
}

struct json_object *show_json_value(const struct ksm_knob *knob,
				    const struct ksm_value *v)
{
	if (v->err)
		return NULL;
	if (knob->kind == KNOB_ULONG_LIST || knob->kind == KNOB_RATIO_LIST) {
		struct json_object *a = json_object_new_array();

		for (unsigned int i = 0; i < knob->list_len; i++) {
			long long x = v->list[i];
			char text[32];

			/* ratios as UKSM writes them: "20", "MAX/4" */
			if (knob->kind == KNOB_RATIO_LIST) {
				if (x < 0)
					snprintf(text, sizeof(text), "MAX/%lld",
						 KSM_RATIO_SCALE / -x);
				else
					snprintf(text, sizeof(text), "%lld", x);
				json_object_array_add(a, json_object_new_string(text));
			} else {
				json_object_array_add(a, json_object_new_uint64((unsigned long long)x));
			}
		}
		return a;
	}
	/* UKSM's "N * 2^k": beyond 64 bits, so a (rounded) double */
	if (v->shift)
		return json_object_new_double(ldexp((double)v->mant, (int)v->shift));
	if (knob->kind == KNOB_MODE)
		return json_object_new_string(knob->modes[v->u]);
	if (show_knob_is_boolean(knob))
		return json_object_new_boolean(v->u != 0);
	if (knob->kind == KNOB_SCOUNTER || knob->kind == KNOB_INT)
		return json_object_new_int64(v->s);
	return json_object_new_uint64(v->u);
}

struct json_object *show_json_text(const char *text)
{
	char *esc = ksm_escape_dup(text);
	struct json_object *o;

	if (!esc)
		return NULL;
	o = json_object_new_string(esc);
	free(esc);
	return o;
}

struct json_object *show_json_double(double d)
{
	if (isnan(d) || isinf(d))
		return NULL;
	char text[64];

	/*
	 * Two decimals are plenty for ratios; giving json-c the text keeps it
	 * from printing 0.33 as 0.33000000000000002.
	 */
	snprintf(text, sizeof(text), "%.2f", d);
	return json_object_new_double_s(strtod(text, NULL), text);
}

void show_json_print(struct json_object *obj)
{
	fputs(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_SPACED |
					     JSON_C_TO_STRING_NOSLASHESCAPE),
	      stdout);
	fputc('\n', stdout);
}
