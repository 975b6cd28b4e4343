#pragma once

#include <berth/engine.hpp>
#include <berth/errors.hpp>

#include <optional>
#include <string>
#include <vector>

namespace berth {

/// Where to look for an engine. Empty fields fall back to the process
/// environment, so tests can inject their own.
struct DiscoveryOptions {
    std::optional<std::string> explicit_endpoint;  ///< e.g. from --host
    /// Environment lookup; defaults to getenv.
    std::function<std::optional<std::string>(const std::string&)> getenv;
    std::string home;  ///< defaults to $HOME
};

/// One candidate endpoint and where it came from.
struct Candidate {
    std::string source;
    std::optional<Endpoint> endpoint;  ///< unset when the source was not configured
    std::string note;                  ///< why it was skipped when endpoint is unset
};

/// The places discovery looks, in order: the explicit endpoint; DOCKER_HOST;
/// CONTAINER_HOST; the current docker context (DOCKER_CONTEXT, else
/// ~/.docker/config.json currentContext, resolved through contexts/meta);
/// $XDG_RUNTIME_DIR/podman/podman.sock; /run/podman/podman.sock;
/// /var/run/docker.sock; $XDG_RUNTIME_DIR/docker.sock.
/// An explicit endpoint, DOCKER_HOST, CONTAINER_HOST or a context ends the
/// list: when a user names an engine, berth never silently uses another.
std::vector<Candidate> discovery_candidates(const DiscoveryOptions& options = {});

/// Connects to the first candidate that answers. Throws NoEngineFound listing
/// every place tried and why it failed.
Engine discover_engine(const DiscoveryOptions& options = {}, EngineOptions engine_options = {});

}  // namespace berth
