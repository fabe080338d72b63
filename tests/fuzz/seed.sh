#!/bin/bash
# (Re)build the seed corpora of tests/fuzz/corpus/ from real files: the
# fixture sysroots, this machine's /proc and /sys/kernel/mm/ksm (generic
# files only: ksmd's, a sleep process's, meminfo), Debian's ksmtuned
# package (/etc/ksmtuned.conf, /etc/default/ksm) when DEB_DIR names its
# unpacked tree, and hand-written inputs for what no real file shows.
#
#   tests/fuzz/seed.sh [DEB_DIR]
#
# Existing files are kept (regress-* inputs are never touched); seeds are
# named after their origin so a reviewer sees what each one is.  Review
# what this copies from /proc before committing: it must not name the
# machine it ran on.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$top/tests/fuzz/corpus
fixtures=$top/tests/fixtures
deb=${1:-}

# put TARGET NAME: stdin -> corpus/TARGET/NAME
put() {
	mkdir -p "$corpus/$1"
	cat > "$corpus/$1/$2"
}

# copy TARGET PREFIX FILE...: each file whose content is new to the target
copy() {
	local target=$1 prefix=$2 f sum
	shift 2
	mkdir -p "$corpus/$target"
	for f in "$@"; do
		if [ ! -f "$f" ] || [ ! -r "$f" ] || cmp -s "$f" /dev/null; then
			continue
		fi
		sum=$(md5sum < "$f" | cut -d' ' -f1)
		if ! cat "$corpus/$target"/* 2> /dev/null | grep -q . ||
			! md5sum "$corpus/$target"/* | grep -q "^$sum "; then
			cp "$f" "$corpus/$target/$prefix-${sum:0:8}"
		fi
	done
}

# take TARGET NAME FILE: a file of this machine, replaced on each run
take() {
	local text

	# /proc files have no size: read them to know
	text=$(cat "$3" 2> /dev/null) || return 0
	[ -n "$text" ] && put "$1" "$2" < "$3"
	return 0
}

# --- knob values as typed, and knob files as read
copy knob fixture "$fixtures"/*/sys/kernel/mm/ksm/* "$fixtures"/*/sys/kernel/mm/uksm/*
i=0
for v in 0 1 2 +100 100 '100\n' 4294967295 4294967296 18446744073709551615 \
	18446744073709551616 -1 -0 yes no on off true false Y n yellow \
	none scan-time 'scan-time\n' '[none]' ' none' 0x10 1.5 '20 40 MAX/4 MAX/1' \
	'MAX/1 MAX/2 MAX/3 MAX/4' '100 200 300 400' full medium low quiet; do
	printf '%b' "$v" | put knob "typed-$i"
	i=$((i + 1))
done
copy knob_shown fixture "$fixtures"/*/sys/kernel/mm/ksm/* "$fixtures"/*/sys/kernel/mm/uksm/* \
	"$fixtures"/*/proc/sys/kernel/osrelease
for f in /sys/kernel/mm/ksm/*; do
	take knob_shown "host-${f##*/}" "$f"
done
printf '12345 * 2^70\n' | put knob_shown hand-pow2
printf '[none] scan-time\n' | put knob_shown hand-mode

# --- /proc
copy procstat fixture "$fixtures"/*/proc/*/ksm_stat "$fixtures"/*/proc/*/ksm_merging_pages
take procstat host-self /proc/self/ksm_stat
printf 'ksm_rmap_items 100\nksm_zero_pages -3\nksm_merging_pages 7\nksm_process_profit -1234\nksm_merge_any: yes\nksm_mergeable: yes\nksm_cow_pages 5\n' |
	put procstat hand-all-fields
copy meminfo fixture "$fixtures"/*/proc/meminfo
take meminfo host /proc/meminfo
ksmd=$(pgrep -x ksmd || true)
copy taskstat fixture "$fixtures"/*/proc/*/stat "$fixtures"/*/proc/*/schedstat
if [ -n "$ksmd" ]; then
	take taskstat host-ksmd-stat "/proc/$ksmd/stat"
	take taskstat host-ksmd-schedstat "/proc/$ksmd/schedstat"
fi
sleep 5 & sleeper=$!
take taskstat host-sleep-stat "/proc/$sleeper/stat"
take procmem host-sleep-status "/proc/$sleeper/status"
take procmem host-sleep-smaps_rollup "/proc/$sleeper/smaps_rollup"
take smaps host-sleep-smaps "/proc/$sleeper/smaps"
kill "$sleeper"
printf '4242 (a) (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 100 0 0\n' |
	put taskstat hand-comm-parens
copy procmem fixture "$fixtures"/*/proc/*/status "$fixtures"/*/proc/*/smaps_rollup
copy smaps fixture "$fixtures"/*/proc/*/smaps
copy procname fixture "$fixtures"/*/proc/*/cgroup "$fixtures"/*/proc/*/cmdline
printf '0::/machine.slice/machine-qemu\\x2d3\\x2dguest\\x2done.scope/libvirt/vcpu0\n' |
	put procname hand-machine-scope
printf '12:name=systemd:/system.slice/foo.service\n0::/\n' | put procname hand-v1-hybrid
printf '0::/user.slice/user-1000.slice/user@1000.service/app.slice/a\nb.scope\n' |
	put procname hand-newline-name
printf 'qemu-system-x86_64\0-name\0guest=web,,1,debug-threads=on\0-m\0512\0' |
	put procname hand-cmdline

# --- configuration files
copy tuneconf fixture "$fixtures"/*/etc/ksmtuned.conf "$top"/tests/tune/*.conf
copy conf fixture "$fixtures"/*/etc/*.conf
copy envfile fixture "$fixtures"/*/etc/default/ksm "$fixtures"/*/etc/ksmtuned.conf
copy calibration fixture "$fixtures"/*/var/lib/ksmctl/calibration
if [ -n "$deb" ]; then
	copy tuneconf debian "$deb/etc/ksmtuned.conf"
	copy envfile debian "$deb/etc/ksmtuned.conf" "$deb/etc/default/ksm"
fi
printf '%s\n' '# every key, as an administrator might write them' \
	'KSM_MONITOR_INTERVAL=2.5' 'KSM_SLEEP_MSEC=20' 'KSM_NPAGES_BOOST=500' \
	'KSM_NPAGES_DECAY=-100' 'KSM_NPAGES_MIN=32' 'KSM_NPAGES_MAX=5000' \
	'KSM_THRES_COEF=30' 'KSM_THRES_CONST=4096' 'LOGFILE=/var/log/ksmtuned.log' \
	'DEBUG=1' 'PIDFILE="/run/ksmtune.pid"' 'export KSM_FREE_METRIC=ksmtuned' \
	'KSM_COMMITTED=rss' "KSM_PROCESS_REGEX='^(qemu|kvm)'" \
	'KSM_INCLUDE_KSM_USERS=yes' 'KSM_USE_ADVISOR=no' 'KSM_GOVERNOR=low' \
	'KSM_RESTORE_ON_EXIT=no' | put tuneconf hand-every-key
printf 'KSM_NPAGES_MIN=2000\nKSM_NPAGES_MAX=100\n' | put tuneconf hand-min-over-max
printf 'KSM_PROCESS_REGEX="(unclosed"\n' | put tuneconf hand-bad-regex
printf '# settings\npages_to_scan = 1000\ngovernor = low\t\t# quiet at night\ncpu_ratios = "20 40 MAX/4 MAX/1"\n' |
	put conf hand-example
printf 'export KSM_NPAGES_MAX="1250" # max\nKSM_THRES_COEF=20\nLOGFILE='"'"'/var/log/ksmtuned'"'"'\n' |
	put envfile hand-quotes

# --- untrusted text
copy escape fixture "$fixtures"/*/proc/*/comm
printf 'evil\033[2J\033]0;title\007name' | put escape hand-ansi
printf 'caf\303\251 \342\202\254 \360\237\230\200 \300\200 \355\240\200 \302\233' |
	put escape hand-utf8
printf 'a\\b\tc\rd\ne\177' | put escape hand-controls
printf 'x\\xff\\\\n\\x1b' | put escape hand-backslashes

# --- whole commands (the output target): fields each prefixed with their
# length (mod 48): comm and cgroup of three processes, the release, one
# knob file's content, which knob, the name of a file the table lacks
printf '\001\377\001\377\004\\xff\001a\000\000\000\000\000' | put output hand-ff-collision
printf '\007\033[2J\377\n\012a\\x2db\377c\n\003a\nb\005\033]0;x\000\000\0136.12\033[2J\376\002x\n\016\004new\033' |
	put output hand-controls
printf '\00515.0\000\005\\\\x1b\000\000\000\000\005garbage\017\000' | put output hand-backslashes
printf '\003\302\233\000\004\355\240\200q\000\000\000\000\02518446744073709551615\016\000' |
	put output hand-c1-huge
echo "seeded: $(find "$corpus" -type f | wc -l) files in $(find "$corpus" -mindepth 1 -type d | wc -l) corpora"
