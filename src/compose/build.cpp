#include <berth/compose/units.hpp>

#include <algorithm>

#include "normalize.hpp"
#include "stages.hpp"

namespace berth::compose::detail {

namespace {

// The tree is normalised and validated: every lookup below only has to cope
// with a key being absent, never with a wrong type.

bool is_extension(const std::string& key) {
    return key.rfind("x-", 0) == 0;
}

Extensions extensions_of(const Node& node) {
    Extensions extensions;
    for (const auto& entry : node.entries) {
        if (is_extension(entry.key)) {
            extensions[entry.key] = to_json_value(entry.value);
        }
    }
    return extensions;
}

std::string text(const Node& node, const char* key) {
    const Node* value = node.find(key);
    return value && value->is_scalar() ? value->scalar : std::string();
}

std::optional<bool> flag(const Node& node, const char* key) {
    const Node* value = node.find(key);
    if (!value) {
        return std::nullopt;
    }
    return value->scalar == "true";
}

std::optional<long long> number(const Node& node, const char* key) {
    const Node* value = node.find(key);
    return value ? parse_integer(value->scalar) : std::nullopt;
}

std::optional<Duration> duration(const Node& node, const char* key) {
    const Node* value = node.find(key);
    return value ? parse_duration(value->scalar) : std::nullopt;
}

std::optional<std::int64_t> size(const Node& node, const char* key) {
    const Node* value = node.find(key);
    return value ? parse_byte_size(value->scalar) : std::nullopt;
}

std::vector<std::string> strings(const Node& node, const char* key) {
    std::vector<std::string> result;
    if (const Node* list = node.find(key)) {
        for (const auto& item : list->items) {
            result.push_back(item.scalar);
        }
    }
    return result;
}

std::map<std::string, std::string> string_map(const Node& node, const char* key) {
    std::map<std::string, std::string> result;
    if (const Node* mapping = node.find(key)) {
        for (const auto& entry : mapping->entries) {
            result[entry.key] = entry.value.scalar;
        }
    }
    return result;
}

std::map<std::string, std::optional<std::string>> optional_map(const Node& node, const char* key) {
    std::map<std::string, std::optional<std::string>> result;
    if (const Node* mapping = node.find(key)) {
        for (const auto& entry : mapping->entries) {
            result[entry.key] =
                entry.value.is_null() ? std::nullopt : std::optional(entry.value.scalar);
        }
    }
    return result;
}

BuildSpec build_spec(const Node& node) {
    BuildSpec build;
    build.context = text(node, "context");
    build.dockerfile = text(node, "dockerfile");
    build.args = optional_map(node, "args");
    build.target = text(node, "target");
    build.labels = string_map(node, "labels");
    build.cache_from = strings(node, "cache_from");
    build.network = text(node, "network");
    build.shm_size_bytes = size(node, "shm_size");
    build.extensions = extensions_of(node);
    return build;
}

ServiceHealthcheck healthcheck(const Node& node) {
    ServiceHealthcheck check;
    check.test = strings(node, "test");
    check.interval = duration(node, "interval");
    check.timeout = duration(node, "timeout");
    check.start_period = duration(node, "start_period");
    check.start_interval = duration(node, "start_interval");
    if (auto retries = number(node, "retries")) {
        check.retries = static_cast<int>(*retries);
    }
    check.disable = flag(node, "disable").value_or(false);
    check.extensions = extensions_of(node);
    return check;
}

ServicePort port(const Node& node) {
    ServicePort result;
    result.target = static_cast<int>(number(node, "target").value_or(0));
    result.published = text(node, "published");
    result.host_ip = text(node, "host_ip");
    result.protocol = text(node, "protocol");
    result.mode = text(node, "mode");
    result.name = text(node, "name");
    result.app_protocol = text(node, "app_protocol");
    result.extensions = extensions_of(node);
    return result;
}

ServiceVolume volume(const Node& node) {
    ServiceVolume result;
    const std::string type = text(node, "type");
    result.type = type == "bind"    ? ServiceVolume::Type::bind
                  : type == "tmpfs" ? ServiceVolume::Type::tmpfs
                                    : ServiceVolume::Type::volume;
    result.source = text(node, "source");
    result.target = text(node, "target");
    result.read_only = flag(node, "read_only").value_or(false);
    result.consistency = text(node, "consistency");
    if (const Node* bind = node.find("bind")) {
        result.create_host_path = flag(*bind, "create_host_path");
        result.bind_propagation = text(*bind, "propagation");
        result.selinux = text(*bind, "selinux");
    }
    if (const Node* options = node.find("volume")) {
        result.volume_nocopy = flag(*options, "nocopy");
    }
    if (const Node* options = node.find("tmpfs")) {
        result.tmpfs_size_bytes = size(*options, "size");
        if (auto mode = number(*options, "mode")) {
            result.tmpfs_mode = static_cast<int>(*mode);
        }
    }
    result.extensions = extensions_of(node);
    return result;
}

DependencyCondition condition_from(const std::string& text) {
    if (text == "service_healthy") {
        return DependencyCondition::service_healthy;
    }
    if (text == "service_completed_successfully") {
        return DependencyCondition::service_completed_successfully;
    }
    return DependencyCondition::service_started;
}

Service service(const std::string& name, const Node& node) {
    Service result;
    result.name = name;
    result.image = text(node, "image");
    if (const Node* build = node.find("build")) {
        result.build = build_spec(*build);
    }
    if (node.find("command")) {
        result.command = strings(node, "command");
    }
    if (node.find("entrypoint")) {
        result.entrypoint = strings(node, "entrypoint");
    }
    result.environment = optional_map(node, "environment");
    if (const Node* env_files = node.find("env_file")) {
        for (const auto& item : env_files->items) {
            result.env_file.push_back(text(item, "path"));
        }
    }
    if (const Node* ports = node.find("ports")) {
        for (const auto& item : ports->items) {
            result.ports.push_back(port(item));
        }
    }
    result.expose = strings(node, "expose");
    if (const Node* volumes = node.find("volumes")) {
        for (const auto& item : volumes->items) {
            result.volumes.push_back(volume(item));
        }
    }
    result.tmpfs = strings(node, "tmpfs");
    if (const Node* networks = node.find("networks")) {
        for (const auto& entry : networks->entries) {
            ServiceNetwork network;
            network.aliases = strings(entry.value, "aliases");
            network.ipv4_address = text(entry.value, "ipv4_address");
            network.ipv6_address = text(entry.value, "ipv6_address");
            if (auto priority = number(entry.value, "priority")) {
                network.priority = static_cast<int>(*priority);
            }
            network.extensions = extensions_of(entry.value);
            result.networks[entry.key] = std::move(network);
        }
    }
    result.network_mode = text(node, "network_mode");
    if (result.networks.empty() && result.network_mode.empty()) {
        result.networks["default"] = ServiceNetwork{};
    }
    result.hostname = text(node, "hostname");
    result.domainname = text(node, "domainname");
    result.container_name = text(node, "container_name");
    result.init = flag(node, "init");
    result.privileged = flag(node, "privileged");
    result.read_only = flag(node, "read_only");
    result.tty = flag(node, "tty");
    result.stdin_open = flag(node, "stdin_open");
    result.cap_add = strings(node, "cap_add");
    result.cap_drop = strings(node, "cap_drop");
    result.security_opt = strings(node, "security_opt");
    result.devices = strings(node, "devices");
    if (const Node* ulimits = node.find("ulimits")) {
        for (const auto& entry : ulimits->entries) {
            result.ulimits[entry.key] = ServiceUlimit{number(entry.value, "soft").value_or(0),
                                                      number(entry.value, "hard").value_or(0)};
        }
    }
    result.shm_size_bytes = size(node, "shm_size");
    result.mem_limit_bytes = size(node, "mem_limit");
    result.user = text(node, "user");
    result.working_dir = text(node, "working_dir");
    result.labels = string_map(node, "labels");
    result.extra_hosts = strings(node, "extra_hosts");
    result.dns = strings(node, "dns");
    result.sysctls = string_map(node, "sysctls");
    result.restart = text(node, "restart");
    result.stop_signal = text(node, "stop_signal");
    result.stop_grace_period = duration(node, "stop_grace_period");
    if (const Node* check = node.find("healthcheck")) {
        result.healthcheck = healthcheck(*check);
    }
    if (const Node* depends_on = node.find("depends_on")) {
        for (const auto& entry : depends_on->entries) {
            result.depends_on.push_back(Dependency{entry.key,
                                                   condition_from(text(entry.value, "condition")),
                                                   flag(entry.value, "required").value_or(true),
                                                   flag(entry.value, "restart").value_or(false)});
        }
        std::sort(result.depends_on.begin(), result.depends_on.end(),
                  [](const Dependency& a, const Dependency& b) { return a.service < b.service; });
    }
    result.profiles = strings(node, "profiles");
    result.platform = text(node, "platform");
    result.pull_policy = text(node, "pull_policy");
    result.pid = text(node, "pid");
    result.ipc = text(node, "ipc");
    result.extensions = extensions_of(node);
    return result;
}

std::string engine_name(const Node& node, const std::string& key, const std::string& project) {
    const std::string written = text(node, "name");
    if (!written.empty()) {
        return written;
    }
    if (flag(node, "external").value_or(false)) {
        return key;
    }
    return project + "_" + key;
}

std::vector<Service> services_of(const Node* services) {
    std::vector<Service> result;
    if (services) {
        for (const auto& entry : services->entries) {
            result.push_back(service(entry.key, entry.value));
        }
    }
    std::sort(result.begin(), result.end(),
              [](const Service& a, const Service& b) { return a.name < b.name; });
    return result;
}

}  // namespace

nlohmann::json to_json_value(const Node& node) {
    switch (node.kind) {
        case Node::Kind::null:
            return nullptr;
        case Node::Kind::scalar:
            if (node.plain) {
                if (auto boolean = parse_boolean(node.scalar)) {
                    return *boolean;
                }
                if (auto integer = parse_integer(node.scalar)) {
                    return *integer;
                }
                if (node.scalar == "~" || node.scalar == "null" || node.scalar == "Null" ||
                    node.scalar == "NULL") {
                    return nullptr;
                }
            }
            return node.scalar;
        case Node::Kind::sequence: {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& item : node.items) {
                list.push_back(to_json_value(item));
            }
            return list;
        }
        case Node::Kind::mapping: {
            nlohmann::json object = nlohmann::json::object();
            for (const auto& entry : node.entries) {
                object[entry.key] = to_json_value(entry.value);
            }
            return object;
        }
    }
    return nullptr;
}

Project build_project(const Node& root, const Node& disabled, const std::string& project_name) {
    Project project;
    project.name = project_name;
    project.services = services_of(root.find("services"));
    project.disabled_services = services_of(&disabled);
    if (const Node* networks = root.find("networks")) {
        for (const auto& entry : networks->entries) {
            const Node& node = entry.value;
            Network network;
            network.key = entry.key;
            network.name = engine_name(node, entry.key, project_name);
            network.driver = text(node, "driver");
            network.driver_opts = string_map(node, "driver_opts");
            network.external = flag(node, "external").value_or(false);
            network.internal = flag(node, "internal");
            network.attachable = flag(node, "attachable");
            network.enable_ipv6 = flag(node, "enable_ipv6");
            network.labels = string_map(node, "labels");
            if (const Node* ipam = node.find("ipam")) {
                Ipam result;
                result.driver = text(*ipam, "driver");
                result.options = string_map(*ipam, "options");
                if (const Node* config = ipam->find("config")) {
                    for (const auto& pool : config->items) {
                        result.config.push_back(
                            IpamPool{text(pool, "subnet"), text(pool, "ip_range"),
                                     text(pool, "gateway"), string_map(pool, "aux_addresses")});
                    }
                }
                network.ipam = std::move(result);
            }
            network.extensions = extensions_of(node);
            project.networks[entry.key] = std::move(network);
        }
    }
    const bool default_used =
        std::any_of(project.services.begin(), project.services.end(),
                    [](const Service& service) { return service.networks.count("default") != 0; });
    if (default_used && project.networks.count("default") == 0) {
        Network network;
        network.key = "default";
        network.name = project_name + "_default";
        network.implicit = true;
        project.networks["default"] = std::move(network);
    }
    if (const Node* volumes = root.find("volumes")) {
        for (const auto& entry : volumes->entries) {
            const Node& node = entry.value;
            Volume volume;
            volume.key = entry.key;
            volume.name = engine_name(node, entry.key, project_name);
            volume.driver = text(node, "driver");
            volume.driver_opts = string_map(node, "driver_opts");
            volume.external = flag(node, "external").value_or(false);
            volume.labels = string_map(node, "labels");
            volume.extensions = extensions_of(node);
            project.volumes[entry.key] = std::move(volume);
        }
    }
    project.extensions = extensions_of(root);
    return project;
}

}  // namespace berth::compose::detail
