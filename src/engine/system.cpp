// System operations: ping, version, info and the events stream.

#include <berth/engine.hpp>

#include "engine/engine_state.hpp"
#include "engine/streams.hpp"

namespace berth {

namespace {

std::string unix_seconds(std::chrono::system_clock::time_point time) {
    auto nanoseconds =
        std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
    std::string seconds = std::to_string(nanoseconds / 1'000'000'000);
    std::string fraction = std::to_string(nanoseconds % 1'000'000'000);
    return seconds + "." + std::string(9 - fraction.size(), '0') + fraction;
}

}  // namespace

/// Docker says "health_status: healthy" in the action; Podman says
/// "health_status" and puts the value in a field of its own.
Event detail::normalise_event(const nlohmann::json& raw) {
    Event event;
    event.type = string_field(raw, "Type");
    if (event.type.empty())
        event.type = string_field(raw, "type");
    event.action = string_field(raw, "Action");
    if (event.action.empty())
        event.action = string_field(raw, "status");
    const nlohmann::json actor = raw.contains("Actor") ? raw["Actor"] : nlohmann::json::object();
    event.id = string_field(actor, "ID");
    if (event.id.empty())
        event.id = string_field(raw, "id");
    event.attributes = string_map(actor, "Attributes");
    if (auto name = event.attributes.find("name"); name != event.attributes.end()) {
        event.name = name->second;
    }
    if (auto separator = event.action.find(": "); separator != std::string::npos) {
        if (event.action.rfind("health_status", 0) == 0) {
            event.health_status = event.action.substr(separator + 2);
        }
        event.action = event.action.substr(0, separator);  // "exec_start: sh -c ..." too
    }
    // Podman names the end of a container or exec "died" where Docker says "die".
    if (event.action == "died")
        event.action = "die";
    if (event.action == "exec_died")
        event.action = "exec_die";
    if (event.action == "health_status" && event.health_status.empty()) {
        event.health_status = string_field(raw, "HealthStatus");
        if (event.health_status.empty()) {
            auto attribute = event.attributes.find("health_status");
            if (attribute != event.attributes.end())
                event.health_status = attribute->second;
        }
    }
    for (const char* key : {"exitCode", "containerExitCode"}) {
        auto code = event.attributes.find(key);
        if (code != event.attributes.end()) {
            try {
                event.exit_code = std::stoi(code->second);
            } catch (const std::exception&) {
            }
        }
    }
    constexpr std::int64_t nanoseconds_per_second = 1'000'000'000;
    constexpr std::int64_t latest_second =
        std::numeric_limits<std::int64_t>::max() / nanoseconds_per_second;
    // An event stream goes on past a field it cannot read: the time stays 0.
    auto field = [&raw](const char* key) {
        return raw.contains(key) ? fitting_integer<std::int64_t>(raw[key]) : std::nullopt;
    };
    const auto seconds = field("time");
    if (auto nanoseconds = field("timeNano"); nanoseconds && *nanoseconds >= 0)
        event.time_nanoseconds = *nanoseconds;
    else if (seconds && *seconds > 0 && *seconds <= latest_second)
        event.time_nanoseconds = *seconds * nanoseconds_per_second;
    return event;
}

void Engine::ping() {
    state_->send(state_->request("GET", state_->api("/_ping"), "ping", state_->endpoint.uri()));
}

std::string Engine::version_json() {
    return state_->send(state_->request("GET", state_->api("/version"), "version")).body;
}

std::string Engine::info_json() {
    return state_->send(state_->request("GET", state_->api("/info"), "info")).body;
}

std::set<std::string> Engine::cgroup_controllers() {
    if (state_->backend.is_podman()) {
        // The compat /info claims every limit works even where rootless
        // Podman drops them; libpod's host section tells the truth.
        auto request = state_->request("GET", state_->libpod("/info"), "info");
        auto answer = state_->send_json(request);
        std::set<std::string> controllers;
        if (answer.contains("host") && answer["host"].contains("cgroupControllers")) {
            for (const auto& name : answer["host"]["cgroupControllers"])
                controllers.insert(name.get<std::string>());
        }
        return controllers;
    }
    auto request = state_->request("GET", state_->api("/info"), "info");
    auto answer = state_->send_json(request);
    std::set<std::string> controllers = {"devices", "blkio"};
    for (const auto& [flag, controller] : {std::pair{"MemoryLimit", "memory"},
                                           {"CpuCfsQuota", "cpu"},
                                           {"CPUSet", "cpuset"},
                                           {"PidsLimit", "pids"}}) {
        if (answer.value(flag, false))
            controllers.insert(controller);
    }
    return controllers;
}

void Engine::events(const EventFilter& filter, const EventCallback& callback,
                    const CancelToken& cancel) {
    auto request = state_->request("GET", state_->api("/events"), "watch events");
    nlohmann::json filters = nlohmann::json::object();
    if (!filter.types.empty())
        filters["type"] = filter.types;
    // Podman matches event filters against its own names ("died"), so for it
    // berth filters the normalised actions itself, below.
    if (!filter.events.empty() && !state_->backend.is_podman())
        filters["event"] = filter.events;
    if (!filter.labels.empty())
        filters["label"] = filter.labels;
    if (!filter.containers.empty())
        filters["container"] = filter.containers;
    if (!filters.empty())
        request.query.emplace_back("filters", filters.dump());
    if (filter.since)
        request.query.emplace_back("since", unix_seconds(*filter.since));
    if (filter.until)
        request.query.emplace_back("until", unix_seconds(*filter.until));
    request.stream = true;
    request.cancel = cancel;

    bool keep_going = true;
    detail::JsonStreamDecoder decoder([&](const nlohmann::json& raw) {
        if (!keep_going)
            return;
        Event event = detail::normalise_event(raw);
        if (!filter.events.empty() && std::find(filter.events.begin(), filter.events.end(),
                                                event.action) == filter.events.end()) {
            return;
        }
        keep_going = callback(event);
    });
    request.on_data = [&](std::string_view bytes) {
        decoder.feed(bytes);
        return keep_going;
    };
    state_->send(request);
    if (keep_going)
        decoder.finish();
}

}  // namespace berth
