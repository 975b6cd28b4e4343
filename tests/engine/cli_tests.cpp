// The berth command's argument handling, without an engine: numbers that
// are not numbers, and project names given with -p.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "cli/project_arguments.hpp"
#include "process.hpp"
#include "test_engine.hpp"

#include <berth/compose/loader.hpp>

#include <cstdlib>

using namespace berth;

TEST_CASE("-p reaches the project up made: one normalisation for the loader and the CLI") {
    for (std::string given : {"_x", "-Web_1", "My.Project", "a--b", "__9"}) {
        CAPTURE(given);
        compose::LoadOptions load;
        load.project_name = given;
        load.environment = std::map<std::string, std::string>{};
        std::string loaded =
            compose::load_project_from_text("services:\n  one:\n    image: busybox\n",
                                            "/tmp/compose.yaml", load)
                .name;
        cli::ProjectArguments arguments;  // what -p gives
        arguments.load.project_name = given;
        CHECK(cli::project_name(arguments) == loaded);
    }
    cli::ProjectArguments empty_name;
    empty_name.load.project_name = "__";
    CHECK_THROWS_AS(cli::project_name(empty_name), UsageError);
}

TEST_CASE("a number option with a word says which option and which value") {
    CHECK(cli::integer_argument("--tail", "12") == 12);
    for (std::string bad : {"abc", "12s", "", "99999999999999"}) {
        CAPTURE(bad);
        try {
            cli::integer_argument("--tail", bad);
            FAIL("accepted");
        } catch (const UsageError& error) {
            CHECK(std::string(error.what()).find("--tail") != std::string::npos);
        }
    }
    // Through the command itself: before anything is loaded or reached.
    const char* berth = std::getenv("BERTH_BINARY");
    REQUIRE(berth != nullptr);
    for (std::vector<std::string> command :
         {std::vector<std::string>{"up", "--wait-timeout", "soon"},
          std::vector<std::string>{"down", "-t", "1x"},
          std::vector<std::string>{"logs", "--tail", "all"}}) {
        std::vector<std::string> argv = {berth};
        argv.insert(argv.end(), command.begin(), command.end());
        argv.insert(argv.end(), {"-p", "berth-cli-number", "--host", "unix:///nonexistent.sock"});
        testing::ProcessResult result = testing::run_process(argv);
        CAPTURE(result.output);
        CHECK(result.exit_code != 0);
        CHECK(result.output.find(command[1]) != std::string::npos);
        CHECK(result.output.find("'" + command[2] + "'") != std::string::npos);
    }
}
