#!/usr/bin/env bash
# Benchmark, not a test: cold `up` until every service is healthy, then
# `down`, for the flagship stack and for generated stacks of N = 1, 8, 32
# services, berth next to docker-compose 1.29 on the same file and engine;
# plus a warm `up` of a running stack. Prints seconds and ratios.
#
#   bench/up_down.sh [--host unix:///var/run/docker.sock] [--runs 3]
#
# docker-compose 1.29 has no --wait: its time to healthy is `up -d` plus
# polling the engine API until every container reports healthy. The images
# must exist (scripts/quickstart or scripts/test make them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
berth=${BERTH_BINARY:-$root/build/src/cli/berth}
host=unix:///var/run/docker.sock
runs=3
while (($#)); do
  case $1 in
    --host) host=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--host URI] [--runs N]" >&2; exit 2 ;;
  esac
done
socket=${host#unix://}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
seconds() { echo "$2 - $1" | bc; }

# Every container of the project healthy (or, without a healthcheck, up).
all_healthy() {
  local project=$1 expected=$2 listing
  listing=$(curl -s --unix-socket "$socket" -G http://engine/containers/json \
    --data-urlencode "filters={\"label\":[\"com.docker.compose.project=$project\"]}")
  LISTING=$listing python3 - "$expected" <<'PY'
import json, os, sys
containers = json.loads(os.environ["LISTING"])
ready = [c for c in containers if c["State"] == "running" and "(health: starting)" not in c["Status"]
         and "(unhealthy)" not in c["Status"]]
sys.exit(0 if len(containers) == int(sys.argv[1]) and len(ready) == len(containers) else 1)
PY
}

generate() { # N → a compose file of N independent services on the base image
  local count=$1 file=$work/stack-$1/compose.yaml
  mkdir -p "$(dirname "$file")"
  {
    echo "services:"
    for ((i = 1; i <= count; i++)); do
      cat <<YAML
  service-$i:
    image: berth/debian:bookworm
    command: ["sleep", "600"]
    init: true
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      start_period: 10s
YAML
    done
  } >"$file"
  echo "$file"
}

measure() { # label file project services → prints a row
  local label=$1 file=$2 project=$3 count=$4
  local berth_up=0 berth_down=0 berth_warm=0 compose_up=0 compose_down=0 start end
  for ((run = 1; run <= runs; run++)); do
    start=$(now)
    "$berth" --host "$host" -f "$file" -p "$project" up --wait -q >/dev/null
    end=$(now); berth_up=$(echo "$berth_up + $(seconds "$start" "$end")" | bc)
    start=$(now)
    "$berth" --host "$host" -f "$file" -p "$project" up --wait -q >/dev/null
    end=$(now); berth_warm=$(echo "$berth_warm + $(seconds "$start" "$end")" | bc)
    start=$(now)
    "$berth" --host "$host" -f "$file" -p "$project" down -v >/dev/null 2>&1
    end=$(now); berth_down=$(echo "$berth_down + $(seconds "$start" "$end")" | bc)

    start=$(now)
    DOCKER_HOST=$host docker-compose -f "$file" -p "$project" up -d >/dev/null 2>&1
    local deadline=$(($(date +%s) + 300))
    until all_healthy "$project" "$count"; do
      (($(date +%s) < deadline)) || { echo "docker-compose stack $project not healthy in 300 s" >&2; exit 1; }
      sleep 0.05
    done
    end=$(now); compose_up=$(echo "$compose_up + $(seconds "$start" "$end")" | bc)
    start=$(now)
    DOCKER_HOST=$host docker-compose -f "$file" -p "$project" down -v >/dev/null 2>&1
    end=$(now); compose_down=$(echo "$compose_down + $(seconds "$start" "$end")" | bc)
  done
  local average="scale=2; "
  printf '%-22s %8.2f %8.2f %8.2f   %8.2f %8.2f   %6.1fx %6.1fx\n' "$label" \
    "$(echo "$average $berth_up / $runs" | bc)" "$(echo "$average $berth_warm / $runs" | bc)" \
    "$(echo "$average $berth_down / $runs" | bc)" \
    "$(echo "$average $compose_up / $runs" | bc)" "$(echo "$average $compose_down / $runs" | bc)" \
    "$(echo "scale=1; $compose_up / $berth_up" | bc)" "$(echo "scale=1; $compose_down / $berth_down" | bc)"
}

echo "engine: $host, average of $runs runs, seconds"
printf '%-22s %8s %8s %8s   %8s %8s   %7s %7s\n' stack "berth up" warm down "compose" down "up x" "down x"
measure "flagship (2 services)" "$root/compose/docker-compose.yml" berth-bench-flagship 2
for count in 1 8 32; do
  measure "generated N=$count" "$(generate "$count")" "berth-bench-$count" "$count"
done
