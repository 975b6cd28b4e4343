// libFuzzer target: any bytes given to the loader either load into a project
// that prints and orders, or fail with ComposeError / UsageError. Anything
// else (a crash, another exception, a sanitizer report, a hang) is a bug.

#include <berth/compose/graph.hpp>
#include <berth/compose/loader.hpp>
#include <berth/compose/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    berth::compose::LoadOptions options;
    // A fixed environment keeps runs reproducible; the folder does not exist,
    // so relative env_file and extends paths find nothing.
    options.environment = std::map<std::string, std::string>{
        {"SET", "value"}, {"EMPTY", ""}, {"PORT", "8080"}, {"COMPOSE_PROFILES", "debug"}};
    options.working_directory = "/nonexistent-berth-fuzz";
    try {
        const auto project = berth::compose::load_project_from_text(
            text, "/nonexistent-berth-fuzz/compose.yml", options);
        const auto yaml = berth::compose::to_yaml(project);
        const auto json = berth::compose::to_json(project).dump();
        const auto graph = berth::compose::dependency_graph(project);
        // What berth prints must load again, to the same project: config
        // output is a compose file. (Not when profiles disabled every
        // service: the output then has none, which a file may not.)
        if (project.services.empty()) {
            return 0;
        }
        options.environment = std::map<std::string, std::string>{};
        options.profiles = {"*"};
        try {
            const auto again = berth::compose::load_project_from_text(
                yaml, "/nonexistent-berth-fuzz/compose.yml", options);
            if (berth::compose::to_json(again) != berth::compose::to_json(project)) {
                std::fprintf(stderr, "the reloaded output differs:\n%s\n", yaml.c_str());
                std::abort();
            }
        } catch (const berth::compose::ComposeError& error) {
            std::fprintf(stderr, "berth's own output does not load:\n%s\n%s\n", yaml.c_str(),
                         error.what());
            std::abort();
        }
        (void)json;
        (void)graph;
    } catch (const berth::compose::ComposeError&) {
    } catch (const berth::UsageError&) {
    }
    return 0;
}
