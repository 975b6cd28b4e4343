#pragma once
// A connection to one Docker or Podman engine. The differences between the
// two (libpod-only endpoints, health events, insecure pushes, image names)
// are handled inside; callers see one interface.

#include <berth/backend.hpp>
#include <berth/cancel.hpp>
#include <berth/container.hpp>
#include <berth/endpoint.hpp>
#include <berth/export.hpp>
#include <berth/health.hpp>
#include <berth/image.hpp>
#include <berth/resources.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace berth {

struct EngineOptions {
    /// Whole-request limit for plain requests. Streams (events, logs with
    /// follow, build, push, import, wait) have none; cancel them instead.
    std::chrono::milliseconds request_timeout{60'000};
    std::chrono::milliseconds connect_timeout{5'000};
};

/// Reads the next block of a tar stream into buffer; returns the number of
/// bytes written, 0 at the end.
using ByteSource = std::function<std::size_t(char* buffer, std::size_t capacity)>;

/// Called with each block of container output, tagged with its stream.
using OutputCallback = std::function<void(OutputStream stream, std::string_view data)>;

/// Called for each event; return false to stop the stream.
using EventCallback = std::function<bool(const Event&)>;

/// Safe to share between threads: each request is independent, and the
/// connections it reuses come from a pool behind a lock.
class BERTH_API Engine {
  public:
    /// Connects to the endpoint, pings it, negotiates the API version and
    /// identifies the backend. Throws EngineUnreachable.
    explicit Engine(Endpoint endpoint, EngineOptions options = {});
    ~Engine();
    Engine(Engine&&) noexcept;
    Engine& operator=(Engine&&) noexcept;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const Endpoint& endpoint() const;
    const BackendInfo& backend() const;

    // ---- system (system.cpp)
    void ping();
    /// The engine's /version answer, for display.
    std::string version_json();
    /// The engine's /info answer, for display.
    std::string info_json();
    /// The cgroup controllers this engine's containers can be limited by
    /// ("memory", "cpu", "cpuset", "pids", "blkio", "devices"): Podman's own
    /// list (empty for rootless Podman without cgroup delegation, which
    /// ignores limits with a mere warning), Docker's /info flags.
    std::set<std::string> cgroup_controllers();
    /// Streams events until the callback returns false or cancel fires.
    void events(const EventFilter& filter, const EventCallback& callback,
                const CancelToken& cancel = {});

    // ---- images (images.cpp)
    std::optional<ImageInfo> image_inspect(const std::string& reference);
    bool image_exists(const std::string& reference);
    /// Imports a root filesystem tar as an image named reference; returns its id.
    std::string image_import(const ByteSource& tar, const std::string& reference,
                             const ProgressCallback& progress = {},
                             const std::vector<std::string>& changes = {});
    std::string image_import_file(const std::filesystem::path& tar_file,
                                  const std::string& reference,
                                  const ProgressCallback& progress = {},
                                  const std::vector<std::string>& changes = {});
    /// Builds from a context folder (honouring .dockerignore); returns the image id.
    std::string image_build(const BuildOptions& options, const ProgressCallback& progress = {},
                            const CancelToken& cancel = {});
    void image_tag(const std::string& source, const std::string& target_reference);
    void image_push(const std::string& reference, const PushOptions& options = {},
                    const ProgressCallback& progress = {}, const CancelToken& cancel = {});
    /// Pulls an image from its registry; throws EngineError with the engine's
    /// own message (unreachable registry, unknown image, refused login).
    void image_pull(const std::string& reference, const ProgressCallback& progress = {},
                    const CancelToken& cancel = {});
    void image_remove(const std::string& reference, bool force = false);

    // ---- containers (containers.cpp)
    /// Returns the new container's id. When the engine warns that it changed
    /// or dropped part of the spec, removes the container again and throws
    /// EngineWarning with the engine's words.
    std::string container_create(const ContainerSpec& spec);
    /// false when it was already running (HTTP 304).
    bool container_start(const std::string& container);
    /// false when it was already stopped (HTTP 304).
    bool container_stop(const std::string& container,
                        std::optional<std::chrono::seconds> timeout = {});
    void container_kill(const std::string& container, const std::string& signal = "SIGKILL");
    /// Freezes every process of a running container (cgroup freezer).
    /// Rootless Podman on cgroup v1 cannot: its EngineError says so.
    void container_pause(const std::string& container);
    void container_unpause(const std::string& container);
    /// The container's processes: Docker runs `ps -ef` on the host (UID,
    /// PID, PPID, C, STIME, TTY, TIME, CMD); Podman reads the container's
    /// /proc (USER, PID, PPID, %CPU, ELAPSED, TTY, TIME, COMMAND).
    ProcessList container_top(const std::string& container);
    void container_remove(const std::string& container, const RemoveOptions& options = {});
    ContainerInfo container_inspect(const std::string& container);
    std::optional<ContainerInfo> container_find(const std::string& container);
    std::vector<ContainerSummary> container_list(const ListFilter& filter = {});
    /// Blocks until the container stops; returns its exit code.
    int container_wait(const std::string& container, const CancelToken& cancel = {});
    /// Streams logs split into stdout and stderr (demultiplexed unless the
    /// container has a TTY, whose output all arrives as stdout).
    void container_logs(const std::string& container, const LogOptions& options,
                        const OutputCallback& callback, const CancelToken& cancel = {});
    ContainerLogs container_logs(const std::string& container, const LogOptions& options = {});
    /// Copies a host file or folder into container folder destination_dir.
    void copy_to_container(const std::string& container, const std::filesystem::path& source,
                           const std::string& destination_dir);
    /// Copies a container path into host folder destination_dir.
    void copy_from_container(const std::string& container, const std::string& source,
                             const std::filesystem::path& destination_dir);
    /// The raw tar forms of the two above.
    void put_archive(const std::string& container, const std::string& destination_dir,
                     const std::string& tar);
    std::string get_archive(const std::string& container, const std::string& path);

    // ---- exec (exec.cpp)
    ExecResult exec(const std::string& container, const std::vector<std::string>& command,
                    const ExecOptions& options = {});

    // ---- health (health.cpp)
    /// Runs the container's healthcheck once now: Podman's libpod healthcheck
    /// endpoint (which also records the result), or on Docker an exec of the
    /// container's own healthcheck command. Throws UsageError when the
    /// container has no healthcheck.
    HealthResult run_healthcheck(const std::string& container);

    // ---- networks (networks.cpp)
    /// Returns the new network's id. When the engine warns that it left part
    /// of the spec out (Podman: an option it does not know), removes the
    /// network again and throws EngineWarning with the engine's words.
    std::string network_create(const NetworkSpec& spec);
    std::optional<NetworkInfo> network_inspect(const std::string& network);
    std::vector<NetworkInfo> network_list(const ListFilter& filter = {});
    void network_remove(const std::string& network);
    /// Attaches a created container to one more network, under these aliases.
    void network_connect(const std::string& network, const std::string& container,
                         const std::vector<std::string>& aliases = {});
    /// Attaches a created container to one more network, with aliases and
    /// fixed addresses.
    void network_connect(const std::string& network, const std::string& container,
                         const NetworkEndpoint& endpoint);

    // ---- volumes (volumes.cpp)
    VolumeInfo volume_create(const VolumeSpec& spec);
    std::optional<VolumeInfo> volume_inspect(const std::string& volume);
    std::vector<VolumeInfo> volume_list(const ListFilter& filter = {});
    void volume_remove(const std::string& volume, bool force = false);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace berth
