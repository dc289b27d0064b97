#!/bin/bash
# Every option a command accepts is documented: for each agent/cmd_X.c,
# the long options of its struct option table and the letters of its
# getopt string must appear in that command's block of `klaxon --help`,
# in `klaxon X --help`, and in the man page's section on the command.
# Run from the top of the tree:
#   tests/check/options.sh [build/klaxon]
# Last line: "options: N passed, N failed".
set -u
klaxon=${1:-build/klaxon}
cd "$(dirname "$0")/../.." || exit 1
man=packaging/man/klaxon.8
passed=0 failed=0
bad=0
fail() { echo "options: FAIL $*"; bad=1; }
tally() { # after the checks of one option
	if [ "$bad" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	bad=0
}

help=$("$klaxon" --help) || { fail "klaxon --help exits $?"; help=; }
tally
for src in agent/cmd_*.c; do
	cmd=${src#agent/cmd_}
	cmd=${cmd%.c}
	[ "$cmd" = dryrun ] && cmd=dry-run
	# This command's block of klaxon --help: from "  klaxon CMD" to the
	# next "  klaxon " line.
	block=$(printf '%s\n' "$help" | awk -v c="usage: klaxon $cmd" '
	    index($0, c) == 1 { on = 1; print; next }
	    /^usage: klaxon / { on = 0 }
	    on')
	own=$("$klaxon" "$cmd" --help 2>&1)
	# The man page: from ".B CMD" under COMMANDS to the next ".TP".
	mansec=$(awk -v c=".B ${cmd//-/\\\\-}" '
	    $0 == c { on = 1; next } on && /^\.(TP|SH)/ { on = 0 } on' "$man")
	longs=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", \(required\|no\)_argument.*/\1/p' "$src")
	shorts=$(sed -n 's/.*getopt_long([^"]*"\([^"]*\)".*/\1/p' "$src" | tr -d ':' | fold -w1)
	for o in $longs; do
		printf '%s\n' "$block" | grep -q -- "--$o\b" || fail "$cmd: --$o not in klaxon --help"
		printf '%s\n' "$own" | grep -q -- "--$o\b" || fail "$cmd: --$o not in klaxon $cmd --help"
		[ "$o" = help ] || printf '%s\n' "$mansec" | grep -qF -- "\\-\\-${o//-/\\-}" ||
		    fail "$cmd: --$o not in $man"
		tally
	done
	for s in $shorts; do
		printf '%s\n' "$block" | grep -q -- "-$s\b" || fail "$cmd: -$s not in klaxon --help"
		printf '%s\n' "$own" | grep -q -- "-$s\b" || fail "$cmd: -$s not in klaxon $cmd --help"
		[ "$s" = h ] || printf '%s\n' "$mansec" | grep -qF -- "\\-$s" ||
		    fail "$cmd: -$s not in $man"
		tally
	done
done
echo "options: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
