#pragma once
// Credentials for a registry, as docker and podman keep them: `auths` in
// $REGISTRY_AUTH_FILE (podman's), else in $DOCKER_CONFIG/config.json or
// ~/.docker/config.json, sent to the engine as the X-Registry-Auth header.

#include <string>

namespace berth::detail {

/// The registry host of an image reference: its first component when that
/// has a '.', a ':' or is "localhost"; else Docker Hub, "docker.io".
std::string registry_host(const std::string& reference);

/// Whether the registry is on this machine's loopback (localhost,
/// 127.0.0.0/8, ::1): Docker always treats those as insecure (plain HTTP).
bool loopback_registry(const std::string& host);

/// The X-Registry-Auth value for the reference's registry: base64url of
/// {"username","password","serveraddress"} from the first credentials file
/// that has the registry, else "e30=" ("{}": anonymous).
std::string registry_auth_header(const std::string& reference);

}  // namespace berth::detail
