#pragma once
// bind<&Struct::member>(): the Binding of a schema row, made from the type
// of the model member. One generic reader and one generic printer per kind of
// member type (text, flags, numbers, durations, lists, maps, nested structs)
// serve every row, so a row never needs code of its own.

#include <berth/compose/model.hpp>
#include <berth/compose/units.hpp>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "normalize.hpp"
#include "schema.hpp"

namespace berth::compose::detail {

template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<std::optional<T>> : std::true_type {};
template <typename T>
struct is_vector : std::false_type {};
template <typename T>
struct is_vector<std::vector<T>> : std::true_type {};
template <typename T>
struct is_map : std::false_type {};
template <typename T>
struct is_map<std::map<std::string, T>> : std::true_type {};

template <typename Member>
struct member_traits;
template <typename Owner, typename Value>
struct member_traits<Value Owner::*> {
    using owner = Owner;
    using value = Value;
};

/// The whole number a canonical scalar holds, by the row's shape.
std::int64_t scalar_number(const Field& field, const Node& node);

template <typename T>
void read_value(const Field& field, const Node& node, T& out) {
    if constexpr (std::is_same_v<T, std::string>) {
        out = node.scalar;
    } else if constexpr (std::is_same_v<T, bool>) {
        out = node.scalar == "true";
    } else if constexpr (std::is_same_v<T, Duration>) {
        out = parse_duration(node.scalar).value_or(Duration{});
    } else if constexpr (std::is_same_v<T, double>) {
        out = std::strtod(node.scalar.c_str(), nullptr);
    } else if constexpr (std::is_integral_v<T>) {
        out = static_cast<T>(scalar_number(field, node));
    } else if constexpr (std::is_same_v<T, nlohmann::json>) {
        out = to_json_value(node);
    } else if constexpr (is_optional<T>::value) {
        typename T::value_type value{};
        read_value(field, node, value);
        out = std::move(value);
    } else if constexpr (is_vector<T>::value) {
        for (const auto& item : node.items) {
            read_value(field, item, out.emplace_back());
        }
    } else if constexpr (is_map<T>::value) {
        for (const auto& entry : node.entries) {
            if constexpr (is_optional<typename T::mapped_type>::value) {
                if (entry.value.is_null()) {
                    out[entry.key] = std::nullopt;
                    continue;
                }
            }
            read_value(field, entry.value, out[entry.key]);
        }
    } else {
        read_struct(*field.nested, node, &out);
    }
}

/// The printed form of a member, or nullopt when it is unset and left out.
/// `forced`: print even an empty value (it sits inside an optional or a list).
template <typename T>
std::optional<nlohmann::json> printed(const Field& field, const T& value, bool forced) {
    const bool always = forced || field.always_printed;
    if constexpr (std::is_same_v<T, std::string>) {
        return value.empty() && !always ? std::nullopt : std::optional<nlohmann::json>(value);
    } else if constexpr (std::is_same_v<T, bool>) {
        return !value && !always ? std::nullopt : std::optional<nlohmann::json>(value);
    } else if constexpr (std::is_same_v<T, Duration>) {
        return nlohmann::json(format_duration(value));
    } else if constexpr (std::is_arithmetic_v<T>) {
        return nlohmann::json(value);
    } else if constexpr (std::is_same_v<T, nlohmann::json>) {
        return value.is_null() ? std::nullopt : std::optional<nlohmann::json>(value);
    } else if constexpr (is_optional<T>::value) {
        return value ? printed(field, *value, true) : std::nullopt;
    } else if constexpr (is_vector<T>::value) {
        if (value.empty() && !always) {
            return std::nullopt;
        }
        nlohmann::json list = nlohmann::json::array();
        for (const auto& item : value) {
            list.push_back(*printed(field, item, true));
        }
        return list;
    } else if constexpr (is_map<T>::value) {
        if (value.empty() && !always) {
            return std::nullopt;
        }
        nlohmann::json object = nlohmann::json::object();
        for (const auto& [key, item] : value) {
            if constexpr (is_optional<typename T::mapped_type>::value) {
                object[key] = item ? nlohmann::json(*item) : nlohmann::json(nullptr);
            } else {
                nlohmann::json each = *printed(field, item, true);
                // A map entry with nothing set prints as null (`networks:
                // {default: null}`), as compose prints it.
                object[key] = each.is_object() && each.empty() ? nlohmann::json(nullptr) : each;
            }
        }
        return object;
    } else {
        return write_struct(*field.nested, &value);
    }
}

template <auto Member>
Binding bind() {
    using Owner = typename member_traits<decltype(Member)>::owner;
    return Binding{
        [](const Field& field, const Node& value, void* model) {
            read_value(field, value, static_cast<Owner*>(model)->*Member);
        },
        [](const Field& field, const void* model, nlohmann::json& object) {
            if (auto value = printed(field, static_cast<const Owner*>(model)->*Member, false)) {
                object[std::string(field.key)] = std::move(*value);
            }
        },
    };
}

/// A nested mapping whose keys live in the parent struct itself (a volume's
/// `bind:` options are fields of ServiceVolume); printed only when one is set.
Binding bind_inline();

/// Reads the `x-*` keys of a mapping into the struct's `extensions`.
template <auto Member>
Binding bind_extensions() {
    using Owner = typename member_traits<decltype(Member)>::owner;
    return Binding{
        [](const Field&, const Node& mapping, void* model) {
            Extensions& extensions = static_cast<Owner*>(model)->*Member;
            for (const auto& entry : mapping.entries) {
                if (is_extension(entry.key)) {
                    extensions[entry.key] = to_json_value(entry.value);
                }
            }
        },
        [](const Field&, const void* model, nlohmann::json& object) {
            for (const auto& [key, value] : static_cast<const Owner*>(model)->*Member) {
                object[key] = value;
            }
        },
    };
}

}  // namespace berth::compose::detail
