// The engine dies in the middle of `up`: berth must fail with a clear error
// instead of hanging, and once the engine is back, `down` must clean up.
// The test runs its own Podman API service on a private socket (the same
// storage as rootful Podman), so killing it disturbs no other test.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <berth/compose/loader.hpp>
#include <berth/orchestrate.hpp>

#include "test_engine.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <optional>
#include <thread>

extern char** environ;

using namespace berth;
using namespace std::chrono_literals;

namespace {

/// `podman system service` on a socket of the test's own.
class PrivateService {
  public:
    explicit PrivateService(std::string socket) : socket_(std::move(socket)) { start(); }
    ~PrivateService() { kill(); }

    void start() {
        std::vector<std::string> arguments = {"podman", "system", "service", "--time=0",
                                              "unix://" + socket_};
        std::vector<char*> argv;
        for (auto& argument : arguments)
            argv.push_back(argument.data());
        argv.push_back(nullptr);
        REQUIRE(::posix_spawnp(&pid_, "podman", nullptr, nullptr, argv.data(), environ) == 0);
        // Ready when it answers; bounded.
        for (int attempt = 0; attempt < 300; ++attempt) {
            try {
                Engine probe(Endpoint::parse("unix://" + socket_));
                return;
            } catch (const EngineUnreachable&) {
                std::this_thread::sleep_for(50ms);
            }
        }
        FAIL("the private Podman service did not answer within 15 s");
    }
    void kill() {
        if (pid_ <= 0)
            return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    std::string uri() const { return "unix://" + socket_; }

  private:
    std::string socket_;
    pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("an engine killed during up gives a clear error, and down cleans up after it restarts") {
    testing::TemporaryFolder folder;
    PrivateService service((folder.path() / "podman.sock").string());
    std::string project_name = testing::unique_name("berth-killed-engine");
    std::optional<Engine> engine(Endpoint::parse(service.uri()));
    // The image must be on this storage; the shared helper imports it
    // through the engine under test, here the private service.
    setenv("BERTH_TEST_ENDPOINT", service.uri().c_str(), 1);
    const std::string& image = testing::busybox_image();

    folder.write("compose.yaml",
                 "services:\n  slow:\n    image: " + image +
                     "\n    command: [\"/bin/sh\", \"-c\", \"sleep 600\"]\n    init: true\n"
                     "    healthcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/tmp/never\"]\n"
                     "      start_period: 300s\n      start_interval: 200ms\n"
                     "  after:\n    image: " +
                     image +
                     "\n    command: [\"/bin/sh\", \"-c\", \"sleep 600\"]\n"
                     "    depends_on:\n      slow:\n        condition: service_healthy\n");
    compose::LoadOptions load;
    load.files = {(folder.path() / "compose.yaml").string()};
    load.project_name = project_name;
    load.environment = std::map<std::string, std::string>{};
    compose::Project project = compose::load_project(load);

    std::promise<void> waiting;
    auto waiting_seen = waiting.get_future();
    auto outcome = std::async(std::launch::async, [&] {
        UpOptions options;
        options.wait_timeout = 120s;
        bool told = false;
        options.progress = [&](const ServiceEvent& event) {
            if (event.kind == ServiceEvent::Kind::waiting && !told) {
                told = true;
                waiting.set_value();
            }
        };
        up(*engine, project, options);
    });
    REQUIRE(waiting_seen.wait_for(60s) == std::future_status::ready);
    service.kill();

    REQUIRE(outcome.wait_for(60s) == std::future_status::ready);
    try {
        outcome.get();
        FAIL("up succeeded with its engine killed");
    } catch (const EngineUnreachable& error) {
        MESSAGE("up said: " << std::string(error.what()));
        CHECK(std::string(error.what()).find(service.uri()) != std::string::npos);
    } catch (const TransportError& error) {
        MESSAGE("up said: " << std::string(error.what()));
        CHECK_FALSE(error.detail().empty());
    }

    service.start();
    engine.emplace(Endpoint::parse(service.uri()));
    ListFilter filter;
    filter.labels = {std::string(compose_labels::project) + "=" + project_name};
    CHECK_FALSE(engine->container_list(filter).empty());  // the killed up could not clean up
    down(*engine, project_name, &project, {.remove_volumes = true, .timeout = 1s});
    CHECK(engine->container_list(filter).empty());
    CHECK(engine->network_list(filter).empty());
}
