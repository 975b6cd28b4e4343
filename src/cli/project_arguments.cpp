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
        // normalised as compose does: lower case, [a-z0-9_-] only.
        std::string name;
        for (char c : *arguments.load.project_name) {
            char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (std::isalnum(static_cast<unsigned char>(lower)) || lower == '_' || lower == '-')
                name += lower;
        }
        return name;
    }
    return compose::load_project(arguments.load).name;
}

}  // namespace berth::cli
