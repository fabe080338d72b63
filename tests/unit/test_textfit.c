// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Text cut to terminal columns: a name keeps its start, a path its end
 * (from a whole component when that loses little), a sentence its whole
 * words, each marked with an ellipsis; what fits is left alone, and the
 * result is never wider than asked, in UTF-8 or not.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/textfit.h"

static const char *cut(const char *text, int width, enum ksm_cut where,
		       bool utf8)
{
	static char out[256];

	ksm_cut(text, width, where, utf8, out, sizeof(out));
	return out;
}

static void test_fits_as_is(void **state)
{
	(void)state;
	assert_string_equal(cut("app.service", 11, KSM_CUT_END, true), "app.service");
	assert_string_equal(cut("app.service", 40, KSM_CUT_START, true), "app.service");
	assert_string_equal(cut("two words", -1, KSM_CUT_WORD, true), "two words");
	assert_string_equal(cut("", 3, KSM_CUT_END, true), "");
}

static void test_end(void **state)
{
	(void)state;
	assert_string_equal(cut("qemu-system-x86", 8, KSM_CUT_END, true),
			    "qemu-sy\u2026");
	assert_int_equal(ksm_text_width(cut("qemu-system-x86", 8, KSM_CUT_END, true),
					true), 8);
	/* without UTF-8 the mark is three dots */
	assert_string_equal(cut("qemu-system-x86", 8, KSM_CUT_END, false),
			    "qemu-...");
	/* no room for a mark and a character: cut plain */
	assert_string_equal(cut("qemu", 1, KSM_CUT_END, true), "q");
	assert_string_equal(cut("qemu", 3, KSM_CUT_END, false), "qem");
	/* a wide character is never split: "中文字" in 4 columns */
	assert_string_equal(cut("\u4e2d\u6587\u5b57", 4, KSM_CUT_END, true),
			    "\u4e2d\u2026");
	/* without UTF-8, what is measured is what is shown: \xNN */
	assert_string_equal(cut("caf\xc3\xa9-bar", 9, KSM_CUT_END, false),
			    "caf...");
	assert_string_equal(cut("caf\xc3\xa9", 11, KSM_CUT_END, false),
			    "caf\\xc3\\xa9");
}

static void test_start(void **state)
{
	const char *cg = "/user.slice/user-4242.slice/user@4242.service/app.slice/app-gnome-code-1234.scope";
	const char *vm = "/machine.slice/machine-qemu\\x2d1\\x2dweb01.scope/libvirt/emulator";

	(void)state;
	/* from a whole component */
	assert_string_equal(cut(cg, 40, KSM_CUT_START, true),
			    "\u2026/app.slice/app-gnome-code-1234.scope");
	/* ... unless reaching it loses what tells one path from another */
	assert_string_equal(cut(vm, 44, KSM_CUT_START, true),
			    "\u2026e-qemu\\x2d1\\x2dweb01.scope/libvirt/emulator");
	assert_int_equal(ksm_text_width(cut(vm, 44, KSM_CUT_START, true), true), 44);
	/* a leaf longer than the room: its end */
	assert_string_equal(cut("/a/abcdefghij", 6, KSM_CUT_START, true),
			    "\u2026fghij");
	assert_string_equal(cut("/a/abcdefghij", 8, KSM_CUT_START, false),
			    "...fghij");
	for (int w = 1; w < 90; w++)
		assert_true(ksm_text_width(cut(cg, w, KSM_CUT_START, true), true) <= w);
}

static void test_word(void **state)
{
	const char *s = "ksmd uses 40% of a CPU: lower pages_to_scan";

	(void)state;
	assert_string_equal(cut(s, 30, KSM_CUT_WORD, true),
			    "ksmd uses 40% of a CPU: lower\u2026");
	assert_string_equal(cut(s, 24, KSM_CUT_WORD, true),
			    "ksmd uses 40% of a CPU:\u2026");
	/* no blank left before the mark */
	assert_string_equal(cut(s, 25, KSM_CUT_WORD, true),
			    "ksmd uses 40% of a CPU:\u2026");
	/* a word boundary that loses half the room: cut in the word */
	assert_string_equal(cut("a verylongwordindeed", 12, KSM_CUT_WORD, true),
			    "a verylongw\u2026");
	for (int w = 1; w < 50; w++)
		assert_true(ksm_text_width(cut(s, w, KSM_CUT_WORD, true), true) <= w);
}

static void test_small_buffer(void **state)
{
	char out[6];

	(void)state;
	/* always terminated, never past the buffer, whole characters */
	ksm_cut("qemu-system-x86", 12, KSM_CUT_END, true, out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	ksm_cut("/a/b/c/d/e/f/g/h", 12, KSM_CUT_START, true, out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_as_is),
		cmocka_unit_test(test_end),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_word),
		cmocka_unit_test(test_small_buffer),
	};

	/* wcwidth() needs a UTF-8 locale for the wide characters */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "en_US.UTF-8");
	return cmocka_run_group_tests_name("textfit", tests, NULL, NULL);
}
