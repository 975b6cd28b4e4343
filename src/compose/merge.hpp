#pragma once
// Compose's override rules, used both for `-f a -f b` and for `extends`.

#include <string>

#include "tree.hpp"

namespace berth::compose::detail {

/// Merges a normalised `override` into a normalised `base`:
/// - mappings merge key by key (environment, labels, build, healthcheck,
///   depends_on, networks, ...), the override winning;
/// - command, entrypoint and healthcheck.test are replaced whole;
/// - volumes merge by container path, env_file by path;
/// - other lists (ports, expose, cap_add, dns, ...) gain the override's
///   entries that are not already there;
/// - scalars are replaced.
/// `key` is the name under which both values sit ("" for the document).
void merge_into(Node& base, const Node& override, const std::string& key);

/// Structural equality, ignoring where the nodes came from.
bool same_value(const Node& first, const Node& second);

}  // namespace berth::compose::detail
