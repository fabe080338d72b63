# shellcheck shell=bash
# Sourced by the terminal tests (tmux.sh, ps-tmux.sh): their counters, and
# a visible SKIP when tmux is missing.  The sourcing script sets $name,
# the suite's name in its last line "NAME: N passed, N failed, N skipped".
passed=0
failed=0
skipped=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }
skip() { skipped=$((skipped + 1)); printf 'SKIP: %s\n' "$*"; }
# shellcheck disable=SC2154 # $name is the sourcing script's
summary() { echo "$name: $passed passed, $failed failed, $skipped skipped"; }

if ! command -v tmux > /dev/null; then
	skip "tmux is not installed (apt-get install tmux)"
	summary
	exit 0
fi
