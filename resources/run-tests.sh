#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs every test tier: unit, integration, gui, e2e
# (g++ build), then the fuzz tier (clang 14 + libFuzzer, each target fuzzes briefly).
# Exit status is non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./resources/deps.sh
./resources/test-users.sh
cmake --workflow --preset test
cmake --workflow --preset fuzz
