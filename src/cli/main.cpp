// The `berth` command: shaped like `docker compose`, talking to the engine API.

#include "commands.hpp"

#include <berth/errors.hpp>

#include <iostream>
#include <map>

namespace {

constexpr const char* usage = R"(usage: berth COMMAND [OPTIONS]

Bring up container stacks for test harnesses through the Docker or Podman API.

Commands:
  info      Show the engines berth can reach (backend, API version, rootless)
  config    Validate a compose project and print it resolved
  image     Make the registry-free Debian base image; build images
  up        Create and start the project's services, waiting for their health
  down      Stop and remove the project's containers and networks (-v: volumes)
  ps        List the project's containers
  logs      Show a service's output
  exec      Run a command in a service's container

Project options (before or after the command): -f FILE, -p NAME, --profile P,
--env-file FILE, --project-directory DIR, --host URI.

Run `berth COMMAND --help` for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> arguments(argv + 1, argv + argc);
    if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h") {
        std::cout << usage;
        return arguments.empty() ? 2 : 0;
    }
    if (arguments[0] == "--version") {
        std::cout << "berth 0.1.0\n";
        return 0;
    }
    // `berth -f x.yml up` as docker compose has it: options before the
    // command name go to the command.
    std::vector<std::string> leading;
    while (!arguments.empty() && arguments[0].rfind('-', 0) == 0) {
        leading.push_back(arguments[0]);
        arguments.erase(arguments.begin());
        bool takes_value = leading.back().find('=') == std::string::npos &&
                           leading.back() != "--json" && leading.back() != "-q";
        if (takes_value && !arguments.empty()) {
            leading.push_back(arguments[0]);
            arguments.erase(arguments.begin());
        }
    }
    if (arguments.empty()) {
        std::cerr << "berth: no command given\n" << usage;
        return 2;
    }
    arguments.insert(arguments.begin() + 1, leading.begin(), leading.end());
    const std::map<std::string, int (*)(const berth::cli::Arguments&)> commands = {
        {"info", berth::cli::info_command},         {"config", berth::cli::config_command},
        {"image", berth::cli::image_command},       {"up", berth::cli::up_command},
        {"down", berth::cli::down_command},         {"ps", berth::cli::ps_command},
        {"logs", berth::cli::logs_command},         {"exec", berth::cli::exec_command},
        {"watchdog", berth::cli::watchdog_command},
    };
    auto command = commands.find(arguments[0]);
    if (command == commands.end()) {
        std::cerr << "berth: unknown command '" << arguments[0] << "'\n" << usage;
        return 2;
    }
    try {
        return command->second(berth::cli::Arguments(arguments.begin() + 1, arguments.end()));
    } catch (const berth::Error& error) {
        std::cerr << "berth " << arguments[0] << ": " << error.what() << "\n";
        return 1;
    } catch (const std::exception& error) {
        // File system and allocation failures: still a message, not an abort.
        std::cerr << "berth " << arguments[0] << ": " << error.what() << "\n";
        return 1;
    }
}
