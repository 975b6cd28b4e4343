"""pytest fixtures for Slurm client tests, on top of `berth up --wait --json`.

The fixture names are the ones the old harness had; they all share one
stack. Set SLURM_TEST_KEEP=1 to leave it running for the next session, which
then attaches to it in milliseconds.

    BERTH_BINARY      the berth program (default: berth from PATH)
    BERTH_COMPOSE     the compose file (default: compose/docker-compose.yml of this checkout)
    BERTH_PROJECT     the project name (default: the compose file's)
    BERTH_HOST        the engine (default: discovery)
"""

import json
import os
import pathlib
import subprocess

import pytest

_CHECKOUT = pathlib.Path(__file__).resolve().parents[2]


def _berth(*arguments):
    command = [os.environ.get("BERTH_BINARY", "berth")]
    if os.environ.get("BERTH_HOST"):
        command += ["--host", os.environ["BERTH_HOST"]]
    command += ["-f", os.environ.get("BERTH_COMPOSE", str(_CHECKOUT / "compose" / "docker-compose.yml"))]
    if os.environ.get("BERTH_PROJECT"):
        command += ["-p", os.environ["BERTH_PROJECT"]]
    return subprocess.run(command + list(arguments), check=True, capture_output=True, text=True)


@pytest.fixture(scope="session")
def docker_compose_cluster():
    """The running stack: `berth up --wait --json`, taken down at the end."""
    stack = json.loads(_berth("up", "--wait", "--json", "--quiet").stdout)
    yield stack
    if os.environ.get("SLURM_TEST_KEEP") != "1":
        _berth("down", "-v")


@pytest.fixture(scope="session")
def slurm_cluster_info(docker_compose_cluster):
    """hostname, port, username, password, job_base_dir, partition, ..."""
    return docker_compose_cluster["slurm"]


@pytest.fixture(scope="session")
def slurm_cluster(slurm_cluster_info):
    return slurm_cluster_info


@pytest.fixture(scope="session")
def slurm_pyxis_cluster(slurm_cluster_info):
    """The same cluster: plain and container jobs share it."""
    return slurm_cluster_info


@pytest.fixture(scope="session")
def local_registry(slurm_cluster_info):
    """The registry as the host reaches it, e.g. 127.0.0.1:5000."""
    return slurm_cluster_info["registry_for_host"]


@pytest.fixture(scope="session")
def registry_for_containers(slurm_cluster_info):
    """The registry as jobs inside the cluster reach it: registry:5000."""
    return slurm_cluster_info["registry_for_containers"]
