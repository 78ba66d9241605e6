#!/usr/bin/env bash
# The live view's CPU cost, side by side in one run (BENCHMARKS.md, "The live view"):
# two `jumper run` of the same idle command at the same time, one with `--live` at 10 Hz in a
# tmux window, one without; each jumper's own CPU time (user+system, from /proc at its end, the
# sleeping command's is nil) over the same seconds. Then missed ticks at --interval 0.01 with
# the view at 30 Hz. Needs tmux and a release build:
#   cargo build --release -p jumper-cli && benches/live_cost.sh [SECONDS]
set -euo pipefail
secs="${1:-60}"
jumper="$(cd "$(dirname "$0")/.." && pwd)/target/release/jumper"
work="$(mktemp -d)"
sock="jumper-live-cost-$$"
sock_path=""
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"; [ -n "$sock_path" ] && rm -f "$sock_path"' EXIT
levels="process,user,system"
if [ -n "${SLURM_JOB_ID:-}" ]; then levels="$levels,slurm"; fi

# CPU seconds of a running jumper: utime+stime of /proc/PID/stat (fields 14, 15), sampled by a
# watcher just before the command ends (the command is `sleep`: its own CPU is nil).
cpu_of() { awk -v t="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat"; }

run_pair() {
  local interval="$1" hz="$2" secs="$3"
  tmux -L "$sock" -f /dev/null new-session -d -x 160 -y 50 -c "$work" \
    "$jumper run --live --refresh $hz --interval $interval --levels $levels --json live.json -- sleep $secs; sleep 600"
  (cd "$work" && "$jumper" run -q --interval "$interval" --levels "$levels" --json plain.json -- sleep "$secs") &
  sleep 1
  sock_path="$(tmux -L "$sock" display-message -p '#{socket_path}')"
  local live_pid plain_pid
  live_pid="$(pgrep -n -f "jumper run --live --refresh $hz --interval $interval")"
  plain_pid="$(pgrep -n -f "jumper run -q --interval $interval")"
  sleep "$((secs - 2))"
  local live_cpu plain_cpu
  live_cpu="$(cpu_of "$live_pid")"
  plain_cpu="$(cpu_of "$plain_pid")"
  wait
  sleep 2
  tmux -L "$sock" send-keys q
  sleep 1
  tmux -L "$sock" kill-server 2>/dev/null || true
  python3 - "$work" "$live_cpu" "$plain_cpu" "$secs" "$interval" "$hz" <<'PY'
import json, sys
work, live, plain, secs, interval, hz = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]) - 2, sys.argv[5], sys.argv[6]
m = lambda f: json.load(open(f"{work}/{f}"))["monitor"]
lm, pm = m("live.json"), m("plain.json")
print(f"interval {interval} s, view {hz} Hz, {secs:.0f} s: jumper with view {live:.2f} CPU s, without {plain:.2f} CPU s;"
      f" the view costs {(live - plain) / secs * 100:.2f} % of a core;"
      f" sampler own {lm['own_cpu_s']:.2f} / {pm['own_cpu_s']:.2f} s; missed ticks {lm['missed']} / {pm['missed']}")
PY
}

run_pair 0.1 10 "$secs"
run_pair 0.01 30 "$((secs / 3))"
