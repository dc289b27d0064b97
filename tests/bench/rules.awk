# rules.awk - seven of the ten bench rules (tests/bench/dryrun-rules.conf)
# as an awk program, for `make bench` to time beside `klaxon dry-run` on
# the same file: what a shell script on a host would do instead.
#
# Each rule keeps per-second buckets over its window, evaluated once per
# second of log time, and prints a line when its condition starts or stops
# holding, as klaxon does. Done: api_latency (avg over 5m, three paths
# excluded, min_count 20), server_errors (5xx ratio over 5m, min 50),
# bad_gateway_by_upstream (502 count per upstream over 1m), auth_failures
# (401 count over 2m), disconnects (499 rate over 5m), upstream_slow (max
# upstream time over 1m), bots (UA regex count over 10m). Not done (awk has
# no cheap way): p99, distinct, absent, breakdowns. So awk does less work
# than klaxon here. The quoted fields it needs are found with match();
# the others by splitting on blanks (the bench file's request, status and
# time hold none).
#
#   mawk -f tests/bench/rules.awk nginx-timed.log

function month(m) {
	return index("JanFebMarAprMayJunJulAugSepOctNovDec", m) / 3
}

# Seconds of a [dd/Mon/yyyy:hh:mm:ss stamp (within a year: enough here).
function secs(ts,    d) {
	d = (month(substr(ts, 5, 3)) * 31 + substr(ts, 2, 2)) * 86400
	return d + substr(ts, 14, 2) * 3600 + substr(ts, 17, 2) * 60 + substr(ts, 20, 2)
}

function state(name, holds) {
	if (holds != on[name]) {
		on[name] = holds
		printf "%d %s %s\n", sec, name, holds ? "firing" : "resolved"
	}
}

# Close second s: drop what left each window, evaluate every rule.
function close_sec(s,    k, lo, m, u) {
	lo = s - 300
	lat_n -= lat_cn[lo]; lat_s -= lat_cs[lo]; delete lat_cn[lo]; delete lat_cs[lo]
	all_n -= all_c[lo]; err_n -= err_c[lo]; delete all_c[lo]; delete err_c[lo]
	dis_n -= dis_c[lo]; delete dis_c[lo]
	lo = s - 120
	auth_n -= auth_c[lo]; delete auth_c[lo]
	lo = s - 600
	bot_n -= bot_c[lo]; delete bot_c[lo]
	lo = s - 60
	for (u in gw_n) {
		gw_n[u] -= gw_c[u, lo]; delete gw_c[u, lo]
		state("bad_gateway " u, gw_n[u] >= 50)
	}
	delete slow[lo]
	m = 0
	for (k in slow)
		if (slow[k] > m) m = slow[k]
	state("api_latency", lat_n >= 20 && lat_s / lat_n > 1.5)
	state("server_errors", all_n >= 50 && err_n / all_n > 0.05)
	state("auth_failures", auth_n >= 500)
	state("disconnects", dis_n / 300 > 5)
	state("upstream_slow", m > 20)
	state("bots", bot_n >= 100000)
}

{
	t = secs($4)
	if (t > sec) {
		if (sec > 0)
			close_sec(sec)
		sec = t
	}
	status = $9
	path = $7
	q = index(path, "?")
	if (q > 0)
		path = substr(path, 1, q - 1)
	rt = substr($(NF - 4), 4) + 0
	all_c[t]++; all_n++
	if (status >= 500) { err_c[t]++; err_n++ }
	if (substr(path, 1, 5) == "/api/" && path != "/api/draft_send" &&
	    path != "/api/multi_send" && path != "/api/sync_deltas") {
		lat_cn[t]++; lat_cs[t] += rt; lat_n++; lat_s += rt
	}
	if (status == 502) {
		u = "-"
		if (match($0, / ua="[^"]*"/))
			u = substr($0, RSTART + 5, RLENGTH - 6)
		gw_c[u, t]++; gw_n[u]++
	}
	if (status == 401) { auth_c[t]++; auth_n++ }
	if (status == 499) { dis_c[t]++; dis_n++ }
	# The last of the upstream times ("0.5, 21.000" after a retry).
	if (match($0, / urt="[^"]*"/)) {
		n = split(substr($0, RSTART + 6, RLENGTH - 7), us, ", ")
		if (us[n] + 0 > slow[t]) slow[t] = us[n] + 0
	}
	if (match($0, /" "[^"]*" rt=/) &&
	    tolower(substr($0, RSTART, RLENGTH)) ~ /bot|crawler|spider/) {
		bot_c[t]++; bot_n++
	}
}

END {
	if (sec > 0)
		close_sec(sec)
}
