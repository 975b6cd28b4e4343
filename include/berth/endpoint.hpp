#pragma once

#include <berth/export.hpp>

#include <optional>
#include <string>

namespace berth {

/// Client certificate material for a tcp:// endpoint with TLS, laid out the
/// way DOCKER_CERT_PATH is: ca.pem, cert.pem, key.pem.
struct TlsFiles {
    std::string ca_certificate;
    std::string client_certificate;
    std::string client_key;
    bool verify_server = true;

    BERTH_API static TlsFiles from_cert_path(const std::string& directory, bool verify_server);
};

/// Which engine a path-less ssh:// endpoint means on the far side, following
/// the tool whose variable named it: docker's /var/run/docker.sock
/// (DOCKER_HOST, --host, BERTH_HOST), or Podman's socket of the remote
/// user (CONTAINER_HOST): /run/podman/podman.sock for root,
/// /run/user/UID/podman/podman.sock for anyone else.
enum class RemoteDefault { docker, podman };

/// Where an engine listens: a unix socket, a tcp address (optionally with
/// TLS), or a unix socket on another machine reached over SSH.
struct Endpoint {
    enum class Scheme { unix_socket, tcp, ssh };

    Scheme scheme = Scheme::unix_socket;
    /// unix_socket: the socket. ssh: the socket on the far machine; empty
    /// means Podman's socket of the remote user, found when connecting.
    std::string socket_path;
    /// tcp: the address. ssh: the destination as given to ssh, which may be
    /// a Host alias of ~/.ssh/config.
    std::string host;
    /// tcp: the port. ssh: 0 leaves the port to ssh (its config, else 22).
    int port = 0;
    std::optional<TlsFiles> tls;
    std::string user;           ///< ssh: the login; empty leaves it to ssh
    std::string identity_file;  ///< ssh: a key to offer besides ssh's own choices

    /// Parses "unix:///path", "/path", "tcp://host:port" (also "http://" and
    /// "https://") and "ssh://[user@]host[:port][/path/to/socket]". Throws
    /// UsageError naming what is wrong.
    BERTH_API static Endpoint parse(const std::string& uri,
                                    RemoteDefault remote_default = RemoteDefault::docker);

    /// The canonical form: unix:///path, tcp://host:port or
    /// ssh://[user@]host[:port]/path.
    BERTH_API std::string uri() const;

    /// Whether the engine may run on another machine (ssh, or tcp to an
    /// address other than loopback), so that its bind mounts are that
    /// machine's paths and its published ports are at that machine's address.
    BERTH_API bool remote() const;
};

}  // namespace berth
