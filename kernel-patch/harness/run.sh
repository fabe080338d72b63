#!/bin/bash
# The stage functions are called through `stage NAME FUNCTION`:
# shellcheck disable=SC2317
#
# run.sh - prove the ksmctl kernel patch series in a booted kernel.
#
#   kernel-patch/harness/run.sh [--no-6.1] [--no-boot]
#
# Stages (each timed; logs in $KSM_KERNEL_CACHE/logs/):
#   deps          install the missing Debian packages (debian-packages)
#   unpack-6.12   Debian's linux-source-6.12 into a git repo (cached)
#   apply         `git am` the series onto a clean branch of that repo
#   checkpatch    scripts/checkpatch.pl --strict on every patch
#   build-NNNN    build after each patch (bisect check; incremental)
#   kernel-6.12   the final tinyconfig + config.fragment kernel
#   unpack-6.1    Debian's linux-source-6.1 (cached)
#   kernel-6.1    an unpatched 6.1 kernel, same config
#   userland      static KSM selftests, ksmctl, ksm-mapper, busybox initramfs
#   boot-6.12     qemu (TCG) boots the patched kernel: kernel selftests,
#                 ksmctl's real-kernel suite, TAP on the serial console
#   boot-6.1      the same for ksmctl's suite on the unpatched 6.1 kernel
#
# The last line is "kernel-patch: N passed, N failed, N skipped".  Exit 0
# unless something failed.  A stage that cannot run on this machine (no
# root or no network for apt, no disk space, the cache held by another
# run for too long) is reported as SKIP, not as a failure; a patch that
# does not apply, a checkpatch complaint, a build failure, a failing
# test or a guest that does not finish are failures.
#
# Environment:
#   KSM_KERNEL_CACHE   cache directory (default /var/cache/ksmctl-kernel,
#                      or ~/.cache/ksmctl-kernel when that is not writable)
#   KSM_KERNEL_JOBS    make -j (default 2)
#   KSM_GUEST_TIMEOUT  seconds a guest may run (default 1500)
set -uo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
top=$(cd -- "$here/../.." && pwd)
kp=$top/kernel-patch
# shellcheck source=kernel-patch/harness/lib.sh
. "$here/lib.sh"

want_61=1
want_boot=1
for arg in "$@"; do
	case $arg in
	--no-6.1) want_61=0 ;;
	--no-boot) want_boot=0 ;;
	-h|--help)
		sed -n '/^# run.sh/,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"
		exit 0 ;;
	*) echo "run.sh: unknown argument '$arg'" >&2; exit 2 ;;
	esac
done

JOBS=${KSM_KERNEL_JOBS:-2}
GUEST_TIMEOUT=${KSM_GUEST_TIMEOUT:-1500}
CACHE=${KSM_KERNEL_CACHE:-}
if [[ -z $CACHE ]]; then
	CACHE=/var/cache/ksmctl-kernel
	if ! mkdir -p "$CACHE" 2>/dev/null || [[ ! -w $CACHE ]]; then
		CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ksmctl-kernel
	fi
fi
SRC612=$CACHE/src-6.12
SRC61=$CACHE/src-6.1
BUILD612=$CACHE/build-6.12
BUILD61=$CACHE/build-6.1
GUEST=$CACHE/guest
OUT=$CACHE/out
LOGDIR=$CACHE/logs
BASE_TAG=ksmctl-base
BRANCH=ksmctl-series
export CCACHE_DIR=$CACHE/ccache
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-3G}
# Same answers whatever the caller's locale, and no pager or editor.
export LC_ALL=C GIT_PAGER=cat GIT_EDITOR=true
GIT=(git -c user.name="ksmctl harness" -c user.email=ksmctl@localhost
     -c advice.detachedHead=false -c gc.auto=0)

mapfile -t PATCHES < <(find "$kp" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
	! -name '0000-*' | sort)

# Results of the guest tests and of the stages, for the last line.
T_PASS=0
T_FAIL=0
T_SKIP=0

finish() {
	local i

	for i in "${!STAGE_RESULTS[@]}"; do
		case ${STAGE_RESULTS[i]} in
		ok) T_PASS=$((T_PASS + 1)) ;;
		FAIL) T_FAIL=$((T_FAIL + 1)) ;;
		*) T_SKIP=$((T_SKIP + 1)) ;;
		esac
	done
	stage_summary
	echo "kernel-patch: $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[[ $T_FAIL == 0 ]]
	exit $?
}

# skip_all REASON: nothing can run here; say why, do not fail.
skip_all() {
	h_say "SKIP: $*"
	T_SKIP=$((T_SKIP + 1))
	finish
}

# ---------------------------------------------------------------- stages

st_deps() {
	local -a pkgs=() missing=()
	local p status

	mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/debian-packages")
	for p in "${pkgs[@]}"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[[ $status == *"install ok installed"* ]] || missing+=("$p")
	done
	if (( ${#missing[@]} == 0 )); then
		STAGE_NOTE="all ${#pkgs[@]} installed"
		return 0
	fi
	echo "missing: ${missing[*]}"
	# apt-get may wait a long time for an unreachable mirror: bound it.
	if ! timeout -k 10 600 "$top/tools/deps.sh" "${missing[@]}"; then
		STAGE_NOTE="cannot install: ${missing[*]} (needs root and the Debian archive)"
		return 77
	fi
	STAGE_NOTE="installed ${missing[*]}"
}

# kilobytes free where the cache lives
free_kb() {
	df -Pk "$CACHE" | awk 'NR == 2 { print $4 }'
}

# tarball_id PACKAGE TARBALL: what identifies an unpacked source tree
tarball_id() {
	printf '%s %s\n' "$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null)" \
		"$(stat -c '%s %Y' "$2")"
}

# unpack TARBALL DIR: DIR gets the tree, without the top directory.
unpack() {
	rm -rf -- "$2.tmp"
	mkdir -p -- "$2.tmp" &&
	tar -xJf "$1" -C "$2.tmp" --strip-components=1
}

st_unpack_612() {
	local tar=/usr/src/linux-source-6.12.tar.xz id

	[[ -f $tar ]] || { STAGE_NOTE="no $tar"; return 77; }
	id=$(tarball_id linux-source-6.12 "$tar")
	if [[ -f $SRC612/.git/ksmctl-source && $(<"$SRC612/.git/ksmctl-source") == "$id" ]] &&
	   git -C "$SRC612" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null; then
		STAGE_NOTE="cached ($id)"
		return 0
	fi
	rm -rf -- "$SRC612" "$BUILD612"
	unpack "$tar" "$SRC612" || return 1
	# Debian's .gitignore ignores the whole top level: add with -f.
	(
		cd "$SRC612.tmp" &&
		git init -q -b "$BRANCH" &&
		"${GIT[@]}" add -f -A &&
		"${GIT[@]}" commit -q -m "Debian linux-source-6.12 $id" &&
		git tag "$BASE_TAG"
	) || return 1
	echo "$id" >"$SRC612.tmp/.git/ksmctl-source"
	mv -- "$SRC612.tmp" "$SRC612"
	STAGE_NOTE="unpacked $id"
}

st_apply() {
	local n

	(( ${#PATCHES[@]} > 0 )) || { echo "no patches in $kp"; return 1; }
	cd "$SRC612" || return 1
	git am --abort >/dev/null 2>&1
	"${GIT[@]}" checkout -q -f -B "$BRANCH" "$BASE_TAG" || return 1
	git clean -q -ffdx || return 1
	if ! "${GIT[@]}" am "${PATCHES[@]}"; then
		"${GIT[@]}" am --show-current-patch=diff 2>/dev/null | head -n 20
		git am --abort
		STAGE_NOTE="git am failed: the series does not apply to $BASE_TAG"
		return 1
	fi
	n=$(git rev-list --count "$BASE_TAG..HEAD")
	git log --oneline "$BASE_TAG..HEAD"
	[[ $n == "${#PATCHES[@]}" ]] || { echo "$n commits for ${#PATCHES[@]} patches"; return 1; }
	STAGE_NOTE="$n patches"
}

st_checkpatch() {
	local p out bad=0 clean=0

	cd "$SRC612" || return 1
	for p in "${PATCHES[@]}"; do
		out=$(perl scripts/checkpatch.pl --strict --no-color "$p" 2>&1)
		printf '%s\n%s\n' "== ${p##*/}" "$out"
		if grep -q '^total: 0 errors, 0 warnings, 0 checks' <<<"$out"; then
			clean=$((clean + 1))
		else
			bad=$((bad + 1))
			echo "checkpatch: ${p##*/}: not clean" >&2
		fi
	done
	STAGE_NOTE="$clean clean, $bad not"
	(( bad == 0 ))
}

# kconfig SRC BUILD: BUILD/.config = tinyconfig + config.fragment,
# regenerated when the fragment or the source changes.  Every symbol
# of the fragment must come out with the fragment's value.
kconfig() {
	local src=$1 build=$2 id line bad=0

	id="$(sha256sum <"$kp/config.fragment") $(git -C "$src" rev-parse -q --verify "$BASE_TAG" 2>/dev/null)"
	mkdir -p "$build"
	if [[ -f $build/.config && -f $build/.ksmctl-config && $(<"$build/.ksmctl-config") == "$id" ]]; then
		return 0
	fi
	make -s -C "$src" O="$build" tinyconfig >/dev/null &&
	"$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" \
		"$kp/config.fragment" >/dev/null &&
	make -s -C "$src" O="$build" olddefconfig || return 1
	while IFS= read -r line; do
		[[ $line == CONFIG_* ]] || continue
		if ! grep -qx -- "$line" "$build/.config"; then
			echo "config: $line did not stick"
			bad=1
		fi
	done <"$kp/config.fragment"
	(( bad == 0 )) || return 1
	echo "$id" >"$build/.ksmctl-config"
}

# kbuild SRC BUILD LOG: incremental bzImage; compiler warnings fail it.
kbuild() {
	make -C "$1" O="$2" -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc" \
		KBUILD_BUILD_TIMESTAMP=ksmctl KBUILD_BUILD_USER=ksmctl \
		KBUILD_BUILD_HOST=localhost bzImage >"$3" 2>&1
	local rc=$?
	cat "$3"
	if (( rc != 0 )); then
		return 1
	fi
	if grep -E '(warning|error):' "$3"; then
		echo "the build printed warnings"
		return 1
	fi
}

# st_build_commit N COMMIT: build the tree as it is after patch N.
st_build_commit() {
	local n=$1 commit=$2

	cd "$SRC612" || return 1
	"${GIT[@]}" checkout -q -f "$commit" || return 1
	kconfig "$SRC612" "$BUILD612" || return 1
	STAGE_NOTE=$(git log -1 --format=%s "$commit")
	kbuild "$SRC612" "$BUILD612" "$LOGDIR/make-6.12-$n.out"
}

st_kernel_612() {
	cd "$SRC612" || return 1
	"${GIT[@]}" checkout -q -f "$BRANCH" || return 1
	kconfig "$SRC612" "$BUILD612" || return 1
	kbuild "$SRC612" "$BUILD612" "$LOGDIR/make-6.12-final.out" || return 1
	mkdir -p "$OUT"
	cp "$BUILD612/arch/x86/boot/bzImage" "$OUT/bzImage-6.12" || return 1
	STAGE_NOTE="$(cat "$BUILD612/include/config/kernel.release") $(git rev-parse --short HEAD)"
}

st_unpack_61() {
	local tar=/usr/src/linux-source-6.1.tar.xz id

	[[ -f $tar ]] || { STAGE_NOTE="no $tar"; return 77; }
	id=$(tarball_id linux-source-6.1 "$tar")
	if [[ -f $SRC61/.ksmctl-source && $(<"$SRC61/.ksmctl-source") == "$id" ]]; then
		STAGE_NOTE="cached ($id)"
		return 0
	fi
	rm -rf -- "$SRC61" "$BUILD61"
	unpack "$tar" "$SRC61" || return 1
	echo "$id" >"$SRC61.tmp/.ksmctl-source"
	mv -- "$SRC61.tmp" "$SRC61"
	STAGE_NOTE="unpacked $id"
}

st_kernel_61() {
	kconfig "$SRC61" "$BUILD61" || return 1
	kbuild "$SRC61" "$BUILD61" "$LOGDIR/make-6.1.out" || return 1
	mkdir -p "$OUT"
	cp "$BUILD61/arch/x86/boot/bzImage" "$OUT/bzImage-6.1" || return 1
	STAGE_NOTE=$(cat "$BUILD61/include/config/kernel.release")
}

# copy_with_libs BINARY DEST_ROOT: BINARY and the shared libraries it
# loads, at the same paths, under DEST_ROOT.
copy_with_libs() {
	local bin=$1 root=$2 lib

	while read -r lib; do
		[[ -n $lib ]] || continue
		mkdir -p "$root${lib%/*}"
		cp -L "$lib" "$root$lib" || return 1
	done < <(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | sort -u)
}

# Host programs copied into the guest, with their libraries: what
# ksmctl's real-kernel suite needs beyond busybox and bash.  Each must be
# on the host (debian-packages lists their packages).
GUEST_TOOLS="jq getconf setpriv flock pgrep pkill nice"

# The selftests as the kernel's Makefile builds them, but static and
# against the 6.12 uapi headers (Debian stable's are 6.1's).
selftest() {
	local name=$1
	shift
	local mm=$SRC612/tools/testing/selftests/mm

	gcc -static -O2 -Wall -U_FORTIFY_SOURCE -I "$SRC612" -I "$mm" \
		-isystem "$BUILD612/usr/include" -isystem "$SRC612/tools/include/uapi" \
		-o "$GUEST/root/selftests/$name" \
		"$mm/$name.c" "$mm/vm_util.c" "$mm/thp_settings.c" \
		"$@" -lrt -lpthread -lm
}

st_userland() {
	local root=$GUEST/root bb app f

	make -s -C "$top" all || return 1
	rm -rf -- "$GUEST"
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,root,etc,selftests} \
		"$root/ksmctl/build/helpers" "$root/ksmctl/tests/kernel" || return 1

	# uapi headers of the patched tree for the selftests
	make -s -C "$SRC612" O="$BUILD612" headers_install >/dev/null || return 1
	selftest ksm_functional_tests || return 1
	selftest ksm_tests -lnuma || return 1

	bb=$(command -v busybox) || return 1
	cp "$bb" "$root/bin/busybox" || return 1
	for app in $("$root/bin/busybox" --list); do
		[[ -e $root/bin/$app ]] || ln -s busybox "$root/bin/$app"
	done
	cp /bin/bash-static "$root/bin/bash" || return 1

	# ksmctl and its helper as `make all` built them, with their libraries
	# (Debian ships no static libsmartcols).
	cp "$top/build/ksmctl" "$root/ksmctl/build/ksmctl" || return 1
	for f in "$top"/build/helpers/*; do
		[[ -x $f ]] || continue
		cp "$f" "$root/ksmctl/build/helpers/" || return 1
		copy_with_libs "$f" "$root" || return 1
	done
	copy_with_libs "$top/build/ksmctl" "$root" || return 1
	cp "$top"/tests/kernel/*.sh "$root/ksmctl/tests/kernel/" || return 1
	# Tools ksmctl's suite uses that busybox lacks.
	mkdir -p "$root/usr/bin"
	for app in $GUEST_TOOLS; do
		f=$(command -v "$app") || { STAGE_NOTE="command not found: $app"; return 1; }
		cp -L "$f" "$root/usr/bin/" && copy_with_libs "$f" "$root" || return 1
	done

	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
		'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
	install -m 0755 "$here/guest-init.sh" "$root/init" || return 1

	mkdir -p "$OUT"
	(cd "$root" && find . -print0 | sort -z |
		cpio --null -o -H newc --owner 0:0 --quiet) |
		gzip -1 >"$OUT/initramfs.cpio.gz" || return 1
	STAGE_NOTE="initramfs $(du -h "$OUT/initramfs.cpio.gz" | cut -f1)"
}

# A failed subtest, or a kselftest that ran other tests than it planned
# (a child that should have exec'd and went on with its parent's tests).
NESTED_FAIL='^#[[:space:]#]*(not ok |Planned tests != run tests)'

# st_boot NAME KERNEL SUITE: boot KERNEL with the initramfs, run SUITE
# (full: selftests + ksmctl; ksmctl: ksmctl's suite) and judge the TAP.
st_boot() {
	local name=$1 kernel=$2 suite=$3 con=$LOGDIR/console-$1.log rc
	local pass fail skip planned ran nested

	rm -f -- "$con"
	# mem-merge=off: the host's ksmd leaves the guest's RAM alone, so
	# host tests and benchmarks running meanwhile see only their own work
	timeout -k 10 "$GUEST_TIMEOUT" qemu-system-x86_64 \
		-machine pc,mem-merge=off -accel tcg -m 4096 -smp 2,sockets=2 \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$con" \
		-kernel "$kernel" -initrd "$OUT/initramfs.cpio.gz" \
		-append "console=ttyS0 numa=fake=2 panic=-1 loglevel=4 ksmtest.suite=$suite" \
		</dev/null
	rc=$?
	[[ -f $con ]] || { STAGE_NOTE="qemu did not start (exit $rc)"; return 1; }
	tr -d '\r' <"$con" >"$con.txt"
	cat "$con.txt"

	pass=$(grep -cE '^ok [0-9]+ ' "$con.txt")
	skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$con.txt")
	fail=$(grep -cE '^not ok [0-9]+ ' "$con.txt")
	# kselftest's own verdicts inside a test's output
	nested=$(grep -cE "$NESTED_FAIL" "$con.txt")
	planned=$(sed -n 's/^1\.\.\([0-9]\+\)$/\1/p' "$con.txt" | tail -n 1)
	pass=$((pass - skip))
	ran=$((pass + skip + fail))
	T_PASS=$((T_PASS + pass))
	T_FAIL=$((T_FAIL + fail))
	T_SKIP=$((T_SKIP + skip))
	STAGE_NOTE="$pass passed, $fail failed, $skip skipped"

	echo "---- $name: results"
	grep -E '^(not )?ok [0-9]+ ' "$con.txt"
	if (( rc == 124 || rc == 137 )); then
		STAGE_NOTE+="; guest did not finish in ${GUEST_TIMEOUT}s"
		T_FAIL=$((T_FAIL + 1))
		return 1
	fi
	if ! grep -q '^ksmtest: done' "$con.txt" || [[ $planned != "$ran" ]]; then
		STAGE_NOTE+="; guest did not finish its plan (${planned:-no plan}, $ran ran, qemu exit $rc)"
		T_FAIL=$((T_FAIL + 1))
		return 1
	fi
	if (( nested > 0 )); then
		STAGE_NOTE+="; $nested failed subtests or plans"
		grep -E "$NESTED_FAIL" "$con.txt"
		return 1
	fi
	(( fail == 0 ))
}

# ---------------------------------------------------------------- main

mkdir -p "$CACHE" "$LOGDIR" 2>/dev/null || skip_all "cannot create $CACHE"
h_say "cache $CACHE, ${#PATCHES[@]} patches, make -j$JOBS"

# One run at a time per cache: other engineers share the machine.
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
	h_say "waiting for another run to release $CACHE/.lock ..."
	flock -w 2400 9 || skip_all "$CACHE is busy with another run"
fi

stage deps st_deps || skip_all "$STAGE_NOTE"

need_kb=3000000
[[ -d $SRC612 ]] || need_kb=$((need_kb + 4000000))
(( want_61 )) && [[ ! -d $SRC61 ]] && need_kb=$((need_kb + 2500000))
if (( $(free_kb) < need_kb )); then
	skip_all "needs $((need_kb / 1000000)) GB free in $CACHE, has $(( $(free_kb) / 1000000 ))"
fi

ok612=1
stage unpack-6.12 st_unpack_612 || ok612=0
if (( ok612 )); then
	stage apply st_apply || ok612=0
fi
if (( ok612 )); then
	stage checkpatch st_checkpatch
	mapfile -t COMMITS < <(git -C "$SRC612" rev-list --reverse "$BASE_TAG..$BRANCH")
	for i in "${!COMMITS[@]}"; do
		n=$(printf '%04d' $((i + 1)))
		if ! stage "build-$n" st_build_commit "$n" "${COMMITS[i]}"; then
			ok612=0
			break
		fi
	done
fi
if (( ok612 )); then
	stage kernel-6.12 st_kernel_612 || ok612=0
else
	not_run kernel-6.12 "the series did not apply or build"
fi

ok61=$want_61
if (( want_61 )); then
	stage unpack-6.1 st_unpack_61 || ok61=0
	if (( ok61 )); then
		stage kernel-6.1 st_kernel_61 || ok61=0
	fi
fi

okuser=0
if (( ok612 )); then
	stage userland st_userland && okuser=1
else
	not_run userland "needs the patched 6.12 tree"
fi

if (( want_boot && okuser )); then
	(( ok612 )) && stage boot-6.12 st_boot 6.12 "$OUT/bzImage-6.12" full
	(( ok61 )) && stage boot-6.1 st_boot 6.1 "$OUT/bzImage-6.1" ksmctl
fi

finish
