# ksmctl — see README.md.  `make run` and `make check` do all set-up.

PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions

VERSION := 0.1
CC ?= gcc
PKGS := smartcols json-c libcap
# Debian packages for building and testing (installed by `make deps`).
DEB_PACKAGES := gcc make pkg-config libsmartcols-dev libjson-c-dev libcap-dev \
	libcmocka-dev jq groff-base shellcheck

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
	-Wno-format-nonliteral
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -DKSMCTL_VERSION='"$(VERSION)"' $(WARN)
CFLAGS ?= -O2 -g
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

LIB_SRC := $(wildcard src/lib/*.c)
CMD_SRC := $(wildcard src/*.c src/commands/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
HELPER_SRC := $(wildcard tests/helpers/*.c)

# One rule set, built twice: build/ (normal) and build-san/ (ASan+UBSan).
define flavour
$(1)/obj/%.o: %.c $$(wildcard src/*.h src/lib/*.h src/commands/*.h tests/unit/*.h)
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	@$$(CC) $$(BASE_CFLAGS) $(2) $$(PKG_CFLAGS) -Isrc -c $$< -o $$@

$(1)/libksm.a: $$(LIB_SRC:%.c=$(1)/obj/%.o)
	@rm -f $$@
	ar rcs $$@ $$^

$(1)/ksmctl: $$(CMD_SRC:%.c=$(1)/obj/%.o) $(1)/libksm.a
	$$(CC) $(2) $$^ $$(PKG_LIBS) -lm -o $$@

$(1)/tests/%: $(1)/obj/tests/unit/%.o $(1)/libksm.a
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) $$^ $$(CMOCKA_LIBS) $$(PKG_LIBS) -lm -o $$@

$(1)/helpers/%: tests/helpers/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(BASE_CFLAGS) $(2) $$< -o $$@
endef

$(eval $(call flavour,build,$(CFLAGS)))
$(eval $(call flavour,build-san,$(SAN_FLAGS)))

UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=$(1)/tests/%)
HELPER_BINS = $(HELPER_SRC:tests/helpers/%.c=$(1)/helpers/%)

.PHONY: all deps run check check-unit check-cli check-docs check-kernel \
	check-san install uninstall clean
.DEFAULT_GOAL := all

all: build/ksmctl $(call HELPER_BINS,build)

deps:
	@tools/deps.sh $(DEB_PACKAGES)

run: deps
	@$(MAKE) --no-print-directory all
	build/ksmctl status

check: deps
	@$(MAKE) --no-print-directory all tests-built
	@tests/run-all.sh

tests-built: $(call UNIT_BINS,build) build-san/ksmctl $(call UNIT_BINS,build-san) \
	$(call HELPER_BINS,build)

check-unit: all tests-built
	@tests/run-all.sh unit
check-cli: all tests-built
	@tests/run-all.sh cli
check-docs: all
	@tests/run-all.sh docs
check-kernel: all
	@tests/run-all.sh kernel
check-san: tests-built
	@tests/run-all.sh san

install: build/ksmctl
	install -D -m 0755 build/ksmctl $(DESTDIR)$(SBINDIR)/ksmctl
	install -D -m 0644 man/ksmctl.8 $(DESTDIR)$(MANDIR)/man8/ksmctl.8
	install -D -m 0644 completions/ksmctl.bash $(DESTDIR)$(BASHCOMPDIR)/ksmctl
	install -D -m 0644 completions/_ksmctl $(DESTDIR)$(ZSHCOMPDIR)/_ksmctl

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ksmctl $(DESTDIR)$(MANDIR)/man8/ksmctl.8 \
		$(DESTDIR)$(BASHCOMPDIR)/ksmctl $(DESTDIR)$(ZSHCOMPDIR)/_ksmctl

clean:
	rm -rf build build-san
