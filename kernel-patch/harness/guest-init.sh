#!/bin/sh
# shellcheck shell=dash
#
# /init of the kernel-patch harness's initramfs (busybox sh).
#
# Runs the tests that ksmtest.suite= on the kernel command line asks for,
# prints TAP on the console, then reboots, which with qemu's -no-reboot
# ends the emulator:
#   ksmtest.suite=full     ksmctl's real-kernel suite, the kernel's KSM
#                          selftests (with the series' new tests)
#   ksmctl.suite=ksmctl    ksmctl's real-kernel suite only (6.1)
# Test output is printed as TAP comments ("# ...") below each result's
# line, so a nested "not ok" stays visible to the host.

export PATH=/usr/bin:/bin:/sbin HOME=/root TMPDIR=/tmp LC_ALL=C

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# bash's process substitution needs /dev/fd
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o size=256m tmpfs /tmp
mount -t tmpfs -o size=16m tmpfs /run
exec </dev/null >/dev/console 2>&1

suite=full
read -r cmdline </proc/cmdline
for word in $cmdline; do
	case $word in
	ksmtest.suite=*) suite=${word#ksmtest.suite=} ;;
	esac
done

n=0

# t NAME SKIP_STATUS TIMEOUT COMMAND...: run COMMAND, print its result.
# Exit status 0 passes; SKIP_STATUS (77 for ksmctl's scripts, 4 for
# kselftests) skips; anything else, or running out of time, fails.
t() {
	name=$1 skip_status=$2 secs=$3
	shift 3
	n=$((n + 1))
	start=$(date +%s)
	{
		timeout "$secs" "$@" 2>&1
		echo $? >/tmp/.rc
	} | sed 's/^/# /'
	rc=$(cat /tmp/.rc)
	# how close a test comes to its timeout
	echo "# ksmtest: $name took $(($(date +%s) - start)) s of ${secs} s"
	if [ "$rc" = 0 ]; then
		echo "ok $n - $name"
	elif [ "$rc" = "$skip_status" ]; then
		echo "ok $n - $name # SKIP (exit $rc)"
	elif [ "$rc" = 143 ]; then
		echo "not ok $n - $name # timed out after ${secs}s"
	else
		echo "not ok $n - $name # exit $rc"
	fi
}

# The kernel must not have complained while the tests ran.
kernel_log_clean() {
	n=$((n + 1))
	if dmesg | grep -E 'BUG:|WARNING:|Oops|Call Trace|general protection' \
		>/tmp/.klog; then
		sed 's/^/# /' /tmp/.klog
		echo "not ok $n - kernel log has no warnings"
	else
		echo "ok $n - kernel log has no warnings"
	fi
}

ksmctl_suite() {
	ksmctl=/ksmctl/build/ksmctl
	export KSM_MAPPER=/ksmctl/build/helpers/ksm-mapper KSMCTL=$ksmctl
	t "ksmctl status" 77 60 "$ksmctl" status
	for script in /ksmctl/tests/kernel/test_*.sh; do
		[ -f "$script" ] || continue
		t "ksmctl ${script##*/}" 77 300 bash "$script" "$ksmctl"
	done
}

selftests() {
	cd /selftests || return
	t "ksm_functional_tests" 4 900 ./ksm_functional_tests
	# The KSM invocations of tools/testing/selftests/mm/run_vmtests.sh,
	# with 32 MiB instead of 100 MiB for the two timing runs (-H, -P),
	# which take a minute each under TCG and check nothing more.
	t "ksm_tests -M -p 10" 4 300 ./ksm_tests -M -p 10
	t "ksm_tests -U" 4 300 ./ksm_tests -U
	t "ksm_tests -Z -p 10 -z 0" 4 300 ./ksm_tests -Z -p 10 -z 0
	t "ksm_tests -Z -p 10 -z 1" 4 300 ./ksm_tests -Z -p 10 -z 1
	t "ksm_tests -N -m 1" 4 300 ./ksm_tests -N -m 1
	t "ksm_tests -N -m 0" 4 300 ./ksm_tests -N -m 0
	t "ksm_tests -H -s 32" 4 300 ./ksm_tests -H -s 32
	t "ksm_tests -P -s 32" 4 300 ./ksm_tests -P -s 32
	cd /
}

echo "TAP version 13"
echo "# ksmtest: $(uname -r) $(uname -v), suite $suite"
nodes=0
for node in /sys/devices/system/node/node[0-9]*; do
	[ -d "$node" ] && nodes=$((nodes + 1))
done
echo "# ksmtest: $(grep -c '^processor' /proc/cpuinfo) cpus, $nodes numa nodes"

ksmctl_suite
if [ "$suite" = full ]; then
	selftests
fi
kernel_log_clean

echo "1..$n"
echo "ksmtest: done"
sync
reboot -f
sleep 30
