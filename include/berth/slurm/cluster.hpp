#pragma once
// The Slurm module of the fixture: how a test reaches the Slurm cluster of a
// stack (compose/docker-compose.yml), read from the generic Stack the way
// testcontainers' modules sit on top of its core.
//
//   auto stack = berth::shared_stack();              // first call brings it up
//   berth::SlurmCluster cluster = berth::SlurmCluster::of(*stack);
//   ssh -p cluster.ssh_port cluster.username@cluster.hostname ...

#include <berth/export.hpp>
#include <berth/fixture.hpp>
#include <berth/orchestrate.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace berth {

/// One node of the cluster: the controller (`slurm` service, which is also a
/// node) or a compute node (a replica of the `compute` service).
struct SlurmNode {
    /// Slurm's name for it, which is also the container's host name:
    /// slurm-control, compute-1, compute-2, ...
    std::string name;
    std::string role;  ///< "controller" or "compute"
    std::string container_name;
    std::string container_id;
    bool running = false;  ///< the container runs
    /// Slurm's state as sinfo writes it (idle, mix, alloc, down*, idle*, ...);
    /// "*" means not responding. Empty when it could not be asked.
    std::string state;
};

/// How a test reaches the Slurm cluster of a stack; the same for plain jobs
/// and container jobs.
struct SlurmCluster {
    /// The engine's machine (BackendInfo::host_address): 127.0.0.1 for a
    /// local engine, the ssh:// or tcp:// host's address for a remote one.
    std::string hostname = "127.0.0.1";
    int ssh_port = 2222;
    std::string username = "slurm";
    std::string password = "slurm";
    std::string job_base_dir = "/home/slurm/slurm_jobs";
    std::string partition = "debug";
    std::string container_name;
    std::string backend;  ///< "docker" or "podman"
    bool rootless = false;
    std::string registry_for_host;        ///< "127.0.0.1:5000": hostname and port
    std::string registry_for_containers;  ///< "registry:5000"
    /// The `accounting` profile is on: a `slurmdbd` service runs beside
    /// `slurm`, so `sacct` and `sacctmgr` answer from its database.
    bool accounting = false;
    /// Every node, the controller first, then compute-1, compute-2, ...
    /// (SLURM_COMPUTE_NODES, or replicas of the `compute` service). Nodes
    /// take their names in the order their containers start, so compute-1
    /// need not be container PROJECT-compute-1; a restarted container keeps
    /// its node's name.
    std::vector<SlurmNode> nodes;

    /// Reads the ports and names of the stack's `slurm` and `registry`
    /// services, and its nodes with Slurm's view of each.
    BERTH_API static SlurmCluster of(Stack& stack);
    /// The same from a project's service list and its engine; unset when it
    /// has no `slurm` service publishing port 22.
    BERTH_API static std::optional<SlurmCluster> of(Engine& engine,
                                                    const std::vector<ServiceStatus>& services);
    /// From the service list alone: no nodes (they need the engine).
    BERTH_API static std::optional<SlurmCluster> from_services(
        const std::vector<ServiceStatus>& services, const BackendInfo& backend);
    /// The fields above as JSON, for `berth up --json` and other languages.
    BERTH_API std::string to_json() const;

    /// Node faults for tests: stops the container of compute node `node`
    /// (compute-2), as a machine that fails. Slurm marks it not responding
    /// (idle*) within seconds and DOWN after SlurmdTimeout (10 s).
    BERTH_API static void stop_node(Stack& stack, const std::string& node);
    /// Starts it again: its slurmd registers under the same name and the
    /// node returns to idle. Returns when the container is started; wait
    /// for Slurm's view with wait_for_node_state().
    BERTH_API static void start_node(Stack& stack, const std::string& node);
    /// Polls Slurm's view of `node` until its state is one of `states`
    /// (sinfo's short names: "idle", "down*", "idle*", ...); returns that
    /// state, or throws Error naming the last state seen at the deadline.
    BERTH_API static std::string wait_for_node_state(
        Stack& stack, const std::string& node, const std::vector<std::string>& states,
        std::chrono::seconds timeout = std::chrono::seconds(60));
};

/// The same node faults on a project by name (`berth node stop|start`).
BERTH_API void stop_slurm_node(Engine& engine, const std::string& project, const std::string& node);
BERTH_API void start_slurm_node(Engine& engine, const std::string& project,
                                const std::string& node);
/// The project's nodes with Slurm's view of each (`berth node ls`).
BERTH_API std::vector<SlurmNode> slurm_nodes(Engine& engine,
                                             const std::vector<ServiceStatus>& services);

}  // namespace berth
