#pragma once

#include <berth/export.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace berth {

/// A container's healthcheck, as the engine takes it. An empty test means
/// "inherit the image's"; {"NONE"} disables it.
struct Healthcheck {
    std::vector<std::string> test;  ///< {"CMD", argv...}, {"CMD-SHELL", "cmd"} or {"NONE"}
    std::chrono::nanoseconds interval{0};
    std::chrono::nanoseconds timeout{0};
    std::chrono::nanoseconds start_period{0};
    std::chrono::nanoseconds start_interval{0};
    int retries = 0;
};

enum class HealthStatus { none, starting, healthy, unhealthy };

BERTH_API const char* to_string(HealthStatus status);
BERTH_API HealthStatus health_status_from_string(const std::string& text);

/// One run of a healthcheck command.
struct HealthProbe {
    int exit_code = 0;
    std::string output;
    std::string start;  ///< engine timestamp, as the engine printed it
    std::string end;
};

/// The result of run_healthcheck(): the status after the run, and the probe
/// history the engine keeps (latest last).
struct HealthResult {
    HealthStatus status = HealthStatus::none;
    int failing_streak = 0;
    std::vector<HealthProbe> log;

    const HealthProbe* latest() const { return log.empty() ? nullptr : &log.back(); }
};

}  // namespace berth
