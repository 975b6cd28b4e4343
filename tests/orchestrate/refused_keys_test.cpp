// `up` refuses, before creating anything, every key it does not apply; it
// never ignores one. No engine needed.

#include <berth/compose/loader.hpp>

#include <doctest/doctest.h>

#include "orchestrate/refused_keys.hpp"

#include <set>

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
    pre_start: [{command: ./hook}]
    read_only: true
    build: {context: ., secrets: [token], ssh: [default], platforms: [linux/amd64]}
    volumes: [{type: image, source: assets, target: /assets}]
    networks: {default: {ipv4_address: 10.0.0.2}}
    pull_policy: refresh
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
           "service web: build.secrets: build secrets need a BuildKit session, which neither "
           "Docker's classic build API nor Podman's (4.3) build endpoint offers",
           "service web: build.ssh: SSH forwarding into a build needs a BuildKit session, which "
           "neither Docker's classic build API nor Podman's (4.3) build endpoint offers",
           "service web: pre_start: berth runs no pre_start hooks (a one-off container before "
           "the service) yet",
           "service web: pull_policy: the value 'refresh': berth has no time-less refresh "
           "policy; use always, daily, weekly or every_<duration>",
           "service web: volumes[0].type: the value 'image': image mounts need Docker API 1.48 "
           "(berth speaks 1.41); npipe and cluster volumes are not Linux engine mounts",
       });
}

TEST_CASE("only the services being started are checked") {
    const auto project = load(R"(
services:
  plain: {image: busybox}
  fancy: {image: busybox, gpus: all}
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

TEST_CASE("the resource, namespace and network keys of issue 11 are applied, not refused") {
    CHECK(refused(R"(
services:
  web:
    image: web
    read_only: true
    mem_limit: 64m
    memswap_limit: 128m
    mem_reservation: 32m
    mem_swappiness: 10
    oom_kill_disable: true
    oom_score_adj: 100
    cpus: 0.5
    cpu_shares: 512
    cpu_period: 100000
    cpu_quota: 50000
    cpu_rt_period: 1000
    cpu_rt_runtime: 100
    cpuset: "0"
    pids_limit: 64
    device_cgroup_rules: ["c 1:5 rwm"]
    dns: [192.0.2.53]
    dns_search: [example.test]
    dns_opt: [ndots:2]
    pid: host
    ipc: shareable
    uts: host
    userns_mode: host
    cgroup: private
    cgroup_parent: parent
    group_add: [adm]
    runtime: runc
    mac_address: "02:42:c0:a8:63:63"
    logging: {driver: json-file, options: {max-size: 1m}}
    storage_opt: {size: 1G}
    deploy:
      resources: {limits: {cpus: "0.5", memory: 64m, pids: 10}, reservations: {memory: 32m}}
      restart_policy: {condition: on-failure, max_attempts: 3}
    volumes:
      - {type: bind, source: ., target: /b, bind: {propagation: rshared, selinux: z, recursive: disabled}}
      - {type: volume, source: data, target: /d, volume: {nocopy: true, labels: {a: b}}}
      - {type: tmpfs, target: /t, tmpfs: {size: 1m, mode: 1023}}
    networks:
      front: {aliases: [w], ipv4_address: 10.5.0.5, ipv6_address: "fd00::5", priority: 3,
              link_local_ips: [169.254.1.1]}
networks:
  front:
    driver_opts: {mtu: "1400"}
    ipam: {driver: default, options: {a: b},
           config: [{subnet: 10.5.0.0/16, ip_range: 10.5.1.0/24, gateway: 10.5.0.1,
                     aux_addresses: {h: 10.5.0.2}}]}
volumes:
  data: {driver_opts: {type: tmpfs, device: tmpfs}}
)")
              .empty());
}

TEST_CASE("what the engine cannot do is refused with the engine named") {
    const auto project = load(R"(
services:
  web:
    image: web
    mem_limit: 64m
    cpus: 1
    pids_limit: 5
    cgroup_parent: p
    cgroup: private
    dns: [192.0.2.1]
)");
    berth::orchestrate::EngineAbilities rootless_v1;
    rootless_v1.api_version = "1.40";
    rootless_v1.engine = "podman 4.3.1 (rootless)";
    int asked = 0;
    rootless_v1.cgroup_controllers = [&asked] {
        ++asked;
        return std::set<std::string>{};
    };
    std::vector<std::string> lines;
    for (const auto& key : refused_keys(project, {}, rootless_v1))
        lines.push_back(key.to_string());
    const std::string tail =
        " (rootless Podman needs cgroup v2 with the controllers delegated to the user; without "
        "them it only warns and runs the container unlimited)";
    CHECK(lines == std::vector<std::string>{
                       "service web: cgroup: needs Docker API 1.41; podman 4.3.1 (rootless) "
                       "speaks 1.40",
                       "service web: cgroup_parent: podman 4.3.1 (rootless) cannot enforce it: "
                       "its containers have no cgroup controller at all" +
                           tail,
                       "service web: cpus: podman 4.3.1 (rootless) cannot enforce it: its "
                       "containers have no 'cpu' cgroup controller" +
                           tail,
                       "service web: mem_limit: podman 4.3.1 (rootless) cannot enforce it: its "
                       "containers have no 'memory' cgroup controller" +
                           tail,
                       "service web: pids_limit: podman 4.3.1 (rootless) cannot enforce it: its "
                       "containers have no 'pids' cgroup controller" +
                           tail,
                   });
    CHECK(asked == 1);  // asked once per check, not once per key

    // An engine with the controllers refuses nothing, and a project without
    // limits never asks (the question costs Podman a slow /info).
    berth::orchestrate::EngineAbilities rootful;
    rootful.api_version = "1.41";
    rootful.cgroup_controllers = [&asked] {
        ++asked;
        return std::set<std::string>{"memory", "cpu", "cpuset", "pids", "blkio", "devices"};
    };
    CHECK(refused_keys(project, {}, rootful).empty());
    CHECK(asked == 2);
    CHECK(
        refused_keys(load("services: {web: {image: web, dns: [192.0.2.1]}}"), {}, rootful).empty());
    CHECK(asked == 2);
}

TEST_CASE("dns keys that Podman drops with network_mode none are refused there only") {
    const auto project = load(R"(
services:
  isolated:
    image: web
    network_mode: none
    dns: [192.0.2.1]
    dns_search: [example.org]
  networked:
    image: web
    dns: [192.0.2.1]
)");
    berth::orchestrate::EngineAbilities podman;
    podman.engine = "podman 4.3.1 (rootful)";
    podman.podman = true;
    std::vector<std::string> lines;
    for (const auto& key : refused_keys(project, {}, podman))
        lines.push_back(key.to_string());
    CHECK(lines == std::vector<std::string>{
                       "service isolated: dns: podman 4.3.1 (rootful) ignores it with "
                       "network_mode: none (seen on Podman 4.3: the container keeps no resolver "
                       "settings)",
                       "service isolated: dns_search: podman 4.3.1 (rootful) ignores it with "
                       "network_mode: none (seen on Podman 4.3: the container keeps no resolver "
                       "settings)",
                   });
    berth::orchestrate::EngineAbilities docker;
    docker.engine = "docker 20.10.24 (rootful)";
    CHECK(refused_keys(project, {}, docker).empty());
}

TEST_CASE("storage options and real-time CPU keys are refused where the engine's setup has none") {
    const auto project = load(R"(
services:
  web:
    image: web
    storage_opt: {size: 1G}
    cpu_rt_period: 1000000
    cpu_rt_runtime: 1000
    networks: {default: {link_local_ips: [169.254.1.1]}}
)");
    int asked = 0;
    auto engine = [&asked](std::string driver, std::string filesystem, std::string cgroups) {
        berth::orchestrate::EngineAbilities abilities;
        abilities.engine = "docker 20.10.24 (rootful)";
        abilities.facts = [&asked, driver, filesystem, cgroups] {
            ++asked;
            return berth::orchestrate::EngineFacts{driver, filesystem, cgroups};
        };
        return abilities;
    };
    auto lines = [&project](const berth::orchestrate::EngineAbilities& abilities) {
        std::vector<std::string> found;
        for (const auto& key : refused_keys(project, {}, abilities))
            found.push_back(key.to_string());
        return found;
    };
    CHECK(lines(engine("overlay2", "extfs", "1")) ==
          std::vector<std::string>{
              "service web: storage_opt.size: docker 20.10.24 (rootful) keeps containers on its "
              "overlay2 storage driver over extfs, which takes no storage options: overlay "
              "enforces them only over xfs mounted with pquota (the engine refuses such a "
              "container at create)"});
    CHECK(asked == 1);  // once per check, not once per key
    CHECK(lines(engine("overlay2", "xfs", "1")).empty());
    CHECK(lines(engine("btrfs", "btrfs", "1")).empty());
    const std::string v2 =
        "docker 20.10.24 (rootful) runs containers in cgroup v2, which has no real-time CPU "
        "settings per group (cpu.rt_period_us and cpu.rt_runtime_us exist only in cgroup v1)";
    CHECK(lines(engine("overlay2", "xfs", "2")) ==
          std::vector<std::string>{"service web: cpu_rt_period: " + v2,
                                   "service web: cpu_rt_runtime: " + v2});
    // A project without such keys never asks.
    const int before = asked;
    CHECK(refused_keys(load("services: {web: {image: web, cpus: 1}}"), {},
                       engine("overlay2", "extfs", "2"))
              .empty());
    CHECK(asked == before);

    // Podman's compatible API drops link-local addresses.
    berth::orchestrate::EngineAbilities podman;
    podman.engine = "podman 4.3.1 (rootful)";
    podman.podman = true;
    CHECK(lines(podman) == std::vector<std::string>{
                               "service web: networks.default.link_local_ips: podman 4.3.1 "
                               "(rootful) accepts it through its Docker-compatible API and then "
                               "ignores it (seen on Podman 4.3)"});
}

TEST_CASE("every key the loader takes and up does not apply is refused with a reason of its own") {
    // One file with each refused key of the Compose Specification; the
    // fallback "does not apply it yet" is no reason.
    const auto project = load(R"(
services:
  web:
    image: web
    annotations: {a: b}
    attach: false
    blkio_config: {weight: 300}
    cpu_count: 1
    cpu_percent: 50
    credential_spec: {file: x.json}
    external_links: [other:o]
    gpus: all
    isolation: default
    platform: linux/amd64
    pull_policy: refresh
    pull_refresh_after: 1h
    use_api_socket: true
    pre_start: [{command: x}]
    ports: [{target: 80, mode: ingress}]
    depends_on: {db: {condition: service_started, restart: true}}
    networks: {default: {interface_name: eth5, gw_priority: 1, driver_opts: {a: b},
                         mac_address: "02:00:00:00:00:01"}}
    volumes:
      - {type: bind, source: ., target: /b, bind: {recursive: readonly}}
      - {type: npipe, source: x, target: /n}
      - {type: cluster, source: x, target: /c}
      - {type: image, source: x, target: /i, image: {subpath: s}}
      - {type: volume, source: v, target: /v, volume: {subpath: s}}
    deploy:
      mode: global
      endpoint_mode: vip
      labels: {a: b}
      placement: {constraints: [a==b]}
      update_config: {parallelism: 1}
      rollback_config: {parallelism: 1}
      resources:
        reservations: {cpus: "1", devices: [{capabilities: [gpu]}],
                       generic_resources: [{discrete_resource_spec: {kind: gpu, value: 1}}]}
      restart_policy: {delay: 5s, window: 10s}
    build:
      context: .
      additional_contexts: {a: .}
      entitlements: [network.host]
      privileged: true
      cache_to: [type=local]
      isolation: default
      secrets: [s]
      ssh: [default]
      ulimits: {nofile: 1}
      sbom: true
      provenance: true
  db: {image: db}
  prov: {provider: {type: model}}
  modeled: {image: x, models: [m]}
networks: {default: {enable_ipv4: true}}
volumes: {v: {}}
secrets: {s: {file: ./s}}
models: {m: {model: x}}
)");
    std::set<std::string> keys;
    for (const auto& key : refused_keys(project)) {
        CAPTURE(key.to_string());
        CHECK(key.reason != "berth up does not apply it yet");
        CHECK(!key.reason.empty());
        keys.insert(key.owner + ": " + key.key_path);
    }
    for (const char* expected : {"service web: annotations",
                                 "service web: attach",
                                 "service web: blkio_config",
                                 "service web: cpu_count",
                                 "service web: cpu_percent",
                                 "service web: credential_spec",
                                 "service web: external_links",
                                 "service web: gpus",
                                 "service web: isolation",
                                 "service web: platform",
                                 "service web: pull_policy",
                                 "service web: pull_refresh_after",
                                 "service web: use_api_socket",
                                 "service web: pre_start",
                                 "service web: ports[0].mode",
                                 "service web: depends_on.db.restart",
                                 "service web: networks.default.interface_name",
                                 "service web: networks.default.gw_priority",
                                 "service web: networks.default.driver_opts",
                                 "service web: networks.default.mac_address",
                                 "service web: volumes[0].bind.recursive",
                                 "service web: volumes[1].type",
                                 "service web: volumes[2].type",
                                 "service web: volumes[3].type",
                                 "service web: volumes[4].volume.subpath",
                                 "service web: deploy.mode",
                                 "service web: deploy.endpoint_mode",
                                 "service web: deploy.labels",
                                 "service web: deploy.placement",
                                 "service web: deploy.update_config",
                                 "service web: deploy.rollback_config",
                                 "service web: deploy.resources.reservations.cpus",
                                 "service web: deploy.resources.reservations.devices",
                                 "service web: deploy.resources.reservations.generic_resources",
                                 "service web: deploy.restart_policy.delay",
                                 "service web: deploy.restart_policy.window",
                                 "service web: build.additional_contexts",
                                 "service web: build.entitlements",
                                 "service web: build.privileged",
                                 "service web: build.cache_to",
                                 "service web: build.isolation",
                                 "service web: build.secrets",
                                 "service web: build.ssh",
                                 "service web: build.ulimits",
                                 "service web: build.sbom",
                                 "service web: build.provenance",
                                 "service prov: provider",
                                 "service modeled: models",
                                 "network default: enable_ipv4"}) {
        CAPTURE(expected);
        CHECK(keys.count(expected) == 1);
    }
    // ports[].mode host is what an engine does anyway: applied.
    CHECK(refused(R"(services: {web: {image: web, ports: [{target: 80, mode: host}]}})").empty());
}

TEST_CASE("keys Podman's compatible API drops are refused on Podman only") {
    const auto project = load(R"(
services:
  web:
    image: web
    domainname: example.test
    cgroup: private
)");
    berth::orchestrate::EngineAbilities podman;
    podman.engine = "podman 4.3.1 (rootful)";
    podman.podman = true;
    podman.api_version = "1.41";
    std::vector<std::string> lines;
    for (const auto& key : refused_keys(project, {}, podman))
        lines.push_back(key.to_string());
    const std::string dropped =
        "podman 4.3.1 (rootful) accepts it through its Docker-compatible API and then ignores it "
        "(seen on Podman 4.3)";
    CHECK(lines == std::vector<std::string>{"service web: cgroup: " + dropped,
                                            "service web: domainname: " + dropped});
    berth::orchestrate::EngineAbilities docker;
    docker.engine = "docker 20.10.24 (rootful)";
    docker.api_version = "1.41";
    CHECK(refused_keys(project, {}, docker).empty());

    const auto networked = load(R"(
services:
  web:
    image: web
    volumes: [{type: volume, target: /v, volume: {nocopy: true, labels: {a: b}}}]
    networks: [front, other]
networks:
  front:
    ipam: {driver: default, options: {a: b},
           config: [{subnet: 10.5.0.0/16, aux_addresses: {h: 10.5.0.2}}]}
  other:
    ipam: {driver: dhcp}
)");
    lines.clear();
    for (const auto& key : refused_keys(networked, {}, podman))
        lines.push_back(key.to_string());
    CHECK(lines == std::vector<std::string>{
                       "service web: volumes[0].volume.labels.a: " + dropped,
                       "service web: volumes[0].volume.nocopy: " + dropped,
                       "network front: ipam.config[0].aux_addresses.h: " + dropped,
                       "network front: ipam.options.a: " + dropped,
                       "network other: ipam.driver: " + dropped,
                   });
    CHECK(refused_keys(networked, {}, docker).empty());
}
