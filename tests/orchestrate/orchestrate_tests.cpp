// up / down / ps on a real engine: small busybox stacks for each behaviour,
// and the flagship Slurm stack through the `berth` command. meson runs this
// once per backend (dockerd, rootful and rootless Podman).

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <berth/compose/loader.hpp>
#include <berth/orchestrate.hpp>

#include <berth/base_image.hpp>

#include "process.hpp"
#include "test_engine.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

using namespace berth;
using namespace berth::testing;
using namespace std::chrono_literals;

namespace {

/// A compose project written to a temporary folder, loaded, and taken down
/// (with its volumes) at scope exit whatever the test did.
class TestProject {
  public:
    explicit TestProject(const std::string& services_yaml) : name_(unique_name("berth-orch")) {
        write(services_yaml);
    }
    ~TestProject() {
        try {
            down(engine(), name_, nullptr, {.remove_volumes = true, .timeout = 1s});
        } catch (const std::exception& error) {
            std::cerr << "cleanup of " << name_ << ": " << error.what() << std::endl;
        }
    }
    void write(const std::string& services_yaml) {
        folder_.write("compose.yaml", "services:\n" + services_yaml);
        compose::LoadOptions options;
        options.files = {(folder_.path() / "compose.yaml").string()};
        options.project_name = name_;
        options.environment = std::map<std::string, std::string>{};
        project_ = compose::load_project(options);
    }
    const compose::Project& project() const { return project_; }
    const std::string& name() const { return name_; }
    const std::filesystem::path& folder() const { return folder_.path(); }
    /// A file beside compose.yaml, e.g. a build context's Containerfile.
    void add_file(const std::string& relative, const std::string& text) {
        folder_.write(relative, text);
    }

    /// `up` with every progress event recorded as "Kind service".
    UpResult up(UpOptions options = {}) {
        options.progress = [this](const ServiceEvent& event) {
            std::lock_guard lock(mutex_);
            events_.push_back(std::string(to_string(event.kind)) + " " + event.service);
        };
        return berth::up(engine(), project_, options);
    }
    std::vector<std::string> events() {
        std::lock_guard lock(mutex_);
        return events_;
    }
    /// Position of an event in the order they happened; fails when absent.
    std::size_t position(const std::string& event) {
        auto all = events();
        auto found = std::find(all.begin(), all.end(), event);
        REQUIRE_MESSAGE(found != all.end(), "no event '" << event << "'");
        return static_cast<std::size_t>(found - all.begin());
    }
    bool nothing_left() const { return project_gone(name_); }

  private:
    std::string name_;
    TemporaryFolder folder_;
    compose::Project project_;
    std::mutex mutex_;
    std::vector<std::string> events_;
};

std::string busybox(const std::string& script) {
    return "    image: " + busybox_image() + "\n    command: [\"/bin/sh\", \"-c\", \"" + script +
           "\"]\n";
}

}  // namespace

TEST_CASE("services of one level start in parallel, after the level they depend on") {
    TestProject stack("  first:\n" + busybox("sleep 600") + "  second:\n" + busybox("sleep 600") +
                      "  last:\n" + busybox("sleep 600") + "    depends_on: [first, second]\n");
    UpResult result = stack.up();
    CHECK(result.changed);
    REQUIRE(result.services.size() == 3);
    for (const auto& service : result.services)
        CHECK(service.state == "running");
    // The two of the first level overlap: each is being created before the
    // other is started (one after the other, one of these would fail; the
    // fake-engine test "up creates the services of one level at the same
    // time" asserts the same without depending on timing). The last is
    // created only after both run.
    CHECK(stack.position("Creating first") < stack.position("Starting second"));
    CHECK(stack.position("Creating second") < stack.position("Starting first"));
    CHECK(stack.position("Starting first") < stack.position("Creating last"));
    CHECK(stack.position("Starting second") < stack.position("Creating last"));
    CHECK(stack.position("Running first") < stack.position("Creating last"));
    CHECK(stack.position("Running second") < stack.position("Creating last"));
}

TEST_CASE("depends_on conditions: healthy waits for the healthcheck, completed for exit 0") {
    TestProject stack("  database:\n" + busybox("sleep 1; touch /tmp/ready; sleep 600") +
                      "    healthcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/tmp/ready\"]\n"
                      "      interval: 1s\n      start_period: 30s\n      start_interval: 200ms\n"
                      "  migrate:\n" +
                      busybox("echo migrated") + "  app:\n" + busybox("sleep 600") +
                      "    depends_on:\n      database:\n        condition: service_healthy\n"
                      "      migrate:\n        condition: service_completed_successfully\n");
    UpResult result = stack.up();
    CHECK(stack.position("Healthy database") < stack.position("Creating app"));
    CHECK(stack.position("Running migrate") < stack.position("Creating app"));
    for (const auto& service : result.services) {
        if (service.service == "migrate") {
            CHECK(service.state == "exited");
            CHECK(service.exit_code == 0);
        } else {
            CHECK(service.state == "running");
        }
        if (service.service == "database")
            CHECK(service.health == HealthStatus::healthy);
    }
}

TEST_CASE("an unhealthy service fails the up with its health output, and nothing is left") {
    TestProject stack(
        "  sick:\n" + busybox("sleep 600") +
        "    healthcheck:\n      test: [\"CMD-SHELL\", \"echo still broken; false\"]\n"
        "      interval: 200ms\n      retries: 2\n");
    try {
        stack.up({.wait_timeout = 60s});
        FAIL("up of an unhealthy service succeeded");
    } catch (const ServiceFailed& error) {
        CHECK(error.service() == "sick");
        CHECK(std::string(error.what()).find("unhealthy") != std::string::npos);
    }
    CHECK(stack.nothing_left());
}

TEST_CASE("a crashing service fails the up with its exit code and last log lines") {
    TestProject stack("  crasher:\n" + busybox("echo about to crash; exit 3") +
                      "    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 1s\n");
    try {
        stack.up();
        FAIL("up of a crashing service succeeded");
    } catch (const ServiceFailed& error) {
        std::string report = error.what();
        INFO(report);
        CHECK(error.service() == "crasher");
        CHECK(report.find("exited with code 3") != std::string::npos);
        CHECK(report.find("about to crash") != std::string::npos);
    }
    CHECK(stack.nothing_left());
}

TEST_CASE("a service that is never ready fails at the wait timeout") {
    TestProject stack(
        "  slow:\n" + busybox("sleep 600") +
        "    healthcheck:\n      test: [\"CMD\", \"false\"]\n      start_period: 120s\n"
        "      start_interval: 200ms\n");
    try {
        stack.up({.wait_timeout = 2s});
        FAIL("up of a service that never gets healthy succeeded");
    } catch (const ServiceFailed& error) {
        CHECK(std::string(error.what()).find("wait timeout") != std::string::npos);
    }
    CHECK(stack.nothing_left());
}

TEST_CASE("a busy host port is reported before anything is created") {
    int holder = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(holder, 1) == 0);
    socklen_t length = sizeof address;
    ::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length);
    int port = ntohs(address.sin_port);
    TestProject stack("  web:\n" + busybox("sleep 600") + "    ports: [\"127.0.0.1:" +
                      std::to_string(port) + ":80\"]\n    networks: [front]\n  other:\n" +
                      busybox("sleep 600") + "networks:\n  front: {}\n");
    try {
        stack.up();
        FAIL("up with a busy port succeeded");
    } catch (const PortInUse& error) {
        CHECK(error.service() == "web");
        CHECK(error.port() == port);
        CHECK(std::string(error.what()).find(std::to_string(port)) != std::string::npos);
    }
    CHECK(stack.nothing_left());
    ::close(holder);
}

TEST_CASE("up again changes nothing; a changed service alone is recreated; a stopped one started") {
    std::string other = "  steady:\n" + busybox("sleep 600");
    TestProject stack("  changing:\n" + busybox("sleep 600") +
                      "    environment:\n      VERSION: one\n" + other);
    UpResult first = stack.up();
    UpResult again = stack.up();
    CHECK_FALSE(again.changed);
    REQUIRE(again.services.size() == 2);
    for (std::size_t i = 0; i < 2; ++i)
        CHECK(again.services[i].container_id == first.services[i].container_id);
    std::cout << "re-up of an unchanged stack: " << again.elapsed.count() << " ms" << std::endl;

    stack.write("  changing:\n" + busybox("sleep 600") + "    environment:\n      VERSION: two\n" +
                other);
    UpResult changed = stack.up();
    CHECK(changed.changed);
    CHECK(changed.services[0].service == "changing");
    CHECK(changed.services[0].container_id != first.services[0].container_id);
    CHECK(changed.services[1].container_id == first.services[1].container_id);
    ExecResult version =
        engine().exec(changed.services[0].container_id, {"/bin/sh", "-c", "echo $VERSION"});
    CHECK(version.stdout_text == "two\n");

    engine().container_stop(changed.services[1].container_id, 1s);
    UpResult restarted = stack.up();
    CHECK(restarted.changed);
    CHECK(restarted.services[1].container_id == first.services[1].container_id);
    CHECK(restarted.services[1].state == "running");
}

TEST_CASE("replicas: PROJECT-SERVICE-1..N, dependants wait for all, a new count adds or removes") {
    TestProject stack("  worker:\n" + busybox("sleep 1; touch /tmp/ready; sleep 600") +
                      "    stop_signal: SIGKILL\n    deploy:\n      replicas: 2\n"
                      "    healthcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/tmp/ready\"]\n"
                      "      interval: 1s\n      start_period: 30s\n      start_interval: 200ms\n"
                      "  front:\n" +
                      busybox("sleep 600") + "    stop_signal: SIGKILL\n    scale: 1\n" +
                      "    depends_on:\n      worker:\n        condition: service_healthy\n");
    UpResult first = stack.up();
    REQUIRE(first.services.size() == 3);
    CHECK(first.services[1].container_name == stack.name() + "-worker-1");
    CHECK(first.services[2].container_name == stack.name() + "-worker-2");
    CHECK(first.services[2].number == 2);
    for (const auto& status : first.services) {
        if (status.service == "worker")
            CHECK(status.health == HealthStatus::healthy);
    }
    CHECK(stack.position("Healthy worker-1") < stack.position("Creating front"));
    CHECK(stack.position("Healthy worker-2") < stack.position("Creating front"));
    ExecResult second =
        engine().exec(service_status(engine(), stack.name(), "worker", 2).container_id,
                      {"/bin/sh", "-c", "cat /proc/sys/kernel/hostname"});
    CHECK(second.stdout_text == first.services[2].container_id.substr(0, 12) + "\n");

    UpOptions more;
    more.scale = {{"worker", 3}};
    UpResult grown = stack.up(more);
    CHECK(grown.changed);
    REQUIRE(grown.services.size() == 4);
    CHECK(grown.services[1].container_id == first.services[1].container_id);
    CHECK(grown.services[2].container_id == first.services[2].container_id);
    CHECK(grown.services[3].container_name == stack.name() + "-worker-3");

    UpOptions fewer;
    fewer.scale = {{"worker", 1}};
    UpResult shrunk = stack.up(fewer);
    REQUIRE(shrunk.services.size() == 2);
    CHECK(shrunk.services[1].container_id == first.services[1].container_id);
    try {
        service_status(engine(), stack.name(), "worker", 2);
        FAIL("service_status found a replica the scale-down removed");
    } catch (const ReplicaOutOfRange& missing) {
        CHECK(missing.replicas() == 1);
        CHECK(std::string(missing.what()).find("has 1 replica, number 1: there is no replica 2") !=
              std::string::npos);
    }

    UpOptions clash;
    clash.scale = {{"nonexistent", 2}};
    CHECK_THROWS_AS(stack.up(clash), UsageError);
    down(engine(), stack.name(), &stack.project(), {.kill = true});
    CHECK(stack.nothing_left());
}

TEST_CASE("down takes away a half-made project, and is harmless on a gone one") {
    TestProject stack("  lone:\n" + busybox("sleep 600") + "    volumes: [\"data:/data\"]\n" +
                      "volumes:\n  data: {}\n");
    // Half-made: the project's network and volume exist, one container is
    // created but never started.
    std::string label = std::string(compose_labels::project) + "=" + stack.name();
    engine().network_create(
        {.name = stack.name() + "_default", .labels = {{compose_labels::project, stack.name()}}});
    engine().volume_create(
        {.name = stack.name() + "_data", .labels = {{compose_labels::project, stack.name()}}});
    ContainerSpec spec = busybox_spec("sleep 600");
    spec.labels[compose_labels::project] = stack.name();
    spec.labels[compose_labels::service] = "lone";
    engine().container_create(spec);
    CHECK_FALSE(stack.nothing_left());
    down(engine(), stack.name(), &stack.project(), {.remove_volumes = true});
    CHECK(stack.nothing_left());
    CHECK_NOTHROW(down(engine(), stack.name(), nullptr, {.remove_volumes = true}));
}

TEST_CASE(
    "docker-compose 1.29 sees a berth stack as its own, and berth takes down a compose stack") {
    std::string endpoint = engine().endpoint().uri();
    TestProject stack("  web:\n" + busybox("sleep 600") + "    labels:\n      made.by: berth\n");
    stack.up();
    std::string file = stack.project().source_files.front();
    auto compose = [&](std::vector<std::string> arguments) {
        std::vector<std::string> argv = {
            "env", "DOCKER_HOST=" + endpoint, "docker-compose", "-f", file, "-p", stack.name()};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_process(argv);
    };
    ProcessResult listed = compose({"ps"});
    INFO(listed.output);
    CHECK(listed.exit_code == 0);
    CHECK(listed.output.find(stack.name() + "-web-1") != std::string::npos);
    ProcessResult taken_down = compose({"down", "-t", "1"});
    INFO(taken_down.output);
    CHECK(taken_down.exit_code == 0);
    CHECK(stack.nothing_left());

    ProcessResult made = compose({"up", "-d"});
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    CHECK(ps(engine(), stack.name()).size() == 1);
    down(engine(), stack.name(), nullptr, {.timeout = 1s});
    CHECK(stack.nothing_left());
}

TEST_CASE("up and down of one project from two processes at once leave it whole or gone") {
    std::string berth = environment_variable("BERTH_BINARY");
    REQUIRE_MESSAGE(!berth.empty(), "BERTH_BINARY must name the berth program");
    TestProject stack("  one:\n" + busybox("sleep 600") + "  two:\n" + busybox("sleep 600") +
                      "    volumes: [data:/data]\nvolumes:\n  data: {}\n");
    std::string file = stack.project().source_files.front();
    auto berth_run = [&](std::vector<std::string> arguments) {
        std::vector<std::string> argv = {berth, "--host",    engine().endpoint().uri(), "-f", file,
                                         "-p",  stack.name()};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_process(argv);
    };
    ListFilter filter;
    filter.labels = {std::string(compose_labels::project) + "=" + stack.name()};
    for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        ProcessResult up_result;
        std::thread upper([&] { up_result = berth_run({"up", "-q"}); });
        ProcessResult down_result = berth_run({"down", "-v", "-t", "1"});
        upper.join();
        INFO(up_result.output);
        INFO(down_result.output);
        // Serialised by the project lock, each ran whole: neither failed, and
        // the project is either entirely up (down went first) or gone.
        CHECK(up_result.exit_code == 0);
        CHECK(down_result.exit_code == 0);
        auto containers = engine().container_list(filter);
        if (containers.empty()) {
            CHECK(stack.nothing_left());
        } else {
            CHECK(containers.size() == 2);
            for (const auto& container : containers)
                CHECK(container.state == "running");
            CHECK(engine().network_list(filter).size() == 1);
            CHECK(engine().volume_list(filter).size() == 1);
        }
    }
}

TEST_CASE(
    "the flagship stack comes up healthy through `berth up --wait`, takes SSH logins, and goes") {
    std::string berth = environment_variable("BERTH_BINARY");
    std::string source = environment_variable("BERTH_SOURCE_DIR");
    REQUIRE_MESSAGE(!berth.empty(), "BERTH_BINARY must name the berth program");
    std::string project = unique_name("berth-flagship");
    std::string ssh_port = environment_variable("BERTH_TEST_SSH_PORT");
    std::string registry_port = environment_variable("BERTH_TEST_REGISTRY_PORT");
    REQUIRE(!ssh_port.empty());
    std::vector<std::string> common = {"env",
                                       "SLURM_SSH_PORT=" + ssh_port,
                                       "REGISTRY_PORT=" + registry_port,
                                       berth,
                                       "--host",
                                       engine().endpoint().uri(),
                                       "-f",
                                       source + "/compose/docker-compose.yml",
                                       "-p",
                                       project};
    auto berth_run = [&](std::vector<std::string> arguments) {
        std::vector<std::string> argv = common;
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_process(argv);
    };
    auto started = std::chrono::steady_clock::now();
    ProcessResult up_result = berth_run({"up", "--wait", "--json"});
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    INFO(up_result.output);
    REQUIRE(up_result.exit_code == 0);
    std::cout << "flagship up --wait: " << seconds << " s" << std::endl;
    CHECK(up_result.output.find("\"health\": \"healthy\"") != std::string::npos);

    ProcessResult login =
        run_process({"sshpass", "-p", "slurm", "ssh", "-p", ssh_port, "-o",
                     "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o",
                     "LogLevel=ERROR", "slurm@127.0.0.1", "sinfo --noheader --format='%P %a'"});
    INFO(login.output);
    CHECK(login.exit_code == 0);
    CHECK(login.output.find("debug* up") != std::string::npos);

    ProcessResult down_result = berth_run({"down", "-v"});
    INFO(down_result.output);
    CHECK(down_result.exit_code == 0);
    ListFilter filter;
    filter.labels = {std::string(compose_labels::project) + "=" + project};
    CHECK(engine().container_list(filter).empty());
    CHECK(engine().network_list(filter).empty());
    CHECK(engine().volume_list(filter).empty());
}

namespace {

/// The berth program, as a test would run it from a shell or a pipe.
std::vector<std::string> berth_command(const TestProject& stack) {
    std::string berth = environment_variable("BERTH_BINARY");
    REQUIRE_MESSAGE(!berth.empty(), "BERTH_BINARY must name the berth program");
    return {berth,
            "--host",
            engine().endpoint().uri(),
            "-f",
            (stack.folder() / "compose.yaml").string(),
            "-p",
            stack.name()};
}

std::string shell_quoted(const std::vector<std::string>& words) {
    std::string line;
    for (const auto& word : words) {
        std::string quoted = "'";
        for (char c : word)
            quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        line += (line.empty() ? "" : " ") + quoted + "'";
    }
    return line;
}

bool has_control_characters(const std::string& text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
    });
}

}  // namespace

TEST_CASE("a build FROM a missing image that cannot be pulled stops up before anything is made") {
    TestProject stack(
        "  app:\n    build: ./app\n    image: berth-test/from-missing:latest\n"
        "    volumes: [data:/data]\n    networks: [inner]\n"
        "volumes:\n  data: {}\nnetworks:\n  inner: {}\n");
    // Port 1 on loopback refuses at once: a registry that cannot be reached,
    // without waiting on a name lookup.
    stack.add_file("app/Containerfile",
                   "# a base this engine has never seen\n"
                   "ARG BASE=127.0.0.1:1/berth-test/no-such-base:1\n"
                   "FROM ${BASE}\n"
                   "RUN true\n");
    try {
        stack.up();
        FAIL("up succeeded although the base image cannot be had");
    } catch (const BaseImageMissing& error) {
        std::string message = error.what();
        INFO(message);
        CHECK(error.service() == "app");
        CHECK(error.image() == "127.0.0.1:1/berth-test/no-such-base:1");
        CHECK(error.location() == (stack.folder() / "app" / "Containerfile").string() + ":3");
        CHECK(!error.engine_message().empty());
        CHECK(message.find("nothing was created") != std::string::npos);
        CHECK(message.find("engine says: ") != std::string::npos);
        CHECK(message.find("build.args") != std::string::npos);
    }
    CHECK(stack.nothing_left());
    CHECK_FALSE(engine().image_exists("berth-test/from-missing:latest"));
}

TEST_CASE(
    "build progress: plain step lines in a pipe, updated in place on a terminal, the "
    "log's path and last lines on failure") {
    const std::string image = unique_name("berth-test/progress") + ":latest";
    TestProject stack("  built:\n    build: ./built\n    image: " + image +
                      "\n    command: [\"sleep\", \"600\"]\n");
    stack.add_file("built/Containerfile", "FROM " + busybox_image() +
                                              "\nRUN echo output-only-$((6 * 7))\n"
                                              "RUN echo second step\n");
    auto up = berth_command(stack);
    up.insert(up.end(), {"up", "--build"});
    ProcessResult piped = run_process(up);
    INFO(piped.output);
    REQUIRE(piped.exit_code == 0);
    CHECK_FALSE(has_control_characters(piped.output));
    CHECK(piped.output.find("Building") != std::string::npos);
    // One line per step; the steps' own output stays in the log.
    CHECK((piped.output.find("Step 2/3") != std::string::npos ||
           piped.output.find("STEP 2/3") != std::string::npos));
    CHECK(piped.output.find("output-only-42") == std::string::npos);

    // Under a pseudo terminal (script(1)), without CI set: rows redrawn in place.
    ProcessResult terminal = run_process(
        {"env", "-u", "CI", "TERM=xterm", "script", "-qec", shell_quoted(up), "/dev/null"});
    INFO(terminal.output);
    REQUIRE(terminal.exit_code == 0);
    CHECK(terminal.output.find("\x1b[2K") != std::string::npos);
    CHECK(terminal.output.find("\x1b[") != std::string::npos);

    stack.add_file("built/Containerfile",
                   "FROM " + busybox_image() + "\nRUN echo the-reason-it-failed && exit 3\n");
    ProcessResult failed = run_process(up);
    INFO(failed.output);
    CHECK(failed.exit_code == 1);
    auto at = failed.output.find("all of it is in ");
    REQUIRE(at != std::string::npos);
    std::string path = failed.output.substr(at + 16, failed.output.find("):", at) - at - 16);
    CHECK(std::filesystem::exists(path));
    CHECK(failed.output.find("| ") != std::string::npos);
    CHECK(failed.output.find("the-reason-it-failed") != std::string::npos);
    std::ifstream log(path);
    std::string logged((std::istreambuf_iterator<char>(log)), {});
    CHECK(logged.find("the-reason-it-failed") != std::string::npos);
    CHECK(logged.find("output-only-42") == std::string::npos);  // a log of this run only
    try {
        engine().image_remove(image, true);
    } catch (const Error&) {
    }
}

TEST_CASE(
    "first run on an engine: the Slurm stack comes up with no base or stack image, "
    "and a second run imports nothing" *
    doctest::test_suite("first-run")) {
    std::string berth = environment_variable("BERTH_BINARY");
    std::string source = environment_variable("BERTH_SOURCE_DIR");
    std::string user = environment_variable("BERTH_TEST_RUN_AS");
    REQUIRE(!berth.empty());
    std::string project = unique_name("berth-first-run");
    const std::vector<std::string> images = {"berth/slurm:latest", "berth/registry:latest",
                                             BaseImageOptions{}.reference};
    // A running stack of these images is someone's: refuse to pull the
    // images from under it. Stopped ones (left by an earlier session) go
    // with the images on Podman and keep theirs on Docker.
    for (const auto& container : engine().container_list()) {
        for (const auto& image : images) {
            bool runs_it = container.state == "running" && same_image_name(container.image, image);
            REQUIRE_MESSAGE(!runs_it, "container " << container.id << " runs " << image
                                                   << "; take it down first");
        }
    }
    for (const auto& image : images) {
        if (engine().image_exists(image))
            engine().image_remove(image, true);
    }
    // An unprivileged user's engine is driven by that user, as in real use:
    // the cached root filesystem must serve them without root.
    std::vector<std::string> common;
    if (!user.empty()) {
        common = {"runuser", "-u", user, "--", "env", "HOME=/home/" + user};
    } else {
        common = {"env"};
    }
    common.insert(
        common.end(),
        {"SLURM_SSH_PORT=" + environment_variable("BERTH_TEST_SSH_PORT"),
         "REGISTRY_PORT=" + environment_variable("BERTH_TEST_REGISTRY_PORT"),
         "SLURM_CONTAINER_NAME=" + project + "-slurm", berth, "--host", engine().endpoint().uri(),
         "-f", source + "/compose/docker-compose.yml", "-p", project});
    auto berth_run = [&](std::vector<std::string> arguments) {
        std::vector<std::string> argv = common;
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_process(argv);
    };
    ProcessResult first = berth_run({"up", "--wait"});
    INFO(first.output);
    CHECK(first.exit_code == 0);
    CHECK(first.output.find("Importing") != std::string::npos);
    CHECK(first.output.find(BaseImageOptions{}.reference + " imported") != std::string::npos);
    CHECK(berth_run({"down", "-v"}).exit_code == 0);

    ProcessResult second = berth_run({"up", "--wait"});
    INFO(second.output);
    CHECK(second.exit_code == 0);
    CHECK(second.output.find("Importing") == std::string::npos);
    CHECK(second.output.find("Building") == std::string::npos);
    CHECK(berth_run({"down", "-v"}).exit_code == 0);
}

// The flagship stack builds on the base image.
int main(int argc, char** argv) {
    return run_suite(argc, argv, true);
}
