#!/bin/bash
# run.sh KLAXON_BINARY - run every tests/integration/test_*.sh with the binary
# in $KLAXON, print "PASS name" or "FAIL name (reason)" for each, and close
# with "integration: N passed, N failed". Exit 1 when any test failed.
#
# A test passes when it exits 0. Its reason for failing is its last output
# line that starts with "FAIL:" (or else its last line); its whole output is
# printed, indented, under a FAIL. A test that needs a missing package fails:
# nothing is skipped silently (`make check` installs the packages first).
# Each test is bounded by TEST_TIMEOUT seconds (default 300).

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ $# -ne 1 ]; then
	echo "usage: $0 KLAXON_BINARY" >&2
	exit 2
fi
case "$1" in
/*) KLAXON=$1 ;;
*) KLAXON=$(pwd)/$1 ;;
esac
export KLAXON
TEST_TIMEOUT=${TEST_TIMEOUT:-300}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

passed=0 failed=0
shopt -s nullglob
tests=("$HERE"/test_*.sh)
if [ ${#tests[@]} -eq 0 ]; then
	echo "FAIL integration (no tests/integration/test_*.sh found)"
	failed=1
fi
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	out=$tmp/$name.out
	start=$EPOCHREALTIME
	timeout --kill-after=10 "$TEST_TIMEOUT" bash "$t" >"$out" 2>&1 </dev/null
	rc=$?
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name (${secs} s)"
		passed=$((passed + 1))
		continue
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		reason="timed out after $TEST_TIMEOUT s"
	else
		reason=$(grep '^FAIL:' "$out" | tail -1 | sed 's/^FAIL: *//')
		[ -n "$reason" ] || reason=$(grep -v '^[[:space:]]*$' "$out" | tail -1)
		[ -n "$reason" ] || reason="exit status $rc"
	fi
	echo "FAIL $name ($reason)"
	sed 's/^/    /' "$out"
	failed=$((failed + 1))
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
