// docker-compose's command line on berth (README: docker-compose's command
// line): the exact argument lists of pytest-docker, the testcontainers
// compose modules and a docker-compose-based conftest, driven through the
// `docker-compose` name, with their output formats and exit codes; on dockerd
// the same lines against real docker-compose 1.29, outputs compared. meson
// runs it once per backend; the `help` cases need no engine.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "process.hpp"
#include "test_engine.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

using namespace berth;
using namespace berth::testing;

namespace {

std::string quoted(const std::string& word) {
    std::string text = "'";
    for (char c : word)
        text += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return text + "'";
}

/// Runs a command line; output is its standard output only, so that
/// progress on standard error never disturbs a format under test.
ProcessResult run_stdout(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& word : argv)
        line += quoted(word) + " ";
    return run_process({"sh", "-c", line + "2>/dev/null"});
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        lines.push_back(line);
    return lines;
}

/// A two-service project (one pulled-style image with a published port and a
/// healthcheck, one built FROM it) in a temporary folder, driven by a
/// docker-compose program; taken down with its volumes and built image at
/// scope exit whatever the test did.
class ComposeProject {
  public:
    /// With an empty prefix the command lines give no -p, and the project is
    /// named after its (unique) folder, as a conftest without -p has it.
    ComposeProject(std::string program, const std::string& prefix)
        : program_(std::move(program)),
          name_(prefix.empty() ? folder_name() : unique_name(prefix)),
          give_name_(!prefix.empty()) {
        folder_.write("docker-compose.yml", R"(services:
  web:
    image: )" + busybox_image() + R"(
    command: ["sh", "-c", "echo web started; echo to stderr >&2; exec sleep 3600"]
    ports: ["80"]
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
  worker:
    build: built
    command: ["sh", "-c", "echo worker started; cat /built; exec sleep 3600"]
    stop_signal: SIGKILL
    depends_on: [web]
volumes:
  data: {}
)");
        folder_.write("built/Dockerfile",
                      "FROM " + busybox_image() + "\nRUN echo built > /built\n");
    }
    ~ComposeProject() { run_stdout(args({"down", "-v", "--rmi", "local"})); }

    std::string file() const { return (folder_.path() / "docker-compose.yml").string(); }
    /// Another file in the project's folder, for runs with other services.
    std::string write(const std::string& relative, const std::string& text) const {
        folder_.write(relative, text);
        return (folder_.path() / relative).string();
    }
    /// program -f OTHER_FILE -p NAME words...
    ProcessResult run_with(const std::string& other_file,
                           const std::vector<std::string>& words) const {
        std::vector<std::string> argv = {program_, "-f", other_file, "-p", name_};
        argv.insert(argv.end(), words.begin(), words.end());
        return run_stdout(argv);
    }
    const std::string& name() const { return name_; }

    /// program -f FILE -p NAME words...
    std::vector<std::string> args(const std::vector<std::string>& words) const {
        std::vector<std::string> argv = {program_, "-f", file()};
        if (give_name_)
            argv.insert(argv.end(), {"-p", name_});
        argv.insert(argv.end(), words.begin(), words.end());
        return argv;
    }
    ProcessResult run(const std::vector<std::string>& words) const {
        return run_stdout(args(words));
    }
    /// Standard output and standard error together, for messages.
    ProcessResult run_all(const std::vector<std::string>& words) const {
        return run_process(args(words));
    }

  private:
    /// The folder's name as compose makes a project name of it: lower case.
    std::string folder_name() const {
        std::string name = folder_.path().filename().string();
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return name;
    }

    TemporaryFolder folder_;  // first: the name may come from it
    std::string program_;
    std::string name_;
    bool give_name_;
};

std::string compat_program() {
    return environment_variable("BERTH_COMPAT_BINARY");
}

const std::regex host_port(R"(^0\.0\.0\.0:[0-9]+$)");

}  // namespace

TEST_SUITE("help") {
    TEST_CASE(
        "every berth command and every compat command prints --help and refuses a bogus flag") {
        const std::string berth = environment_variable("BERTH_BINARY");
        std::vector<std::vector<std::string>> commands = {{berth, "up"},
                                                          {berth, "down"},
                                                          {berth, "ps"},
                                                          {berth, "logs"},
                                                          {berth, "exec"},
                                                          {berth, "config"},
                                                          {berth, "info"},
                                                          {berth, "image", "bootstrap"},
                                                          {berth, "image", "build"},
                                                          {berth, "watchdog"}};
        for (const char* name : {"up",  "down",  "ps",      "port",  "config", "logs",    "exec",
                                 "run", "build", "pull",    "start", "stop",   "restart", "kill",
                                 "rm",  "pause", "unpause", "top",   "images", "version"}) {
            commands.push_back({compat_program(), name});
            commands.push_back({berth, "compose", name});
        }
        for (auto command : commands) {
            std::string label = command.back();
            CAPTURE(label);
            command.push_back("--help");
            auto help = run_process(command);
            CHECK(help.exit_code == 0);
            CHECK(help.output.rfind("usage: ", 0) == 0);
            CHECK(help.output.find(label) != std::string::npos);
            command.back() = "--no-such-flag";
            auto refused = run_process(command);
            CHECK(refused.exit_code == 2);
            CHECK(refused.output.find("unknown option '--no-such-flag'") != std::string::npos);
            CHECK(refused.output.find("usage: ") != std::string::npos);
        }
        CHECK(run_process({compat_program(), "--help"}).exit_code == 0);
        CHECK(run_process({berth, "--help"}).exit_code == 0);
        auto global = run_process({compat_program(), "--verbose", "ps"});
        CHECK(global.exit_code == 2);
        CHECK(global.output.find("--verbose") != std::string::npos);
        auto number = run_process({berth, "logs", "--tail", "ten"});
        CHECK(number.exit_code == 2);
        CHECK(number.output.find("--tail takes a whole number, not 'ten'") != std::string::npos);
        auto colours = run_process({compat_program(), "--ansi", "always", "ps"});
        CHECK(colours.exit_code == 2);
        // The parser's spellings, on a command that needs no engine.
        TemporaryFolder folder;
        folder.write("compose.yaml", "services:\n  one:\n    image: x\n  two:\n    image: y\n");
        std::string file = (folder.path() / "compose.yaml").string();
        CHECK(run_stdout({compat_program(), "--file=" + file, "config", "--services"}).output ==
              "one\ntwo\n");
        CHECK(run_stdout({compat_program(), "-f", file, "--ansi", "never", "config",
                          "--format=json", "-q"})
                  .exit_code == 0);
        CHECK(run_stdout({berth, "config", "--services", "-f", file}).output == "one\ntwo\n");
        CHECK(run_stdout({berth, "-f", file, "-p", "Upper_Case", "config", "--json"}).exit_code ==
              0);
        auto flag_value = run_process({compat_program(), "-f", file, "config", "--services=yes"});
        CHECK(flag_value.exit_code == 2);
        CHECK(flag_value.output.find("--services takes no value") != std::string::npos);
        auto no_value = run_process({berth, "logs", "-n"});
        CHECK(no_value.exit_code == 2);
        CHECK(no_value.output.find("-n needs a value (N)") != std::string::npos);
        auto bad_format = run_process({compat_program(), "-f", file, "config", "--format", "xml"});
        CHECK(bad_format.exit_code == 2);
        CHECK(bad_format.output.find("--format takes yaml or json, not 'xml'") !=
              std::string::npos);
        auto version = run_process({compat_program(), "version", "--short"});
        CHECK(version.exit_code == 0);
        CHECK(std::regex_match(lines_of(version.output).at(0),
                               std::regex(R"([0-9]+\.[0-9]+\.[0-9]+)")));
    }
}

TEST_SUITE("engine") {
    TEST_CASE("pytest-docker: up --build -d, port, down -v") {
        ComposeProject project(compat_program(), "berth-compat-pd");
        auto up = project.run({"up", "--build", "-d"});
        REQUIRE(up.exit_code == 0);
        auto port = project.run({"port", "web", "80"});
        CHECK(port.exit_code == 0);
        CHECK(std::regex_match(lines_of(port.output).at(0), host_port));
        auto udp = project.run_all({"port", "--protocol", "udp", "web", "80"});
        CHECK(udp.exit_code == 1);
        CHECK(udp.output.find("no port 80/udp") != std::string::npos);
        CHECK(project.run({"down", "-v"}).exit_code == 0);
        auto left = project.run({"ps", "-a", "-q"});
        CHECK(left.exit_code == 0);
        CHECK(left.output.empty());
    }

    TEST_CASE("testcontainers: up -d --wait, ps --format json, logs, config --services, exec -T") {
        ComposeProject project(compat_program(), "berth-compat-tc");
        REQUIRE(project.run({"up", "-d", "--wait"}).exit_code == 0);
        auto ps = project.run({"ps", "--format", "json"});
        REQUIRE(ps.exit_code == 0);
        std::vector<std::string> services;
        for (const auto& line : lines_of(ps.output)) {
            auto container = nlohmann::json::parse(line);
            services.push_back(container.at("Service"));
            CHECK(container.at("State") == "running");
            CHECK(container.at("Project") == project.name());
            CHECK(container.at("ID").get<std::string>().size() == 64);
            CHECK(container.at("Name") == project.name() + "-" + services.back() + "-1");
            if (services.back() == "web") {
                // berth ran the check itself; dockerd records its own first
                // run only after `interval` (README: docker-compose's command line).
                std::string health = container.at("Health");
                bool docker = backend_label(engine().backend()) == "docker";
                CHECK((health == "healthy" || (docker && health == "starting")));
                auto publisher = container.at("Publishers").at(0);
                CHECK(publisher.at("TargetPort") == 80);
                CHECK(publisher.at("PublishedPort").get<int>() > 0);
                CHECK(publisher.at("Protocol") == "tcp");
            }
        }
        CHECK(services == std::vector<std::string>{"web", "worker"});
        auto logs = project.run({"logs"});
        CHECK(logs.exit_code == 0);
        CHECK(logs.output.find("web-1     | web started\n") != std::string::npos);
        CHECK(logs.output.find("web-1     | to stderr\n") != std::string::npos);
        CHECK(logs.output.find("worker-1  | built\n") != std::string::npos);
        // Both streams, no prefix; their relative order is the engine's.
        auto bare = lines_of(
            project.run({"logs", "--no-color", "--no-log-prefix", "--tail", "2", "web"}).output);
        std::sort(bare.begin(), bare.end());
        CHECK(bare == std::vector<std::string>{"to stderr", "web started"});
        auto config = project.run({"config", "--services"});
        CHECK(config.exit_code == 0);
        CHECK(config.output == "web\nworker\n");
        auto exec = project.run({"exec", "-T", "web", "sh", "-c", "echo out $X; exit 3"});
        CHECK(exec.exit_code == 3);
        CHECK(exec.output == "out\n");
        auto with_env = project.run(
            {"exec", "-T", "-e", "X=1", "-w", "/tmp", "web", "sh", "-c", "echo $X $(pwd)"});
        CHECK(with_env.output == "1 /tmp\n");
        CHECK(project.run({"down", "-v", "--remove-orphans"}).exit_code == 0);
    }

    TEST_CASE("a docker-compose conftest: up -d --build, ps --services --filter, down -v") {
        ComposeProject project(compat_program(), "");  // the conftest gives no -p
        REQUIRE(project.run({"up", "-d", "--build"}).exit_code == 0);
        auto running = project.run({"ps", "--services", "--filter", "status=running"});
        CHECK(running.exit_code == 0);
        CHECK(running.output == "web\nworker\n");
        CHECK(project.run({"stop", "-t", "1", "worker"}).exit_code == 0);
        CHECK(project.run({"ps", "--services", "--filter", "status=running"}).output == "web\n");
        CHECK(project.run({"ps", "--services", "--filter", "status=exited"}).output == "worker\n");
        CHECK(project.run({"down", "-v"}).exit_code == 0);
        CHECK(project.run({"ps", "--services", "-a"}).output.empty());
    }

    TEST_CASE("the other commands: pause, top, images, run --rm, kill, rm -f, start, restart") {
        ComposeProject project(compat_program(), "berth-compat-more");
        REQUIRE(project.run({"up", "-d"}).exit_code == 0);
        if (backend_label(engine().backend()) == "podman-rootless") {
            // No cgroup freezer for rootless containers on cgroup v1: the
            // engine's own reason comes through, with exit 1.
            auto refused = project.run_all({"pause", "web"});
            CHECK(refused.exit_code == 1);
            CHECK(refused.output.find("cgroup") != std::string::npos);
        } else {
            CHECK(project.run({"pause", "web"}).exit_code == 0);
            CHECK(project.run({"ps", "--services", "--status", "paused"}).output == "web\n");
            CHECK(project.run({"unpause", "web"}).exit_code == 0);
        }
        auto top = project.run({"top", "web"});
        CHECK(top.exit_code == 0);
        CHECK(top.output.find(project.name() + "-web-1\n") == 0);
        CHECK(top.output.find("sleep 3600") != std::string::npos);
        auto images = project.run({"images"});
        CHECK(images.output.rfind("CONTAINER", 0) == 0);
        CHECK(images.output.find(project.name() + "-worker") != std::string::npos);
        auto run = project.run(
            {"run", "--rm", "-T", "-e", "X=1", "web", "sh", "-c", "echo run $X; exit 4"});
        CHECK(run.exit_code == 4);
        CHECK(run.output == "run 1\n");
        CHECK(project.run({"ps", "-aq"}).output.size() == 2 * 65);  // the one-off is gone
        CHECK(project.run({"kill", "worker"}).exit_code == 0);
        CHECK(project.run({"rm", "worker"}).exit_code == 2);  // berth never asks: it wants -f
        CHECK(project.run({"rm", "-f", "worker"}).exit_code == 0);
        CHECK(project.run({"ps", "-a", "--services"}).output == "web\n");
        CHECK(project.run({"up", "-d", "--no-deps", "worker"}).exit_code == 0);
        CHECK(project.run({"restart", "-t", "1", "worker"}).exit_code == 0);
        CHECK(project.run({"ps", "--services"}).output == "web\nworker\n");
        auto before = project.run({"ps", "-q", "web"}).output;
        CHECK(project.run({"up", "-d", "--force-recreate", "web"}).exit_code == 0);
        CHECK(project.run({"ps", "-q", "web"}).output != before);
        auto missing = project.run_all({"exec", "-T", "nosuch", "true"});
        CHECK(missing.exit_code == 1);
        CHECK(missing.output.find("no such service: nosuch") != std::string::npos);
        CHECK(project.run({"down", "-v", "-t", "1"}).exit_code == 0);
    }

    TEST_CASE("up's flags, logs -f -t, exec -d and --index, config --images, build") {
        ComposeProject project(compat_program(), "berth-compat-flags");
        auto unbuilt = project.run_all({"up", "-d", "--no-build"});
        CHECK(unbuilt.exit_code == 1);
        CHECK(unbuilt.output.find("--no-build forbids building it") != std::string::npos);
        CHECK(project.run({"build", "worker"}).exit_code == 0);
        // No registry has berth's busybox: the engine's reason, exit 1; the
        // built service is not pulled at all.
        auto pulled = project.run_all({"pull", "web"});
        CHECK(pulled.exit_code == 1);
        CHECK(pulled.output.find("pull image " + busybox_image()) != std::string::npos);
        CHECK(project.run({"pull", "--ignore-pull-failures", "web"}).exit_code == 0);
        CHECK(project.run({"pull", "worker"}).exit_code == 0);
        REQUIRE(project.run({"up", "-d", "--no-start"}).exit_code == 0);
        CHECK(project.run({"ps", "--services", "--status", "created"}).output == "web\nworker\n");
        CHECK(project.run({"up", "-d", "--quiet-pull", "--no-build"}).exit_code == 0);
        CHECK(project.run({"ps", "--services"}).output == "web\nworker\n");
        auto images = project.run({"config", "--images"});
        CHECK(images.output == busybox_image() + "\n" + project.name() + "-worker\n");
        auto json = nlohmann::json::parse(project.run({"config", "--format", "json"}).output);
        CHECK(json.at("services").contains("web"));
        CHECK(project.run({"exec", "-d", "web", "touch", "/tmp/flag"}).exit_code == 0);
        int found = 1;
        for (int attempt = 0; attempt < 50 && found != 0; ++attempt)
            found = project.run({"exec", "-T", "web", "test", "-f", "/tmp/flag"}).exit_code;
        CHECK(found == 0);
        CHECK(project.run({"exec", "--index", "2", "web", "true"}).exit_code == 1);
        // -f follows every container until all have stopped: killed, they end it.
        CHECK(project.run({"kill"}).exit_code == 0);
        auto followed = run_stdout({"timeout", "30", compat_program(), "-f", project.file(), "-p",
                                    project.name(), "logs", "-f", "-t", "--no-color"});
        CHECK(followed.exit_code == 0);
        CHECK(std::regex_search(followed.output,
                                std::regex(R"(web-1 +\| 20[0-9-]+T.* web started)")));
        CHECK(std::regex_search(followed.output, std::regex(R"(worker-1 +\| 20[0-9-]+T.* built)")));
        CHECK(project.run({"start"}).exit_code == 0);
        // --no-recreate keeps a changed service's container; a plain up replaces it.
        std::string web_id = project.run({"ps", "-q", "web"}).output;
        std::string changed = project.write("changed.yml", R"(services:
  web:
    image: )" + busybox_image() + R"(
    command: ["sh", "-c", "echo changed; exec sleep 3600"]
    stop_signal: SIGKILL
)");
        CHECK(project.run_with(changed, {"up", "-d", "--no-recreate", "web"}).exit_code == 0);
        CHECK(project.run({"ps", "-q", "web"}).output == web_id);
        CHECK(project.run_with(changed, {"up", "-d", "--remove-orphans"}).exit_code == 0);
        CHECK(project.run({"ps", "-q", "web"}).output != web_id);
        CHECK(project.run({"ps", "-a", "--services"}).output == "web\n");  // worker was an orphan
        CHECK(project.run({"down", "-v", "--rmi", "local"}).exit_code == 0);
    }

    TEST_CASE("up without -d: the output until every container stops, or until SIGINT stops them") {
        ComposeProject project(compat_program(), "berth-compat-attached");
        std::string once = project.write("once.yml", R"(services:
  once:
    image: )" + busybox_image() + R"(
    command: ["sh", "-c", "echo hello; echo bye"]
)");
        auto ended = project.run_with(once, {"up"});
        CHECK(ended.exit_code == 0);
        CHECK(ended.output == "once-1  | hello\nonce-1  | bye\n");
        CHECK(project.run_with(once, {"down"}).exit_code == 0);
        // SIGINT once the service has said it started (at most 60 s), so
        // that a slow create on a loaded machine is not cut short. A job
        // started with & gets SIGINT ignored; env gives berth the default
        // disposition a program run from a terminal has. The wait for its
        // end is bounded too: a lost signal fails the case, not meson's timer.
        const std::string output = project.write("attached.out", "");
        auto interrupted =
            run_process({"sh", "-c",
                         "env --default-signal=INT " + quoted(compat_program()) + " -f " +
                             quoted(project.file()) + " -p " + quoted(project.name()) +
                             " up web >" + quoted(output) + " 2>/dev/null & up=$!\n" +
                             "tries=0\n"
                             "until grep -q 'web started' " +
                             quoted(output) +
                             " || ! kill -0 $up 2>/dev/null || [ $tries -ge 600 ]; do\n"
                             "  sleep 0.1; tries=$((tries + 1))\n"
                             "done\n"
                             "kill -INT $up 2>/dev/null\n"
                             "tries=0\n"
                             "while kill -0 $up 2>/dev/null && [ $tries -lt 600 ]; do\n"
                             "  sleep 0.1; tries=$((tries + 1))\n"
                             "done\n"
                             "kill -KILL $up 2>/dev/null; wait $up; status=$?\n"
                             "cat " +
                             quoted(output) + "; exit $status"});
        CHECK(interrupted.exit_code == 130);
        CHECK(interrupted.output.find("web-1  | web started\n") != std::string::npos);
        CHECK(project.run({"ps", "--services", "-a", "--filter", "status=exited"}).output ==
              "web\n");
    }
}

namespace {

/// Lines of `logs` with the prefix reduced to the service name (1.29 writes
/// SERVICE_1, v2 and berth SERVICE-1), its "Attaching to" line dropped, sorted
/// (1.29 reads the containers concurrently).
std::vector<std::string> normalised_logs(const std::string& output) {
    std::vector<std::string> lines;
    for (const auto& line : lines_of(output)) {
        if (line.rfind("Attaching to", 0) == 0)
            continue;
        auto bar = line.find(" | ");
        std::string prefix = line.substr(0, line.find_first_of("_- "));
        lines.push_back(prefix + ":" + (bar == std::string::npos ? line : line.substr(bar + 3)));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

}  // namespace

TEST_SUITE("oracle") {
    // Differences that are legitimate, and so normalised or left unchecked:
    //  - logs: 1.29 prefixes SERVICE_1 (its container names), berth SERVICE-1 as
    //    docker compose v2 does, and 1.29 prints "Attaching to ..." first;
    //  - port of an unpublished port: 1.29 prints an empty line and exits 0,
    //    berth says so on stderr and exits 1 as docker compose v2 does;
    //  - ps's table: 1.29 has Name/Command/State/Ports, berth v2's columns;
    //  - up's progress on stderr differs entirely;
    //  - unknown flags: 1.29 prints its help and exits 0 (docopt), berth exits 2;
    //  - ps --filter status=exited: v2's word, which 1.29 refuses (exit 1); berth
    //    takes both it and 1.29's status=stopped.
    TEST_CASE("the harnesses' command lines against docker-compose 1.29 on dockerd") {
        if (backend_label(engine().backend()) != "docker") {
            MESSAGE(
                "docker-compose 1.29 talks to dockerd only: nothing to compare on this backend");
            return;
        }
        ComposeProject berth(compat_program(), "berth-compat-or");
        ComposeProject reference("/usr/bin/docker-compose", "berth-compat-ref");
        for (auto* project : {&berth, &reference}) {
            REQUIRE(project->run({"up", "--build", "-d"}).exit_code == 0);
            // 1.29 does not wait for health: wait as a harness would.
            for (int attempt = 0; attempt < 100; ++attempt) {
                if (project->run({"ps", "--services", "--filter", "status=running"}).output ==
                    "web\nworker\n")
                    break;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
        auto same = [&](const std::vector<std::string>& words) {
            CAPTURE(words);
            auto ours = berth.run(words);
            auto theirs = reference.run(words);
            CHECK(ours.exit_code == theirs.exit_code);
            CHECK(ours.output == theirs.output);
        };
        same({"ps", "--services", "--filter", "status=running"});
        same({"config", "--services"});
        same({"config", "--volumes"});
        same({"config", "-q"});
        same({"exec", "-T", "web", "sh", "-c", "echo out; echo err >&2; exit 3"});
        same({"exec", "-T", "-u", "nobody", "-w", "/tmp", "web", "sh", "-c", "id -u; pwd"});
        same({"run", "--rm", "-T", "--no-deps", "web", "sh", "-c", "echo one-off; exit 5"});
        auto our_port = berth.run({"port", "web", "80"});
        auto their_port = reference.run({"port", "web", "80"});
        CHECK(our_port.exit_code == their_port.exit_code);
        CHECK(std::regex_match(lines_of(our_port.output).at(0), host_port));
        CHECK(std::regex_match(lines_of(their_port.output).at(0), host_port));
        CHECK(lines_of(berth.run({"ps", "-q"}).output).size() ==
              lines_of(reference.run({"ps", "-q"}).output).size());
        auto our_logs = berth.run({"logs", "--no-color"});
        auto their_logs = reference.run({"logs", "--no-color"});
        CHECK(our_logs.exit_code == their_logs.exit_code);
        CHECK(normalised_logs(our_logs.output) == normalised_logs(their_logs.output));
        same({"stop", "-t", "1", "worker"});
        same({"ps", "--services", "--filter", "status=stopped"});  // v1's word; v2 says exited
        CHECK(berth.run({"ps", "--services", "--filter", "status=exited"}).output == "worker\n");
        same({"down", "-v"});
        same({"ps", "-q"});
    }
}

int main(int argc, char** argv) {
    // The help cases need no engine; the others run on the one meson names.
    if (environment_variable("BERTH_TEST_EXPECT").empty()) {
        doctest::Context context(argc, argv);
        return context.run();
    }
    // berth's docker-compose finds the engine as docker-compose does: DOCKER_HOST.
    ::setenv("DOCKER_HOST", environment_variable("BERTH_TEST_ENDPOINT").c_str(), 1);
    return run_suite(argc, argv);
}
