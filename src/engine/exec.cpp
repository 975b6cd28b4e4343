// Running a command inside a running container.

#include <berth/engine.hpp>

#include "engine/engine_state.hpp"
#include "engine/streams.hpp"

#include <thread>

namespace berth {

ExecResult Engine::exec(const std::string& container, const std::vector<std::string>& command,
                        const ExecOptions& options) {
    std::string target = container;
    auto create =
        state_->request("POST", state_->api("/containers/" + path_segment(container) + "/exec"),
                        "create exec in", target);
    nlohmann::json body = {
        {"Cmd", command}, {"AttachStdout", true}, {"AttachStderr", true}, {"Tty", options.tty}};
    if (!options.environment.empty()) {
        nlohmann::json environment = nlohmann::json::array();
        for (const auto& [name, value] : options.environment)
            environment.push_back(name + "=" + value);
        body["Env"] = environment;
    }
    if (!options.user.empty())
        body["User"] = options.user;
    if (!options.working_dir.empty())
        body["WorkingDir"] = options.working_dir;
    if (options.privileged)
        body["Privileged"] = true;
    create.headers.push_back("Content-Type: application/json");
    create.body = body.dump();
    std::string exec_id = string_field(state_->send_json(create), "Id");

    auto start =
        state_->request("POST", state_->api("/exec/" + exec_id + "/start"), "run exec in", target);
    start.headers.push_back("Content-Type: application/json");
    start.body = nlohmann::json{{"Detach", options.detach}, {"Tty", options.tty}}.dump();
    ExecResult result;
    if (options.detach) {
        state_->send(start);
        return result;
    }
    start.stream = true;
    detail::FrameDemuxer demuxer([&result](OutputStream stream, std::string_view data) {
        (stream == OutputStream::stderr_stream ? result.stderr_text : result.stdout_text)
            .append(data);
    });
    start.on_data = [&](std::string_view bytes) {
        if (options.tty) {
            result.stdout_text.append(bytes);
        } else {
            demuxer.feed(bytes);
        }
        return true;
    };
    state_->send(start);
    if (!options.tty)
        demuxer.finish();

    auto inspect = state_->request("GET", state_->api("/exec/" + exec_id + "/json"),
                                   "inspect exec in", target);
    // Podman can answer the inspect a moment before the exit code is recorded.
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto exit_code =
            state_->decode(inspect, state_->send_json(inspect), [](const nlohmann::json& answer) {
                std::optional<int> code;
                if (answer.is_object() && !answer.value("Running", false) &&
                    answer.contains("ExitCode"))
                    code = fitting_integer<int>(answer["ExitCode"]);
                return code;
            });
        if (exit_code) {
            result.exit_code = *exit_code;
            return result;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw EngineError("inspect exec in", target, 0, "the command's exit code never became known");
}

}  // namespace berth
