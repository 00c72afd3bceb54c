#!/usr/bin/python3
"""Packaging proof (issue 7 item 4): the `cmake --install` layout and the CPack .deb of an
already-built tree, checked the way a distribution and a user would meet them.

  packaging_test.py --build-dir DIR --version X.Y.Z --app-id ID [--expect-binary NAME]...

* install into a temporary prefix: the layout the panel's agent lookup relies on
  (bin/fulcrum → ../lib/fulcrum/fulcrum-agent), desktop entry, AppStream metainfo, icon, demo;
* the bundled agent runs (`version`) and needs nothing but glibc and OpenSSL 3 on a host;
* the installed panel starts (`--version`, offscreen) with only the libraries it was linked to;
* `cpack -G DEB`: control fields, the same files as the install tree, nothing outside /usr, and
  no maintainer scripts or conffiles — so removing it cannot touch anything a user made;
* then the .deb really is installed into, and purged from, a private dpkg root that also holds a
  user's home with Fulcrum hosts and SSH files: after the purge no file of the package remains
  and every byte of the user's files is unchanged.

Only the standard library: runs with Debian's /usr/bin/python3.
"""
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

ARGS = None
COMMAND_TIMEOUT = 240  # cpack runs dpkg-shlibdeps over the Qt panel: the slowest step


def run(argv, **kwargs):
    """Runs a command with a deadline; returns CompletedProcess with text output."""
    kwargs.setdefault("timeout", COMMAND_TIMEOUT)
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kwargs)


def checked(argv, **kwargs):
    result = run(argv, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def file_tree(root: Path):
    """Every regular file and symlink under root, as relative paths."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def digest_tree(root: Path):
    return {rel: hashlib.sha256((root / rel).read_bytes()).hexdigest() for rel in file_tree(root)}


def needed_libraries(binary: Path):
    dynamic = checked(["readelf", "-d", binary]).stdout
    return sorted(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))


class Packaging(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="fulcrum-packaging-"))
        cls.prefix = cls.tmp / "prefix"
        checked(["cmake", "--install", ARGS.build_dir, "--prefix", cls.prefix])
        cls.pkg_dir = cls.tmp / "pkg"
        # cpack's own install step writes into the build tree's _CPack_Packages; -B keeps the
        # result here. It builds the `preinstall` target first, a no-op on a built tree.
        checked(["cpack", "-G", "DEB", "--config", Path(ARGS.build_dir) / "CPackConfig.cmake",
                 "-B", cls.pkg_dir])
        debs = sorted(cls.pkg_dir.glob("*.deb"))
        if len(debs) != 1:
            raise AssertionError(f"expected one .deb in {cls.pkg_dir}, found {debs}")
        cls.deb = debs[0]
        cls.extracted = cls.tmp / "extracted"
        checked(["dpkg-deb", "-x", cls.deb, cls.extracted])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- the install tree ---------------------------------------------------------------

    def test_install_layout(self):
        app_id = ARGS.app_id
        expected = [
            "lib/fulcrum/fulcrum-agent",
            f"share/applications/{app_id}.desktop",
            f"share/metainfo/{app_id}.metainfo.xml",
            f"share/icons/hicolor/scalable/apps/{app_id}.svg",
            "share/fulcrum/demo/demo_app.py",
            "share/doc/fulcrum/README.md",
            "share/doc/fulcrum/LICENSE",
        ] + [f"bin/{name}" for name in ARGS.expect_binary]
        files = file_tree(self.prefix)
        for rel in expected:
            self.assertIn(rel, files, f"missing from the install tree: {rel}")
        for rel in ["lib/fulcrum/fulcrum-agent"] + [f"bin/{n}" for n in ARGS.expect_binary]:
            self.assertTrue(os.access(self.prefix / rel, os.X_OK), f"{rel} is not executable")
        # The panel finds its agent relative to itself (app/rpc/agent_locator): bin/X → ../lib/fulcrum.
        for name in ARGS.expect_binary:
            beside = (self.prefix / "bin" / name).parent / ".." / "lib" / "fulcrum" / "fulcrum-agent"
            self.assertTrue(beside.resolve().is_file(), f"{name} would not find its agent at {beside}")
        self.assertFalse([f for f in files if "__pycache__" in f or f.endswith(".pyc")],
                         "compiled Python caches leaked into the install")
        # Only one copy of each program: a second install() rule must not put one elsewhere.
        programs = [f for f in files if os.access(self.prefix / f, os.X_OK) and not f.startswith("share/")]
        self.assertEqual(sorted(programs),
                         sorted(["lib/fulcrum/fulcrum-agent"] + [f"bin/{n}" for n in ARGS.expect_binary]))

    def test_bundled_agent_runs_and_needs_only_glibc_and_openssl(self):
        agent = self.prefix / "lib/fulcrum/fulcrum-agent"
        result = checked([agent, "version"], timeout=20)
        self.assertIn(ARGS.version, result.stdout + result.stderr)
        # It is uploaded to hosts that have no Qt and maybe another libstdc++ (design.md).
        allowed = re.compile(r"^(libc|libm|libpthread|libdl|librt|ld-linux-x86-64|ld-linux-aarch64)\.so\.\d+$"
                             r"|^(libssl|libcrypto)\.so\.3$")
        if ARGS.sanitized:
            # ASan/UBSan builds link their runtimes and libstdc++ dynamically; never shipped.
            allowed = re.compile(allowed.pattern + r"|^(libstdc\+\+|libgcc_s)\.so\.\d+$")
        extra = [lib for lib in needed_libraries(agent) if not allowed.match(lib)]
        self.assertEqual(extra, [], "the agent must need only glibc and OpenSSL 3 on a host")

    def test_installed_panel_starts(self):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(self.tmp / "panel-home"))
        env.pop("FULCRUM_AGENT", None)
        result = checked([self.prefix / "bin/fulcrum", "--version"], timeout=30, env=env)
        self.assertIn(ARGS.version, result.stdout)

    def test_desktop_entry_is_valid_and_its_icon_and_program_exist(self):
        desktop = self.prefix / f"share/applications/{ARGS.app_id}.desktop"
        checked(["desktop-file-validate", desktop], timeout=30)
        entry = dict(line.split("=", 1) for line in desktop.read_text().splitlines() if "=" in line)
        self.assertEqual(entry["Exec"].split()[0], "fulcrum")
        self.assertIn("fulcrum", ARGS.expect_binary)
        icon = entry["Icon"]
        found = list((self.prefix / "share/icons/hicolor").glob(f"*/apps/{icon}.*"))
        self.assertTrue(found, f"no icon named {icon} under share/icons/hicolor")
        for path in found:
            if path.suffix == ".svg":
                root = ET.parse(path).getroot()  # well-formed XML
                self.assertTrue(root.tag.endswith("svg"), f"{path} is not an SVG document")

    def test_appstream_metainfo_is_valid_and_consistent(self):
        metainfo = self.prefix / f"share/metainfo/{ARGS.app_id}.metainfo.xml"
        result = run(["appstreamcli", "validate", "--no-net", "--explain", metainfo], timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        root = ET.parse(metainfo).getroot()
        self.assertEqual(root.findtext("id"), ARGS.app_id)
        launchable = root.find("launchable[@type='desktop-id']")
        self.assertIsNotNone(launchable)
        self.assertTrue((self.prefix / "share/applications" / launchable.text).is_file(),
                        f"launchable {launchable.text} is not installed")
        releases = [r.get("version") for r in root.iter("release")]
        self.assertIn(ARGS.version, releases, "the metainfo has no <release> for this version")
        for binary in root.iter("binary"):
            if binary.text in ARGS.expect_binary or binary.text == "fulcrum":
                self.assertTrue((self.prefix / "bin" / binary.text).is_file(), f"provides {binary.text}, not installed")

    # --- the .deb ----------------------------------------------------------------------

    def control_field(self, name):
        return checked(["dpkg-deb", "-f", self.deb, name]).stdout.strip()

    def test_deb_control_fields(self):
        self.assertEqual(self.control_field("Package"), "fulcrum")
        self.assertEqual(self.control_field("Version"), ARGS.version)
        arch = checked(["dpkg", "--print-architecture"]).stdout.strip()
        self.assertEqual(self.control_field("Architecture"), arch)
        depends = self.control_field("Depends")
        # dpkg-shlibdeps computed these from the binaries (CPACK_DEBIAN_PACKAGE_SHLIBDEPS).
        self.assertIn("libc6", depends)
        self.assertRegex(depends, r"libqt6(core|widgets)6", "the panel's Qt libraries are not in Depends")
        self.assertTrue(self.control_field("Description"))

    def test_deb_holds_exactly_the_install_tree_under_usr(self):
        deb_files = file_tree(self.extracted)
        outside = [f for f in deb_files if not f.startswith("usr/")]
        self.assertEqual(outside, [], "the package must ship nothing outside /usr (no /etc, no /home)")
        install_files = {"usr/" + f for f in file_tree(self.prefix)}
        self.assertEqual(deb_files, install_files)
        agent = self.extracted / "usr/lib/fulcrum/fulcrum-agent"
        result = checked([agent, "version"], timeout=20)
        self.assertIn(ARGS.version, result.stdout + result.stderr)

    def test_deb_has_no_maintainer_scripts_or_conffiles(self):
        control = self.tmp / "control"
        checked(["dpkg-deb", "-e", self.deb, control])
        present = sorted(p.name for p in control.iterdir())
        for script in ("preinst", "postinst", "prerm", "postrm", "config", "conffiles", "triggers"):
            self.assertNotIn(script, present, f"{script} could act on users' data at install or removal")

    def test_install_and_purge_leave_users_hosts_untouched(self):
        root = self.tmp / "dpkg-root"
        admin = root / "var/lib/dpkg"
        (admin / "info").mkdir(parents=True)
        (admin / "updates").mkdir()
        (admin / "status").touch()
        # A user who has used Fulcrum: hosts and settings (QStandardPaths AppConfig/AppData),
        # agent state of "This computer", and OpenSSH's files that Fulcrum shares.
        home = root / "home/alice"
        user_files = {
            ".config/fulcrum/fulcrum.conf": "[hosts]\nweb1=alice@web1.example:22\n",
            ".config/fulcrum/hosts.json": '{"hosts": [{"name": "web1", "address": "web1.example"}]}\n',
            ".local/share/fulcrum/history/web1.json": '{"reboots": []}\n',
            ".local/state/fulcrum/config/current.json": '{"listeners": []}\n',
            ".local/lib/fulcrum/fulcrum-agent": "#!/bin/sh\necho user copy\n",
            ".ssh/known_hosts": "web1.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFulcrumTestKey\n",
            ".ssh/config": "Host web1\n  HostName web1.example\n",
        }
        for rel, text in user_files.items():
            (home / rel).parent.mkdir(parents=True, exist_ok=True)
            (home / rel).write_text(text)
        before = digest_tree(home)

        # No maintainer scripts (checked above), so dpkg never chroots; dependencies are not
        # installed in this private root, hence --force-depends.
        dpkg = ["dpkg", f"--root={root}", f"--admindir={admin}", "--force-depends",
                "--force-not-root", "--force-script-chrootless"]
        checked(dpkg + ["--install", self.deb])
        installed = file_tree(root / "usr")
        self.assertIn("lib/fulcrum/fulcrum-agent", installed)
        self.assertIn(f"share/applications/{ARGS.app_id}.desktop", installed)
        result = checked([root / "usr/lib/fulcrum/fulcrum-agent", "version"], timeout=20)
        self.assertIn(ARGS.version, result.stdout + result.stderr)

        checked(dpkg + ["--purge", "fulcrum"])
        left = file_tree(root / "usr") if (root / "usr").exists() else set()
        self.assertEqual(left, set(), "files of the package survived its purge")
        self.assertEqual(digest_tree(home), before, "removing Fulcrum changed a user's files")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--expect-binary", action="append", default=[])
    parser.add_argument("--sanitized", action="store_true",
                        help="an asan preset build: libstdc++ may be linked dynamically")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
