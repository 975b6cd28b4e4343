#pragma once
// Value types for creating and inspecting containers. They describe what a
// compose service needs, in engine terms, and nothing about HTTP.

#include <berth/health.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth {

/// A published port: container_port/protocol reachable on host_ip:host_port.
/// host_port 0 lets the engine choose; inspect tells which it chose.
struct PortBinding {
    int container_port = 0;
    std::string protocol = "tcp";
    std::string host_ip;  ///< empty: all interfaces
    int host_port = 0;
};

/// A bind mount, named volume or tmpfs in a container.
struct Mount {
    enum class Type { bind, volume, tmpfs };
    Type type = Type::bind;
    std::string source;  ///< host path (bind) or volume name (volume); empty for tmpfs
    std::string target;
    bool read_only = false;
    std::optional<std::int64_t> tmpfs_size_bytes;
    std::optional<int> tmpfs_mode;  ///< permission bits of the tmpfs root, e.g. 01777
    /// tmpfs only: the options as the engine takes them ("size=64m,uid=1000"),
    /// from a service's `tmpfs: PATH:OPTIONS` (HostConfig.Tmpfs); when set,
    /// used instead of read_only, tmpfs_size_bytes and tmpfs_mode (the mount
    /// API's TmpfsOptions).
    std::optional<std::string> tmpfs_options;
    std::string bind_propagation;  ///< "rprivate", "shared", ...; empty: the engine's default
    std::string selinux_label;     ///< "z" (shared) or "Z" (private) relabelling of a bind
    /// Bind only: make a missing host folder (as `docker run -v` does) instead
    /// of failing the create.
    bool create_host_path = false;
    bool bind_non_recursive = false;  ///< bind only: submounts of the source are not bound
    bool volume_no_copy = false;      ///< volume only: do not copy the image's files into it
    std::map<std::string, std::string> volume_labels;  ///< volume only: labels of a new volume
};

struct DeviceMapping {
    std::string host_path;
    std::string container_path;
    std::string permissions = "rwm";
};

struct Ulimit {
    std::string name;
    std::int64_t soft = 0;
    std::int64_t hard = 0;
};

/// cgroup limits of a container; unset fields keep the engine's default.
/// Each is the Docker API field of the same meaning (HostConfig).
struct ResourceLimits {
    std::optional<std::int64_t> memory_bytes;       ///< Memory
    std::optional<std::int64_t> memory_swap_bytes;  ///< MemorySwap: memory + swap; -1 unlimited
    std::optional<std::int64_t> memory_reservation_bytes;  ///< MemoryReservation: soft limit
    std::optional<std::int64_t> memory_swappiness;         ///< MemorySwappiness, 0-100
    std::optional<std::int64_t> nano_cpus;                 ///< NanoCpus: CPUs times 10^9
    std::optional<std::int64_t> cpu_shares;                ///< CpuShares: relative weight
    std::optional<std::int64_t> cpu_period;                ///< CpuPeriod, microseconds
    std::optional<std::int64_t> cpu_quota;                 ///< CpuQuota, microseconds per period
    std::optional<std::int64_t> cpu_realtime_period;       ///< CpuRealtimePeriod, microseconds
    std::optional<std::int64_t> cpu_realtime_runtime;      ///< CpuRealtimeRuntime, microseconds
    std::string cpuset_cpus;                               ///< CpusetCpus, e.g. "0-1"
    std::optional<std::int64_t> pids_limit;                ///< PidsLimit; -1 unlimited
    std::optional<bool> oom_kill_disable;                  ///< OomKillDisable
    std::vector<std::string> device_cgroup_rules;          ///< "c 1:3 mr"
};

/// Where the container's output goes: a log driver and its options.
struct LogConfig {
    std::string driver;  ///< empty: the engine's default
    std::map<std::string, std::string> options;
};

struct RestartPolicy {
    std::string name;  ///< "", "no", "always", "unless-stopped", "on-failure"
    int maximum_retry_count = 0;
};

/// Everything needed to create a container.
struct ContainerSpec {
    std::string name;  ///< empty: the engine picks one
    std::string image;
    std::optional<std::vector<std::string>> command;     ///< unset: the image's CMD
    std::optional<std::vector<std::string>> entrypoint;  ///< unset: the image's ENTRYPOINT
    std::map<std::string, std::string> environment;
    std::map<std::string, std::string> labels;
    std::string hostname;
    std::string domainname;
    std::string user;
    std::string working_dir;
    bool tty = false;
    bool open_stdin = false;
    bool init = false;
    bool privileged = false;
    std::vector<PortBinding> ports;
    std::vector<std::string> exposed_ports;  ///< "80/tcp": exposed without publishing
    std::vector<Mount> mounts;
    std::vector<std::string> cap_add;
    std::vector<std::string> cap_drop;
    std::vector<std::string> security_opt;
    std::vector<DeviceMapping> devices;
    std::vector<Ulimit> ulimits;
    std::vector<std::string> extra_hosts;  ///< "host:ip"
    std::map<std::string, std::string> sysctls;
    std::optional<std::int64_t> shm_size_bytes;
    std::string network;  ///< network to attach at creation
    std::vector<std::string> network_aliases;
    /// Other containers reachable from this one under more names on its
    /// first network, "CONTAINER:ALIAS" (compose `links`).
    std::vector<std::string> network_links;
    /// Containers whose volumes this one mounts too, "NAME[:ro|rw]".
    std::vector<std::string> volumes_from;
    std::string network_ipv4_address;  ///< a fixed address on `network`; empty: the engine picks
    std::string network_ipv6_address;
    std::vector<std::string> network_link_local_ips;
    /// The container's MAC address on the network attached at creation.
    std::string mac_address;
    ResourceLimits resources;
    std::optional<std::int64_t> oom_score_adj;
    bool read_only_root = false;  ///< the root filesystem is mounted read-only
    std::vector<std::string> dns;
    std::vector<std::string> dns_search;
    std::vector<std::string> dns_options;
    std::vector<std::string> group_add;  ///< extra groups of the container's user
    /// Namespaces: "host", "private", "shareable", "container:ID", "service"
    /// modes as the engine takes them; empty: the engine's default.
    std::string pid_mode;
    std::string ipc_mode;
    std::string uts_mode;
    std::string userns_mode;
    std::string cgroupns_mode;  ///< "host" or "private"
    std::string cgroup_parent;
    std::string runtime;  ///< the OCI runtime, e.g. "runc", "crun"
    LogConfig log_config;
    std::map<std::string, std::string> storage_options;  ///< e.g. size=1G
    std::optional<Healthcheck> healthcheck;
    std::string stop_signal;
    std::optional<std::chrono::seconds> stop_timeout;
    RestartPolicy restart;
};

/// The state of a container, as inspect reports it.
struct ContainerState {
    std::string status;  ///< created, running, paused, restarting, removing, exited, dead
    bool running = false;
    bool oom_killed = false;
    int exit_code = 0;
    int pid = 0;
    std::string error;
    std::string started_at;
    std::string finished_at;
    HealthStatus health = HealthStatus::none;
    int failing_streak = 0;
    std::vector<HealthProbe> health_log;
};

struct NetworkAttachment {
    std::string network;
    std::string ip_address;
    std::vector<std::string> aliases;
};

/// A container as inspect reports it.
struct ContainerInfo {
    std::string id;
    std::string name;   ///< without the leading "/"
    std::string image;  ///< the reference it was created from
    std::string image_id;
    std::string hostname;
    bool tty = false;
    ContainerState state;
    std::map<std::string, std::string> labels;
    std::vector<std::string> environment;  ///< "KEY=value" as the engine reports it
    std::optional<Healthcheck> healthcheck;
    std::vector<PortBinding> ports;  ///< published ports with the host ports in effect
    std::vector<NetworkAttachment> networks;
    std::vector<Mount> mounts;
    int restart_count = 0;
};

/// One line of a container listing.
struct ContainerSummary {
    std::string id;
    std::vector<std::string> names;  ///< without leading "/"
    std::string image;
    std::string state;   ///< running, exited, ...
    std::string status;  ///< human text, e.g. "Up 3 seconds (healthy)"
    std::map<std::string, std::string> labels;
};

/// The processes of a running container, as `ps` inside it shows them.
struct ProcessList {
    std::vector<std::string> titles;  ///< UID, PID, PPID, C, STIME, TTY, TIME, CMD
    std::vector<std::vector<std::string>> processes;
};

/// Filters for listing containers, networks and volumes.
struct ListFilter {
    bool all = true;                  ///< containers: include stopped ones
    std::vector<std::string> labels;  ///< "key" or "key=value"; all must match
    std::vector<std::string> names;
};

struct RemoveOptions {
    /// A running container is killed (SIGKILL, no grace period) and removed,
    /// on every engine: Docker's meaning. Podman's own forced remove would
    /// first stop it within its stop timeout.
    bool force = false;
    bool volumes = false;  ///< remove anonymous volumes with the container
};

/// Which log streams to read, and whether to keep following.
struct LogOptions {
    bool stdout_stream = true;
    bool stderr_stream = true;
    bool follow = false;
    bool timestamps = false;
    std::optional<int> tail;  ///< last N lines; unset: all
};

enum class OutputStream { stdin_stream = 0, stdout_stream = 1, stderr_stream = 2 };

/// Logs read in full (not following), split by stream.
struct ContainerLogs {
    std::string stdout_text;
    std::string stderr_text;
};

}  // namespace berth
