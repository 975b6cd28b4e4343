#include <berth/compose/loader.hpp>
#include <berth/compose/serialize.hpp>

#include <iostream>

#include "commands.hpp"
#include "project_arguments.hpp"

namespace berth::cli {

namespace {

bool wants_json(const ParsedOptions& parsed) {
    auto format = parsed.value("--format").value_or(parsed.has("--json") ? "json" : "yaml");
    if (format != "json" && format != "yaml")
        throw CommandLineError("config",
                               "config: --format takes json or yaml, not '" + format + "'");
    return format == "json";
}

int config(const ParsedOptions& parsed) {
    compose::LoadOptions options = project_arguments(parsed).load;
    options.interpolate = !parsed.has("--no-interpolate");
    bool json = wants_json(parsed);
    if (!parsed.operands.empty())
        throw CommandLineError("config", "config: unexpected '" + parsed.operands[0] + "'");
    try {
        const compose::Project project = compose::load_project(options);
        if (parsed.has("--quiet"))
            return 0;
        if (parsed.has("--services")) {
            for (const auto& service : project.services)
                std::cout << service.name << "\n";
        } else {
            print_project(project, json);
        }
        return 0;
    } catch (const compose::ComposeError& error) {
        for (const auto& diagnostic : error.diagnostics())
            std::cerr << diagnostic.to_string() << "\n";
        return 1;
    }
}

}  // namespace

void print_project(const compose::Project& project, bool json) {
    if (json) {
        std::cout << compose::to_json(project).dump(2, ' ', false,
                                                    nlohmann::json::error_handler_t::replace)
                  << "\n";
    } else {
        std::cout << compose::to_yaml(project);
    }
}

Command config_command() {
    return {{"config", "",
             "Prints the resolved compose project (every file merged, variables\n"
             "interpolated, short syntaxes expanded) as YAML, or JSON with --json.\n"
             "Invalid files: one line per problem (FILE:LINE:COLUMN: KEY: MESSAGE) and exit 1.",
             std::vector<OptionSpec>{
                 {{"--json"}, "", "Print JSON (same as --format json)"},
                 {{"--format"}, "FORMAT", "yaml or json"},
                 {{"--no-interpolate"}, "", "Leave ${VARIABLES} as written"},
                 {{"-q", "--quiet"}, "", "Only validate: print nothing, exit 1 when invalid"},
                 {{"--services"}, "", "Print the service names, one a line"},
             } + project_options()},
            config};
}

}  // namespace berth::cli
