#!/usr/bin/env python3
"""Oracle check: berth's resolved project equals docker-compose 1.29's.

For every case of the valid corpus, runs `berth config --json` (through the
compose_config test driver) and `docker-compose config` with the same files
and environment, turns both outputs into one canonical JSON and compares.

A case is a .yml file in corpus/valid, or a folder there (its compose files
found as docker-compose would, options in case.txt). Header lines configure it:
    # args: -f a.yml -f b.yml --profile x   (options for both tools)
    # env: NAME=value OTHER=value            (added to a minimal environment)
    # oracle: skip REASON                    (docker-compose 1.29 cannot agree)

Known differences of docker-compose 1.29, normalised away here:
- v1 prints short syntaxes (ports "127.0.0.1:80:80/tcp", volumes
  "src:dst:rw", string commands and healthcheck tests) where berth prints
  the long form: both are parsed into one structure.
- v1 keeps durations and sizes as written ("1m30s", "64m"); berth prints
  Go durations and byte counts: both become integers.
- v1 prints no `name`, no engine names of networks and volumes, no implicit
  `default` network, and drops top-level x-* keys.
- v1 does not know depends_on `required`/`restart`; berth prints `required`.
- The short volume syntax implies bind.create_host_path in berth, nothing in v1.
- v1 orders merged lists differently (sets sorted, overridden volumes first):
  ports, volumes, expose, cap_add and similar set-like lists are compared sorted.
- v1 writes a literal $ as $$ so that its output stays loadable; berth's
  YAML does too, its JSON (compared here) holds the values themselves.
- v1 prints `healthcheck: {disable: true}` as `test: [NONE]`, and a build
  argument named without a value as "" where berth keeps null.
Cases that 1.29 cannot load at all (name:, start_interval, nested defaults,
required:) are marked `# oracle: skip` with the reason.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

SKIP = 77  # meson's exit code for a skipped test


def case_settings(case: Path):
    text = (case / "case.txt").read_text() if case.is_dir() and (case / "case.txt").exists() \
        else case.read_text() if case.is_file() else ""
    settings = {"args": [], "env": {}, "skip": None}
    for line in text.splitlines():
        line = line.lstrip("# ").strip()
        if line.startswith("args:"):
            settings["args"] = shlex.split(line[5:])
        elif line.startswith("env:"):
            for pair in shlex.split(line[4:]):
                name, _, value = pair.partition("=")
                settings["env"][name] = value
        elif line.startswith("oracle: skip"):
            settings["skip"] = line[len("oracle: skip"):].strip()
    return settings


def run(command, folder, environment):
    result = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


DURATION_UNITS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9,
                  "h": 3600 * 10**9}


def duration(value):
    if isinstance(value, int):
        return value * 10**9
    total = 0
    for number, unit in re.findall(r"([0-9.]+)(ns|us|ms|s|m|h)", str(value)):
        total += round(float(number) * DURATION_UNITS[unit])
    return total


def size(value):
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"([0-9.]+)\s*([a-zA-Z]*)", str(value))
    scale = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3,
             "gb": 1024**3}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def as_list(value):
    return value if isinstance(value, list) else [value]


def as_map(value, empty_value=None):
    if isinstance(value, dict):
        return {key: (None if item is None else str(item)) for key, item in value.items()}
    result = {}
    for item in value:
        name, equals, rest = str(item).partition("=")
        result[name] = rest if equals else empty_value
    return result


def short_port(text):
    text = str(text)
    protocol = "tcp"
    if "/" in text:
        text, protocol = text.rsplit("/", 1)
    host_ip = ""
    if text.startswith("["):
        host_ip, text = text[1:].split("]:", 1)
    parts = text.split(":")
    published = ""
    if len(parts) == 3:
        host_ip, published = parts[0], parts[1]
    elif len(parts) == 2:
        published = parts[0]
    targets = parts[-1].split("-")
    first, last = int(targets[0]), int(targets[-1])
    ports = []
    for offset, target in enumerate(range(first, last + 1)):
        port_published = published
        if published and "-" in published and last > first:
            port_published = str(int(published.split("-")[0]) + offset)
        ports.append({"target": target, "published": port_published, "host_ip": host_ip,
                      "protocol": protocol})
    return ports


def port(value):
    if not isinstance(value, dict):
        return short_port(value)
    return [{"target": int(value["target"]), "published": str(value.get("published", "")),
             "host_ip": value.get("host_ip", ""), "protocol": value.get("protocol", "tcp")}]


def volume(value):
    if isinstance(value, dict):
        result = {"type": value["type"], "target": value["target"],
                  "read_only": bool(value.get("read_only", False))}
        if value.get("source"):
            result["source"] = value["source"]
        return result
    parts = str(value).split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": parts[0], "read_only": False}
    source, target = parts[0], parts[1]
    modes = parts[2].split(",") if len(parts) > 2 else []
    kind = "bind" if source[:1] in "./~" else "volume"
    return {"type": kind, "source": source, "target": target, "read_only": "ro" in modes}


def healthcheck(value):
    result = dict(value)
    if result.pop("disable", False):
        result["test"] = ["NONE"]
    if isinstance(result.get("test"), str):
        result["test"] = ["CMD-SHELL", result["test"]]
    for key in ("interval", "timeout", "start_period", "start_interval"):
        if key in result:
            result[key] = duration(result[key])
    return result


def command(value):
    return shlex.split(value) if isinstance(value, str) else [str(item) for item in value]


def service(value):
    result = {}
    for key, item in value.items():
        if key in ("command", "entrypoint"):
            item = command(item)
        elif key in ("environment", "labels", "sysctls"):
            item = as_map(item, None if key == "environment" else "")
        elif key == "ports":
            item = sorted((entry for port_value in item for entry in port(port_value)),
                          key=lambda entry: json.dumps(entry, sort_keys=True))
        elif key == "volumes":
            item = sorted((volume(entry) for entry in item), key=lambda entry: entry["target"])
        elif key == "depends_on":
            if isinstance(item, list):
                item = {name: {"condition": "service_started"} for name in item}
            else:
                item = {name: {"condition": entry.get("condition", "service_started")}
                        for name, entry in item.items()}
        elif key == "networks":
            if isinstance(item, list):
                item = {name: None for name in item}
            item = {name: (entry or None) for name, entry in item.items()}
            if item == {"default": None}:
                continue
        elif key == "healthcheck":
            item = healthcheck(item)
        elif key == "stop_grace_period":
            item = duration(item)
        elif key in ("shm_size", "mem_limit"):
            item = size(item)
        elif key in ("expose",):
            item = sorted(str(entry) for entry in item)
        elif key in ("cap_add", "cap_drop", "dns", "tmpfs", "security_opt", "devices"):
            item = sorted(as_list(item))
        elif key == "ulimits":
            item = {name: (limit if isinstance(limit, dict) else {"soft": limit, "hard": limit})
                    for name, limit in item.items()}
        elif key == "build":
            item = {"context": item} if isinstance(item, str) else dict(item)
            if "args" in item:
                item["args"] = {name: "" if value is None else value
                                for name, value in as_map(item["args"]).items()}
            if "labels" in item:
                item["labels"] = as_map(item["labels"], "")
        result[key] = item
    return result


def unescape_dollars(value):
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, list):
        return [unescape_dollars(item) for item in value]
    if isinstance(value, dict):
        return {key: unescape_dollars(item) for key, item in value.items()}
    return value


def canonical(document):
    result = {"services": {name: service(value)
                           for name, value in (document.get("services") or {}).items()}}
    for section in ("networks", "volumes"):
        entries = {}
        for name, value in (document.get(section) or {}).items():
            value = dict(value or {})
            value.pop("name", None)
            if value.get("external") is False:
                value.pop("external")
            entries[name] = value
        if section == "networks" and entries.get("default") == {}:
            entries.pop("default")
        if entries:
            result[section] = entries
    return result


def main():
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} COMPOSE_CONFIG_DRIVER CORPUS_VALID_FOLDER", file=sys.stderr)
        return 2
    driver, corpus = os.path.abspath(sys.argv[1]), Path(sys.argv[2])
    docker_compose = shutil.which("docker-compose")
    if not docker_compose:
        print("docker-compose (1.29, Debian package docker-compose) is not installed: skipped")
        return SKIP
    failures = 0
    compared = 0
    for case in sorted(corpus.iterdir()):
        if not (case.is_dir() or case.suffix == ".yml"):
            continue
        if case.name in ("ctx",):
            continue
        settings = case_settings(case)
        if settings["skip"]:
            print(f"skip {case.name}: {settings['skip']}")
            continue
        folder = case if case.is_dir() else case.parent
        arguments = list(settings["args"])
        if case.is_file():
            arguments = ["-f", case.name] + arguments
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                       "HOME": os.environ.get("HOME", "/root"), **settings["env"]}
        try:
            ours = json.loads(run([driver, "--json"] + arguments, folder, environment))
            theirs = unescape_dollars(yaml.safe_load(run([docker_compose] + arguments + ["config"], folder,
                                        environment)))
        except RuntimeError as error:
            print(f"FAIL {case.name}: {error}")
            failures += 1
            continue
        compared += 1
        ours_canonical, theirs_canonical = canonical(ours), canonical(theirs)
        if ours_canonical != theirs_canonical:
            failures += 1
            print(f"FAIL {case.name}: berth and docker-compose disagree")
            print("  berth:          " + json.dumps(ours_canonical, sort_keys=True))
            print("  docker-compose: " + json.dumps(theirs_canonical, sort_keys=True))
        else:
            print(f"ok   {case.name}")
    print(f"{compared} cases compared, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
