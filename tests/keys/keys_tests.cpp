// The compose keys `berth up` applies, seen from inside running containers on
// each backend (the cgroup limit files, /etc/resolv.conf, a write to a
// read-only root, ...), and the keys it refuses, with the message and nothing
// left behind. One project per file brings every key up at once; meson runs
// this once per backend.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <berth/compose/loader.hpp>
#include <berth/orchestrate.hpp>

#include "test_engine.hpp"

#include <curl/curl.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

using namespace berth;
using namespace berth::testing;
using namespace std::chrono_literals;

namespace {

bool rootless() {
    return engine().backend().rootless;
}

/// A compose file in a temporary folder, loaded under a project name of its
/// own, taken down with its volumes at scope exit.
class KeysProject {
  public:
    explicit KeysProject(const std::string& text) : name_(unique_name("berth-keys")) {
        folder_.write("compose.yaml", text);
        std::filesystem::create_directories(folder_.path() / "bind");
        folder_.write("bind/file", "from the host\n");
        compose::LoadOptions options;
        options.files = {(folder_.path() / "compose.yaml").string()};
        options.project_name = name_;
        options.environment = std::map<std::string, std::string>{};
        project_ = compose::load_project(options);
    }
    ~KeysProject() {
        try {
            down(engine(), name_, nullptr, {.remove_volumes = true, .timeout = 1s});
        } catch (const std::exception& error) {
            std::cerr << "cleanup of " << name_ << ": " << error.what() << std::endl;
        }
    }
    UpResult up() {
        UpOptions options;
        options.wait = false;
        return berth::up(engine(), project_, options);
    }
    std::string container(const std::string& service) const { return name_ + "-" + service + "-1"; }
    const std::filesystem::path& folder() const { return folder_.path(); }
    bool nothing_left() const { return project_gone(name_); }

  private:
    std::string name_;
    TemporaryFolder folder_;
    compose::Project project_;
};

/// What the engine itself does with a create field, asked over its API
/// directly and not through berth, so that each test knows which of
/// "applied", "dropped" and "refused" is true on this engine before it checks
/// that berth agrees.
struct EngineVerdict {
    std::string create_error;           ///< the engine's message when it refused the create
    std::vector<std::string> warnings;  ///< the create answer's Warnings
    std::string start_error;            ///< the engine's message when it refused the start
    bool ran = false;                   ///< the probe command ran in the started container
    std::string inside;                 ///< its output
};

class RawEngine {
  public:
    RawEngine() : curl_(curl_easy_init()) {}
    ~RawEngine() { curl_easy_cleanup(curl_); }
    RawEngine(const RawEngine&) = delete;
    RawEngine& operator=(const RawEngine&) = delete;

    /// The status and body of one request to the engine under test.
    std::pair<long, std::string> send(const char* method, const std::string& path,
                                      const std::string& body = {}) {
        std::string answer;
        const std::string url = "http://engine/v" + engine().backend().api_version + path;
        curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
        curl_easy_reset(curl_);
        curl_easy_setopt(curl_, CURLOPT_UNIX_SOCKET_PATH, engine().endpoint().socket_path.c_str());
        curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
        if (std::string_view(method) == "POST")
            curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &answer);
        curl_easy_setopt(
            curl_, CURLOPT_WRITEFUNCTION,
            +[](char* data, std::size_t size, std::size_t count, void* into) {
                static_cast<std::string*>(into)->append(data, size * count);
                return size * count;
            });
        const CURLcode sent = curl_easy_perform(curl_);
        curl_slist_free_all(headers);
        REQUIRE_MESSAGE(sent == CURLE_OK, curl_easy_strerror(sent));
        long status = 0;
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
        return {status, answer};
    }

  private:
    CURL* curl_;
};

std::string engine_message(const std::string& body) {
    auto answer = nlohmann::json::parse(body, nullptr, false);
    return answer.is_object() ? answer.value("message", body) : body;
}

/// Creates a container with these HostConfig (and NetworkingConfig) fields,
/// starts it unless create_only, runs `probe` in it, and removes it.
EngineVerdict engine_verdict(const nlohmann::json& host_config,
                             const std::vector<std::string>& probe, bool create_only = false,
                             const nlohmann::json& networking = nullptr) {
    RawEngine raw;
    const std::string name = unique_name("berth-keys-verdict");
    nlohmann::json body = {{"Image", "berth/debian:bookworm"},
                           {"Cmd", {"sleep", "infinity"}},
                           {"HostConfig", host_config}};
    if (!networking.is_null())
        body["NetworkingConfig"] = networking;
    EngineVerdict verdict;
    auto [status, answer] = raw.send("POST", "/containers/create?name=" + name, body.dump());
    if (status != 201) {
        verdict.create_error = engine_message(answer);
        return verdict;
    }
    for (const auto& warning :
         nlohmann::json::parse(answer).value("Warnings", nlohmann::json::array()))
        verdict.warnings.push_back(warning.get<std::string>());
    if (!create_only) {
        auto [started, start_answer] = raw.send("POST", "/containers/" + name + "/start");
        if (started >= 300) {
            verdict.start_error = engine_message(start_answer);
        } else {
            auto result = engine().exec(name, probe);
            verdict.ran = result.exit_code == 0;
            verdict.inside = result.stdout_text;
        }
    }
    raw.send("DELETE", "/containers/" + name + "?force=1&v=1");
    return verdict;
}

bool has_controller(const std::string& controller) {
    static const auto controllers = engine().cgroup_controllers();
    return controllers.count(controller) > 0;
}

/// Whether this engine puts a link-local address on a container's endpoint
/// (its default network: every engine has one).
bool link_local_applied() {
    static const bool applied = [] {
        const std::string network = engine().backend().is_podman() ? "podman" : "bridge";
        nlohmann::json endpoint = {{"IPAMConfig", {{"LinkLocalIPs", {"169.254.77.7"}}}}};
        auto verdict = engine_verdict(nlohmann::json::object(), {"cat", "/proc/net/fib_trie"},
                                      false, {{"EndpointsConfig", {{network, endpoint}}}});
        return verdict.inside.find("169.254.77.7") != std::string::npos;
    }();
    return applied;
}

// Keys every backend applies, rootless Podman included.
const char* const everywhere_services = R"(
  lender:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    init: true
    volumes: [lent:/lent]
  borrower:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    init: true
    volumes_from: ["lender:ro"]
  plain:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    init: true
    read_only: true
    shm_size: 16m
    oom_score_adj: 200
    dns: [192.0.2.53]
    dns_search: [example.test]
    dns_opt: ["ndots:2"]
    extra_hosts: ["db.example.test:192.0.2.10"]
    ipc: shareable
    group_add: ["100"]
    sysctls: {net.core.somaxconn: "1024"}
    devices: ["/dev/zero:/dev/berth-zero"]
    security_opt: ["no-new-privileges:true"]
    stop_signal: SIGINT
    stop_grace_period: 3s
    deploy: {restart_policy: {condition: on-failure, max_attempts: 2}}
    tmpfs: ["/run/scratch:size=1m,mode=1777"]
    volumes:
      - {type: tmpfs, target: /scratch, tmpfs: {size: 2m, mode: 1016}}
      - {type: tmpfs, target: /scratch-octal, tmpfs: {mode: 01770}}
      - {type: volume, source: data, target: /data, volume: {nocopy: true}}
      - {type: bind, source: ./bind, target: /bind, read_only: true, bind: {propagation: rprivate, selinux: z}}
      - ./made-by-engine:/made
    networks:
      front: {ipv4_address: 192.168.97.7, aliases: [plain-front], priority: 10}
      back: {aliases: [plain-back]}
  namespaces:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    pid: host
    uts: host
    userns_mode: host
    network_mode: none
)";

// cgroup limits: every backend but rootless Podman on this machine (cgroup v1,
// no delegation), which refuses them.
const char* const limit_services = R"(
  limits:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    mem_limit: 64m
    memswap_limit: 96m
    mem_reservation: 32m
    cpu_shares: 512
    cpuset: "0"
    pids_limit: 64
    cgroup_parent: berth-keys-test
    cpu_rt_period: 500ms
    oom_kill_disable: true
    deploy: {resources: {limits: {cpus: "0.5"}}}
    # Both limits: Podman sets the one not given to its own default, which
    # this VM (no CAP_SYS_RESOURCE) refuses at start. Rootless Podman drops them.
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 1000}
    network_mode: none
)";

// Podman's compatible API drops a container's MAC address, and dns keys
// with network_mode none (refused there: see below).
const char* const docker_services = R"(
  linker:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    init: true
    links: ["lender:lender-alias"]
  resolver:
    # On a network the engines write their own resolver (Docker's 127.0.0.11,
    # Podman's aardvark) into resolv.conf and forward to these servers; without
    # one the file holds them as written.
    image: berth/debian:bookworm
    command: [sleep, infinity]
    network_mode: none
    dns: [192.0.2.53]
    dns_search: [example.test]
    dns_opt: ["ndots:2"]
  mac:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    mac_address: "02:42:c0:a8:61:61"
    networks: [front]
)";

const char* const project_tail = R"(
networks:
  front:
    ipam: {config: [{subnet: 192.168.97.0/24}]}
    driver_opts: {com.docker.network.bridge.enable_icc: "true"}
  back: {}
volumes:
  data: {labels: {test.volume: data}}
  lent: {}
)";

/// One check: a command run in a service's container and what its output must hold.
struct Effect {
    const char* service;
    const char* what;
    std::vector<std::string> command;
    std::string expected;  ///< a substring of stdout; "" with expect_failure
    bool expect_failure = false;
};

const std::vector<Effect> everywhere_effects = {
    {"plain", "read_only: a write to / fails", {"touch", "/written"}, "", true},
    {"borrower",
     "volumes_from: the lender's volume",
     {"grep", "-c", " /lent ", "/proc/mounts"},
     "1"},
    {"borrower", "volumes_from :ro", {"touch", "/lent/written"}, "", true},
    {"plain", "init: PID 1 is the engine's init", {"cat", "/proc/1/cmdline"}, "init"},
    {"plain", "shm_size", {"df", "-k", "/dev/shm"}, "16384"},
    {"plain", "oom_score_adj", {"cat", "/proc/1/oom_score_adj"}, "200"},
    {"plain", "extra_hosts", {"cat", "/etc/hosts"}, "192.0.2.10"},
    {"plain", "group_add", {"cat", "/proc/1/status"}, "100"},
    {"plain", "sysctls", {"cat", "/proc/sys/net/core/somaxconn"}, "1024"},
    {"plain", "devices", {"test", "-c", "/dev/berth-zero"}, ""},
    {"plain", "security_opt no-new-privileges", {"grep", "NoNewPrivs", "/proc/1/status"}, "1"},
    {"plain", "tmpfs with options", {"stat", "-c", "%a", "/run/scratch"}, "1777"},
    {"plain", "tmpfs size", {"df", "-k", "/run/scratch"}, "1024"},
    {"plain", "volumes tmpfs mode", {"stat", "-c", "%a", "/scratch"}, "1770"},
    {"plain", "volumes tmpfs size", {"df", "-k", "/scratch"}, "2048"},
    {"plain",
     "volumes tmpfs mode with a leading 0 is octal",
     {"stat", "-c", "%a", "/scratch-octal"},
     "1770"},
    {"plain", "bind read_only", {"touch", "/bind/written"}, "", true},
    {"plain", "bind content", {"cat", "/bind/file"}, "from the host"},
    {"plain", "a missing bind source is made", {"test", "-d", "/made"}, ""},
    {"plain",
     "ipv4_address on the first network (highest priority)",
     {"grep", "-c", "192.168.97.7", "/etc/hosts"},
     "1"},
};

const std::vector<Effect> docker_effects = {
    {"linker", "links: the alias resolves", {"getent", "hosts", "lender-alias"}, "lender-alias"},
    // docker-compose links the container under SERVICE-1 (and its own name) too.
    {"linker", "links: SERVICE-1 resolves", {"getent", "hosts", "lender-1"}, "lender-1"},
    {"mac", "mac_address", {"sh", "-c", "cat /sys/class/net/*/address"}, "02:42:c0:a8:61:61"},
    // Podman writes resolv.conf from these only on a network (see below).
    {"resolver", "dns", {"cat", "/etc/resolv.conf"}, "nameserver 192.0.2.53"},
    {"resolver", "dns_search", {"cat", "/etc/resolv.conf"}, "search example.test"},
    {"resolver", "dns_opt", {"cat", "/etc/resolv.conf"}, "ndots:2"},
};

const std::vector<Effect> podman_effects = {
    {"plain", "dns", {"cat", "/etc/resolv.conf"}, "nameserver 192.0.2.53"},
    {"plain", "dns_search", {"cat", "/etc/resolv.conf"}, "search example.test"},
    {"plain", "dns_opt", {"cat", "/etc/resolv.conf"}, "ndots:2"},
};

const std::vector<Effect> limit_effects = {
    {"limits",
     "ulimits nofile",
     {"sh", "-c", "grep 'open files' /proc/1/limits | tr -s ' '"},
     "files 1024 2048"},
    {"limits", "ulimits nproc", {"grep", "Max processes", "/proc/1/limits"}, "1000"},
    {"limits", "mem_limit", {"cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}, "67108864"},
    {"limits",
     "memswap_limit",
     {"cat", "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"},
     "100663296"},
    {"limits",
     "mem_reservation",
     {"cat", "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes"},
     "33554432"},
    {"limits", "cpu_shares", {"cat", "/sys/fs/cgroup/cpu/cpu.shares"}, "512"},
    {"limits", "cpu_rt_period", {"cat", "/sys/fs/cgroup/cpu/cpu.rt_period_us"}, "500000"},
    {"limits",
     "oom_kill_disable",
     {"cat", "/sys/fs/cgroup/memory/memory.oom_control"},
     "oom_kill_disable 1"},
    {"limits",
     "deploy.resources.limits.cpus",
     {"cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"},
     "50000"},
    {"limits", "cpuset", {"cat", "/sys/fs/cgroup/cpuset/cpuset.cpus"}, "0"},
    {"limits", "pids_limit", {"cat", "/sys/fs/cgroup/pids/pids.max"}, "64"},
    {"limits", "cgroup_parent", {"cat", "/proc/1/cgroup"}, "berth-keys-test"},
};

// The three backends' runs go in parallel: each takes a subnet of its own.
std::string with_own_subnet(std::string text) {
    const std::string label = backend_label(engine().backend());
    const std::string own = label == "docker"   ? "192.168.97."
                            : label == "podman" ? "192.168.96."
                                                : "192.168.95.";
    for (auto at = text.find("192.168.97."); at != std::string::npos;
         at = text.find("192.168.97.", at + 1))
        text.replace(at, own.size(), own);
    return text;
}

void check_effects(const KeysProject& project, const std::vector<Effect>& effects) {
    for (const auto& effect : effects) {
        const std::string what = effect.what;
        CAPTURE(what);
        std::vector<std::string> command;
        for (const auto& word : effect.command)
            command.push_back(with_own_subnet(word));
        auto result = engine().exec(project.container(effect.service), command);
        CAPTURE(result.stdout_text);
        CAPTURE(result.stderr_text);
        if (effect.expect_failure) {
            CHECK(result.exit_code != 0);
        } else {
            CHECK(result.exit_code == 0);
            CHECK(result.stdout_text.find(effect.expected) != std::string::npos);
        }
    }
}

std::string refusal_of(KeysProject& project) {
    try {
        project.up();
    } catch (const UsageError& error) {
        return error.what();
    }
    FAIL("up did not refuse the project");
    return "";
}

}  // namespace

TEST_CASE("every key up applies reaches the running containers") {
    const bool limits = !rootless();
    const bool docker = !engine().backend().is_podman();
    std::string services = everywhere_services;
    if (link_local_applied()) {
        const std::string front = "priority: 10}";
        services.replace(services.find(front), front.size(),
                         "priority: 10, link_local_ips: [169.254.97.7]}");
    }
    KeysProject project(with_own_subnet("services:" + services + (limits ? limit_services : "") +
                                        (docker ? docker_services : "") + project_tail));
    project.up();
    check_effects(project, everywhere_effects);
    check_effects(project, docker ? docker_effects : podman_effects);
    if (limits)
        check_effects(project, limit_effects);
    if (link_local_applied()) {
        check_effects(project, {{"plain",
                                 "link_local_ips: the address is the container's",
                                 {"cat", "/proc/net/fib_trie"},
                                 "169.254.97.7"}});
    } else {
        // The engine takes a link-local address and drops it: up refuses it.
        KeysProject dropped(R"(
services:
  local:
    image: berth/debian:bookworm
    networks: {default: {link_local_ips: [169.254.97.8]}}
)");
        const std::string message = refusal_of(dropped);
        CAPTURE(message);
        CHECK(message.find("service local: networks.default.link_local_ips: ") !=
              std::string::npos);
        CHECK(message.find("accepts it through its Docker-compatible API and then ignores it") !=
              std::string::npos);
        CHECK(dropped.nothing_left());
    }

    // What the inside cannot show, the engine's inspect does.
    auto plain = engine().container_inspect(project.container("plain"));
    CHECK(plain.state.running);
    bool on_front = false;
    for (const auto& network : plain.networks) {
        if (network.network.find("front") == std::string::npos)
            continue;
        on_front = true;
        CHECK(network.ip_address == with_own_subnet("192.168.97.7"));
        CHECK(std::find(network.aliases.begin(), network.aliases.end(), "plain-front") !=
              network.aliases.end());
    }
    CHECK(on_front);
    CHECK(plain.networks.size() == 2);
    bool made = std::filesystem::is_directory(project.folder() / "made-by-engine");
    CHECK(made);
    // The namespace service shares the host's PID namespace: its PID 1 is not sleep.
    auto comm = engine().exec(project.container("namespaces"), {"cat", "/proc/1/comm"});
    CHECK(comm.stdout_text != "sleep\n");
    auto host_name =
        engine().exec(project.container("namespaces"), {"cat", "/proc/sys/kernel/hostname"});
    char buffer[256] = {};
    ::gethostname(buffer, sizeof buffer);
    CHECK(host_name.stdout_text == std::string(buffer) + "\n");
}

TEST_CASE("rootless Podman without cgroup delegation refuses limits, creating nothing") {
    if (!rootless()) {
        // The same check, by the table, is in the refused-keys unit test; here
        // a rootful engine must accept the limits, which the case above shows.
        KeysProject project("services:" + std::string(limit_services));
        project.up();
        CHECK(engine().container_inspect(project.container("limits")).state.running);
        return;
    }
    KeysProject project("services:" + std::string(limit_services));
    const std::string message = refusal_of(project);
    CAPTURE(message);
    CHECK(message.find("nothing was created") != std::string::npos);
    for (const char* key :
         {"mem_limit", "memswap_limit", "mem_reservation", "cpu_shares", "cpuset", "pids_limit",
          "cgroup_parent", "cpu_rt_period", "oom_kill_disable", "deploy.resources.limits.cpus"}) {
        CHECK(message.find("service limits: " + std::string(key) + ": podman") !=
              std::string::npos);
    }
    CHECK(message.find("(rootless) cannot enforce it") != std::string::npos);
    CHECK(project.nothing_left());
}

TEST_CASE("Podman refuses the MAC address its compatible API would drop, creating nothing") {
    KeysProject project(R"(
services:
  mac:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    mac_address: "02:42:c0:a8:61:63"
)");
    if (!engine().backend().is_podman()) {
        project.up();  // docker applies it; the first case shows it inside
        CHECK(engine().container_inspect(project.container("mac")).state.running);
        return;
    }
    const std::string message = refusal_of(project);
    CAPTURE(message);
    CHECK(message.find("service mac: mac_address: podman 4.3.1") != std::string::npos);
    CHECK(message.find("accepts it through its Docker-compatible API and then ignores it") !=
          std::string::npos);
    CHECK(project.nothing_left());
}

TEST_CASE("dns keys with network_mode none: applied by dockerd, refused on Podman") {
    KeysProject project(R"(
services:
  isolated:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    network_mode: none
    dns: [192.0.2.54]
)");
    if (!engine().backend().is_podman()) {
        project.up();  // the first case shows the file inside
        CHECK(engine().container_inspect(project.container("isolated")).state.running);
        return;
    }
    const std::string message = refusal_of(project);
    CAPTURE(message);
    CHECK(message.find("service isolated: dns: podman 4.3.1") != std::string::npos);
    CHECK(message.find("ignores it with network_mode: none") != std::string::npos);
    CHECK(project.nothing_left());
}

TEST_CASE("links: applied by dockerd, refused on Podman") {
    KeysProject project(R"(
services:
  server:
    image: berth/debian:bookworm
    command: [sleep, infinity]
  client:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    links: [server]
)");
    if (!engine().backend().is_podman()) {
        project.up();  // the first case resolves an alias
        CHECK(engine().container_inspect(project.container("client")).state.running);
        return;
    }
    const std::string message = refusal_of(project);
    CAPTURE(message);
    CHECK(message.find("service client: links: podman 4.3.1") != std::string::npos);
    CHECK(message.find("accepts it through its Docker-compatible API and then ignores it") !=
          std::string::npos);
    CHECK(project.nothing_left());
}

TEST_CASE("keys no engine here can apply are refused by name, creating nothing") {
    KeysProject project(R"(
services:
  first:
    image: berth/debian:bookworm
    command: [sleep, infinity]
  refused:
    image: berth/debian:bookworm
    volumes:
      - {type: volume, source: data, target: /data, volume: {subpath: sub}}
      - {type: image, source: berth/debian:bookworm, target: /image}
    networks: {default: {mac_address: "02:42:c0:a8:61:62"}}
    deploy: {resources: {reservations: {cpus: "0.5"}}, restart_policy: {delay: 5s}}
volumes:
  data: {}
)");
    const std::string message = refusal_of(project);
    CAPTURE(message);
    for (const char* expected :
         {"service refused: volumes[0].volume.subpath: a volume subpath needs Docker API 1.45",
          "service refused: volumes[1].type: the value 'image': image mounts need Docker API 1.48 "
          "(berth speaks 1.41)",
          "service refused: networks.default.mac_address: a MAC address per network needs "
          "Docker API 1.44",
          "service refused: deploy.resources.reservations.cpus: a CPU reservation is a Swarm "
          "scheduling option",
          "service refused: deploy.restart_policy.delay: the engine's restart policy has no "
          "delay"}) {
        CHECK(message.find(expected) != std::string::npos);
    }
    CHECK(project.nothing_left());
}

TEST_CASE("cpu_rt_runtime: applied, refused, or up fails at the start, as the engine does") {
    const std::vector<std::string> probe = {
        "sh", "-c", "cat /sys/fs/cgroup/cpu/cpu.rt_period_us /sys/fs/cgroup/cpu/cpu.rt_runtime_us"};
    const auto verdict =
        engine_verdict({{"CpuRealtimePeriod", 1000000}, {"CpuRealtimeRuntime", 10000}}, probe);
    CAPTURE(verdict.create_error);
    CAPTURE(verdict.start_error);
    CAPTURE(verdict.inside);
    KeysProject project(R"(
services:
  realtime:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    cpu_rt_period: 1s
    cpu_rt_runtime: 10ms
)");
    if (verdict.ran && verdict.inside == "1000000\n10000\n") {
        project.up();
        auto inside = engine().exec(project.container("realtime"), probe);
        CHECK(inside.stdout_text == verdict.inside);
    } else if (verdict.ran || !verdict.warnings.empty()) {
        // Started without the budget (rootless Podman: no cgroups of its own),
        // or warned about: refused before anything is made.
        const std::string message = refusal_of(project);
        CAPTURE(message);
        CHECK(message.find("nothing was created") != std::string::npos);
        CHECK(message.find("service realtime: cpu_rt_runtime: ") != std::string::npos);
        CHECK(project.nothing_left());
    } else {
        // The kernel refuses the runtime when the engine starts the container
        // (no real-time budget in the engine's parent cgroup): up fails so,
        // naming the key, and takes away what it made.
        REQUIRE(verdict.create_error.empty());
        std::string message;
        try {
            project.up();
        } catch (const ServiceFailed& failed) {
            message = failed.what();
        }
        CAPTURE(message);
        CHECK(message.find("service realtime: the engine could not start container") == 0);
        // The engine's words, from where they stop naming the container.
        const auto at = verdict.start_error.find("cpu.rt_runtime_us");
        CHECK(message.find(at == std::string::npos
                               ? verdict.start_error
                               : verdict.start_error.substr(at)) != std::string::npos);
        CHECK(message.find("hint: cpu_rt_runtime: ") != std::string::npos);
        CHECK(project.nothing_left());
    }
}

TEST_CASE(
    "storage_opt: applied where the storage driver can, else refused before anything is made") {
    const auto verdict = engine_verdict({{"StorageOpt", {{"size", "1G"}}}}, {"df", "-k", "/"});
    CAPTURE(verdict.create_error);
    KeysProject project(R"(
services:
  sized:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    storage_opt: {size: 1G}
)");
    if (verdict.create_error.empty()) {
        project.up();
        auto inside = engine().exec(project.container("sized"), {"df", "-k", "/"});
        CHECK(inside.stdout_text.find(" 1048576 ") != std::string::npos);
    } else {
        // Every engine here refuses the create ("--storage-opt is supported
        // only for overlay over xfs with 'pquota' mount option"); berth says
        // so before it makes anything.
        const std::string message = refusal_of(project);
        CAPTURE(message);
        CHECK(message.find("nothing was created") != std::string::npos);
        CHECK(message.find("service sized: storage_opt.size: ") != std::string::npos);
        CHECK(message.find("which takes no storage options: overlay enforces them only over xfs "
                           "mounted with pquota") != std::string::npos);
        CHECK(verdict.create_error.find("xfs") != std::string::npos);
        CHECK(project.nothing_left());
    }
}

TEST_CASE("a container the engine warns about fails up, and what up made is taken away") {
    // dockerd warns that the OOM killer is off without a memory limit and
    // runs the container anyway; Podman's compatible API never warns.
    const auto verdict = engine_verdict({{"OomKillDisable", true}}, {}, true);
    KeysProject project(R"(
services:
  bystander:
    image: berth/debian:bookworm
    command: [sleep, infinity]
  careless:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    oom_kill_disable: true
)");
    if (!has_controller("memory")) {
        const std::string message = refusal_of(project);
        CAPTURE(message);
        CHECK(message.find("service careless: oom_kill_disable: ") != std::string::npos);
        CHECK(project.nothing_left());
    } else if (verdict.warnings.empty()) {
        project.up();
        auto inside = engine().exec(project.container("careless"),
                                    {"cat", "/sys/fs/cgroup/memory/memory.oom_control"});
        CHECK(inside.stdout_text.find("oom_kill_disable 1") != std::string::npos);
    } else {
        std::string message;
        try {
            project.up();
        } catch (const ServiceFailed& failed) {
            CHECK(failed.service() == "careless");
            message = failed.what();
        }
        CAPTURE(message);
        CHECK(message.find("service careless: the engine warned when it created " +
                           project.container("careless")) == 0);
        for (const auto& warning : verdict.warnings)
            CHECK(message.find("engine says: " + warning) != std::string::npos);
        CHECK(message.find("hint: change or remove the key of service careless") !=
              std::string::npos);
        CHECK(project.nothing_left());
    }
}

int main(int argc, char** argv) {
    return run_suite(argc, argv);
}
