// Finding an engine the way docker and podman users expect.

#include <berth/discovery.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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
        if (host->rfind("ssh://", 0) == 0) {
            candidates.push_back({"CONTAINER_HOST", std::nullopt,
                                  "ssh:// endpoints are not supported; forward the socket and use "
                                  "unix:// instead"});
        } else {
            named("CONTAINER_HOST", *host);
        }
        return candidates;
    }
    if (auto context = context_candidate(options, home)) {
        candidates.push_back(*context);
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
