"""The built-in demo's worker: a small WSGI app of the kind Fulcrum puts behind its proxy.

Each worker process answers with its own port and pid, so a page reload shows the load
balancer at work. Static assets under /static/ are served by the proxy, never by this app:
a request for them that reaches a worker is answered 404 with a note saying so.

Run by the agent as, e.g.: waitress-serve --listen=127.0.0.1:8000 demo_app:application
"""

import html
import json
import os
import time

STARTED = time.time()
SERVED = {"count": 0}
_port = "?"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fulcrum demo</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/static/logo.svg" type="image/svg+xml">
</head>
<body>
<header><img src="/static/logo.svg" alt="" width="40" height="40"><h1>Fulcrum demo</h1></header>
<main>
<p class="lead">This page came from a Python WSGI worker behind Fulcrum's proxy.
Reload it to see the load balancer pick another worker.</p>
<dl class="worker" id="worker">
<dt>Worker port</dt><dd id="port">{port}</dd>
<dt>Process id</dt><dd id="pid">{pid}</dd>
<dt>Requests served by this worker</dt><dd id="served">{served}</dd>
<dt>Worker uptime</dt><dd id="uptime">{uptime:.0f} s</dd>
<dt>Forwarded for</dt><dd id="forwarded">{forwarded}</dd>
</dl>
<p>The stylesheet, script and logo on this page were served by the proxy's static route.</p>
<p id="script-status">Static script not loaded.</p>
</main>
<script src="/static/app.js"></script>
</body>
</html>
"""


def _respond(start_response, status, body, content_type="text/plain; charset=utf-8", extra=()):
    data = body.encode("utf-8")
    headers = [("Content-Type", content_type), ("Content-Length", str(len(data))),
               ("X-Worker-Port", _port), ("Cache-Control", "no-store")]
    headers.extend(extra)
    start_response(status, headers)
    return [data]


def application(environ, start_response):
    global _port
    # The port this worker listens on, as its WSGI server reports it.
    _port = environ.get("SERVER_PORT", "?")
    SERVED["count"] += 1
    path = environ.get("PATH_INFO", "/")
    if path == "/":
        body = PAGE.format(port=html.escape(_port), pid=os.getpid(), served=SERVED["count"],
                           uptime=time.time() - STARTED,
                           forwarded=html.escape(environ.get("HTTP_X_FORWARDED_FOR", "-")))
        return _respond(start_response, "200 OK", body, "text/html; charset=utf-8")
    if path == "/healthz":
        return _respond(start_response, "200 OK", "ok\n")
    if path == "/api/whoami":
        body = json.dumps({"port": _port, "pid": os.getpid(), "served": SERVED["count"]})
        return _respond(start_response, "200 OK", body, "application/json")
    if path == "/api/work":
        # Simulated work so the latency charts have a shape: ?ms=N sleeps up to 2 s.
        query = environ.get("QUERY_STRING", "")
        ms = 0
        for part in query.split("&"):
            if part.startswith("ms=") and part[3:].isdigit():
                ms = min(int(part[3:]), 2000)
        time.sleep(ms / 1000.0)
        return _respond(start_response, "200 OK", json.dumps({"port": _port, "slept_ms": ms}), "application/json")
    if path == "/api/fail":
        return _respond(start_response, "500 Internal Server Error", "deliberate failure for the demo's error chart\n")
    if path.startswith("/static/"):
        return _respond(start_response, "404 Not Found",
                        "static assets are served by the proxy; this request should not reach a worker\n")
    return _respond(start_response, "404 Not Found", "not found\n")
