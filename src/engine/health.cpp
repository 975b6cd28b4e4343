// Running a container's healthcheck on demand. Podman without systemd never
// runs healthchecks by itself, so callers that wait for health drive them.

#include <berth/engine.hpp>

#include "engine/engine_state.hpp"

namespace berth {

HealthResult Engine::run_healthcheck(const std::string& container) {
    if (state_->backend.is_podman()) {
        auto request = state_->request(
            "GET", state_->libpod("/containers/" + path_segment(container) + "/healthcheck"),
            "run healthcheck of", container);
        detail::Response response = state_->send(request, {409});
        auto answer = nlohmann::json::parse(response.body, nullptr, false);
        if (response.status == 409) {
            throw UsageError(
                "run healthcheck of " + container + ": " +
                (answer.is_object() ? string_field(answer, "message") : response.body));
        }
        HealthResult result = state_->decode(request, answer, [](const nlohmann::json& answer) {
            HealthResult read;
            if (!answer.is_object())
                return read;
            read.status = health_status_from_string(string_field(answer, "Status"));
            read.failing_streak = integer_field(answer, "FailingStreak", 0);
            if (answer.contains("Log") && answer["Log"].is_array()) {
                for (const auto& entry : answer["Log"]) {
                    if (!entry.is_object())
                        continue;
                    read.log.push_back({integer_field(entry, "ExitCode", 0),
                                        string_field(entry, "Output"), string_field(entry, "Start"),
                                        string_field(entry, "End")});
                }
            }
            return read;
        });
        if (result.log.empty()) {
            // Podman 4.3 answers with "Log": null; the probe history is in inspect.
            ContainerInfo info = container_inspect(container);
            result.log = info.state.health_log;
            result.failing_streak = info.state.failing_streak;
        }
        return result;
    }

    // Docker has no endpoint for this: run the container's own test command.
    ContainerInfo info = container_inspect(container);
    if (!info.healthcheck || info.healthcheck->test.empty() ||
        info.healthcheck->test[0] == "NONE") {
        throw UsageError("run healthcheck of " + container + ": the container has no healthcheck");
    }
    const auto& test = info.healthcheck->test;
    std::vector<std::string> command;
    if (test[0] == "CMD-SHELL") {
        command = {"/bin/sh", "-c", test.size() > 1 ? test[1] : ""};
    } else {
        command.assign(test.begin() + (test[0] == "CMD" ? 1 : 0), test.end());
    }
    ExecResult run = exec(container, command);
    HealthResult result;
    result.status = run.exit_code == 0 ? HealthStatus::healthy : HealthStatus::unhealthy;
    result.failing_streak = run.exit_code == 0 ? 0 : 1;
    result.log.push_back({run.exit_code, run.stdout_text + run.stderr_text, {}, {}});
    return result;
}

}  // namespace berth
