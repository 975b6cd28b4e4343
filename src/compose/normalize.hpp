#pragma once
// Checks the shape of one compose file against the schema tables and rewrites
// every short syntax into the long one, so that merging and model building
// see one form per key.

#include <optional>
#include <string>
#include <vector>

#include "schema.hpp"
#include "tree.hpp"

namespace berth::compose::detail {

/// Validates keys and types of a whole file and canonicalises it in place
/// (see Shape for the canonical form of each kind of value; relative paths
/// become absolute against base_directory). Problems are added to
/// diagnostics; invalid entries are dropped.
void normalize_file(Node& root, const std::string& base_directory, Diagnostics& diagnostics);

/// The key a user probably meant, or "" when nothing is close.
std::string closest_key(const std::string& key, const std::vector<std::string>& known);

/// Parses "true"/"false" in any letter case.
std::optional<bool> parse_boolean(const std::string& text);

/// Parses a whole decimal integer (optionally negative).
std::optional<long long> parse_integer(const std::string& text);

/// The schema walker, with the checks and rewrites that schema rows and their
/// forms share.
class Normalizer {
  public:
    Normalizer(const std::string& base_directory, Diagnostics& diagnostics)
        : base_directory_(base_directory), diagnostics_(diagnostics) {}

    /// Checks the keys of a mapping against the schema and normalises each
    /// value by its row; unknown keys and invalid values are dropped.
    void mapping(Node& node, const Schema& schema, const std::string& path);
    /// Normalises one value by its row; false when it must be dropped.
    bool value(const Field& field, Node& node, const std::string& path);

    void error(const Node& node, const std::string& path, std::string message);
    std::size_t error_count() const { return diagnostics_.size(); }
    void error_at(const Location& location, const std::string& path, std::string message);

    bool scalar_string(Node& value, const std::string& path);
    bool boolean(Node& value, const std::string& path);
    bool integer(Node& value, const std::string& path, long long minimum, long long maximum);
    bool number(Node& value, const std::string& path);
    bool duration(Node& value, const std::string& path);
    bool byte_size(Node& value, const std::string& path, bool unlimited_allowed);
    bool microseconds(Node& value, const std::string& path);
    bool file_mode(Node& value, const std::string& path);
    bool one_of(Node& value, const std::string& path, const std::vector<std::string_view>& allowed);
    bool string_list(Node& value, const std::string& path, bool string_allowed);
    bool string_map(Node& value, const std::string& path, bool null_values_allowed);
    bool command(Node& value, const std::string& path);
    /// A list of mappings: each item normalised by `schema`, with the row's
    /// item_form before and finish after.
    bool list_of_mappings(const Field& field, Node& value, const std::string& path);
    bool map_of_mappings(const Field& field, Node& value, const std::string& path);

    /// A list whose entries are a short string or a long mapping, each
    /// expanded into one or more canonical entries (a port range gives
    /// several) that remember where they were written.
    using ShortEntry = void (*)(Normalizer&, const Node& item, const std::string& path,
                                std::vector<Node>& out);
    using LongEntry = void (*)(Normalizer&, Node& item, const std::string& path,
                               std::vector<Node>& out);
    bool entry_list(Node& value, const std::string& path, const std::string& plural,
                    const std::string& expected_entry, ShortEntry expand_short,
                    LongEntry expand_long);

    /// A path as written in the file, absolute against the file's folder
    /// (`~` is the home folder).
    std::string absolute_path(const std::string& path) const;

  private:
    bool checked_mapping(const Field& field, Node& node, const std::string& path);
    void check_keys(Node& node, const std::string& path, const Schema& schema);

    const std::string& base_directory_;
    Diagnostics& diagnostics_;
};

}  // namespace berth::compose::detail
