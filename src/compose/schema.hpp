#pragma once
// The compose file format as data: one table (Schema) per mapping of the
// format, one row (Field) per key. The normaliser checks and canonicalises a
// key by its row, the merger merges it by its row, the model builder reads it
// into the model and the serializer prints it back through the row's binding.
// Adding a key to berth is one row here plus its model field.

#include <climits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tree.hpp"

namespace berth::compose::detail {

class Normalizer;
struct Schema;
struct Field;

/// The value a key takes, and so its canonical form in the tree.
enum class Shape {
    text,                 ///< any scalar, kept as text
    boolean,              ///< true/false in any letter case → "true"/"false"
    integer,              ///< a whole number from Field::minimum to Field::maximum
    number,               ///< a decimal number (cpus, ratios)
    duration,             ///< a Go duration like 1m30s
    byte_size,            ///< 64m, 1g; -1 too when Field::minimum is -1
    microseconds,         ///< a number of microseconds, or a duration
    file_mode,            ///< octal with a leading 0 (0440) or quoted ("440"), canonical decimal
    choice,               ///< one of Field::choices
    string_list,          ///< a list of strings (numbers are taken as text)
    string_or_list,       ///< a string is a one-item list
    string_map,           ///< a mapping, or a list of NAME=VALUE; values strings
    optional_string_map,  ///< as string_map, and NAME alone (or null) means "no value"
    command,              ///< a string split like a shell would, or a list
    any,                  ///< any value, kept as written (driver-specific options)
    mapping,              ///< a mapping described by Field::nested
    list_of_mappings,     ///< a list of mappings described by Field::nested
    map_of_mappings,      ///< NAME → a mapping described by Field::nested (null: empty)
    custom,               ///< Field::form does the whole job
};

/// How an override file (or a service extending another) changes the value.
enum class Merge {
    automatic,  ///< mappings merge key by key, lists append new items, scalars are replaced
    replace,    ///< the override replaces the value whole (command, entrypoint, test)
    by_key,     ///< a list whose items are unique by Field::merge_key (volumes by target)
    /// A mapping merged key by key while both sides agree on Field::merge_key
    /// (or one does not set it), replaced whole when they differ: logging
    /// options of another driver mean nothing to this one.
    unless_key_differs,
};

/// Rewrites a value in place (short syntax → long, defaults, checks that span
/// several keys); false when the value is invalid and must be dropped (the
/// problem was reported).
using Form = bool (*)(Normalizer& normalizer, Node& value, const std::string& path);

/// How a key reaches the model and comes back out of it. `model` points to
/// the model struct the key's Schema describes (a Service for service keys,
/// a BuildSpec for build keys, ...). Either function may be null: a key the
/// loader resolves itself (extends, include, env_file's files) is not printed.
struct Binding {
    void (*read)(const Field& field, const Node& value, void* model) = nullptr;
    void (*write)(const Field& field, const void* model, nlohmann::json& object) = nullptr;
};

struct Field {
    std::string_view key;
    Shape shape = Shape::text;
    Binding binding;
    const Schema* nested = nullptr;  ///< mapping, list_of_mappings, map_of_mappings
    Form form = nullptr;       ///< before the shape check, on the whole value (short syntaxes)
    Form item_form = nullptr;  ///< before each item of a list or map of mappings
    Form finish = nullptr;     ///< after the nested check, on the mapping (on each item of lists)
    Merge merge = Merge::automatic;
    std::string_view merge_key = {};  ///< Merge::by_key: the identity of an item
    std::vector<std::string_view> choices = {};
    long long minimum = LLONG_MIN;
    long long maximum = LLONG_MAX;
    /// Printed even when empty or false (a port's protocol, a build's context).
    bool always_printed = false;
};

struct Schema {
    /// What a key of this mapping is called in messages: "service key", "key".
    std::string_view what;
    std::vector<Field> fields;
    /// Where `x-*` keys of this mapping go in the model.
    Binding extensions;

    const Field* find(std::string_view key) const;
    std::vector<std::string> keys() const;
};

/// The format, from the top of a file down (schema_project.cpp,
/// schema_service.cpp, schema_parts.cpp).
extern const Schema project_schema;
extern const Schema service_schema;
extern const Schema build_schema;
extern const Schema healthcheck_schema;
extern const Schema port_schema;
extern const Schema service_volume_schema;
extern const Schema deploy_schema;
extern const Schema develop_schema;
extern const Schema hook_schema;
extern const Schema pre_start_schema;
extern const Schema file_reference_schema;
extern const Schema ulimit_schema;
extern const Schema device_request_schema;
extern const Schema logging_schema;
extern const Schema provider_schema;
extern const Schema credential_spec_schema;
extern const Schema blkio_schema;

/// Reads a mapping the schema describes into the model struct at `model`.
void read_struct(const Schema& schema, const Node& node, void* model);

/// Prints the model struct at `model` as the schema describes it.
nlohmann::json write_struct(const Schema& schema, const void* model);

/// Converts an arbitrary subtree (an `x-*` value) to JSON: plain scalars that
/// read as numbers, booleans or null get those types.
nlohmann::json to_json_value(const Node& node);

bool is_extension(std::string_view key);

}  // namespace berth::compose::detail
