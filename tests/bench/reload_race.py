#!/usr/bin/env python3
"""Hunts for requests lost while listeners come and go at reloads; not a test.

Runs `fulcrum-agent proxy --event-loop LOOP` in front of two waitress workers (resources/demo),
eight keep-alive clients on persistent connections, and `replace_config` over the admin socket
every 70 ms for 8 s, each replacement adding or removing a second listener. Prints every client
failure with its time, the requests its connection had carried, and the replacements near it.
Session 7: on io_uring a request on a long-lived connection now and then got no answer (2 s
timeout) or a body cut short; session 8 found Asio 1.22.1's io_uring cancellation bugs behind it
(proxy/server/uring/asio-1.22.1-io_uring-cancel.patch), and with the patch runs show none.

  tests/bench/reload_race.py --agent build/agent/fulcrum-agent --event-loop auto [--threads 2]
"""
import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (read_response lives there)

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agent", required=True)
    parser.add_argument("--event-loop", default="auto", choices=["epoll", "auto", "io_uring"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    if not 1 <= args.threads <= 64 or not 1 <= args.seconds <= 60:
        parser.error("--threads 1..64, --seconds 1..60")

    work = Path(tempfile.mkdtemp(prefix="fulcrum-reload-race-"))
    workers = [free_port(), free_port()]
    port = free_port()
    children = [subprocess.Popen(["/usr/bin/waitress-serve", f"--listen=127.0.0.1:{p}", "--threads=8",
                                  "demo_app:application"], cwd=DEMO, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL) for p in workers]

    def config(variant):
        listeners = [{"name": "web", "address": f"127.0.0.1:{port}"}]
        if variant % 2:
            listeners.append({"name": "extra", "address": "127.0.0.1:0"})
        return {"threads": args.threads, "listeners": listeners, "routes": [{"path_prefix": "/", "pool": "app"}],
                "pools": [{"name": "app", "servers": [{"address": f"127.0.0.1:{p}"} for p in workers]}]}

    (work / "config.json").write_text(json.dumps(config(0)))
    admin = work / "admin.sock"
    proxy = subprocess.Popen([args.agent, "proxy", "--config", str(work / "config.json"), "--admin-socket", str(admin),
                              "--allow-root", "--event-loop", args.event_loop],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(proxy)
    time.sleep(1.0)
    start = time.monotonic()
    stop = threading.Event()
    failures, answered, replacements = [], [0], []

    def client(index):
        sock, carried = None, 0
        while not stop.is_set():
            try:
                if sock is None:
                    sock, carried = socket.create_connection(("127.0.0.1", port), timeout=2), 0
                sock.sendall(b"GET / HTTP/1.1\r\nHost: race\r\n\r\n")
                carried += 1
                bench.read_response(sock)
                answered[0] += 1
            except (OSError, ValueError) as error:
                failures.append((time.monotonic() - start, index, carried, repr(error)))
                if sock:
                    sock.close()
                sock = None

    clients = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    try:
        for c in clients:
            c.start()
        variant = 0
        while time.monotonic() - start < args.seconds:
            variant += 1
            at = time.monotonic() - start
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(str(admin))
                s.sendall((json.dumps({"command": "replace_config", "config": config(variant)}) + "\n").encode())
                s.makefile().readline()
            replacements.append((at, "add" if variant % 2 else "remove"))
            time.sleep(0.07)
    finally:
        stop.set()
        for c in clients:
            c.join()
        for child in children:
            child.terminate()
            child.wait()
    print(f"{args.event_loop}, {args.threads} threads: {answered[0]} answered, {len(replacements)} replacements, "
          f"{len(failures)} failures")
    for at, index, carried, error in failures:
        near = [f"{t:.2f} {kind}" for t, kind in replacements if abs(t - at) < 2.2]
        print(f"  {at:.3f} s, client {index}, request {carried} on its connection: {error}; replacements in the "
              f"2.2 s before and after: {len(near)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
