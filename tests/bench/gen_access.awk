# gen_access.awk - a deterministic, realistic access log for the benchmarks.
#
#   awk -v n=1000000 -v nginx=FILE -v gunicorn=FILE -f gen_access.awk
#
# Writes n requests twice: to `nginx` in the "timed" log_format of
# tests/data/realstack (combined + rt= urt= us= ua= key=), and to `gunicorn`
# in gunicorn's default access_log_format (behind nginx on a unix socket, so
# %(h)s is empty). About 200 requests a second from 2026-11-22 14:00:00 UTC;
# varied client addresses, API paths with queries, static files, statuses
# with 4xx/5xx (502 with two-upstream lists, 499, 504), user agents, API keys.
#
# The random numbers are Park-Miller's minimal standard generator with a
# fixed seed, in integer-exact double arithmetic, so mawk and gawk give the
# same bytes (awk's rand() differs between implementations).

function rnd(m) {
	seed = (seed * 16807) % 2147483647
	return seed % m
}

function pick(arr, count) {
	return arr[rnd(count) + 1]
}

function two(x) {
	return (x < 10 ? "0" : "") x
}

function ms3(v) {
	return sprintf("%.3f", v / 1000)
}

BEGIN {
	seed = 20261122
	if (n == "") n = 1000000
	np = split("/api/contacts /api/messages /api/threads /api/draft_send " \
	    "/api/multi_send /api/sync_deltas /api/search /api/users/me " \
	    "/api/messages/send /login /health /static/app.js " \
	    "/static/app.css /favicon.ico /webhooks/inbound", paths, " ")
	nq = split("?limit=50&offset=0 ?limit=50&offset=50 ?q=invoice " \
	    "?since=1795356000&cursor=eyJpZCI6MTIzfQ ?t=0.05 ?page=2&sort=desc",
	    queries, " ")
	na = split("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36|" \
	    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15|" \
	    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0|" \
	    "curl/7.88.1|python-requests/2.31.0|okhttp/4.12.0|" \
	    "Go-http-client/1.1|kube-probe/1.28", agents, "|")
	nr = split("- - - https://app.example.com/inbox https://app.example.com/settings?tab=keys", refs, " ")
	for (i = 0; i < n; i++) {
		sec = 14 * 3600 + int(i / 200)
		ts = "22/Nov/2026:" two(int(sec / 3600)) ":" \
		    two(int(sec % 3600 / 60)) ":" two(sec % 60) " +0000"
		ip = "10." rnd(4) "." rnd(256) "." (rnd(254) + 1)
		if (rnd(10) == 0) ip = "203.0." rnd(256) "." (rnd(254) + 1)
		path = pick(paths, np)
		q = (substr(path, 1, 5) == "/api/" && rnd(3) > 0) ? pick(queries, nq) : ""
		method = (rnd(10) < 8) ? "GET" : (rnd(2) ? "POST" : "PUT")
		r = rnd(1000)
		status = r < 850 ? 200 : r < 880 ? 201 : r < 900 ? 304 : \
		    r < 920 ? 404 : r < 935 ? 401 : r < 945 ? 400 : \
		    r < 955 ? 499 : r < 975 ? 500 : r < 990 ? 502 : \
		    r < 995 ? 503 : 504
		bytes = (status == 304) ? 0 : 100 + rnd(20000)
		rt = 1 + rnd(300)
		if (rnd(50) == 0) rt += rnd(5000)
		if (status == 504) rt = 60000 + rnd(10)
		static_file = substr(path, 1, 8) == "/static/" || path == "/favicon.ico"
		if (static_file || status == 404 || status == 499) {
			urt = "-"; us = "-"; ua = "-"
		} else if (status == 502 && rnd(3) == 0) {
			urt = ms3(rnd(3)) ", " ms3(rnd(3))
			us = "502, 502"
			ua = "10.0.1.5:8000, 10.0.1.6:8000"
		} else {
			urt = ms3(rt > 1 ? rt - 1 : rt); us = status
			ua = "10.0.1." (5 + rnd(2)) ":8000"
		}
		key = substr(path, 1, 5) == "/api/" && rnd(5) > 0 ? "key-" (1000 + rnd(40)) : "-"
		agent = pick(agents, na)
		ref = pick(refs, nr)
		req = method " " path q " HTTP/1.1"
		printf "%s - - [%s] \"%s\" %d %d \"%s\" \"%s\" rt=%s urt=\"%s\" us=\"%s\" ua=\"%s\" key=\"%s\"\n",
		    ip, ts, req, status, bytes, ref, agent, ms3(rt), urt, us, ua, key > nginx
		if (status == 499) status = "socket"
		printf " - - [%s] \"%s %s%s HTTP/1.0\" %s %d \"%s\" \"%s\"\n",
		    ts, method, path, q, status, bytes, ref, agent > gunicorn
	}
}
