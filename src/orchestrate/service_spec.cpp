#include "orchestrate/service_spec.hpp"

#include <berth/orchestrate.hpp>

#include "engine/container_body.hpp"

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
    return build;
}

std::vector<std::pair<std::string, std::vector<std::string>>> service_networks(
    const compose::Project& project, const compose::Service& service) {
    std::vector<std::pair<std::string, std::vector<std::string>>> result;
    if (!service.network_mode.empty())
        return result;
    for (const auto& [key, attachment] : service.networks) {
        auto network = project.networks.find(key);
        std::string name = network == project.networks.end() ? key : network->second.name;
        std::vector<std::string> aliases = {service.name};
        for (const auto& alias : attachment.aliases) {
            if (alias != service.name)
                aliases.push_back(alias);
        }
        result.emplace_back(name, aliases);
    }
    return result;
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
    spec.hostname = service.hostname;
    spec.domainname = service.domainname;
    spec.user = service.user;
    spec.working_dir = service.working_dir;
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
        Mount mount;
        mount.target = volume.target;
        mount.read_only = volume.read_only;
        switch (volume.type) {
            case compose::ServiceVolume::Type::bind:
                mount.type = Mount::Type::bind;
                mount.source = volume.source;
                break;
            case compose::ServiceVolume::Type::volume: {
                mount.type = Mount::Type::volume;
                auto named = project.volumes.find(volume.source);
                mount.source = named == project.volumes.end() ? volume.source : named->second.name;
                break;
            }
            case compose::ServiceVolume::Type::tmpfs:
                mount.type = Mount::Type::tmpfs;
                mount.tmpfs_size_bytes = volume.tmpfs_size_bytes;
                break;
            case compose::ServiceVolume::Type::image:
            case compose::ServiceVolume::Type::npipe:
            case compose::ServiceVolume::Type::cluster:
                // refused_keys() stops `up` before any container is made.
                continue;
        }
        spec.mounts.push_back(mount);
    }
    for (const auto& tmpfs : service.tmpfs) {
        Mount mount;
        mount.type = Mount::Type::tmpfs;
        mount.target = tmpfs.substr(0, tmpfs.find(':'));
        spec.mounts.push_back(mount);
    }
    spec.cap_add = service.cap_add;
    spec.cap_drop = service.cap_drop;
    spec.security_opt = service.security_opt;
    for (const auto& device : service.devices)
        spec.devices.push_back(parse_device(device));
    for (const auto& [name, limit] : service.ulimits)
        spec.ulimits.push_back({name, limit.soft, limit.hard});
    for (auto host : service.extra_hosts) {
        if (auto equals = host.find('='); equals != std::string::npos)
            host[equals] = ':';
        spec.extra_hosts.push_back(host);
    }
    spec.sysctls = service.sysctls;
    spec.shm_size_bytes = service.shm_size_bytes;
    if (service.healthcheck)
        spec.healthcheck = engine_healthcheck(*service.healthcheck);
    spec.stop_signal = service.stop_signal;
    if (service.stop_grace_period) {
        spec.stop_timeout =
            std::chrono::duration_cast<std::chrono::seconds>(*service.stop_grace_period);
    }
    if (!service.restart.empty()) {
        auto colon = service.restart.find(':');
        spec.restart.name = service.restart.substr(0, colon);
        if (colon != std::string::npos)
            spec.restart.maximum_retry_count = port_number(service.restart.substr(colon + 1));
    }
    if (!service.network_mode.empty()) {
        spec.network = service.network_mode;
    } else {
        auto networks = service_networks(project, service);
        if (!networks.empty()) {
            spec.network = networks.front().first;
            spec.network_aliases = networks.front().second;
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
