#include "normalize.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include <berth/compose/units.hpp>

#include "environment.hpp"
#include "forms.hpp"

namespace berth::compose::detail {

namespace {

namespace fs = std::filesystem;

std::size_t edit_distance(const std::string& first, const std::string& second) {
    std::vector<std::size_t> previous(second.size() + 1);
    std::vector<std::size_t> current(second.size() + 1);
    for (std::size_t column = 0; column <= second.size(); ++column) {
        previous[column] = column;
    }
    for (std::size_t row = 1; row <= first.size(); ++row) {
        current[0] = row;
        for (std::size_t column = 1; column <= second.size(); ++column) {
            const std::size_t substitution =
                previous[column - 1] + (first[row - 1] == second[column - 1] ? 0 : 1);
            current[column] =
                std::min({previous[column] + 1, current[column - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[second.size()];
}

}  // namespace

bool is_extension(std::string_view key) {
    return key.rfind("x-", 0) == 0;
}

const Field* Schema::find(std::string_view key) const {
    for (const auto& field : fields) {
        if (field.key == key) {
            return &field;
        }
    }
    return nullptr;
}

std::vector<std::string> Schema::keys() const {
    std::vector<std::string> result;
    for (const auto& field : fields) {
        result.emplace_back(field.key);
    }
    return result;
}

// ---- the walker ------------------------------------------------------------

void Normalizer::check_keys(Node& node, const std::string& path, const Schema& schema) {
    std::vector<Entry> kept;
    for (auto& entry : node.entries) {
        if (is_extension(entry.key) || schema.find(entry.key)) {
            kept.push_back(std::move(entry));
            continue;
        }
        std::string message = "unknown " + std::string(schema.what) + " '" + entry.key + "'";
        const std::string suggestion = closest_key(entry.key, schema.keys());
        if (!suggestion.empty()) {
            message += " (did you mean '" + suggestion + "'?)";
        }
        diagnostics_.add(entry.key_location, child_path(path, entry.key), message);
    }
    node.entries = std::move(kept);
}

void Normalizer::mapping(Node& node, const Schema& schema, const std::string& path) {
    if (!node.is_mapping()) {
        error(node, path, "expected a mapping, got " + describe(node));
        node = Node::make_mapping(node.location);
        return;
    }
    check_keys(node, path, schema);
    std::vector<Entry> kept;
    for (auto& entry : node.entries) {
        // `!reset` values are kept as they are for the merge to act on.
        if (is_extension(entry.key) || entry.value.tag == Node::Tag::reset) {
            kept.push_back(std::move(entry));
            continue;
        }
        // A null value is the same as not writing the key (useful to clear a
        // key with an anchor merge).
        if (entry.value.is_null()) {
            continue;
        }
        const Field& field = *schema.find(entry.key);
        if (value(field, entry.value, child_path(path, entry.key))) {
            kept.push_back(std::move(entry));
        }
    }
    node.entries = std::move(kept);
}

bool Normalizer::value(const Field& field, Node& node, const std::string& path) {
    const Node::Tag tag = node.tag;
    bool ok = !field.form || field.form(*this, node, path);
    if (ok) {
        switch (field.shape) {
            case Shape::text:
                ok = scalar_string(node, path);
                break;
            case Shape::boolean:
                ok = boolean(node, path);
                break;
            case Shape::integer:
                ok = integer(node, path, field.minimum, field.maximum);
                break;
            case Shape::number:
                ok = number(node, path);
                break;
            case Shape::duration:
                ok = duration(node, path);
                break;
            case Shape::byte_size:
                ok = byte_size(node, path, field.minimum == -1);
                break;
            case Shape::microseconds:
                ok = microseconds(node, path);
                break;
            case Shape::file_mode:
                ok = file_mode(node, path);
                break;
            case Shape::choice:
                ok = one_of(node, path, field.choices);
                break;
            case Shape::string_list:
            case Shape::string_or_list:
                ok = string_list(node, path, field.shape == Shape::string_or_list);
                break;
            case Shape::string_map:
            case Shape::optional_string_map:
                ok = string_map(node, path, field.shape == Shape::optional_string_map);
                break;
            case Shape::command:
                ok = command(node, path);
                break;
            case Shape::mapping:
                ok = checked_mapping(field, node, path);
                break;
            case Shape::list_of_mappings:
                ok = list_of_mappings(field, node, path);
                break;
            case Shape::map_of_mappings:
                ok = map_of_mappings(field, node, path);
                break;
            case Shape::any:
            case Shape::custom:
                break;
        }
    }
    node.tag = tag;
    return ok;
}

// The row's finish checks rules across keys, so it runs only when every key
// of the mapping was valid: a key dropped for its bad value is not missing.
bool Normalizer::checked_mapping(const Field& field, Node& node, const std::string& path) {
    const std::size_t errors_before = diagnostics_.size();
    mapping(node, *field.nested, path);
    if (!field.finish || diagnostics_.size() != errors_before) {
        return true;
    }
    return field.finish(*this, node, path);
}

bool Normalizer::list_of_mappings(const Field& field, Node& value, const std::string& path) {
    if (!value.is_sequence()) {
        error(value, path, "expected a list, got " + describe(value));
        return false;
    }
    std::vector<Node> kept;
    for (std::size_t index = 0; index < value.items.size(); ++index) {
        Node& item = value.items[index];
        const std::string entry_path = item_path(path, index);
        if (field.item_form && !field.item_form(*this, item, entry_path)) {
            continue;
        }
        if (!item.is_mapping()) {
            error(item, entry_path, "expected a mapping, got " + describe(item));
            continue;
        }
        // An item with a bad key is dropped whole: half an include or half a
        // secret reference would act on the wrong thing.
        const std::size_t errors_before = diagnostics_.size();
        if (!checked_mapping(field, item, entry_path) || diagnostics_.size() != errors_before) {
            continue;
        }
        item.written_path = entry_path;
        kept.push_back(std::move(item));
    }
    value.items = std::move(kept);
    return true;
}

bool Normalizer::map_of_mappings(const Field& field, Node& value, const std::string& path) {
    if (!value.is_mapping()) {
        error(value, path, "expected a mapping, got " + describe(value));
        return false;
    }
    std::vector<Entry> kept;
    for (auto& entry : value.entries) {
        const std::string entry_path = child_path(path, entry.key);
        Node& item = entry.value;
        // Every key here is a name the user chose (a service "x-web" is a
        // service); only `!reset` entries are left for the merge.
        if (item.tag == Node::Tag::reset) {
            kept.push_back(std::move(entry));
            continue;
        }
        const Node::Tag tag = item.tag;
        if (item.is_null()) {
            item = Node::make_mapping(entry.key_location);
        }
        if (field.item_form && !field.item_form(*this, item, entry_path)) {
            continue;
        }
        if (!item.is_mapping()) {
            error(item, entry_path, "expected a mapping, got " + describe(item));
            continue;
        }
        if (!checked_mapping(field, item, entry_path)) {
            continue;
        }
        item.tag = tag;
        kept.push_back(std::move(entry));
    }
    value.entries = std::move(kept);
    return true;
}

bool Normalizer::entry_list(Node& value, const std::string& path, const std::string& plural,
                            const std::string& expected_entry, ShortEntry expand_short,
                            LongEntry expand_long) {
    if (!value.is_sequence()) {
        error(value, path, "expected a list of " + plural + ", got " + describe(value));
        return false;
    }
    std::vector<Node> canonical;
    for (std::size_t index = 0; index < value.items.size(); ++index) {
        Node& item = value.items[index];
        const std::string entry_path = item_path(path, index);
        const std::size_t first_new = canonical.size();
        if (item.is_scalar()) {
            expand_short(*this, item, entry_path, canonical);
        } else if (item.is_mapping()) {
            expand_long(*this, item, entry_path, canonical);
        } else {
            error(item, entry_path, "expected " + expected_entry + ", got " + describe(item));
        }
        for (std::size_t added = first_new; added < canonical.size(); ++added) {
            canonical[added].written_path = entry_path;
        }
    }
    value.items = std::move(canonical);
    return true;
}

std::string Normalizer::absolute_path(const std::string& path) const {
    std::string expanded = path;
    if (expanded == "~" || expanded.rfind("~/", 0) == 0) {
        const char* home = std::getenv("HOME");
        expanded = std::string(home ? home : "") + expanded.substr(1);
    }
    fs::path result(expanded);
    if (result.is_relative()) {
        result = fs::path(base_directory_) / result;
    }
    std::string text = result.lexically_normal().string();
    if (text.size() > 1 && text.back() == '/') {
        text.pop_back();
    }
    return text;
}

// ---- free functions --------------------------------------------------------

std::string closest_key(const std::string& key, const std::vector<std::string>& known) {
    std::string best;
    // More than two edits is a different word; a short key needs fewer.
    std::size_t best_distance = key.size() <= 4 ? 2 : 3;
    for (const auto& candidate : known) {
        const std::size_t distance = edit_distance(key, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

std::optional<bool> parse_boolean(const std::string& text) {
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    return std::nullopt;
}

std::optional<long long> parse_integer(const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::size_t start = text[0] == '-' ? 1 : 0;
    if (start == text.size()) {
        return std::nullopt;
    }
    long long value = 0;
    for (std::size_t index = start; index < text.size(); ++index) {
        if (!std::isdigit(static_cast<unsigned char>(text[index]))) {
            return std::nullopt;
        }
        const int digit = text[index] - '0';
        if (value > (std::numeric_limits<long long>::max() - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
    }
    return start == 1 ? -value : value;
}

}  // namespace berth::compose::detail

namespace berth::compose::detail {

void normalize_file(Node& root, const std::string& base_directory, Diagnostics& diagnostics) {
    if (root.is_null()) {
        diagnostics.add(root.location, "",
                        "the file is empty; expected a mapping with a 'services' key");
        return;
    }
    if (!root.is_mapping()) {
        diagnostics.add(root.location, "",
                        "expected a mapping at the top of the file, got " + describe(root));
        return;
    }
    if (const Node* services = root.find("services"); services && services->is_mapping()) {
        for (const auto& entry : services->entries) {
            if (!valid_service_name(entry.key)) {
                diagnostics.add(entry.key_location, child_path("services", entry.key),
                                "invalid service name '" + entry.key +
                                    "': use letters, digits, '_', '.' and '-', starting with a "
                                    "letter or digit");
            }
        }
    }
    Normalizer(base_directory, diagnostics).mapping(root, project_schema, "");
}


}  // namespace berth::compose::detail
