#!/usr/bin/env python3
"""Benchmark, not a test: how fast the multi-node Slurm stack is healthy.

Cold `up --wait` of compose/docker-compose.yml with SLURM_COMPUTE_NODES = 0,
1, 3 and 8 (images present, project down before each run), berth next to
docker-compose 1.29 on dockerd, alternating run by run, medians printed side
by side with the ratio. Healthy means every container's healthcheck passes:
the controller's and each compute node's, which passes when slurmctld lists
that node idle.

    bench/multinode_start.py [--runs 3] [--nodes 0,1,3,8]

docker-compose 1.29 has no --wait: its time is `up -d` plus polling the
engine every 50 ms until every container reports healthy. The images must
exist (scripts/quickstart or scripts/test make them). Uses only the standard
library, the berth program of the build folder, and docker-compose.
"""

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

from engine_api import project_containers

ROOT = pathlib.Path(__file__).resolve().parent.parent
BERTH = os.environ.get("BERTH_BINARY", str(ROOT / "build" / "src" / "cli" / "berth"))
COMPOSE_FILE = str(ROOT / "compose" / "docker-compose.yml")
# The stack's images under tags of the benchmark's own, built from this
# checkout once before timing, so that another checkout's berth/slurm:latest
# never answers (and is never replaced).
IMAGES_FILE = "/tmp/berth-bench-multinode-images.yml"
IMAGES = """services:
  registry: {image: berth-bench/registry:multinode}
  slurm: {image: berth-bench/slurm:multinode}
  compute: {image: berth-bench/slurm:multinode}
"""
FILES = ["-f", COMPOSE_FILE, "-f", IMAGES_FILE]
PROJECT = "berth-bench-multinode"
DOCKER_SOCKET = "/var/run/docker.sock"
# Away from the documented 2222/5000, so a stack the user keeps does not clash.
PORTS = {"SLURM_SSH_PORT": "22291", "REGISTRY_PORT": "25091",
         "SLURM_CONTAINER_NAME": "berth-bench-multinode-slurm"}


def healthy_count(expected):
    """True once `expected` containers of the project run and none is starting."""
    listing = project_containers(DOCKER_SOCKET, PROJECT)
    ready = [c for c in listing if c["State"] == "running" and "(healthy)" in c["Status"]]
    return len(listing) == expected and len(ready) == expected


def run(command, nodes, env=None):
    variables = {**os.environ, **PORTS, "SLURM_COMPUTE_NODES": str(nodes), **(env or {})}
    result = subprocess.run(command, env=variables, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}")


def berth_up(nodes):
    base = [BERTH, "--host", f"unix://{DOCKER_SOCKET}", *FILES, "-p", PROJECT]
    run(base + ["down", "-v"], nodes)
    start = time.time()
    run(base + ["up", "--wait", "-q"], nodes)
    elapsed = time.time() - start
    run(base + ["down", "-v"], nodes)
    return elapsed


def compose_up(nodes):
    command = ["docker-compose", *FILES, "-p", PROJECT]
    env = {"DOCKER_HOST": f"unix://{DOCKER_SOCKET}"}
    run(command + ["down", "-v"], nodes, env)
    start = time.time()
    run(command + ["up", "-d"], nodes, env)
    deadline = start + 300
    # registry and slurm, plus the compute nodes
    while not healthy_count(2 + nodes):
        if time.time() > deadline:
            sys.exit(f"docker-compose's stack with {nodes} nodes was not healthy within 300 s")
        time.sleep(0.05)
    elapsed = time.time() - start
    run(command + ["down", "-v"], nodes, env)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nodes", default="0,1,3,8")
    arguments = parser.parse_args()
    counts = [int(each) for each in arguments.nodes.split(",")]
    pathlib.Path(IMAGES_FILE).write_text(IMAGES)
    base = [BERTH, "--host", f"unix://{DOCKER_SOCKET}", *FILES, "-p", PROJECT]
    run(base + ["up", "--build", "--wait", "-q"], 0)
    run(base + ["down", "-v"], 0)
    print(f"cold up --wait of the Slurm stack on dockerd, median of {arguments.runs} runs")
    print(f"{'compute nodes':>14} {'berth':>9} {'docker-compose 1.29':>20} {'ratio':>7}")
    for nodes in counts:
        berth_times, compose_times = [], []
        for _ in range(arguments.runs):
            berth_times.append(berth_up(nodes))
            compose_times.append(compose_up(nodes))
        berth_median = statistics.median(berth_times)
        compose_median = statistics.median(compose_times)
        print(f"{nodes:>14} {berth_median:>8.2f}s {compose_median:>19.2f}s "
              f"{berth_median / compose_median:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
