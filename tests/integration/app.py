"""WSGI app for klaxon's real-stack integration harness.

Served by Debian's gunicorn (sync and gevent workers) and uwsgi behind a
private nginx, so that those real servers write the log lines klaxon parses.
Every endpoint is bounded: sleeps are capped, bodies are read up to a cap.

  /ok                 200 "ok"
  /sleep?s=N          sleeps N seconds (capped at 30), 200
  /api/NAME?t=S       sleeps S seconds (capped at 10), 200 with a small JSON body
  /upload             reads the request body (capped at 1 MiB), 200 with its size
  /boom               raises RuntimeError: gunicorn logs "Error handling request"
                      and a traceback; uwsgi logs the traceback
  /negative           answers the status line "-502 Bad Gateway": gunicorn's
                      access log writes the status as -502 (nginx refuses it)
  anything else       404
"""

import json
import time
from urllib.parse import parse_qs

MAX_SLEEP = 30.0
MAX_API_SLEEP = 10.0
MAX_BODY = 1 << 20


def _num(query, key, default, cap):
    try:
        v = float(parse_qs(query).get(key, [default])[0])
    except (TypeError, ValueError):
        v = float(default)
    if v != v or v < 0:
        v = 0.0
    return min(v, cap)


def _reply(start_response, status, body, ctype="text/plain"):
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", ctype),
                             ("Content-Length", str(len(data)))])
    return [data]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    query = environ.get("QUERY_STRING", "")

    if path == "/ok":
        return _reply(start_response, "200 OK", "ok\n")

    if path == "/sleep":
        s = _num(query, "s", 1, MAX_SLEEP)
        time.sleep(s)
        return _reply(start_response, "200 OK", "slept %.3f\n" % s)

    if path.startswith("/api/") and len(path) > len("/api/"):
        name = path[len("/api/"):]
        t = _num(query, "t", 0, MAX_API_SLEEP)
        time.sleep(t)
        body = json.dumps({"api": name, "t": t}) + "\n"
        return _reply(start_response, "200 OK", body, "application/json")

    if path == "/upload":
        try:
            n = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            n = 0
        n = max(0, min(n, MAX_BODY))
        got = len(environ["wsgi.input"].read(n)) if n else 0
        return _reply(start_response, "200 OK", "received %d\n" % got)

    if path == "/boom":
        raise RuntimeError("boom: provoked by the klaxon capture")

    if path == "/negative":
        return _reply(start_response, "-502 Bad Gateway", "negative\n")

    return _reply(start_response, "404 Not Found", "not found\n")
