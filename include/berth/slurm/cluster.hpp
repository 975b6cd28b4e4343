#pragma once
// The Slurm module of the fixture: how a test reaches the Slurm cluster of a
// stack (compose/docker-compose.yml), read from the generic Stack the way
// testcontainers' modules sit on top of its core.
//
//   auto stack = berth::shared_stack();              // first call brings it up
//   berth::SlurmCluster cluster = berth::SlurmCluster::of(*stack);
//   ssh -p cluster.ssh_port cluster.username@cluster.hostname ...

#include <berth/fixture.hpp>
#include <berth/orchestrate.hpp>

#include <optional>
#include <string>
#include <vector>

namespace berth {

/// How a test reaches the Slurm cluster of a stack; the same for plain jobs
/// and container jobs.
struct SlurmCluster {
    std::string hostname = "127.0.0.1";
    int ssh_port = 2222;
    std::string username = "slurm";
    std::string password = "slurm";
    std::string job_base_dir = "/home/slurm/slurm_jobs";
    std::string partition = "debug";
    std::string container_name;
    std::string backend;  ///< "docker" or "podman"
    bool rootless = false;
    std::string registry_for_host;        ///< "127.0.0.1:5000"
    std::string registry_for_containers;  ///< "registry:5000"
    /// The `accounting` profile is on: a `slurmdbd` service runs beside
    /// `slurm`, so `sacct` and `sacctmgr` answer from its database.
    bool accounting = false;

    /// Reads the ports and names of the stack's `slurm` and `registry` services.
    static SlurmCluster of(Stack& stack);
    /// The same from a project's service list; unset when it has no `slurm`
    /// service publishing port 22.
    static std::optional<SlurmCluster> from_services(const std::vector<ServiceStatus>& services,
                                                     const BackendInfo& backend);
    /// The fields above as JSON, for `berth up --json` and other languages.
    std::string to_json() const;
};

}  // namespace berth
