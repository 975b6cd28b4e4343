// Finding an engine the way docker and podman users expect.

#include <berth/discovery.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace berth {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> process_getenv(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0')
        return std::nullopt;
    return std::string(value);
}

std::optional<nlohmann::json> read_json(const fs::path& file) {
    std::ifstream input(file);
    if (!input)
        return std::nullopt;
    auto parsed = nlohmann::json::parse(input, nullptr, false);
    if (parsed.is_discarded())
        return std::nullopt;
    return parsed;
}

/// A tcp endpoint from DOCKER_HOST picks up TLS the way the docker CLI does.
Endpoint endpoint_with_tls(const std::string& uri, const DiscoveryOptions& options,
                           const std::string& home) {
    Endpoint endpoint = Endpoint::parse(uri);
    if (endpoint.scheme != Endpoint::Scheme::tcp)
        return endpoint;
    auto verify = options.getenv("DOCKER_TLS_VERIFY");
    auto tls = options.getenv("DOCKER_TLS");
    if (verify || tls || endpoint.tls) {
        std::string cert_path = options.getenv("DOCKER_CERT_PATH").value_or(home + "/.docker");
        endpoint.tls = TlsFiles::from_cert_path(cert_path, verify.has_value());
    }
    return endpoint;
}

/// The docker CLI's current context: "default" means no context at all.
std::optional<Candidate> context_candidate(const DiscoveryOptions& options,
                                           const std::string& home) {
    std::string source = "DOCKER_CONTEXT";
    auto name = options.getenv("DOCKER_CONTEXT");
    fs::path docker_config = options.getenv("DOCKER_CONFIG").value_or(home + "/.docker");
    if (!name) {
        source = (docker_config / "config.json").string() + " currentContext";
        if (auto config = read_json(docker_config / "config.json")) {
            if (config->contains("currentContext") && (*config)["currentContext"].is_string()) {
                name = (*config)["currentContext"].get<std::string>();
            }
        }
    }
    if (!name || name->empty() || *name == "default")
        return std::nullopt;
    source += " (context \"" + *name + "\")";
    fs::path meta_root = docker_config / "contexts" / "meta";
    std::error_code error;
    for (const auto& folder : fs::directory_iterator(meta_root, error)) {
        auto meta = read_json(folder.path() / "meta.json");
        if (!meta || meta->value("Name", "") != *name)
            continue;
        auto host = meta->value("/Endpoints/docker/Host"_json_pointer, std::string());
        if (host.empty())
            return Candidate{source, std::nullopt, "the context has no docker endpoint"};
        Endpoint endpoint = Endpoint::parse(host);
        fs::path tls = docker_config / "contexts" / "tls" / folder.path().filename() / "docker";
        if (endpoint.scheme == Endpoint::Scheme::tcp && fs::exists(tls / "ca.pem")) {
            bool skip = meta->value("/Endpoints/docker/SkipTLSVerify"_json_pointer, false);
            endpoint.tls = TlsFiles::from_cert_path(tls.string(), !skip);
        }
        return Candidate{source, endpoint, {}};
    }
    return Candidate{source, std::nullopt, "no context of that name under " + meta_root.string()};
}

/// One of Podman's system connections.
struct Connection {
    std::string uri;
    std::string identity;
};

struct Connections {
    std::string file;  ///< where the default came from
    std::string default_name;
    std::map<std::string, Connection> named;
};

/// podman-connections.json, as `podman system connection add` (Podman 5)
/// writes it: {"Connection": {"Default": NAME, "Connections": {NAME:
/// {"URI": ..., "Identity": ...}}}}.
void read_connections_json(const fs::path& file, Connections& connections) {
    auto json = read_json(file);
    if (!json || !json->is_object())
        return;
    auto section = json->value("Connection", nlohmann::json::object());
    if (!section.is_object())
        return;
    auto entries = section.value("Connections", nlohmann::json::object());
    if (entries.is_object()) {
        for (const auto& [name, entry] : entries.items()) {
            if (entry.is_object() && connections.named.count(name) == 0) {
                connections.named[name] = {entry.value("URI", std::string()),
                                           entry.value("Identity", std::string())};
            }
        }
    }
    if (connections.default_name.empty() && section.contains("Default") &&
        section["Default"].is_string()) {
        connections.default_name = section["Default"].get<std::string>();
        connections.file = file.string();
    }
}

/// The TOML string value of `key = "value"` (or 'value').
std::optional<std::string> toml_string(const std::string& line, const std::string& key) {
    auto equals = line.find('=');
    if (equals == std::string::npos)
        return std::nullopt;
    std::string name = line.substr(0, equals);
    name.erase(name.find_last_not_of(" \t") + 1);
    name.erase(0, name.find_first_not_of(" \t"));
    if (name != key)
        return std::nullopt;
    std::string value = line.substr(equals + 1);
    auto open = value.find_first_of("\"'");
    if (open == std::string::npos)
        return std::nullopt;
    auto close = value.find(value[open], open + 1);
    if (close == std::string::npos)
        return std::nullopt;
    return value.substr(open + 1, close - open - 1);
}

/// containers.conf's [engine] active_service and
/// [engine.service_destinations.NAME] uri/identity: the only keys berth
/// reads, so a line reader does (no TOML library for two tables).
void read_containers_conf(const fs::path& file, Connections& connections) {
    std::ifstream input(file);
    if (!input)
        return;
    const std::string prefix = "engine.service_destinations.";
    std::string table;
    for (std::string line; std::getline(input, line);) {
        auto start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#')
            continue;
        line = line.substr(start);
        if (line[0] == '[') {
            table = line.substr(1, line.find(']') - 1);
            table.erase(std::remove(table.begin(), table.end(), '"'), table.end());
            table.erase(std::remove(table.begin(), table.end(), ' '), table.end());
            continue;
        }
        if (table == "engine") {
            if (auto active = toml_string(line, "active_service");
                active && connections.default_name.empty()) {
                connections.default_name = *active;
                connections.file = file.string();
            }
        } else if (table.rfind(prefix, 0) == 0) {
            std::string name = table.substr(prefix.size());
            if (auto uri = toml_string(line, "uri"))
                connections.named[name].uri = *uri;
            if (auto identity = toml_string(line, "identity"))
                connections.named[name].identity = *identity;
        }
    }
}

/// Podman's system connections: CONTAINER_CONNECTION names one, else the
/// default one, from podman-connections.json and then containers.conf
/// (the user's, then the system's), as podman --remote picks them.
std::optional<Candidate> podman_connection_candidate(const DiscoveryOptions& options,
                                                     const std::string& home) {
    Connections connections;
    fs::path config_home = options.getenv("XDG_CONFIG_HOME").value_or(home + "/.config");
    read_connections_json(
        options.getenv("PODMAN_CONNECTIONS_CONF")
            .value_or((config_home / "containers/podman-connections.json").string()),
        connections);
    if (auto file = options.getenv("CONTAINERS_CONF")) {
        read_containers_conf(*file, connections);
    } else {
        read_containers_conf(config_home / "containers/containers.conf", connections);
        read_containers_conf("/etc/containers/containers.conf", connections);
    }
    std::string source;
    std::string name;
    if (auto chosen = options.getenv("CONTAINER_CONNECTION")) {
        source = "CONTAINER_CONNECTION";
        name = *chosen;
    } else if (!connections.default_name.empty()) {
        source = connections.file + " default connection";
        name = connections.default_name;
    } else {
        return std::nullopt;
    }
    source += " (\"" + name + "\")";
    auto found = connections.named.find(name);
    if (found == connections.named.end() || found->second.uri.empty()) {
        return Candidate{source, std::nullopt,
                         "no Podman connection of that name (see `podman system connection "
                         "list`)"};
    }
    try {
        Endpoint endpoint = Endpoint::parse(found->second.uri, RemoteDefault::podman);
        if (endpoint.scheme == Endpoint::Scheme::ssh)
            endpoint.identity_file = found->second.identity;
        return Candidate{source, endpoint, {}};
    } catch (const UsageError& error) {
        return Candidate{source, std::nullopt, error.what()};
    }
}

}  // namespace

std::vector<Candidate> discovery_candidates(const DiscoveryOptions& given) {
    DiscoveryOptions options = given;
    if (!options.getenv)
        options.getenv = process_getenv;
    std::string home =
        options.home.empty() ? options.getenv("HOME").value_or("/root") : options.home;
    std::vector<Candidate> candidates;

    auto named = [&](const std::string& source, const std::string& uri) {
        try {
            candidates.push_back({source, endpoint_with_tls(uri, options, home), {}});
        } catch (const UsageError& error) {
            candidates.push_back({source, std::nullopt, error.what()});
        }
    };
    // An engine the user named is the only one tried: silently using another
    // would run tests against the wrong engine.
    if (options.explicit_endpoint) {
        named("explicit endpoint", *options.explicit_endpoint);
        return candidates;
    }
    if (auto host = options.getenv("DOCKER_HOST")) {
        named("DOCKER_HOST", *host);
        return candidates;
    }
    if (auto host = options.getenv("CONTAINER_HOST")) {
        // Podman's variable: a path-less ssh:// means Podman's socket of the
        // remote user, and CONTAINER_SSHKEY is the key to offer.
        try {
            Endpoint endpoint = Endpoint::parse(*host, RemoteDefault::podman);
            if (endpoint.scheme == Endpoint::Scheme::ssh)
                endpoint.identity_file = options.getenv("CONTAINER_SSHKEY").value_or("");
            candidates.push_back({"CONTAINER_HOST", endpoint, {}});
        } catch (const UsageError& error) {
            candidates.push_back({"CONTAINER_HOST", std::nullopt, error.what()});
        }
        return candidates;
    }
    if (auto context = context_candidate(options, home)) {
        candidates.push_back(*context);
        return candidates;
    }
    if (auto connection = podman_connection_candidate(options, home)) {
        candidates.push_back(*connection);
        return candidates;
    }

    auto runtime_dir = options.getenv("XDG_RUNTIME_DIR");
    auto socket = [&](const std::string& source, const std::string& path) {
        candidates.push_back({source, Endpoint::parse("unix://" + path), {}});
    };
    if (runtime_dir) {
        socket("$XDG_RUNTIME_DIR/podman/podman.sock", *runtime_dir + "/podman/podman.sock");
    } else {
        candidates.push_back(
            {"$XDG_RUNTIME_DIR/podman/podman.sock", std::nullopt, "XDG_RUNTIME_DIR is not set"});
    }
    socket("rootful Podman", "/run/podman/podman.sock");
    socket("Docker", "/var/run/docker.sock");
    if (runtime_dir) {
        socket("$XDG_RUNTIME_DIR/docker.sock", *runtime_dir + "/docker.sock");
    } else {
        candidates.push_back(
            {"$XDG_RUNTIME_DIR/docker.sock", std::nullopt, "XDG_RUNTIME_DIR is not set"});
    }
    return candidates;
}

Engine discover_engine(const DiscoveryOptions& options, EngineOptions engine_options) {
    std::vector<DiscoveryAttempt> attempts;
    for (const auto& candidate : discovery_candidates(options)) {
        if (!candidate.endpoint) {
            attempts.push_back({candidate.source, {}, candidate.note});
            continue;
        }
        try {
            return Engine(*candidate.endpoint, engine_options);
        } catch (const EngineUnreachable& error) {
            attempts.push_back({candidate.source, candidate.endpoint->uri(),
                                std::string(to_string(error.reason())) + ": " + error.detail()});
        } catch (const Error& error) {
            attempts.push_back({candidate.source, candidate.endpoint->uri(), error.what()});
        }
    }
    throw NoEngineFound(std::move(attempts));
}

}  // namespace berth
