// Loader behaviour that the corpus files cannot show on their own: project
// names, profiles from the environment, graphs, and robustness limits.

#include <berth/compose/graph.hpp>
#include <berth/compose/loader.hpp>
#include <berth/compose/serialize.hpp>

#include <doctest/doctest.h>

#include <filesystem>

namespace {

using namespace berth::compose;

LoadOptions options_with(std::map<std::string, std::string> environment = {}) {
    LoadOptions options;
    options.environment = std::move(environment);
    return options;
}

Project load(const std::string& text, const LoadOptions& options = options_with()) {
    return load_project_from_text(text, "/tmp/berth-tests/My Project/compose.yml", options);
}

std::vector<Diagnostic> problems(const std::string& text,
                                 const LoadOptions& options = options_with()) {
    try {
        load(text, options);
    } catch (const ComposeError& error) {
        return error.diagnostics();
    }
    FAIL("the text loaded without errors");
    return {};
}

}  // namespace

TEST_CASE("the project name comes from -p, COMPOSE_PROJECT_NAME, name:, then the folder") {
    const std::string text = "name: From-Key\nservices: {a: {image: x}}\n";
    CHECK(load("services: {a: {image: x}}\n").name == "myproject");
    CHECK(load(text).name == "from-key");
    CHECK(load(text, options_with({{"COMPOSE_PROJECT_NAME", "Env_Name"}})).name == "env_name");
    LoadOptions explicit_name = options_with({{"COMPOSE_PROJECT_NAME", "env"}});
    explicit_name.project_name = "Flag.Name";
    CHECK(load(text, explicit_name).name == "flagname");
}

TEST_CASE("a project name without letters or digits is refused") {
    const auto found = problems("name: '--'\nservices: {a: {image: x}}\n");
    REQUIRE(found.size() == 1);
    CHECK(found[0].message ==
          "the project name '--' (from name) has no letters or digits; set one with -p or name:");
}

TEST_CASE("engine names of networks and volumes") {
    const auto project = load(
        "services: {a: {image: x, networks: [n, ext], volumes: [v:/v]}}\n"
        "networks: {n: {}, ext: {external: true}, named: {name: fixed}}\n"
        "volumes: {v: {}}\n");
    CHECK(project.networks.at("n").name == "myproject_n");
    CHECK(project.networks.at("ext").name == "ext");
    CHECK(project.networks.at("named").name == "fixed");
    CHECK(project.volumes.at("v").name == "myproject_v");
    CHECK(project.networks.count("default") == 0);
}

TEST_CASE("services without networks join an implicit default network") {
    const auto project = load("services: {a: {image: x}, b: {image: x, network_mode: host}}\n");
    REQUIRE(project.networks.count("default") == 1);
    CHECK(project.networks.at("default").implicit);
    CHECK(project.networks.at("default").name == "myproject_default");
    CHECK(project.find_service("a")->networks.count("default") == 1);
    CHECK(project.find_service("b")->networks.empty());
}

TEST_CASE("COMPOSE_PROFILES enables profiles when --profile is not given") {
    const std::string text =
        "services:\n  a: {image: x}\n  b: {image: x, profiles: [debug]}\n"
        "  c: {image: x, profiles: [other]}\n";
    CHECK(load(text).services.size() == 1);
    const auto project = load(text, options_with({{"COMPOSE_PROFILES", "debug,unused"}}));
    CHECK(project.services.size() == 2);
    CHECK(project.disabled_services.size() == 1);
    LoadOptions all = options_with();
    all.profiles = {"*"};
    CHECK(load(text, all).services.size() == 3);
}

TEST_CASE("a dependency on a service its profile disables names the profile") {
    const auto found = problems(
        "services:\n  a:\n    image: x\n    depends_on: [b]\n"
        "  b: {image: x, profiles: [debug]}\n");
    REQUIRE(found.size() == 1);
    CHECK(found[0].line == 4);
    CHECK(found[0].key_path == "services.a.depends_on.b");
    CHECK(found[0].message ==
          "depends on service 'b', which no active profile enables (its profiles: debug)");
}

TEST_CASE("levels start dependencies first and stop them last") {
    const auto project = load(
        "services:\n"
        "  registry: {image: r, healthcheck: {test: [CMD, 'true']}}\n"
        "  db: {image: d}\n"
        "  slurm: {image: s, depends_on: {registry: {condition: service_healthy}, db: {}}}\n"
        "  client: {image: c, depends_on: [slurm]}\n"
        "  other: {image: o, depends_on: {gone: {condition: service_started, required: "
        "false}}}\n");
    const auto graph = dependency_graph(project);
    REQUIRE(graph.levels.size() == 3);
    CHECK(graph.levels[0] == std::vector<std::string>{"db", "other", "registry"});
    CHECK(graph.levels[1] == std::vector<std::string>{"slurm"});
    CHECK(graph.levels[2] == std::vector<std::string>{"client"});
    CHECK(graph.stop_order() ==
          std::vector<std::string>{"client", "slurm", "registry", "other", "db"});
    CHECK(dependents_of(project, "registry") == std::vector<std::string>{"client", "slurm"});
}

TEST_CASE("a cycle is printed in dependency order") {
    const auto found = problems(
        "services:\n"
        "  a: {image: x, depends_on: [b]}\n"
        "  b: {image: x, depends_on: [c]}\n"
        "  c: {image: x, depends_on: [a]}\n");
    REQUIRE(found.size() == 1);
    CHECK(found[0].message == "dependency cycle: a -> b -> c -> a");
    CHECK(found[0].line == 2);
}

TEST_CASE("alias expansion bombs are refused, not expanded") {
    std::string text = "x-0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int level = 1; level < 9; ++level) {
        text += "x-" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
        for (int copy = 0; copy < 10; ++copy) {
            text += std::string(copy ? ", " : "") + "*a" + std::to_string(level - 1);
        }
        text += "]\n";
    }
    text += "services: {a: {image: x}}\n";
    const auto found = problems(text);
    REQUIRE_FALSE(found.empty());
    CHECK(found[0].message == "the document expands (through aliases) to too many nodes");
}

TEST_CASE("errors print as file:line:column: key: message") {
    const Diagnostic diagnostic{"/p/compose.yml", 3, 5, "services.web.ports[0]", "bad"};
    CHECK(diagnostic.to_string() == "/p/compose.yml:3:5: services.web.ports[0]: bad");
    const ComposeError error({diagnostic, diagnostic});
    CHECK(std::string(error.what()) ==
          "the compose project is invalid (2 problems):\n/p/compose.yml:3:5: "
          "services.web.ports[0]: bad\n/p/compose.yml:3:5: services.web.ports[0]: bad");
}

TEST_CASE("no interpolation leaves templates as written") {
    LoadOptions options = options_with({{"TAG", "1"}});
    options.interpolate = false;
    CHECK(load("services: {a: {image: 'x:${TAG}'}}\n", options).services[0].image == "x:${TAG}");
}

TEST_CASE("a missing compose file is a usage error naming it") {
    LoadOptions options = options_with();
    options.files = {"/nonexistent/compose.yml"};
    CHECK_THROWS_WITH_AS(load_project(options),
                         "cannot read compose file /nonexistent/compose.yml: no such file",
                         berth::UsageError);
}
