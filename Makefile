# ksmctl — see README.md.  `make run` and `make check` do all set-up.

PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
# Units hold @SBINDIR@ where ExecStart= names ksmctl; install fills it in.
SYSTEMD_UNITS = $(wildcard systemd/*.service systemd/*.timer)

VERSION := 0.1
CC ?= gcc
PKGS := smartcols json-c libcap ncursesw
# Debian packages for building and testing (installed by `make deps`).
# systemd: systemd-analyze verifies the units (tests/tune).
DEB_PACKAGES := gcc make pkg-config libsmartcols-dev libjson-c-dev libcap-dev \
	libcmocka-dev jq groff-base shellcheck zsh libncurses-dev tmux \
	clang-14 libclang-rt-14-dev systemd
# ... and for the kernel-patch qemu harness (kernel sources, qemu, busybox).
DEB_KERNEL_PACKAGES := $(shell sed 's/\#.*//' kernel-patch/harness/debian-packages)

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
BENCH_SRC := $(wildcard bench/*.c)

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
	$$(CC) $(2) $$(filter %.o,$$^) $$(filter %.a,$$^) $$(CMOCKA_LIBS) $$(PKG_LIBS) -lm -o $$@

# top's frames are laid out in the command layer (src/topview.c), and
# tested with their model
$(1)/tests/test_topframe: $(1)/obj/src/topview.o

$(1)/helpers/%: tests/helpers/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(BASE_CFLAGS) $(2) $$< -o $$@
endef

$(eval $(call flavour,build,$(CFLAGS)))
$(eval $(call flavour,build-san,$(SAN_FLAGS)))

UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=$(1)/tests/%)
HELPER_BINS = $(HELPER_SRC:tests/helpers/%.c=$(1)/helpers/%)

# libFuzzer targets: one per line of tests/fuzz/targets.def, built with
# clang (the library too, instrumented) into build-fuzz/.  clang's own
# warnings are shown but not fatal: the code is gcc's first.
FUZZ_CC ?= $(shell command -v clang-14 || command -v clang)
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
FUZZ_TARGETS := $(shell grep -o '^FUZZ[A-Z_]*.[a-z0-9_]*' tests/fuzz/targets.def | \
	sed 's/.*[^a-z0-9_]//')
FUZZ_BINS := $(FUZZ_TARGETS:%=build-fuzz/fuzz-%)
FUZZ_SECONDS ?= 60

build-fuzz/obj/%.o: %.c $(wildcard src/*.h src/lib/*.h src/commands/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(FUZZ_CC) $(filter-out -Werror,$(BASE_CFLAGS)) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer-no-link $(FUZZ_OBJ_FLAGS) $(PKG_CFLAGS) -Isrc -c $< -o $@

build-fuzz/libksm.a: $(LIB_SRC:%.c=build-fuzz/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

# The command layer too, for the targets that run whole commands on a
# sysroot of their making (the output target): main() is renamed, so
# the fuzzer's own main() stays the program's.
build-fuzz/obj/src/ksmctl.o: FUZZ_OBJ_FLAGS := -Dmain=ksmctl_main
build-fuzz/libcmd.a: $(CMD_SRC:%.c=build-fuzz/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

build-fuzz/fuzz-%: tests/fuzz/fuzz.c tests/fuzz/targets.def tests/unit/kernel_ref.h \
		build-fuzz/libcmd.a build-fuzz/libksm.a
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(filter-out -Werror,$(BASE_CFLAGS)) -Wno-unused-function \
		$(FUZZ_FLAGS) -fsanitize=fuzzer -DFUZZ_TARGET=$* $(PKG_CFLAGS) -Isrc \
		tests/fuzz/fuzz.c build-fuzz/libcmd.a build-fuzz/libksm.a \
		$(PKG_LIBS) -lm -o $@

# The fault-injection shim (tests/fault/): LD_PRELOADed by the fault suite.
build/fault/libfault.so: tests/fault/fault.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -fPIC -shared $< -ldl -o $@

# Benchmark programs (bench/*.c): one file each, json-c for their output.
build/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) $< $(PKG_LIBS) -lm -o $@

.PHONY: all deps run check check-unit check-cli check-docs check-kernel \
	check-san install uninstall clean deps-kernel check-kernel-patch \
	fuzz fuzz-built check-fuzz check-fault soak check-fresh
.DEFAULT_GOAL := all

all: build/ksmctl $(call HELPER_BINS,build) $(BENCH_SRC:bench/%.c=build/bench/%)

# ... and Debian's ksmtuned script, fetched, not installed (tests/tune
# compares with it; tools/fetch-ksmtuned.sh says why not installed).
deps:
	@tools/deps.sh $(DEB_PACKAGES)
	@tools/fetch-ksmtuned.sh build/ref

deps-kernel:
	@tools/deps.sh $(DEB_KERNEL_PACKAGES)

run: deps
	@$(MAKE) --no-print-directory all
	build/ksmctl status

check: deps
	@$(MAKE) --no-print-directory all tests-built $(if $(FUZZ_CC),fuzz-built)
	@tests/run-all.sh

tests-built: $(call UNIT_BINS,build) build-san/ksmctl $(call UNIT_BINS,build-san) \
	$(call HELPER_BINS,build) build/fault/libfault.so

check-unit: all tests-built
	@tests/run-all.sh unit
check-cli: all tests-built
	@tests/run-all.sh cli
check-docs: all
	@tests/run-all.sh docs
check-kernel: all check-kernel-patch
	@tests/run-all.sh kernel
# The package lists proved complete: build and test in a minimal Debian
# root that has only what `make deps deps-kernel` installs (root; about
# 40 minutes cold; not part of check).  tools/check-fresh.sh says more.
check-fresh:
	@tools/check-fresh.sh
# The patch series, built and booted under qemu (kernel-patch/README.md).
check-kernel-patch: all
	@kernel-patch/harness/run.sh
check-san: tests-built
	@tests/run-all.sh san
# Each fuzz target for FUZZ_SECONDS (make check runs them a few seconds each).
fuzz-built: $(FUZZ_BINS)
fuzz: fuzz-built
	@tests/fuzz/run.sh $(FUZZ_SECONDS)
check-fuzz: fuzz-built
	@tests/run-all.sh fuzz
check-fault: all tests-built
	@tests/run-all.sh fault
# The strategy benchmark's smoke run alone (root; make check runs it too).
check-bench: all
	@tests/run-all.sh bench
# Long run on the real kernel (root; SOAK_MINUTES, default 30): tests/soak/.
soak: all build-san/ksmctl $(call HELPER_BINS,build)
	@tests/soak/run.sh
# KSM strategies on bench/ksm-workload (root, tens of minutes): writes
# bench/RESULTS.md.  Installs Debian's ksmtuned (its units left disabled).
.PHONY: bench
bench: deps all
	@bench/run --install-ksmtuned --results bench/RESULTS.md

install: build/ksmctl
	install -D -m 0755 build/ksmctl $(DESTDIR)$(SBINDIR)/ksmctl
	ln -sf ksmctl $(DESTDIR)$(SBINDIR)/ksmtop
	install -D -m 0644 man/ksmctl.8 $(DESTDIR)$(MANDIR)/man8/ksmctl.8
	install -D -m 0644 man/ksmctl.conf.5 $(DESTDIR)$(MANDIR)/man5/ksmctl.conf.5
	echo '.so man8/ksmctl.8' > $(DESTDIR)$(MANDIR)/man8/ksmtop.8
	install -D -m 0644 completions/ksmctl.bash $(DESTDIR)$(BASHCOMPDIR)/ksmctl
	ln -sf ksmctl $(DESTDIR)$(BASHCOMPDIR)/ksmtop
	install -D -m 0644 completions/_ksmctl $(DESTDIR)$(ZSHCOMPDIR)/_ksmctl
	install -D -m 0644 completions/_ksmtop $(DESTDIR)$(ZSHCOMPDIR)/_ksmtop
	@# systemd units, with ExecStart= pointing where ksmctl was installed
	install -d $(DESTDIR)$(UNITDIR)
	for u in $(SYSTEMD_UNITS); do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' $$u > $(DESTDIR)$(UNITDIR)/$${u##*/} && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ksmctl $(DESTDIR)$(SBINDIR)/ksmtop \
		$(DESTDIR)$(MANDIR)/man8/ksmctl.8 $(DESTDIR)$(MANDIR)/man8/ksmtop.8 \
		$(DESTDIR)$(MANDIR)/man5/ksmctl.conf.5 \
		$(DESTDIR)$(BASHCOMPDIR)/ksmctl $(DESTDIR)$(BASHCOMPDIR)/ksmtop \
		$(DESTDIR)$(ZSHCOMPDIR)/_ksmctl $(DESTDIR)$(ZSHCOMPDIR)/_ksmtop \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(SYSTEMD_UNITS)))

clean:
	rm -rf build build-san build-fuzz
