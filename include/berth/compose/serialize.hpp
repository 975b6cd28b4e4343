#pragma once
// A Project printed the way `docker compose config` prints it.

#include <berth/compose/model.hpp>
#include <berth/export.hpp>

#include <string>

#include <nlohmann/json.hpp>

namespace berth::compose {

/// The project in the compose file format, with every short syntax expanded
/// (long-form ports and volumes, depends_on as a map, durations as Go
/// duration strings like "1m30s", byte sizes as integers). Unset keys are left
/// out, so the output loads back to the same Project.
BERTH_API nlohmann::json to_json(const Project& project);

/// to_json() as block-style YAML, keys in the same order. Being a compose
/// file itself, it writes a literal $ as $$.
BERTH_API std::string to_yaml(const Project& project);

}  // namespace berth::compose
