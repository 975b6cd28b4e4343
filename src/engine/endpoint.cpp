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

namespace {

int parse_port(const std::string& uri, const std::string& text) {
    try {
        std::size_t used = 0;
        int port = std::stoi(text, &used);
        if (used == text.size() && port > 0 && port <= 65535)
            return port;
    } catch (const std::exception&) {
    }
    throw UsageError("endpoint '" + uri + "': the port after ':' is not a number from 1 to 65535");
}

/// ssh://[user@]host[:port][/path/to/socket], as DOCKER_HOST and
/// CONTAINER_HOST write it.
Endpoint parse_ssh(const std::string& uri, const std::string& rest, RemoteDefault remote_default) {
    Endpoint endpoint;
    endpoint.scheme = Endpoint::Scheme::ssh;
    std::string authority = rest.substr(0, rest.find('/'));
    if (authority.size() < rest.size())
        endpoint.socket_path = rest.substr(authority.size());
    if (endpoint.socket_path.find_first_of(":?#") != std::string::npos) {
        throw UsageError("endpoint '" + uri +
                         "': the socket path may not contain ':', '?' or '#' (ssh's forwarding "
                         "syntax cannot carry them)");
    }
    if (endpoint.socket_path == "/")
        endpoint.socket_path.clear();
    auto at = authority.rfind('@');
    if (at != std::string::npos) {
        endpoint.user = authority.substr(0, at);
        authority = authority.substr(at + 1);
        if (endpoint.user.empty())
            throw UsageError("endpoint '" + uri + "': nothing before '@'");
    }
    std::string host = authority;
    if (!host.empty() && host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string::npos)
            throw UsageError("endpoint '" + uri + "': '[' without ']'");
        endpoint.host = host.substr(1, close - 1);
        if (close + 1 < host.size()) {
            if (host[close + 1] != ':')
                throw UsageError("endpoint '" + uri + "': expected ':' after ']'");
            endpoint.port = parse_port(uri, host.substr(close + 2));
        }
    } else {
        auto colon = host.find(':');
        endpoint.host = host.substr(0, colon);
        if (colon != std::string::npos)
            endpoint.port = parse_port(uri, host.substr(colon + 1));
    }
    if (endpoint.host.empty()) {
        throw UsageError("endpoint '" + uri +
                         "': no host; write ssh://[user@]host[:port][/path/to/socket]");
    }
    if (endpoint.host.front() == '-')
        throw UsageError("endpoint '" + uri + "': a host may not begin with '-'");
    if (endpoint.socket_path.empty() && remote_default == RemoteDefault::docker)
        endpoint.socket_path = "/var/run/docker.sock";
    return endpoint;
}

}  // namespace

bool Endpoint::remote() const {
    if (scheme == Scheme::ssh)
        return true;
    if (scheme == Scheme::unix_socket)
        return false;
    return !(host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0);
}

Endpoint Endpoint::parse(const std::string& uri, RemoteDefault remote_default) {
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
    if (auto rest = take_after("ssh://"))
        return parse_ssh(uri, *rest, remote_default);
    std::optional<std::string> rest = take_after("tcp://");
    bool https = false;
    if (!rest)
        rest = take_after("http://");
    if (!rest && (rest = take_after("https://")))
        https = true;
    if (!rest) {
        throw UsageError("endpoint '" + uri +
                         "': expected unix:///path/to/socket, tcp://host:port or "
                         "ssh://[user@]host[:port][/path/to/socket]");
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
    std::string address = ipv6 ? "[" + host + "]" : host;
    if (scheme == Scheme::ssh) {
        return "ssh://" + (user.empty() ? "" : user + "@") + address +
               (port == 0 ? "" : ":" + std::to_string(port)) + socket_path;
    }
    return "tcp://" + address + ":" + std::to_string(port);
}

}  // namespace berth
