#!/usr/bin/python3
"""What one request costs the server, in units a shared machine does not distort.

  tests/bench/profile.py --agent build/agent/fulcrum-agent [--compare OTHER-AGENT]
                             [--case proxy|static-large|https|handshake]
                             [--duration 3] [--rounds 3] [--connections 50] [--callgrind] [--cpu-only]

The cases are bench.py's, with the same servers and configs, one server at a time, alternating
order each round:
  proxy         "reverse proxy, 4 upstreams, keep-alive, 1 thread" (Fulcrum, nginx, HAProxy;
                the default)
  static-large  "static 100 MiB file, 1 thread" (Fulcrum, nginx; 4 connections unless
                --connections says otherwise): the cost of one 100 MiB response
  https         "HTTPS keep-alive, 1 KiB file" (Fulcrum, nginx; the same ECDSA certificate)
  handshake     "HTTPS new handshakes" (Fulcrum, nginx; Connection: close, the same ECDSA
                certificate): the cost of one full TLS handshake and its 1 KiB answer
--compare adds another Fulcrum binary ("fulcrum (compare)"; repeatable), for before/after in
the same conditions:

  syscalls   `strace -f -c` attached to every process of the server over a bounded wrk run:
             system calls per answered request, by name (EAGAIN counted apart). strace slows
             the server down, but not what it asks the kernel per request.
  cpu        the server's user + system CPU per answered request over a wrk run without strace
             (the same figure as bench.py's "server CPU µs/request"), the median of the rounds,
             and its wake-ups per request (voluntary context switches of all its threads: each
             is a sleep in epoll_wait and a wake-up, costly on a paravirtualised VM);
             --cpu-only skips the strace runs, for more rounds in the same time.
  callgrind  (--callgrind, Fulcrum only) user-space instructions per request: the proxy under
             `valgrind --tool=callgrind`, a bounded wrk run with 8 connections, minus an
             idle run of the same length (start-up, shutdown, timer ticks). This VM exposes no hardware counters to
             `perf stat -e instructions,cycles`, so this is the instruction count we have.
             Always on epoll: valgrind 3.19 cannot follow io_uring (the kernel fills the rings'
             shared memory behind its back), and a proxy on io_uring under it never answers.

wrk, the upstream and the server share the machine's CPUs; everything binds 127.0.0.1 on
ports the kernel hands out. Bounded: about rounds × 3 servers × 2 × duration seconds, plus
the callgrind run. Run as root, the servers run as fulcrum-test (as in bench.py).
"""
import argparse
import os
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the servers, their configs and the wrk parsing live there)


def strace_counts(path):
    """{syscall: (calls, errors)} from an `strace -c` summary."""
    counts = {}
    for line in Path(path).read_text().splitlines():
        fields = line.split()
        # % time, seconds, usecs/call, calls, [errors,] syscall
        if len(fields) >= 5 and fields[-1] != "total" and re.fullmatch(r"[\d.]+", fields[0]):
            calls = int(fields[3])
            errors = int(fields[4]) if len(fields) == 6 else 0
            counts[fields[-1]] = (calls, errors)
    return counts


class Case:
    """What is asked of every server: the path, wrk's extra arguments, the connections."""

    def __init__(self, name, title, path, connections, extra=(), response_mib=None):
        self.name, self.title, self.path, self.connections, self.extra = name, title, path, connections, extra
        # Large responses: a wrk run ends inside some of them, so "per request" is per
        # response_mib of body read (wrk's byte count) rather than per completed response.
        self.response_mib = response_mib

    def responses(self, wrk_result, duration):
        if self.response_mib:
            return wrk_result["mb_s"] * duration / self.response_mib
        return wrk_result["requests"]


CASES = {
    "proxy": Case("proxy", "reverse proxy, 4 upstreams, keep-alive, 1 thread", "/", 50),
    "static-large": Case("static-large", "static 100 MiB file, 1 thread", "/static/100m.bin", 4, response_mib=100),
    "https": Case("https", "HTTPS keep-alive, 1 KiB file, 1 thread", "/static/1k.bin", 50),
    "handshake": Case("handshake", "HTTPS new handshakes (Connection: close), 1 thread", "/static/1k.bin", 50,
                      ("-H", "Connection: close")),
}


def wrk(server, connections, duration, case):
    argv = bench.wrk_command(server.url(case.path), connections, duration, case.extra)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 30)
    return bench.parse_wrk(out.stdout), shlex.join(argv)


def measure_syscalls(run, server, args):
    proc = run.start(bench.slug(server.label), server.argv, server.port)
    try:
        wrk(server, args.connections, 1, args.case)  # warm-up: connections and caches ready
        pids = [entry.name for _, entry in bench.process_group_members(proc.pid)]
        out = run.path(bench.slug(server.label) + ".strace")
        tracer = subprocess.Popen(["strace", "-f", "-c", "-o", str(out)] + [a for p in pids for a in ("-p", p)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # attached before the load starts
        result, command = wrk(server, args.connections, args.duration, args.case)
        tracer.send_signal(signal.SIGINT)
        tracer.wait(timeout=30)
        return strace_counts(out), args.case.responses(result, args.duration), command
    finally:
        run.stop(proc)


def measure_cpu(run, server, args):
    result = bench.measure(run, server, args.case.path, args.connections, args.duration, args.case.extra)
    responses = max(args.case.responses(result, args.duration), 1e-9)
    cpu_us = result["cpu_us"] * result["requests"] / responses
    rate = result["mb_s"] if args.case.response_mib else result["rps"]
    return cpu_us, rate, result["p99_ms"], result["wakeups"] / responses


def callgrind_instructions(run, server, name, requests_wanted, duration, case):
    """Instructions of one whole run of the proxy under callgrind: started, loaded (or not),
    stopped (SIGTERM: callgrind writes its totals at exit)."""
    out_dir = run.path("callgrind")
    out_dir.mkdir(exist_ok=True)
    run.own(out_dir)
    out = out_dir / f"{name}.out"
    argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *server.argv]
    proc = run.start(f"callgrind-{name}", argv, server.port)
    result, command = ({"requests": 0}, "(none)")
    try:
        if requests_wanted:
            result, command = wrk(server, min(8, case.connections), duration, case)
        else:
            time.sleep(duration)
    finally:
        run.stop(proc)
    totals = re.search(r"^(?:summary|totals):\s+(\d+)", out.read_text(), re.M)
    return int(totals.group(1)), result["requests"], shlex.join(str(a) for a in argv), command


def measure_callgrind(run, server, args):
    # Start-up, shutdown and the idle loop's ticks are the same in both runs: subtracted.
    idle, _, _, _ = callgrind_instructions(run, server, "idle", False, args.duration * 2, args.case)
    loaded, requests, server_command, load_command = callgrind_instructions(run, server, "loaded", True,
                                                                           args.duration * 2, args.case)
    return loaded - idle, requests, server_command, load_command


def print_syscalls(servers, syscalls):
    print("\n## System calls per answered request (strace -f -c, all rounds summed)")
    names = sorted({n for runs in syscalls.values() for counts, _ in runs for n in counts})
    print("| syscall | " + " | ".join(s.label for s in servers) + " |")
    print("|---|" + "---:|" * len(servers))
    totals = {}
    for server in servers:
        requests = sum(r for _, r in syscalls[server.label]) or 1
        totals[server.label] = requests
    rows = []
    for name in names:
        cells, keep = [], False
        for server in servers:
            calls = sum(c.get(name, (0, 0))[0] for c, _ in syscalls[server.label])
            errors = sum(c.get(name, (0, 0))[1] for c, _ in syscalls[server.label])
            per = calls / totals[server.label]
            keep = keep or per >= 0.005
            cells.append(f"{per:.2f}" + (f" ({errors / totals[server.label]:.2f} failed)" if errors else ""))
        if keep:
            rows.append(f"| {name} | " + " | ".join(cells) + " |")
    print("\n".join(rows))
    print("| **total** | " + " | ".join(
        f"**{sum(sum(v[0] for v in c.values()) for c, _ in syscalls[s.label]) / totals[s.label]:.2f}**"
        for s in servers) + " |")
    print("| requests traced | " + " | ".join(f"{totals[s.label]:,.1f}" for s in servers) + " |")


def make_servers(run, agent, args):
    """The servers of the case, Fulcrum first, and a Fulcrum of its own for callgrind."""
    compares = [(Path(c).resolve(), "compare" if len(args.compare) == 1 else f"compare {Path(c).name}", None)
                for c in args.compare]
    compares += [(agent, f"on {loop}", loop) for loop in args.compare_event_loop]
    if args.case.name == "proxy":
        upstream_ports, _ = bench.start_upstreams(run)
        servers = [bench.fulcrum_proxy(run, agent, upstream_ports, 1, "1 thread")]
        for compare, tag, loop in compares:
            servers.append(bench.fulcrum_proxy(run, compare, upstream_ports, 1, tag, loop))
        servers += [bench.nginx_proxy(run, upstream_ports, 1, "1 thread"),
                    bench.haproxy_proxy(run, upstream_ports, 1, "1 thread")]
        return servers, bench.fulcrum_proxy(run, agent, upstream_ports, 1, "callgrind", "epoll")
    root = bench.static_files(run)
    tls = None
    if args.case.name in ("https", "handshake"):
        tls = bench.make_certificate(run, agent)
    tag = "https" if tls else "static"
    servers = [bench.fulcrum_static(run, agent, root, tls, tag)]
    for compare, compare_tag, loop in compares:
        servers.append(bench.fulcrum_static(run, compare, root, tls, f"{tag} {compare_tag}", loop))
    servers.append(bench.nginx_static(run, root, tls, tag))
    return servers, bench.fulcrum_static(run, agent, root, tls, f"{tag} callgrind", event_loop="epoll")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agent", required=True, help="the fulcrum-agent binary")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=3, help="seconds per measurement (1..30)")
    parser.add_argument("--connections", type=int, help="wrk connections (1..1000; default: the case's)")
    parser.add_argument("--case", choices=sorted(CASES), default="proxy", help="what to measure (default: proxy)")
    parser.add_argument("--compare", action="append", default=[],
                        help="another fulcrum-agent binary (e.g. main's) measured alongside, as before/after; "
                             "repeatable (labelled by file name)")
    parser.add_argument("--event-loop", choices=["epoll", "auto", "io_uring"],
                        help="fulcrum-agent proxy --event-loop for --agent (default: the agent's, auto)")
    parser.add_argument("--compare-event-loop", action="append", default=[], choices=["epoll", "auto", "io_uring"],
                        help="the --agent binary again on this event loop, measured alongside (repeatable)")
    parser.add_argument("--callgrind", action="store_true", help="also count Fulcrum's instructions per request")
    parser.add_argument("--cpu-only", action="store_true", help="skip the strace runs (more rounds in less time)")
    parser.add_argument("--keep", action="store_true", help="keep the configs, logs and strace output")
    args = parser.parse_args()
    bench.EVENT_LOOP = args.event_loop
    args.case = CASES[args.case]
    args.connections = args.connections or args.case.connections
    if not 1 <= args.duration <= 30 or not 1 <= args.rounds <= 10 or not 1 <= args.connections <= 1000:
        parser.error("--duration 1..30, --rounds 1..10, --connections 1..1000")
    for tool in ["strace"] + (["valgrind", "callgrind_control"] if args.callgrind else []):
        if not shutil.which(tool):
            parser.error(f"{tool} is not installed")
    agent = Path(args.agent).resolve()
    # As bench.py: HAProxy wants its descriptors up front.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    bench.HAPROXY_MAXCONN, bench.HAPROXY_ULIMIT = 2000, hard

    print(f"# Fulcrum proxy profile: {args.case.title}")
    print(f"machine: {os.cpu_count()} CPUs, {bench.platform_line()}")
    print(f"versions: {bench.version_line(agent)}")
    print(f"command: {shlex.join(sys.argv)}")
    print("load average at start (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))

    run = bench.Run(args.keep)
    try:
        servers, callgrind_server = make_servers(run, agent, args)
        syscalls = {s.label: [] for s in servers}
        cpu = {s.label: [] for s in servers}
        commands = {}
        for round_index in range(args.rounds):
            order = servers if round_index % 2 == 0 else list(reversed(servers))
            for server in order:
                if not args.cpu_only:
                    counts, requests, command = measure_syscalls(run, server, args)
                    syscalls[server.label].append((counts, requests))
                    commands[server.label] = command
                cpu[server.label].append(measure_cpu(run, server, args))

        if not args.cpu_only:
            print_syscalls(servers, syscalls)

        print("\n## Server CPU per answered request (no strace), median of rounds")
        unit = "MiB/s" if args.case.response_mib else "req/s"
        print(f"| server | CPU µs/request | {unit} | p99 ms | wake-ups/request | rounds (µs) | rounds ({unit}) |")
        print("|---|---:|---:|---:|---:|---|---|")
        for server in servers:
            values = cpu[server.label]
            print(f"| {server.label} | {statistics.median(v[0] for v in values):.1f} | "
                  f"{statistics.median(v[1] for v in values):,.0f} | {statistics.median(v[2] for v in values):.2f} | "
                  f"{statistics.median(v[3] for v in values):.2f} | "
                  + ", ".join(f"{v[0]:.1f}" for v in values) + " | " + ", ".join(f"{v[1]:,.0f}" for v in values) + " |")

        if args.callgrind:
            instructions, requests, server_command, load_command = measure_callgrind(run, callgrind_server, args)
            print("\n## Fulcrum user-space instructions per request (callgrind)")
            print(f"{instructions / max(requests, 1):,.0f} instructions per request "
                  f"({instructions:,} over {requests} requests)")
            print(f"  server `{server_command}`\n  load   `{load_command}`")

        print("\ncommands:")
        for server in servers:
            print(f"  {server.label}: server `{shlex.join(str(a) for a in server.argv)}`")
            if server.label in commands:
                print(f"  {server.label}: load   `{commands[server.label]}` under `strace -f -c -p PID...`")
    finally:
        print("\nload average at end (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
        run.close()


if __name__ == "__main__":
    main()
