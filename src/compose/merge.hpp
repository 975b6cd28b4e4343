#pragma once
// Compose's override rules (13-merge.md), used both for `-f a -f b` and for
// `extends`, driven by the schema rows (Field::merge).

#include <string>

#include "schema.hpp"
#include "tree.hpp"

namespace berth::compose::detail {

/// Merges a normalised `override` mapping into a normalised `base` mapping
/// that `schema` describes:
/// - mappings merge key by key, the override winning;
/// - rows with Merge::replace (command, entrypoint, healthcheck.test) are
///   replaced whole;
/// - rows with Merge::by_key (volumes by target, env_file by path, secrets
///   and configs by target) replace the base item with the same key;
/// - other lists gain the override's items that are not already there;
/// - scalars are replaced;
/// - a value tagged `!reset` removes the key, one tagged `!override`
///   replaces it whole.
void merge_into(Node& base, const Node& override, const Schema* schema);

/// Removes what `!reset` values still mark (a file resetting a key that no
/// earlier file set) and forgets `!override` tags, once merging is done.
void drop_merge_tags(Node& node);

/// Structural equality, ignoring where the nodes came from.
bool same_value(const Node& first, const Node& second);

}  // namespace berth::compose::detail
