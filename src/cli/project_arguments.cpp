#include "project_arguments.hpp"

#include <berth/errors.hpp>

namespace berth::cli {

ProjectArguments parse_project_arguments(const Arguments& arguments) {
    ProjectArguments parsed;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& argument = arguments[i];
        auto value_of = [&](const std::string& long_name, const std::string& short_name,
                            std::string& value) {
            if (argument == long_name || (!short_name.empty() && argument == short_name)) {
                if (i + 1 >= arguments.size())
                    throw UsageError(argument + " needs a value");
                value = arguments[++i];
                return true;
            }
            if (argument.rfind(long_name + "=", 0) == 0) {
                value = argument.substr(long_name.size() + 1);
                return true;
            }
            return false;
        };
        std::string value;
        if (value_of("--file", "-f", value)) {
            parsed.load.files.push_back(value);
        } else if (value_of("--project-name", "-p", value)) {
            parsed.load.project_name = value;
        } else if (value_of("--profile", "", value)) {
            parsed.load.profiles.push_back(value);
        } else if (value_of("--env-file", "", value)) {
            parsed.load.env_file = value;
        } else if (value_of("--project-directory", "", value)) {
            parsed.load.working_directory = value;
        } else if (value_of("--host", "-H", value)) {
            parsed.discovery.explicit_endpoint = value;
        } else {
            parsed.rest.push_back(argument);
        }
    }
    return parsed;
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
