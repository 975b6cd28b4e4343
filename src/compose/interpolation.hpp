#pragma once
// `${VAR}` substitution in compose values and .env files.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tree.hpp"

namespace berth::compose::detail {

using Variables = std::map<std::string, std::string>;

/// Why a template could not be expanded; the message is complete.
struct InterpolationFailure {
    std::string message;
};

/// Expands $NAME, ${NAME}, ${NAME:-default}, ${NAME-default},
/// ${NAME:?message}, ${NAME?message}, ${NAME:+alternative}, ${NAME+alternative}
/// and $$. Defaults and alternatives may themselves contain templates. A '$'
/// that starts none of these ("$(date)") is kept as written.
/// Returns the expansion, or the failure; `unset`, when given, receives the
/// variables that were unset and replaced by nothing.
std::variant<std::string, InterpolationFailure> interpolate(
    const std::string& text, const Variables& variables, std::vector<std::string>* unset = nullptr);

/// Expands every scalar value (not keys) of the tree, adding one diagnostic
/// per failing value.
void interpolate_tree(Node& node, const Variables& variables, const std::string& key_path,
                      Diagnostics& diagnostics);

}  // namespace berth::compose::detail
