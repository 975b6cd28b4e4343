#include <berth/endpoint.hpp>
#include <berth/errors.hpp>

#include <filesystem>

namespace berth {

TlsFiles TlsFiles::from_cert_path(const std::string& directory, bool verify_server) {
    std::filesystem::path base(directory);
    TlsFiles files;
    files.ca_certificate = (base / "ca.pem").string();
    files.client_certificate = (base / "cert.pem").string();
    files.client_key = (base / "key.pem").string();
    files.verify_server = verify_server;
    return files;
}

Endpoint Endpoint::parse(const std::string& uri) {
    Endpoint endpoint;
    auto take_after = [&uri](std::string_view prefix) -> std::optional<std::string> {
        if (uri.rfind(prefix, 0) == 0)
            return uri.substr(prefix.size());
        return std::nullopt;
    };
    if (auto path = take_after("unix://")) {
        if (path->empty() || (*path)[0] != '/') {
            throw UsageError("endpoint '" + uri +
                             "': a unix endpoint needs an absolute path, "
                             "as in unix:///run/podman/podman.sock");
        }
        endpoint.socket_path = *path;
        return endpoint;
    }
    if (!uri.empty() && uri[0] == '/') {
        endpoint.socket_path = uri;
        return endpoint;
    }
    std::optional<std::string> rest = take_after("tcp://");
    bool https = false;
    if (!rest)
        rest = take_after("http://");
    if (!rest && (rest = take_after("https://")))
        https = true;
    if (!rest) {
        throw UsageError("endpoint '" + uri +
                         "': expected unix:///path/to/socket or tcp://host:port");
    }
    std::string address = rest->substr(0, rest->find('/'));
    auto colon = address.rfind(':');
    endpoint.scheme = Scheme::tcp;
    if (colon == std::string::npos) {
        endpoint.host = address;
        endpoint.port = https ? 2376 : 2375;
    } else {
        endpoint.host = address.substr(0, colon);
        try {
            std::size_t used = 0;
            endpoint.port = std::stoi(address.substr(colon + 1), &used);
            if (used != address.size() - colon - 1)
                throw std::invalid_argument("trailing text");
        } catch (const std::exception&) {
            throw UsageError("endpoint '" + uri + "': the port after ':' is not a number");
        }
    }
    if (endpoint.host.size() > 2 && endpoint.host.front() == '[') {
        endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
    }
    if (endpoint.host.empty())
        throw UsageError("endpoint '" + uri + "': no host");
    if (endpoint.port <= 0 || endpoint.port > 65535) {
        throw UsageError("endpoint '" + uri + "': port out of range");
    }
    if (https)
        endpoint.tls = TlsFiles{};
    return endpoint;
}

std::string Endpoint::uri() const {
    if (scheme == Scheme::unix_socket)
        return "unix://" + socket_path;
    bool ipv6 = host.find(':') != std::string::npos;
    return "tcp://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace berth
