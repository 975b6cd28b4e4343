#pragma once
// The loader's later stages, each on the merged, normalised tree.

#include <berth/compose/model.hpp>

#include <string>

#include "interpolation.hpp"
#include "tree.hpp"

namespace berth::compose::detail {

/// Checks what only the whole project can tell: dependencies exist and do not
/// form cycles, service_healthy targets have a healthcheck, networks and named
/// volumes are declared, container names are unique, every service has an
/// image or a build. `disabled` holds the services that profiles turned off,
/// to explain dependencies on them.
void validate_project(const Node& root, const Node& disabled, Diagnostics& diagnostics);

/// Turns a valid tree into the model. Services are taken from root and
/// disabled_services from `disabled`.
Project build_project(const Node& root, const Node& disabled, const std::string& project_name);

/// Converts an arbitrary subtree (an `x-*` value) to JSON: plain scalars
/// that read as numbers, booleans or null get those types.
nlohmann::json to_json_value(const Node& node);

}  // namespace berth::compose::detail
