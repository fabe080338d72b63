/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ksmctl top's screen (src/top.c): curses only.  It draws the frames of
 * the live state (src/toplive.h) and reads keys.
 */
#ifndef KSMCTL_TOP_H
#define KSMCTL_TOP_H

#include <stdbool.h>

#include "toplive.h"

/* Can curses place the cursor on this terminal (TERM)? */
bool top_screen_possible(void);
/* The interactive screen; returns the exit status. */
int top_screen(struct top *t);

#endif
