#!/usr/bin/env bash
# Not a test: prints figures. `berth up --wait` of a one-service project
# (the base image, a healthcheck, a published port), and a warm `berth ps`,
# on each engine through its unix socket and through ssh:// (the test sshd
# that scripts/setup starts on 127.0.0.1), runs alternating, medians of N.
# The difference is the price of the ssh login and the tunnel; the network
# is loopback, so a real remote host adds its round trips on top.
#   bench/ssh_up.sh [RUNS]        (BERTH_BINARY: default build/src/cli/berth)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
berth=${BERTH_BINARY:-$root/build/src/cli/berth}
export BERTH_SSH_CONFIG=${BERTH_SSH_CONFIG:-/var/lib/berth-setup/ssh/ssh_config}
rootless_user=${BERTH_ROOTLESS_USER:-berth-rootless}
rootless_uid=$(id -u "$rootless_user")
[[ -x $berth ]] || { echo "no berth at $berth; build first" >&2; exit 1; }
[[ -f $BERTH_SSH_CONFIG ]] || { echo "no $BERTH_SSH_CONFIG; run scripts/setup" >&2; exit 1; }

work=$(mktemp -d /tmp/berth-bench-ssh.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cat >"$work/compose.yml" <<'YAML'
services:
  app:
    image: berth/debian:bookworm
    command: ["/bin/sh", "-c", "touch /tmp/ready; exec sleep 600"]
    ports: ["127.0.0.1::8080"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
YAML

seconds() { # command... → elapsed seconds of a successful run
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>"$work/err" || { echo "failed: $*" >&2; cat "$work/err" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {m=int((NR+1)/2); printf "%.2f", (NR%2 ? a[m] : (a[m]+a[m+1])/2)}'; }

measure() { # label unix-endpoint ssh-endpoint
  local label=$1 unix=$2 ssh=$3 project=hbench-ssh-$$
  local up_unix=() up_ssh=() ps_unix=() ps_ssh=()
  for _ in $(seq 1 "$runs"); do
    for kind in unix ssh; do
      local host=$unix
      [[ $kind == ssh ]] && host=$ssh
      local up ps
      up=$(seconds "$berth" --host "$host" -f "$work/compose.yml" -p "$project" up --wait -q)
      ps=$(seconds "$berth" --host "$host" -p "$project" ps)
      "$berth" --host "$host" -p "$project" down -v >/dev/null 2>&1
      if [[ $kind == unix ]]; then up_unix+=("$up"); ps_unix+=("$ps"); else up_ssh+=("$up"); ps_ssh+=("$ps"); fi
    done
  done
  local a b c d
  a=$(printf '%s\n' "${up_unix[@]}" | median)
  b=$(printf '%s\n' "${up_ssh[@]}" | median)
  c=$(printf '%s\n' "${ps_unix[@]}" | median)
  d=$(printf '%s\n' "${ps_ssh[@]}" | median)
  printf '| %s | %s s | %s s | +%.2f s | %s s | %s s |\n' "$label" "$a" "$b" "$(echo "$b - $a" | bc)" "$c" "$d"
}

echo "berth up --wait (one service, images present) and a warm berth ps; median of $runs runs"
echo
echo "| engine | up --wait, unix socket | up --wait, ssh:// | difference | ps, unix socket | ps, ssh:// |"
echo "| --- | --- | --- | --- | --- | --- |"
measure dockerd unix:///var/run/docker.sock ssh://berth-remote@berth-ssh-test
measure "rootful Podman" unix:///run/podman/podman.sock ssh://root@berth-ssh-test/run/podman/podman.sock
measure "rootless Podman" "unix:///run/user/$rootless_uid/podman/podman.sock" \
  "ssh://$rootless_user@berth-ssh-test/run/user/$rootless_uid/podman/podman.sock"
