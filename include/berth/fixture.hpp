#pragma once
// The test fixture: one running stack shared by every test of a session,
// whatever engine the machine has, with keep/reuse and crash cleanup.
//
//   auto stack = berth::shared_stack();              // first call brings it up
//   stack->exec("app", {"true"});
//
// Domain stacks sit on top of it as modules: <berth/slurm/cluster.hpp> reads
// a Slurm cluster's connection details from a Stack.

#include <berth/compose/model.hpp>
#include <berth/engine.hpp>
#include <berth/errors.hpp>
#include <berth/export.hpp>
#include <berth/orchestrate.hpp>
#include <berth/wait.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace berth {

/// How a fixture's stack is made and ended. Every field left unset takes its
/// environment variable when the Stack is made (a plain StackOptions{} and
/// from_environment() mean the same), and then its default.
struct StackOptions {
    /// Compose files. Unset: BERTH_COMPOSE_FILES (':'-separated), else the
    /// Slurm stack's compose/docker-compose.yml.
    std::vector<std::string> compose_files;
    /// Unset: BERTH_PROJECT, else the files' project name.
    std::string project_name;
    /// Engine. Unset: BERTH_HOST, else discovery (DOCKER_HOST, sockets).
    std::optional<std::string> endpoint;
    /// Leave the stack running when the fixture ends; a later session
    /// attaches to it. Unset: SLURM_TEST_KEEP=1 or BERTH_KEEP=1, else false.
    std::optional<bool> keep;
    /// Several test processes on one machine never collide: the project gets
    /// a name of its own (the given or loaded name plus "-PID-RANDOM"), no
    /// service keeps a fixed container_name, and every published port is
    /// one the engine picks (read them back with host_port()).
    /// Unset: BERTH_PARALLEL_SAFE=1, else false.
    std::optional<bool> parallel_safe;
    /// Stop each service within its stop_grace_period when the stack goes,
    /// instead of killing it: for services that must finish something at
    /// exit. By default a throwaway stack is killed, since its volumes go
    /// too. Unset: BERTH_GRACEFUL_TEARDOWN=1, else false.
    std::optional<bool> graceful_teardown;
    /// Compose profiles to enable, e.g. {"accounting"}. Unset:
    /// COMPOSE_PROFILES (comma separated), as `docker compose` has it.
    std::vector<std::string> profiles;
    /// Variables for the compose files (e.g. SLURM_SSH_PORT), over the
    /// process environment.
    std::map<std::string, std::string> variables;
    /// How long up may wait for every service; the same default as `up`.
    /// It bounds the wait strategies below too.
    std::chrono::seconds wait_timeout{UpOptions{}.wait_timeout};
    /// Conditions per service, checked in order once `up` has seen every
    /// service started and healthy, before the Stack is handed over; one
    /// not met takes a stack this fixture made down again and throws
    /// ServiceFailed. For services whose healthcheck says too little. Each
    /// replica of a service is checked; a service scaled to 0 has none.
    std::map<std::string, std::vector<WaitStrategyPointer>> wait_for;
    /// The `berth` program that runs the crash watchdog. Unset: BERTH_BINARY,
    /// else the installed one, else `berth` from PATH.
    std::string berth_program;

    /// The options with every unset field taken from the environment.
    BERTH_API static StackOptions from_environment();
    /// These options, with unset fields filled from the environment.
    BERTH_API StackOptions resolved() const;
};

/// Which container of a service a Stack method reaches: replica `index`,
/// counted from 1 as docker compose's `--index` counts them (the
/// com.docker.compose.container-number label, ServiceStatus::number). A
/// service's name alone means its first replica:
///
///   stack.exec("compute", {"hostname"});       // replica 1
///   stack.exec({"compute", 2}, {"hostname"});  // replica 2
struct Replica {
    // Not explicit, on purpose: a service's name is the common case.
    Replica(std::string service, int index = 1) : service(std::move(service)), index(index) {}
    Replica(const char* service) : service(service) {}

    std::string service;
    int index = 1;
};

/// A running compose project owned (or attached to) by this process.
///
/// One Stack may be used from several threads at once: it holds no state
/// that its methods change, and its Engine is safe to share (requests are
/// independent; connections come from a locked pool).
class BERTH_API Stack {
  public:
    /// Sweeps stacks left by dead owners, then brings the project up, or
    /// attaches to it when it is running unchanged. Throws what up() throws.
    explicit Stack(StackOptions options);
    /// Takes the project down (with its volumes) unless it is kept.
    ~Stack();
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    Engine& engine();
    const compose::Project& project() const;
    const StackOptions& options() const;
    /// True when the stack was already up and unchanged: nothing was started.
    bool attached() const;
    /// How long bringing up (or attaching) took.
    std::chrono::milliseconds startup_time() const;

    /// The address at which this machine reaches the stack's published ports.
    std::string hostname() const;

    // Each method below reaches one container: the first replica of the
    // service, or the one named with a Replica. A replica the service does
    // not have throws ReplicaOutOfRange; a service the project does not
    // have, UsageError.

    std::string container_id(const Replica& replica);
    std::string container_name(const Replica& replica);
    /// The host port published for a container port of the replica.
    int host_port(const Replica& replica, int container_port, const std::string& protocol = "tcp");
    /// Runs a command in the replica's container and waits for it (docker
    /// compose exec [--index N]); the result has its exit code and both
    /// outputs. No shell is involved.
    ExecResult exec(const Replica& replica, const std::vector<std::string>& command,
                    const ExecOptions& options = {});
    /// The replica's output so far (the last `tail` lines when given),
    /// split into stdout and stderr (all stdout for a container with a TTY).
    ContainerLogs logs(const Replica& replica, std::optional<int> tail = {});
    /// Copies a host file or folder into the replica's folder destination_dir.
    void copy_to(const Replica& replica, const std::filesystem::path& source,
                 const std::string& destination_dir);
    /// Copies a path of the replica's into host folder destination_dir.
    void copy_from(const Replica& replica, const std::string& source,
                   const std::filesystem::path& destination_dir);
    /// Each service's container as it stands. Health never contradicts what
    /// `up` saw: a check berth ran and saw pass counts while the engine has
    /// not yet run its own (Docker says "starting" until its first interval).
    std::vector<ServiceStatus> services();

  private:
    void wait_for_strategies(std::chrono::steady_clock::time_point started);

    struct State;
    std::unique_ptr<State> state_;
};

/// The stack of this test process: the first call brings it up, later calls
/// return the same one; it goes down (unless kept) when the process exits.
BERTH_API std::shared_ptr<Stack> shared_stack(
    const StackOptions& options = StackOptions::from_environment());

/// The `berth watchdog` side of crash cleanup: blocks until the owner's end
/// of the pipe on `descriptor` closes; takes the project down unless told
/// "done" first: killed, or with each service's grace period when graceful.
/// With a session, only what carries that session's label goes. The
/// endpoint is the fixture's own, TLS files and ssh key included.
BERTH_API int run_watchdog(int descriptor, const Endpoint& endpoint, const std::string& project,
                           const std::string& session = {}, bool graceful = false);

/// Takes down every stack whose owning process is gone (and that was not
/// kept). Returns the projects it took down.
BERTH_API std::vector<std::string> sweep_abandoned_stacks(Engine& engine);

/// Labels berth adds to what a fixture makes.
namespace fixture_labels {
inline constexpr const char* owner_pid = "io.berth.owner-pid";
inline constexpr const char* owner_start =
    "io.berth.owner-start";  ///< the process's start time, against pid reuse
inline constexpr const char* owner_host = "io.berth.owner-host";
inline constexpr const char* session = "io.berth.session";
inline constexpr const char* keep = "io.berth.keep";
}  // namespace fixture_labels

}  // namespace berth
