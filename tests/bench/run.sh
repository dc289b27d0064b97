#!/bin/bash
# tests/bench/run.sh BUILD_DIR - parser throughput beside wc -l.
#
# Called by `make bench` after it built BUILD_DIR/tests/bench_parse; builds
# nothing itself. Generates (once; kept in BUILD_DIR/bench/, regenerated when
# the generator changes) a realistic BENCH_LINES-line (default 1,000,000)
# nginx access log in the "timed" log_format and the same requests in
# gunicorn's default format (tests/bench/gen_access.awk, fixed seed), then
# prints for each format: lines/s, MB/s and ns/line for all fields and for a
# typical rule subset (parser->want), and parse time / `wc -l` time on the
# same file (both from the page cache; bench_parse parses from memory, best
# of 3 runs, and wc -l is timed best of 3 too).
set -euo pipefail

b=${1:?usage: tests/bench/run.sh BUILD_DIR}
bin=$b/tests/bench_parse
out=$b/bench
n=${BENCH_LINES:-1000000}
here=$(dirname "$0")
gen=$here/gen_access.awk
nginx_log=$out/nginx-timed.log
gunicorn_log=$out/gunicorn-default.log
stamp=$out/stamp

TIMED='$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time" us="$upstream_status" ua="$upstream_addr" key="$http_x_api_key"'
RULE_FIELDS=time,status,path,request_time,upstream_response_time

[ -x "$bin" ] || { echo "bench: $bin missing (run make bench)" >&2; exit 1; }
mkdir -p "$out"
want_stamp="$n $(cksum <"$gen")"
if [ ! -s "$nginx_log" ] || [ ! -s "$gunicorn_log" ] ||
    [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]; then
	echo "bench: generating $n lines into $out/"
	awk -v n="$n" -v nginx="$nginx_log" -v gunicorn="$gunicorn_log" -f "$gen"
	printf '%s\n' "$want_stamp" >"$stamp"
fi

# Best of 3 wall-clock seconds of `wc -l` on $1.
wc_seconds() {
	local best="" t0 t1 dt
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		wc -l <"$1" >/dev/null
		t1=$(date +%s%N)
		dt=$((t1 - t0))
		if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
	done
	awk -v ns="$best" 'BEGIN { printf "%.4f", ns / 1e9 }'
}

# kv KEY LINE: the value of KEY=... in bench_parse's output line.
kv() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

row() { # format label file wc_seconds [bench_parse args...]
	local format=$1 label=$2 file=$3 wcs=$4 res
	shift 4
	res=$("$bin" "$format" "$file" "$@")
	printf '%-16s %-8s %10s %9s %8s %9s %9s %8s\n' "$format" "$label" \
	    "$(kv lines_per_s "$res")" "$(kv mb_per_s "$res")" \
	    "$(kv ns_per_line "$res")" "$(kv failures "$res")" "$wcs" \
	    "$(awk -v a="$(kv seconds "$res")" -v b="$wcs" \
		'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')"
}

printf 'bench: %s lines; rule subset = %s\n' "$n" "$RULE_FIELDS"
printf '%-16s %-8s %10s %9s %8s %9s %9s %8s\n' format fields lines/s MB/s \
    ns/line failures "wc -l s" parse/wc
wc_n=$(wc_seconds "$nginx_log")
row nginx_access all "$nginx_log" "$wc_n" "$TIMED"
row nginx_access rule "$nginx_log" "$wc_n" "$TIMED" --want "$RULE_FIELDS"
wc_g=$(wc_seconds "$gunicorn_log")
row gunicorn_access all "$gunicorn_log" "$wc_g"
row gunicorn_access rule "$gunicorn_log" "$wc_g" --want "$RULE_FIELDS"

# --- the rules alone, on pre-parsed events ------------------------------------
cp "$here/dryrun.conf" "$here/dryrun-rules.conf" "$out/"
res=$("$b/tests/bench_engine" "$out/dryrun.conf" "$nginx_log")
echo
printf 'bench: rules (tests/bench/dryrun-rules.conf, 10 rules) on %s pre-parsed events\n' "$(kv events "$res")"
printf '  parse %s ns/line, rules %s ns/event (%s events/s), rules/parse = %s\n' \
    "$(kv parse_ns_per_line "$res")" "$(kv rules_ns_per_event "$res")" \
    "$(kv events_per_s "$res")" "$(kv rules_over_parse "$res")"

# --- dry-run: the whole pipeline, plain and gzipped --------------------------
# A BENCH_DRYRUN_LINES-line (default 5,000,000) log in the same format,
# replayed by `klaxon dry-run` with the ten rules of tests/bench/
# dryrun-rules.conf, beside `wc -l` on the plain file and `zcat | wc -l` on
# the gzipped one (best of 3 each; files are in the page cache).
klaxon=$b/klaxon
dn=${BENCH_DRYRUN_LINES:-5000000}
dlog=$out/dryrun.log
dstamp=$out/dryrun.stamp
[ -x "$klaxon" ] || { echo "bench: $klaxon missing (run make bench)" >&2; exit 1; }
want_dstamp="$dn $(cksum <"$gen")"
if [ ! -s "$dlog" ] || [ ! -s "$dlog.gz" ] ||
    [ "$(cat "$dstamp" 2>/dev/null)" != "$want_dstamp" ]; then
	echo "bench: generating $dn lines into $dlog and $dlog.gz"
	awk -v n="$dn" -v nginx="$dlog" -v gunicorn=/dev/null -f "$gen"
	gzip -6 -c "$dlog" >"$dlog.gz"
	printf '%s\n' "$want_dstamp" >"$dstamp"
fi
best_of_3() { # best_of_3 CMD...: best wall-clock seconds of 3 runs
	local best="" t0 t1 dt
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		dt=$((t1 - t0))
		if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
	done
	awk -v ns="$best" 'BEGIN { printf "%.3f", ns / 1e9 }'
}
zcat_wc() { zcat "$1" | wc -l; }
igzip_wc() { igzip -dc "$1" | wc -l; }
dry() { "$klaxon" dry-run -c "$out/dryrun.conf" --input "api_access=$1"; }

mb=$(awk -v s="$(stat -c %s "$dlog")" 'BEGIN { printf "%.0f", s / 1e6 }')
gzmb=$(awk -v s="$(stat -c %s "$dlog.gz")" 'BEGIN { printf "%.0f", s / 1e6 }')
t_wc=$(best_of_3 wc -l "$dlog")
t_zc=$(best_of_3 zcat_wc "$dlog.gz")
t_dp=$(best_of_3 dry "$dlog")
t_dz=$(best_of_3 dry "$dlog.gz")
t_iz=$(best_of_3 igzip_wc "$dlog.gz")
echo
printf 'bench: dry-run, %s lines (%s MB plain, %s MB gzip -6), 10 rules\n' "$dn" "$mb" "$gzmb"
printf '%-28s %8s %12s %9s %10s\n' what seconds lines/s MB/s ratio
line() { # label seconds baseline_seconds
	awk -v l="$1" -v t="$2" -v base="$3" -v n="$dn" -v mb="$mb" \
	    'BEGIN { printf "%-28s %8.3f %12.0f %9.1f %9.1fx\n", l, t, n / t, mb / t, t / base }'
}
line "wc -l (plain)" "$t_wc" "$t_wc"
line "klaxon dry-run (plain)" "$t_dp" "$t_wc"
line "zcat | wc -l (gz)" "$t_zc" "$t_zc"
line "igzip -dc | wc -l (gz)" "$t_iz" "$t_zc"
line "klaxon dry-run (gz)" "$t_dz" "$t_zc"
line "  ... against igzip alone" "$t_dz" "$t_iz"
echo "(ratio: time / the baseline above it; $("$klaxon" version))"

# --- against awk: the same lines, comparable rules ---------------------------
# tests/bench/rules.awk does seven of the ten rules (no p99, distinct,
# absent or breakdown) with mawk, the awk a shell script on a host would
# use, on the BENCH_LINES-line file; dry-run runs all ten on the same file.
# Timed side by side, best of 3 each.
if command -v mawk >/dev/null; then
	awk_rules() { mawk -f "$here/rules.awk" "$1"; }
	t_w1=$(best_of_3 wc -l "$nginx_log")
	t_k1=$(best_of_3 dry "$nginx_log")
	t_a1=$(best_of_3 awk_rules "$nginx_log")
	echo
	printf 'bench: against awk, %s lines (tests/bench/rules.awk: 7 of the 10 rules)\n' "$n"
	printf '%-28s %8s %12s %9s\n' what seconds lines/s "x wc -l"
	for w in "wc -l:$t_w1" "klaxon dry-run (10 rules):$t_k1" "mawk (7 rules):$t_a1"; do
		awk -v l="${w%:*}" -v t="${w##*:}" -v base="$t_w1" -v n="$n" \
		    'BEGIN { printf "%-28s %8.3f %12.0f %8.1fx\n", l, t, n / t, t / base }'
	done
	awk -v a="$t_a1" -v k="$t_k1" \
	    'BEGIN { printf "(mawk takes %.1fx the time of klaxon dry-run on the same lines)\n", a / k }'
else
	echo "bench: mawk missing, no awk comparison (apt-get install mawk)"
fi
