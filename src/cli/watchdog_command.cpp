// `berth watchdog`: started by a test fixture, not by people. It takes the
// fixture's project down if the fixture's process dies without saying so.

#include "commands.hpp"
#include "project_arguments.hpp"

#include <berth/fixture.hpp>

namespace berth::cli {

namespace {

int watchdog(const ParsedOptions& parsed) {
    auto descriptor = parsed.number("--fd");
    auto endpoint = parsed.value("--host");
    auto project = parsed.value("--project-name");
    if (!descriptor || !endpoint || !project || !parsed.operands.empty())
        throw CommandLineError("watchdog", "watchdog: needs --fd, --host and -p, and nothing else");
    return run_watchdog(*descriptor, *endpoint, *project, parsed.value("--session").value_or(""),
                        parsed.has("--graceful"));
}

}  // namespace

Command watchdog_command() {
    return {
        {"watchdog",
         "",
         "Started by test fixtures: takes the project down when the fixture's process\n"
         "dies (the read end of a pipe, descriptor N, sees end of file).",
         {{{"--fd"}, "N", "The pipe's read end, inherited from the fixture"},
          {{"--host"}, "URI", "The engine the project runs on"},
          {{"-p", "--project-name"}, "NAME", "The project to take down"},
          {{"--session"}, "ID", "Only the objects of this fixture session (its label)"},
          {{"--graceful"}, "", "Stop each service within its grace period instead of killing it"}}},
        watchdog};
}

}  // namespace berth::cli
