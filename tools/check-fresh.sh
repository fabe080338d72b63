#!/bin/bash
# The step functions are called through `fresh_step NAME FUNCTION`:
# shellcheck disable=SC2317
#
# check-fresh.sh - prove the package lists complete: build and test ksmctl
# in a minimal Debian root that has only what `make deps deps-kernel`
# installs into it.
#
#   tools/check-fresh.sh [--keep] [--no-kernel]      (make check-fresh)
#
# Steps (each timed, as the harness times its stages; logs in
# DIR/logs/STEP.log):
#   host-deps  mmdebstrap on this machine (tools/deps.sh)
#   root       a minbase root (Essential and Priority: required packages)
#              of this machine's Debian release, from its apt sources, and
#              make: the one package a user needs to type `make deps`
#   copy       the working tree, as git sees it (tracked and untracked,
#              not ignored files; uncommitted changes included)
#   deps       make deps deps-kernel
#   build      make all tests-built fuzz-built
#   suites     tests/run-all.sh unit cli tune top docs fault fuzz: every
#              suite that does not need the host's KSM (the sanitizer
#              repeats need nothing more: make check runs them)
#   kernel     kernel-patch/harness/run.sh --no-boot: every stage but the
#              boots (unpack, apply, checkpatch, builds, userland)
# The last four run inside the root, in their own mount and PID namespace,
# with /proc and /dev but no /sys, as root, with a minimal environment.
#
# A step fails when its command fails, when a test suite skipped or ran
# nothing, or when a command was not found; each missing command is named
# ("check-fresh: command not found: NAME, in STEP"), with the package that
# holds it on this machine when there is one.  Exit 0 when every step passed.
#
# Environment:
#   KSM_FRESH_DIR     where the root is made, as DIR/fresh-root (default
#                     /var/tmp/ksmctl-fresh; needs 20 GB free); the root is
#                     removed at the end unless --keep
#   KSM_KERNEL_CACHE  the harness's cache on this machine: its ccache
#                     directory is shared with the root's kernel builds
#                     (ccache checks every input, so a hit cannot hide a
#                     missing compiler, header or tool)
set -uo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
top=$(cd -- "$here/.." && pwd)
# shellcheck source=kernel-patch/harness/lib.sh
. "$top/kernel-patch/harness/lib.sh"
H_PREFIX=check-fresh

keep=0
want_kernel=1
for arg in "$@"; do
	case $arg in
	--keep) keep=1 ;;
	--no-kernel) want_kernel=0 ;;
	-h|--help)
		sed -n '/^# check-fresh.sh/,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"
		exit 0 ;;
	*) echo "check-fresh: unknown argument '$arg'" >&2; exit 2 ;;
	esac
done

DIR=${KSM_FRESH_DIR:-/var/tmp/ksmctl-fresh}
ROOT=$DIR/fresh-root
LOGDIR=$DIR/logs
SRC=/src/ksmctl
HOST_CACHE=${KSM_KERNEL_CACHE:-/var/cache/ksmctl-kernel}
# The harness's default cache inside the root: the same path as on the
# host, so ccache's hashes (which include paths) match.
ROOT_CACHE=/var/cache/ksmctl-kernel
export LC_ALL=C

die() {
	echo "check-fresh: $*" >&2
	exit 1
}

[[ $(id -u) == 0 ]] || die "needs root (it makes a Debian root and chroots into it)"
# shellcheck source=/dev/null
. /etc/os-release
[[ -n ${VERSION_CODENAME:-} ]] || die "/etc/os-release: no VERSION_CODENAME: not a Debian release"
CODENAME=$VERSION_CODENAME

# ---------------------------------------------------------------- helpers

# debian_sources: this machine's apt source files that serve its release
# from Debian's archive (signed by its keyring), one path a line.
debian_sources() {
	local f

	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		grep -qE "^[[:space:]]*(deb[[:space:]].*[[:space:]]$CODENAME([[:space:]]|\$)|Suites:.*[[:space:]]$CODENAME([[:space:]]|\$))" "$f" ||
			continue
		# a third party's key is not in a fresh root
		if grep -qiE 'signed-by' "$f" &&
			grep -iE 'signed-by' "$f" | grep -qv 'debian-archive-keyring'; then
			continue
		fi
		echo "$f"
	done
}

# in_root COMMAND: run COMMAND (a shell line) in the root, from the copy
# of the tree, in new mount and PID namespaces that end with it.
in_root() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --pid --fork --kill-child -- /bin/bash -c '
		set -e
		root=$1 host_cache=$2 root_cache=$3 src=$4 cmd=$5
		mount --make-rprivate /
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		# the ccache of this machine, made if need be: make check reuses it
		if mkdir -p "$host_cache/ccache" 2>/dev/null; then
			mkdir -p "$root$root_cache/ccache"
			mount --bind "$host_cache/ccache" "$root$root_cache/ccache"
		fi
		exec chroot "$root" /usr/bin/env -i HOME=/root TERM=xterm-256color \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			LANG=C.UTF-8 /bin/bash -c "cd \"\$1\" && $cmd" check-fresh "$src"
	' check-fresh "$ROOT" "$HOST_CACHE" "$ROOT_CACHE" "$SRC" "$*"
}

# missing_commands LOG: the commands LOG says were not found, one a line.
missing_commands() {
	sed -nE \
		-e 's/^.*: ([^ :]+): (command )?not found$/\1/p' \
		-e "s/^.*: ([^ :]+): [Cc]ommand not found\$/\1/p" \
		-e "s/^(env|timeout|nice|xargs|flock|setpriv|unshare|chroot): .*'([^']+)': No such file or directory\$/\2/p" \
		-e 's/^make(\[[0-9]+\])?: ([^ :]+): No such file or directory$/\2/p' \
		-e 's/^.*command not found: ([^ ;]+).*$/\1/p' \
		"$1" | sort -u
}

# report_missing STEP LOG: name each missing command; 1 if there was one.
report_missing() {
	local cmd pkg found=0

	while IFS= read -r cmd; do
		[[ -n $cmd ]] || continue
		found=1
		pkg=$(host_package "$cmd")
		echo "check-fresh: command not found: $cmd, in $1${pkg:+ (on this machine it is in package $pkg)}" >&2
	done < <(missing_commands "$2")
	return $((found))
}

# host_package COMMAND: the Debian package that holds COMMAND here, if any.
host_package() {
	local path

	path=$(command -v -- "$1" 2>/dev/null) || return 0
	path=$(readlink -f -- "$path")
	dpkg-query -S "$path" 2>/dev/null | sed -n '1s/:.*//p'
}

# suites_clean LOG: every suite line of run-all says "0 failed" and no
# suite skipped or ran nothing: a fresh root must run all of them.
suites_clean() {
	local bad

	bad=$(grep -E '^[a-z-]+: [0-9]+ passed' "$1" |
		grep -vE ': [1-9][0-9]* passed, 0 failed(, 0 skipped)?$')
	[[ -z $bad ]] && return 0
	echo "suites that failed, skipped or ran nothing:" >&2
	printf '    %s\n' "$bad" >&2
	return 1
}

# ---------------------------------------------------------------- steps

st_host_deps() {
	"$top/tools/deps.sh" mmdebstrap
}

st_root() {
	local -a sources

	mapfile -t sources < <(debian_sources)
	(( ${#sources[@]} > 0 )) || { echo "no apt source for $CODENAME from Debian's archive"; return 1; }
	echo "sources: ${sources[*]}"
	rm -rf -- "$ROOT"
	# make: what a user types first (`make check`); the lists hold the rest
	mmdebstrap --mode=root --variant=minbase --format=directory --include=make \
		"$CODENAME" "$ROOT" "${sources[@]}" || return 1
	STAGE_NOTE="$CODENAME minbase, $(du -sh "$ROOT" | cut -f1)"
}

st_copy() {
	local f

	mkdir -p "$ROOT$SRC" || return 1
	# what git would commit now: tracked files still present, and new ones
	while IFS= read -r -d '' f; do
		if [[ -e $top/$f || -L $top/$f ]]; then
			printf '%s\0' "$f"
		fi
	done < <(git -C "$top" ls-files -z --cached --others --exclude-standard) |
		tar -C "$top" --null -T - -cf - | tar -xf - -C "$ROOT$SRC" || return 1
	STAGE_NOTE="$(find "$ROOT$SRC" -type f | wc -l) files"
}

st_deps() {
	in_root make deps deps-kernel
}

st_build() {
	in_root make all tests-built fuzz-built
}

st_suites() {
	in_root tests/run-all.sh unit cli tune top docs fault fuzz || return 1
	suites_clean "$LOGDIR/suites.log"
}

st_kernel() {
	in_root kernel-patch/harness/run.sh --no-boot || return 1
	grep -qE '^kernel-patch: [1-9][0-9]* passed, 0 failed, 0 skipped$' "$LOGDIR/kernel.log" || {
		echo "the harness skipped a stage"
		return 1
	}
}

# fresh_step NAME FUNCTION: run a step through the harness's `stage`; a
# command its log says was not found fails it.  Its log, and the
# harness's own stage logs inside the root, are searched.
fresh_step() {
	local name=$1 rc=0 log

	stage "$@" || rc=$?
	for log in "$LOGDIR/$name.log" "$ROOT$ROOT_CACHE"/logs/*.log; do
		[[ -f $log ]] || continue
		report_missing "$name" "$log" || rc=1
	done
	((rc == 77)) && rc=1 # nothing may be skipped on a fresh root
	return $rc
}

cleanup() {
	if ((keep)); then
		echo "check-fresh: kept $ROOT"
	else
		rm -rf -- "$ROOT"
	fi
}

# ---------------------------------------------------------------- main
# One compound command, parsed whole before it runs: editing this file
# while a check runs (it takes long) cannot change what the run does.
{
	mkdir -p "$LOGDIR" || die "cannot create $LOGDIR"
	exec 9>"$DIR/.lock"
	flock -n 9 || die "$DIR is in use by another check-fresh"
	trap cleanup EXIT
	trap 'exit 130' INT TERM

	free_gb=$(df -Pk "$DIR" | awk 'NR == 2 { print int($4 / 1000000) }')
	((free_gb >= 20)) || die "$DIR: needs 20 GB free, has $free_gb"

	start=$SECONDS
	status=0
	steps=(host-deps:st_host_deps root:st_root copy:st_copy deps:st_deps
		build:st_build suites:st_suites)
	((want_kernel)) && steps+=(kernel:st_kernel)
	# The suites and the kernel stages need only the build: both run, so that
	# one run names everything missing.
	for s in "${steps[@]}"; do
		if ! fresh_step "${s%%:*}" "${s#*:}"; then
			status=1
			case ${s%%:*} in suites|kernel) ;; *) break ;; esac
		fi
	done

	stage_summary
	elapsed=$((SECONDS - start))
	if ((status == 0)); then
		h_say "passed in $((elapsed / 60))m$((elapsed % 60))s ($CODENAME minbase root)"
	else
		h_say "FAILED in $((elapsed / 60))m$((elapsed % 60))s; logs in $LOGDIR"
	fi
	exit $status
}
