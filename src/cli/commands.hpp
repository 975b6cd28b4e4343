#pragma once
// The commands of `berth` and of its docker-compose front end: each is an
// option table (options.hpp) and a function that runs the parsed command
// line and returns the process exit code.

#include "options.hpp"

#include <berth/engine.hpp>
#include <berth/orchestrate.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace berth::cli {

struct Command {
    CommandSpec spec;
    std::function<int(const ParsedOptions&)> run;
};

/// berth's own commands, each file adding its own.
std::vector<Command> stack_commands();  // up, down, ps, logs, exec
Command info_command();
Command config_command();
std::vector<Command> image_commands();  // image bootstrap, image build
std::vector<Command> node_commands();   // node ls, node stop, node start (Slurm stack)
Command watchdog_command();

/// Parses arguments against the command's table and runs it: `--help` prints
/// the help and returns 0; a command line that does not fit prints why with
/// the usage and returns 2; berth's errors print with the command's name and
/// return 1.
int run_command(const Command& command, const std::string& program, const Arguments& arguments);

/// docker-compose's command line (v1 and v2), for the `docker-compose` name
/// and `berth compose`. program is what usage lines call the program.
int compat_main(const std::string& program, const Arguments& arguments);

/// The resolved project as `config` prints it: YAML, or JSON.
void print_project(const compose::Project& project, bool json);

/// A running project as JSON: engine, services with ports, and the Slurm
/// cluster's connection info when the project has one (README: JSON schema).
nlohmann::json stack_json(const std::string& project, Engine& engine,
                          const std::vector<ServiceStatus>& services);

}  // namespace berth::cli
