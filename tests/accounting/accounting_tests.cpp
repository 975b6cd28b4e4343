// The Slurm stack's `accounting` profile on a real engine, through the
// `berth` command as a harness would use it: `up --wait --json` says
// accounting is on, finished jobs show in `sacct` with their state and exit
// code, `sacctmgr` lists the cluster, and `down -v` leaves nothing. Then the
// stack without the profile, which must be the stack of old. meson runs this
// once per backend (dockerd, rootful and rootless Podman).

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <berth/fixture.hpp>
#include <berth/orchestrate.hpp>
#include <berth/slurm/cluster.hpp>

#include "process.hpp"
#include "test_engine.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

using namespace berth;
using namespace berth::testing;
using namespace std::chrono_literals;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// The stack's compose file with the test's own image tags laid over it.
struct StackCommand {
    std::string project = unique_name("berth-acc");
    std::string ssh_port = environment_variable("BERTH_TEST_SSH_PORT");
    std::string registry_port = environment_variable("BERTH_TEST_REGISTRY_PORT");
    std::string source = environment_variable("BERTH_SOURCE_DIR");

    std::vector<std::string> environment() const {
        return {"env", "SLURM_SSH_PORT=" + ssh_port, "REGISTRY_PORT=" + registry_port,
                "SLURM_CONTAINER_NAME=" + project + "-slurm"};
    }
    std::vector<std::string> files() const {
        return {"-f", source + "/compose/docker-compose.yml",
                "-f", source + "/tests/accounting/images.yml",
                "-p", project};
    }
    ProcessResult berth(const std::vector<std::string>& arguments) const {
        std::vector<std::string> argv = environment();
        argv.push_back(environment_variable("BERTH_BINARY"));
        argv.push_back("--host");
        argv.push_back(engine().endpoint().uri());
        for (const auto& word : files())
            argv.push_back(word);
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_process(argv);
    }
    ProcessResult docker_compose(const std::vector<std::string>& arguments) const {
        std::vector<std::string> argv = environment();
        argv.push_back("DOCKER_HOST=" + engine().endpoint().uri());
        argv.push_back("docker-compose");
        for (const auto& word : files())
            argv.push_back(word);
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_process(argv);
    }
    ProcessResult ssh(const std::string& command) const {
        return run_process({"sshpass", "-p", "slurm", "ssh", "-p", ssh_port, "-o",
                            "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o",
                            "LogLevel=ERROR", "slurm@127.0.0.1", command});
    }
    bool nothing_left() const { return project_gone(project); }
    /// Takes the stack down whatever the test did.
    ~StackCommand() {
        try {
            down(engine(), project, nullptr, {.remove_volumes = true, .timeout = 5s});
        } catch (const std::exception& error) {
            std::cerr << "cleanup of " << project << ": " << error.what() << std::endl;
        }
    }
};

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

/// The sacct lines of jobs (JobID|State|ExitCode, steps left out) once every
/// job has ended, or whatever sacct said last when that takes a minute.
std::string finished_jobs(const StackCommand& stack, const std::vector<std::string>& jobs) {
    std::string list;
    for (const auto& job : jobs)
        list += (list.empty() ? "" : ",") + job;
    std::string last;
    for (int attempt = 0; attempt < 60; ++attempt) {
        ProcessResult sacct =
            stack.ssh("sacct -j " + list + " --parsable2 --noheader --format=JobID,State,ExitCode");
        last = sacct.output;
        std::string lines;
        int ended = 0;
        std::istringstream stream(sacct.output);
        std::string line;
        while (std::getline(stream, line)) {
            if (line.find('.') != std::string::npos)
                continue;  // a step: the job's own line says how it ended
            lines += line + "\n";
            if (line.find("|COMPLETED|") != std::string::npos ||
                line.find("|FAILED|") != std::string::npos)
                ++ended;
        }
        if (sacct.exit_code == 0 && ended == static_cast<int>(jobs.size()))
            return lines;
        std::this_thread::sleep_for(1s);
    }
    return last;
}

}  // namespace

TEST_CASE("the accounting profile: sacct shows finished jobs with their state and exit code") {
    StackCommand stack;
    REQUIRE_MESSAGE(!stack.ssh_port.empty(), "BERTH_TEST_SSH_PORT must be set");
    REQUIRE_MESSAGE(!environment_variable("BERTH_BINARY").empty(), "BERTH_BINARY must be set");

    // --build: the test's own tags, rebuilt from this checkout (cached when
    // unchanged), so a stale image of another checkout never answers.
    auto started = std::chrono::steady_clock::now();
    ProcessResult up = stack.berth(
        {"--profile", "accounting", "up", "--build", "--wait", "--json", "--progress", "quiet"});
    double up_seconds = seconds_since(started);
    INFO(up.output);
    REQUIRE(up.exit_code == 0);
    std::cout << "berth up --build --wait with the accounting profile: " << up_seconds
              << " s (images from the build cache)" << std::endl;
    auto json_start = up.output.find('{');
    REQUIRE(json_start != std::string::npos);
    auto stack_json = nlohmann::json::parse(up.output.substr(json_start));
    CHECK(stack_json["slurm"]["accounting"] == true);
    for (const auto& service : stack_json["services"]) {
        INFO(service.dump());
        CHECK(service["health"] == "healthy");
    }
    CHECK(stack_json["services"].size() == 4);

    ProcessResult submitted = stack.ssh(
        "cd ~/slurm_jobs && sbatch --parsable --wrap='echo fine' && "
        "sbatch --parsable --wrap='exit 3'");
    INFO(submitted.output);
    REQUIRE(submitted.exit_code == 0);
    std::istringstream ids(submitted.output);
    std::string good, bad;
    ids >> good >> bad;
    REQUIRE(!good.empty());
    REQUIRE(!bad.empty());

    std::string jobs = finished_jobs(stack, {good, bad});
    INFO(jobs);
    CHECK(jobs.find(good + "|COMPLETED|0:0\n") != std::string::npos);
    CHECK(jobs.find(bad + "|FAILED|3:0\n") != std::string::npos);

    ProcessResult clusters = stack.ssh("sacctmgr -n -P list cluster format=cluster");
    INFO(clusters.output);
    CHECK(clusters.exit_code == 0);
    CHECK(trimmed(clusters.output) == "berth");

    // Harnesses written for all-in-one systemd images probe the accounting
    // daemons in the cluster's container.
    ProcessResult active = stack.ssh("systemctl is-active slurmdbd mariadb");
    INFO(active.output);
    CHECK(active.exit_code == 0);
    CHECK(active.output == "active\nactive\n");

    ProcessResult down = stack.berth({"--profile", "accounting", "down", "-v"});
    INFO(down.output);
    CHECK(down.exit_code == 0);
    CHECK(stack.nothing_left());

    // docker-compose 1.29 (profiles since 1.28) on the same file and
    // images, for comparison: `up -d` returns once the containers start, so
    // poll the engine until Docker's own healthchecks pass. Printed, not
    // asserted: Docker runs the first check one interval after the start.
    if (engine().backend().kind == BackendKind::docker && !engine().backend().rootless &&
        run_process({"docker-compose", "version"}).exit_code == 0) {
        started = std::chrono::steady_clock::now();
        ProcessResult compose_up = stack.docker_compose({"--profile", "accounting", "up", "-d"});
        INFO(compose_up.output);
        CHECK(compose_up.exit_code == 0);
        bool healthy = false;
        while (compose_up.exit_code == 0 && !healthy && seconds_since(started) < 120) {
            auto services = ps(engine(), stack.project);
            healthy = services.size() == 4 &&
                      std::all_of(services.begin(), services.end(), [](const ServiceStatus& s) {
                          return s.health == HealthStatus::healthy;
                      });
            if (!healthy)
                std::this_thread::sleep_for(100ms);
        }
        std::cout << "docker-compose 1.29 --profile accounting up -d, until all healthy: "
                  << seconds_since(started) << " s" << (healthy ? "" : " (not healthy!)")
                  << std::endl;
        ProcessResult compose_down =
            stack.docker_compose({"--profile", "accounting", "down", "-v", "-t", "5"});
        INFO(compose_down.output);
        CHECK(compose_down.exit_code == 0);
        CHECK(stack.nothing_left());
    }

    // Without the profile: the stack of old, accounting off, as fast as ever.
    started = std::chrono::steady_clock::now();
    ProcessResult plain = stack.berth({"up", "--wait", "--json", "--progress", "quiet"});
    double plain_seconds = seconds_since(started);
    INFO(plain.output);
    REQUIRE(plain.exit_code == 0);
    std::cout << "berth up --wait without the profile: " << plain_seconds << " s" << std::endl;
    json_start = plain.output.find('{');
    REQUIRE(json_start != std::string::npos);
    auto plain_json = nlohmann::json::parse(plain.output.substr(json_start));
    CHECK(plain_json["slurm"]["accounting"] == false);
    CHECK(plain_json["services"].size() == 2);
    ProcessResult disabled = stack.ssh("sacct -j 1; systemctl is-active slurmdbd");
    INFO(disabled.output);
    CHECK(disabled.output.find("accounting storage is disabled") != std::string::npos);
    CHECK(disabled.output.find("inactive") != std::string::npos);
    ProcessResult plain_down = stack.berth({"down", "-v"});
    INFO(plain_down.output);
    CHECK(plain_down.exit_code == 0);
    CHECK(stack.nothing_left());
}

TEST_CASE("the fixture brings the profile up, and its SlurmCluster says accounting is on") {
    StackCommand names;  // the project name, ports, and a down at the end
    StackOptions options;
    options.endpoint = engine().endpoint().uri();
    options.compose_files = {names.source + "/compose/docker-compose.yml",
                             names.source + "/tests/accounting/images.yml"};
    options.project_name = names.project;
    options.profiles = {"accounting"};
    options.variables = {{"SLURM_SSH_PORT", names.ssh_port},
                         {"REGISTRY_PORT", names.registry_port},
                         {"SLURM_CONTAINER_NAME", names.project + "-slurm"}};
    options.berth_program = environment_variable("BERTH_BINARY");
    {
        Stack stack(options);
        std::cout << "fixture with the accounting profile up in " << stack.startup_time().count()
                  << " ms" << std::endl;
        SlurmCluster cluster = SlurmCluster::of(stack);
        CHECK(cluster.accounting);
        CHECK(std::to_string(cluster.ssh_port) == names.ssh_port);
        CHECK(nlohmann::json::parse(cluster.to_json())["accounting"] == true);
        ExecResult active = stack.exec("slurmdbd", {"systemctl", "is-active", "slurmdbd", "munge"});
        CHECK(active.exit_code == 0);
        CHECK(active.stdout_text == "active\nactive\n");
    }
    CHECK(names.nothing_left());
}

int main(int argc, char** argv) {
    return run_suite(argc, argv, /*needs_base_image=*/true);
}
