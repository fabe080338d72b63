/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presenting knob values to people and to JSON, shared by status and get. */
#ifndef KSMCTL_SHOW_H
#define KSMCTL_SHOW_H

#include <json-c/json.h>
#include <stdbool.h>

#include "lib/knobs.h"
#include "lib/sample.h"

/* "1 (merging)", "20 ms", "1234 (4.8M)": the value with its meaning. */
void show_value(const struct ksm_knob *knob, const struct ksm_value *v,
		long page_size, bool bytes, char *buf, size_t size);

/* Typed JSON: number, boolean, string; null when the knob is absent. */
struct json_object *show_json_value(const struct ksm_knob *knob,
				    const struct ksm_value *v);

/*
 * A JSON string of text from outside ksmctl (a release string, a file
 * name, what a process or a state file says): ksm_escape()d, so it is
 * valid UTF-8 and two different texts stay different.
 */
struct json_object *show_json_text(const char *text);

/* A double, or null when it is NAN or infinite. */
struct json_object *show_json_double(double d);

/* Print a json-c object as ksmctl prints JSON (pretty, no \/ escapes). */
void show_json_print(struct json_object *obj);

bool show_knob_is_boolean(const struct ksm_knob *knob);

#endif
