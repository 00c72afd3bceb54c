#!/usr/bin/env bash
# Quick start, part one: installs what is needed (resources/deps.sh), builds, and opens
# the panel on the built-in demo — "This computer" managed without SSH: four Python WSGI workers
# on ports 8000-8003 behind Fulcrum's proxy on 8080 (HTTP) and 8443 (HTTPS, self-signed).
set -euo pipefail
cd "$(dirname "$0")/.."
# Say what is about to happen before the long, quiet part: a first run builds for a while.
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "demo.sh: no graphical display found (DISPLAY and WAYLAND_DISPLAY are unset)." >&2
  echo "Run this from a desktop session, or headless as: xvfb-run -a ./resources/demo.sh" >&2
  exit 1
fi
fulcrum=./build/test/ui/fulcrum
if [ -x "$fulcrum" ]; then
  echo "demo.sh: checking the build in build/test (quick when nothing changed), then opening the panel."
else
  echo "demo.sh: installs missing Debian packages (resources/deps.sh), builds the panel and the agent"
  echo "into build/test, then opens the panel on the demo. The first build takes about 15 minutes"
  echo "on 2 cores (later runs are quick); its full log goes to build/demo-build.log."
fi
./resources/deps.sh
# The demo runs the binaries the test command tests (the `test` preset, -O2 -g): one build tree
# serves both quick-start commands, and the programs shown are exactly the ones CI has proven.
mkdir -p build
log=build/demo-build.log
if ! cmake --preset test >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "demo.sh: configuring failed (above: the end of $log)." >&2
  exit 1
fi
# Only the programs: the test suite is the other quick-start command's job, and building it here
# would triple the wait before the window opens. Ninja's one-line progress stays on a terminal;
# the compiler's full output goes to the log, and its end to the screen if the build fails.
set +e
if [ -t 1 ]; then
  cmake --build --preset test --target fulcrum fulcrum-ctl 2>&1 | tee -a "$log" |
    awk '/^\[[0-9]+\/[0-9]+\]/ { printf "\rdemo.sh: building, step %s ", $1; fflush() } END { printf "\n" }'
  status=${PIPESTATUS[0]}
else
  cmake --build --preset test --target fulcrum fulcrum-ctl >>"$log" 2>&1
  status=$?
fi
set -e
if [ "$status" -ne 0 ]; then
  tail -n 30 "$log" >&2
  echo "demo.sh: the build failed (above: the end of $log)." >&2
  exit 1
fi
echo "demo.sh: opening the panel. The demo keeps serving after the window closes;"
echo "\"Stop the demo\" on \"This computer\" stops it."
exec "$fulcrum" --demo "$@"
