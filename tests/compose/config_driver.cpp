// `berth config` without the rest of the CLI, so the oracle test does not
// depend on the engine commands being built.
#include <berth/errors.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
    berth::cli::Command command = berth::cli::config_command();
    try {
        return command.run(berth::cli::parse_options(
            command.spec, std::vector<std::string>(argv + 1, argv + argc)));
    } catch (const berth::Error& error) {
        std::cerr << "berth config: " << error.what() << "\n";
        return 1;
    } catch (const std::exception& error) {  // a command line that does not fit
        std::cerr << "berth config: " << error.what() << "\n";
        return 2;
    }
}
