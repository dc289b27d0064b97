#!/bin/bash
# Golden tests of `klaxon check`: run `KLAXON check -c tests/check/X.conf`
# for every X.conf here (extra arguments from a first line "# args: ..."),
# with stdout and stderr together and the exit status appended as
# "[exit N]", and compare with X.out. The same for `klaxon test` on every
# tests/check/test/X.test.conf (its failure messages), and for klaxon run
# with the arguments in each tests/check/cli/X.args (one line, split on
# blanks: the command line's own messages). Run from the top of the tree:
#   tests/check/run.sh [build/klaxon]
# UPDATE=1 rewrites the .out files (review the diff before committing).
# Last line: "check-golden: N passed, N failed".
set -u
klaxon=${1:-build/klaxon}
cd "$(dirname "$0")/../.." || exit 1
passed=0 failed=0
# A fixed environment: secrets the tests expect to find, and none other.
export KLAXON_TEST_SLACK_URL=https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnopqrstuvwx
unset KLAXON_TEST_UNSET
export TZ=UTC LC_ALL=C
for conf in tests/check/*.conf tests/check/test/*.test.conf \
    tests/check/cli/*.args; do
	want=${conf%.*}.out
	read -r -a args < <(sed -n '1s/^# args: //p' "$conf")
	case $conf in
	*.test.conf) got=$("$klaxon" test "$conf" 2>&1; echo "[exit $?]") ;;
	*.args)
		read -r -a args <"$conf"
		got=$("$klaxon" "${args[@]}" 2>&1; echo "[exit $?]") ;;
	*) got=$("$klaxon" check "${args[@]}" -c "$conf" 2>&1; echo "[exit $?]") ;;
	esac
	if [ "${UPDATE:-}" = 1 ]; then
		printf '%s\n' "$got" >"$want"
	fi
	if [ -f "$want" ] && [ "$got" = "$(cat "$want")" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "check-golden: FAIL $conf"
		diff -u "$want" <(printf '%s\n' "$got") | sed 's/^/    /'
	fi
done
echo "check-golden: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
