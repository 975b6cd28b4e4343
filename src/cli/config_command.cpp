#include "commands.hpp"

#include <iostream>

namespace berth::cli {

int config_command(const Arguments&) {
    std::cerr << "berth config: the compose loader is not built yet\n";
    return 2;
}

}  // namespace berth::cli
