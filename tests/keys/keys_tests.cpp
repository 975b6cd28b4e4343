// The compose keys `berth up` applies, seen from inside running containers on
// each backend (the cgroup limit files, /etc/resolv.conf, a write to a
// read-only root, ...) or in the engine's inspect, and the keys it refuses or
// fails on, with the message and nothing left behind. One shared project
// brings every applied key up at once; meson runs this once per backend.
//
// Where a key's fate depends on the engine (it applies the field, drops it,
// warns, or refuses the create or the start), the test first asks the engine
// itself, by a container made over its API without berth, and then checks
// that berth does what that answer calls for.

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
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <regex>
#include <tuple>

using namespace berth;
using namespace berth::testing;
using namespace std::chrono_literals;

namespace {

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
            down(engine(), name_, nullptr, {.remove_volumes = true, .kill = true});
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
    const std::string& name() const { return name_; }
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
        const BackendInfo& backend = engine().backend();
        const bool libpod = path.rfind("/libpod/", 0) == 0;
        const std::string url =
            "http://engine/v" + (libpod ? backend.libpod_api_version : backend.api_version) + path;
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
        if (sent != CURLE_OK)  // thrown, not asserted: verdicts are asked from several threads
            throw std::runtime_error(std::string(method) + " " + path + ": " +
                                     curl_easy_strerror(sent));
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

/// The engine's inspect answer for a container (or with "/networks/NAME", a
/// network), through its compatible API or, for a "/libpod/..." path, Podman's own.
nlohmann::json inspected(const std::string& path) {
    RawEngine raw;
    auto [status, answer] = raw.send("GET", path);
    CAPTURE(answer);
    REQUIRE(status == 200);
    return nlohmann::json::parse(answer);
}

/// What shows a key's effect in a running container: the output of the sh
/// script `probe` in it, or with no script, the labels of the volumes the
/// engine made for its mounts (which only the engine can tell).
ExecResult observe(const std::string& container, const std::string& probe) {
    if (!probe.empty())
        return engine().exec(container, {"sh", "-c", probe});
    RawEngine raw;
    ExecResult result;
    const auto answer =
        nlohmann::json::parse(raw.send("GET", "/containers/" + container + "/json").second);
    for (const auto& mount : answer.value("Mounts", nlohmann::json::array())) {
        if (mount.value("Type", "") != "volume")
            continue;
        auto volume =
            nlohmann::json::parse(raw.send("GET", "/volumes/" + mount.value("Name", "")).second);
        result.stdout_text += volume.value("Labels", nlohmann::json::object()).dump() + "\n";
    }
    return result;
}

/// Runs an action when the scope ends, however it ends: what a probe made
/// over the raw API carries no project label, so no later check would find
/// it if a failure skipped its removal.
class OnScopeExit {
  public:
    explicit OnScopeExit(std::function<void()> action) : action_(std::move(action)) {}
    ~OnScopeExit() {
        try {
            action_();
        } catch (const std::exception& error) {
            std::cerr << "cleaning up a probe: " << error.what() << std::endl;
        }
    }
    OnScopeExit(const OnScopeExit&) = delete;
    OnScopeExit& operator=(const OnScopeExit&) = delete;

  private:
    std::function<void()> action_;
};

/// Creates a container whose create request holds `fields` besides an image
/// and a command, starts it, runs the sh script `probe` in it, and removes it.
EngineVerdict engine_verdict(const nlohmann::json& fields, const std::string& probe) {
    RawEngine raw;
    const std::string name = unique_name("berth-keys-verdict");
    nlohmann::json body = {{"Image", "berth/debian:bookworm"}, {"Cmd", {"sleep", "infinity"}}};
    body.merge_patch(fields);
    EngineVerdict verdict;
    auto [status, answer] = raw.send("POST", "/containers/create?name=" + name, body.dump());
    if (status != 201) {
        verdict.create_error = engine_message(answer);
        return verdict;
    }
    OnScopeExit remove(
        [&name] { engine().container_remove(name, {.force = true, .volumes = true}); });
    for (const auto& warning :
         nlohmann::json::parse(answer).value("Warnings", nlohmann::json::array()))
        verdict.warnings.push_back(warning.get<std::string>());
    auto [started, start_answer] = raw.send("POST", "/containers/" + name + "/start");
    if (started >= 300) {
        verdict.start_error = engine_message(start_answer);
    } else {
        auto result = observe(name, probe);
        verdict.ran = result.exit_code == 0;
        verdict.inside = result.stdout_text;
    }
    return verdict;
}

bool has_controller(const std::string& controller) {
    static const auto controllers = engine().cgroup_controllers();
    return controllers.count(controller) > 0;
}

std::string host_cgroup_namespace() {
    return std::filesystem::read_symlink("/proc/self/ns/cgroup").string();
}

/// A key whose fate depends on the engine: the service that sets it, the
/// create fields it becomes, and how a shell inside shows its effect.
struct EngineDependentKey {
    const char* key;       ///< as a refusal names it
    const char* service;   ///< a service of its own, named after the key
    const char* settings;  ///< that service's keys, as YAML indented by four
    nlohmann::json fields;
    const char* probe;  ///< a sh script whose output shows the effect; see observe()
    bool (*applied)(const std::string& output);
};

bool holds(const std::string& output, const char* text) {
    return output.find(text) != std::string::npos;
}

std::vector<EngineDependentKey> engine_dependent_keys() {
    // Every engine attaches a container to its default network ("bridge",
    // Podman's "podman") when the request names none.
    const std::string network = engine().backend().is_podman() ? "podman" : "bridge";
    using json = nlohmann::json;
    return {
        {"networks.default.link_local_ips", "linklocal",
         "    networks: {default: {link_local_ips: [169.254.97.7]}}\n",
         json{{"NetworkingConfig",
               {{"EndpointsConfig",
                 {{network, {{"IPAMConfig", {{"LinkLocalIPs", {"169.254.97.7"}}}}}}}}}}},
         "cat /proc/net/fib_trie",
         [](const std::string& out) { return holds(out, "169.254.97.7"); }},
        {"domainname", "domain", "    domainname: example.test\n",
         json{{"Domainname", "example.test"}}, "cat /proc/sys/kernel/domainname",
         [](const std::string& out) { return holds(out, "example.test"); }},
        {"cgroup", "cgroupns", "    cgroup: private\n",
         json{{"HostConfig", {{"CgroupnsMode", "private"}}}}, "readlink /proc/1/ns/cgroup",
         [](const std::string& out) {
             return holds(out, "cgroup:[") && !holds(out, host_cgroup_namespace().c_str());
         }},
        {"mac_address", "mac", "    mac_address: \"02:42:c0:a8:61:63\"\n",
         json{{"MacAddress", "02:42:c0:a8:61:63"}}, "cat /sys/class/net/eth0/address",
         [](const std::string& out) { return holds(out, "02:42:c0:a8:61:63"); }},
        // On a network the engines write their own resolver (Docker's
        // 127.0.0.11, Podman's aardvark) and forward to these servers;
        // without one the file holds them as written.
        {"dns", "resolver",
         "    network_mode: none\n    dns: [192.0.2.53]\n    dns_search: [example.test]\n"
         "    dns_opt: [\"ndots:2\"]\n",
         json{{"HostConfig",
               {{"NetworkMode", "none"},
                {"Dns", {"192.0.2.53"}},
                {"DnsSearch", {"example.test"}},
                {"DnsOptions", {"ndots:2"}}}}},
         "cat /etc/resolv.conf",
         [](const std::string& out) {
             return holds(out, "nameserver 192.0.2.53") && holds(out, "search example.test") &&
                    holds(out, "ndots:2");
         }},
        {"cpu_rt_runtime", "realtime", "    cpu_rt_period: 1s\n    cpu_rt_runtime: 10ms\n",
         json{{"HostConfig", {{"CpuRealtimePeriod", 1000000}, {"CpuRealtimeRuntime", 10000}}}},
         "cat /sys/fs/cgroup/cpu/cpu.rt_runtime_us",
         [](const std::string& out) { return out == "10000\n"; }},
        {"privileged", "privileged", "    privileged: true\n",
         json{{"HostConfig", {{"Privileged", true}}}}, "grep CapEff /proc/1/status",
         [](const std::string& out) {
             // CAP_SYS_ADMIN (21), which no container has by default.
             const auto tab = out.find('\t');
             return tab != std::string::npos &&
                    (std::stoull(out.substr(tab + 1), nullptr, 16) >> 21 & 1) == 1;
         }},
        {"storage_opt.size", "sized", "    storage_opt: {size: 1G}\n",
         json{{"HostConfig", {{"StorageOpt", {{"size", "1G"}}}}}}, "df -k /",
         [](const std::string& out) { return holds(out, " 1048576 "); }},
        // dockerd warns that the OOM killer is off without a memory limit,
        // and runs the container anyway.
        {"oom_kill_disable", "careless", "    oom_kill_disable: true\n",
         json{{"HostConfig", {{"OomKillDisable", true}}}},
         "cat /sys/fs/cgroup/memory/memory.oom_control",
         [](const std::string& out) { return holds(out, "oom_kill_disable 1"); }},
        // The image has files in /etc/skel: a volume mounted there with
        // nocopy starts empty.
        {"volumes[0].volume.nocopy", "nocopy",
         "    volumes: [{type: volume, target: /etc/skel, volume: {nocopy: true}}]\n",
         json{{"HostConfig",
               {{"Mounts",
                 {{{"Type", "volume"},
                   {"Target", "/etc/skel"},
                   {"VolumeOptions", {{"NoCopy", true}}}}}}}}},
         "ls -A /etc/skel | wc -l", [](const std::string& out) { return out == "0\n"; }},
        // A volume the engine makes for the mount carries the labels; the
        // probe reads them back from the engine (below, for berth's).
        {"volumes[0].volume.labels.test.mount", "labelled",
         "    volumes: [{type: volume, target: /labelled, volume: {labels: {test.mount: "
         "labelled}}}]\n",
         json{{"HostConfig",
               {{"Mounts",
                 {{{"Type", "volume"},
                   {"Target", "/labelled"},
                   {"VolumeOptions", {{"Labels", {{"test.mount", "labelled"}}}}}}}}}}},
         "", [](const std::string& out) { return holds(out, "\"test.mount\":\"labelled\""); }},
        // The cgroup tree has mounts under it: a non-recursive bind shows
        // its folders empty.
        {"volumes[0].bind.recursive", "flat",
         "    volumes: [{type: bind, source: /sys/fs/cgroup, target: /host-cgroup, read_only: "
         "true, bind: {recursive: disabled}}]\n",
         json{{"HostConfig",
               {{"Mounts",
                 {{{"Type", "bind"},
                   {"Source", "/sys/fs/cgroup"},
                   {"Target", "/host-cgroup"},
                   {"ReadOnly", true},
                   {"BindOptions", {{"NonRecursive", true}}}}}}}}},
         "ls /host-cgroup/memory | wc -l", [](const std::string& out) { return out == "0\n"; }},
    };
}

/// What the engine itself does with a network's driver option and IPAM
/// auxiliary addresses, asked like engine_verdict() over its API.
struct NetworkVerdict {
    std::string warning;       ///< the create answer's Warning
    bool option_kept = false;  ///< the option is in the network's inspect
    bool auxiliary_kept = false;
};

/// Subnets of the run's own: the three backends' runs go in parallel.
std::string own_octet() {
    const std::string label = backend_label(engine().backend());
    return label == "docker" ? "97" : label == "podman" ? "96" : "95";
}

const NetworkVerdict& network_verdict() {
    static const NetworkVerdict verdict = [] {
        RawEngine raw;
        const std::string name = unique_name("berth-keys-verdict");
        const std::string subnet = "10." + own_octet() + ".5.";
        nlohmann::json body = {{"Name", name},
                               {"CheckDuplicate", true},
                               {"Options", {{"com.docker.network.bridge.enable_icc", "true"}}},
                               {"IPAM",
                                {{"Config",
                                  {{{"Subnet", subnet + "0/24"},
                                    {"AuxiliaryAddresses", {{"reserved", subnet + "2"}}}}}}}}};
        // Podman's answer when a host interface went away while it checked
        // the subnet (other suites' containers stop meanwhile), as berth's
        // own network create treats it: asked again.
        auto [status, answer] = raw.send("POST", "/networks/create", body.dump());
        for (int again = 0;
             again < 2 && answer.find("no such network interface") != std::string::npos; ++again)
            std::tie(status, answer) = raw.send("POST", "/networks/create", body.dump());
        REQUIRE_MESSAGE(status == 201, answer);
        OnScopeExit remove([&name] { engine().network_remove(name); });
        NetworkVerdict result;
        result.warning = nlohmann::json::parse(answer).value("Warning", "");
        const auto network = inspected("/networks/" + name);
        result.option_kept = network.value("Options", nlohmann::json::object())
                                 .contains("com.docker.network.bridge.enable_icc");
        for (const auto& pool : network["IPAM"].value("Config", nlohmann::json::array()))
            result.auxiliary_kept = result.auxiliary_kept || pool.contains("AuxiliaryAddresses");
        std::cout << "the engine's own answer: network driver_opts: "
                  << (!result.warning.empty() ? "warned about"
                      : result.option_kept    ? "applied"
                                              : "dropped")
                  << "\nthe engine's own answer: network ipam aux_addresses: "
                  << (result.auxiliary_kept ? "applied" : "dropped") << std::endl;
        return result;
    }();
    return verdict;
}

enum class Fate { applied, dropped, warned, refused_at_create, refused_at_start };

struct Judged {
    EngineDependentKey key;
    EngineVerdict verdict;
    Fate fate;
};

/// Each engine-dependent key with the engine's own answer, asked once per
/// run and all at once.
const std::vector<Judged>& judged_keys() {
    static const std::vector<Judged> judged = [] {
        // The keys outlive the futures, whose threads read them: a get()
        // that throws leaves the others to finish first.
        const auto keys = engine_dependent_keys();
        std::vector<std::future<EngineVerdict>> asked;
        for (const auto& key : keys) {
            asked.push_back(std::async(std::launch::async,
                                       [&key] { return engine_verdict(key.fields, key.probe); }));
        }
        std::vector<Judged> result;
        for (std::size_t index = 0; index < keys.size(); ++index) {
            EngineVerdict verdict = asked[index].get();
            const Fate fate = !verdict.create_error.empty()  ? Fate::refused_at_create
                              : !verdict.warnings.empty()    ? Fate::warned
                              : !verdict.start_error.empty() ? Fate::refused_at_start
                              : verdict.ran && keys[index].applied(verdict.inside) ? Fate::applied
                                                                                   : Fate::dropped;
            static const char* const names[] = {"applied", "dropped", "warned about",
                                                "refused at create", "refused at start"};
            std::cout << "the engine's own answer: " << keys[index].key << ": "
                      << names[static_cast<int>(fate)] << std::endl;
            result.push_back({keys[index], std::move(verdict), fate});
        }
        return result;
    }();
    return judged;
}

std::string service_yaml(const EngineDependentKey& key) {
    return std::string("  ") + key.service +
           ":\n    image: berth/debian:bookworm\n    command: [sleep, infinity]\n" + key.settings;
}

// Keys every backend applies, rootless Podman included.
const char* const everywhere_services = R"(
  lender:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    init: true
    volumes: [lent:/lent]
    networks: [default, outside]
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
    cap_add: [NET_ADMIN]
    cap_drop: [CHOWN]
    stop_signal: SIGINT
    stop_grace_period: 3s
    deploy: {restart_policy: {condition: on-failure, max_attempts: 2}}
    tmpfs: ["/run/scratch:size=1m,mode=1777"]
    volumes:
      - {type: tmpfs, target: /scratch, tmpfs: {size: 2m, mode: 1016}}
      - {type: tmpfs, target: /scratch-octal, tmpfs: {mode: 01770}}
      - {type: volume, source: data, target: /data}
      - {type: bind, source: ./bind, target: /bind, read_only: true, consistency: cached,
         bind: {propagation: rprivate, selinux: z}}
      - ./made-by-engine:/made
      - {type: volume, source: outside, target: /outside}
    networks:
      front: {ipv4_address: 10.97.1.7, aliases: [plain-front], priority: 10}
      back: {aliases: [plain-back], ipv6_address: "fd00:97::7"}
  namespaces:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    pid: host
    uts: host
    userns_mode: host
    network_mode: none
  terminal:
    image: berth/debian:bookworm
    entrypoint: [sleep]
    command: [infinity]
    tty: true
    stdin_open: true
    user: "1000:1000"
    working_dir: /tmp
    hostname: terminal-host
    expose: ["7000"]
    restart: on-failure:3
    labels: {test.label: terminal}
    logging: {driver: json-file, options: {max-size: 1m}}
    runtime: runc
    ports: [{target: 7001, host_ip: 127.0.0.1, mode: host}]
)";

// cgroup limits: every engine whose containers have the controllers (not
// rootless Podman on this machine: cgroup v1, no delegation), which refuses them.
const char* const limit_services = R"(
  limits:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    mem_limit: 64m
    memswap_limit: 96m
    mem_reservation: 32m
    mem_swappiness: 10
    cpus: 0.5
    cpu_shares: 512
    cpuset: "0"
    pids_limit: 64
    cgroup_parent: berth-keys-test
    cpu_rt_period: 500ms
    oom_kill_disable: true
    device_cgroup_rules: ["c 1:9 rwm"]
    # Both limits: Podman sets the one not given to its own default, which
    # this VM (no CAP_SYS_RESOURCE) refuses at start. Rootless Podman drops them.
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 1000}
    network_mode: none
  deployed:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    deploy:
      resources:
        limits: {cpus: "0.25", memory: 48m, pids: 32}
        reservations: {memory: 16m}
    network_mode: none
  quota:
    # Not with cpus: both engines refuse a CPU period and NanoCpus together.
    image: berth/debian:bookworm
    command: [sleep, infinity]
    cpu_period: 50000
    cpu_quota: 25000
    network_mode: none
)";

// Podman's compatible API has no links (refused there: see below).
const char* const docker_services = R"(
  linker:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    init: true
    links: ["lender:lender-alias"]
)";

const char* const project_tail = R"(
networks:
  front:
    ipam: {config: [{subnet: 10.97.1.0/24, gateway: 10.97.1.1, ip_range: 10.97.1.0/25}]}
  outside: {external: true, name: EXTERNAL_NETWORK}
  back:
    enable_ipv6: true
    internal: true
    labels: {test.network: back}
    ipam: {config: [{subnet: 10.97.7.0/24}, {subnet: "fd00:97::/64"}]}
  default:
    ipam: {config: [{subnet: 10.97.8.0/24}]}
volumes:
  data:
    labels: {test.volume: data}
    driver_opts: {type: tmpfs, device: tmpfs, o: nr_inodes=1000}
  lent: {}
  outside: {external: true, name: EXTERNAL_VOLUME}
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
    // Bit 12 is CAP_NET_ADMIN, which no container has by default; bit 0 CAP_CHOWN.
    {"plain",
     "cap_add NET_ADMIN, cap_drop CHOWN",
     {"sh", "-c", "c=0x$(grep CapBnd /proc/1/status | cut -f2); echo $((c >> 12 & 1))$((c & 1))"},
     "10"},
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
     "volume driver_opts: a tmpfs of 1000 inodes",
     {"stat", "-f", "-c", "%c", "/data"},
     "1000"},
    {"plain", "an external volume", {"grep", "-c", " /outside ", "/proc/mounts"}, "1"},
    {"plain",
     "ipv4_address on the first network (highest priority)",
     {"grep", "-c", "10.97.1.7", "/etc/hosts"},
     "1"},
    {"plain", "ipv6_address", {"cat", "/proc/net/if_inet6"}, "fd000097000000000000000000000007"},
    {"terminal",
     "entrypoint and command",
     {"sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"},
     "sleep infinity "},
    {"terminal", "tty", {"readlink", "/proc/1/fd/1"}, "/dev/pts/0"},
    {"terminal",
     "stdin_open: stdin is the terminal too",
     {"readlink", "/proc/1/fd/0"},
     "/dev/pts/0"},
    {"terminal", "user", {"grep", "^Uid:", "/proc/1/status"}, "1000\t1000"},
    {"terminal", "working_dir", {"readlink", "/proc/1/cwd"}, "/tmp"},
    {"terminal", "hostname", {"cat", "/proc/sys/kernel/hostname"}, "terminal-host"},
};

const std::vector<Effect> docker_effects = {
    {"linker", "links: the alias resolves", {"getent", "hosts", "lender-alias"}, "lender-alias"},
    // docker-compose links the container under SERVICE-1 (and its own name) too.
    {"linker", "links: SERVICE-1 resolves", {"getent", "hosts", "lender-1"}, "lender-1"},
};

const std::vector<Effect> podman_effects = {
    // On a network Docker writes its own resolver (127.0.0.11) into resolv.conf.
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
    {"limits", "mem_swappiness", {"cat", "/sys/fs/cgroup/memory/memory.swappiness"}, "10"},
    {"limits", "cpus", {"cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"}, "50000"},
    {"limits", "cpu_shares", {"cat", "/sys/fs/cgroup/cpu/cpu.shares"}, "512"},
    {"limits", "cpu_rt_period", {"cat", "/sys/fs/cgroup/cpu/cpu.rt_period_us"}, "500000"},
    {"limits",
     "oom_kill_disable",
     {"cat", "/sys/fs/cgroup/memory/memory.oom_control"},
     "oom_kill_disable 1"},
    {"limits", "device_cgroup_rules", {"cat", "/sys/fs/cgroup/devices/devices.list"}, "c 1:9 rwm"},
    {"limits", "cpuset", {"cat", "/sys/fs/cgroup/cpuset/cpuset.cpus"}, "0"},
    {"limits", "pids_limit", {"cat", "/sys/fs/cgroup/pids/pids.max"}, "64"},
    {"limits", "cgroup_parent", {"cat", "/proc/1/cgroup"}, "berth-keys-test"},
    {"deployed",
     "deploy.resources.limits.cpus",
     {"cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"},
     "25000"},
    {"deployed",
     "deploy.resources.limits.memory",
     {"cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"},
     "50331648"},
    {"deployed", "deploy.resources.limits.pids", {"cat", "/sys/fs/cgroup/pids/pids.max"}, "32"},
    {"deployed",
     "deploy.resources.reservations.memory",
     {"cat", "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes"},
     "16777216"},
    {"quota", "cpu_period", {"cat", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"}, "50000"},
    {"quota", "cpu_quota", {"cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"}, "25000"},
};

// The three backends' runs go in parallel: each takes subnets of its own,
// in 10.0.0.0/8, where neither engine picks pools by itself (dockerd takes
// 172.17-31 and then 192.168.0.0/16 in /20s, Podman 10.88 and up, slowly).
std::string with_own_subnet(std::string text) {
    const std::string own = own_octet();
    for (const char* pattern : {"10.97.", "fd00:97:", "fd000097"}) {
        const std::string from = pattern;
        std::string to = from;
        to.replace(to.find("97"), 2, own);
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + 1))
            text.replace(at, to.size(), to);
    }
    return text;
}

/// One check of the engine's own inspect answer: a JSON pointer into it and
/// the value it must hold.
struct Inspected {
    const char* service;  ///< or "network NAME" for a network of the project
    const char* what;
    std::string path;  ///< "" for the compatible inspect; "/libpod" for Podman's own
    const char* pointer;
    nlohmann::json expected;
};

std::vector<Inspected> inspections() {
    std::vector<Inspected> checks = {
        {"terminal", "expose", "", "/Config/ExposedPorts/7000~1tcp", nlohmann::json::object()},
        {"terminal", "restart", "", "/HostConfig/RestartPolicy/Name", "on-failure"},
        {"terminal", "restart: the count", "", "/HostConfig/RestartPolicy/MaximumRetryCount", 3},
        {"plain", "deploy.restart_policy", "", "/HostConfig/RestartPolicy/Name", "on-failure"},
        {"plain", "deploy.restart_policy.max_attempts", "",
         "/HostConfig/RestartPolicy/MaximumRetryCount", 2},
        {"plain", "stop_grace_period", "", "/Config/StopTimeout", 3},
        {"terminal", "labels", "", "/Config/Labels/test.label", "terminal"},
        {"terminal", "logging.driver", "", "/HostConfig/LogConfig/Type", "json-file"},
        {"plain", "ipc", "", "/HostConfig/IpcMode", "shareable"},
        {"terminal", "ports[].mode host", "", "/HostConfig/PortBindings/7001~1tcp/0/HostIp",
         "127.0.0.1"},
        {"network back", "enable_ipv6", "", "/EnableIPv6", true},
        {"network back", "internal", "", "/Internal", true},
        {"network back", "labels", "", "/Labels/test.network", "back"},
        {"network front", "ipam gateway", "", "/IPAM/Config/0/Gateway",
         with_own_subnet("10.97.1.1")},
        {"volume data", "labels", "", "/Labels/test.volume", "data"},
    };
    if (engine().backend().is_podman()) {
        // Podman writes the signal's number.
        checks.push_back({"plain", "stop_signal", "", "/Config/StopSignal", "2"});
        // Podman's compatible inspect leaves these out; its own says them.
        checks.push_back(
            {"terminal", "logging.options", "/libpod", "/HostConfig/LogConfig/Size", "1MB"});
        checks.push_back({"terminal", "runtime", "/libpod", "/OCIRuntime", "runc"});
        checks.push_back({"network front", "ipam ip_range", "/libpod",
                          "/subnets/0/lease_range/end_ip", with_own_subnet("10.97.1.127")});
    } else {
        checks.push_back({"plain", "stop_signal", "", "/Config/StopSignal", "SIGINT"});
        checks.push_back(
            {"terminal", "logging.options", "", "/HostConfig/LogConfig/Config/max-size", "1m"});
        checks.push_back({"terminal", "runtime", "", "/HostConfig/Runtime", "runc"});
        checks.push_back({"network front", "ipam ip_range", "", "/IPAM/Config/0/IPRange",
                          with_own_subnet("10.97.1.0/25")});
    }
    return checks;
}

void check_effects(const KeysProject& project, const std::vector<Effect>& effects) {
    // The execs run at once (the engine takes them in parallel); the checks
    // follow in order.
    std::vector<std::future<ExecResult>> results;
    for (const auto& effect : effects) {
        std::vector<std::string> command;
        for (const auto& word : effect.command)
            command.push_back(with_own_subnet(word));
        results.push_back(std::async(std::launch::async,
                                     [container = project.container(effect.service), command] {
                                         return engine().exec(container, command);
                                     }));
    }
    for (std::size_t index = 0; index < effects.size(); ++index) {
        const Effect& effect = effects[index];
        const std::string what = effect.what;
        CAPTURE(what);
        const ExecResult result = results[index].get();
        CAPTURE(result.stdout_text);
        CAPTURE(result.stderr_text);
        if (effect.expect_failure) {
            CHECK(result.exit_code != 0);
        } else {
            CHECK(result.exit_code == 0);
            CHECK(result.stdout_text.find(with_own_subnet(effect.expected)) != std::string::npos);
        }
    }
}

void check_inspections(const KeysProject& project) {
    for (const auto& check : inspections()) {
        const std::string what = check.what;
        CAPTURE(what);
        const std::string owner = check.service;
        const std::string path =
            owner.rfind("network ", 0) == 0
                ? check.path + "/networks/" + project.name() + "_" + owner.substr(8) +
                      (check.path.empty() ? "" : "/json")
            : owner.rfind("volume ", 0) == 0
                ? "/volumes/" + project.name() + "_" + owner.substr(7)
                : check.path + "/containers/" + project.container(owner) + "/json";
        const nlohmann::json answer = inspected(path);
        const nlohmann::json::json_pointer pointer(check.pointer);
        CAPTURE(answer.dump());
        REQUIRE(answer.contains(pointer));
        CHECK(answer.at(pointer) == check.expected);
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

/// An engine message with the ids of containers and other numbers in it
/// written as N, so that the probe's and berth's can be compared.
std::string comparable(const std::string& message) {
    static const std::regex id("[0-9a-f]{12,64}|[0-9]+");
    return std::regex_replace(message, id, "N");
}

/// Removes a volume made outside the project at scope exit.
class OutsideVolume {
  public:
    OutsideVolume() : name_(unique_name("berth-keys-outside")) {
        engine().volume_create({.name = name_});
    }
    ~OutsideVolume() {
        try {
            engine().volume_remove(name_, true);
        } catch (const std::exception& error) {
            std::cerr << "cleanup of volume " << name_ << ": " << error.what() << std::endl;
        }
    }
    const std::string& name() const { return name_; }

  private:
    std::string name_;
};

/// Removes a network made outside the project at scope exit.
class OutsideNetwork {
  public:
    OutsideNetwork() : name_(unique_name("berth-keys-outside")) {
        NetworkSpec spec;
        spec.name = name_;
        // Of the run's own: one the engine picks may be the shared project's.
        spec.ipam_pools.push_back({"10." + own_octet() + ".6.0/24", "", "", {}});
        engine().network_create(spec);
    }
    ~OutsideNetwork() {
        try {
            engine().network_remove(name_);
        } catch (const std::exception& error) {
            std::cerr << "cleanup of network " << name_ << ": " << error.what() << std::endl;
        }
    }
    const std::string& name() const { return name_; }

  private:
    std::string name_;
};

bool limits_apply() {
    return has_controller("memory") && has_controller("cpu") && has_controller("cpuset") &&
           has_controller("pids");
}

/// The shared project: the keys every engine applies, the limits and links
/// where this engine has them, and the engine-dependent keys it applies.
std::string shared_stack_text(const std::string& outside_volume,
                              const std::string& outside_network) {
    std::string services = std::string(everywhere_services) +
                           (limits_apply() ? limit_services : "") +
                           (engine().backend().is_podman() ? "" : docker_services);
    for (const auto& judged : judged_keys()) {
        if (judged.fate == Fate::applied)
            services += service_yaml(judged.key);
    }
    std::string text = with_own_subnet("services:" + services + project_tail);
    auto put = [&text](const std::string& placeholder, const std::string& value) {
        text.replace(text.find(placeholder), placeholder.size(), value);
    };
    put("EXTERNAL_VOLUME", outside_volume);
    put("EXTERNAL_NETWORK", outside_network);
    const NetworkVerdict& network = network_verdict();
    const std::string pool = with_own_subnet("ip_range: 10.97.1.0/25");
    if (network.auxiliary_kept)
        put(pool, pool + with_own_subnet(", aux_addresses: {reserved: 10.97.1.2}"));
    if (network.warning.empty() && network.option_kept)
        put("  front:\n",
            "  front:\n    driver_opts: {com.docker.network.bridge.enable_icc: \"true\"}\n");
    return text;
}

}  // namespace

TEST_CASE("every key up applies reaches the running containers") {
    const bool limits = limits_apply();
    const bool docker = !engine().backend().is_podman();
    const NetworkVerdict& network = network_verdict();
    const bool option_applied = network.warning.empty() && network.option_kept;
    OutsideVolume outside;
    OutsideNetwork outside_network;
    const std::string text = shared_stack_text(outside.name(), outside_network.name());
    KeysProject project(text);
    project.up();
    check_effects(project, everywhere_effects);
    check_effects(project, docker ? docker_effects : podman_effects);
    if (limits)
        check_effects(project, limit_effects);
    // The keys whose fate depends on the engine, where it applies them: the
    // same look inside as at the engine's own container.
    for (const auto& judged : judged_keys()) {
        if (judged.fate != Fate::applied)
            continue;
        const std::string key = judged.key.key;
        CAPTURE(key);
        auto result = observe(project.container(judged.key.service), judged.key.probe);
        CAPTURE(result.stdout_text);
        CHECK(judged.key.applied(result.stdout_text));
    }
    check_inspections(project);
    const std::string front = "/networks/" + project.name() + "_front";
    if (option_applied) {
        CHECK(inspected(front)["Options"].value("com.docker.network.bridge.enable_icc", "") ==
              "true");
    }
    if (network.auxiliary_kept) {
        CHECK(inspected(front)["IPAM"]["Config"][0]["AuxiliaryAddresses"]["reserved"] ==
              with_own_subnet("10.97.1.2"));
    }

    auto plain = engine().container_inspect(project.container("plain"));
    CHECK(plain.state.running);
    bool on_front = false;
    for (const auto& network : plain.networks) {
        if (network.network.find("front") == std::string::npos)
            continue;
        on_front = true;
        CHECK(network.ip_address == with_own_subnet("10.97.1.7"));
        CHECK(std::find(network.aliases.begin(), network.aliases.end(), "plain-front") !=
              network.aliases.end());
    }
    CHECK(on_front);
    CHECK(plain.networks.size() == 2);
    bool made = std::filesystem::is_directory(project.folder() / "made-by-engine");
    CHECK(made);
    bool on_outside = false;
    for (const auto& network : engine().container_inspect(project.container("lender")).networks)
        on_outside = on_outside || network.network == outside_network.name();
    CHECK(on_outside);  // an external network
    // The namespace service shares the host's PID namespace: its PID 1 is not sleep.
    auto comm = engine().exec(project.container("namespaces"), {"cat", "/proc/1/comm"});
    CHECK(comm.stdout_text != "sleep\n");
    auto host_name =
        engine().exec(project.container("namespaces"), {"cat", "/proc/sys/kernel/hostname"});
    char buffer[256] = {};
    ::gethostname(buffer, sizeof buffer);
    CHECK(host_name.stdout_text == std::string(buffer) + "\n");
}

namespace {

void check_engine_dependent_refusals() {
    // The keys whose fate depends on the engine, as its own container showed:
    // a dropped field or a refused create is refused before anything is made;
    // a warning or a refused start fails up with the engine's words.
    for (const auto& judged : judged_keys()) {
        if (judged.fate == Fate::applied)
            continue;
        const std::string key = judged.key.key;
        const std::string service = judged.key.service;
        CAPTURE(key);
        CAPTURE(judged.verdict.create_error);
        CAPTURE(judged.verdict.start_error);
        CAPTURE(judged.verdict.inside);
        KeysProject project("services:\n" + service_yaml(judged.key));
        if (judged.fate == Fate::dropped || judged.fate == Fate::refused_at_create) {
            const std::string message = refusal_of(project);
            CAPTURE(message);
            CHECK(message.find("nothing was created") != std::string::npos);
            CHECK(message.find("service " + service + ": " + key + ": ") != std::string::npos);
        } else {
            std::string message;
            try {
                project.up();
            } catch (const ServiceFailed& failed) {
                CHECK(failed.service() == service);
                message = failed.what();
            }
            CAPTURE(message);
            CHECK(message.rfind("service " + service + ": the engine ", 0) == 0);
            for (const auto& warning : judged.verdict.warnings)
                CHECK(message.find("\n  engine says: " + warning) != std::string::npos);
            if (judged.fate == Fate::refused_at_start) {
                CHECK(comparable(message).find(comparable(judged.verdict.start_error)) !=
                      std::string::npos);
            }
            if (key == "cpu_rt_runtime")
                CHECK(message.find("\n  hint: cpu_rt_runtime: ") != std::string::npos);
            CHECK(message.find("\n  hint: ") != std::string::npos);
        }
        CHECK(project.nothing_left());
    }
}

void check_network_refusals() {
    // A network option the engine does not know (Podman warns, and leaves
    // it out), and auxiliary addresses it drops.
    const NetworkVerdict& network = network_verdict();
    CAPTURE(network.warning);
    if (!network.warning.empty() || !network.option_kept) {
        KeysProject project(R"(
services:
  joined:
    image: berth/debian:bookworm
    command: [sleep, infinity]
    networks: [optioned]
networks:
  optioned:
    driver_opts: {com.docker.network.bridge.enable_icc: "true"}
)");
        std::string message;
        try {
            project.up();
        } catch (const UsageError& error) {
            message = error.what();
        }
        CAPTURE(message);
        CHECK(message.rfind("network optioned: the engine warned when it created ", 0) == 0);
        CHECK(message.find("\n  engine says: " + network.warning) != std::string::npos);
        CHECK(project.nothing_left());
    }
    if (!network.auxiliary_kept) {
        KeysProject project(R"(
services:
  joined:
    image: berth/debian:bookworm
    networks: [reserving]
networks:
  reserving:
    ipam: {config: [{subnet: 192.168.90.0/24, aux_addresses: {reserved: 192.168.90.2}}]}
)");
        const std::string message = refusal_of(project);
        CAPTURE(message);
        CHECK(message.find("network reserving: ipam.config[0].aux_addresses.reserved: ") !=
              std::string::npos);
        CHECK(project.nothing_left());
    }
}

void check_limit_refusals() {
    // cgroup limits where the engine's containers have no controllers
    // (rootless Podman without delegation only warns and runs them unlimited).
    if (!limits_apply()) {
        KeysProject project("services:" + std::string(limit_services));
        const std::string message = refusal_of(project);
        CAPTURE(message);
        CHECK(message.find("nothing was created") != std::string::npos);
        for (const char* key : {"mem_limit", "memswap_limit", "mem_reservation", "mem_swappiness",
                                "cpus", "cpu_shares", "cpuset", "pids_limit", "cgroup_parent",
                                "cpu_rt_period", "oom_kill_disable", "device_cgroup_rules"}) {
            CHECK(message.find("service limits: " + std::string(key) + ": ") != std::string::npos);
        }
        for (const char* key :
             {"deploy.resources.limits.cpus", "deploy.resources.limits.memory",
              "deploy.resources.limits.pids", "deploy.resources.reservations.memory"})
            CHECK(message.find("service deployed: " + std::string(key) + ": ") !=
                  std::string::npos);
        CHECK(message.find("service quota: cpu_period: ") != std::string::npos);
        CHECK(message.find("cannot enforce it: its containers have no") != std::string::npos);
        CHECK(project.nothing_left());
    }
}

void check_links_refusal() {
    // Podman's compatible API takes links and ignores them.
    if (engine().backend().is_podman()) {
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
        const std::string message = refusal_of(project);
        CAPTURE(message);
        CHECK(message.find("service client: links: podman ") != std::string::npos);
        CHECK(message.find("accepts it through its Docker-compatible API and then ignores it") !=
              std::string::npos);
        CHECK(project.nothing_left());
    }
}

}  // namespace

TEST_CASE("what the engine drops or refuses is refused up front, or fails up, leaving nothing") {
    check_engine_dependent_refusals();
    check_network_refusals();
    check_limit_refusals();
    check_links_refusal();
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

int main(int argc, char** argv) {
    return run_suite(argc, argv, /*needs_base_image=*/true, /*leftovers_prefix=*/"berth-keys");
}
