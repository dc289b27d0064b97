#!/bin/bash
# stack.sh - a private, bounded real stack: nginx + gunicorn (+ uwsgi) on
# 127.0.0.1 and unix sockets, from Debian's packages, so that the real servers
# write the log lines klaxon parses.
#
# Use it two ways:
#   . tests/integration/stack.sh        then call the stack_* functions
#   tests/integration/stack.sh start DIR | stop DIR | formats
#
# Everything lives under one directory (STACK_DIR): nginx's conf, pid, logs and
# every *_temp_path, the gunicorn/uwsgi sockets, pid files and logs. Nothing
# touches the system nginx service, /etc/nginx or /var/log/nginx: nginx runs as
# `nginx -p DIR -c DIR/nginx/nginx.conf -e DIR/nginx/logs/error.log` (the -e
# keeps even its start-up messages out of /var/log/nginx). When run as root the
# nginx workers run as www-data (`user www-data;`), so STACK_DIR must be
# traversable by them: stack_init makes it 0755 and refuses a parent that
# www-data cannot enter.
#
# Every process started is recorded as "NAME PID STARTTIME" in
# STACK_DIR/pids; stop sends TERM (INT for uwsgi) to those PIDs only, waits a
# bounded time, then KILLs the process and its direct children. A PID is only
# signalled while its start time (/proc/PID/stat) is still the recorded one: a
# guard against PID reuse that survives a server renaming its process.
# Callers set `trap stack_stop_all EXIT`.
#
# Servers are Debian's: /usr/sbin/nginx, /usr/bin/gunicorn (#!/usr/bin/python3,
# never a python3 found on PATH), /usr/bin/uwsgi-core with the python3 plugin.

STACK_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STACK_APP_DIR=$STACK_HERE
STACK_NGINX=/usr/sbin/nginx
STACK_GUNICORN=/usr/bin/gunicorn
STACK_UWSGI=/usr/bin/uwsgi-core
STACK_PYTHON=/usr/bin/python3

# The log formats. Parser tests compile exactly these strings; keep them in
# step with tests/data/realstack/README.md.
# shellcheck disable=SC2016
STACK_FMT_TIMED='$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time" us="$upstream_status" ua="$upstream_addr" key="$http_x_api_key"'
# shellcheck disable=SC2016
STACK_FMT_JSON='{"time":"$time_iso8601","remote_addr":"$remote_addr","request":"$request","status":$status,"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,"upstream_addr":"$upstream_addr","upstream_status":"$upstream_status","upstream_response_time":"$upstream_response_time","http_user_agent":"$http_user_agent","http_x_api_key":"$http_x_api_key"}'
STACK_FMT_GUNICORN_CUSTOM='%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s %(D)s "%({X-Api-Key}i)s"'

stack_log() {
	printf 'stack: %s\n' "$*" >&2
}

# stack_init DIR: prepare the layout under DIR (created if missing).
stack_init() {
	STACK_DIR=$1
	mkdir -p "$STACK_DIR" || return 1
	STACK_DIR=$(cd "$STACK_DIR" && pwd) || return 1
	STACK_PIDS=$STACK_DIR/pids
	mkdir -p "$STACK_DIR/run" "$STACK_DIR/logs" \
		"$STACK_DIR/nginx/www/static" || return 1
	: >>"$STACK_PIDS"
	chmod 0755 "$STACK_DIR" "$STACK_DIR/run" "$STACK_DIR/nginx" \
		"$STACK_DIR/nginx/www" "$STACK_DIR/nginx/www/static"
	printf 'limited\n' >"$STACK_DIR/nginx/www/limited.txt"
	printf 'body { }\n' >"$STACK_DIR/nginx/www/static/present.css"
	chmod 0644 "$STACK_DIR/nginx/www/limited.txt" \
		"$STACK_DIR/nginx/www/static/present.css"
	if [ "$(id -u)" = 0 ]; then
		STACK_NGINX_USER=www-data
		local d=$STACK_DIR
		while [ "$d" != / ]; do
			d=$(dirname "$d")
			if [ $(( 0$(stat -c %a "$d") & 1 )) -eq 0 ]; then
				stack_log "$d is not traversable by www-data; use a STACK_DIR under /tmp"
				return 1
			fi
		done
	else
		STACK_NGINX_USER=
	fi
}

# stack_free_port: print a free TCP port on 127.0.0.1 (the kernel's choice).
stack_free_port() {
	"$STACK_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

stack_record() {
	printf '%s %s %s\n' "$1" "$2" "$(stack_starttime "$2")" >>"$STACK_PIDS"
}

# stack_pid NAME: the recorded "PID STARTTIME" of NAME (the last one).
stack_pid() {
	awk -v n="$1" '$1 == n { p = $2 " " $3 } END { if (p) print p }' "$STACK_PIDS"
}

# stack_ours PID STARTTIME: true while PID is the very process that was
# started (same start time) and has not exited (not a zombie).
stack_ours() {
	local st f
	[ -n "${2:-}" ] || return 1
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	read -r -a f <<<"${st##*) }"
	[ "${f[0]}" != Z ] && [ "${f[19]}" = "$2" ]
}

# stack_starttime PID: the process's start time in clock ticks since boot
# (field 22 of /proc/PID/stat), empty when it is gone.
stack_starttime() {
	local st f
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	read -r -a f <<<"${st##*) }"
	printf '%s\n' "${f[19]}"
}

# stack_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
stack_wait_for() {
	local tries=$(( $1 * 10 ))
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

stack_grep_q() {
	grep -q -- "$2" "$1"
}

# stack_gunicorn_start NAME [gunicorn options...]: app.py on
# unix:STACK_DIR/run/NAME.sock, default access log in
# logs/gunicorn-NAME-access.log, error log in logs/gunicorn-NAME-error.log.
stack_gunicorn_start() {
	local name=$1
	shift
	local sock=$STACK_DIR/run/$name.sock
	rm -f "$sock"
	(
		cd "$STACK_DIR" || exit 1
		exec env -u PYTHONPATH -u PYTHONHOME -u GUNICORN_CMD_ARGS PYTHONDONTWRITEBYTECODE=1 \
			"$STACK_GUNICORN" --chdir "$STACK_APP_DIR" \
			--bind "unix:$sock" --pid "$STACK_DIR/run/$name.pid" \
			--access-logfile "$STACK_DIR/logs/gunicorn-$name-access.log" \
			--error-logfile "$STACK_DIR/logs/gunicorn-$name-error.log" \
			--log-level info --graceful-timeout 2 "$@" app:application
	) >"$STACK_DIR/logs/gunicorn-$name.stderr" 2>&1 &
	stack_record "gunicorn-$name" $!
}

# stack_gunicorn_wait NAME: until its socket exists and a worker booted.
stack_gunicorn_wait() {
	local log=$STACK_DIR/logs/gunicorn-$1-error.log
	stack_wait_for 15 test -S "$STACK_DIR/run/$1.sock" &&
		stack_wait_for 15 stack_grep_q "$log" 'Booting worker' && return 0
	stack_log "gunicorn $1 did not start:"
	cat "$log" "$STACK_DIR/logs/gunicorn-$1.stderr" >&2 2>/dev/null
	return 1
}

# stack_stale_socket NAME: a unix socket file nobody listens on (what a
# crashed server leaves behind): connect() gets ECONNREFUSED.
stack_stale_socket() {
	"$STACK_PYTHON" -c 'import os, socket, sys
os.umask(0)
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])' "$STACK_DIR/run/$1.sock"
}

# stack_uwsgi_available: the uwsgi binary and its python3 plugin are here.
stack_uwsgi_available() {
	[ -x "$STACK_UWSGI" ] && [ -e /usr/lib/uwsgi/plugins/python3_plugin.so ]
}

# stack_uwsgi_start NAME PORT [uwsgi options...]: app.py behind a uwsgi-protocol
# TCP socket on 127.0.0.1:PORT (TCP, so that uwsgi's master can see its listen
# queue), log in logs/uwsgi-NAME.log (default request logging).
stack_uwsgi_start() {
	local name=$1 port=$2
	shift 2
	(
		cd "$STACK_DIR" || exit 1
		exec env -u PYTHONPATH -u PYTHONHOME PYTHONDONTWRITEBYTECODE=1 "$STACK_UWSGI" \
			--plugin python3 --master --die-on-term \
			--uwsgi-socket "127.0.0.1:$port" \
			--chdir "$STACK_APP_DIR" --wsgi-file "$STACK_APP_DIR/app.py" \
			--callable application --need-app \
			--pidfile "$STACK_DIR/run/uwsgi-$name.pid" \
			--logto "$STACK_DIR/logs/uwsgi-$name.log" "$@"
	) >"$STACK_DIR/logs/uwsgi-$name.stderr" 2>&1 &
	stack_record "uwsgi-$name" $!
}

stack_uwsgi_wait() {
	local log=$STACK_DIR/logs/uwsgi-$1.log
	stack_wait_for 15 stack_grep_q "$log" 'spawned uWSGI worker' && return 0
	stack_log "uwsgi $1 did not start:"
	cat "$log" "$STACK_DIR/logs/uwsgi-$1.stderr" >&2 2>/dev/null
	return 1
}

# stack_nginx_conf PORT [UWSGI_PORT]: print the private nginx.conf.
stack_nginx_conf() {
	local port=$1 uport=${2:-}
	local n=$STACK_DIR/nginx r=$STACK_DIR/run
	[ -n "$STACK_NGINX_USER" ] && printf 'user %s;\n' "$STACK_NGINX_USER"
	cat <<EOF
worker_processes 1;
daemon off;
master_process on;
pid $n/nginx.pid;
error_log $n/logs/error.log warn;

events {
	worker_connections 256;
}

http {
	default_type text/plain;
	server_tokens off;
	client_body_temp_path $n/temp/body;
	proxy_temp_path $n/temp/proxy;
	fastcgi_temp_path $n/temp/fastcgi;
	uwsgi_temp_path $n/temp/uwsgi;
	scgi_temp_path $n/temp/scgi;

	log_format timed '$STACK_FMT_TIMED';
	log_format jsonlog escape=json '$STACK_FMT_JSON';
	access_log $n/logs/access.log combined;
	access_log $n/logs/access_timed.log timed;
	access_log $n/logs/access_json.log jsonlog;

	limit_req_zone \$binary_remote_addr zone=klx_req:1m rate=1r/s;
	limit_conn_zone \$binary_remote_addr zone=klx_conn:1m;

	upstream klx_pair {
		server unix:$r/stale.sock max_fails=1 fail_timeout=30s;
		server unix:$r/gone.sock max_fails=1 fail_timeout=30s;
	}

	server {
		listen 127.0.0.1:$port;
		server_name realstack.local;
		root $n/www;

		location = /health {
			access_log off;
			return 200 "up\n";
		}
		location / {
			proxy_pass http://unix:$r/main.sock;
		}
		location = /upload {
			client_max_body_size 1k;
			proxy_pass http://unix:$r/main.sock;
		}
		location = /tiny {
			proxy_pass http://unix:$r/tiny.sock:/sleep;
		}
		location = /slow {
			proxy_read_timeout 1s;
			proxy_pass http://unix:$r/main.sock:/sleep;
		}
		location = /wt {
			proxy_read_timeout 30s;
			proxy_pass http://unix:$r/wt.sock:/sleep;
		}
		location /custom/ {
			proxy_pass http://unix:$r/custom.sock:/;
		}
		location /gevent/ {
			proxy_pass http://unix:$r/gevent.sock:/;
		}
		location /pywsgi/ {
			proxy_pass http://unix:$r/pywsgi.sock:/;
		}
		location = /stale {
			proxy_pass http://unix:$r/stale.sock:/ok;
		}
		location = /pair {
			proxy_pass http://klx_pair/ok;
		}
		location /static/ {
		}
		location = /limited.txt {
			limit_req zone=klx_req burst=1 nodelay;
		}
		location = /conn {
			limit_conn klx_conn 1;
			proxy_pass http://unix:$r/main.sock:/sleep;
		}
EOF
	if [ -n "$uport" ]; then
		cat <<EOF
		location ~ ^/uwsgi(/.*)\$ {
			uwsgi_connect_timeout 1s;
			uwsgi_read_timeout 30s;
			uwsgi_param QUERY_STRING \$query_string;
			uwsgi_param REQUEST_METHOD \$request_method;
			uwsgi_param CONTENT_TYPE \$content_type;
			uwsgi_param CONTENT_LENGTH \$content_length;
			uwsgi_param REQUEST_URI \$request_uri;
			uwsgi_param PATH_INFO \$1;
			uwsgi_param DOCUMENT_ROOT \$document_root;
			uwsgi_param SERVER_PROTOCOL \$server_protocol;
			uwsgi_param REMOTE_ADDR \$remote_addr;
			uwsgi_param REMOTE_PORT \$remote_port;
			uwsgi_param SERVER_PORT \$server_port;
			uwsgi_param SERVER_NAME \$server_name;
			uwsgi_pass 127.0.0.1:$uport;
		}
EOF
	fi
	printf '\t}\n}\n'
}

# stack_nginx_run NAME CONF_FUNC [ARGS...]: start a private nginx with prefix
# STACK_DIR/NAME, its conf printed by `CONF_FUNC PORT ARGS...` on a free port
# (foreground master, PID recorded as NAME). Sets STACK_LAST_PORT. Retries
# with another port if the chosen one was taken meanwhile.
stack_nginx_run() {
	local name=$1 conf=$2 try port n=$STACK_DIR/$1
	shift 2
	mkdir -p "$n/logs" "$n/temp" || return 1
	chmod 0755 "$n"
	if [ -n "$STACK_NGINX_USER" ]; then
		chown "$STACK_NGINX_USER" "$n/temp" || return 1
	fi
	for try in 1 2 3; do
		port=$(stack_free_port) || return 1
		"$conf" "$port" "$@" >"$n/nginx.conf" || return 1
		"$STACK_NGINX" -p "$n/" -c "$n/nginx.conf" -e "$n/logs/error.log" \
			>"$STACK_DIR/logs/$name.stderr" 2>&1 &
		stack_record "$name" $!
		if stack_wait_for 10 curl -fsS -o /dev/null --max-time 1 \
			"http://127.0.0.1:$port/health"; then
			STACK_LAST_PORT=$port
			return 0
		fi
		stack_log "$name did not answer on port $port (try $try):"
		cat "$STACK_DIR/logs/$name.stderr" >&2
		stack_stop_one "$name"
	done
	return 1
}

# stack_nginx_start [UWSGI_PORT]: the main private nginx (stack_nginx_conf).
# Sets STACK_PORT and STACK_URL.
stack_nginx_start() {
	stack_nginx_run nginx stack_nginx_conf "${1:-}" || return 1
	STACK_PORT=$STACK_LAST_PORT
	STACK_URL=http://127.0.0.1:$STACK_PORT
}

# stack_nginx_small_conf PORT: an nginx with only 8 worker_connections in
# front of gunicorn main, to run out of connections on purpose.
stack_nginx_small_conf() {
	local port=$1 n=$STACK_DIR/nginx-small r=$STACK_DIR/run
	[ -n "$STACK_NGINX_USER" ] && printf 'user %s;\n' "$STACK_NGINX_USER"
	cat <<EOF
worker_processes 1;
daemon off;
master_process on;
pid $n/nginx.pid;
error_log $n/logs/error.log warn;

events {
	worker_connections 8;
}

http {
	default_type text/plain;
	server_tokens off;
	client_body_temp_path $n/temp/body;
	proxy_temp_path $n/temp/proxy;
	fastcgi_temp_path $n/temp/fastcgi;
	uwsgi_temp_path $n/temp/uwsgi;
	scgi_temp_path $n/temp/scgi;
	access_log $n/logs/access.log combined;

	server {
		listen 127.0.0.1:$port;
		server_name small.realstack.local;

		location = /health {
			access_log off;
			return 200 "up\n";
		}
		location / {
			proxy_pass http://unix:$r/main.sock;
		}
	}
}
EOF
}

# stack_nginx_small_start: start it; sets STACK_SMALL_URL.
stack_nginx_small_start() {
	stack_nginx_run nginx-small stack_nginx_small_conf || return 1
	# shellcheck disable=SC2034 # for the caller
	STACK_SMALL_URL=http://127.0.0.1:$STACK_LAST_PORT
}

# stack_stop_one NAME: stop the recorded process NAME, bounded.
stack_stop_one() {
	local name=$1 rec pid start sig=TERM kids="" k
	rec=$(stack_pid "$name")
	[ -n "$rec" ] || return 0
	pid=${rec%% *} start=${rec#* }
	stack_ours "$pid" "$start" || return 0
	case "$name" in uwsgi-*) sig=INT ;; esac
	# Children (nginx and gunicorn workers) as "PID:STARTTIME", so that a
	# reused PID is never signalled.
	for k in $(pgrep -P "$pid" 2>/dev/null); do
		kids="$kids $k:$(stack_starttime "$k")"
	done
	kill -s "$sig" "$pid" 2>/dev/null
	for _ in $(seq 50); do
		stack_ours "$pid" "$start" || break
		sleep 0.1
	done
	if stack_ours "$pid" "$start"; then
		stack_log "$name ($pid) ignored $sig; killing it"
		kill -s KILL "$pid" 2>/dev/null
	fi
	# Children of a master that had to be killed (or that outlived it).
	for k in $kids; do
		stack_ours "${k%%:*}" "${k#*:}" && kill -s KILL "${k%%:*}" 2>/dev/null
	done
	wait "$pid" 2>/dev/null
	return 0
}

# stack_stop_all: stop every recorded process, newest first.
stack_stop_all() {
	[ -n "${STACK_PIDS:-}" ] && [ -f "$STACK_PIDS" ] || return 0
	local name
	for name in $(awk '{ print $1 }' "$STACK_PIDS" | tac | awk '!seen[$0]++'); do
		stack_stop_one "$name"
	done
	return 0
}

# stack_versions: the Debian package versions of the servers.
stack_versions() {
	dpkg-query -W -f='${Package} ${Version}\n' nginx nginx-common gunicorn \
		python3-gunicorn python3-gevent uwsgi-core uwsgi-plugin-python3 \
		curl 2>/dev/null
}

stack_main() {
	case "${1:-}" in
	start)
		[ -n "${2:-}" ] || { echo "usage: $0 start DIR" >&2; return 2; }
		stack_init "$2" || return 1
		stack_gunicorn_start main --workers 2 --worker-class sync --timeout 30
		stack_gunicorn_wait main || return 1
		stack_nginx_start "" || return 1
		echo "$STACK_URL"
		;;
	stop)
		[ -n "${2:-}" ] || { echo "usage: $0 stop DIR" >&2; return 2; }
		STACK_DIR=$(cd "$2" && pwd) || return 1
		STACK_PIDS=$STACK_DIR/pids
		stack_stop_all
		;;
	formats)
		printf 'timed: %s\njson: %s\ngunicorn custom: %s\n' \
			"$STACK_FMT_TIMED" "$STACK_FMT_JSON" "$STACK_FMT_GUNICORN_CUSTOM"
		;;
	*)
		echo "usage: $0 start DIR | stop DIR | formats" >&2
		return 2
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	stack_main "$@"
	exit $?
fi
