#include <berth/compose/loader.hpp>
#include <berth/compose/serialize.hpp>

#include <iostream>

#include "commands.hpp"

namespace berth::cli {

namespace {

constexpr const char* config_usage =
    "usage: berth config [-f FILE]... [-p NAME] [--profile PROFILE]... [--env-file FILE]\n"
    "                    [--project-directory DIR] [--no-interpolate] [--json] [-q]\n"
    "                    [--services]\n"
    "Prints the resolved compose project (every file merged, variables\n"
    "interpolated, short syntaxes expanded) as YAML, or JSON with --json.\n"
    "Invalid files: one line per problem (FILE:LINE:COLUMN: KEY: MESSAGE) and exit 1.\n";

struct ConfigArguments {
    compose::LoadOptions options;
    bool json = false;
    bool quiet = false;
    bool services_only = false;
};

// Accepts "--option value" and "--option=value".
bool take_value(const Arguments& arguments, std::size_t& index, const std::string& long_name,
                const std::string& short_name, std::string& value) {
    const std::string& argument = arguments[index];
    if (argument == long_name || (!short_name.empty() && argument == short_name)) {
        if (index + 1 >= arguments.size()) {
            throw UsageError("berth config: " + argument + " needs a value");
        }
        value = arguments[++index];
        return true;
    }
    if (argument.rfind(long_name + "=", 0) == 0) {
        value = argument.substr(long_name.size() + 1);
        return true;
    }
    return false;
}

ConfigArguments parse(const Arguments& arguments) {
    ConfigArguments parsed;
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        const std::string& argument = arguments[index];
        std::string value;
        if (take_value(arguments, index, "--file", "-f", value)) {
            parsed.options.files.push_back(value);
        } else if (take_value(arguments, index, "--project-name", "-p", value)) {
            parsed.options.project_name = value;
        } else if (take_value(arguments, index, "--profile", "", value)) {
            parsed.options.profiles.push_back(value);
        } else if (take_value(arguments, index, "--env-file", "", value)) {
            parsed.options.env_file = value;
        } else if (take_value(arguments, index, "--project-directory", "", value)) {
            parsed.options.working_directory = value;
        } else if (take_value(arguments, index, "--format", "", value)) {
            if (value != "json" && value != "yaml") {
                throw UsageError("berth config: --format takes json or yaml, not " + value);
            }
            parsed.json = value == "json";
        } else if (argument == "--json") {
            parsed.json = true;
        } else if (argument == "--no-interpolate") {
            parsed.options.interpolate = false;
        } else if (argument == "-q" || argument == "--quiet") {
            parsed.quiet = true;
        } else if (argument == "--services") {
            parsed.services_only = true;
        } else {
            throw UsageError("berth config: unknown argument '" + argument + "'\n" + config_usage);
        }
    }
    return parsed;
}

}  // namespace

int config_command(const Arguments& arguments) {
    for (const auto& argument : arguments) {
        if (argument == "-h" || argument == "--help") {
            std::cout << config_usage;
            return 0;
        }
    }
    try {
        const ConfigArguments parsed = parse(arguments);
        const compose::Project project = compose::load_project(parsed.options);
        if (parsed.quiet) {
            return 0;
        }
        if (parsed.services_only) {
            for (const auto& service : project.services) {
                std::cout << service.name << "\n";
            }
        } else if (parsed.json) {
            std::cout << compose::to_json(project).dump(2, ' ', false,
                                                        nlohmann::json::error_handler_t::replace)
                      << "\n";
        } else {
            std::cout << compose::to_yaml(project);
        }
        return 0;
    } catch (const compose::ComposeError& error) {
        for (const auto& diagnostic : error.diagnostics()) {
            std::cerr << diagnostic.to_string() << "\n";
        }
        return 1;
    } catch (const Error& error) {
        std::cerr << error.what() << "\n";
        return 1;
    }
}

}  // namespace berth::cli
