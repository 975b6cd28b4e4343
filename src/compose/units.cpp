#include <berth/compose/units.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace berth::compose {

namespace {

std::string lowercase(std::string text) {
    for (auto& character : text) {
        character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
    }
    return text;
}

// Reads a non-negative decimal number with an optional fraction at position.
std::optional<double> read_number(const std::string& text, std::size_t& position) {
    const std::size_t start = position;
    bool digits = false;
    while (position < text.size() && std::isdigit(static_cast<unsigned char>(text[position]))) {
        ++position;
        digits = true;
    }
    if (position < text.size() && text[position] == '.') {
        ++position;
        while (position < text.size() && std::isdigit(static_cast<unsigned char>(text[position]))) {
            ++position;
            digits = true;
        }
    }
    if (!digits) {
        return std::nullopt;
    }
    double value = 0;
    const auto [end, error] = std::from_chars(text.data() + start, text.data() + position, value);
    if (error != std::errc() || end != text.data() + position) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::size_t position = 0;
    const bool all_digits = text.find_first_not_of("0123456789") == std::string::npos;
    if (all_digits) {
        // Compose reads a bare integer as seconds.
        const auto seconds = read_number(text, position);
        if (!seconds || *seconds > 9e9) {
            return std::nullopt;
        }
        return std::chrono::nanoseconds(static_cast<std::int64_t>(*seconds * 1e9));
    }
    static const std::pair<const char*, double> units[] = {
        {"ns", 1.0}, {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"ms", 1e6},
        {"s", 1e9},  {"m", 60e9}, {"h", 3600e9},
    };
    double total = 0;
    while (position < text.size()) {
        const auto number = read_number(text, position);
        if (!number) {
            return std::nullopt;
        }
        std::size_t unit_end = position;
        while (unit_end < text.size() &&
               !std::isdigit(static_cast<unsigned char>(text[unit_end])) && text[unit_end] != '.') {
            ++unit_end;
        }
        const std::string unit = text.substr(position, unit_end - position);
        double scale = 0;
        for (const auto& [name, factor] : units) {
            if (unit == name) {
                scale = factor;
            }
        }
        if (scale == 0) {
            return std::nullopt;
        }
        total += *number * scale;
        position = unit_end;
    }
    // Beyond about 292 years a count of nanoseconds overflows int64.
    if (total > 9.2e18) {
        return std::nullopt;
    }
    return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(total)));
}

std::string format_duration(std::chrono::nanoseconds duration) {
    std::int64_t remaining = duration.count();
    if (remaining == 0) {
        return "0s";
    }
    std::string text;
    if (remaining < 0) {
        text = "-";
        remaining = -remaining;
    }
    constexpr std::int64_t second = 1'000'000'000;
    if (remaining < second) {
        // Go prints sub-second durations in the largest whole unit.
        if (remaining % 1'000'000 == 0) {
            return text + std::to_string(remaining / 1'000'000) + "ms";
        }
        if (remaining % 1'000 == 0) {
            return text + std::to_string(remaining / 1'000) + "us";
        }
        return text + std::to_string(remaining) + "ns";
    }
    const std::int64_t hours = remaining / (3600 * second);
    remaining %= 3600 * second;
    const std::int64_t minutes = remaining / (60 * second);
    remaining %= 60 * second;
    if (hours > 0) {
        text += std::to_string(hours) + "h";
    }
    if (hours > 0 || minutes > 0) {
        text += std::to_string(minutes) + "m";
    }
    text += std::to_string(remaining / second);
    std::int64_t fraction = remaining % second;
    if (fraction != 0) {
        std::string digits = std::to_string(fraction);
        digits.insert(0, 9 - digits.size(), '0');
        while (!digits.empty() && digits.back() == '0') {
            digits.pop_back();
        }
        text += "." + digits;
    }
    return text + "s";
}

std::optional<std::int64_t> parse_byte_size(const std::string& text) {
    std::size_t position = 0;
    const auto number = read_number(text, position);
    if (!number) {
        return std::nullopt;
    }
    const std::string unit = lowercase(text.substr(position));
    double scale = 0;
    if (unit.empty() || unit == "b") {
        scale = 1;
    } else if (unit == "k" || unit == "kb") {
        scale = 1024.0;
    } else if (unit == "m" || unit == "mb") {
        scale = 1024.0 * 1024;
    } else if (unit == "g" || unit == "gb") {
        scale = 1024.0 * 1024 * 1024;
    } else {
        return std::nullopt;
    }
    const double bytes = *number * scale;
    if (bytes > 9.2e18) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(bytes);
}

}  // namespace berth::compose
