#pragma once
// The options every project command shares with `docker compose`: which
// files, which project, which engine.

#include "commands.hpp"

#include <berth/compose/loader.hpp>
#include <berth/discovery.hpp>

#include <functional>
#include <string>

namespace berth::cli {

struct ProjectArguments {
    compose::LoadOptions load;
    DiscoveryOptions discovery;
    Arguments rest;  ///< what the command itself has to read
};

/// Takes -f/--file, -p/--project-name, --profile, --env-file,
/// --project-directory and --host (also as --name=value) out of arguments.
ProjectArguments parse_project_arguments(const Arguments& arguments);

/// value as the whole number option takes; a UsageError naming the option
/// and the value otherwise (std::stoi alone would say only "stoi").
int integer_argument(const std::string& option, const std::string& value);

/// The project's name without loading it when only the name is needed
/// (down, ps): -p, else COMPOSE_PROJECT_NAME, else the loaded files'.
std::string project_name(const ProjectArguments& arguments);

}  // namespace berth::cli
