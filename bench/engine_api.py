"""What the benchmark scripts share: the engine's API over its unix socket
(only the standard library, so no docker SDK is needed), the engines of this
machine, and how figures are printed."""

import http.client
import json
import os
import socket
import statistics
import subprocess
import urllib.parse


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("engine")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def engine_get(socket_path, path, query=None):
    connection = UnixConnection(socket_path)
    target = path + ("?" + urllib.parse.urlencode(query) if query else "")
    connection.request("GET", target)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def project_containers(socket_path, project):
    """Every container of a compose project, running or not."""
    filters = json.dumps({"label": [f"com.docker.compose.project={project}"]})
    status, body = engine_get(socket_path, "/containers/json", {"all": "1", "filters": filters})
    return json.loads(body) if status == 200 else []


def rootless_socket():
    """The rootless Podman socket of scripts/setup's user, when it runs."""
    user = os.environ.get("BERTH_ROOTLESS_USER", "berth-rootless")
    try:
        uid = subprocess.run(["id", "-u", user], capture_output=True, text=True,
                             check=True).stdout.strip()
    except subprocess.CalledProcessError:
        return None
    path = f"/run/user/{uid}/podman/podman.sock"
    return path if os.path.exists(path) else None


def engines():
    """(label, socket path) of every engine scripts/setup starts, present or not."""
    return [("dockerd", "/var/run/docker.sock"),
            ("rootful Podman", "/run/podman/podman.sock"),
            ("rootless Podman", rootless_socket())]


def describe(label, seconds, unit="s", width=34):
    scale, digits = (1000, 0) if unit == "ms" else (1, 2)
    values = [each * scale for each in seconds]
    return (f"{label:{width}s} median {statistics.median(values):7.{digits}f} {unit}"
            f"   min {min(values):7.{digits}f}   max {max(values):7.{digits}f}")
