#pragma once
// The duration and byte-size notations of compose files.

#include <berth/export.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace berth::compose {

/// Go duration syntax as compose uses it: a sequence of number+unit pairs with
/// units h, m, s, ms, us (or µs), ns, e.g. "1m30s", "500ms", "1.5s". A bare
/// number counts seconds. nullopt when the text is not a duration.
BERTH_API std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text);

/// The shortest Go-style spelling: 90s → "1m30s", 0 → "0s".
BERTH_API std::string format_duration(std::chrono::nanoseconds duration);

/// A byte count as compose writes it: a number with an optional unit b, k, kb,
/// m, mb, g, gb (case-insensitive, powers of 1024), e.g. "64m". nullopt when
/// the text is not a size.
BERTH_API std::optional<std::int64_t> parse_byte_size(const std::string& text);

}  // namespace berth::compose
