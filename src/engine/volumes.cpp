// Volume operations.

#include <berth/engine.hpp>

#include "engine/engine_state.hpp"

namespace berth {

namespace {

VolumeInfo parse_volume(const nlohmann::json& raw) {
    return {string_field(raw, "Name"), string_field(raw, "Driver"), string_field(raw, "Mountpoint"),
            string_map(raw, "Labels")};
}

}  // namespace

VolumeInfo Engine::volume_create(const VolumeSpec& spec) {
    auto request =
        state_->request("POST", state_->api("/volumes/create"), "create volume", spec.name);
    nlohmann::json body = {{"Name", spec.name},
                           {"Driver", spec.driver},
                           {"Labels", spec.labels},
                           {"DriverOpts", spec.driver_options}};
    request.headers.push_back("Content-Type: application/json");
    request.body = body.dump();
    try {
        return state_->decode(request, state_->send_json(request), parse_volume);
    } catch (const OutcomeUnknown&) {
        // Not sent again: a volume of that name with these labels is the one
        // this request made.
        auto made = volume_inspect(spec.name);
        if (!made || !carries_labels(made->labels, spec.labels))
            throw;
        return *made;
    }
}

std::optional<VolumeInfo> Engine::volume_inspect(const std::string& volume) {
    auto request = state_->request("GET", state_->api("/volumes/" + path_segment(volume)),
                                   "inspect volume", volume);
    detail::Response response = state_->send(request, {404});
    if (response.status == 404)
        return std::nullopt;
    return state_->decode(request, state_->parse_body(request, response), parse_volume);
}

std::vector<VolumeInfo> Engine::volume_list(const ListFilter& filter) {
    auto request = state_->request("GET", state_->api("/volumes"), "list volumes");
    request.query.emplace_back("filters", filters_json(filter));
    return state_->decode(request, state_->send_json(request), [](const nlohmann::json& answer) {
        std::vector<VolumeInfo> result;
        if (answer.contains("Volumes") && answer["Volumes"].is_array()) {
            for (const auto& raw : answer["Volumes"])
                result.push_back(parse_volume(raw));
        }
        return result;
    });
}

void Engine::volume_remove(const std::string& volume, bool force) {
    auto request = state_->request("DELETE", state_->api("/volumes/" + path_segment(volume)),
                                   "remove volume", volume);
    if (force)
        request.query.emplace_back("force", "1");
    state_->send(request);
}

}  // namespace berth
