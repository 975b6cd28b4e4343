// A doctest harness whose tests share one Slurm stack: the first test that
// asks for it brings it up (or attaches to a kept one), and it goes down when
// the test program exits, unless SLURM_TEST_KEEP=1.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <berth/fixture.hpp>
#include <berth/slurm/cluster.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace {

berth::SlurmCluster& cluster() {
    static std::shared_ptr<berth::Stack> stack = berth::shared_stack();
    static berth::SlurmCluster info = berth::SlurmCluster::of(*stack);
    return info;
}

/// Runs a command on the cluster over SSH with the password (sshpass).
std::string on_cluster(const std::string& command) {
    const auto& c = cluster();
    std::string line =
        "sshpass -p '" + c.password + "' ssh -p " + std::to_string(c.ssh_port) +
        " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR " +
        c.username + "@" + c.hostname + " '" + command + "'";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(line.c_str(), "r"), ::pclose);
    std::string output;
    char buffer[4096];
    while (pipe && std::fgets(buffer, sizeof buffer, pipe.get()))
        output += buffer;
    return output;
}

}  // namespace

TEST_CASE("an sbatch job runs on the shared cluster") {
    std::string output = on_cluster(
        "cd " + cluster().job_base_dir +
        " && sbatch --wait --parsable --output=doctest-%j.out --wrap \"echo from doctest\""
        " > /dev/null && cat doctest-*.out");
    CHECK(output.find("from doctest") != std::string::npos);
}
