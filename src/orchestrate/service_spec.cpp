#include "orchestrate/service_spec.hpp"

#include <berth/orchestrate.hpp>

#include "engine/container_body.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace berth::orchestrate {

namespace {

int port_number(const std::string& text) {
    if (text.empty())
        return 0;
    try {
        return std::stoi(text);
    } catch (const std::exception&) {
        return 0;
    }
}

DeviceMapping parse_device(const std::string& text) {
    DeviceMapping device;
    auto first = text.find(':');
    device.host_path = text.substr(0, first);
    device.container_path = device.host_path;
    if (first != std::string::npos) {
        auto second = text.find(':', first + 1);
        device.container_path = text.substr(
            first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
        if (second != std::string::npos)
            device.permissions = text.substr(second + 1);
    }
    return device;
}

Healthcheck engine_healthcheck(const compose::ServiceHealthcheck& check) {
    Healthcheck result;
    if (!check.runs_a_test()) {
        result.test = {"NONE"};
        return result;
    }
    result.test = check.test;
    result.interval = check.interval.value_or(compose::Duration{0});
    result.timeout = check.timeout.value_or(compose::Duration{0});
    result.start_period = check.start_period.value_or(compose::Duration{0});
    result.start_interval = check.start_interval.value_or(compose::Duration{0});
    result.retries = check.retries.value_or(0);
    return result;
}

/// The rest of a compose build section that the engines' build API takes.
void build_environment(const std::string& service, const compose::BuildSpec& spec,
                       BuildOptions& build) {
    build.dockerfile_inline = spec.dockerfile_inline;
    for (auto host : spec.extra_hosts) {
        if (auto equals = host.find('='); equals != std::string::npos)
            host[equals] = ':';
        build.extra_hosts.push_back(host);
    }
    build.network = spec.network;
    build.shm_size_bytes = spec.shm_size_bytes;
    build.cache_from = spec.cache_from;
    build.no_cache = spec.no_cache.value_or(false);
    build.pull = spec.pull.value_or(false);
    if (spec.platforms.size() > 1) {
        throw UsageError("service " + service + ": build.platforms names " +
                         std::to_string(spec.platforms.size()) +
                         " platforms: a build for several makes a manifest list, which the "
                         "engines' build API cannot (it builds one platform); keep one");
    }
    if (!spec.platforms.empty())
        build.platform = spec.platforms.front();
}

// Service keys whose value the engine takes as it is, each a row: the
// compose field and the spec field it fills.
template <typename Value, typename Target = compose::Service>
struct Copy {
    Value compose::Service::*from;
    Value Target::*to;
};

const Copy<std::string, ContainerSpec> string_copies[] = {
    {&compose::Service::hostname, &ContainerSpec::hostname},
    {&compose::Service::domainname, &ContainerSpec::domainname},
    {&compose::Service::user, &ContainerSpec::user},
    {&compose::Service::working_dir, &ContainerSpec::working_dir},
    {&compose::Service::stop_signal, &ContainerSpec::stop_signal},
    {&compose::Service::mac_address, &ContainerSpec::mac_address},
    {&compose::Service::pid, &ContainerSpec::pid_mode},
    {&compose::Service::ipc, &ContainerSpec::ipc_mode},
    {&compose::Service::uts, &ContainerSpec::uts_mode},
    {&compose::Service::userns_mode, &ContainerSpec::userns_mode},
    {&compose::Service::cgroup, &ContainerSpec::cgroupns_mode},
    {&compose::Service::cgroup_parent, &ContainerSpec::cgroup_parent},
    {&compose::Service::runtime, &ContainerSpec::runtime},
};

const Copy<std::vector<std::string>, ContainerSpec> list_copies[] = {
    {&compose::Service::cap_add, &ContainerSpec::cap_add},
    {&compose::Service::cap_drop, &ContainerSpec::cap_drop},
    {&compose::Service::security_opt, &ContainerSpec::security_opt},
    {&compose::Service::dns, &ContainerSpec::dns},
    {&compose::Service::dns_search, &ContainerSpec::dns_search},
    {&compose::Service::dns_opt, &ContainerSpec::dns_options},
    {&compose::Service::group_add, &ContainerSpec::group_add},
};

const Copy<std::map<std::string, std::string>, ContainerSpec> map_copies[] = {
    {&compose::Service::sysctls, &ContainerSpec::sysctls},
    {&compose::Service::storage_opt, &ContainerSpec::storage_options},
};

const Copy<std::optional<std::int64_t>, ResourceLimits> resource_copies[] = {
    {&compose::Service::mem_limit_bytes, &ResourceLimits::memory_bytes},
    {&compose::Service::memswap_limit_bytes, &ResourceLimits::memory_swap_bytes},
    {&compose::Service::mem_reservation_bytes, &ResourceLimits::memory_reservation_bytes},
    {&compose::Service::mem_swappiness, &ResourceLimits::memory_swappiness},
    {&compose::Service::cpu_shares, &ResourceLimits::cpu_shares},
    {&compose::Service::cpu_period, &ResourceLimits::cpu_period},
    {&compose::Service::cpu_quota, &ResourceLimits::cpu_quota},
    {&compose::Service::cpu_rt_period, &ResourceLimits::cpu_realtime_period},
    {&compose::Service::cpu_rt_runtime, &ResourceLimits::cpu_realtime_runtime},
    {&compose::Service::pids_limit, &ResourceLimits::pids_limit},
};

template <typename Value, typename Target, std::size_t N>
void copy_all(const compose::Service& service, Target& target,
              const Copy<Value, Target> (&table)[N]) {
    for (const auto& row : table)
        target.*(row.to) = service.*(row.from);
}

void copy_service_fields(const compose::Service& service, ContainerSpec& spec) {
    copy_all(service, spec, string_copies);
    copy_all(service, spec, list_copies);
    copy_all(service, spec, map_copies);
    spec.read_only_root = service.read_only.value_or(false);
    spec.oom_score_adj = service.oom_score_adj;
    if (service.logging) {
        spec.log_config.driver = service.logging->driver;
        spec.log_config.options = service.logging->options;
    }
}

std::int64_t nano_cpus(double cpus) {
    return static_cast<std::int64_t>(std::llround(cpus * 1e9));
}

// The service keys first, then deploy.resources over them, as docker compose
// v2 does. A CPU reservation is refused (refused_keys): no single engine has it.
void apply_resources(const compose::Service& service, ContainerSpec& spec) {
    ResourceLimits& limits = spec.resources;
    copy_all(service, limits, resource_copies);
    if (service.cpus)
        limits.nano_cpus = nano_cpus(*service.cpus);
    limits.cpuset_cpus = service.cpuset;
    limits.oom_kill_disable = service.oom_kill_disable;
    limits.device_cgroup_rules = service.device_cgroup_rules;
    spec.shm_size_bytes = service.shm_size_bytes;
    if (!service.deploy || !service.deploy->resources)
        return;
    if (const auto& limit = service.deploy->resources->limits) {
        if (limit->memory_bytes)
            limits.memory_bytes = limit->memory_bytes;
        if (limit->cpus)
            limits.nano_cpus = nano_cpus(*limit->cpus);
        if (limit->pids)
            limits.pids_limit = limit->pids;
    }
    if (const auto& reservation = service.deploy->resources->reservations) {
        if (reservation->memory_bytes)
            limits.memory_reservation_bytes = reservation->memory_bytes;
    }
}

// `restart`, or deploy.restart_policy over it (its condition named as the
// engine names it; delay and window have no engine field and are refused).
RestartPolicy restart_policy(const compose::Service& service) {
    RestartPolicy policy;
    if (!service.restart.empty()) {
        auto colon = service.restart.find(':');
        policy.name = service.restart.substr(0, colon);
        if (colon != std::string::npos)
            policy.maximum_retry_count = port_number(service.restart.substr(colon + 1));
    }
    if (service.deploy && service.deploy->restart_policy) {
        const auto& deploy = *service.deploy->restart_policy;
        static const std::map<std::string, std::string> engine_names = {
            {"none", "no"}, {"on-failure", "on-failure"}, {"any", "always"}, {"", "always"}};
        policy.name = engine_names.at(deploy.condition);
        policy.maximum_retry_count =
            policy.name == "on-failure" ? static_cast<int>(deploy.max_attempts.value_or(0)) : 0;
    }
    return policy;
}

std::optional<Mount> engine_mount(const compose::Project& project,
                                  const compose::ServiceVolume& volume) {
    Mount mount;
    mount.target = volume.target;
    mount.read_only = volume.read_only;
    switch (volume.type) {
        case compose::ServiceVolume::Type::bind:
            mount.type = Mount::Type::bind;
            mount.source = volume.source;
            mount.bind_propagation = volume.bind_propagation;
            mount.selinux_label = volume.selinux;
            mount.create_host_path = volume.create_host_path.value_or(false);
            mount.bind_non_recursive = volume.bind_recursive == "disabled";
            return mount;
        case compose::ServiceVolume::Type::volume: {
            mount.type = Mount::Type::volume;
            auto named = project.volumes.find(volume.source);
            mount.source = named == project.volumes.end() ? volume.source : named->second.name;
            mount.volume_no_copy = volume.volume_nocopy.value_or(false);
            mount.volume_labels = volume.volume_labels;
            return mount;
        }
        case compose::ServiceVolume::Type::tmpfs:
            mount.type = Mount::Type::tmpfs;
            mount.tmpfs_size_bytes = volume.tmpfs_size_bytes;
            mount.tmpfs_mode = volume.tmpfs_mode;
            return mount;
        case compose::ServiceVolume::Type::image:
        case compose::ServiceVolume::Type::npipe:
        case compose::ServiceVolume::Type::cluster:
            break;
    }
    // refused_keys() stops `up` before any container is made.
    return std::nullopt;
}

}  // namespace

std::string container_name(const compose::Project& project, const compose::Service& service,
                           int number);

namespace {

/// The first container of a service the file names, for `links` and
/// `volumes_from`, which name services (the loader checked they exist).
std::string first_container_of(const compose::Project& project, const std::string& name) {
    for (const auto& each : project.services) {
        if (each.name == name)
            return container_name(project, each, 1);
    }
    return name;
}

/// `links: [SERVICE[:ALIAS]]` as endpoint links to the service's first
/// container under the names docker-compose gives it: the alias (default the
/// service's name), the container's name and SERVICE-1. And `volumes_from:
/// [SERVICE|container:NAME[:ro|rw]]` with the service's first container named.
void apply_links_and_volumes_from(const compose::Project& project, const compose::Service& service,
                                  ContainerSpec& spec) {
    for (const auto& link : service.links) {
        auto colon = link.find(':');
        std::string target = link.substr(0, colon);
        std::string alias = colon == std::string::npos ? target : link.substr(colon + 1);
        const std::string container = first_container_of(project, target);
        for (const auto& name : {alias, container, target + "-1"}) {
            const std::string entry = container + ":" + name;
            if (std::find(spec.network_links.begin(), spec.network_links.end(), entry) ==
                spec.network_links.end())
                spec.network_links.push_back(entry);
        }
    }
    for (const auto& entry : service.volumes_from) {
        std::string source = entry;
        std::string mode;
        if (auto colon = entry.rfind(':');
            colon != std::string::npos &&
            (entry.substr(colon) == ":ro" || entry.substr(colon) == ":rw")) {
            source = entry.substr(0, colon);
            mode = entry.substr(colon);
        }
        bool is_container = source.rfind("container:", 0) == 0;
        spec.volumes_from.push_back(
            (is_container ? source.substr(10) : first_container_of(project, source)) + mode);
    }
}

}  // namespace

std::string container_name(const compose::Project& project, const compose::Service& service,
                           int number) {
    if (!service.container_name.empty())
        return service.container_name;
    return project.name + "-" + service.name + "-" + std::to_string(number);
}

int replica_count(const compose::Service& service) {
    std::optional<std::int64_t> replicas;
    if (service.deploy)
        replicas = service.deploy->replicas;
    if (service.scale && replicas && *service.scale != *replicas) {
        throw UsageError("service " + service.name + ": scale (" + std::to_string(*service.scale) +
                         ") and deploy.replicas (" + std::to_string(*replicas) +
                         ") disagree; set one of them");
    }
    std::int64_t count = service.scale.value_or(replicas.value_or(1));
    if (count > 1 && !service.container_name.empty()) {
        throw UsageError("service " + service.name + " sets container_name '" +
                         service.container_name + "', which " + std::to_string(count) +
                         " containers cannot share; remove container_name or run one replica");
    }
    return static_cast<int>(count);
}

std::string image_name(const compose::Project& project, const compose::Service& service) {
    if (!service.image.empty())
        return service.image;
    return project.name + "-" + service.name;
}

BuildOptions build_options(const compose::Project& project, const compose::Service& service) {
    BuildOptions build;
    build.context_dir = service.build->context;
    build.dockerfile = service.build->dockerfile;
    build.tags = {image_name(project, service)};
    for (const auto& [argument, value] : service.build->args) {
        if (value)
            build.build_args[argument] = *value;
    }
    build.labels = service.build->labels;
    build.target = service.build->target;
    build_environment(service.name, *service.build, build);
    build.tags.insert(build.tags.end(), service.build->tags.begin(), service.build->tags.end());
    return build;
}

std::vector<std::pair<std::string, NetworkEndpoint>> service_networks(
    const compose::Project& project, const compose::Service& service) {
    std::vector<std::pair<std::string, NetworkEndpoint>> result;
    if (!service.network_mode.empty())
        return result;
    std::vector<std::pair<int, std::string>> by_priority;
    for (const auto& [key, attachment] : service.networks)
        by_priority.emplace_back(attachment.priority.value_or(0), key);
    // The highest priority first (it is the one attached at creation); ties by name.
    std::stable_sort(by_priority.begin(), by_priority.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [priority, key] : by_priority) {
        const compose::ServiceNetwork& attachment = service.networks.at(key);
        auto network = project.networks.find(key);
        std::string name = network == project.networks.end() ? key : network->second.name;
        NetworkEndpoint endpoint;
        endpoint.aliases = {service.name};
        for (const auto& alias : attachment.aliases) {
            if (alias != service.name)
                endpoint.aliases.push_back(alias);
        }
        endpoint.ipv4_address = attachment.ipv4_address;
        endpoint.ipv6_address = attachment.ipv6_address;
        endpoint.link_local_ips = attachment.link_local_ips;
        result.emplace_back(name, endpoint);
    }
    return result;
}

NetworkSpec network_spec(const compose::Network& network) {
    NetworkSpec spec;
    spec.name = network.name;
    if (!network.driver.empty())
        spec.driver = network.driver;
    spec.labels = network.labels;
    spec.internal = network.internal.value_or(false);
    spec.attachable = network.attachable.value_or(false);
    spec.enable_ipv6 = network.enable_ipv6.value_or(false);
    spec.driver_options = network.driver_opts;
    if (network.ipam) {
        spec.ipam_driver = network.ipam->driver;
        spec.ipam_options = network.ipam->options;
        for (const auto& pool : network.ipam->config) {
            spec.ipam_pools.push_back(
                {pool.subnet, pool.ip_range, pool.gateway, pool.aux_addresses});
        }
    }
    return spec;
}

ContainerSpec container_spec(const compose::Project& project, const compose::Service& service,
                             const std::string& image, int number) {
    ContainerSpec spec;
    spec.name = container_name(project, service, number);
    spec.image = image;
    spec.command = service.command;
    spec.entrypoint = service.entrypoint;
    for (const auto& [name, value] : service.environment) {
        if (value)
            spec.environment[name] = *value;
    }
    spec.labels = service.labels;
    spec.labels[compose_labels::project] = project.name;
    spec.labels[compose_labels::service] = service.name;
    spec.labels[compose_labels::container_number] = std::to_string(number);
    spec.labels[compose_labels::oneoff] = "False";
    spec.labels[compose_labels::working_dir] = project.working_directory;
    std::string files;
    for (const auto& file : project.source_files)
        files += (files.empty() ? "" : ",") + file;
    spec.labels[compose_labels::config_files] = files;
    spec.labels[compose_labels::version] = "1.29.2";
    copy_service_fields(service, spec);
    apply_links_and_volumes_from(project, service, spec);
    spec.tty = service.tty.value_or(false);
    spec.open_stdin = service.stdin_open.value_or(false);
    spec.init = service.init.value_or(false);
    spec.privileged = service.privileged.value_or(false);
    for (const auto& port : service.ports) {
        std::string published = port.published.substr(0, port.published.find('-'));
        spec.ports.push_back({port.target, port.protocol, port.host_ip, port_number(published)});
    }
    for (const auto& exposed : service.expose) {
        spec.exposed_ports.push_back(exposed.find('/') == std::string::npos ? exposed + "/tcp"
                                                                            : exposed);
    }
    for (const auto& volume : service.volumes) {
        if (auto mount = engine_mount(project, volume))
            spec.mounts.push_back(*mount);
    }
    for (const auto& tmpfs : service.tmpfs) {
        Mount mount;
        mount.type = Mount::Type::tmpfs;
        auto colon = tmpfs.find(':');
        mount.target = tmpfs.substr(0, colon);
        mount.tmpfs_options = colon == std::string::npos ? "" : tmpfs.substr(colon + 1);
        spec.mounts.push_back(mount);
    }
    for (const auto& device : service.devices)
        spec.devices.push_back(parse_device(device));
    for (const auto& [name, limit] : service.ulimits)
        spec.ulimits.push_back({name, limit.soft, limit.hard});
    for (auto host : service.extra_hosts) {
        if (auto equals = host.find('='); equals != std::string::npos)
            host[equals] = ':';
        spec.extra_hosts.push_back(host);
    }
    apply_resources(service, spec);
    if (service.healthcheck)
        spec.healthcheck = engine_healthcheck(*service.healthcheck);
    if (service.stop_grace_period) {
        spec.stop_timeout =
            std::chrono::duration_cast<std::chrono::seconds>(*service.stop_grace_period);
    }
    spec.restart = restart_policy(service);
    if (!service.network_mode.empty()) {
        spec.network = service.network_mode;
    } else {
        auto networks = service_networks(project, service);
        if (!networks.empty()) {
            const auto& [network, endpoint] = networks.front();
            spec.network = network;
            spec.network_aliases = endpoint.aliases;
            spec.network_ipv4_address = endpoint.ipv4_address;
            spec.network_ipv6_address = endpoint.ipv6_address;
            spec.network_link_local_ips = endpoint.link_local_ips;
        }
    }
    return spec;
}

std::string config_hash(const ContainerSpec& spec, const std::string& image_id) {
    // FNV-1a over the create body and the image id: stable across runs and
    // machines, which is all a change detector needs.
    std::string text = detail::container_create_body(spec).dump() + "\n" + image_id;
    std::uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    return hex;
}

}  // namespace berth::orchestrate
