#pragma once
// One function per `berth` sub-command; each takes the arguments after the
// sub-command's name and returns the process exit code.

#include <berth/engine.hpp>
#include <berth/orchestrate.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace berth::cli {

using Arguments = std::vector<std::string>;

int info_command(const Arguments& arguments);
int config_command(const Arguments& arguments);
int image_command(const Arguments& arguments);
int up_command(const Arguments& arguments);
int down_command(const Arguments& arguments);
int ps_command(const Arguments& arguments);
int logs_command(const Arguments& arguments);
int exec_command(const Arguments& arguments);
int watchdog_command(const Arguments& arguments);

/// A running project as JSON: engine, services with ports, and the Slurm
/// cluster's connection info when the project has one (README: JSON schema).
nlohmann::json stack_json(const std::string& project, Engine& engine,
                          const std::vector<ServiceStatus>& services);

inline constexpr const char* up_usage =
    "usage: berth [-f FILE]... [-p NAME] [--profile P] [--host URI] up [--wait | --no-wait]\n"
    "                [--wait-timeout SECONDS] [--build] [--keep-on-failure] [--json] [-q]\n"
    "                [--progress auto|tty|plain|quiet] [SERVICE...]\n";
inline constexpr const char* down_usage =
    "usage: berth [-f FILE]... [-p NAME] [--host URI] down [-v] [-t SECONDS]\n";

}  // namespace berth::cli
