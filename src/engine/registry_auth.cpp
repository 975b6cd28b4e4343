#include "engine/registry_auth.hpp"

#include <berth/errors.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

namespace berth::detail {

namespace {

namespace fs = std::filesystem;

std::string base64(const std::string& bytes, bool url) {
    const char* alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                               : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t index = 0;
    for (; index + 2 < bytes.size(); index += 3) {
        unsigned value = (static_cast<unsigned char>(bytes[index]) << 16) |
                         (static_cast<unsigned char>(bytes[index + 1]) << 8) |
                         static_cast<unsigned char>(bytes[index + 2]);
        for (int shift : {18, 12, 6, 0})
            out += alphabet[(value >> shift) & 63];
    }
    std::size_t rest = bytes.size() - index;
    if (rest > 0) {
        unsigned value = static_cast<unsigned char>(bytes[index]) << 16;
        if (rest == 2)
            value |= static_cast<unsigned char>(bytes[index + 1]) << 8;
        out += alphabet[(value >> 18) & 63];
        out += alphabet[(value >> 12) & 63];
        out += rest == 2 ? alphabet[(value >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string unbase64(const std::string& text) {
    std::string out;
    unsigned value = 0;
    int bits = 0;
    for (char c : text) {
        int digit = c >= 'A' && c <= 'Z'   ? c - 'A'
                    : c >= 'a' && c <= 'z' ? c - 'a' + 26
                    : c >= '0' && c <= '9' ? c - '0' + 52
                    : c == '+' || c == '-' ? 62
                    : c == '/' || c == '_' ? 63
                                           : -1;
        if (digit < 0)
            continue;  // padding, line breaks
        value = (value << 6) | static_cast<unsigned>(digit);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((value >> bits) & 0xff);
        }
    }
    return out;
}

std::vector<fs::path> credential_files() {
    std::vector<fs::path> files;
    if (const char* file = std::getenv("REGISTRY_AUTH_FILE"); file && *file)
        files.emplace_back(file);
    if (const char* folder = std::getenv("DOCKER_CONFIG"); folder && *folder) {
        files.push_back(fs::path(folder) / "config.json");
    } else if (const char* home = std::getenv("HOME"); home && *home) {
        files.push_back(fs::path(home) / ".docker" / "config.json");
    }
    return files;
}

/// "user:password" for host from one file's `auths`, whose keys may carry a
/// scheme and a path ("https://index.docker.io/v1/").
std::optional<std::string> credentials_in(const fs::path& file, const std::string& host) {
    std::ifstream input(file);
    if (!input)
        return std::nullopt;
    nlohmann::json config = nlohmann::json::parse(input, nullptr, false);
    if (!config.is_object() || !config.contains("auths") || !config["auths"].is_object())
        return std::nullopt;
    for (const auto& [key, entry] : config["auths"].items()) {
        std::string name = key;
        if (auto scheme = name.find("://"); scheme != std::string::npos)
            name = name.substr(scheme + 3);
        name = name.substr(0, name.find('/'));
        bool hub = host == "docker.io" && (name == "index.docker.io" || name == "docker.io" ||
                                           name == "registry-1.docker.io");
        if ((name == host || hub) && entry.is_object() && entry.contains("auth") &&
            entry["auth"].is_string()) {
            return unbase64(entry["auth"].get<std::string>());
        }
    }
    return std::nullopt;
}

}  // namespace

std::string registry_host(const std::string& reference) {
    auto slash = reference.find('/');
    if (slash == std::string::npos)
        return "docker.io";
    std::string first = reference.substr(0, slash);
    if (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
        first == "localhost") {
        return first;
    }
    return "docker.io";
}

bool loopback_registry(const std::string& host) {
    std::string name = host;
    if (!name.empty() && name.front() == '[') {
        name = name.substr(1, name.find(']') - 1);
    } else if (auto colon = name.rfind(':'); colon != std::string::npos) {
        name = name.substr(0, colon);
    }
    return name == "localhost" || name == "::1" || name.rfind("127.", 0) == 0;
}

std::string registry_auth_header(const std::string& reference) {
    const std::string host = registry_host(reference);
    for (const auto& file : credential_files()) {
        auto pair = credentials_in(file, host);
        if (!pair)
            continue;
        auto colon = pair->find(':');
        nlohmann::json auth = {
            {"username", pair->substr(0, colon)},
            {"password", colon == std::string::npos ? "" : pair->substr(colon + 1)},
            {"serveraddress", host}};
        return base64(auth.dump(), true);
    }
    return "e30=";
}

}  // namespace berth::detail
