#include <berth/engine.hpp>

#include "engine/engine_state.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <sstream>

namespace berth {

namespace {

/// Compares dotted versions numerically: "1.9" < "1.41".
int compare_versions(const std::string& a, const std::string& b) {
    // A part's leading digits, as atoi read them ("1-dev" is 1).
    auto leading_number = [](const std::string& text) {
        return integer_in_text<int>(text.substr(0, text.find_first_not_of("0123456789")))
            .value_or(0);
    };
    std::istringstream left(a), right(b);
    while (left.good() || right.good()) {
        int x = 0, y = 0;
        std::string part;
        if (std::getline(left, part, '.'))
            x = leading_number(part);
        if (std::getline(right, part, '.'))
            y = leading_number(part);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

using JsonGetter = std::function<nlohmann::json()>;

/// Docker answers /version and /info in milliseconds.
void identify_docker(BackendInfo& backend, const JsonGetter& version_of,
                     const JsonGetter& info_of) {
    auto version = version_of();
    backend.engine_version = string_field(version, "Version");
    backend.operating_system = string_field(version, "Os");
    backend.architecture = string_field(version, "Arch");
    auto info = info_of();
    for (const auto& option : string_list(info, "SecurityOptions")) {
        if (option.find("name=rootless") != std::string::npos)
            backend.rootless = true;
    }
}

/// Podman's /version and /libpod/info take about 0.3 s each (they run its
/// helper programs and add up storage): most of the cost of every berth
/// command. The ping already says the version ("Server: Libpod/4.3.1
/// (linux)"), and a unix socket's owner says whether the service runs
/// rootless; only a remote endpoint needs /libpod/info for that.
void identify_podman(BackendInfo& backend, const Endpoint& endpoint, const detail::Response& ping,
                     const JsonGetter& info_of) {
    backend.engine_version = backend.libpod_api_version;
    std::string server = ping.header("server");  // "Libpod/4.3.1 (linux)"
    auto open = server.find('(');
    auto close = server.find(')', open == std::string::npos ? 0 : open);
    if (open != std::string::npos && close != std::string::npos)
        backend.operating_system = server.substr(open + 1, close - open - 1);
    struct stat socket_status {};
    if (endpoint.scheme == Endpoint::Scheme::unix_socket &&
        ::stat(endpoint.socket_path.c_str(), &socket_status) == 0) {
        backend.rootless = socket_status.st_uid != 0;
        return;
    }
    auto info = info_of();
    backend.rootless = info.value("/host/security/rootless"_json_pointer, false);
    backend.architecture = info.value("/host/arch"_json_pointer, std::string());
}

}  // namespace

const char* to_string(BackendKind kind) {
    return kind == BackendKind::podman ? "podman" : "docker";
}

std::string filters_json(const ListFilter& filter) {
    nlohmann::json filters = nlohmann::json::object();
    if (!filter.labels.empty())
        filters["label"] = filter.labels;
    if (!filter.names.empty())
        filters["name"] = filter.names;
    return filters.dump();
}

Engine::Engine(Endpoint endpoint, EngineOptions options) : state_(std::make_unique<State>()) {
    state_->endpoint = endpoint;
    state_->options = options;
    state_->transport = std::make_unique<detail::Transport>(endpoint, options.request_timeout,
                                                            options.connect_timeout);
    // An ssh:// endpoint that left the socket to Podman's default now names it.
    endpoint = state_->transport->endpoint();
    state_->endpoint = endpoint;
    BackendInfo& backend = state_->backend;
    backend.endpoint = endpoint.uri();
    backend.host_address = state_->transport->host_address();

    // /_ping is unversioned and its headers say what the server is.
    auto ping = state_->request("GET", "/_ping", "ping", endpoint.uri());
    detail::Response answer = state_->transport->perform(ping);
    backend.server_api_version = answer.header("api-version");
    if (answer.status == 400 && answer.body.find("HTTPS") != std::string::npos) {
        throw EngineUnreachable(endpoint.uri(), UnreachableReason::tls,
                                "the engine expects TLS on this port; set DOCKER_TLS_VERIFY=1 and "
                                "DOCKER_CERT_PATH");
    }
    if (!answer.ok() || backend.server_api_version.empty()) {
        throw EngineUnreachable(endpoint.uri(), UnreachableReason::protocol,
                                "GET /_ping answered HTTP " + std::to_string(answer.status) +
                                    " without an API-Version header");
    }
    backend.api_version = compare_versions(backend.server_api_version, berth_api_version) < 0
                              ? backend.server_api_version
                              : berth_api_version;
    backend.libpod_api_version = answer.header("libpod-api-version");
    backend.kind = backend.libpod_api_version.empty() ? BackendKind::docker : BackendKind::podman;

    // An answer of an unexpected shape is a TransportError, as everywhere
    // in Engine; the readers below only see objects.
    auto get = [this](std::string path, const char* operation) {
        return [this, path = std::move(path), operation] {
            auto request = state_->request("GET", path, operation);
            return state_->decode(request, state_->send_json(request),
                                  [](const nlohmann::json& answer) {
                                      return answer.is_object() ? answer : nlohmann::json::object();
                                  });
        };
    };
    if (backend.is_podman()) {
        identify_podman(backend, endpoint, answer, get(state_->libpod("/info"), "info"));
    } else {
        identify_docker(backend, get(state_->api("/version"), "version"),
                        get(state_->api("/info"), "info"));
    }
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

const Endpoint& Engine::endpoint() const {
    return state_->endpoint;
}
const BackendInfo& Engine::backend() const {
    return state_->backend;
}

}  // namespace berth
