#!/bin/bash
# capture.sh OUTDIR - run the private real stack (stack.sh), provoke every
# failure klaxon classifies that can be provoked on one machine, stop the
# stack, and copy the logs the real servers wrote into OUTDIR:
#
#   nginx-error.log nginx-access-combined.log nginx-access-timed.log
#   nginx-access-json.log nginx-small-error.log nginx-small-access-combined.log
#   gunicorn-access.log gunicorn-error.log
#   gunicorn-access-custom.log gunicorn-error-custom.log
#   gunicorn-tiny-access.log gunicorn-tiny-error.log
#   gunicorn-wt-access.log gunicorn-wt-error.log
#   gunicorn-gevent-access.log gunicorn-gevent-error.log (-k gevent)
#   gunicorn-pywsgi-access.log gunicorn-pywsgi-error.log (-k gevent_pywsgi)
#   uwsgi.log (when uwsgi-core and uwsgi-plugin-python3 are installed)
#   versions.txt formats.txt
#
# Bounded: every curl has --max-time, every case a few dozen requests at most,
# the whole run well under 90 s. All servers listen on 127.0.0.1 or on unix
# sockets in a fresh directory under /tmp, and are stopped by their recorded
# PIDs on exit (trap). Set KEEP_STACK_DIR=1 to keep that directory.

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=stack.sh
. "$HERE/stack.sh"

OUT=${1:-}
if [ -z "$OUT" ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)

for bin in "$STACK_NGINX" "$STACK_GUNICORN" "$STACK_PYTHON" /usr/bin/curl; do
	if [ ! -x "$bin" ]; then
		echo "capture: $bin missing (make deps installs it)" >&2
		exit 1
	fi
done

WORK=$(mktemp -d /tmp/klaxon-stack.XXXXXX) || exit 1
cleanup() {
	stack_stop_all
	if [ -z "${KEEP_STACK_DIR:-}" ]; then
		rm -rf "$WORK"
	else
		echo "capture: stack dir kept: $WORK" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

stack_init "$WORK" || exit 1
T0=$EPOCHREALTIME
elapsed() {
	awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

CURL=(/usr/bin/curl -s -o /dev/null --max-time 10)

# Background curls; reap them all with `reap`.
BG=()
bg() {
	"$@" &
	BG+=($!)
}
reap() {
	local p
	for p in "${BG[@]}"; do
		wait "$p" 2>/dev/null
	done
	BG=()
}

# ---- start ----------------------------------------------------------------
stack_gunicorn_start main --workers 2 --worker-class sync --timeout 30
stack_gunicorn_start tiny --workers 1 --worker-class sync --backlog 1 --timeout 30
stack_gunicorn_start wt --workers 1 --worker-class sync --timeout 2
stack_gunicorn_start custom --workers 1 --worker-class sync --timeout 30 \
	--access-logformat "$STACK_FMT_GUNICORN_CUSTOM"
HAVE_GEVENT=
if /usr/bin/python3 -c 'import gevent' 2>/dev/null; then
	HAVE_GEVENT=1
	stack_gunicorn_start gevent --workers 1 --worker-class gevent --timeout 30
	stack_gunicorn_start pywsgi --workers 1 --worker-class gevent_pywsgi --timeout 30
fi
stack_stale_socket stale || exit 1
UPORT=
if stack_uwsgi_available; then
	UPORT=$(stack_free_port) || exit 1
	stack_uwsgi_start app "$UPORT" --processes 1 --listen 2 --harakiri 1
fi

for g in main tiny wt custom ${HAVE_GEVENT:+gevent pywsgi}; do
	stack_gunicorn_wait "$g" || exit 1
done
if [ -n "$UPORT" ]; then
	stack_uwsgi_wait app || exit 1
fi
stack_nginx_start "$UPORT" || exit 1
U=$STACK_URL
stack_nginx_small_start || exit 1
echo "capture: stack up on $U ($(elapsed) s)" >&2

# ---- slow cases, in the background ----------------------------------------
# gunicorn --backlog 1, one sync worker sleeping 2 s, 20 concurrent requests:
# nginx connect() to the unix socket fails with EAGAIN (11) -> 502.
for i in $(seq 20); do
	bg "${CURL[@]}" -H "X-Api-Key: key-$((i % 4))" "$U/tiny?s=2"
done
# gunicorn --timeout 2, handler sleeping 5 s: WORKER TIMEOUT, nginx
# "upstream prematurely closed connection", 502.
bg "${CURL[@]}" "$U/wt?s=5"
# proxy_read_timeout 1s, handler sleeping 1.5 s: upstream timed out (110), 504.
bg "${CURL[@]}" -H 'X-Api-Key: key-alpha' "$U/slow?s=1.5"
bg "${CURL[@]}" "$U/slow?s=1.5"
# A second nginx with 8 worker_connections, 12 concurrent requests:
# "8 worker_connections are not enough" ([alert]); refused clients get no
# answer at all.
for i in $(seq 12); do
	bg "${CURL[@]}" "$STACK_SMALL_URL/sleep?s=1"
done
# limit_conn 1 per address: two at once, one is refused (503).
bg "${CURL[@]}" "$U/conn?s=1"
bg "${CURL[@]}" "$U/conn?s=1"
if [ -n "$UPORT" ]; then
	# harakiri 1 s and a 3 s handler: HARAKIRI, nginx sees the socket close.
	bg "${CURL[@]}" "$U/uwsgi/sleep?s=3"
fi
if [ -n "$HAVE_GEVENT" ]; then
	# The client gives up at 0.5 s; nginx closes the upstream connection
	# (499); gevent's pywsgi write then fails (EPIPE) and gunicorn's
	# gevent_pywsgi worker logs the status as "socket". (-k gevent logs
	# nothing for such a request: it writes the access line only after a
	# complete response.)
	bg /usr/bin/curl -s -o /dev/null --max-time 0.5 "$U/pywsgi/sleep?s=1.2"
	bg /usr/bin/curl -s -o /dev/null --max-time 0.5 -H 'X-Api-Key: key-beta' \
		"$U/pywsgi/api/contacts?t=1.2"
fi

# ---- quick cases, in the foreground ----------------------------------------
"${CURL[@]}" "$U/ok"
"${CURL[@]}" -H 'Referer: http://example.test/page' "$U/ok?from=ref"
# Body over client_max_body_size 1k: plain and chunked -> 413.
head -c 10240 /dev/zero | tr '\0' 'x' >"$WORK/body10k"
"${CURL[@]}" -H 'X-Api-Key: key-alpha' --data-binary "@$WORK/body10k" "$U/upload"
"${CURL[@]}" -H 'Transfer-Encoding: chunked' --data-binary "@$WORK/body10k" "$U/upload"
"${CURL[@]}" --data-binary 'small body' "$U/upload"
# An app exception: gunicorn "Error handling request" + traceback, 500.
"${CURL[@]}" "$U/boom"
"${CURL[@]}" "$U/custom/boom"
# A negative status line from the app: gunicorn logs -502, nginx rejects it.
"${CURL[@]}" "$U/negative"
"${CURL[@]}" "$U/custom/negative"
# A static file that is missing: open() failed (2), 404; and one present.
"${CURL[@]}" "$U/static/missing.css"
"${CURL[@]}" "$U/static/present.css"
# limit_req 1r/s burst=1 nodelay: 6 at once, most refused (503).
for i in $(seq 6); do
	"${CURL[@]}" "$U/limited.txt"
done
# A unix socket file with no listener: connect() failed (111), 502.
"${CURL[@]}" "$U/stale"
# An upstream group of two dead servers: 111 and 2, then no live upstreams.
for i in 1 2 3; do
	"${CURL[@]}" "$U/pair"
done
# Odd bytes: a quote in the URI and in the user agent; a request nginx
# cannot parse (400).
"${CURL[@]}" -A 'agent "quoted" \back' "$U/ok?q=%22x%22&raw=\"y\""
"${CURL[@]}" "$U/does-not-exist"
exec 3<>"/dev/tcp/127.0.0.1/$STACK_PORT" && {
	printf 'GARBAGE\r\n\r\n' >&3
	timeout 2 cat <&3 >/dev/null
	exec 3<&-
}
# Gunicorn with a custom access_log_format (%(L)s, %({X-Api-Key}i)s).
for k in key-alpha key-beta none; do
	hdr=(-H "X-Api-Key: $k")
	[ "$k" = none ] && hdr=()
	"${CURL[@]}" "${hdr[@]}" "$U/custom/api/contacts?t=0.05"
	"${CURL[@]}" "${hdr[@]}" "$U/custom/api/sync_deltas?t=0.12"
done
"${CURL[@]}" "$U/custom/ok"
if [ -n "$UPORT" ]; then
	"${CURL[@]}" "$U/uwsgi/ok"
	"${CURL[@]}" -H 'X-Api-Key: key-gamma' "$U/uwsgi/api/messages?t=0.05"
	"${CURL[@]}" "$U/uwsgi/boom"
fi
if [ -n "$HAVE_GEVENT" ]; then
	"${CURL[@]}" "$U/gevent/ok"
	"${CURL[@]}" "$U/gevent/negative"
	"${CURL[@]}" "$U/pywsgi/ok"
	"${CURL[@]}" -H 'X-Api-Key: key-beta' "$U/pywsgi/api/threads?t=0.02"
	"${CURL[@]}" "$U/pywsgi/negative"
fi

# Normal API traffic with varied latencies and keys: 36 requests in three
# streams; key-gamma is the slow account.
api_stream() {
	local key=$1 scale=$2 i name t
	local names=(contacts messages draft_send multi_send sync_deltas threads)
	for i in $(seq 12); do
		name=${names[$(( (i * 7 + ${#key}) % ${#names[@]} ))]}
		t=$(printf '0.%03d' $(( (i * 37 % 90 + 5) * scale )))
		"${CURL[@]}" -H "X-Api-Key: $key" -A 'klaxon-capture/1.0' \
			"$U/api/$name?t=$t"
	done
}
bg api_stream key-alpha 1
bg api_stream key-beta 2
bg api_stream key-gamma 4
reap

# ---- uwsgi listen queue: after the slow cases, so the worker is free -------
if [ -n "$UPORT" ]; then
	for i in $(seq 20); do
		bg "${CURL[@]}" --max-time 6 "$U/uwsgi/sleep?s=0.8"
	done
	reap
fi

# ---- nothing listening: stop the tiny gunicorn (its socket file goes) ------
stack_stop_one gunicorn-tiny
"${CURL[@]}" "$U/tiny?s=0"
"${CURL[@]}" -H 'X-Api-Key: key-1' "$U/tiny?s=0"
# The gevent worker logs the failed write when the handler ends.
[ -n "$HAVE_GEVENT" ] && sleep 0.3

# ---- stop everything, then collect ----------------------------------------
stack_stop_all

L=$WORK/logs N=$WORK/nginx/logs
cp "$N/error.log" "$OUT/nginx-error.log"
cp "$N/access.log" "$OUT/nginx-access-combined.log"
cp "$N/access_timed.log" "$OUT/nginx-access-timed.log"
cp "$N/access_json.log" "$OUT/nginx-access-json.log"
cp "$WORK/nginx-small/logs/error.log" "$OUT/nginx-small-error.log"
cp "$WORK/nginx-small/logs/access.log" "$OUT/nginx-small-access-combined.log"
cp "$L/gunicorn-main-access.log" "$OUT/gunicorn-access.log"
cp "$L/gunicorn-main-error.log" "$OUT/gunicorn-error.log"
cp "$L/gunicorn-custom-access.log" "$OUT/gunicorn-access-custom.log"
cp "$L/gunicorn-custom-error.log" "$OUT/gunicorn-error-custom.log"
for g in tiny wt ${HAVE_GEVENT:+gevent pywsgi}; do
	cp "$L/gunicorn-$g-access.log" "$OUT/gunicorn-$g-access.log"
	cp "$L/gunicorn-$g-error.log" "$OUT/gunicorn-$g-error.log"
done
[ -n "$UPORT" ] && cp "$L/uwsgi-app.log" "$OUT/uwsgi.log"
stack_versions >"$OUT/versions.txt"
{
	printf 'stack_dir %s\n' "$WORK"
	printf 'nginx_timed %s\n' "$STACK_FMT_TIMED"
	printf 'nginx_json %s\n' "$STACK_FMT_JSON"
	printf 'gunicorn_custom %s\n' "$STACK_FMT_GUNICORN_CUSTOM"
	printf 'TZ %s\n' "$(cat /etc/timezone 2>/dev/null || date +%Z)"
} >"$OUT/formats.txt"
echo "capture: done in $(elapsed) s -> $OUT" >&2
