#pragma once
// What every operation family needs: the transport, the negotiated paths,
// and small helpers to send a request and read its JSON answer.

#include <berth/engine.hpp>
#include <berth/errors.hpp>

#include "engine/transport.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace berth {

/// An object the engine made other than asked is not handed on: when the
/// engine warned, `remove` takes it away again and EngineWarning names it,
/// quoting every warning (and the removal's failure, if it failed too).
void refuse_if_warned(const std::string& operation, const std::string& target,
                      std::vector<std::string> warnings, const std::function<void()>& remove);

/// An answer's field that is there but not what berth reads it as;
/// State::decode reports it as the engine's fault, with the operation.
struct UnexpectedShape : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The newest Docker API berth speaks; an older server lowers it.
inline constexpr const char* berth_api_version = "1.41";

// Hidden: Engine is exported, and its nested types would be exported with it.
struct __attribute__((visibility("hidden"))) Engine::State {
    Endpoint endpoint;
    EngineOptions options;
    std::unique_ptr<detail::Transport> transport;
    BackendInfo backend;

    /// "/v1.41" + path: compat API, spoken by both engines.
    std::string api(const std::string& path) const { return "/v" + backend.api_version + path; }
    /// "/v4.3.1/libpod" + path: Podman's own API.
    std::string libpod(const std::string& path) const {
        return "/v" + backend.libpod_api_version + "/libpod" + path;
    }

    detail::Request request(std::string method, std::string path, std::string operation,
                            std::string target = {}) const {
        detail::Request request;
        request.method = std::move(method);
        request.path = std::move(path);
        request.operation = std::move(operation);
        request.target = std::move(target);
        return request;
    }

    /// Sends and returns the response; any status outside 2xx and the
    /// accepted ones becomes a typed error.
    detail::Response send(const detail::Request& request,
                          std::initializer_list<int> also_accepted = {}) {
        return accepted(request, transport->perform(request), also_accepted);
    }

    /// send(), asked again (three times in all) while the engine answers 500
    /// with `passing_words` in its message: for Podman's answers when
    /// something it reads on the way changes under it, each named where it
    /// is used. Such an answer is definite, not a lost request, so asking
    /// again is safe.
    detail::Response send_again_while(const detail::Request& request,
                                      std::string_view passing_words,
                                      std::initializer_list<int> also_accepted = {}) {
        constexpr int attempts = 3;
        for (int attempt = 1;; ++attempt) {
            detail::Response response = transport->perform(request);
            const bool passing =
                response.status == 500 && response.body.find(passing_words) != std::string::npos;
            if (!passing || attempt == attempts)
                return accepted(request, std::move(response), also_accepted);
        }
    }

    /// The response when its status is 2xx or one of also_accepted; else
    /// the typed error for it.
    detail::Response accepted(const detail::Request& request, detail::Response response,
                              std::initializer_list<int> also_accepted) const {
        if (response.ok())
            return response;
        for (int status : also_accepted) {
            if (response.status == status)
                return response;
        }
        if (backend.is_podman() && response.status == 500 &&
            response.body.find("already in use") != std::string::npos) {
            // Podman answers a taken name with 500 where Docker says 409.
            detail::Response conflict = response;
            conflict.status = 409;
            detail::Transport::raise(request, conflict);
        }
        detail::Transport::raise(request, response);
    }

    nlohmann::json send_json(const detail::Request& request) {
        return parse_body(request, send(request));
    }

    /// The body of an answer as JSON; a body that is not JSON is the
    /// engine's fault, reported as a TransportError with the operation.
    static nlohmann::json parse_body(const detail::Request& request,
                                     const detail::Response& response) {
        if (response.body.empty())
            return nullptr;
        auto parsed = nlohmann::json::parse(response.body, nullptr, false);
        if (parsed.is_discarded()) {
            throw TransportError(
                request.operation, request.target,
                "the engine's answer is not JSON: " + response.body.substr(0, 200));
        }
        return parsed;
    }

    /// Reads an answer with reader; a value of an unexpected type inside it
    /// (nlohmann's type_error) becomes a TransportError, so that no JSON
    /// library exception leaves an Engine method.
    template <typename Reader>
    static auto decode(const detail::Request& request, const nlohmann::json& answer,
                       Reader&& reader) {
        try {
            return reader(answer);
        } catch (const nlohmann::json::exception& error) {
            throw unexpected_shape(request, error);
        } catch (const UnexpectedShape& error) {
            throw unexpected_shape(request, error);
        }
    }

    static TransportError unexpected_shape(const detail::Request& request,
                                           const std::exception& error) {
        return TransportError(
            request.operation, request.target,
            std::string("the engine's answer has an unexpected shape: ") + error.what());
    }
};

/// The container's or image's name for use in a URL path.
inline std::string path_segment(const std::string& name) {
    return detail::url_escape(name);
}

/// Reads a JSON string field, "" when absent or null.
inline std::string string_field(const nlohmann::json& object, const char* key) {
    if (!object.is_object())
        return {};
    auto found = object.find(key);
    if (found == object.end() || !found->is_string())
        return {};
    return found->get<std::string>();
}

/// Reads a JSON map of strings (labels, options), empty when absent or null.
inline std::map<std::string, std::string> string_map(const nlohmann::json& object,
                                                     const char* key) {
    std::map<std::string, std::string> result;
    if (!object.is_object())
        return result;
    auto found = object.find(key);
    if (found == object.end() || !found->is_object())
        return result;
    for (const auto& [name, value] : found->items()) {
        if (value.is_string())
            result[name] = value.get<std::string>();
    }
    return result;
}

/// An integer of the engine's answer, when it is one that fits T. A float,
/// a string or a number out of T's range gives nullopt: converting those
/// is undefined behaviour, which no answer may cause (the stream fuzzer
/// found one in an event's timeNano).
template <typename T>
std::optional<T> fitting_integer(const nlohmann::json& value) {
    constexpr T lowest = std::numeric_limits<T>::min();
    constexpr T highest = std::numeric_limits<T>::max();
    if (value.is_number_unsigned()) {
        const auto number = value.get<std::uint64_t>();
        if (std::cmp_less_equal(number, highest))
            return static_cast<T>(number);
    } else if (value.is_number_integer()) {
        const auto number = value.get<std::int64_t>();
        if (std::cmp_greater_equal(number, lowest) && std::cmp_less_equal(number, highest))
            return static_cast<T>(number);
    }
    return std::nullopt;
}

/// A whole number written as text in an answer (a port in "80/tcp", a part
/// of a version), when all of it is one that fits T; atoi's overflow is
/// undefined.
template <typename T>
std::optional<T> integer_in_text(std::string_view text) {
    T number{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return number;
}

/// An integer field that fits T; `fallback` when absent or null. Anything
/// else there throws UnexpectedShape: read inside State::decode.
template <typename T>
T integer_field(const nlohmann::json& object, const char* key, T fallback) {
    if (!object.is_object())
        return fallback;
    auto found = object.find(key);
    if (found == object.end() || found->is_null())
        return fallback;
    if (auto number = fitting_integer<T>(*found))
        return *number;
    throw UnexpectedShape(std::string(key) + " is " + found->dump() + ", not an integer that fits");
}

inline std::vector<std::string> string_list(const nlohmann::json& object, const char* key) {
    std::vector<std::string> result;
    if (!object.is_object())
        return result;
    auto found = object.find(key);
    if (found == object.end() || !found->is_array())
        return result;
    for (const auto& value : *found) {
        if (value.is_string())
            result.push_back(value.get<std::string>());
    }
    return result;
}

/// Whether an object found by name after a create whose answer was lost
/// carries every label the create asked for (the engine may add more, as
/// Docker does with the image's labels): then it is the one that create made.
inline bool carries_labels(const std::map<std::string, std::string>& found,
                           const std::map<std::string, std::string>& asked) {
    for (const auto& [key, value] : asked) {
        auto label = found.find(key);
        if (label == found.end() || label->second != value)
            return false;
    }
    return true;
}

/// Docker's list filters: {"label": ["a=b"], "name": [...]} as a query value.
std::string filters_json(const ListFilter& filter);

}  // namespace berth
