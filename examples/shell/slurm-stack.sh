#!/usr/bin/env bash
# The stack from a shell script: up, a job over SSH, down.
#   BERTH_BINARY=build/src/cli/berth examples/shell/slurm-stack.sh
set -euo pipefail
checkout=$(cd "$(dirname "$0")/../.." && pwd)
berth=${BERTH_BINARY:-berth}
compose=(-f "$checkout/compose/docker-compose.yml")
[[ -n ${BERTH_PROJECT:-} ]] && compose+=(-p "$BERTH_PROJECT")
[[ -n ${BERTH_HOST:-} ]] && compose+=(--host "$BERTH_HOST")

info=$("$berth" "${compose[@]}" up --wait --json --quiet)
port=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["slurm"]["port"])' <<<"$info")
trap '"$berth" "${compose[@]}" down -v' EXIT

sshpass -p slurm ssh -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o LogLevel=ERROR slurm@127.0.0.1 \
  'cd slurm_jobs && sbatch --wait --parsable --output=shell-%j.out --wrap "echo from shell" >/dev/null && cat shell-*.out'
