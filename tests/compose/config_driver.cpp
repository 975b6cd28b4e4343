// `berth config` without the rest of the CLI, so the oracle test does not
// depend on the engine commands being built.
#include <string>
#include <vector>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
    return berth::cli::config_command(std::vector<std::string>(argv + 1, argv + argc));
}
