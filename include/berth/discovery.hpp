#pragma once

#include <berth/engine.hpp>
#include <berth/errors.hpp>
#include <berth/export.hpp>

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
/// CONTAINER_HOST (a path-less ssh:// there means Podman's socket of the
/// remote login, and CONTAINER_SSHKEY is its key); the current docker
/// context (DOCKER_CONTEXT, else ~/.docker/config.json currentContext,
/// resolved through contexts/meta); Podman's system connection named by
/// CONTAINER_CONNECTION, else the default one (podman-connections.json
/// under $XDG_CONFIG_HOME/containers or ~/.config/containers, or
/// PODMAN_CONNECTIONS_CONF; then containers.conf's [engine] active_service
/// and [engine.service_destinations], the user's, then /etc/containers/);
/// $XDG_RUNTIME_DIR/podman/podman.sock; /run/podman/podman.sock;
/// /var/run/docker.sock; $XDG_RUNTIME_DIR/docker.sock.
/// An explicit endpoint, DOCKER_HOST, CONTAINER_HOST, a context or a Podman
/// connection ends the list: when a user names an engine, berth never
/// silently uses another.
BERTH_API std::vector<Candidate> discovery_candidates(const DiscoveryOptions& options = {});

/// Connects to the first candidate that answers. Throws NoEngineFound listing
/// every place tried and why it failed.
BERTH_API Engine discover_engine(const DiscoveryOptions& options = {},
                                 EngineOptions engine_options = {});

}  // namespace berth
