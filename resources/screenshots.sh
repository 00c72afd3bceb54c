#!/usr/bin/env bash
# Takes a screenshot of every page of the panel under Xvfb (no desktop needed):
#   resources/screenshots.sh [build-dir] [out-dir]
# Opens `fulcrum --demo` on "This computer" with throwaway preferences, walks the sections
# with the panel's own keyboard shortcuts (Ctrl+1..6, then Ctrl+N for the add-host wizard) and captures the screen with
# ImageMagick's `import`, in the light and the dark palette. Cleans up everything it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/debug}
out=${2:-resources/screenshots}
fulcrum="$build/ui/fulcrum"
[ -x "$fulcrum" ] || { echo "screenshots.sh: $fulcrum not built (cmake --build --preset debug --target fulcrum)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
# FULCRUM_SCREENSHOT_SIZE=1000x600 shows how the pages behave on a small laptop screen.
size=${FULCRUM_SCREENSHOT_SIZE:-1360x860}
width=${size%x*} height=${size#*x}
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# A free display number: the first without a lock file.
display=90
while [ -e "/tmp/.X$display-lock" ] || [ -e "/tmp/.X11-unix/X$display" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 "${width}x${height}x24" -nolisten tcp -dpi 96 >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=":$display"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

sections=(overview pools workers traffic https reboot)

shoot() {  # shoot APPEARANCE
    local appearance=$1
    env -u WAYLAND_DISPLAY QT_QPA_PLATFORM=xcb XDG_CONFIG_HOME="$work/config-$appearance" \
        XDG_STATE_HOME="$work/state-$appearance" FULCRUM_SCREENSHOT=1 \
        "$fulcrum" --demo --appearance "$appearance" --settings "$work/$appearance.ini" >"$work/fulcrum-$appearance.log" 2>&1 &
    local pid=$!
    pids+=($pid)
    local window=""
    for _ in $(seq 100); do
        window=$(xdotool search --onlyvisible --name '^Fulcrum' 2>/dev/null | head -1 || true)
        [ -n "$window" ] && break
        sleep 0.2
    done
    [ -n "$window" ] || { echo "screenshots.sh: the panel did not open a window; log:" >&2; cat "$work/fulcrum-$appearance.log" >&2; exit 1; }
    xdotool windowmove "$window" 0 0 windowsize "$window" "$width" "$height"
    xdotool windowfocus --sync "$window" 2>/dev/null || true
    # Visitors, as the demo's proxy would have them: pages, static files and a few missing
    # ones (404s), about 40 requests a second for 40 s, so the charts show traffic. Bounded,
    # and stopped with the panel.
    python3 - <<'PY' >/dev/null 2>&1 &
import time, urllib.request, urllib.error
paths = ["/", "/", "/static/style.css", "/static/app.js", "/no-such-page"]
end = time.monotonic() + 40
i = 0
while time.monotonic() < end:
    try:
        urllib.request.urlopen("http://127.0.0.1:8080" + paths[i % len(paths)], timeout=2).read()
    except (urllib.error.URLError, OSError):
        pass
    i += 1
    time.sleep(0.025)
PY
    pids+=($!)
    # The demo connects to the local agent and the charts need a few samples.
    sleep "${FULCRUM_SCREENSHOT_SETTLE:-12}"
    local i=1
    for section in "${sections[@]}"; do
        xdotool key --window "$window" "ctrl+$i"
        sleep 1.5
        import -window root "$out/$appearance-$i-$section.png"
        echo "$out/$appearance-$i-$section.png"
        i=$((i + 1))
    done
    # The add-host wizard (Ctrl+N) over the window, as someone adding a first server meets it.
    xdotool key --window "$window" "ctrl+n"
    sleep 1.5
    import -window root "$out/$appearance-$i-add-host.png"
    echo "$out/$appearance-$i-add-host.png"
    xdotool key Escape
    sleep 0.5
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # The panel started "This computer"'s agent daemon (detached, as for a user); stop it, and
    # with it the demo's workers and proxy, before its state directory is removed.
    local agent_pid
    agent_pid=$(XDG_STATE_HOME="$work/state-$appearance" "$build/agent/fulcrum-agent" status 2>/dev/null |
                sed -n 's/.*is running: pid \([0-9]*\),.*/\1/p' || true)
    if [ -n "$agent_pid" ]; then
        # Workers outlive their agent by design; stop the demo's group through the agent's
        # socket first (JSON-RPC lines: hello, then workers.stop).
        python3 - "$work/state-$appearance/fulcrum/agent.sock" <<'PY' || true
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
f = s.makefile("rw")
for i, (m, p) in enumerate([("agent.hello", {"client_name": "screenshots.sh", "client_version": "0",
                                             "protocol": {"major": 1, "minor": 0}, "capabilities": []}),
                            ("workers.stop", {"group": "web"})]):
    f.write(json.dumps({"jsonrpc": "2.0", "id": i + 1, "method": m, "params": p}) + "\n")
    f.flush()
    while True:
        line = f.readline()
        if not line or '"id":%d' % (i + 1) in line.replace(" ", ""):
            break
PY
        kill "$agent_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
    fi
}

shoot light
shoot dark
