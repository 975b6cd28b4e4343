#include "orchestrate/pull_policy.hpp"

#include <berth/compose/units.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>
#include <cstdlib>
#include <fstream>

namespace berth::orchestrate {

namespace {

namespace fs = std::filesystem;

nlohmann::json read_records() {
    std::ifstream input(pull_record_file());
    if (!input)
        return nlohmann::json::object();
    auto records = nlohmann::json::parse(input, nullptr, false);
    return records.is_object() ? records : nlohmann::json::object();
}

std::string record_key(const std::string& endpoint, const std::string& image) {
    return endpoint + " " + image;
}

}  // namespace

std::optional<std::chrono::seconds> refresh_interval(const std::string& policy) {
    using namespace std::chrono_literals;
    if (policy == "daily")
        return std::chrono::seconds(24h);
    if (policy == "weekly")
        return std::chrono::seconds(24h * 7);
    const std::string prefix = "every_";
    if (policy.rfind(prefix, 0) != 0)
        return std::nullopt;
    auto duration = compose::parse_duration(policy.substr(prefix.size()));
    if (!duration)
        return std::nullopt;
    return std::chrono::duration_cast<std::chrono::seconds>(*duration);
}

bool should_pull(const std::string& policy, bool present,
                 std::optional<WallClock::time_point> last_pull, WallClock::time_point now) {
    if (policy == "always")
        return true;
    if (policy == "never" || policy == "build")
        return false;
    if (auto interval = refresh_interval(policy))
        return !present || !last_pull || now - *last_pull >= *interval;
    return !present;  // missing, if_not_present, or unset
}

fs::path pull_record_file() {
    if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
        return fs::path(state) / "berth" / "pulls.json";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".local" / "state" / "berth" / "pulls.json";
    return fs::temp_directory_path() / ("berth-pulls-" + std::to_string(::getuid()) + ".json");
}

std::optional<WallClock::time_point> last_pull(const std::string& endpoint,
                                               const std::string& image) {
    auto records = read_records();
    auto found = records.find(record_key(endpoint, image));
    if (found == records.end() || !found->is_number_integer())
        return std::nullopt;
    return WallClock::time_point(std::chrono::seconds(found->get<std::int64_t>()));
}

void record_pull(const std::string& endpoint, const std::string& image) {
    auto records = read_records();
    records[record_key(endpoint, image)] =
        std::chrono::duration_cast<std::chrono::seconds>(WallClock::now().time_since_epoch())
            .count();
    const fs::path file = pull_record_file();
    std::error_code ignored;
    fs::create_directories(file.parent_path(), ignored);
    // Written beside and renamed over, so a reader never sees half a file.
    const fs::path partial = file.string() + "." + std::to_string(::getpid());
    {
        std::ofstream output(partial);
        output << records.dump(1) << "\n";
        if (!output)
            return;
    }
    fs::rename(partial, file, ignored);
}

}  // namespace berth::orchestrate
