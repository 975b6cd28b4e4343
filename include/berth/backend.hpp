#pragma once

#include <berth/export.hpp>

#include <string>

namespace berth {

enum class BackendKind { docker, podman };

BERTH_API const char* to_string(BackendKind kind);

/// What is on the other end of an endpoint, learnt from /_ping (and, where
/// the ping does not say, /version and /info).
struct BackendInfo {
    BackendKind kind = BackendKind::docker;
    bool rootless = false;
    std::string engine_version;      ///< e.g. "20.10.24" or "4.3.1"
    std::string server_api_version;  ///< the highest Docker API version the server speaks
    std::string api_version;         ///< negotiated: min(berth's, server's); used in every path
    std::string libpod_api_version;  ///< Podman only: version used for /libpod paths
    std::string operating_system;
    /// Docker's, and a remote Podman's; "" for a local Podman, whose only
    /// source of it (/libpod/info) would slow every connection by 0.3 s.
    std::string architecture;
    std::string endpoint;  ///< the endpoint URI this was read from
    /// Where the engine's published ports are reached from this machine:
    /// 127.0.0.1 for a local socket, the host of a tcp:// endpoint, the
    /// address ssh resolves an ssh:// destination to (after ~/.ssh/config).
    std::string host_address = "127.0.0.1";

    bool is_podman() const { return kind == BackendKind::podman; }
};

}  // namespace berth
