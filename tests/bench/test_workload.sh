#!/bin/bash
# bench/ksm-workload without KSM: its ideal is the arithmetic of the
# issue (K identical pages leave ceil(K / max_page_sharing) KSM pages),
# bad usage is refused, and -- as root -- its verification really
# catches a byte changed behind its back (through /proc/PID/mem), so a
# "verified" in the benchmark means something.
#
#   tests/bench/test_workload.sh [KSMCTL]   (KSMCTL unused)
# Exit: 0 pass, 1 fail.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
wl=$top/build/bench/ksm-workload
fails=0
work=$(mktemp -d "${TMPDIR:-/tmp}/ksm-workload-test.XXXXXX")
wpid=
cleanup() {
	[[ -n $wpid ]] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: test_workload.sh: $*"
	fails=$((fails + 1))
}

[[ -x $wl ]] || { fail "$wl not built (make all)"; exit 1; }

# expect DESCRIPTION JQ-FILTER EXPECTED -- WORKLOAD ARGS...
expect() {
	local what=$1 filter=$2 want=$3 got
	shift 4
	got=$("$wl" "$@" --plan | jq -c "$filter") || { fail "$what: --plan failed"; return; }
	[[ $got == "$want" ]] || fail "$what: got $got, want $want"
}

pages=$((4 * 1024 * 1024 / $(getconf PAGESIZE)))
half=$((pages / 2))
# 4 guests, half shared (3 of 4 copies go), half zero (one content: K =
# 4 * half pages in chains of 256; with use_zero_pages all of them go)
k=$((4 * half))
expect "shared+zero" '[.ideal.use_zero_pages_off.pages, .ideal.use_zero_pages_on.pages]' \
	"[$((3 * half + k - (k + 255) / 256)),$((3 * half + k))]" -- \
	-g 4 -s 4 --mix shared=50,zero=50 --max-page-sharing 256
# max_page_sharing 2: every pair of identical pages needs its own KSM page
expect "chains of 2" '.ideal.by_class.shared.use_zero_pages_off' "$((half * 2))" -- \
	-g 4 -s 4 --mix shared=50 --max-page-sharing 2
# dup pages: factor 4 in one guest, 3 of each 4 go; unique and volatile: none
expect "dup" '[.ideal.by_class.dup.use_zero_pages_off, .ideal.by_class.unique.use_zero_pages_off]' \
	"[$((pages * 3 / 4)),0]" -- -g 1 -s 4 --mix dup=100 --dup-factor 4 --max-page-sharing 256
expect "volatile if still" '[.ideal.use_zero_pages_off.pages, .ideal.volatile_if_still.pages]' \
	"[0,$((pages * 2))]" -- -g 3 -s 4 --mix volatile=100 --max-page-sharing 256
expect "unique takes the rest" '.workload.mix.unique.pages_per_guest' "$((pages - pages / 10))" -- \
	-g 1 -s 4 --mix shared=10 --max-page-sharing 256

for bad in "--mix shared=60,zero=50" "--mix shared=10,unique=10" "--mix bogus=1" \
	   "--guests 0" "--size 0" "--dup-factor 1" "--merge none" "--rate -1" "extra"; do
	# shellcheck disable=SC2086 # the options are words
	"$wl" $bad --plan >/dev/null 2>"$work/err"
	rc=$?
	[[ $rc == 2 && -s $work/err ]] || fail "'$bad': exit $rc, want 2 and a message"
done

# A short run with --hold: every guest verifies, JSON says so.
if "$wl" -g 2 -s 2 --hold 1 > "$work/hold.json"; then
	[[ $(jq -r '.status + " " + .run.stopped_by + " " + (.run.guests | length | tostring)' \
		"$work/hold.json") == "ok hold 2" ]] || fail "--hold: unexpected summary"
else
	fail "--hold 1: exit $?"
fi

if ((EUID == 0)); then
	"$wl" -g 2 -s 2 --ready-file "$work/ready" > "$work/out.json" 2> "$work/err" &
	wpid=$!
	for ((i = 0; i < 100; i++)); do
		[[ -e $work/ready ]] && break
		sleep 0.1
	done
	read -r _ gpid regions < <(sed -n 2p "$work/ready")
	addr=${regions#*dup=}
	addr=${addr%%-*}
	# one byte of the second guest's 4th dup page
	printf 'Z' | dd of="/proc/$gpid/mem" bs=1 seek=$((16#$addr + 3 * $(getconf PAGESIZE) + 100)) \
		conv=notrunc status=none || fail "cannot write /proc/$gpid/mem"
	kill -TERM "$wpid"
	wait "$wpid"
	rc=$?
	wpid=
	[[ $rc == 4 ]] || fail "a changed byte: exit $rc, want 4"
	grep -q 'VERIFY FAILED' "$work/err" || fail "a changed byte: no VERIFY FAILED on stderr"
	[[ $(jq -c '[.status, .run.guests[1].first_bad]' "$work/out.json") == \
	   '["corrupt",{"class":"dup","page":3,"offset":100}]' ]] ||
		fail "a changed byte: summary $(jq -c '.run.guests[1]' "$work/out.json")"
else
	echo "# test_workload.sh: not root: the corruption check is left out"
fi

((fails == 0)) || exit 1
echo "PASS: test_workload.sh"
