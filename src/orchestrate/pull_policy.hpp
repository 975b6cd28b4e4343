#pragma once
// compose's pull_policy: when `up` pulls a service's image. The refreshing
// forms (daily, weekly, every_<duration>) need the time of the last pull of
// an image on an engine; neither engine keeps it (an image's labels are
// fixed, and Podman has no LastTagTime), so berth records it in its state
// folder: $XDG_STATE_HOME/berth/pulls.json, else ~/.local/state/berth/pulls.json,
// one entry per engine endpoint and image.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace berth::orchestrate {

using WallClock = std::chrono::system_clock;

/// How long a pulled image stays fresh: 24 h for daily, 7 days for weekly,
/// the duration of every_<duration> (Go syntax: every_12h, every_1h30m);
/// nullopt for the other policies or a duration that does not parse.
std::optional<std::chrono::seconds> refresh_interval(const std::string& policy);

/// Whether `up` pulls an image now, for a service that names an image.
/// Empty policy means "missing". `build`, `never` never pull.
bool should_pull(const std::string& policy, bool present,
                 std::optional<WallClock::time_point> last_pull, WallClock::time_point now);

/// The file the last pull times are kept in.
std::filesystem::path pull_record_file();

/// When berth last pulled image on the engine at endpoint, if it did.
std::optional<WallClock::time_point> last_pull(const std::string& endpoint,
                                               const std::string& image);

/// Records a pull of image on the engine at endpoint now. A record that
/// cannot be written only makes the next refresh pull again.
void record_pull(const std::string& endpoint, const std::string& image);

}  // namespace berth::orchestrate
