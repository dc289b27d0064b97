#!/bin/bash
# The worked `klaxon test` examples of the README ("Rule tests") and of the
# man page (TEST FILES) are real: each is cut out of its document and run
# beside a copy of packaging/examples/rules, and must pass.
#   tests/check/doc_examples.sh [build/klaxon]
# Last line: "doc-examples: N passed, N failed".
set -u
klaxon=${1:-build/klaxon}
case $klaxon in /*) ;; *) klaxon=$PWD/$klaxon ;; esac
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tests"
cp -r packaging/examples/rules "$tmp/"
passed=0 failed=0
run() { # run NAME: the example in $tmp/tests/NAME.test.conf
	local f=$tmp/tests/$1.test.conf
	if [ -s "$f" ] && "$klaxon" test "$f" >"$tmp/out" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "doc-examples: FAIL the $1 example"
		sed 's/^/    /' "$tmp/out" 2>/dev/null | head -20
	fi
}
# README: the code block that starts with the example's rule_files line.
awk '/^```$/ { on = 0 } on { print }
    /^A worked example/ { want = 1 }
    want && /^```$/ && !done { on = 1; done = 1 }' README.md \
    >"$tmp/tests/readme.test.conf"
run readme
# Man page: the lines between .nf/.ft CR and .ft/.fi of TEST FILES, with
# the roff escapes undone.
awk '/^\.SH TEST FILES/ { sec = 1 } /^\.SH EXIT/ { sec = 0 }
    sec && /^\.ft$/ { on = 0 } on { print } sec && /^\.ft CR$/ { on = 1 }' \
    packaging/man/klaxon.8 | sed 's/\\e/\\/g; s/\\-/-/g' \
    >"$tmp/tests/man.test.conf"
run man
echo "doc-examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
