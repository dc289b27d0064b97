#!/usr/bin/env python3
"""Write the demo logs of packaging/examples/logs/: three hours of a small
API behind nginx and gunicorn (2026-11-20 09:00-12:00 UTC) with the
incidents of the table in packaging/examples/README.md hidden in ordinary
traffic.

The lines follow the exact formats real nginx 1.22 and gunicorn 20.1 write
(see tests/data/realstack/ for captured ones); the traffic itself is made
up, deterministically (fixed seed), so `make demo` prints the same timeline
everywhere. Run it again after changing it: python3 generate.py

Incidents, in order:
  09:40, 09:52   nginx refuses a 21770024-byte webhook body (413)
  10:15-10:22    the app's unix socket backlog is full: connect() errno 11, 502s
  10:31          an exception in a view: gunicorn logs a traceback, 500
  10:50-11:08    one API key's requests take 4-9 s: average latency > 1.5 s
  11:20, 11:21   gunicorn WORKER TIMEOUT, then a worker killed with signal 9
  11:30-11:32    a burst of 401s for an expired key
  11:38-11:41    clients give up on long polls: status -502 and "socket"
  11:45-11:58    nginx writes no access log at all (logging broken)
"""
import gzip
import os
import random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs")
T0 = 1795165200  # 2026-11-20T09:00:00Z
T_END = T0 + 3 * 3600
SPLIT = T0 + 90 * 60  # access logs rotate at 10:30

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
KEYS = ["key-alpha", "key-bravo", "key-charlie", "key-delta", "key-echo"]
ENDPOINTS = [  # path, share, typical seconds
    ("/api/messages", 30, 0.12), ("/api/contacts", 15, 0.08),
    ("/api/search", 10, 0.35), ("/api/draft_send", 10, 0.6),
    ("/api/multi_send", 5, 0.9), ("/api/sync_deltas", 15, 2.5),
    ("/api/threads", 10, 0.15), ("/healthz", 5, 0.002),
]
AGENTS = ["okhttp/4.12.0", "python-requests/2.31.0",
          "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
          "MailClient/3.2 (iOS 17.1)"]
SOCK = "unix:/run/gunicorn/app.sock"
HOST = "api.example.net"

rnd = random.Random(20261120)


def clf(t):
    s = int(t)
    d = gmt(s)
    return "%02d/%s/%04d:%02d:%02d:%02d +0000" % (d[2], MONTHS[d[1] - 1], d[0], d[3], d[4], d[5])


def ymd(t):
    d = gmt(int(t))
    return "%04d/%02d/%02d %02d:%02d:%02d" % d


def iso_sp(t):
    d = gmt(int(t))
    return "%04d-%02d-%02d %02d:%02d:%02d +0000" % d


def gmt(s):
    days, rem = divmod(s, 86400)
    # civil from days (Howard Hinnant), no time module: no zone surprises
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + (m <= 2), m, d, rem // 3600, rem % 3600 // 60, rem % 60)


def at(h, m, s=0):
    return T0 + (h - 9) * 3600 + m * 60 + s


class Logs:
    def __init__(self):
        self.access = []      # (t, line) nginx access
        self.error = []       # nginx error
        self.app = []         # gunicorn access
        self.app_err = []     # gunicorn error
        self.cid = 1000
        self.pid = 4242

    def request(self, t, path, query, status, rt, key, method="GET",
                upstream=True, app_status=None, body=None):
        ip = "203.0.113.%d" % rnd.randint(2, 250)
        agent = rnd.choice(AGENTS)
        uri = path + ("?" + query if query else "")
        size = body if body is not None else (rnd.randint(200, 4000) if status < 400 else 157)
        if upstream:
            urt = "%.3f" % max(rt - 0.001, 0)
            us, ua = str(status), SOCK
        else:
            urt, us, ua = "-", "-", "-"
        self.access.append((t + rt, '%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s" rt=%.3f urt="%s" us="%s" ua="%s" key="%s" host="%s"' % (
            ip, clf(t + rt), method, uri, status, size, agent, rt, urt, us, ua, key, HOST)))
        if upstream and app_status != "none":
            st = app_status if app_status is not None else status
            self.app.append((t + rt, ' - - [%s] "%s %s HTTP/1.0" %s %d "-" "%s"' % (
                clf(t + rt), method, uri, st, size if isinstance(st, int) and st > 0 else 0, agent)))
        self.cid += 1
        return ip

    def nginx_error(self, t, level, msg, client, req, upstream=None):
        ctx = ', client: %s, server: %s, request: "%s"' % (client, HOST, req)
        if upstream:
            ctx += ', upstream: "%s"' % upstream
        ctx += ', host: "%s"' % HOST
        self.error.append((t, "%s [%s] 1871#1871: *%d %s%s" % (ymd(t), level, self.cid, msg, ctx)))

    def gunicorn(self, t, pid, level, msg):
        self.app_err.append((t, "[%s] [%d] [%s] %s" % (iso_sp(t), pid, level, msg)))


def pick_endpoint():
    r = rnd.uniform(0, sum(e[1] for e in ENDPOINTS))
    for path, share, typ in ENDPOINTS:
        r -= share
        if r <= 0:
            return path, typ
    return ENDPOINTS[0][0], ENDPOINTS[0][2]


def traffic(L):
    t = float(T0)
    while t < T_END:
        t += rnd.expovariate(1.0)  # about one request a second
        path, typ = pick_endpoint()
        key = rnd.choice(KEYS)
        rt = min(rnd.lognormvariate(0, 0.5) * typ, 30.0)
        status = 200 if rnd.random() > 0.004 else 404
        query = "limit=%d" % rnd.choice([20, 50, 100]) if path != "/healthz" else ""
        if at(10, 50) <= t < at(11, 8) and rnd.random() < 0.35:
            key, path = "key-bravo", rnd.choice(["/api/messages", "/api/search"])
            rt = rnd.uniform(4.0, 9.0)
        if at(10, 15) <= t < at(10, 22) and rnd.random() < 0.35:
            ip = L.request(t, path, query, 502, 0.0, key, app_status="none")
            L.nginx_error(t, "error", "connect() to %s failed (11: Resource temporarily unavailable) while connecting to upstream" % SOCK,
                          ip, "GET %s?%s HTTP/1.1" % (path, query), "http://%s:%s?%s" % (SOCK, path, query))
            continue
        L.request(t, path, query, status, round(rt, 3), key)


def incidents(L):
    for t in (at(9, 40, 12), at(9, 40, 55), at(9, 52, 3)):
        ip = L.request(t, "/hooks/inbound-mail", "", 413, 0.0, "-", method="POST", upstream=False, body=183)
        L.nginx_error(t, "error", "client intended to send too large body: 21770024 bytes", ip,
                      "POST /hooks/inbound-mail HTTP/1.1")
    t = at(10, 31, 7)
    L.request(t, "/api/threads", "id=9f3c", 500, 0.212, "key-echo")
    L.gunicorn(t + 0.2, 4243, "ERROR", "Error handling request /api/threads?id=9f3c")
    for line in ["Traceback (most recent call last):",
                 '  File "/usr/lib/python3/dist-packages/gunicorn/workers/sync.py", line 136, in handle',
                 "    self.handle_request(listener, req, client, addr)",
                 '  File "/srv/app/views.py", line 88, in thread',
                 "    return render(thread.messages[0])",
                 "IndexError: list index out of range"]:
        L.app_err.append((t + 0.2, line))
    t = at(11, 20, 1)
    L.request(t, "/api/multi_send", "", 502, 30.001, "key-charlie", method="POST", app_status="none")
    L.nginx_error(t + 30.0, "error", "upstream prematurely closed connection while reading response header from upstream",
                  "203.0.113.77", "POST /api/multi_send HTTP/1.1", "http://%s:/api/multi_send" % SOCK)
    L.gunicorn(t + 30.0, 4240, "CRITICAL", "WORKER TIMEOUT (pid:4242)")
    L.gunicorn(t + 30.1, 4242, "INFO", "Worker exiting (pid: 4242)")
    L.gunicorn(t + 30.6, 4377, "INFO", "Booting worker with pid: 4377")
    t = at(11, 21, 40)
    L.gunicorn(t, 4240, "WARNING", "Worker with pid 4243 was terminated due to signal 9")
    L.gunicorn(t + 0.5, 4381, "INFO", "Booting worker with pid: 4381")
    t = at(11, 30, 0)
    while t < at(11, 31, 40):
        L.request(t, "/api/messages", "limit=50", 401, 0.004, "key-delta")
        t += rnd.uniform(1.5, 4.5)
    t = at(11, 38, 0)
    for i in range(14):
        ts = t + i * rnd.uniform(8, 14)
        L.app.append((ts, ' - - [%s] "GET /api/sync_deltas?cursor=%d HTTP/1.0" %s 0 "-" "okhttp/4.12.0"' % (
            clf(ts), 7000 + i, "-502" if i % 3 else "socket")))


def silence(L):
    lo, hi = at(11, 45), at(11, 58)
    L.access = [(t, l) for t, l in L.access if not lo <= t < hi]


def write(name, lines, gz=False):
    lines.sort(key=lambda x: x[0])
    data = "".join(l + "\n" for _, l in lines).encode()
    path = os.path.join(OUT, name)
    if gz:
        with open(path, "wb") as f:  # mtime 0: the same bytes every run
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
                g.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    L = Logs()
    L.gunicorn(T0 - 3600, 4240, "INFO", "Starting gunicorn 20.1.0")
    L.gunicorn(T0 - 3600, 4240, "INFO", "Listening at: %s (4240)" % SOCK)
    L.gunicorn(T0 - 3600, 4240, "INFO", "Using worker: sync")
    L.gunicorn(T0 - 3599, 4242, "INFO", "Booting worker with pid: 4242")
    L.gunicorn(T0 - 3599, 4243, "INFO", "Booting worker with pid: 4243")
    traffic(L)
    incidents(L)
    silence(L)
    L.access.sort(key=lambda x: x[0])
    L.app.sort(key=lambda x: x[0])
    write("access.log.1.gz", [x for x in L.access if x[0] < SPLIT], gz=True)
    write("access.log", [x for x in L.access if x[0] >= SPLIT])
    write("error.log", L.error)
    write("gunicorn-access.log.1.gz", [x for x in L.app if x[0] < SPLIT], gz=True)
    write("gunicorn-access.log", [x for x in L.app if x[0] >= SPLIT])
    write("gunicorn-error.log", L.app_err)


main()
