#!/bin/bash
# Run each libFuzzer binary for SECONDS, seeded from tests/data (every
# fixture file, split into one seed per line for line-oriented targets),
# and print the executions each ran. Exit 1 when a target found a crash.
set -u
secs=$1
shift
failed=0
seeds=build-fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds"
i=0
while IFS= read -r -d '' f; do
	cp "$f" "$seeds/file$i" 2>/dev/null
	i=$((i + 1))
done < <(find tests/data packaging/examples -type f -size -64k -print0 2>/dev/null)
for bin in "$@"; do
	name=$(basename "$bin")
	corpus=build-fuzz/corpus/$name
	mkdir -p "$corpus"
	log=build-fuzz/$name.log
	"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/$name-" "$corpus" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ "$rc" -ne 0 ]; then
		echo "fuzz $name: FAILED after ${execs:-?} execs (see $log)"
		failed=$((failed + 1))
	else
		echo "fuzz $name: ${execs:-?} execs in ${secs}s, clean"
	fi
done
echo "fuzz: $(( $# - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
