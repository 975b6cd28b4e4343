// A GoogleTest harness: a ::testing::Environment owns the shared Slurm stack
// for the whole run.

#include <berth/fixture.hpp>
#include <berth/slurm/cluster.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {

class SlurmEnvironment : public ::testing::Environment {
  public:
    void SetUp() override {
        stack_ = berth::shared_stack();
        cluster_ = berth::SlurmCluster::of(*stack_);
    }
    void TearDown() override { stack_.reset(); }  // the last owner takes it down, unless kept

    static const berth::SlurmCluster& cluster() { return cluster_; }

  private:
    std::shared_ptr<berth::Stack> stack_;
    static inline berth::SlurmCluster cluster_;
};

std::string on_cluster(const std::string& command) {
    const auto& c = SlurmEnvironment::cluster();
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

TEST(SlurmCluster, SbatchJobRuns) {
    std::string output = on_cluster("cd " + SlurmEnvironment::cluster().job_base_dir +
                                    " && sbatch --wait --parsable --output=gtest-%j.out --wrap "
                                    "\"echo from googletest\" > /dev/null"
                                    " && cat gtest-*.out");
    EXPECT_NE(output.find("from googletest"), std::string::npos) << output;
}

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new SlurmEnvironment);
    return RUN_ALL_TESTS();
}
