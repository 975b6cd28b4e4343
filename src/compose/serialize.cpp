#include <berth/compose/serialize.hpp>
#include <berth/compose/units.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "schema.hpp"

namespace berth::compose {

namespace {

using nlohmann::json;

// Strings a YAML reader (1.1 or 1.2) would take for another type must be
// quoted. Written by hand rather than as a std::regex: libstdc++'s regex
// recurses per character and overflows the stack on long values.
bool needs_quotes(const std::string& text) {
    if (text.empty() || text.front() == ' ' || text.back() == ' ') {
        return true;
    }
    // yaml-cpp prints control characters (a carriage return, say) raw in a
    // plain scalar, where a reader folds them; double quotes escape them.
    const bool has_control = std::any_of(text.begin(), text.end(), [](char character) {
        const auto byte = static_cast<unsigned char>(character);
        return byte < 0x20 || byte == 0x7F;
    });
    if (has_control) {
        return true;
    }
    static const std::set<std::string> words = {
        "~",     "null", "Null",  "NULL",  "true", "True", "TRUE", "false", "False",
        "FALSE", "yes",  "Yes",   "YES",   "no",   "No",   "NO",   "on",    "On",
        "ON",    "off",  "Off",   "OFF",   "y",    "Y",    "n",    "N",     ".inf",
        ".Inf",  ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN"};
    if (words.count(text) != 0) {
        return true;
    }
    // Anything that starts like a number (ints, floats, 0x.., 0o.., 1:30
    // sexagesimals, dates) is quoted; quoting a string needlessly is harmless.
    std::size_t start = (text[0] == '-' || text[0] == '+') ? 1 : 0;
    if (start < text.size() && text[start] == '.') {
        ++start;
    }
    if (start >= text.size() || !std::isdigit(static_cast<unsigned char>(text[start]))) {
        return false;
    }
    return std::all_of(
        text.begin() + static_cast<std::ptrdiff_t>(start), text.end(), [](char character) {
            return std::isxdigit(static_cast<unsigned char>(character)) ||
                   std::string_view("_.:+-xXoO").find(character) != std::string_view::npos;
        });
}

// The YAML output is itself a compose file: a literal $ must be written $$ or
// loading it again would interpolate.
std::string escape_dollars(const std::string& text) {
    std::string escaped;
    for (char character : text) {
        escaped += character;
        if (character == '$') {
            escaped += '$';
        }
    }
    return escaped;
}

void emit(YAML::Emitter& out, const json& value) {
    switch (value.type()) {
        case json::value_t::object:
            if (value.empty()) {
                out << YAML::Flow;
            }
            out << YAML::BeginMap;
            for (const auto& [key, item] : value.items()) {
                // YAML limits an implicit "key:" to 1024 characters as
                // printed, and escapes can print a byte as four; longer keys
                // need the explicit "? key" form to read back.
                if (key.size() > 250) {
                    out << YAML::LongKey;
                }
                out << YAML::Key;
                if (needs_quotes(key)) {
                    out << YAML::DoubleQuoted;
                }
                out << key << YAML::Value;
                emit(out, item);
            }
            out << YAML::EndMap;
            break;
        case json::value_t::array:
            if (value.empty()) {
                out << YAML::Flow;
            }
            out << YAML::BeginSeq;
            for (const auto& item : value) {
                emit(out, item);
            }
            out << YAML::EndSeq;
            break;
        case json::value_t::string: {
            const std::string text = escape_dollars(value.get_ref<const std::string&>());
            if (needs_quotes(text)) {
                out << YAML::DoubleQuoted << text;
            } else {
                out << text;
            }
            break;
        }
        case json::value_t::boolean:
            out << (value.get<bool>() ? "true" : "false");
            break;
        case json::value_t::null:
            out << YAML::Null;
            break;
        default:
            out << value.dump();
            break;
    }
}

}  // namespace

namespace detail {

json write_struct(const Schema& schema, const void* model) {
    json object = json::object();
    for (const auto& field : schema.fields) {
        if (field.binding.write) {
            field.binding.write(field, model, object);
        }
    }
    if (schema.extensions.write) {
        schema.extensions.write(Field{}, model, object);
    }
    return object;
}

}  // namespace detail

nlohmann::json to_json(const Project& project) {
    json object = json::object();
    object["name"] = project.name;
    json services = json::object();
    for (const auto& service : project.services) {
        services[service.name] = detail::write_struct(detail::service_schema, &service);
    }
    object["services"] = services;
    // networks, volumes, secrets, configs, models and x-* by their rows.
    json resources = detail::write_struct(detail::project_schema, &project);
    object.update(resources);
    return object;
}

std::string to_yaml(const Project& project) {
    YAML::Emitter out;
    out.SetIndent(2);
    out.SetSeqFormat(YAML::Block);
    out.SetMapFormat(YAML::Block);
    emit(out, to_json(project));
    return std::string(out.c_str()) + "\n";
}

}  // namespace berth::compose
