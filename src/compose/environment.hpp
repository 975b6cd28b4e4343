#pragma once
// .env and env_file files, and splitting command strings into words.

#include <optional>
#include <string>
#include <vector>

#include "interpolation.hpp"
#include "tree.hpp"

namespace berth::compose::detail {

struct EnvFileEntry {
    std::string name;
    std::string value;
};

/// Parses the dotenv format compose reads: NAME=VALUE lines, optional
/// `export `, `#` comments, single quotes (literal), double quotes (with \n,
/// \t, \\ and \" escapes), and unquoted values trimmed and cut at " #".
/// Unquoted and double-quoted values may use ${...} from `variables` and from
/// earlier lines. Malformed lines are added to diagnostics.
std::vector<EnvFileEntry> parse_env_file(const std::string& text, const std::string& file,
                                         const Variables& variables, Diagnostics& diagnostics);

/// Splits a command line the way a POSIX shell splits words (quotes and
/// backslashes), without expansions. nullopt when a quote is not closed.
std::optional<std::vector<std::string>> split_shell_words(const std::string& text);

/// Reads a whole file; nullopt when it cannot be opened.
std::optional<std::string> read_text_file(const std::string& path);

}  // namespace berth::compose::detail
