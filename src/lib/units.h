/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KSMCTL_UNITS_H
#define KSMCTL_UNITS_H

#include <stddef.h>

/* IEC sizes as util-linux prints them: "0B", "512B", "4K", "1.5G". */
void ksm_format_size(unsigned long long bytes, char *buf, size_t size);
/* The same for a signed amount: "-1.2M". */
void ksm_format_ssize(long long bytes, char *buf, size_t size);

#endif
