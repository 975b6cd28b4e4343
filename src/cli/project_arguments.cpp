#include "project_arguments.hpp"

#include <berth/errors.hpp>

namespace berth::cli {

std::vector<OptionSpec> project_options() {
    return {
        {{"-f", "--file"}, "FILE", "Compose file (repeatable; later files merge over earlier)"},
        {{"-p", "--project-name"}, "NAME", "Project name (default: the files' folder)"},
        {{"--profile"}, "PROFILE", "Enable services of this profile (repeatable)"},
        {{"--env-file"}, "FILE", "Variables for interpolation (default: .env)"},
        {{"--project-directory"}, "DIR", "Folder relative paths start from"},
        {{"-H", "--host"}, "URI", "Engine to use (unix:///path, tcp://host:port)"},
    };
}

ProjectArguments project_arguments(const ParsedOptions& parsed) {
    ProjectArguments arguments;
    arguments.load.files = parsed.values("--file");
    if (auto name = parsed.value("--project-name"))
        arguments.load.project_name = *name;
    arguments.load.profiles = parsed.values("--profile");
    if (auto file = parsed.value("--env-file"))
        arguments.load.env_file = *file;
    if (auto folder = parsed.value("--project-directory"))
        arguments.load.working_directory = *folder;
    if (auto host = parsed.value("--host"))
        arguments.discovery.explicit_endpoint = *host;
    return arguments;
}

std::string project_name(const ProjectArguments& arguments) {
    if (arguments.load.project_name) {
        // -p alone is enough to find a project, even with its files gone;
        // normalised exactly as the loader does, so that ps, logs and exec
        // reach the project up made.
        std::string name = compose::normalise_project_name(*arguments.load.project_name);
        if (name.empty()) {
            throw UsageError("-p '" + *arguments.load.project_name +
                             "': a project name needs a letter or digit");
        }
        return name;
    }
    return compose::load_project(arguments.load).name;
}

int integer_argument(const std::string& option, const std::string& value) {
    std::size_t used = 0;
    int number = 0;
    try {
        number = std::stoi(value, &used);
    } catch (const std::exception&) {
        used = 0;  // not a number, or out of int's range
    }
    if (used == 0 || used != value.size()) {
        throw UsageError(option + " needs a whole number, not '" + value + "'");
    }
    return number;
}

}  // namespace berth::cli
