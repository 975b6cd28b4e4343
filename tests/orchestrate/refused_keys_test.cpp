// `up` refuses, before creating anything, every key it does not apply; it
// never ignores one. No engine needed.

#include <berth/compose/loader.hpp>

#include <doctest/doctest.h>

#include "orchestrate/refused_keys.hpp"

namespace {

using berth::orchestrate::refused_keys;

berth::compose::Project load(const std::string& text) {
    berth::compose::LoadOptions options;
    options.environment = std::map<std::string, std::string>{};
    options.project_name = "test";
    return berth::compose::load_project_from_text(text, "/tmp/refused/compose.yml", options);
}

std::vector<std::string> refused(const std::string& text) {
    std::vector<std::string> lines;
    for (const auto& key : refused_keys(load(text))) {
        lines.push_back(key.to_string());
    }
    return lines;
}

}  // namespace

TEST_CASE("keys up applies are not refused") {
    CHECK(refused(R"(
services:
  db:
    image: postgres
    healthcheck: {test: [CMD, true], interval: 2s}
  web:
    build: {context: ., args: {BASE: debian}, target: run}
    image: web
    command: serve
    environment: {A: "1", B: null}
    ports: ["127.0.0.1:8080:80", {target: 443, name: https, app_protocol: https}]
    volumes: [./data:/data:ro, cache:/cache, {type: tmpfs, target: /run, tmpfs: {size: 64m}}]
    networks: {front: {aliases: [www]}, back: null}
    depends_on: {db: {condition: service_healthy}}
    ulimits: {nofile: 1024}
    cap_add: [SYS_ADMIN]
    restart: on-failure:3
    pull_policy: never
    develop: {watch: [{path: ., action: rebuild}]}
    x-note: extensions mean nothing to berth
networks: {front: {}, back: {internal: true, labels: [a=b]}}
volumes: {cache: {driver_opts: {type: tmpfs}}}
)")
              .empty());
}

TEST_CASE("every key up does not apply is refused with the service, the key and a reason") {
    CHECK(refused(R"(
services:
  web:
    image: web
    deploy: {replicas: 2, resources: {limits: {memory: 1g}}}
    scale: 2
    secrets: [token]
    post_start: [{command: ./hook}]
    read_only: true
    build: {context: ., secrets: [token], platforms: [linux/amd64]}
    volumes: [{type: image, source: assets, target: /assets}]
    networks: {default: {ipv4_address: 10.0.0.2}}
    pull_policy: daily
  other:
    image: other
    networks: [front]
    volumes: [data:/data]
networks:
  front: {driver_opts: {mtu: "1400"}, ipam: {config: [{subnet: 10.5.0.0/16}]}}
  unused: {ipam: {driver: default}}
volumes:
  data: {driver: local}
secrets: {token: {file: ./token}}
)") == std::vector<std::string>{
           "service web: build.platforms: berth up does not apply it yet",
           "service web: build.secrets: berth up does not apply it yet",
           "service web: deploy.resources: berth applies only deploy.replicas (and mode "
           "replicated) of deploy yet",
           "service web: networks.default.ipv4_address: berth up does not apply it yet",
           "service web: post_start: berth runs no lifecycle hooks yet",
           "service web: pull_policy: the value 'daily': berth does not pull images; build or "
           "load them first",
           "service web: read_only: berth up does not apply it yet",
           "service web: secrets: berth does not put secrets into containers yet",
           "service web: volumes[0].type: the value 'image': berth up does not apply it yet",
           "network front: driver_opts: berth up does not apply it yet",
           "network front: ipam: berth up does not apply it yet",
       });
}

TEST_CASE("only the services being started are checked") {
    const auto project = load(R"(
services:
  plain: {image: busybox}
  fancy: {image: busybox, runtime: runsc}
)");
    CHECK(refused_keys(project, {"plain"}).empty());
    REQUIRE(refused_keys(project, {"fancy"}).size() == 1);
    CHECK_THROWS_AS(berth::orchestrate::refuse_unapplied_keys(project, {"fancy"}),
                    berth::UsageError);
}

TEST_CASE("the project's own Slurm stack uses only keys up applies") {
    berth::compose::LoadOptions options;
    options.files = {std::string(BERTH_SOURCE_ROOT) + "/compose/docker-compose.yml"};
    options.environment = std::map<std::string, std::string>{};
    CHECK(refused_keys(berth::compose::load_project(options)).empty());
}
