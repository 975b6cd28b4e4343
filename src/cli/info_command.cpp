// `berth info`: which engines answer, and what they are.

#include "commands.hpp"
#include "project_arguments.hpp"

#include <berth/discovery.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <set>

namespace berth::cli {

namespace {

nlohmann::json describe(const BackendInfo& backend, const std::string& source) {
    return {{"source", source},
            {"endpoint", backend.endpoint},
            {"backend", to_string(backend.kind)},
            {"rootless", backend.rootless},
            {"engine_version", backend.engine_version},
            {"api_version", backend.api_version},
            {"server_api_version", backend.server_api_version},
            {"libpod_api_version", backend.libpod_api_version}};
}

void print_row(const nlohmann::json& engine) {
    std::cout << (engine.value("picked", false) ? "* " : "  ")
              << engine["backend"].get<std::string>() << "\t"
              << (engine["rootless"].get<bool>() ? "rootless" : "rootful") << "\tAPI "
              << engine["api_version"].get<std::string>() << "\tengine "
              << engine["engine_version"].get<std::string>() << "\t"
              << engine["endpoint"].get<std::string>() << "\n";
}

/// Every place an engine may listen on this machine, named or not.
std::vector<Candidate> every_known_place(const DiscoveryOptions& options) {
    std::vector<Candidate> places = discovery_candidates(options);
    DiscoveryOptions defaults = options;
    defaults.explicit_endpoint.reset();
    defaults.getenv = [](const std::string& name) -> std::optional<std::string> {
        if (name == "DOCKER_HOST" || name == "CONTAINER_HOST" || name == "DOCKER_CONTEXT")
            return {};
        const char* value = std::getenv(name.c_str());
        return value && *value ? std::optional<std::string>(value) : std::nullopt;
    };
    for (auto& place : discovery_candidates(defaults))
        places.push_back(place);
    std::error_code error;
    for (const auto& user_dir : std::filesystem::directory_iterator("/run/user", error)) {
        for (const char* name : {"podman/podman.sock", "docker.sock"}) {
            auto socket = user_dir.path() / name;
            if (std::filesystem::exists(socket)) {
                places.push_back(
                    {socket.string(), Endpoint::parse("unix://" + socket.string()), {}});
            }
        }
    }
    return places;
}

int info(const ParsedOptions& parsed) {
    // With a project (-f or -p), the info is the running stack's.
    ProjectArguments project = project_arguments(parsed);
    if (!parsed.operands.empty())
        throw CommandLineError("info", "info: unexpected '" + parsed.operands[0] + "'");
    if (!project.load.files.empty() || project.load.project_name) {
        std::string name = project_name(project);
        Engine engine = discover_engine(project.discovery);
        auto services = ps(engine, name);
        if (services.empty())
            throw UsageError("project " + name + " has no containers on " +
                             engine.backend().endpoint);
        std::cout << stack_json(name, engine, services).dump(2) << "\n";
        return 0;
    }
    DiscoveryOptions options = project.discovery;
    bool all = parsed.has("--all");
    bool json = parsed.has("--json");

    nlohmann::json engines = nlohmann::json::array();
    bool picked = false;
    if (!all) {
        Engine engine = discover_engine(options);
        engines.push_back(describe(engine.backend(), "discovery"));
        engines.back()["picked"] = true;
    } else {
        std::set<std::string> seen;
        std::vector<DiscoveryAttempt> failures;
        // Discovery takes the first of its own places that answers.
        std::size_t discovery_places = discovery_candidates(options).size();
        auto places = every_known_place(options);
        for (std::size_t i = 0; i < places.size(); ++i) {
            const auto& place = places[i];
            if (!place.endpoint || !seen.insert(place.endpoint->uri()).second)
                continue;
            try {
                Engine engine(*place.endpoint);
                engines.push_back(describe(engine.backend(), place.source));
                engines.back()["picked"] = !picked && i < discovery_places;
                picked = picked || i < discovery_places;
            } catch (const EngineUnreachable& error) {
                failures.push_back({place.source, place.endpoint->uri(), error.what()});
            }
        }
        if (engines.empty())
            throw NoEngineFound(std::move(failures));
    }
    if (json) {
        std::cout << (all ? engines : engines[0]).dump(2) << "\n";
    } else {
        for (const auto& engine : engines)
            print_row(engine);
        if (all) {
            std::cout << (picked
                              ? "* is the engine berth uses; for another, pass --host URI or set "
                                "DOCKER_HOST\n"
                              : "none of these is in discovery's list; pass --host URI\n");
        }
    }
    return 0;
}

}  // namespace

Command info_command() {
    return {{"info", "",
             "Shows the engine berth would use (the first that answers, in discovery order);\n"
             "with -f FILE or -p NAME, the running stack as JSON.",
             std::vector<OptionSpec>{
                 {{"--all"},
                  "",
                  "Probe every known place, including each user's rootless Podman socket under "
                  "/run/user, and show every engine that answers"},
                 {{"--json"}, "", "Print JSON instead of a table"},
             } + project_options()},
            info};
}

}  // namespace berth::cli
