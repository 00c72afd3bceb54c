#!/usr/bin/python3
"""The real stack (issue 7 item 3): a production-shaped Django site (tests/e2e/django_site,
DEBUG=False) with its static files collected, four gunicorn workers, and Fulcrum's proxy in
front of them terminating HTTPS with a certificate from `fulcrum-agent cert self-signed` and
serving /static/ from the collected directory. Debian's headless Chromium loads the page
through the proxy; the page's probe.js writes the computed colour of an element styled only by
site.css into the DOM, so the dumped DOM proves the stylesheet loaded, and the workers' access
logs prove Django never saw a /static/ request.

  real_stack_test.py --agent PATH/fulcrum-agent --site DIR

Everything listens on 127.0.0.1. Workers get pre-bound sockets (port 0, `--bind fd://N`); the
proxy gets a port the kernel just handed out. Every child has a deadline and is killed at the
end. When run as root (CI), the site and the proxy run as the unprivileged test user, as they
would in production.
"""
import argparse
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

ARGS = None
TEST_USER = "fulcrum-test"
WORKERS = 4
CSS_COLOR = "rgb(12, 34, 56)"  # tests/e2e/django_site/catalog/static/catalog/site.css


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RealStack(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.children = []
        cls.tmp = Path(tempfile.mkdtemp(prefix="fulcrum-real-stack-"))
        cls.user = None
        if os.geteuid() == 0:
            try:
                cls.user = pwd.getpwnam(TEST_USER)
            except KeyError:
                raise unittest.SkipTest(f"running as root but user {TEST_USER} is missing "
                                        "(resources/test-users.sh creates it)")
        try:
            cls.start_stack()
        except BaseException:
            cls.stop_stack()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stop_stack()

    # --- the stack ----------------------------------------------------------------------

    @classmethod
    def own(cls, path):
        if cls.user:
            os.chown(path, cls.user.pw_uid, cls.user.pw_gid)

    @classmethod
    def env(cls, **extra):
        home = cls.tmp / "home"
        home.mkdir(exist_ok=True)
        cls.own(home)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1"}  # nothing written into the source tree
        env.update(extra)
        return env

    @classmethod
    def spawn(cls, argv, log_name, as_user=True, **kwargs):
        log = open(cls.tmp / log_name, "wb")
        user = cls.user if as_user else None
        proc = subprocess.Popen([str(a) for a in argv], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                user=user.pw_uid if user else None, group=user.pw_gid if user else None,
                                extra_groups=[] if user else None, **kwargs)
        log.close()
        cls.children.append(proc)
        return proc

    @classmethod
    def run_checked(cls, argv, timeout=60, as_user=True, **kwargs):
        user = cls.user if as_user else None
        result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL,
                                user=user.pw_uid if user else None, group=user.pw_gid if user else None,
                                extra_groups=[] if user else None, **kwargs)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(map(str, argv))} exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    @classmethod
    def start_stack(cls):
        os.chmod(cls.tmp, 0o755)
        site = Path(ARGS.site).resolve()
        cls.static_root = cls.tmp / "static"
        cls.static_root.mkdir()
        cls.own(cls.static_root)
        django_env = cls.env(DJANGO_SETTINGS_MODULE="shopsite.settings", DJANGO_STATIC_ROOT=str(cls.static_root),
                             DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost")
        cls.run_checked(["/usr/bin/python3", site / "manage.py", "collectstatic", "--noinput"],
                        env=django_env, cwd=site)
        cls.css_file = cls.static_root / "catalog/site.css"
        if not cls.css_file.is_file():
            raise AssertionError("collectstatic did not collect catalog/site.css")

        # Four gunicorn workers, each its own process on its own port (as the agent runs a
        # worker group), each with its own access log.
        cls.worker_ports = []
        cls.access_logs = []
        for index in range(WORKERS):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            sock.listen(64)
            sock.set_inheritable(True)
            cls.worker_ports.append(sock.getsockname()[1])
            access_log = cls.tmp / f"access-{index}.log"
            access_log.touch()
            cls.own(access_log)
            cls.access_logs.append(access_log)
            cls.spawn(["/usr/bin/gunicorn", "--bind", f"fd://{sock.fileno()}", "--workers", "1",
                       "--chdir", site, "--access-logfile", access_log, "--log-level", "warning",
                       "--worker-tmp-dir", cls.tmp / "home", "shopsite.wsgi:application"],
                      f"gunicorn-{index}.log", env=django_env, pass_fds=[sock.fileno()])
            sock.close()  # gunicorn holds its own copy

        # A self-signed certificate for the proxy, made by the agent itself.
        cls.cert = cls.tmp / "tls/cert.pem"
        cls.key = cls.tmp / "tls/key.pem"
        (cls.tmp / "tls").mkdir()
        cls.own(cls.tmp / "tls")
        cls.run_checked([ARGS.agent, "cert", "self-signed", "--host", "localhost", "--host", "127.0.0.1",
                         "--days", "2", "--cert", cls.cert, "--key", cls.key], env=cls.env())

        cls.proxy_port = free_port()
        argv = [ARGS.agent, "proxy", "--listen", f"127.0.0.1:{cls.proxy_port}"]
        for port in cls.worker_ports:
            argv += ["--to", f"127.0.0.1:{port}"]
        argv += ["--static", f"/static/={cls.static_root}", "--tls-cert", cls.cert, "--tls-key", cls.key]
        cls.proxy = cls.spawn(argv, "proxy.log", env=cls.env())

        cls.tls = ssl.create_default_context(cafile=str(cls.cert))  # verifies the proxy presents it
        for port in cls.worker_ports:
            wait_until(lambda p=port: cls.plain_status(p) == 200, 30, f"gunicorn on port {port}")
        wait_until(cls.proxy_answers, 20, f"the proxy on {cls.proxy_port}: {cls.log_tail('proxy.log')}")

    @classmethod
    def stop_stack(cls):
        for proc in cls.children:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in cls.children:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if os.environ.get("FULCRUM_KEEP_TMP"):
            print(f"kept {cls.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def log_tail(cls, name):
        path = cls.tmp / name
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"

    @staticmethod
    def plain_status(port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            conn.close()

    @classmethod
    def proxy_answers(cls):
        if cls.proxy.poll() is not None:
            raise AssertionError(f"the proxy exited with {cls.proxy.returncode}:\n{cls.log_tail('proxy.log')}")
        try:
            return cls.https_get("/healthz")[0] == 200
        except (OSError, http.client.HTTPException):
            return False

    @classmethod
    def https_get(cls, path, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", cls.proxy_port, timeout=5, context=cls.tls)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def static_requests_seen_by_django(self):
        lines = []
        for log in self.access_logs:
            lines += [line for line in log.read_text(errors="replace").splitlines() if "/static/" in line]
        return lines

    # --- the proof ----------------------------------------------------------------------

    def test_1_chromium_loads_the_page_over_https_with_css_from_the_static_route(self):
        profile = self.tmp / "chromium-profile"
        url = f"https://127.0.0.1:{self.proxy_port}/"
        result = subprocess.run(
            ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--ignore-certificate-errors", f"--user-data-dir={profile}",
             "--virtual-time-budget=5000", "--dump-dom", url],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
            env={"PATH": "/usr/bin:/bin", "HOME": str(self.tmp / "home"), "LANG": "C.UTF-8"})
        dom = result.stdout
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        body = re.search(r"<body([^>]*)>", dom)
        self.assertIsNotNone(body, f"no <body> in the dumped DOM:\n{dom[:2000]}")
        self.assertIn('data-script="loaded"', body.group(1), "probe.js (a static file) did not run")
        self.assertIn(f'data-css-color="{CSS_COLOR}"', body.group(1),
                      "site.css (a static file) did not style the page")
        # Django rendered the page and knew it was HTTPS (X-Forwarded-Proto from the proxy).
        self.assertRegex(dom, r"Rendered by Django worker \d+ over HTTPS")
        # The page itself reached Django; its CSS and script did not.
        page_hits = [line for log in self.access_logs for line in log.read_text().splitlines()
                     if '"GET / ' in line]
        self.assertTrue(page_hits, "no worker logged the page request")
        self.assertEqual(self.static_requests_seen_by_django(), [])

    def test_2_static_files_come_from_the_collected_directory(self):
        status, headers, body = self.https_get("/static/catalog/site.css")
        self.assertEqual(status, 200)
        self.assertEqual(body, self.css_file.read_bytes())
        lower = {k.lower(): v for k, v in headers.items()}
        self.assertTrue(lower.get("content-type", "").startswith("text/css"), headers)
        self.assertIn("etag", lower)
        # A conditional request is answered by the static route (304), still without Django.
        status, _, body = self.https_get("/static/catalog/site.css", {"If-None-Match": lower["etag"]})
        self.assertEqual(status, 304)
        self.assertEqual(body, b"")
        # Not found under /static/ is the proxy's 404, not a fall-through to Django.
        status, _, _ = self.https_get("/static/catalog/missing.css")
        self.assertEqual(status, 404)
        self.assertEqual(self.static_requests_seen_by_django(), [])

    def test_3_every_gunicorn_worker_serves_pages(self):
        pids = set()
        for _ in range(WORKERS * 4):
            status, _, body = self.https_get("/")
            self.assertEqual(status, 200)
            match = re.search(rb"Rendered by Django worker (\d+) over HTTPS", body)
            self.assertIsNotNone(match, body[:500])
            pids.add(match.group(1))
        self.assertEqual(len(pids), WORKERS, f"pages came from {sorted(pids)} only")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--agent", required=True)
    parser.add_argument("--site", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
