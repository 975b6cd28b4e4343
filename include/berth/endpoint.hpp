#pragma once

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

    static TlsFiles from_cert_path(const std::string& directory, bool verify_server);
};

/// Where an engine listens: a unix socket or a tcp address, optionally with TLS.
struct Endpoint {
    enum class Scheme { unix_socket, tcp };

    Scheme scheme = Scheme::unix_socket;
    std::string socket_path;  ///< for unix_socket
    std::string host;         ///< for tcp
    int port = 0;             ///< for tcp
    std::optional<TlsFiles> tls;

    /// Parses "unix:///path", "/path", "tcp://host:port" (also "http://" and
    /// "https://"). Throws UsageError naming what is wrong.
    static Endpoint parse(const std::string& uri);

    /// The canonical form: unix:///path or tcp://host:port.
    std::string uri() const;
};

}  // namespace berth
