#!/usr/bin/env python3
"""Oracle check of `berth up` against docker-compose 1.29 on dockerd.

oracle-compose.yml uses every service, network and volume key that both tools
apply. The file is brought up with docker-compose, its containers, networks
and volumes inspected and taken down, then the same with berth (another
project name: the fixed addresses and subnets cannot exist twice at once).
The inspect outputs are compared field by field after the project names are
replaced by PROJECT and 1.29's container names (PROJECT_SERVICE_1, and
SERVICE_1 in links) are written as docker compose v2 and berth write them
(PROJECT-SERVICE-1); a container named by its id (1.29's volumes_from) is
named by its name. Every difference that remains must be one of
KNOWN_DIFFERENCES below, each with its reason; a known difference that no
longer appears fails the test too, so the list stays true.

Usage: keys_oracle.py BERTH_BINARY COMPOSE_FILE
"""

import fnmatch
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

DOCKER_SOCKET = "/var/run/docker.sock"

# Paths (as compare() prints them, fnmatch patterns) whose values differ, each
# with the reason. None of them changes what runs in the container.
KNOWN_DIFFERENCES = {
    "networks.*.Attachable": "1.29 makes every network attachable; berth, as v2, only when the "
    "file says attachable: true",
    "networks.default.IPAM.Config": "no ipam in the file: the engine picks the next free pool, "
    "which differs between two projects",
    "services.mounts.Config.Volumes": "1.29 mounts a short-syntax named volume through Binds "
    "(declaring it in Config.Volumes); berth uses the mount API as v2 does",
    "services.mounts.HostConfig.Binds": "the same: 1.29 lists the named volume cache:/cache:rw "
    "in Binds, berth in HostConfig.Mounts",
    "services.mounts.HostConfig.Mounts./cache": "the same named volume, in the mount API",
    "services.mounts.Mounts./cache.Mode": "the same named volume: a bind string reports mode "
    "'rw', the mount API 'z'",
}

BOOKKEEPING_LABELS = {
    "com.docker.compose.config-hash", "com.docker.compose.container-number",
    "com.docker.compose.oneoff", "com.docker.compose.project",
    "com.docker.compose.project.config_files", "com.docker.compose.project.working_dir",
    "com.docker.compose.service", "com.docker.compose.version",
    "com.docker.compose.image", "com.docker.compose.depends_on",
    "com.docker.compose.network", "com.docker.compose.volume",
}


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def engine_get(path, query=None):
    connection = UnixConnection(DOCKER_SOCKET)
    url = "/v1.41" + path + ("?" + urllib.parse.urlencode(query) if query else "")
    connection.request("GET", url)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {url}: {response.status} {body[:300]!r}")
    return json.loads(body)


def project_objects(project):
    label = {"label": [f"com.docker.compose.project={project}"]}
    query = {"all": "1", "filters": json.dumps(label)}
    containers = {}
    for summary in engine_get("/containers/json", query):
        inspected = engine_get(f"/containers/{summary['Id']}/json")
        containers[inspected["Config"]["Labels"]["com.docker.compose.service"]] = inspected
    networks = {}
    for summary in engine_get("/networks", {"filters": json.dumps(label)}):
        inspected = engine_get(f"/networks/{summary['Id']}")
        networks[inspected["Labels"]["com.docker.compose.network"]] = inspected
    volumes = {}
    for summary in engine_get("/volumes", {"filters": json.dumps(label)})["Volumes"] or []:
        volumes[summary["Labels"]["com.docker.compose.volume"]] = summary
    return containers, networks, volumes


def container_view(inspected, ids, names):
    """The parts of a container's inspect that the compose file decides."""
    config = dict(inspected["Config"])
    config["Labels"] = {k: v for k, v in config["Labels"].items() if k not in BOOKKEEPING_LABELS}
    config.pop("Hostname", None) if not inspected["Config"].get("Domainname") else None
    config["Env"] = sorted(config.get("Env") or [])
    host = dict(inspected["HostConfig"])
    host["Binds"] = sorted(host.get("Binds") or [])
    # 1.29 names the container it takes volumes from by id, berth by name.
    host["VolumesFrom"] = [names.get(source.split(":")[0], source.split(":")[0]) +
                           source[len(source.split(":")[0]):]
                           for source in host.get("VolumesFrom") or []]
    # Mounts keyed by target, so that one mount's difference is one path.
    host["Mounts"] = {m["Target"]: m for m in host.get("Mounts") or []}
    networks = {}
    for name, endpoint in inspected["NetworkSettings"]["Networks"].items():
        networks[name] = {
            "Aliases": sorted(a for a in endpoint.get("Aliases") or [] if a not in ids),
            "Links": sorted(endpoint.get("Links") or []),
            "IPAMConfig": endpoint.get("IPAMConfig"),
            "IPAddress": endpoint.get("IPAddress") if (endpoint.get("IPAMConfig") or {}).get(
                "IPv4Address") else None,
            "GlobalIPv6Address": endpoint.get("GlobalIPv6Address") if (
                endpoint.get("IPAMConfig") or {}).get("IPv6Address") else None,
            "MacAddress": endpoint.get("MacAddress") if config.get("MacAddress") else None,
        }
    mounts = {m["Destination"]: {k: m.get(k) for k in
                                 ("Type", "Name", "Source", "Destination", "Mode", "RW",
                                  "Propagation")}
              for m in inspected["Mounts"]}
    for mount in mounts.values():
        if mount["Type"] == "volume" and re.fullmatch(r"[0-9a-f]{64}", mount["Name"] or ""):
            mount["Name"] = mount["Source"] = "ANONYMOUS"
        elif mount["Type"] == "volume":
            mount["Source"] = "VOLUME-PATH"
    return {"Name": inspected["Name"], "Config": config, "HostConfig": host,
            "Mounts": mounts, "Networks": networks}


def network_view(inspected):
    return {k: inspected.get(k) for k in
            ("Name", "Driver", "EnableIPv6", "IPAM", "Internal", "Attachable", "Options")} | {
        "Labels": {k: v for k, v in inspected["Labels"].items() if k not in BOOKKEEPING_LABELS}}


def volume_view(inspected):
    return {k: inspected.get(k) for k in ("Name", "Driver", "Options")} | {
        "Labels": {k: v for k, v in (inspected["Labels"] or {}).items()
                   if k not in BOOKKEEPING_LABELS}}


def normalise(value, project):
    text = json.dumps(value, sort_keys=True)
    text = re.sub(re.escape(project) + r"[-_]", "PROJECT_", text)
    # PROJECT_web_1 and web_1 (1.29) are PROJECT_web-1 and web-1 (v2, berth).
    for service in value["services"]:
        text = re.sub(r'(PROJECT_|["/:])' + re.escape(service) + r'_(\d+)(?=["/:])',
                      r"\g<1>" + service + r"-\2", text)
    value = json.loads(text)
    for service in value["services"].values():
        for endpoint in service["Networks"].values():
            endpoint["Links"].sort()  # in the order of the names as written now
    return value


def snapshot(project):
    containers, networks, volumes = project_objects(project)
    ids = {c["Id"][:12] for c in containers.values()}
    names = {c["Id"]: c["Name"].lstrip("/") for c in containers.values()}
    view = {
        "services": {s: container_view(c, ids, names) for s, c in containers.items()},
        "networks": {n: network_view(i) for n, i in networks.items()},
        "volumes": {v: volume_view(i) for v, i in volumes.items()},
    }
    return normalise(view, project)


def compare(left, right, path=""):
    """Paths (dotted) where left and right differ, with both values."""
    if isinstance(left, dict) and isinstance(right, dict):
        out = []
        for key in sorted(set(left) | set(right)):
            out += compare(left.get(key), right.get(key), f"{path}.{key}" if path else key)
        return out
    if left != right:
        # An absent field and its zero value are the same create request.
        if not left and not right:
            return []
        return [(path, left, right)]
    return []


def leaves(value):
    if isinstance(value, dict):
        return sum(leaves(item) for item in value.values())
    return 1


def known(path):
    for pattern in KNOWN_DIFFERENCES:
        if fnmatch.fnmatchcase(path, pattern):
            return pattern
    return None


def run(command, **kwargs):
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, check=True, **kwargs)


def main():
    berth, compose_file = sys.argv[1], sys.argv[2]
    suffix = f"{os.getpid()}"
    folder = Path(tempfile.mkdtemp(prefix="berth-keys-oracle-"))
    shutil.copy(compose_file, folder / "compose.yml")
    (folder / "bind").mkdir()
    environment = dict(os.environ, DOCKER_HOST=f"unix://{DOCKER_SOCKET}")
    environment.pop("COMPOSE_PROJECT_NAME", None)
    tools = {
        "docker-compose": (f"keysoracle{suffix}a", ["docker-compose"], ["up", "-d"],
                           ["down", "-v", "-t", "1"]),
        "berth": (f"keysoracle{suffix}b", [berth, "--host", f"unix://{DOCKER_SOCKET}"],
                  ["up", "--no-wait", "-q"], ["down", "-v", "-t", "1"]),
    }
    snapshots = {}
    try:
        for tool, (project, program, up, down) in tools.items():
            base = program + ["-f", str(folder / "compose.yml"), "-p", project]
            try:
                run(base + up, cwd=folder, env=environment)
                snapshots[tool] = snapshot(project)
            finally:
                run(base + down, cwd=folder, env=environment)
            left = project_objects(project)
            if any(left):
                print(f"{tool} left objects behind: {[list(x) for x in left]}")
                return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    differences = compare(snapshots["docker-compose"], snapshots["berth"])
    seen = set()
    unexpected = []
    for path, theirs, ours in differences:
        pattern = known(path)
        if pattern:
            seen.add(pattern)
            print(f"known: {path}: docker-compose {theirs!r}, berth {ours!r} "
                  f"({KNOWN_DIFFERENCES[pattern]})")
        else:
            unexpected.append((path, theirs, ours))
    for path, theirs, ours in unexpected:
        print(f"DIFFERENT: {path}:\n  docker-compose: {json.dumps(theirs)}\n  berth:          "
              f"{json.dumps(ours)}")
    stale = sorted(set(KNOWN_DIFFERENCES) - seen)
    for pattern in stale:
        print(f"STALE: known difference {pattern} no longer appears; remove it from the list")
    compared = leaves(snapshots["docker-compose"])
    print(f"{compared} fields compared, {len(differences)} differ, {len(unexpected)} unexplained")
    return 1 if unexpected or stale else 0


if __name__ == "__main__":
    sys.exit(main())
