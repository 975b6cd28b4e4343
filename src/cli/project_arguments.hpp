#pragma once
// The options every project command shares with `docker compose`: which
// files, which project, which engine.

#include "options.hpp"

#include <berth/compose/loader.hpp>
#include <berth/discovery.hpp>

#include <string>

namespace berth::cli {

struct ProjectArguments {
    compose::LoadOptions load;
    DiscoveryOptions discovery;
};

/// -f/--file, -p/--project-name, --profile, --env-file, --project-directory
/// and -H/--host, for a command's option table.
std::vector<OptionSpec> project_options();

/// The project options a command line gave.
ProjectArguments project_arguments(const ParsedOptions& parsed);

/// value as the whole number option takes; a UsageError naming the option
/// and the value otherwise (std::stoi alone would say only "stoi").
int integer_argument(const std::string& option, const std::string& value);

/// The project's name without loading it when only the name is needed
/// (down, ps): -p, else COMPOSE_PROJECT_NAME, else the loaded files'.
std::string project_name(const ProjectArguments& arguments);

}  // namespace berth::cli
