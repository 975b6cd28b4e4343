#include <berth/compose/serialize.hpp>
#include <berth/compose/units.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

namespace berth::compose {

namespace {

using nlohmann::json;

template <typename Value>
void put_if(json& object, const char* key, const Value& value, bool condition) {
    if (condition) {
        object[key] = value;
    }
}

void put_text(json& object, const char* key, const std::string& value) {
    put_if(object, key, value, !value.empty());
}

template <typename Value>
void put_optional(json& object, const char* key, const std::optional<Value>& value) {
    if (value) {
        object[key] = *value;
    }
}

void put_duration(json& object, const char* key, const std::optional<Duration>& value) {
    if (value) {
        object[key] = format_duration(*value);
    }
}

template <typename Container>
void put_list(json& object, const char* key, const Container& values) {
    put_if(object, key, values, !values.empty());
}

void put_extensions(json& object, const Extensions& extensions) {
    for (const auto& [key, value] : extensions) {
        object[key] = value;
    }
}

json optional_map(const std::map<std::string, std::optional<std::string>>& values) {
    json object = json::object();
    for (const auto& [key, value] : values) {
        object[key] = value ? json(*value) : json(nullptr);
    }
    return object;
}

json build_json(const BuildSpec& build) {
    json object = json::object();
    object["context"] = build.context;
    put_text(object, "dockerfile", build.dockerfile);
    if (!build.args.empty()) {
        object["args"] = optional_map(build.args);
    }
    put_text(object, "target", build.target);
    put_list(object, "labels", build.labels);
    put_list(object, "cache_from", build.cache_from);
    put_text(object, "network", build.network);
    put_optional(object, "shm_size", build.shm_size_bytes);
    put_extensions(object, build.extensions);
    return object;
}

json healthcheck_json(const ServiceHealthcheck& check) {
    json object = json::object();
    put_list(object, "test", check.test);
    put_duration(object, "interval", check.interval);
    put_duration(object, "timeout", check.timeout);
    put_duration(object, "start_period", check.start_period);
    put_duration(object, "start_interval", check.start_interval);
    put_optional(object, "retries", check.retries);
    put_if(object, "disable", true, check.disable);
    put_extensions(object, check.extensions);
    return object;
}

json port_json(const ServicePort& port) {
    json object = json::object();
    object["target"] = port.target;
    put_text(object, "published", port.published);
    put_text(object, "host_ip", port.host_ip);
    object["protocol"] = port.protocol;
    put_text(object, "mode", port.mode);
    put_text(object, "name", port.name);
    put_text(object, "app_protocol", port.app_protocol);
    put_extensions(object, port.extensions);
    return object;
}

json volume_json(const ServiceVolume& volume) {
    json object = json::object();
    object["type"] = volume.type == ServiceVolume::Type::bind    ? "bind"
                     : volume.type == ServiceVolume::Type::tmpfs ? "tmpfs"
                                                                 : "volume";
    put_text(object, "source", volume.source);
    object["target"] = volume.target;
    put_if(object, "read_only", true, volume.read_only);
    put_text(object, "consistency", volume.consistency);
    json bind = json::object();
    put_optional(bind, "create_host_path", volume.create_host_path);
    put_text(bind, "propagation", volume.bind_propagation);
    put_text(bind, "selinux", volume.selinux);
    put_if(object, "bind", bind, !bind.empty());
    json options = json::object();
    put_optional(options, "nocopy", volume.volume_nocopy);
    put_if(object, "volume", options, !options.empty());
    json tmpfs = json::object();
    put_optional(tmpfs, "size", volume.tmpfs_size_bytes);
    put_optional(tmpfs, "mode", volume.tmpfs_mode);
    put_if(object, "tmpfs", tmpfs, !tmpfs.empty());
    put_extensions(object, volume.extensions);
    return object;
}

json service_json(const Service& service) {
    json object = json::object();
    put_text(object, "image", service.image);
    if (service.build) {
        object["build"] = build_json(*service.build);
    }
    put_optional(object, "command", service.command);
    put_optional(object, "entrypoint", service.entrypoint);
    if (!service.environment.empty()) {
        object["environment"] = optional_map(service.environment);
    }
    if (!service.ports.empty()) {
        json ports = json::array();
        for (const auto& port : service.ports) {
            ports.push_back(port_json(port));
        }
        object["ports"] = ports;
    }
    put_list(object, "expose", service.expose);
    if (!service.volumes.empty()) {
        json volumes = json::array();
        for (const auto& volume : service.volumes) {
            volumes.push_back(volume_json(volume));
        }
        object["volumes"] = volumes;
    }
    put_list(object, "tmpfs", service.tmpfs);
    if (!service.networks.empty()) {
        json networks = json::object();
        for (const auto& [key, network] : service.networks) {
            json attachment = json::object();
            put_list(attachment, "aliases", network.aliases);
            put_text(attachment, "ipv4_address", network.ipv4_address);
            put_text(attachment, "ipv6_address", network.ipv6_address);
            put_optional(attachment, "priority", network.priority);
            put_extensions(attachment, network.extensions);
            networks[key] = attachment.empty() ? json(nullptr) : attachment;
        }
        object["networks"] = networks;
    }
    put_text(object, "network_mode", service.network_mode);
    put_text(object, "hostname", service.hostname);
    put_text(object, "domainname", service.domainname);
    put_text(object, "container_name", service.container_name);
    put_optional(object, "init", service.init);
    put_optional(object, "privileged", service.privileged);
    put_optional(object, "read_only", service.read_only);
    put_optional(object, "tty", service.tty);
    put_optional(object, "stdin_open", service.stdin_open);
    put_list(object, "cap_add", service.cap_add);
    put_list(object, "cap_drop", service.cap_drop);
    put_list(object, "security_opt", service.security_opt);
    put_list(object, "devices", service.devices);
    if (!service.ulimits.empty()) {
        json ulimits = json::object();
        for (const auto& [name, limit] : service.ulimits) {
            ulimits[name] = {{"soft", limit.soft}, {"hard", limit.hard}};
        }
        object["ulimits"] = ulimits;
    }
    put_optional(object, "shm_size", service.shm_size_bytes);
    put_optional(object, "mem_limit", service.mem_limit_bytes);
    put_text(object, "user", service.user);
    put_text(object, "working_dir", service.working_dir);
    put_list(object, "labels", service.labels);
    put_list(object, "extra_hosts", service.extra_hosts);
    put_list(object, "dns", service.dns);
    put_list(object, "sysctls", service.sysctls);
    put_text(object, "restart", service.restart);
    put_text(object, "stop_signal", service.stop_signal);
    put_duration(object, "stop_grace_period", service.stop_grace_period);
    if (service.healthcheck) {
        object["healthcheck"] = healthcheck_json(*service.healthcheck);
    }
    if (!service.depends_on.empty()) {
        json depends_on = json::object();
        for (const auto& dependency : service.depends_on) {
            json entry = {{"condition", to_string(dependency.condition)},
                          {"required", dependency.required}};
            put_if(entry, "restart", true, dependency.restart);
            depends_on[dependency.service] = entry;
        }
        object["depends_on"] = depends_on;
    }
    put_list(object, "profiles", service.profiles);
    put_text(object, "platform", service.platform);
    put_text(object, "pull_policy", service.pull_policy);
    put_text(object, "pid", service.pid);
    put_text(object, "ipc", service.ipc);
    put_extensions(object, service.extensions);
    return object;
}

json network_json(const Network& network) {
    json object = json::object();
    object["name"] = network.name;
    put_text(object, "driver", network.driver);
    put_list(object, "driver_opts", network.driver_opts);
    put_if(object, "external", true, network.external);
    put_optional(object, "internal", network.internal);
    put_optional(object, "attachable", network.attachable);
    put_optional(object, "enable_ipv6", network.enable_ipv6);
    if (network.ipam) {
        json ipam = json::object();
        put_text(ipam, "driver", network.ipam->driver);
        put_list(ipam, "options", network.ipam->options);
        if (!network.ipam->config.empty()) {
            json pools = json::array();
            for (const auto& pool : network.ipam->config) {
                json entry = json::object();
                put_text(entry, "subnet", pool.subnet);
                put_text(entry, "ip_range", pool.ip_range);
                put_text(entry, "gateway", pool.gateway);
                put_list(entry, "aux_addresses", pool.aux_addresses);
                pools.push_back(entry);
            }
            ipam["config"] = pools;
        }
        object["ipam"] = ipam;
    }
    put_list(object, "labels", network.labels);
    put_extensions(object, network.extensions);
    return object;
}

json volume_resource_json(const Volume& volume) {
    json object = json::object();
    object["name"] = volume.name;
    put_text(object, "driver", volume.driver);
    put_list(object, "driver_opts", volume.driver_opts);
    put_if(object, "external", true, volume.external);
    put_list(object, "labels", volume.labels);
    put_extensions(object, volume.extensions);
    return object;
}

// Strings a YAML reader (1.1 or 1.2) would take for another type must be
// quoted. Written by hand rather than as a std::regex: libstdc++'s regex
// recurses per character and overflows the stack on long values.
bool needs_quotes(const std::string& text) {
    if (text.empty() || text.front() == ' ' || text.back() == ' ') {
        return true;
    }
    // yaml-cpp prints control characters (a carriage return, say) raw in a
    // plain scalar, where a reader folds them; double quotes escape them.
    const bool has_control = std::any_of(text.begin(), text.end(), [](char character) {
        const auto byte = static_cast<unsigned char>(character);
        return byte < 0x20 || byte == 0x7F;
    });
    if (has_control) {
        return true;
    }
    static const std::set<std::string> words = {
        "~",     "null", "Null",  "NULL",  "true", "True", "TRUE", "false", "False",
        "FALSE", "yes",  "Yes",   "YES",   "no",   "No",   "NO",   "on",    "On",
        "ON",    "off",  "Off",   "OFF",   "y",    "Y",    "n",    "N",     ".inf",
        ".Inf",  ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN"};
    if (words.count(text) != 0) {
        return true;
    }
    // Anything that starts like a number (ints, floats, 0x.., 0o.., 1:30
    // sexagesimals, dates) is quoted; quoting a string needlessly is harmless.
    std::size_t start = (text[0] == '-' || text[0] == '+') ? 1 : 0;
    if (start < text.size() && text[start] == '.') {
        ++start;
    }
    if (start >= text.size() || !std::isdigit(static_cast<unsigned char>(text[start]))) {
        return false;
    }
    return std::all_of(
        text.begin() + static_cast<std::ptrdiff_t>(start), text.end(), [](char character) {
            return std::isxdigit(static_cast<unsigned char>(character)) ||
                   std::string_view("_.:+-xXoO").find(character) != std::string_view::npos;
        });
}

// The YAML output is itself a compose file: a literal $ must be written $$ or
// loading it again would interpolate.
std::string escape_dollars(const std::string& text) {
    std::string escaped;
    for (char character : text) {
        escaped += character;
        if (character == '$') {
            escaped += '$';
        }
    }
    return escaped;
}

void emit(YAML::Emitter& out, const json& value) {
    switch (value.type()) {
        case json::value_t::object:
            if (value.empty()) {
                out << YAML::Flow;
            }
            out << YAML::BeginMap;
            for (const auto& [key, item] : value.items()) {
                // YAML limits an implicit "key:" to 1024 characters as
                // printed, and escapes can print a byte as four; longer keys
                // need the explicit "? key" form to read back.
                if (key.size() > 250) {
                    out << YAML::LongKey;
                }
                out << YAML::Key;
                if (needs_quotes(key)) {
                    out << YAML::DoubleQuoted;
                }
                out << key << YAML::Value;
                emit(out, item);
            }
            out << YAML::EndMap;
            break;
        case json::value_t::array:
            if (value.empty()) {
                out << YAML::Flow;
            }
            out << YAML::BeginSeq;
            for (const auto& item : value) {
                emit(out, item);
            }
            out << YAML::EndSeq;
            break;
        case json::value_t::string: {
            const std::string text = escape_dollars(value.get_ref<const std::string&>());
            if (needs_quotes(text)) {
                out << YAML::DoubleQuoted << text;
            } else {
                out << text;
            }
            break;
        }
        case json::value_t::boolean:
            out << (value.get<bool>() ? "true" : "false");
            break;
        case json::value_t::null:
            out << YAML::Null;
            break;
        default:
            out << value.dump();
            break;
    }
}

}  // namespace

nlohmann::json to_json(const Project& project) {
    json object = json::object();
    object["name"] = project.name;
    json services = json::object();
    for (const auto& service : project.services) {
        services[service.name] = service_json(service);
    }
    object["services"] = services;
    if (!project.networks.empty()) {
        json networks = json::object();
        for (const auto& [key, network] : project.networks) {
            networks[key] = network_json(network);
        }
        object["networks"] = networks;
    }
    if (!project.volumes.empty()) {
        json volumes = json::object();
        for (const auto& [key, volume] : project.volumes) {
            volumes[key] = volume_resource_json(volume);
        }
        object["volumes"] = volumes;
    }
    put_extensions(object, project.extensions);
    return object;
}

std::string to_yaml(const Project& project) {
    YAML::Emitter out;
    out.SetIndent(2);
    out.SetSeqFormat(YAML::Block);
    out.SetMapFormat(YAML::Block);
    emit(out, to_json(project));
    return std::string(out.c_str()) + "\n";
}

}  // namespace berth::compose
