// The value checks of the schema walker: scalars, lists and mappings of
// strings, commands. Each reports its problem and says whether the value
// may be kept.

#include <algorithm>
#include <climits>
#include <cstdlib>

#include <berth/compose/units.hpp>

#include "environment.hpp"
#include "normalize.hpp"

namespace berth::compose::detail {

namespace {

std::string joined(const std::vector<std::string_view>& words) {
    std::string list;
    for (const auto& word : words) {
        list += (list.empty() ? "" : ", ") + std::string(word);
    }
    return list;
}

}  // namespace

// ---- scalars ---------------------------------------------------------------

void Normalizer::error(const Node& node, const std::string& path, std::string message) {
    diagnostics_.add(node.location, path, std::move(message));
}

void Normalizer::error_at(const Location& location, const std::string& path, std::string message) {
    diagnostics_.add(location, path, std::move(message));
}

bool Normalizer::scalar_string(Node& value, const std::string& path) {
    if (!value.is_scalar()) {
        error(value, path, "expected a string, got " + describe(value));
        return false;
    }
    value.plain = false;
    return true;
}

bool Normalizer::boolean(Node& value, const std::string& path) {
    if (value.is_scalar()) {
        if (auto parsed = parse_boolean(value.scalar)) {
            value.scalar = *parsed ? "true" : "false";
            value.plain = true;
            return true;
        }
    }
    error(value, path, "expected true or false, got " + describe(value));
    return false;
}

bool Normalizer::integer(Node& value, const std::string& path, long long minimum,
                         long long maximum) {
    if (value.is_scalar()) {
        if (auto parsed = parse_integer(value.scalar)) {
            if (*parsed < minimum || *parsed > maximum) {
                const std::string range =
                    maximum == LLONG_MAX
                        ? "of at least " + std::to_string(minimum)
                        : "from " + std::to_string(minimum) + " to " + std::to_string(maximum);
                error(value, path, "expected an integer " + range + ", got " + value.scalar);
                return false;
            }
            value.scalar = std::to_string(*parsed);
            value.plain = true;
            return true;
        }
    }
    error(value, path, "expected an integer, got " + describe(value));
    return false;
}

bool Normalizer::number(Node& value, const std::string& path) {
    if (value.is_scalar() && !value.scalar.empty()) {
        char* end = nullptr;
        const double parsed = std::strtod(value.scalar.c_str(), &end);
        if (end && *end == '\0' && parsed >= 0 && parsed < 1e15) {
            value.plain = true;
            return true;
        }
    }
    error(value, path, "expected a number like 0.5 or 2, got " + describe(value));
    return false;
}

bool Normalizer::duration(Node& value, const std::string& path) {
    if (value.is_scalar() && parse_duration(value.scalar)) {
        return true;
    }
    error(value, path, "expected a duration like 30s, 1m30s or 500ms, got " + describe(value));
    return false;
}

bool Normalizer::byte_size(Node& value, const std::string& path, bool unlimited_allowed) {
    if (value.is_scalar() &&
        (parse_byte_size(value.scalar) || (unlimited_allowed && value.scalar == "-1"))) {
        return true;
    }
    error(value, path, "expected a byte size like 64m, 1g or 512k, got " + describe(value));
    return false;
}

// cpu_rt_runtime and cpu_rt_period: microseconds, or a duration.
bool Normalizer::microseconds(Node& value, const std::string& path) {
    if (value.is_scalar()) {
        if (auto whole = parse_integer(value.scalar); whole && *whole >= 0) {
            value.plain = true;
            return true;
        }
        if (auto parsed = parse_duration(value.scalar)) {
            value.scalar = std::to_string(
                std::chrono::duration_cast<std::chrono::microseconds>(*parsed).count());
            value.plain = true;
            return true;
        }
    }
    error(value, path, "expected microseconds or a duration like 400ms, got " + describe(value));
    return false;
}

// File modes are octal to people (0440). compose-go reads a YAML integer as
// go-yaml does (a leading 0 or 0o makes it octal, YAML 1.1 style; 1016 is
// decimal) and a quoted mode as octal digits ("0440", "440"); docker-compose
// 1.29's YAML 1.1 reader agrees on the integers.
bool Normalizer::file_mode(Node& value, const std::string& path) {
    if (value.is_scalar() && !value.scalar.empty()) {
        std::string digits = value.scalar;
        int base = value.plain ? 10 : 8;
        if (digits.rfind("0o", 0) == 0 || (digits.size() > 1 && digits[0] == '0')) {
            digits = digits.substr(digits[1] == 'o' ? 2 : 1);
            base = 8;
        }
        char* end = nullptr;
        const bool digits_only =
            !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
        const long parsed = digits_only ? std::strtol(digits.c_str(), &end, base) : -1;
        if (end && *end == '\0' && parsed >= 0 && parsed <= 07777) {
            value.scalar = std::to_string(parsed);
            value.plain = true;
            return true;
        }
    }
    error(value, path, "expected a file mode like 0440, got " + describe(value));
    return false;
}

bool Normalizer::one_of(Node& value, const std::string& path,
                        const std::vector<std::string_view>& allowed) {
    if (value.is_scalar() &&
        std::find(allowed.begin(), allowed.end(), value.scalar) != allowed.end()) {
        value.plain = false;
        return true;
    }
    error(value, path, "expected one of " + joined(allowed) + ", got " + describe(value));
    return false;
}

// ---- lists and mappings of strings -----------------------------------------

bool Normalizer::string_list(Node& value, const std::string& path, bool string_allowed) {
    if (string_allowed && value.is_scalar()) {
        Node list = Node::make_sequence(value.location);
        list.items.push_back(value);
        list.items.back().plain = false;
        value = std::move(list);
        return true;
    }
    if (!value.is_sequence()) {
        error(value, path,
              std::string(string_allowed ? "expected a string or a list of strings"
                                         : "expected a list of strings") +
                  ", got " + describe(value));
        return false;
    }
    std::vector<Node> kept;
    for (std::size_t index = 0; index < value.items.size(); ++index) {
        Node& item = value.items[index];
        if (!item.is_scalar()) {
            error(item, item_path(path, index), "expected a string, got " + describe(item));
            continue;
        }
        item.plain = false;
        kept.push_back(std::move(item));
    }
    value.items = std::move(kept);
    return true;
}

// environment, labels, sysctls, build args: a mapping, or a list of
// NAME=VALUE (NAME alone means "no value" for environment and args).
bool Normalizer::string_map(Node& value, const std::string& path, bool null_values_allowed) {
    Node mapping = Node::make_mapping(value.location);
    if (value.is_sequence()) {
        for (std::size_t index = 0; index < value.items.size(); ++index) {
            Node& item = value.items[index];
            const std::string entry_path = item_path(path, index);
            if (!item.is_scalar()) {
                error(item, entry_path, "expected a NAME=VALUE string, got " + describe(item));
                continue;
            }
            const auto equals = item.scalar.find('=');
            const std::string name = item.scalar.substr(0, equals);
            if (name.empty()) {
                error(item, entry_path, "expected NAME=VALUE, the name is empty");
                continue;
            }
            if (mapping.find(name)) {
                error(item, entry_path, "'" + name + "' is set twice");
                continue;
            }
            Node entry_value;
            entry_value.location = item.location;
            if (equals != std::string::npos) {
                entry_value = Node::make_scalar(item.scalar.substr(equals + 1), item.location);
            } else if (!null_values_allowed) {
                entry_value = Node::make_scalar("", item.location);
            }
            mapping.entries.push_back(Entry{name, item.location, std::move(entry_value)});
        }
    } else if (value.is_mapping()) {
        for (auto& entry : value.entries) {
            const std::string entry_path = child_path(path, entry.key);
            Node& item = entry.value;
            if (item.is_null()) {
                if (!null_values_allowed) {
                    item = Node::make_scalar("", item.location);
                }
            } else if (!item.is_scalar()) {
                error(item, entry_path,
                      "expected a string, a number or null, got " + describe(item));
                continue;
            } else if (item.plain && parse_boolean(item.scalar)) {
                // docker-compose refuses booleans here since YAML readers
                // disagree on spelling them (True, true, yes); a quoted value
                // is unambiguous.
                error(item, entry_path,
                      "got the boolean " + item.scalar +
                          ", expected a string, a number or null (quote it: \"" + item.scalar +
                          "\")");
                continue;
            } else {
                item.plain = false;
            }
            mapping.entries.push_back(std::move(entry));
        }
    } else {
        error(value, path,
              "expected a mapping or a list of NAME=VALUE strings, got " + describe(value));
        return false;
    }
    value = std::move(mapping);
    return true;
}

bool Normalizer::command(Node& value, const std::string& path) {
    if (value.is_scalar()) {
        auto words = split_shell_words(value.scalar);
        if (!words) {
            error(value, path, "a quote is not closed in '" + value.scalar + "'");
            return false;
        }
        Node list = Node::make_sequence(value.location);
        for (auto& word : *words) {
            list.items.push_back(Node::make_scalar(std::move(word), value.location));
        }
        value = std::move(list);
        return true;
    }
    if (!value.is_sequence()) {
        error(value, path, "expected a string or a list of strings, got " + describe(value));
        return false;
    }
    return string_list(value, path, false);
}

}  // namespace berth::compose::detail
