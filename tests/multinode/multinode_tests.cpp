// The Slurm stack with three compute nodes (SLURM_COMPUTE_NODES=3) on a real
// engine: `berth up --wait --json` lists four idle nodes, `srun -N 3` runs on
// three different nodes, an array spreads over them, a job on one node
// reaches another over ssh, a container job runs on a compute node, and a
// node taken away (its container stopped) is seen by Slurm as not responding
// and comes back idle. One stack serves every case; meson runs this once per
// backend (dockerd, rootful and rootless Podman).

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <berth/fixture.hpp>
#include <berth/orchestrate.hpp>
#include <berth/slurm/cluster.hpp>

#include "process.hpp"
#include "test_engine.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

using namespace berth;
using namespace berth::testing;
using namespace std::chrono_literals;

namespace {

std::set<std::string> lines_of(const std::string& text) {
    std::set<std::string> lines;
    std::istringstream stream(text);
    std::string line;
    while (std::getline(stream, line)) {
        if (!line.empty())
            lines.insert(line);
    }
    return lines;
}

/// The stack of this run: brought up once through `berth up --build --wait
/// --json` (so that the images are this checkout's), then attached to by
/// the fixture; taken down with its volumes when the program ends.
struct MultiNodeStack {
    std::string project = unique_name("berth-mn");
    std::string ssh_port = environment_variable("BERTH_TEST_SSH_PORT");
    std::string registry_port = environment_variable("BERTH_TEST_REGISTRY_PORT");
    std::string source = environment_variable("BERTH_SOURCE_DIR");
    nlohmann::json up_answer;
    double up_seconds = 0;
    std::unique_ptr<Stack> fixture;

    std::map<std::string, std::string> variables() const {
        return {{"SLURM_SSH_PORT", ssh_port},
                {"REGISTRY_PORT", registry_port},
                {"SLURM_CONTAINER_NAME", project + "-slurm"},
                {"SLURM_COMPUTE_NODES", "3"}};
    }
    std::vector<std::string> files() const {
        return {source + "/compose/docker-compose.yml", source + "/tests/multinode/images.yml"};
    }
    ProcessResult berth(const std::vector<std::string>& arguments) const {
        std::vector<std::string> argv = {"env"};
        for (const auto& [name, value] : variables())
            argv.push_back(name + "=" + value);
        argv.push_back(environment_variable("BERTH_BINARY"));
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        argv.insert(argv.end(), {"--host", engine().endpoint().uri(), "-p", project});
        for (const auto& file : files())
            argv.insert(argv.end(), {"--file", file});
        return run_process(argv);
    }
    ProcessResult ssh(const std::string& command) const {
        return run_process({"sshpass", "-p", "slurm", "ssh", "-p", ssh_port, "-o",
                            "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o",
                            "LogLevel=ERROR", "slurm@127.0.0.1", command});
    }

    MultiNodeStack() {
        auto started = std::chrono::steady_clock::now();
        ProcessResult up = berth({"up", "--build", "--wait", "--json", "--progress", "quiet"});
        up_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (up.exit_code != 0)
            throw Error("berth up of the multi-node stack failed:\n" + up.output);
        up_answer = nlohmann::json::parse(up.output.substr(up.output.find('{')));
        StackOptions options;
        options.endpoint = engine().endpoint().uri();
        options.compose_files = files();
        options.project_name = project;
        options.variables = variables();
        options.keep = true;  // this struct takes it down, with the volumes
        options.berth_program = environment_variable("BERTH_BINARY");
        fixture = std::make_unique<Stack>(options);
    }
    ~MultiNodeStack() {
        try {
            down(engine(), project, nullptr, {.remove_volumes = true, .kill = true});
        } catch (const std::exception& error) {
            std::cerr << "cleanup of " << project << ": " << error.what() << std::endl;
        }
    }
};

MultiNodeStack& stack() {
    static MultiNodeStack instance;
    return instance;
}

}  // namespace

TEST_CASE("up --wait returns with every node idle, and --json and the fixture list the nodes") {
    std::cout << "multi-node stack (3 compute nodes) up --build --wait in " << stack().up_seconds
              << " s" << std::endl;
    const nlohmann::json& answer = stack().up_answer;
    int computes = 0;
    for (const auto& service : answer["services"]) {
        CHECK_MESSAGE(service["health"] == "healthy", service.dump());
        if (service["service"] == "compute")
            ++computes;
    }
    CHECK(computes == 3);
    std::set<std::string> names;
    for (const auto& node : answer["slurm"]["nodes"]) {
        CHECK_MESSAGE(node["state"] == "idle", node.dump());
        CHECK(node["running"] == true);
        names.insert(node["name"].get<std::string>());
    }
    CHECK(names == std::set<std::string>{"slurm-control", "compute-1", "compute-2", "compute-3"});

    CHECK(stack().fixture->attached());
    SlurmCluster cluster = SlurmCluster::of(*stack().fixture);
    REQUIRE(cluster.nodes.size() == 4);
    CHECK(cluster.nodes[0].role == "controller");
    CHECK(cluster.nodes[0].name == "slurm-control");
    for (std::size_t index = 1; index < 4; ++index) {
        CHECK(cluster.nodes[index].role == "compute");
        CHECK(cluster.nodes[index].name == "compute-" + std::to_string(index));
        CHECK(cluster.nodes[index].container_name.rfind(stack().project + "-compute-", 0) == 0);
        CHECK(cluster.nodes[index].running);
    }
    ProcessResult partitions = stack().ssh("sinfo --noheader --format='%P %D %t'");
    INFO(partitions.output);
    CHECK(lines_of(partitions.output) == std::set<std::string>{"debug* 4 idle", "compute 3 idle"});
}

TEST_CASE("srun -N 3 runs on three different nodes") {
    ProcessResult result = stack().ssh("srun -N 3 --partition=compute hostname");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(lines_of(result.output) == std::set<std::string>{"compute-1", "compute-2", "compute-3"});
}

TEST_CASE("an array spreads over the compute nodes and writes into the shared job directory") {
    ProcessResult result = stack().ssh(
        "cd ~/slurm_jobs && rm -f spread-*.out && "
        "sbatch --wait --partition=compute --array=1-6 --output=spread-%a.out "
        "--wrap 'hostname; sleep 1' >/dev/null && cat spread-*.out");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    std::set<std::string> hosts = lines_of(result.output);
    CHECK(hosts == std::set<std::string>{"compute-1", "compute-2", "compute-3"});
}

TEST_CASE("a job on one node reaches another over ssh") {
    ProcessResult result = stack().ssh("srun --nodelist=compute-1 ssh compute-3 hostname");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output == "compute-3\n");
}

TEST_CASE("a container job runs on a compute node") {
    std::string pushed = "127.0.0.1:" + stack().registry_port + "/test/multinode:v1";
    engine().image_tag(busybox_image(), pushed);
    engine().image_push(pushed, {.tls_verify = false});
    engine().image_remove(pushed);
    ProcessResult result = stack().ssh(
        "srun --nodelist=compute-2 --container-image=registry:5000#test/multinode:v1 "
        "/bin/sh -c 'echo inside $(cat /proc/sys/kernel/hostname); test -e /etc/slurm || echo "
        "isolated' 2>/dev/null");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output == "inside compute-2\nisolated\n");
}

TEST_CASE("a stopped compute node is not responding to Slurm, and idle again once started") {
    auto started = std::chrono::steady_clock::now();
    SlurmCluster::stop_node(*stack().fixture, "compute-3");
    std::string down_state =
        SlurmCluster::wait_for_node_state(*stack().fixture, "compute-3", {"idle*", "down*"}, 90s);
    double down_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK((down_state == "idle*" || down_state == "down*"));
    for (const auto& node : SlurmCluster::of(*stack().fixture).nodes)
        CHECK(node.running == (node.name != "compute-3"));
    // The others keep taking jobs.
    ProcessResult others =
        stack().ssh("srun -N 2 --partition=compute --exclude=compute-3 hostname");
    INFO(others.output);
    CHECK(lines_of(others.output) == std::set<std::string>{"compute-1", "compute-2"});

    started = std::chrono::steady_clock::now();
    SlurmCluster::start_node(*stack().fixture, "compute-3");
    CHECK(SlurmCluster::wait_for_node_state(*stack().fixture, "compute-3", {"idle"}, 90s) ==
          "idle");
    double up_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "compute-3 seen " << down_state << " " << down_seconds
              << " s after its stop, idle again " << up_seconds << " s after its start"
              << std::endl;
    ProcessResult again = stack().ssh("srun --nodelist=compute-3 hostname");
    INFO(again.output);
    CHECK(again.output == "compute-3\n");
}

TEST_CASE("berth node ls, stop and start name the nodes and refuse an unknown one") {
    ProcessResult listed = stack().berth({"node", "ls", "--json"});
    INFO(listed.output);
    REQUIRE(listed.exit_code == 0);
    auto nodes = nlohmann::json::parse(listed.output.substr(listed.output.find('[')));
    CHECK(nodes.size() == 4);
    ProcessResult unknown = stack().berth({"node", "stop", "compute-9"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.output.find("no compute node 'compute-9' (compute nodes: compute-1, compute-2, "
                              "compute-3)") != std::string::npos);
}

int main(int argc, char** argv) {
    return run_suite(argc, argv, /*needs_base_image=*/true);
}
