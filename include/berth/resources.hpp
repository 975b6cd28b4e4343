#pragma once
// Networks, volumes, exec and events: the smaller resource families.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth {

/// One address pool of a network (Docker's IPAM.Config entry).
struct IpamPool {
    std::string subnet;    ///< CIDR, e.g. 172.28.0.0/16
    std::string ip_range;  ///< the part of the subnet containers get addresses from
    std::string gateway;
    std::map<std::string, std::string> auxiliary_addresses;  ///< host name → address kept out
};

struct NetworkSpec {
    std::string name;
    std::string driver = "bridge";
    std::map<std::string, std::string> labels;
    bool internal = false;
    bool attachable = false;
    bool enable_ipv6 = false;
    std::map<std::string, std::string> driver_options;
    std::string ipam_driver;  ///< empty: "default"
    std::vector<IpamPool> ipam_pools;
    std::map<std::string, std::string> ipam_options;
};

/// How a container is attached to one network.
struct NetworkEndpoint {
    std::vector<std::string> aliases;
    std::string ipv4_address;  ///< empty: the engine picks
    std::string ipv6_address;
    std::vector<std::string> link_local_ips;
};

struct NetworkInfo {
    std::string id;
    std::string name;
    std::string driver;
    std::map<std::string, std::string> labels;
};

struct VolumeSpec {
    std::string name;
    std::string driver = "local";
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> driver_options;
};

struct VolumeInfo {
    std::string name;
    std::string driver;
    std::string mountpoint;
    std::map<std::string, std::string> labels;
};

struct ExecOptions {
    std::map<std::string, std::string> environment;
    std::string user;
    std::string working_dir;
    bool tty = false;
    /// Run with every capability and device access (compose's hook `privileged`).
    bool privileged = false;
    /// Start the command and return at once (docker compose exec -d): the
    /// result then has exit code 0 and no output.
    bool detach = false;
};

struct ExecResult {
    int exit_code = 0;
    std::string stdout_text;
    std::string stderr_text;
};

/// An engine event, normalised across Docker and Podman.
struct Event {
    std::string type;    ///< container, image, network, volume, ...
    std::string action;  ///< create, start, die, health_status, ... (no ": healthy" suffix)
    std::string id;      ///< the object's id
    std::string name;    ///< the object's name when the engine gives one
    /// For health_status events: "healthy", "unhealthy" or "starting", from
    /// Docker's "health_status: healthy" action or Podman's separate field.
    std::string health_status;
    std::optional<int> exit_code;  ///< for die events
    std::map<std::string, std::string> attributes;
    std::int64_t time_nanoseconds = 0;
};

struct EventFilter {
    std::vector<std::string> types;   ///< container, image, ...
    std::vector<std::string> events;  ///< start, die, health_status, ...
    std::vector<std::string> labels;  ///< "key" or "key=value"
    std::vector<std::string> containers;
    std::optional<std::chrono::system_clock::time_point> since;
    std::optional<std::chrono::system_clock::time_point> until;
};

}  // namespace berth
