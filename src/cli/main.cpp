// The `berth` command: shaped like `docker compose`, talking to the engine
// API. Under the name `docker-compose` (or as `berth compose`) it takes
// docker-compose's own command line instead (compat/).

#include "commands.hpp"
#include "project_arguments.hpp"

#include <berth/errors.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace berth::cli {

namespace {

constexpr const char* usage = R"(usage: berth COMMAND [OPTIONS]

Bring up container stacks for test harnesses through the Docker or Podman API.

Commands:
  info      Show the engines berth can reach (backend, API version, rootless)
  config    Validate a compose project and print it resolved
  image     Make the registry-free Debian base image (image bootstrap); build images (image build)
  up        Create and start the project's services, waiting for their health
  down      Stop and remove the project's containers and networks (-v: volumes)
  ps        List the project's containers
  logs      Show services' output
  exec      Run a command in a service's container
  node      The Slurm stack's nodes (node ls); take a compute node away and back (node stop|start)
  compose   docker-compose's command line (`berth compose --help`)

Project options (before or after the command): -f FILE, -p NAME, --profile P,
--env-file FILE, --project-directory DIR, --host URI.

Run `berth COMMAND --help` for a command's options.
)";

std::vector<Command> berth_commands() {
    std::vector<Command> commands = stack_commands();
    commands.push_back(info_command());
    commands.push_back(config_command());
    for (auto& command : image_commands())
        commands.push_back(command);
    for (auto& command : node_commands())
        commands.push_back(command);
    commands.push_back(watchdog_command());
    return commands;
}

/// Whether an option word before the command takes the next word as its
/// value, by the tables of every command (project options and, as berth
/// always allowed, a command's own such as `berth --json up`).
bool takes_next_word(const std::vector<Command>& commands, const std::string& word) {
    if (word.find('=') != std::string::npos)
        return false;
    for (const auto& command : commands) {
        for (const auto& option : command.spec.options) {
            if (std::find(option.names.begin(), option.names.end(), word) != option.names.end())
                return !option.value_name.empty();
        }
    }
    throw CommandLineError("", "berth: unknown option '" + word + "' before the command");
}

/// `berth -f x.yml up` as docker compose has it: options before the command
/// name go after it, to be read with the command's own.
Arguments leading_options_after_command(const std::vector<Command>& commands, Arguments arguments) {
    std::size_t index = 0;
    while (index < arguments.size() && arguments[index].rfind('-', 0) == 0)
        index += takes_next_word(commands, arguments[index]) ? 2 : 1;
    if (index >= arguments.size())
        throw CommandLineError("", "berth: no command given");
    auto split = arguments.begin() + static_cast<std::ptrdiff_t>(index);
    Arguments reordered(split, arguments.end());
    reordered.insert(reordered.begin() + 1, arguments.begin(), split);
    return reordered;
}

int berth_main(Arguments arguments) {
    if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h") {
        std::cout << usage;
        return arguments.empty() ? 2 : 0;
    }
    if (arguments[0] == "--version") {
        std::cout << "berth 0.1.0\n";
        return 0;
    }
    auto commands = berth_commands();
    try {
        arguments = leading_options_after_command(commands, std::move(arguments));
    } catch (const CommandLineError& error) {
        std::cerr << error.what() << "\n" << usage;
        return 2;
    }
    if (arguments[0] == "compose")
        return compat_main("berth compose", Arguments(arguments.begin() + 1, arguments.end()));
    std::string name = arguments[0];
    std::size_t consumed = 1;
    // Two-word commands: options given before the command (moved after its
    // first word above) go after the second word.
    if (name == "image" || name == "node") {
        auto second = std::find_if(arguments.begin() + 1, arguments.end(), [](const auto& word) {
            return word == "bootstrap" || word == "build" || word == "ls" || word == "stop" ||
                   word == "start";
        });
        if (second != arguments.end() && second != arguments.begin() + 1) {
            std::string word = *second;
            arguments.erase(second);
            arguments.insert(arguments.begin() + 1, word);
        }
    }
    if ((name == "image" || name == "node") && arguments.size() > 1 &&
        arguments[1].rfind('-', 0) != 0) {
        name += " " + arguments[1];
        consumed = 2;
    }
    for (const auto& command : commands) {
        if (command.spec.name == name) {
            return run_command(command, "berth",
                               Arguments(arguments.begin() + static_cast<std::ptrdiff_t>(consumed),
                                         arguments.end()));
        }
    }
    if (name == "node") {
        bool help = arguments.size() > 1 && (arguments[1] == "--help" || arguments[1] == "-h");
        (help ? std::cout : std::cerr)
            << "usage: berth node ls [OPTIONS]\n       berth node stop|start [OPTIONS] NODE...\n"
            << "Run `berth node ls --help` for more.\n";
        return help ? 0 : 2;
    }
    if (name == "image") {
        bool help = arguments.size() > 1 && (arguments[1] == "--help" || arguments[1] == "-h");
        (help ? std::cout : std::cerr)
            << "usage: berth image bootstrap [OPTIONS]\n       berth image build [OPTIONS] "
               "CONTEXT\n"
            << "Run `berth image bootstrap --help` or `berth image build --help` for more.\n";
        return help ? 0 : 2;
    }
    std::cerr << "berth: unknown command '" << name << "'\n" << usage;
    return 2;
}

}  // namespace

int run_command(const Command& command, const std::string& program, const Arguments& arguments) {
    const std::string label = program + " " + command.spec.name;
    try {
        ParsedOptions parsed = parse_options(command.spec, arguments);
        if (parsed.help) {
            std::cout << help_text(command.spec, program);
            return 0;
        }
        return command.run(parsed);
    } catch (const CommandLineError& error) {
        std::cerr << program << " " << error.what() << "\n"
                  << usage_line(command.spec, program) << "Run `" << label
                  << " --help` for its options.\n";
        return 2;
    } catch (const Error& error) {
        std::cerr << label << ": " << error.what() << "\n";
        return 1;
    } catch (const std::exception& error) {
        // File system and allocation failures: still a message, not an abort.
        std::cerr << label << ": " << error.what() << "\n";
        return 1;
    }
}

}  // namespace berth::cli

int main(int argc, char** argv) {
    berth::cli::Arguments arguments(argv + 1, argv + argc);
    std::string invoked_as = std::filesystem::path(argc > 0 ? argv[0] : "berth").filename();
    if (invoked_as == "docker-compose")
        return berth::cli::compat_main("docker-compose", arguments);
    return berth::cli::berth_main(arguments);
}
