#!/usr/bin/env python3
"""Benchmark, not a test: how fast the Slurm stack is healthy from cold.

Cold `up --wait` of compose/docker-compose.yml (images present, project
down), berth next to docker-compose 1.29 on dockerd, alternating run by run,
with medians and the ratio; then berth alone on rootful and rootless Podman.
For every berth run it also reads the slurm container's own start from its
log (the entrypoint prints the time of each step since it began) and how long
after the container started berth returned, so the time berth adds on top of
the service itself is visible.

    bench/slurm_start.py [--runs 5] [--skip-podman]

docker-compose 1.29 has no --wait: its time is `up -d` plus polling the
engine every 50 ms until every container reports healthy. The images must
exist (scripts/quickstart or scripts/test make them). Uses only the standard
library, the berth program of the build folder, and docker-compose.
"""

import argparse
import datetime
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

from engine_api import describe, engine_get, project_containers, rootless_socket

ROOT = pathlib.Path(__file__).resolve().parent.parent
BERTH = os.environ.get("BERTH_BINARY", str(ROOT / "build" / "src" / "cli" / "berth"))
COMPOSE_FILE = str(ROOT / "compose" / "docker-compose.yml")
PROJECT = "berth-bench-slurm"
# Away from the documented 2222/5000, so a stack the user keeps does not clash.
PORTS = {"SLURM_SSH_PORT": "22290", "REGISTRY_PORT": "25090",
         "SLURM_CONTAINER_NAME": "berth-bench-slurm"}
STEP = re.compile(r"slurm-entrypoint: \+(\d+) ms (.*)")


def containers(socket_path):
    return project_containers(socket_path, PROJECT)


def all_healthy(socket_path, expected):
    listing = containers(socket_path)
    ready = [c for c in listing if c["State"] == "running" and "starting" not in c["Status"]
             and "unhealthy" not in c["Status"]]
    return len(listing) == expected and len(ready) == expected


def parse_time(text):
    """RFC 3339 with nanoseconds, as engines give it, to seconds since the epoch."""
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)", text)
    base = datetime.datetime.fromisoformat(match.group(1) + (
        "+00:00" if match.group(3) == "Z" else match.group(3)))
    return base.timestamp() + float(match.group(2) or 0)


def slurm_start(socket_path, returned_at):
    """The slurm container's start: its entrypoint's steps, and when berth returned."""
    status, body = engine_get(socket_path, f"/containers/{PORTS['SLURM_CONTAINER_NAME']}/json")
    if status != 200:
        return None
    started = parse_time(json.loads(body)["State"]["StartedAt"])
    _, logs = engine_get(socket_path, f"/containers/{PORTS['SLURM_CONTAINER_NAME']}/logs",
                         {"stdout": "1", "stderr": "1"})
    steps = {}
    for line in logs.decode(errors="replace").splitlines():
        match = STEP.search(line)
        if match:
            steps[match.group(2).split(":")[0]] = int(match.group(1)) / 1000
    return {"steps": steps, "healthy_after_start": returned_at - started}


def run(command, env=None):
    result = subprocess.run(command, env={**os.environ, **PORTS, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}")


def berth_up(host, socket_path, env=None):
    base = [BERTH, "--host", host, "-f", COMPOSE_FILE, "-p", PROJECT]
    run(base + ["down", "-v"], env)
    start = time.time()
    run(base + ["up", "--wait", "-q"], env)
    end = time.time()
    detail = slurm_start(socket_path, end)
    run(base + ["down", "-v"], env)
    return end - start, detail


def compose_up(host, socket_path):
    command = ["docker-compose", "-f", COMPOSE_FILE, "-p", PROJECT]
    env = {"DOCKER_HOST": host}
    run(command + ["down", "-v"], env)
    start = time.time()
    run(command + ["up", "-d"], env)
    deadline = start + 300
    while not all_healthy(socket_path, 2):
        if time.time() > deadline:
            sys.exit("docker-compose's stack was not healthy within 300 s")
        time.sleep(0.05)
    end = time.time()
    run(command + ["down", "-v"], env)
    return end - start


def print_steps(details):
    details = [each for each in details if each]
    if not details:
        return
    names = list(details[0]["steps"])
    print("  slurm container, median seconds since its entrypoint began:")
    for name in names:
        values = [each["steps"][name] for each in details if name in each["steps"]]
        print(f"    {name:44s} {statistics.median(values):6.3f}")
    after = [each["healthy_after_start"] for each in details]
    print(f"    {'berth returned, after the container started':44s} "
          f"{statistics.median(after):6.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-podman", action="store_true")
    arguments = parser.parse_args()

    docker = "/var/run/docker.sock"
    print(f"cold `up --wait` of the Slurm stack, {arguments.runs} runs each, images present")
    berth_times, compose_times, ratios, details = [], [], [], []
    for _ in range(arguments.runs):
        seconds, detail = berth_up("unix://" + docker, docker)
        compose_seconds = compose_up("unix://" + docker, docker)
        berth_times.append(seconds)
        compose_times.append(compose_seconds)
        ratios.append(seconds / compose_seconds)
        details.append(detail)
    print("dockerd")
    print(describe("  berth up --wait", berth_times))
    print(describe("  docker-compose 1.29 up -d + poll", compose_times))
    print(f"  {'ratio berth / docker-compose':34s} median {statistics.median(ratios):6.2f}"
          f"     min {min(ratios):6.2f}   max {max(ratios):6.2f}")
    print_steps(details)

    if arguments.skip_podman:
        return
    for label, path in (("rootful Podman", "/run/podman/podman.sock"),
                        ("rootless Podman", rootless_socket())):
        if not path or not os.path.exists(path):
            print(f"{label}: no engine at {path}; skipped")
            continue
        times, details = [], []
        for _ in range(arguments.runs):
            seconds, detail = berth_up("unix://" + path, path)
            times.append(seconds)
            details.append(detail)
        print(label)
        print(describe("  berth up --wait", times))
        print_steps(details)


if __name__ == "__main__":
    main()
