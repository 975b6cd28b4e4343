"""A Slurm client test: log in with paramiko and run an sbatch job."""

import paramiko


def test_sbatch_job_runs(slurm_cluster, slurm_pyxis_cluster, local_registry, registry_for_containers):
    assert slurm_cluster is slurm_pyxis_cluster
    assert registry_for_containers == "registry:5000"
    assert local_registry.startswith("127.0.0.1:")
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        slurm_cluster["hostname"],
        port=slurm_cluster["port"],
        username=slurm_cluster["username"],
        password=slurm_cluster["password"],
        look_for_keys=False,
        allow_agent=False,
    )
    try:
        command = (
            f"cd {slurm_cluster['job_base_dir']} && "
            f"sbatch --wait --parsable -p {slurm_cluster['partition']} "
            "--output=pytest-%j.out --wrap 'echo from pytest' >/dev/null && cat pytest-*.out"
        )
        _, stdout, stderr = client.exec_command(command)
        output = stdout.read().decode()
        assert stdout.channel.recv_exit_status() == 0, stderr.read().decode()
        assert "from pytest" in output
        sftp = client.open_sftp()
        assert "slurm_jobs" in sftp.listdir(".")
        sftp.close()
    finally:
        client.close()
