#!/bin/bash
# Run the cmocka test binaries given as arguments (after the build dir),
# print each one's output, then one closing line "N passed, N failed"
# summed over all of them. Exit 1 when any test failed or a binary crashed.
set -u
shift # build dir, unused: binaries carry their path
passed=0 failed=0 crashed=0
for bin in "$@"; do
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		echo "$bin: exited $rc without a cmocka summary (crash?)"
		crashed=$((crashed + 1))
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
