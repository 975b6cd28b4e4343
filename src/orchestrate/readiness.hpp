#pragma once
// Waiting until a service's container is what its dependants need: running,
// healthy, or exited with 0. Works on every backend: Docker runs healthchecks
// itself, Podman without systemd never does, so berth runs the check.

#include <berth/engine.hpp>
#include <berth/orchestrate.hpp>

#include <chrono>
#include <string>

namespace berth::orchestrate {

enum class Readiness { running, healthy, completed };

/// Returns when the container reaches `wanted`; throws ServiceFailed when it
/// exits (unless completion was wanted), turns unhealthy, or the deadline
/// passes. The failure report holds state, exit code, the last health
/// outputs and the last 50 log lines.
void wait_until(Engine& engine, const std::string& service, const std::string& container,
                Readiness wanted, std::chrono::steady_clock::time_point deadline);

/// The report for a service that failed, from the container's current state.
std::string failure_report(Engine& engine, const std::string& service, const std::string& container,
                           const std::string& reason, const std::string& hint);

}  // namespace berth::orchestrate
