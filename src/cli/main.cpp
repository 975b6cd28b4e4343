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
    const std::map<std::string, int (*)(const berth::cli::Arguments&)> commands = {
        {"info", berth::cli::info_command},
        {"config", berth::cli::config_command},
        {"image", berth::cli::image_command},
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
