#pragma once
// Checks the shape of one compose file and rewrites every short syntax into
// the long one, so that merging and model building see one form per key.

#include <optional>
#include <string>
#include <vector>

#include "tree.hpp"

namespace berth::compose::detail {

/// Validates keys and types of a whole file (top-level, services, networks,
/// volumes) and canonicalises it in place:
/// - ports, volumes, depends_on, service networks, build, env_file and
///   ulimits in long form; environment, labels, sysctls and build args as
///   mappings; command and entrypoint as lists; healthcheck.test as a list;
/// - booleans as "true"/"false"; relative paths absolute against
///   base_directory.
/// Problems are added to diagnostics; invalid entries are dropped.
void normalize_file(Node& root, const std::string& base_directory, Diagnostics& diagnostics);

/// Normalises a single service mapping (used for `extends` targets).
void normalize_service(Node& service, const std::string& key_path,
                       const std::string& base_directory, Diagnostics& diagnostics);

/// The key a user probably meant, or "" when nothing is close.
std::string closest_key(const std::string& key, const std::vector<std::string>& known);

/// Parses "true"/"false" in any letter case.
std::optional<bool> parse_boolean(const std::string& text);

/// Parses a whole decimal integer (optionally negative).
std::optional<long long> parse_integer(const std::string& text);

}  // namespace berth::compose::detail
