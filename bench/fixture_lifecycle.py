#!/usr/bin/env python3
"""Benchmark, not a test: the fixture's everyday costs on each engine.

For a two-service project (on berth's base image, one with a healthcheck;
both run an init, so that a stop is not a 10 s wait for SIGTERM to be ignored),
on dockerd, rootful Podman and rootless Podman, side by side:

  warm attach   a test process whose fixture finds the stack running and
                unchanged (StackOptions keep), measured inside the process
                (Stack's startup_time) and as the whole process;
  down          `berth down` of the running project;
  SIGKILL       a fixture's owner killed with SIGKILL, until the engine
  cleanup       lists no container of its project (the watchdog's work).

and, on dockerd, docker-compose 1.29's nearest equivalents: `up -d` of the
running project, and `down`. docker-compose has no crash cleanup.

    bench/fixture_lifecycle.py [--runs 5]

Needs the build folder's berth and tests/fixture/fixture_probe (meson's
`tests` option on), and berth/debian:bookworm on each engine (scripts/test
or scripts/quickstart make it). Uses only the standard library.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from engine_api import describe, engines, project_containers

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = pathlib.Path(os.environ.get("BERTH_BUILD_DIR", ROOT / "build"))
BERTH = os.environ.get("BERTH_BINARY", str(BUILD / "src" / "cli" / "berth"))
PROBE = str(BUILD / "tests" / "fixture" / "fixture_probe")
PROJECT = "berth-bench-fixture"
COMPOSE = """\
services:
  app:
    image: berth/debian:bookworm
    command: ["sleep", "infinity"]
    init: true
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      start_period: 10s
  db:
    image: berth/debian:bookworm
    command: ["sleep", "infinity"]
    init: true
"""


def fixture_env(host, compose_file, keep):
    return {**os.environ, "BERTH_HOST": host, "BERTH_COMPOSE_FILES": compose_file,
            "BERTH_PROJECT": PROJECT, "BERTH_BINARY": BERTH, "BERTH_KEEP": "1" if keep else "0"}


def probe(host, compose_file, keep):
    """One fixture process that ends at once: (startup seconds, whole seconds)."""
    start = time.monotonic()
    result = subprocess.run([PROBE], env=fixture_env(host, compose_file, keep),
                            capture_output=True, text=True)
    whole = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"fixture_probe failed:\n{result.stderr}")
    return json.loads(result.stdout.splitlines()[-1])["startup_ms"] / 1000, whole


def run(command, env=None):
    start = time.monotonic()
    result = subprocess.run(command, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}")
    return time.monotonic() - start


def berth_down(host, compose_file):
    return run([BERTH, "--host", host, "-f", compose_file, "-p", PROJECT, "down", "-v"])


def sigkill_cleanup(host, socket_path, compose_file):
    """Seconds from SIGKILL of a holding fixture owner until nothing is left."""
    owner = subprocess.Popen([PROBE, "hold"], env=fixture_env(host, compose_file, False),
                             stdout=subprocess.PIPE, text=True)
    if not owner.stdout.readline():
        sys.exit("fixture_probe ended before its stack was up")
    killed = time.monotonic()
    owner.kill()
    owner.wait()
    while project_containers(socket_path, PROJECT):
        if time.monotonic() - killed > 60:
            sys.exit(f"the stack of a killed owner was still there after 60 s on {socket_path}")
        time.sleep(0.01)
    return time.monotonic() - killed


def measure_berth(socket_path, compose_file, runs):
    host = "unix://" + socket_path
    figures = {"warm attach (in the process)": [], "warm attach (whole process)": [],
               "berth down": [], "SIGKILL cleanup": []}
    for _ in range(runs):
        probe(host, compose_file, keep=True)  # cold: brings the stack up and keeps it
        inside, whole = probe(host, compose_file, keep=True)
        figures["warm attach (in the process)"].append(inside)
        figures["warm attach (whole process)"].append(whole)
        figures["berth down"].append(berth_down(host, compose_file))
        figures["SIGKILL cleanup"].append(sigkill_cleanup(host, socket_path, compose_file))
    return figures


def measure_compose(socket_path, compose_file, runs):
    command = ["docker-compose", "-f", compose_file, "-p", PROJECT]
    env = {"DOCKER_HOST": "unix://" + socket_path}
    figures = {"docker-compose up -d (running)": [], "docker-compose down": []}
    for _ in range(runs):
        run(command + ["up", "-d"], env)
        figures["docker-compose up -d (running)"].append(run(command + ["up", "-d"], env))
        figures["docker-compose down"].append(run(command + ["down", "-v"], env))
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    for program in (BERTH, PROBE):
        if not os.access(program, os.X_OK):
            sys.exit(f"{program} is missing: build with `meson setup build && ninja -C build`")

    with tempfile.TemporaryDirectory() as folder:
        compose_file = os.path.join(folder, "compose.yaml")
        pathlib.Path(compose_file).write_text(COMPOSE)
        os.chmod(folder, 0o755)
        results = {}
        for label, socket_path in engines():
            if not socket_path or not os.path.exists(socket_path):
                print(f"{label}: no engine; skipped")
                continue
            results[label] = measure_berth(socket_path, compose_file, arguments.runs)
            if label == "dockerd":
                results["docker-compose 1.29 (dockerd)"] = measure_compose(
                    socket_path, compose_file, arguments.runs)

    print(f"two-service project, {arguments.runs} runs each, medians in ms")
    for label, figures in results.items():
        print(label)
        for name, seconds in figures.items():
            print(describe("  " + name, seconds, unit="ms"))
    docker = results.get("dockerd")
    if docker:
        print("ratio to dockerd's median (the target is 1.5 or less)")
        for label, figures in results.items():
            if label == "dockerd" or not label.endswith("Podman"):
                continue
            ratios = [f"{name} {statistics.median(figures[name]) / statistics.median(docker[name]):.2f}"
                      for name in figures]
            print(f"  {label}: " + ", ".join(ratios))


if __name__ == "__main__":
    main()
