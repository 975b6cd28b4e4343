// Reading the images a Containerfile starts from, with no engine: what `up`
// makes or pulls before building, and where it points when one is missing.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "orchestrate/build_bases.hpp"

using berth::orchestrate::BaseImageReference;
using berth::orchestrate::containerfile_bases;

namespace {

std::vector<std::string> images_of(const std::vector<BaseImageReference>& bases) {
    std::vector<std::string> images;
    for (const auto& base : bases)
        images.push_back(base.image);
    return images;
}

}  // namespace

TEST_CASE("global ARG defaults and build arguments fill in FROM, with line numbers") {
    const std::string text =
        "# syntax comment\n"
        "ARG BASE=berth/debian:bookworm\n"
        "ARG TAG\n"
        "FROM ${BASE} AS plugin\n"
        "RUN make\n"
        "\n"
        "FROM --platform=linux/amd64 \\\n"
        "     $BASE\n"
        "COPY --from=plugin /a /b\n";
    auto bases = containerfile_bases(text, "/ctx/Containerfile", {});
    REQUIRE(bases.size() == 2);
    CHECK(bases[0].image == "berth/debian:bookworm");
    CHECK(bases[0].line == 4);
    CHECK(bases[0].file == "/ctx/Containerfile");
    CHECK(bases[1].image == "berth/debian:bookworm");
    CHECK(bases[1].line == 7);  // where the continued instruction starts

    auto overridden = containerfile_bases(text, "f", {{"BASE", std::string("debian:12-slim")}});
    CHECK(images_of(overridden) == std::vector<std::string>{"debian:12-slim", "debian:12-slim"});
    // `args: [BASE]` (no value) leaves the file's default in place.
    auto unset = containerfile_bases(text, "f", {{"BASE", std::nullopt}});
    CHECK(images_of(unset) ==
          std::vector<std::string>{"berth/debian:bookworm", "berth/debian:bookworm"});
}

TEST_CASE("scratch and earlier stages are not images to fetch") {
    const std::string text =
        "from scratch as empty\n"
        "FROM example.org/tools:1 AS Build\n"
        "FROM build\n"
        "FROM empty\n"
        "FROM ${REGISTRY:-registry:5000}/app:${TAG:-latest}\n"
        "FROM x${UNSET:+-never}\n";
    auto bases = containerfile_bases(text, "f", {});
    CHECK(images_of(bases) ==
          std::vector<std::string>{"example.org/tools:1", "registry:5000/app:latest", "x"});
    CHECK(bases[0].line == 2);
    CHECK(bases[1].line == 5);
}

TEST_CASE("ARG after the first FROM does not change later FROM lines") {
    const std::string text =
        "ARG BASE=one\n"
        "FROM $BASE\n"
        "ARG BASE=two\n"
        "FROM $BASE\n";
    CHECK(images_of(containerfile_bases(text, "f", {})) == std::vector<std::string>{"one", "one"});
}
