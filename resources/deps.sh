#!/usr/bin/env bash
# The one list of Debian 12 packages Fulcrum needs to build, run the demo and run every test.
# Idempotent: installs only what is missing. Needs root or passwordless sudo for apt-get.
set -euo pipefail

build=(
  build-essential cmake ninja-build pkg-config git
  clang-14 libclang-rt-14-dev lld-14 clang-format clang-tidy
  libasio-dev liburing-dev node-llhttp libssl-dev nlohmann-json3-dev libcli11-dev
  libssh-dev qt6-base-dev libqt6opengl6-dev qt6-charts-dev qtkeychain-qt6-dev qt6-svg-dev
  libgtest-dev libgmock-dev ccache patch
)
runtime=(
  python3 python3-waitress gunicorn python3-django
  openssh-server openssh-client cron procps iproute2 util-linux
  libqt6svg6 qt6-qpa-plugins
  libsecret-1-0
)
packaging=(
  dpkg-dev appstream desktop-file-utils
)
test=(
  xvfb xauth x11-utils xdotool imagemagick chromium chromium-driver
  curl wrk nginx-light haproxy dbus-x11 systemd testssl.sh openssl libpam-wrapper strace
  dbus-daemon dbus-bin gnome-keyring libsecret-tools
)

want=("${build[@]}" "${runtime[@]}" "${packaging[@]}" "${test[@]}")
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
echo "deps.sh: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# Debian starts nginx/haproxy/ssh/cron services on install; Fulcrum's tests start their own
# instances on loopback ports, so the system ones must not hold ports or be relied on.
for svc in nginx haproxy ssh cron; do
  $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
  $sudo service "$svc" stop >/dev/null 2>&1 || true
done
