#include <berth/engine.hpp>

#include "engine/engine_state.hpp"

#include <algorithm>
#include <sstream>

namespace berth {

namespace {

/// Compares dotted versions numerically: "1.9" < "1.41".
int compare_versions(const std::string& a, const std::string& b) {
    std::istringstream left(a), right(b);
    while (left.good() || right.good()) {
        int x = 0, y = 0;
        std::string part;
        if (std::getline(left, part, '.'))
            x = std::atoi(part.c_str());
        if (std::getline(right, part, '.'))
            y = std::atoi(part.c_str());
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
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
    BackendInfo& backend = state_->backend;
    backend.endpoint = endpoint.uri();

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

    auto version = state_->send_json(state_->request("GET", state_->api("/version"), "version"));
    backend.engine_version = string_field(version, "Version");
    backend.operating_system = string_field(version, "Os");
    backend.architecture = string_field(version, "Arch");

    if (backend.is_podman()) {
        auto request = state_->request("GET", state_->libpod("/info"), "info");
        backend.rootless =
            state_->decode(request, state_->send_json(request), [](const nlohmann::json& info) {
                return info.is_object() &&
                       info.value("/host/security/rootless"_json_pointer, false);
            });
    } else {
        auto info = state_->send_json(state_->request("GET", state_->api("/info"), "info"));
        for (const auto& option : string_list(info, "SecurityOptions")) {
            if (option.find("name=rootless") != std::string::npos)
                backend.rootless = true;
        }
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
