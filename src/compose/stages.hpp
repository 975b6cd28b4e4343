#pragma once
// The loader's later stages, each on the merged, normalised tree.

#include <berth/compose/model.hpp>

#include <string>

#include "interpolation.hpp"
#include "schema.hpp"
#include "tree.hpp"

namespace berth::compose::detail {

/// Checks what only the whole project can tell: dependencies exist and do not
/// form cycles, service_healthy targets have a healthcheck, networks and named
/// volumes are declared, container names are unique, every service has an
/// image or a build. `disabled` holds the services that profiles turned off,
/// to explain dependencies on them.
void validate_project(const Node& root, const Node& disabled, Diagnostics& diagnostics);

/// Reads each service's env_file files into its `environment` (the key wins
/// over the files) and fills names without a value, in environment and build
/// args, from the loader's variables, as compose does.
void resolve_service_environment(Node& root, const Variables& variables, Diagnostics& diagnostics);

/// Turns a valid tree into the model. Services are taken from root and
/// disabled_services from `disabled`.
Project build_project(const Node& root, const Node& disabled, const std::string& project_name);

}  // namespace berth::compose::detail
