// The project's own stack file (compose/docker-compose.yml) loads, and keeps
// the Slurm cluster contract of DESIGN.md that the fixture relies on.

#include <berth/compose/graph.hpp>
#include <berth/compose/loader.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

namespace {

bool contains(const std::vector<std::string>& values, const std::string& value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

TEST_CASE("the stack file keeps the Slurm cluster contract") {
    const std::filesystem::path file =
        std::filesystem::path(BERTH_SOURCE_ROOT) / "compose" / "docker-compose.yml";
    if (!std::filesystem::exists(file)) {
        MESSAGE("no compose/docker-compose.yml in this checkout");
        return;
    }
    berth::compose::LoadOptions options;
    options.files = {file.string()};
    options.environment = std::map<std::string, std::string>{};
    const auto project = berth::compose::load_project(options);

    const auto* slurm = project.find_service("slurm");
    const auto* registry = project.find_service("registry");
    REQUIRE(slurm);
    REQUIRE(registry);
    CHECK(slurm->container_name == "slurm-test");
    CHECK(slurm->hostname == "slurm-control");
    bool ssh_published = false;
    for (const auto& port : slurm->ports) {
        ssh_published = ssh_published || (port.target == 22 && port.published == "2222" &&
                                          port.host_ip == "127.0.0.1");
    }
    CHECK(ssh_published);
    bool aliases = false;
    for (const auto& [network, attachment] : slurm->networks) {
        aliases = aliases || (contains(attachment.aliases, "slurm") &&
                              contains(attachment.aliases, "slurm-pyxis"));
    }
    CHECK(aliases);
    CHECK_FALSE(slurm->privileged.value_or(false));
    CHECK(slurm->declares_healthcheck());
    CHECK(registry->declares_healthcheck());

    // Compute nodes (none by default) start once the controller has.
    const auto* compute = project.find_service("compute");
    REQUIRE(compute);
    REQUIRE(compute->deploy);
    CHECK(compute->deploy->replicas == 0);
    const auto graph = berth::compose::dependency_graph(project);
    REQUIRE(graph.levels.size() == 3);
    CHECK(graph.levels[0] == std::vector<std::string>{"registry"});
    CHECK(graph.levels[1] == std::vector<std::string>{"slurm"});
    CHECK(graph.levels[2] == std::vector<std::string>{"compute"});
}
