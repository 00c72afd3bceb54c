#!/usr/bin/env bash
# Quick start, part one: installs what is needed (resources/deps.sh), builds, and opens
# the panel on the built-in demo — "This computer" managed without SSH: four Python WSGI workers
# on ports 8000-8003 behind Fulcrum's proxy on 8080 (HTTP) and 8443 (HTTPS, self-signed).
set -euo pipefail
cd "$(dirname "$0")/.."
./resources/deps.sh
# The demo runs the binaries the test command tests (the `test` preset, -O2 -g): one build tree
# serves both quick-start commands, and the programs shown are exactly the ones CI has proven.
cmake --preset test >/dev/null
# Only the programs: the test suite is the other quick-start command's job, and building it here
# would triple the wait before the window opens.
cmake --build --preset test --target fulcrum fulcrum-ctl
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "demo.sh: no graphical display found (DISPLAY and WAYLAND_DISPLAY are unset)." >&2
  echo "Run this from a desktop session, or headless as: xvfb-run -a ./resources/demo.sh" >&2
  exit 1
fi
exec ./build/test/ui/fulcrum --demo "$@"
