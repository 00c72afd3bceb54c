#!/usr/bin/python3
"""Fulcrum's proxy side by side with nginx and HAProxy, in one run, on this machine.

  tests/bench/bench.py --agent build/test/agent/fulcrum-agent [--rounds 3] [--duration 5]
                           [--connections 50] [--only proxy,static,tls] [--keep]

What it measures (each case: every server, alternating order each round, the median is shown):
  proxy   HTTP/1.1 reverse proxy to the same four upstream workers, upstream keep-alive, access
          logs off; one worker/thread each, then `auto` (nginx worker_processes auto, HAProxy
          nbthread = cores, Fulcrum threads "auto").                          issue 2
  static  a 1 KiB file (req/s) and a 100 MiB file (MB/s), Fulcrum's static route vs nginx,
          one worker/thread each, each with the caching its users would turn on:
            nginx    sendfile on; tcp_nopush on; open_file_cache max=1000 inactive=20s;
                     open_file_cache_valid 1s; open_file_cache_min_uses 1;
                     open_file_cache_errors on (descriptors and metadata, rechecked each 1 s)
            Fulcrum  sendfile on plain HTTP (files over 16 KiB; smaller ones are read into the
                     answer's single write), TCP_NODELAY; whole answers of files up to 16 KiB
                     kept for 1 s (at most 512 files / 4 MiB per loop thread), so a changed
                     file shows within 1 s on both sides.                 issue 3 item 1
  tls     HTTPS with the same ECDSA certificate (from `fulcrum-agent cert self-signed`):
          keep-alive req/s on the 1 KiB file, and new handshakes/s (every request on a new
          connection, full handshake: wrk does not resume sessions), vs nginx; both with the
          same file caching as in `static` (sendfile does not apply to TLS on either side:
          neither uses kernel TLS).                                           issue 3 item 2

The upstream workers: one nginx process (worker_processes 1, access log off) listening on four
loopback ports and answering every request with a fixed 13-byte body from memory (`return
200`), so the upstream costs as little as possible and the proxy in front is what is measured.
All three proxies reach those same four ports.

Load: wrk (Debian), 1 thread, --connections connections, --duration seconds per measurement,
--latency for p99. Everything binds 127.0.0.1 on ports the kernel hands out. Bounded: the whole
run takes about rounds × (measurements) × duration; the default is about 6 minutes.
When run as root, every server runs as the unprivileged user fulcrum-test (Fulcrum's proxy
refuses root; the others get the same treatment).

The machine is shared (2 cores here): wrk, the upstream and the proxy under test compete for
the same CPUs, equally for every proxy. Ratios are the result; absolute numbers are this
machine's. The exact commands are printed with the results. Each table also shows the server's
own CPU time per answered request (user + system, its whole process group, over the measured
run): on a machine other people load, req/s drops with stolen CPU while this mostly does not.
Beside it, what wrk and the upstream spent on the same requests. Their sum is what one request
costs the whole machine; when the CPUs are the limit, req/s is the CPUs divided by that sum, so
the ratio of the sums is the most a leaner server can gain on this machine (printed under each
table). Every round runs all servers back to back, and the round-by-round ("paired") ratio is
printed too: a slow spell of a shared host hits one round's servers alike.
The load average is printed at the start and the end.
"""
import argparse
import json
import os
import pwd
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEST_USER = "fulcrum-test"
UPSTREAMS = 4
UPSTREAM_BODY = "hello, world\n"
HAPROXY_MAXCONN, HAPROXY_ULIMIT = 10000, 20000  # set from the descriptor limit in main()


def slug(text):
    """A file-name-safe form of a label ("nginx (1 thread)" -> "nginx-1-thread")."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, log, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before listening on {port}:\n{tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {timeout}s:\n{tail(log)}")


def tail(path, size=2000):
    try:
        return Path(path).read_text(errors="replace")[-size:]
    except OSError:
        return "(no log)"


class Run:
    """The temporary directory, the user servers run as, and every child process."""

    def __init__(self, keep):
        self.dir = Path(tempfile.mkdtemp(prefix="fulcrum-bench-"))
        os.chmod(self.dir, 0o755)
        self.keep = keep
        self.user = pwd.getpwnam(TEST_USER) if os.geteuid() == 0 else None
        self.children = []

    def own(self, *paths):
        if self.user:
            for path in paths:
                os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def path(self, name):
        return self.dir / name

    def write(self, name, text):
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.own(path)
        return path

    def start(self, name, argv, port):
        log = self.dir / f"{name}.log"
        with open(log, "ab") as out:
            user = self.user
            proc = subprocess.Popen([str(a) for a in argv], stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.dir,
                                    user=user.pw_uid if user else None, group=user.pw_gid if user else None,
                                    extra_groups=[] if user else None,
                                    env={"PATH": "/usr/bin:/bin:/usr/sbin", "HOME": str(self.dir)})
        self.children.append(proc)
        wait_for_port(port, proc, log)
        return proc

    def stop(self, proc):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def close(self):
        for proc in self.children:
            try:
                self.stop(proc)
            except ProcessLookupError:
                pass
        if self.keep:
            print(f"\nkept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- the servers --------------------------------------------------------------------------


def nginx_common(run, name, workers):
    prefix = run.path(name)
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    run.own(prefix, prefix / "logs")
    return prefix, (f"worker_processes {workers};\npid {prefix}/nginx.pid;\n"
                    f"error_log {prefix}/logs/error.log warn;\n"
                    "worker_rlimit_nofile 20000;\nevents { worker_connections 12000; }\n")


def nginx_argv(prefix, conf):
    # -e: the error log from the start, before the config is read (not /var/log/nginx).
    return ["/usr/sbin/nginx", "-p", prefix, "-e", f"{prefix}/logs/error.log", "-c", conf, "-g", "daemon off;"]


def http_common(prefix):
    return (f"  access_log off;\n  client_body_temp_path {prefix}/body;\n  proxy_temp_path {prefix}/proxy;\n"
            f"  fastcgi_temp_path {prefix}/fcgi;\n  uwsgi_temp_path {prefix}/uwsgi;\n  scgi_temp_path {prefix}/scgi;\n"
            "  keepalive_requests 100000;\n")


def start_upstreams(run):
    ports = [free_port() for _ in range(UPSTREAMS)]
    prefix, head = nginx_common(run, "upstream", 1)
    servers = "".join(f"  server {{ listen 127.0.0.1:{p} reuseport; location / {{ return 200 \"{UPSTREAM_BODY.strip()}\\n\"; }} }}\n"
                      for p in ports)
    conf = run.write("upstream/nginx.conf", head + "http {\n" + http_common(prefix) +
                     "  default_type text/plain;\n" + servers + "}\n")
    proc = run.start("upstream", nginx_argv(prefix, conf), ports[0])
    run.upstream = proc  # measure() charges its CPU to the requests, as it does wrk's
    for port in ports[1:]:
        wait_for_port(port, proc, prefix / "logs/error.log")
    return ports, conf


class Server:
    """One server under test: started on demand, stopped after each measurement."""

    def __init__(self, label, argv, port, config_path, scheme="http"):
        self.label, self.argv, self.port, self.config_path, self.scheme = label, argv, port, config_path, scheme

    def url(self, path):
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"


def nginx_proxy(run, upstream_ports, workers, tag):
    port = free_port()
    prefix, head = nginx_common(run, slug(f"nginx-proxy-{tag}"), workers)
    servers = "".join(f"    server 127.0.0.1:{p};\n" for p in upstream_ports)
    conf = run.write(slug(f"nginx-proxy-{tag}") + "/nginx.conf", head + "http {\n" + http_common(prefix) +
                     "  upstream server_pool {\n" + servers + "    keepalive 32;\n  }\n"
                     f"  server {{\n    listen 127.0.0.1:{port} reuseport;\n"
                     "    location / {\n      proxy_pass http://server_pool;\n      proxy_http_version 1.1;\n"
                     "      proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n"
                     "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                     "      proxy_set_header X-Forwarded-Proto $scheme;\n"
                     "    }\n  }\n}\n")
    return Server(f"nginx ({tag})", nginx_argv(prefix, conf), port, conf)


def haproxy_proxy(run, upstream_ports, threads, tag):
    port = free_port()
    servers = "".join(f"  server w{i} 127.0.0.1:{p}\n" for i, p in enumerate(upstream_ports))
    conf = run.write(slug(f"haproxy-{tag}") + ".cfg",
                     f"global\n  nbthread {threads}\n  maxconn {HAPROXY_MAXCONN}\n  ulimit-n {HAPROXY_ULIMIT}\n"
                     "defaults\n  mode http\n  timeout connect 3s\n  timeout client 60s\n  timeout server 60s\n"
                     "  option http-keep-alive\n  http-reuse always\n"
                     f"frontend fe\n  bind 127.0.0.1:{port}\n  option forwardfor\n  default_backend pool\n"
                     f"backend pool\n  balance roundrobin\n{servers}")
    return Server(f"haproxy ({tag})", ["/usr/sbin/haproxy", "-db", "-f", conf], port, conf)


def fulcrum_config(threads, listener, routes, pools=()):
    return json.dumps({"threads": threads, "listeners": [listener], "routes": routes, "pools": list(pools)}, indent=2)


# `fulcrum-agent proxy --event-loop` for every Fulcrum server this run starts (None: the agent's
# default, auto); a server's own event_loop argument wins.
EVENT_LOOP = None


def fulcrum_argv(agent, conf, event_loop=None):
    loop = event_loop or EVENT_LOOP
    return [agent, "proxy", "--config", conf] + (["--event-loop", loop] if loop else [])


def fulcrum_proxy(run, agent, upstream_ports, threads, tag, event_loop=None):
    port = free_port()
    pool = {"name": "app", "balance": "round_robin",
            "servers": [{"address": f"127.0.0.1:{p}"} for p in upstream_ports],
            "keepalive": {"max_idle": 32, "idle_timeout_ms": 60000}}
    conf = run.write(slug(f"fulcrum-proxy-{tag}") + ".json", fulcrum_config(
        threads, {"name": "http", "address": f"127.0.0.1:{port}"}, [{"path_prefix": "/", "pool": "app"}], [pool]))
    return Server(f"fulcrum ({tag})", fulcrum_argv(agent, conf, event_loop), port, conf)


def static_files(run):
    root = run.path("static")
    root.mkdir()
    (root / "1k.bin").write_bytes(os.urandom(1024))
    with open(root / "100m.bin", "wb") as out:
        chunk = os.urandom(1 << 20)
        for _ in range(100):
            out.write(chunk)
    run.own(root, root / "1k.bin", root / "100m.bin")
    return root


def nginx_static(run, root, tls=None, tag="static"):
    port = free_port()
    prefix, head = nginx_common(run, slug(f"nginx-{tag}"), 1)
    listen = f"listen 127.0.0.1:{port} reuseport{' ssl' if tls else ''};"
    tls_conf = ""
    if tls:
        # Mozilla intermediate, as Fulcrum's proxy uses; the same certificate.
        tls_conf = (f"    ssl_certificate {tls[0]};\n    ssl_certificate_key {tls[1]};\n"
                    "    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_prefer_server_ciphers off;\n"
                    "    ssl_session_cache shared:SSL:10m;\n    ssl_session_timeout 1d;\n")
    conf = run.write(slug(f"nginx-{tag}") + "/nginx.conf", head + "http {\n" + http_common(prefix) +
                     "  sendfile on;\n  tcp_nopush on;\n  default_type application/octet-stream;\n"
                     # Fulcrum keeps small answers for 1 s (SmallFileCache); nginx users turn on
                     # its equivalent, so both sides skip open/fstat on a hot file alike.
                     "  open_file_cache max=1000 inactive=20s;\n  open_file_cache_valid 1s;\n"
                     "  open_file_cache_min_uses 1;\n  open_file_cache_errors on;\n"
                     f"  server {{\n    {listen}\n{tls_conf}"
                     f"    location /static/ {{ alias {root}/; }}\n  }}\n}}\n")
    return Server(f"nginx ({tag})", nginx_argv(prefix, conf), port, conf, "https" if tls else "http")


def make_certificate(run, agent):
    """The ECDSA P-256 certificate both servers use, from `fulcrum-agent cert self-signed`."""
    cert, key = run.path("tls/cert.pem"), run.path("tls/key.pem")
    run.path("tls").mkdir()
    run.own(run.path("tls"))
    subprocess.run([str(agent), "cert", "self-signed", "--host", "127.0.0.1", "--cert", str(cert),
                    "--key", str(key)], check=True, capture_output=True, timeout=30)
    run.own(cert, key)
    return cert, key


def fulcrum_static(run, agent, root, tls=None, tag="static", event_loop=None):
    port = free_port()
    listener = {"name": "https" if tls else "http", "address": f"127.0.0.1:{port}"}
    if tls:
        listener["tls"] = {"certificates": [{"cert": str(tls[0]), "key": str(tls[1])}]}
    conf = run.write(slug(f"fulcrum-{tag}") + ".json", fulcrum_config(
        1, listener, [{"path_prefix": "/static/", "static": {"root": str(root)}}]))
    return Server(f"fulcrum ({tag})", fulcrum_argv(agent, conf, event_loop), port, conf, "https" if tls else "http")


# --- measuring ----------------------------------------------------------------------------


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text):
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    count = re.search(r"^\s*(\d+) requests in", text, re.M)
    scale = {"B": 1 / 1e6, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0}
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)] if p99 else float("nan"),
        "mb_s": float(transfer.group(1)) * scale[transfer.group(2)] if transfer else 0.0,
        "errors": sum(int(x) for x in errors.groups()) if errors else 0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "requests": int(count.group(1)) if count else 0,
    }


def wrk_command(url, connections, duration, extra=()):
    return ["/usr/bin/wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s",
            *extra, url]


def measure(run, server, path, connections, duration, extra=()):
    try:
        proc = run.start(slug(server.label), server.argv, server.port)
    except (RuntimeError, OSError) as error:  # reported in the table as a failed round, the run goes on
        return {"rps": 0.0, "p99_ms": float("nan"), "mb_s": 0.0, "errors": 0, "non2xx": 0, "cpu_us": float("nan"),
                "command": "(server did not start)", "failure": str(error)}
    try:
        # A short warm-up so every server starts with its connections and caches ready.
        subprocess.run(wrk_command(server.url(path), connections, 1, extra), capture_output=True, timeout=30)
        argv = wrk_command(server.url(path), connections, duration, extra)
        upstream = getattr(run, "upstream", None)
        cpu_before = process_group_cpu_seconds(proc.pid)
        upstream_before = process_group_cpu_seconds(upstream.pid) if upstream else 0.0
        load_before = children_cpu_seconds()
        switches_before = process_group_context_switches(proc.pid)
        out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 30)
        cpu_after = process_group_cpu_seconds(proc.pid)
        load_cpu = children_cpu_seconds() - load_before
        upstream_cpu = (process_group_cpu_seconds(upstream.pid) if upstream else 0.0) - upstream_before
        switches = process_group_context_switches(proc.pid) - switches_before
        result = parse_wrk(out.stdout)
        result["wakeups"] = switches
        # The server's own CPU per answered request: what load from other processes on a
        # shared machine distorts least (req/s falls with stolen CPU; this mostly does not).
        result["cpu_us"] = ((cpu_after - cpu_before) * 1e6 / result["requests"]) if result["requests"] else float("nan")
        # What the rest of the machine spent on the same requests: wrk and the upstream share
        # the CPUs with the server, so together they bound what any server can reach here.
        result["others_us"] = ((load_cpu + upstream_cpu) * 1e6 / result["requests"]) if result["requests"] else float("nan")
        result["command"] = shlex.join(argv)
        if out.returncode != 0 or result["rps"] == 0:
            result["failure"] = (out.stdout + out.stderr)[-500:]
        return result
    finally:
        run.stop(proc)


def run_case(run, title, servers, path, args, extra=(), metric="rps", connections=None):
    connections = connections or args.connections
    results = {s.label: [] for s in servers}
    commands = {}
    for round_index in range(args.rounds):
        # Alternate the order so no server always runs first (cold) or last (warm machine).
        order = servers[round_index % len(servers):] + servers[:round_index % len(servers)]
        if round_index % 2:
            order = list(reversed(order))
        for server in order:
            r = measure(run, server, path, connections, args.duration, extra)
            results[server.label].append(r)
            commands[server.label] = r["command"]
            if "failure" in r:
                print(f"  !! {server.label}: {r['failure']}", file=sys.stderr)
    print_case(title, servers, results, metric, commands)
    return results


def median(values):
    values = [v for v in values if v == v]  # drop NaN
    return statistics.median(values) if values else float("nan")


def print_case(title, servers, results, metric, commands):
    print(f"\n## {title}")
    unit = "MB/s" if metric == "mb_s" else "req/s"
    print(f"| server | {unit} (median) | p99 ms (median) | server CPU µs/request (median) "
          f"| wrk + upstream CPU µs/request (median) | errors | rounds ({unit}) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    summary = {}
    for server in servers:
        rs = results[server.label]
        value = median([r[metric] for r in rs])
        p99 = median([r["p99_ms"] for r in rs])
        cpu = median([r.get("cpu_us", float("nan")) for r in rs])
        others = median([r.get("others_us", float("nan")) for r in rs])
        errors = sum(r["errors"] + r["non2xx"] for r in rs)
        summary[server.label] = (value, p99, cpu, others)
        rounds = ", ".join(f"{r[metric]:.0f}" for r in rs)
        print(f"| {server.label} | {value:,.0f} | {p99:.2f} | {cpu:.1f} | {others:.1f} | {errors} | {rounds} |")
    ours = [label for label in summary if label.startswith("fulcrum")]
    peers = [label for label in summary if not label.startswith("fulcrum")]
    if ours and peers:
        best = max(peers, key=lambda label: summary[label][0])
        value, p99, cpu, others = summary[ours[0]]
        bvalue, bp99, bcpu, bothers = summary[best]
        ratio = value / bvalue if bvalue else float("nan")
        p99_ratio = p99 / bp99 if bp99 else float("nan")
        print(f"ratio: fulcrum / best peer ({best}) = {ratio:.2f}× {unit}; p99 {p99_ratio:.2f}× (lower is better)")
        # Each round measures every server back to back, so a slow spell of the host hits the
        # servers of one round alike: the per-round ratio is steadier than the ratio of medians.
        paired = [a[metric] / b[metric] for a, b in zip(results[ours[0]], results[best]) if b[metric]]
        if paired:
            print(f"paired: fulcrum / {best} round by round = " + ", ".join(f"{x:.2f}" for x in paired) +
                  f"; median {median(paired):.2f}×")
        leanest = min(peers, key=lambda label: summary[label][2] if summary[label][2] == summary[label][2] else float("inf"))
        lcpu = summary[leanest][2]
        print(f"CPU per request: fulcrum / leanest peer ({leanest}) = {cpu / lcpu if lcpu else float('nan'):.2f}× (lower is better)")
        if metric == "rps" and others == others and bothers == bothers:
            # When wrk, the upstream and the server together keep the CPUs busy, req/s is the
            # CPUs divided by what one request costs all three: this is the most a leaner server
            # can gain over the best peer on this machine.
            print(f"whole machine per request (server + wrk + upstream): fulcrum {cpu + others:.1f} µs, "
                  f"{best} {bcpu + bothers:.1f} µs; the req/s ratio this allows when the CPUs are the limit: "
                  f"{(bcpu + bothers) / (cpu + others):.2f}×")
    print("commands:")
    for server in servers:
        print(f"  {server.label}: server `{shlex.join(map(str, server.argv))}`")
        print(f"  {server.label}: load   `{commands.get(server.label, '')}`")


def process_group_members(pgid):
    """(stat fields after the command name, /proc entry) of every process in a process group
    (a server and its workers); processes that vanish while being read are skipped."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == pgid:
                yield fields, entry
        except (OSError, ValueError, IndexError):
            continue


def status_field_sum(pgid, field, per_thread=False):
    """A numeric /proc status field summed over a process group's processes (or their threads);
    processes that vanish while being read are skipped."""
    total = 0
    for _, entry in process_group_members(pgid):
        try:
            for status in ([task / "status" for task in (entry / "task").iterdir()] if per_thread
                           else [entry / "status"]):
                for line in status.read_text().splitlines():
                    if line.startswith(field):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total


def process_group_rss_kib(pgid):
    """Resident memory of every process in a process group, KiB."""
    return status_field_sum(pgid, "VmRSS:")


def process_group_cpu_seconds(pgid):
    """User + system CPU of every process in a process group."""
    ticks = sum(int(fields[11]) + int(fields[12]) for fields, _ in process_group_members(pgid))
    return ticks / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    """User + system CPU of this script's finished (waited-for) children, wrk among them."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_group_context_switches(pgid):
    """Voluntary context switches (the thread slept: a wake-up each) of every thread of every
    process in a process group."""
    return status_field_sum(pgid, "voluntary_ctxt_switches:", per_thread=True)


def read_response(sock):
    """Reads one Content-Length response; returns its status code."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise OSError("closed before the response headers")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    remaining = int(length.group(1)) - len(body) if length else 0
    while remaining > 0:
        chunk = sock.recv(min(remaining, 65536))
        if not chunk:
            raise OSError("closed inside the body")
        remaining -= len(chunk)
    return int(head.split()[1])


def idle_memory(run, server, count):
    """RSS of a server before and after `count` keep-alive client connections that each made
    one request and then sit idle. Returns (baseline KiB, loaded KiB, connections held)."""
    proc = run.start(slug(server.label), server.argv, server.port)
    sockets = []
    try:
        time.sleep(0.5)
        baseline = process_group_rss_kib(proc.pid)
        request = b"GET / HTTP/1.1\r\nHost: bench.test\r\n\r\n"
        while len(sockets) < count:
            batch = []
            for _ in range(min(200, count - len(sockets))):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                sock.sendall(request)
                batch.append(sock)
            for sock in batch:
                if read_response(sock) != 200:
                    raise RuntimeError(f"{server.label}: a request on an idle-to-be connection failed")
            sockets += batch
        time.sleep(1.0)
        loaded = process_group_rss_kib(proc.pid)
        # Every connection must still be open (a server that closed them saved no memory).
        alive = 0
        for sock in sockets:
            sock.setblocking(False)
            try:
                alive += 1 if sock.recv(1) else 0
            except BlockingIOError:
                alive += 1
            except OSError:
                pass
        return baseline, loaded, alive
    finally:
        for sock in sockets:
            sock.close()
        run.stop(proc)


def run_memory_case(run, servers, count):
    print(f"\n## Memory: {count} idle keep-alive client connections (one request each, then idle), 1 thread")
    print("| server | RSS before (MiB) | RSS with connections (MiB) | delta per 10,000 connections (MiB) | still open |")
    print("|---|---:|---:|---:|---:|")
    for server in servers:
        try:
            base, loaded, alive = idle_memory(run, server, count)
        except (OSError, RuntimeError) as error:
            print(f"| {server.label} | failed: {' '.join(str(error).split())[:200]} | | | |")
            continue
        per_10k = (loaded - base) / 1024 * 10000 / count
        print(f"| {server.label} | {base / 1024:.1f} | {loaded / 1024:.1f} | {per_10k:.1f} | {alive} |")
    print("RSS: VmRSS summed over the server's process group (master and workers).")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agent", required=True, help="the fulcrum-agent binary")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement (1..60)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (1..1000)")
    parser.add_argument("--only", default="proxy,static,tls,memory",
                        help="comma list of: proxy, static, tls, memory")
    parser.add_argument("--idle", type=int, default=10000, help="idle connections for the memory case (1..15000)")
    parser.add_argument("--keep", action="store_true", help="keep the configs and logs")
    parser.add_argument("--event-loop", choices=["epoll", "auto", "io_uring"],
                        help="fulcrum-agent proxy --event-loop (default: the agent's, auto)")
    args = parser.parse_args()
    global EVENT_LOOP
    EVENT_LOOP = args.event_loop
    if (not 1 <= args.duration <= 60 or not 1 <= args.connections <= 1000 or not 1 <= args.rounds <= 10
            or not 1 <= args.idle <= 15000):
        parser.error("--duration 1..60, --connections 1..1000, --rounds 1..10, --idle 1..15000")
    agent = Path(args.agent).resolve()
    cases = set(args.only.split(","))
    cpus = os.cpu_count()

    print("# Fulcrum proxy benchmark")
    print(f"machine: {cpus} CPUs, {platform_line()}")
    print(f"versions: {version_line(agent)}")
    print(f"command: {shlex.join(sys.argv)}")
    print(f"load: wrk -t1 -c{args.connections} -d{args.duration}s per measurement, {args.rounds} rounds, "
          "alternating order; medians")
    print("load average at start (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))

    # Idle connections need descriptors, here and in the servers, which inherit this limit.
    # HAProxy reserves two per connection (client and server side) and refuses to start when
    # 2 × maxconn exceeds the limit, so the connection count is capped by the hard limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.idle * 2 + 1000 > hard:
        args.idle = (hard - 1000) // 2
        print(f"idle connections capped at {args.idle} by the descriptor hard limit {hard}")
    global HAPROXY_MAXCONN, HAPROXY_ULIMIT
    HAPROXY_MAXCONN, HAPROXY_ULIMIT = args.idle + 200, hard

    run = Run(args.keep)
    try:
        upstream_ports, upstream_conf = start_upstreams(run)
        print(f"upstream: nginx worker_processes 1, fixed {len(UPSTREAM_BODY)}-byte body on ports {upstream_ports}"
              f" ({upstream_conf})")
        if "proxy" in cases:
            for threads, tag in ((1, "1 thread"), ("auto", "auto")):
                n = 1 if threads == 1 else cpus
                servers = [fulcrum_proxy(run, agent, upstream_ports, threads, tag),
                           nginx_proxy(run, upstream_ports, 1 if threads == 1 else "auto", tag),
                           haproxy_proxy(run, upstream_ports, n, tag)]
                run_case(run, f"Reverse proxy, 4 upstreams, keep-alive, {tag}", servers, "/", args)
        if "memory" in cases:
            run_memory_case(run, [fulcrum_proxy(run, agent, upstream_ports, 1, "memory"),
                                  nginx_proxy(run, upstream_ports, 1, "memory"),
                                  haproxy_proxy(run, upstream_ports, 1, "memory")], args.idle)
        if "static" in cases or "tls" in cases:
            root = static_files(run)
        if "static" in cases:
            servers = [fulcrum_static(run, agent, root), nginx_static(run, root)]
            run_case(run, "Static 1 KiB file, 1 thread", servers, "/static/1k.bin", args)
            run_case(run, "Static 100 MiB file, 1 thread (MB/s)", servers, "/static/100m.bin", args,
                     metric="mb_s", connections=4)
        if "tls" in cases:
            cert, key = make_certificate(run, agent)
            servers = [fulcrum_static(run, agent, root, (cert, key), "https"),
                       nginx_static(run, root, (cert, key), "https")]
            run_case(run, "HTTPS keep-alive, 1 KiB file, same ECDSA P-256 certificate", servers,
                     "/static/1k.bin", args)
            run_case(run, "HTTPS new handshakes (Connection: close, full handshake each request)", servers,
                     "/static/1k.bin", args, extra=("-H", "Connection: close"))
    finally:
        print("\nload average at end (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
        run.close()


def platform_line():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, kernel {os.uname().release}"


def version_line(agent):
    def first_line(argv):
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (out.stdout + out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"
    return "; ".join([first_line([str(agent), "version"]), first_line(["/usr/sbin/nginx", "-v"]),
                      first_line(["/usr/sbin/haproxy", "-v"]), first_line(["/usr/bin/wrk", "--version"])])


if __name__ == "__main__":
    main()
