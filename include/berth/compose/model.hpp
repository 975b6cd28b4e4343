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

#include <berth/export.hpp>

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

struct ServiceUlimit {
    std::int64_t soft = 0;
    std::int64_t hard = 0;  ///< `nproc: 65535` sets soft and hard alike
    Extensions extensions;
};

/// One entry of a service's (or a build's) `secrets` or `configs`: the short
/// syntax `- NAME` sets only source.
struct ServiceFileReference {
    std::string source;  ///< the key under top-level `secrets` / `configs`
    std::string target;  ///< empty: /run/secrets/SOURCE, or /SOURCE for configs
    std::string uid;
    std::string gid;
    std::optional<int> mode;  ///< octal in the file, e.g. 0440
    Extensions extensions;
};

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
    std::vector<std::string> cache_to;
    std::string network;
    std::optional<std::int64_t> shm_size_bytes;
    std::string dockerfile_inline;  ///< the Dockerfile's text, instead of `dockerfile`
    /// Named extra contexts: name → folder (absolute), URL or `docker-image://REF`.
    std::map<std::string, std::string> additional_contexts;
    std::vector<std::string> platforms;
    std::vector<ServiceFileReference> secrets;  ///< build secrets, as for services
    /// SSH agent sockets or keys: "default" or "ID=PATH[,PATH]".
    std::vector<std::string> ssh;
    std::vector<std::string> tags;          ///< more names for the image
    std::vector<std::string> entitlements;  ///< e.g. "network.host"
    std::optional<bool> privileged;
    std::optional<bool> no_cache;
    std::optional<bool> pull;
    std::string provenance;  ///< "true", "false" or attestation options
    std::string sbom;
    std::vector<std::string> extra_hosts;
    std::string isolation;
    std::map<std::string, ServiceUlimit> ulimits;
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
    enum class Type { bind, volume, tmpfs, image, npipe, cluster };
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
    std::string bind_recursive;  ///< "enabled", "disabled", "writable" or "readonly"
    std::string volume_subpath;  ///< volume only: a folder inside the volume
    std::map<std::string, std::string> volume_labels;
    std::string image_subpath;  ///< image only: a folder inside the image
    Extensions extensions;
};

/// How a service is attached to one network.
struct ServiceNetwork {
    std::vector<std::string> aliases;
    std::string ipv4_address;
    std::string ipv6_address;
    std::vector<std::string> link_local_ips;
    std::string interface_name;
    std::string mac_address;
    std::map<std::string, std::string> driver_opts;
    std::optional<int> priority;
    std::optional<int> gw_priority;
    Extensions extensions;
};

enum class DependencyCondition {
    service_started,
    service_healthy,
    service_completed_successfully,
};

BERTH_API const char* to_string(DependencyCondition condition);

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

/// A device request: `gpus`, or `deploy.resources.reservations.devices`.
struct DeviceRequest {
    std::vector<std::string> capabilities;
    std::string count;  ///< a number, or "all"; empty when not written
    std::vector<std::string> device_ids;
    std::string driver;
    std::map<std::string, std::string> options;
    Extensions extensions;
};

/// `post_start`, `pre_stop` and `pre_start` entries, and `develop.watch[].exec`.
struct ServiceHook {
    std::optional<std::vector<std::string>> command;
    std::string image;  ///< pre_start only: empty means the service's image
    std::string user;
    std::optional<bool> privileged;
    std::string working_dir;
    std::map<std::string, std::optional<std::string>> environment;
    std::optional<bool> per_replica;  ///< pre_start only
    Extensions extensions;
};

/// `logging:` of a service.
struct Logging {
    std::string driver;
    std::map<std::string, std::string> options;
    Extensions extensions;
};

/// `provider:` of a service: an external program manages it instead of a container.
struct Provider {
    std::string type;
    nlohmann::json options;  ///< name → string or list of strings, as written
    Extensions extensions;
};

/// One entry of a service's `models`: a top-level model and the variables
/// that tell the container where it is.
struct ServiceModel {
    std::string endpoint_var;
    std::string model_var;
    Extensions extensions;
};

struct CredentialSpec {
    std::string config;
    std::string file;
    std::string registry;
    Extensions extensions;
};

/// One `path`/`rate` or `path`/`weight` entry of `blkio_config`.
struct BlkioDeviceLimit {
    std::string path;
    std::optional<std::int64_t> rate;  ///< bytes or operations per second
    std::optional<std::int64_t> weight;
    Extensions extensions;
};

struct BlkioConfig {
    std::optional<std::int64_t> weight;
    std::vector<BlkioDeviceLimit> weight_device;
    std::vector<BlkioDeviceLimit> device_read_bps;
    std::vector<BlkioDeviceLimit> device_write_bps;
    std::vector<BlkioDeviceLimit> device_read_iops;
    std::vector<BlkioDeviceLimit> device_write_iops;
    Extensions extensions;
};

/// `deploy.update_config` and `deploy.rollback_config`.
struct UpdateConfig {
    std::optional<std::int64_t> parallelism;
    std::optional<Duration> delay;
    std::string failure_action;
    std::optional<Duration> monitor;
    std::optional<double> max_failure_ratio;
    std::string order;
    Extensions extensions;
};

struct GenericResource {
    std::string kind;  ///< `discrete_resource_spec.kind`
    std::optional<std::int64_t> value;
    Extensions extensions;
};

/// `deploy.resources.limits` and `.reservations`.
struct ResourceAmounts {
    std::optional<double> cpus;
    std::optional<std::int64_t> memory_bytes;
    std::optional<std::int64_t> pids;                ///< limits only
    std::vector<DeviceRequest> devices;              ///< reservations only
    std::vector<GenericResource> generic_resources;  ///< reservations only
    Extensions extensions;
};

struct Resources {
    std::optional<ResourceAmounts> limits;
    std::optional<ResourceAmounts> reservations;
    Extensions extensions;
};

struct RestartPolicy {
    std::string condition;  ///< "none", "on-failure" or "any"
    std::optional<Duration> delay;
    std::optional<std::int64_t> max_attempts;
    std::optional<Duration> window;
    Extensions extensions;
};

struct PlacementPreference {
    std::string spread;
    Extensions extensions;
};

struct Placement {
    std::vector<std::string> constraints;
    std::vector<PlacementPreference> preferences;
    std::optional<std::int64_t> max_replicas_per_node;
    Extensions extensions;
};

/// `deploy:` of a service (deploy.md of the Compose Specification).
struct Deploy {
    std::string mode;           ///< "replicated", "global", "replicated-job", "global-job"
    std::string endpoint_mode;  ///< "vip" or "dnsrr"
    std::optional<std::int64_t> replicas;
    std::map<std::string, std::string> labels;
    std::optional<UpdateConfig> update_config;
    std::optional<UpdateConfig> rollback_config;
    std::optional<Resources> resources;
    std::optional<RestartPolicy> restart_policy;
    std::optional<Placement> placement;
    Extensions extensions;
};

/// One rule of `develop.watch`.
struct WatchRule {
    std::string path;  ///< absolute
    std::string action;
    std::string target;
    std::vector<std::string> ignore;
    std::vector<std::string> include;
    std::optional<bool> initial_sync;
    std::optional<ServiceHook> exec;
    Extensions extensions;
};

/// `develop:` of a service. berth has no watch mode; compose itself reads
/// this only in `watch`, so it is carried for tools and printed by config.
struct Develop {
    std::vector<WatchRule> watch;
    Extensions extensions;
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
    /// "HOST[:CONTAINER[:PERMISSIONS]]"; the long syntax (source, target,
    /// permissions) is written the same way.
    std::vector<std::string> devices;
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
    std::string pull_refresh_after;
    std::string pid;
    std::string ipc;
    std::map<std::string, std::string> annotations;
    std::optional<bool> attach;
    std::optional<BlkioConfig> blkio_config;
    std::optional<std::int64_t> cpu_count;
    std::optional<std::int64_t> cpu_percent;
    std::optional<std::int64_t> cpu_shares;
    std::optional<std::int64_t> cpu_period;
    std::optional<std::int64_t> cpu_quota;
    std::optional<std::int64_t> cpu_rt_runtime;
    std::optional<std::int64_t> cpu_rt_period;
    std::optional<double> cpus;
    std::string cpuset;
    std::string cgroup;  ///< "host" or "private"
    std::string cgroup_parent;
    std::vector<ServiceFileReference> configs;
    std::vector<ServiceFileReference> secrets;
    std::optional<CredentialSpec> credential_spec;
    std::optional<Deploy> deploy;
    std::optional<Develop> develop;
    std::vector<std::string> device_cgroup_rules;
    std::vector<std::string> dns_opt;
    std::vector<std::string> dns_search;
    std::vector<std::string> external_links;
    std::vector<DeviceRequest> gpus;  ///< `gpus: all` is one request with count "all"
    std::vector<std::string> group_add;
    std::string isolation;
    std::vector<std::string> label_file;  ///< absolute paths, already read into labels
    std::vector<std::string> links;       ///< "SERVICE" or "SERVICE:ALIAS"
    std::optional<Logging> logging;
    std::string mac_address;
    std::optional<std::int64_t> mem_reservation_bytes;
    std::optional<std::int64_t> mem_swappiness;
    std::optional<std::int64_t> memswap_limit_bytes;  ///< -1: unlimited swap
    std::map<std::string, ServiceModel> models;
    std::optional<bool> oom_kill_disable;
    std::optional<std::int64_t> oom_score_adj;
    std::optional<std::int64_t> pids_limit;
    std::vector<ServiceHook> post_start;
    std::vector<ServiceHook> pre_start;
    std::vector<ServiceHook> pre_stop;
    std::optional<Provider> provider;
    std::string runtime;
    std::optional<std::int64_t> scale;
    std::map<std::string, std::string> storage_opt;
    std::optional<bool> use_api_socket;
    std::string userns_mode;
    std::string uts;
    std::vector<std::string> volumes_from;  ///< "SERVICE[:ro|rw]" or "container:NAME[:ro|rw]"
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
    Extensions extensions;
};

struct Ipam {
    std::string driver;
    std::vector<IpamPool> config;
    std::map<std::string, std::string> options;
    Extensions extensions;
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
    std::optional<bool> enable_ipv4;
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

/// A top-level `secrets:` or `configs:` entry. Exactly one source is set:
/// file, environment, content (configs only) or external.
struct ProjectFile {
    std::string key;
    std::string name;  ///< engine name: `name:`, else PROJECT_KEY; the key itself when external
    std::string file;  ///< absolute path
    std::string environment;  ///< the variable that holds the value
    std::string content;      ///< configs only: the value itself
    /// The value of `environment`'s variable when the project was loaded
    /// (process environment, then the .env file); unset when it was unset.
    /// Not printed: `berth config` shows the variable's name, as compose does.
    std::optional<std::string> environment_value;
    bool external = false;
    std::map<std::string, std::string> labels;
    std::string driver;  ///< secrets only
    std::map<std::string, std::string> driver_opts;
    std::string template_driver;
    Extensions extensions;
};

/// A top-level `models:` entry: an AI model a model runner serves.
struct Model {
    std::string key;
    std::string name;
    std::string model;  ///< the model reference, e.g. "ai/smollm2"
    std::optional<std::int64_t> context_size;
    std::vector<std::string> runtime_flags;
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
    std::map<std::string, ProjectFile> secrets;
    std::map<std::string, ProjectFile> configs;
    std::map<std::string, Model> models;
    Extensions extensions;  ///< top-level `x-*` keys

    BERTH_API const Service* find_service(const std::string& name) const;
};

}  // namespace berth::compose
