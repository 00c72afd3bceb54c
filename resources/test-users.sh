#!/usr/bin/env bash
# Fulcrum never runs its daemons as root, so tests that run as root (CI does) start the agent,
# workers and the test sshd as an ordinary account. This creates that account once.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || exit 0
if ! id fulcrum-test >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --comment "Fulcrum test runner" fulcrum-test
fi
