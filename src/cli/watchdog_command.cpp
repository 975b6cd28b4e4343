// `berth watchdog`: started by a test fixture, not by people. It takes the
// fixture's project down if the fixture's process dies without saying so.

#include "commands.hpp"
#include "project_arguments.hpp"

#include <berth/fixture.hpp>

#include <iostream>

namespace berth::cli {

int watchdog_command(const Arguments& arguments) {
    int descriptor = -1;
    std::string endpoint;
    std::string project;
    for (std::size_t i = 0; i + 1 < arguments.size(); i += 2) {
        if (arguments[i] == "--fd") {
            descriptor = integer_argument("--fd", arguments[i + 1]);
        } else if (arguments[i] == "--host") {
            endpoint = arguments[i + 1];
        } else if (arguments[i] == "-p") {
            project = arguments[i + 1];
        }
    }
    if (descriptor < 0 || endpoint.empty() || project.empty()) {
        std::cerr
            << "usage: berth watchdog --fd N --host URI -p PROJECT (started by test fixtures)\n";
        return 2;
    }
    return run_watchdog(descriptor, endpoint, project);
}

}  // namespace berth::cli
