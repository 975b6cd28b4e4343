#!/usr/bin/env python3
"""Loads a generated 200-service compose file with `berth config` and with
`docker-compose config`, and prints the time and peak memory of each.

    bench/compose_load.py [BERTH] [--services N] [--runs R]

BERTH is the berth binary (default: build/src/cli/berth, else
build-compose/tests/compose/compose_config, which is `berth config` alone).
Times are the median of R runs; peak memory is the largest resident set of
the process (ru_maxrss), measured per run with wait4.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def generate(services: int) -> str:
    lines = [
        "x-common: &common",
        "  restart: unless-stopped",
        "  environment: &environment",
        "    LOG_LEVEL: info",
        "    REGION: ${REGION:-eu}",
        "services:",
    ]
    for index in range(services):
        lines += [
            f"  service{index}:",
            "    <<: *common",
            f"    image: example/service{index}:${{TAG:-1.0}}",
            f"    command: [\"serve\", \"--port\", \"{8000 + index}\"]",
            "    ports:",
            f"      - \"127.0.0.1:{20000 + index}:{8000 + index}\"",
            f"      - \"{30000 + index}:9000/udp\"",
            "    volumes:",
            f"      - ./data/{index}:/data",
            "      - shared:/shared:ro",
            "    environment:",
            f"      - INDEX={index}",
            "      - MODE=bench",
            "    labels:",
            f"      com.example.index: \"{index}\"",
            "    healthcheck:",
            "      test: [\"CMD\", \"true\"]",
            "      interval: 1m30s",
            "      timeout: 500ms",
        ]
        if index > 0:
            lines += ["    depends_on:",
                      f"      service{(index - 1) // 2}:",
                      "        condition: service_healthy"]
    lines += ["volumes:", "  shared: {}", ""]
    return "\n".join(lines)


def measure(command, folder, runs):
    times, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
        times.append(elapsed)
        peaks.append(usage.ru_maxrss)  # KiB on Linux
    return statistics.median(times), max(peaks)


def main():
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("berth", nargs="?")
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()

    berth = os.path.abspath(arguments.berth) if arguments.berth else None
    prefix = []
    if berth is None:
        for candidate in (root / "build/src/cli/berth",):
            if candidate.exists():
                berth, prefix = str(candidate), ["config"]
        if berth is None:
            berth = str(root / "build-compose/tests/compose/compose_config")
    elif not berth.endswith("compose_config"):
        prefix = ["config"]

    with tempfile.TemporaryDirectory(prefix="berth-bench-") as folder:
        Path(folder, "docker-compose.yml").write_text(generate(arguments.services))
        results = [("berth config", measure([berth] + prefix + ["-q"], folder, arguments.runs))]
        docker_compose = shutil.which("docker-compose")
        if docker_compose:
            results.append(("docker-compose config",
                            measure([docker_compose, "config", "-q"], folder, arguments.runs)))
        print(f"{arguments.services} services, median of {arguments.runs} runs")
        print(f"{'tool':<24}{'time (ms)':>12}{'peak RSS (MiB)':>17}")
        for name, (elapsed, peak) in results:
            print(f"{name:<24}{elapsed * 1000:>12.1f}{peak / 1024:>17.1f}")


if __name__ == "__main__":
    main()
