// The parts of pull policies, registry credentials and start order that need
// no engine.

#include <doctest/doctest.h>

#include <berth/compose/graph.hpp>
#include <berth/compose/loader.hpp>

#include "engine/registry_auth.hpp"
#include "orchestrate/pull_policy.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace std::chrono_literals;
using berth::orchestrate::should_pull;
using berth::orchestrate::WallClock;

TEST_CASE("pull policies: when up pulls") {
    const auto now = WallClock::now();
    CHECK(should_pull("always", true, now, now));
    CHECK_FALSE(should_pull("never", false, std::nullopt, now));
    CHECK_FALSE(should_pull("build", false, std::nullopt, now));
    CHECK(should_pull("missing", false, std::nullopt, now));
    CHECK_FALSE(should_pull("missing", true, std::nullopt, now));
    CHECK_FALSE(should_pull("", true, std::nullopt, now));
    CHECK(should_pull("if_not_present", false, std::nullopt, now));
    // Refreshing forms: due when never pulled by berth, or pulled too long ago.
    CHECK(should_pull("daily", true, std::nullopt, now));
    CHECK_FALSE(should_pull("daily", true, now - 23h, now));
    CHECK(should_pull("daily", true, now - 25h, now));
    CHECK_FALSE(should_pull("weekly", true, now - 24h * 6, now));
    CHECK(should_pull("weekly", true, now - 24h * 8, now));
    CHECK_FALSE(should_pull("every_1h30m", true, now - 80min, now));
    CHECK(should_pull("every_1h30m", true, now - 100min, now));
    CHECK(should_pull("every_2s", true, now - 3s, now));
    CHECK(berth::orchestrate::refresh_interval("every_12h") == std::chrono::seconds(12h));
    CHECK_FALSE(berth::orchestrate::refresh_interval("every_soon"));
}

TEST_CASE("registry credentials come from REGISTRY_AUTH_FILE's auths, else anonymous") {
    CHECK(berth::detail::registry_host("127.0.0.1:5000/team/tool:1") == "127.0.0.1:5000");
    CHECK(berth::detail::registry_host("team/tool:1") == "docker.io");
    CHECK(berth::detail::registry_host("localhost/tool") == "localhost");
    CHECK(berth::detail::loopback_registry("127.0.0.1:5000"));
    CHECK(berth::detail::loopback_registry("localhost:5000"));
    CHECK_FALSE(berth::detail::loopback_registry("registry.example.com:5000"));

    auto file = std::filesystem::temp_directory_path() / "berth-unit-auth.json";
    // "user:pass" in base64.
    std::ofstream(file) << R"({"auths": {"127.0.0.1:5999": {"auth": "dXNlcjpwYXNz"}}})";
    ::setenv("REGISTRY_AUTH_FILE", file.c_str(), 1);
    // {"password":"pass","serveraddress":"127.0.0.1:5999","username":"user"} in base64url.
    CHECK(berth::detail::registry_auth_header("127.0.0.1:5999/tool:1") ==
          "eyJwYXNzd29yZCI6InBhc3MiLCJzZXJ2ZXJhZGRyZXNzIjoiMTI3LjAuMC4xOjU5OTkiLCJ1c2VybmFtZSI6"
          "InVzZXIifQ==");
    CHECK(berth::detail::registry_auth_header("127.0.0.1:6000/tool:1").size() > 0);
    ::unsetenv("REGISTRY_AUTH_FILE");
    std::filesystem::remove(file);
}

TEST_CASE("links and volumes_from order the start like depends_on") {
    auto folder = std::filesystem::temp_directory_path() / "berth-unit-order";
    std::filesystem::create_directories(folder);
    std::ofstream(folder / "compose.yaml") << R"(services:
  front: {image: busybox, links: ["api:backend"]}
  api: {image: busybox, volumes_from: ["files:ro", "container:outside"]}
  files: {image: busybox}
)";
    berth::compose::LoadOptions options;
    options.files = {(folder / "compose.yaml").string()};
    options.environment = std::map<std::string, std::string>{};
    auto project = berth::compose::load_project(options);
    CHECK(berth::compose::dependency_graph(project).levels ==
          std::vector<std::vector<std::string>>{{"files"}, {"api"}, {"front"}});
    std::filesystem::remove_all(folder);
}
