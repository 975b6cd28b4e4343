#include "orchestrate/readiness.hpp"

#include <optional>
#include <thread>

namespace berth::orchestrate {

using namespace std::chrono_literals;

namespace {

std::chrono::nanoseconds or_default(std::chrono::nanoseconds value,
                                    std::chrono::nanoseconds fallback) {
    return value.count() > 0 ? value : fallback;
}

/// Whether the container printed something since the last call. Services
/// usually say when they are ready ("listening on ..."), so a new line is
/// the moment to probe, instead of waiting for the next start_interval.
/// The last line with its engine timestamp is enough to tell, and cheap.
class OutputWatch {
  public:
    OutputWatch(Engine& engine, std::string container)
        : engine_(engine), container_(std::move(container)) {}

    bool printed_since_last_look() {
        std::string last;
        try {
            ContainerLogs logs =
                engine_.container_logs(container_, {.timestamps = true, .tail = 1});
            last = logs.stdout_text + logs.stderr_text;
        } catch (const Error&) {
            return false;  // the next inspect says what became of the container
        }
        bool printed = last != last_seen_;
        last_seen_ = std::move(last);
        return printed;
    }

  private:
    Engine& engine_;
    std::string container_;
    std::string last_seen_;
};

}  // namespace

std::string failure_report(Engine& engine, const std::string& service, const std::string& container,
                           const std::string& reason, const std::string& hint) {
    std::string report = "service " + service + " " + reason;
    try {
        ContainerInfo info = engine.container_inspect(container);
        report += "\n  container: " + info.name + " (" + info.state.status;
        if (!info.state.running)
            report += ", exit code " + std::to_string(info.state.exit_code);
        if (info.state.oom_killed)
            report += ", killed for lack of memory";
        report += ")";
        if (!info.state.error.empty())
            report += "\n  engine says: " + info.state.error;
        if (!info.state.health_log.empty()) {
            report += "\n  last health checks:";
            std::size_t from =
                info.state.health_log.size() > 3 ? info.state.health_log.size() - 3 : 0;
            for (std::size_t i = from; i < info.state.health_log.size(); ++i) {
                std::string output = info.state.health_log[i].output;
                while (!output.empty() && output.back() == '\n')
                    output.pop_back();
                report += "\n    exit " + std::to_string(info.state.health_log[i].exit_code) +
                          ": " + output;
            }
        }
        ContainerLogs logs = engine.container_logs(container, {.tail = 50});
        std::string lines = logs.stdout_text + logs.stderr_text;
        if (!lines.empty()) {
            report += "\n  last log lines:";
            std::size_t start = 0;
            while (start < lines.size()) {
                auto end = lines.find('\n', start);
                report +=
                    "\n    | " +
                    lines.substr(start, end == std::string::npos ? std::string::npos : end - start);
                if (end == std::string::npos)
                    break;
                start = end + 1;
            }
        }
    } catch (const Error& error) {
        report += "\n  (could not read the container's state: " + std::string(error.what()) + ")";
    }
    if (!hint.empty())
        report += "\n  hint: " + hint;
    return report;
}

void wait_until(Engine& engine, const std::string& service, const std::string& container,
                Readiness wanted, std::chrono::steady_clock::time_point deadline) {
    auto fail = [&](const std::string& reason, const std::string& hint) {
        throw ServiceFailed(service, reason,
                            failure_report(engine, service, container, reason, hint));
    };
    auto started = std::chrono::steady_clock::now();
    auto next_probe = started;
    auto last_probe = started - 1s;
    int failures_after_start = 0;
    OutputWatch output(engine, container);
    while (true) {
        auto pause = 100ms;
        ContainerInfo info = engine.container_inspect(container);
        if (wanted == Readiness::completed) {
            if (!info.state.running && info.state.status != "created") {
                if (info.state.exit_code == 0)
                    return;
                fail("exited with code " + std::to_string(info.state.exit_code) +
                         " (its dependants wait for it to complete successfully)",
                     "read the log lines above; `berth logs " + service + "` shows all of them");
            }
        } else if (!info.state.running) {
            fail("exited with code " + std::to_string(info.state.exit_code) + " while starting",
                 "read the log lines above; `berth logs " + service + "` shows all of them");
        } else if (wanted == Readiness::running) {
            return;
        } else {
            const auto& check = info.healthcheck;
            if (!check || check->test.empty() || check->test[0] == "NONE")
                return;
            if (info.state.health == HealthStatus::healthy)
                return;
            if (info.state.health == HealthStatus::unhealthy && !engine.backend().is_podman()) {
                fail("is unhealthy", "the healthcheck's output is above");
            }
            auto now = std::chrono::steady_clock::now();
            bool in_start_period = now - started < check->start_period;
            // New output during the start period wakes a probe at once, at
            // most one per 100 ms; otherwise the check runs at start_interval
            // (default 0.5 s) during the start period, which sees a service
            // healthy long before a whole interval would.
            if (in_start_period)
                pause = 50ms;
            bool woken =
                in_start_period && now - last_probe >= 100ms && output.printed_since_last_look();
            if (now >= next_probe || woken) {
                auto cadence = in_start_period ? or_default(check->start_interval, 500ms)
                                               : std::min<std::chrono::nanoseconds>(
                                                     or_default(check->interval, 30s), 2s);
                next_probe =
                    now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(cadence);
                last_probe = now;
                std::optional<HealthResult> result;
                try {
                    result = engine.run_healthcheck(container);
                } catch (const Error&) {
                    // The container stopped between the inspect and the
                    // check (Podman answers 409); the next inspect says how.
                }
                if (result && result->status == HealthStatus::healthy)
                    return;
                if (result && !in_start_period &&
                    ++failures_after_start > std::max(check->retries, 1)) {
                    fail("is unhealthy: its healthcheck failed " +
                             std::to_string(failures_after_start) + " times after the start period",
                         "the healthcheck's output is above; run it by hand with `berth exec " +
                             service + " ...`");
                }
            }
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            fail("did not become " +
                     std::string(wanted == Readiness::healthy     ? "healthy"
                                 : wanted == Readiness::completed ? "complete"
                                                                  : "running") +
                     " within the wait timeout",
                 "raise --wait-timeout if it is only slow");
        }
        std::this_thread::sleep_for(pause);
    }
}

}  // namespace berth::orchestrate
