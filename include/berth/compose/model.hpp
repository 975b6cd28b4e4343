#pragma once
// The resolved compose project: plain value types, filled by load_project()
// after interpolation, file merging, `extends`, profiles and validation.
//
// Conventions used throughout:
// - std::optional marks a key the files did not set, so that "unset" (let the
//   image or engine decide) stays distinct from an explicit zero or empty value.
// - Paths are absolute: relative paths in a file were resolved against the
//   folder of the file that wrote them.
// - Ordered containers keep the order of the files where the order can matter
//   to a reader; maps keyed by name are sorted by name.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::compose {

using Duration = std::chrono::nanoseconds;

/// Values of `x-*` keys, kept as written (after interpolation) for tools that
/// read them; berth itself gives them no meaning.
using Extensions = std::map<std::string, nlohmann::json>;

/// `build:` of a service. The short form `build: ./dir` sets only context.
struct BuildSpec {
    std::string context;     ///< absolute folder, or a URL (git, http) kept as written
    std::string dockerfile;  ///< relative to context as written; empty: "Dockerfile"
    /// Build arguments; a nullopt value means "take it from the environment
    /// at build time", as `args: [NAME]` does.
    std::map<std::string, std::optional<std::string>> args;
    std::string target;
    std::map<std::string, std::string> labels;
    std::vector<std::string> cache_from;
    std::string network;
    std::optional<std::int64_t> shm_size_bytes;
    Extensions extensions;
};

/// `healthcheck:` of a service. Unset durations and retries mean "the image's
/// value, else the engine default".
struct ServiceHealthcheck {
    /// {"CMD", argv...}, {"CMD-SHELL", "command line"} or {"NONE"}; empty when
    /// only timings are overridden and the image's test is kept. A plain string
    /// in the file becomes {"CMD-SHELL", string}.
    std::vector<std::string> test;
    std::optional<Duration> interval;
    std::optional<Duration> timeout;
    std::optional<Duration> start_period;
    std::optional<Duration> start_interval;
    std::optional<int> retries;
    bool disable = false;  ///< `disable: true` or test {"NONE"}: no healthcheck at all
    Extensions extensions;

    /// True when this healthcheck runs a test (not disabled, not NONE).
    bool runs_a_test() const { return !disable && !(test.size() == 1 && test[0] == "NONE"); }
};

/// One published or exposed port. The short syntax "9000-9001:9000-9001"
/// becomes one ServicePort per container port.
struct ServicePort {
    int target = 0;                ///< container port
    std::string published;         ///< host port or range "8000-8010"; empty: engine picks
    std::string host_ip;           ///< empty: all interfaces
    std::string protocol = "tcp";  ///< "tcp", "udp" or "sctp"
    std::string mode;              ///< "ingress" or "host"; empty when not written
    std::string name;
    std::string app_protocol;
    Extensions extensions;
};

/// One entry of `volumes:` in a service: a bind mount, named or anonymous
/// volume, or tmpfs.
struct ServiceVolume {
    enum class Type { bind, volume, tmpfs };
    Type type = Type::volume;
    /// Bind: absolute host path. Volume: the key under top-level `volumes:`
    /// (not the engine name; see Volume::name); empty for an anonymous volume.
    std::string source;
    std::string target;
    bool read_only = false;
    /// Bind only: create the host folder when missing (the short syntax does).
    std::optional<bool> create_host_path;
    std::string bind_propagation;  ///< e.g. "rprivate"; empty when not written
    std::string selinux;           ///< "z" or "Z"; empty when not written
    std::optional<bool> volume_nocopy;
    std::optional<std::int64_t> tmpfs_size_bytes;
    std::optional<int> tmpfs_mode;
    std::string consistency;
    Extensions extensions;
};

/// How a service is attached to one network.
struct ServiceNetwork {
    std::vector<std::string> aliases;
    std::string ipv4_address;
    std::string ipv6_address;
    std::optional<int> priority;
    Extensions extensions;
};

enum class DependencyCondition {
    service_started,
    service_healthy,
    service_completed_successfully,
};

const char* to_string(DependencyCondition condition);

/// One entry of `depends_on`. The list syntax means condition service_started,
/// required true.
struct Dependency {
    std::string service;
    DependencyCondition condition = DependencyCondition::service_started;
    /// false: start even when the dependency is missing or failed to start.
    bool required = true;
    /// true: restart this service when the dependency is restarted by an update.
    bool restart = false;
};

struct ServiceUlimit {
    std::int64_t soft = 0;
    std::int64_t hard = 0;  ///< `nproc: 65535` sets soft and hard alike
};

/// A service after merging and `extends`.
struct Service {
    std::string name;  ///< the key under `services:`
    std::string image;
    std::optional<BuildSpec> build;
    /// A string in the file is split as a POSIX shell would (quotes, escapes),
    /// without running a shell. Unset: the image's CMD / ENTRYPOINT. Set and
    /// empty (`entrypoint: ""` or `[]`): clear the image's.
    std::optional<std::vector<std::string>> command;
    std::optional<std::vector<std::string>> entrypoint;
    /// After env_file files were read (the `environment` key wins over them).
    /// nullopt: the variable was named without a value and is unset in berth's
    /// environment, so the container does not get it.
    std::map<std::string, std::optional<std::string>> environment;
    std::vector<std::string> env_file;  ///< absolute paths, already read into environment
    std::vector<ServicePort> ports;
    std::vector<std::string> expose;  ///< "80", "80/udp", "8000-8010"
    std::vector<ServiceVolume> volumes;
    std::vector<std::string> tmpfs;  ///< container paths, optionally "path:options"
    /// Networks by key under top-level `networks:`. A service with neither
    /// networks nor network_mode is attached to "default".
    std::map<std::string, ServiceNetwork> networks;
    std::string network_mode;  ///< "host", "none", "service:NAME", "container:ID"; empty: bridge
    std::string hostname;
    std::string domainname;
    std::string container_name;  ///< empty: the orchestrator names it PROJECT-SERVICE-1
    std::optional<bool> init;
    std::optional<bool> privileged;
    std::optional<bool> read_only;
    std::optional<bool> tty;
    std::optional<bool> stdin_open;
    std::vector<std::string> cap_add;
    std::vector<std::string> cap_drop;
    std::vector<std::string> security_opt;
    std::vector<std::string> devices;  ///< "HOST[:CONTAINER[:PERMISSIONS]]" as written
    std::map<std::string, ServiceUlimit> ulimits;
    std::optional<std::int64_t> shm_size_bytes;
    std::optional<std::int64_t> mem_limit_bytes;
    std::string user;
    std::string working_dir;
    std::map<std::string, std::string> labels;
    std::vector<std::string> extra_hosts;  ///< "host:ip" or "host=ip" as written
    std::vector<std::string> dns;
    std::map<std::string, std::string> sysctls;
    std::string restart;  ///< "no", "always", "on-failure[:N]", "unless-stopped"; empty: unset
    std::string stop_signal;
    std::optional<Duration> stop_grace_period;
    std::optional<ServiceHealthcheck> healthcheck;
    std::vector<Dependency> depends_on;  ///< sorted by service name
    std::vector<std::string> profiles;
    std::string platform;
    std::string pull_policy;
    std::string pid;
    std::string ipc;
    Extensions extensions;

    /// The healthcheck that will run, if any: one with a test that is not NONE
    /// and not disabled. A service whose image defines HEALTHCHECK may still
    /// have one; the loader cannot see images.
    bool declares_healthcheck() const { return healthcheck && healthcheck->runs_a_test(); }
};

struct IpamPool {
    std::string subnet;
    std::string ip_range;
    std::string gateway;
    std::map<std::string, std::string> aux_addresses;
};

struct Ipam {
    std::string driver;
    std::vector<IpamPool> config;
    std::map<std::string, std::string> options;
};

/// A top-level `networks:` entry.
struct Network {
    std::string key;   ///< the key in the file, as services refer to it
    std::string name;  ///< engine name: `name:`, else PROJECT_KEY; the key itself when external
    std::string driver;
    std::map<std::string, std::string> driver_opts;
    bool external = false;
    std::optional<bool> internal;
    std::optional<bool> attachable;
    std::optional<bool> enable_ipv6;
    std::optional<Ipam> ipam;
    std::map<std::string, std::string> labels;
    /// true for the "default" network berth adds for services without networks.
    bool implicit = false;
    Extensions extensions;
};

/// A top-level `volumes:` entry.
struct Volume {
    std::string key;
    std::string name;  ///< engine name: `name:`, else PROJECT_KEY; the key itself when external
    std::string driver;
    std::map<std::string, std::string> driver_opts;
    bool external = false;
    std::map<std::string, std::string> labels;
    Extensions extensions;
};

/// A loaded project: what `berth config` prints and the orchestrator runs.
struct Project {
    std::string name;  ///< normalised: [a-z0-9][a-z0-9_-]*
    std::string
        working_directory;  ///< absolute; relative paths were resolved against files' folders
    std::vector<std::string> source_files;  ///< absolute, in merge order
    /// Services enabled by the active profiles, sorted by name. Services that
    /// profiles disabled are in disabled_services.
    std::vector<Service> services;
    std::vector<Service> disabled_services;
    std::map<std::string, Network> networks;
    std::map<std::string, Volume> volumes;
    Extensions extensions;  ///< top-level `x-*` keys

    const Service* find_service(const std::string& name) const;
};

}  // namespace berth::compose
