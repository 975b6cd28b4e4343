#include "orchestrate/refused_keys.hpp"

#include <berth/compose/serialize.hpp>
#include <berth/engine.hpp>
#include <berth/errors.hpp>

#include <algorithm>
#include <optional>
#include <string_view>
#include <tuple>

namespace berth::orchestrate {

namespace {

using nlohmann::json;

/// A key path `up` applies, as `berth config` prints it: `*` stands for any
/// name (a variable, a network), `[]` for any list item. `values`, when
/// given, are the only values up applies for that key. `min_api`: the Docker
/// API version its engine field needs; `cgroup`: the cgroup controller that
/// enforces it (rootless Podman without delegation ignores such limits with
/// a mere warning, so berth refuses them there).
struct Honoured {
    std::string_view path;
    std::vector<std::string_view> values = {};
    std::string_view min_api = {};
    std::string_view cgroup = {};
    /// Refused on Podman ("podman") or on rootless Podman only
    /// ("podman-rootless"), whose compatible API accepts the field and drops it.
    std::string_view dropped_by = {};
    /// A row of `setups` that says, from the engine's /info, whether its
    /// storage or cgroups can apply the key at all.
    std::string_view needs = {};
    /// Values an engine that drops the key still honours, being its default.
    std::vector<std::string_view> kept = {};
};

/// The reason an engine set up like this cannot apply a key, or "" when it
/// can (or cannot tell, and leaves it to the engine).
struct Setup {
    std::string_view name;
    std::string (*refusal)(const EngineFacts& facts, const std::string& engine);
};

const Setup setups[] = {
    // Both engines' overlay drivers refuse the container at create, with
    // "--storage-opt is supported only for overlay over xfs with 'pquota'
    // mount option" (dockerd 20.10, Podman 4.3, rootless too).
    {"storage quota",
     [](const EngineFacts& facts, const std::string& engine) -> std::string {
         if (facts.storage_driver.rfind("overlay", 0) != 0 || facts.backing_filesystem.empty() ||
             facts.backing_filesystem == "xfs")
             return "";
         return engine + " keeps containers on its " + facts.storage_driver +
                " storage driver over " + facts.backing_filesystem +
                ", which takes no storage options: overlay enforces them only over xfs mounted "
                "with pquota (the engine refuses such a container at create)";
     }},
    {"realtime cgroup",
     [](const EngineFacts& facts, const std::string& engine) -> std::string {
         if (facts.cgroup_version != "2")
             return "";
         return engine +
                " runs containers in cgroup v2, which has no real-time CPU settings per "
                "group (cpu.rt_period_us and cpu.rt_runtime_us exist only in cgroup v1)";
     }},
};

// What container_spec() and up.cpp apply today. A key not listed here is
// refused, so extending up means adding its path here.
const std::vector<Honoured> honoured_service_keys = {
    {"image"},
    {"build.context"},
    {"build.dockerfile"},
    {"build.args.*"},
    {"build.labels.*"},
    {"build.target"},
    // Build keys the engines' build API takes (images.cpp, service_spec.cpp).
    {"build.dockerfile_inline"},
    {"build.tags"},
    {"build.network"},
    {"build.shm_size"},
    {"build.extra_hosts"},
    {"build.cache_from"},
    {"build.no_cache"},
    {"build.pull"},
    // One platform; build_options() refuses several.
    {"build.platforms"},
    {"command"},
    {"entrypoint"},
    {"environment.*"},
    {"labels.*"},
    {"container_name"},
    {"hostname"},
    // Podman's compatible API (4.3) drops it: the container's domain name stays unset.
    {.path = "domainname", .dropped_by = "podman"},
    {"user"},
    {"working_dir"},
    {"tty"},
    {"stdin_open"},
    {"init"},
    {"privileged"},
    {"ports[].target"},
    {"ports[].published"},
    {"ports[].host_ip"},
    {"ports[].protocol"},
    // host is how an engine publishes a container's port; ingress is Swarm's.
    {"ports[].mode", {"host"}},
    // Descriptive only: compose itself uses them for display.
    {"ports[].name"},
    {"ports[].app_protocol"},
    {"expose"},
    {"volumes[].type", {"bind", "volume", "tmpfs"}},
    {"volumes[].source"},
    {"volumes[].target"},
    {"volumes[].read_only"},
    // The engine's mount API refuses a missing host folder with an error of
    // its own rather than creating it; the short syntax always sets this.
    {"volumes[].bind.create_host_path"},
    {"volumes[].tmpfs.size"},
    {"volumes[].tmpfs.mode"},
    {"volumes[].bind.propagation"},
    // Relabelling is a no-op on hosts without SELinux, for the engines too.
    {"volumes[].bind.selinux"},
    {"volumes[].bind.recursive", {"enabled", "disabled"}, "1.40"},
    // Podman's compatible API (4.3) drops NoCopy: it copies the image's files in.
    {.path = "volumes[].volume.nocopy", .dropped_by = "podman"},
    // Podman's compatible API (4.3) drops them from the volume it makes.
    {.path = "volumes[].volume.labels.*", .dropped_by = "podman"},
    // No effect on Linux hosts, for docker either.
    {"volumes[].consistency"},
    {"tmpfs"},
    {"cap_add"},
    {"cap_drop"},
    {"security_opt"},
    {"devices"},
    {"ulimits.*.soft", {}, {}, {}, "podman-rootless"},
    {"ulimits.*.hard", {}, {}, {}, "podman-rootless"},
    {"extra_hosts"},
    {"sysctls.*"},
    {"shm_size"},
    {"healthcheck.test"},
    {"healthcheck.interval"},
    {"healthcheck.timeout"},
    {"healthcheck.start_period"},
    {"healthcheck.start_interval"},
    {"healthcheck.retries"},
    {"healthcheck.disable"},
    {"stop_signal"},
    {"stop_grace_period"},
    {"restart"},
    {"network_mode"},
    {"networks.*.aliases"},
    {"networks.*.ipv4_address"},
    {"networks.*.ipv6_address"},
    {.path = "networks.*.link_local_ips", .dropped_by = "podman"},
    {"networks.*.priority"},
    // Resources and namespaces: service_spec.cpp's tables, one row each.
    {"read_only"},
    {"mem_limit", {}, {}, "memory"},
    {"memswap_limit", {}, {}, "memory"},
    {"mem_reservation", {}, {}, "memory"},
    {"mem_swappiness", {}, {}, "memory"},
    {"oom_kill_disable", {}, {}, "memory"},
    {"cpus", {}, {}, "cpu"},
    {"cpu_shares", {}, {}, "cpu"},
    {"cpu_period", {}, {}, "cpu"},
    {"cpu_quota", {}, {}, "cpu"},
    // On cgroup v1 the period applies; a runtime needs a real-time budget in
    // the engine's parent cgroup, which no engine reports: the start fails
    // without one (up says so, naming the key).
    {.path = "cpu_rt_period", .cgroup = "cpu", .needs = "realtime cgroup"},
    {.path = "cpu_rt_runtime", .cgroup = "cpu", .needs = "realtime cgroup"},
    {"cpuset", {}, {}, "cpuset"},
    {"pids_limit", {}, {}, "pids"},
    {"device_cgroup_rules", {}, {}, "devices"},
    {"deploy.resources.limits.memory", {}, {}, "memory"},
    {"deploy.resources.limits.cpus", {}, {}, "cpu"},
    {"deploy.resources.limits.pids", {}, {}, "pids"},
    {"deploy.resources.reservations.memory", {}, {}, "memory"},
    {"deploy.restart_policy.condition"},
    {"deploy.restart_policy.max_attempts"},
    {"oom_score_adj"},
    {"dns"},
    {"dns_search"},
    {"dns_opt"},
    {"pid"},
    {"ipc"},
    {"uts"},
    {"userns_mode"},
    // Podman's compatible API (4.3) drops CgroupnsMode: the container stays in
    // the cgroup namespace Podman picks (the host's on cgroup v1).
    {.path = "cgroup", .min_api = "1.41", .dropped_by = "podman"},
    // Rootless Podman without cgroups would drop it as it drops limits.
    {"cgroup_parent", {}, {}, "*"},
    {"group_add"},
    {"volumes_from"},
    // Podman's compatible API has no links (a Docker legacy it never had).
    {"links", {}, {}, {}, "podman"},
    {"runtime"},
    {"mac_address", {}, {}, {}, "podman"},
    {"logging.driver"},
    {"logging.options.*"},
    {.path = "storage_opt.*", .needs = "storage quota"},
    {"depends_on.*.condition"},
    // The number of containers; the rest of deploy is not applied yet.
    {"scale"},
    {"deploy.replicas"},
    {"deploy.mode", {"replicated"}},
    {"depends_on.*.required"},
    // The loader applies these: profiles choose services, env_file was read.
    {"profiles"},
    // pull_policy.cpp; every_<duration> is checked when up runs.
    {"pull_policy",
     {"never", "missing", "build", "if_not_present", "always", "daily", "weekly", "every_*"}},
    // Secrets and configs, copied in through the archive API (service_files.cpp).
    {"secrets[].source"},
    {"secrets[].target"},
    {"secrets[].uid"},
    {"secrets[].gid"},
    {"secrets[].mode"},
    {"configs[].source"},
    {"configs[].target"},
    {"configs[].uid"},
    {"configs[].gid"},
    {"configs[].mode"},
    // Hooks, run through exec (hooks.cpp).
    {"post_start[].command"},
    {"post_start[].user"},
    {"post_start[].privileged"},
    {"post_start[].working_dir"},
    {"post_start[].environment.*"},
    {"pre_stop[].command"},
    {"pre_stop[].user"},
    {"pre_stop[].privileged"},
    {"pre_stop[].working_dir"},
    {"pre_stop[].environment.*"},
    // Compose reads develop only in `watch`, which berth does not have; up
    // ignores it exactly as `docker compose up` does.
    {"develop"},
};

// make_networks() and make_volumes() apply these to the networks and
// volumes the selected services use.
const std::vector<Honoured> honoured_network_keys = {
    {"name"},
    {"driver"},
    {"labels.*"},
    {"internal"},
    {"attachable"},
    {"enable_ipv6"},
    {"external"},
    {"driver_opts.*"},
    // Podman's compatible API (4.3) keeps its own IPAM and drops the driver
    // named, the IPAM options and the auxiliary addresses.
    {.path = "ipam.driver", .dropped_by = "podman", .kept = {"default"}},
    {.path = "ipam.options.*", .dropped_by = "podman"},
    {"ipam.config[].subnet"},
    {"ipam.config[].ip_range"},
    {"ipam.config[].gateway"},
    {.path = "ipam.config[].aux_addresses.*", .dropped_by = "podman"},
};
const std::vector<Honoured> honoured_volume_keys = {
    {"name"}, {"driver"}, {"driver_opts.*"}, {"labels.*"}, {"external"},
};

// Why a key is refused, where there is more to say than "not yet": the
// first row whose path starts the key's path.
const std::vector<std::pair<std::string_view, std::string_view>> reasons = {
    {"deploy.resources.reservations.cpus",
     "a CPU reservation is a Swarm scheduling option; no engine field guarantees CPU time to "
     "one container (limit it with cpus or deploy.resources.limits.cpus)"},
    {"deploy.resources.reservations.devices",
     "berth does not request devices (GPUs) from the engine yet"},
    {"deploy.resources.reservations.generic_resources", "a Swarm scheduling option"},
    {"deploy.restart_policy.delay",
     "the engine's restart policy has no delay (it backs off by itself)"},
    {"deploy.restart_policy.window", "the engine's restart policy has no window"},
    {"deploy", "a Swarm option: berth runs containers on one engine, not Swarm services"},
    {"networks.*.mac_address",
     "a MAC address per network needs Docker API 1.44; berth speaks 1.41 (use the service's "
     "mac_address, which applies to its first network)"},
    {"networks.*.interface_name", "needs Docker API 1.49; berth speaks 1.41"},
    {"networks.*.gw_priority", "needs Docker API 1.48; berth speaks 1.41"},
    {"networks.*.driver_opts",
     "needs Docker API 1.47 for endpoint driver options; berth speaks 1.41"},
    {"volumes[].volume.subpath", "a volume subpath needs Docker API 1.45; berth speaks 1.41"},
    {"volumes[].bind.recursive",
     "'writable' and 'readonly' need Docker API 1.44; berth speaks 1.41"},
    {"volumes[].type",
     "image mounts need Docker API 1.48 (berth speaks 1.41); npipe and cluster "
     "volumes are not Linux engine mounts"},
    {"volumes[].image", "image mounts need Docker API 1.48; berth speaks 1.41"},
    {"enable_ipv4", "needs Docker API 1.47; berth speaks 1.41"},
    {"cpu_count", "a Windows-only limit"},
    {"cpu_percent", "a Windows-only limit"},
    {"credential_spec", "a Windows-only option"},
    {"isolation", "a Windows-only option"},
    {"annotations", "needs Docker API 1.43; berth speaks 1.41"},
    {"blkio_config",
     "berth does not apply it yet: the engines drop an I/O weight where the kernel's I/O "
     "scheduler has none, as on this machine (dockerd with a warning, Podman's compatible API "
     "silently), and berth does not map the device limits yet"},
    {"gpus", "berth does not request devices (GPUs) from the engine yet"},
    {"use_api_socket", "berth does not mount the engine's socket or credentials into containers"},
    {"pre_start", "berth runs no pre_start hooks (a one-off container before the service) yet"},
    {"pull_policy",
     "berth has no time-less refresh policy; use always, daily, weekly or every_<duration>"},
    {"build.secrets",
     "build secrets need a BuildKit session, which neither Docker's classic "
     "build API nor Podman's (4.3) build endpoint offers"},
    {"build.ssh",
     "SSH forwarding into a build needs a BuildKit session, which neither Docker's "
     "classic build API nor Podman's (4.3) build endpoint offers"},
    {"build.additional_contexts",
     "named build contexts are a BuildKit feature; Docker's classic "
     "build API and Podman's (4.3) build endpoint take one context"},
    {"provider", "berth runs no provider services"},
    {"ports[].mode",
     "ingress publishes through Swarm's routing mesh; an engine publishes a container's port "
     "on its own host (mode: host)"},
    {"attach",
     "berth's attached up (the docker-compose face) shows every service's output; it does not "
     "leave a service out yet"},
    {"external_links",
     "berth links only the project's own services; join the other container's network and use "
     "its name instead"},
    {"depends_on.*.restart",
     "berth does not restart a service when a service it depends on is restarted"},
    {"pull_refresh_after",
     "it goes with pull_policy: refresh, which berth does not have; use every_<duration>"},
    {"build.cache_to",
     "exporting a build cache is a BuildKit feature; the engines' build API "
     "(Docker's classic builder, Podman 4.3) has none"},
    {"build.entitlements",
     "entitlements are a BuildKit feature; the engines' build API (Docker's classic builder, "
     "Podman 4.3) has none"},
    {"build.privileged",
     "a privileged build is a BuildKit entitlement; the engines' build API (Docker's classic "
     "builder, Podman 4.3) has none"},
    {"build.provenance",
     "build attestations are a BuildKit feature; the engines' build API "
     "(Docker's classic builder, Podman 4.3) has none"},
    {"build.sbom",
     "build attestations are a BuildKit feature; the engines' build API (Docker's "
     "classic builder, Podman 4.3) has none"},
    {"build.isolation", "a Windows-only option"},
    {"build.ulimits", "berth does not pass limits to a build yet"},
    {"models", "berth runs no model runner"},
    {"platform", "berth does not choose an image platform"},
};

std::vector<std::string_view> split(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto dot = path.find('.', start);
        const auto end = dot == std::string_view::npos ? path.size() : dot;
        std::string_view part = path.substr(start, end - start);
        if (part.size() > 2 && part.substr(part.size() - 2) == "[]") {
            parts.push_back(part.substr(0, part.size() - 2));
            parts.push_back("[]");
        } else {
            parts.push_back(part);
        }
        start = end + 1;
    }
    return parts;
}

bool segment_matches(std::string_view pattern, const std::string& segment) {
    return pattern == segment || (pattern == "*" && segment != "[]");
}

// Whether some honoured path starts with `prefix` (generalised: list items
// as "[]"); with `exact`, whether one equals it, and then its values.
const Honoured* find_honoured(const std::vector<Honoured>& honoured,
                              const std::vector<std::string>& prefix, bool exact) {
    for (const auto& entry : honoured) {
        const auto parts = split(entry.path);
        if (parts.size() < prefix.size() || (exact && parts.size() != prefix.size())) {
            continue;
        }
        bool matches = true;
        for (std::size_t index = 0; index < prefix.size() && matches; ++index) {
            matches = segment_matches(parts[index], prefix[index]);
        }
        if (matches) {
            return &entry;
        }
    }
    return nullptr;
}

std::string reason_for(const std::vector<std::string>& generic) {
    for (const auto& [pattern, reason] : reasons) {
        const auto parts = split(pattern);
        bool matches = parts.size() <= generic.size();
        for (std::size_t index = 0; index < parts.size() && matches; ++index)
            matches = segment_matches(parts[index], generic[index]);
        if (matches)
            return std::string(reason);
    }
    return "berth up does not apply it yet";
}

// "1.40" < "1.41" < "1.100"
bool version_below(std::string_view version, std::string_view minimum) {
    auto number = [](std::string_view text, std::size_t& at) {
        int value = 0;
        while (at < text.size() && text[at] != '.')
            value = value * 10 + (text[at++] - '0');
        ++at;
        return value;
    };
    std::size_t at_version = 0;
    std::size_t at_minimum = 0;
    while (at_version < version.size() || at_minimum < minimum.size()) {
        const int left = number(version, at_version);
        const int right = number(minimum, at_minimum);
        if (left != right)
            return left < right;
    }
    return false;
}

/// What the engine was asked, once per check rather than once per key.
struct Asked {
    std::optional<std::set<std::string>> controllers;
    std::optional<EngineFacts> facts;
};

class Walker {
  public:
    Walker(const std::vector<Honoured>& honoured, const std::string& owner,
           std::vector<RefusedKey>& out, const EngineAbilities& engine, Asked& asked)
        : honoured_(honoured), owner_(owner), out_(out), engine_(engine), asked_(asked) {}

    void walk(const json& value, std::vector<std::string>& generic, const std::string& shown) {
        if (value.is_null()) {
            return;  // nothing set (a network joined with no options)
        }
        if (!generic.empty() && find_honoured(honoured_, generic, true)) {
            // An honoured key: its whole value is applied, if this engine can.
            if (!value.is_object() && !value.is_array()) {
                check_value(value, generic, shown);
            }
            check_engine(*find_honoured(honoured_, generic, true), value, shown);
            return;
        }
        if (!generic.empty() && !find_honoured(honoured_, generic, false)) {
            out_.push_back(RefusedKey{owner_, shown, reason_for(generic)});
            return;
        }
        if (value.is_object()) {
            for (const auto& [key, item] : value.items()) {
                if (key.rfind("x-", 0) == 0) {
                    continue;  // extensions mean nothing to berth, by definition
                }
                generic.push_back(key);
                walk(item, generic, shown.empty() ? key : shown + "." + key);
                generic.pop_back();
            }
        } else if (value.is_array()) {
            for (std::size_t index = 0; index < value.size(); ++index) {
                generic.push_back("[]");
                walk(value[index], generic, shown + "[" + std::to_string(index) + "]");
                generic.pop_back();
            }
        }
    }

  private:
    void check_value(const json& value, const std::vector<std::string>& generic,
                     const std::string& shown) {
        const Honoured& entry = *find_honoured(honoured_, generic, true);
        if (entry.values.empty() || !value.is_string()) {
            return;
        }
        const std::string text = value.get<std::string>();
        for (const auto& allowed : entry.values) {
            // "every_*" stands for every value with that prefix.
            if (text == allowed || (allowed.back() == '*' &&
                                    text.rfind(allowed.substr(0, allowed.size() - 1), 0) == 0)) {
                return;
            }
        }
        out_.push_back(
            RefusedKey{owner_, shown, "the value '" + text + "': " + reason_for(generic)});
    }

    void check_engine(const Honoured& entry, const json& value, const std::string& shown) {
        const bool kept =
            value.is_string() && std::find(entry.kept.begin(), entry.kept.end(),
                                           value.get<std::string>()) != entry.kept.end();
        if (!kept &&
            ((entry.dropped_by == "podman" && engine_.podman) ||
             (entry.dropped_by == "podman-rootless" && engine_.podman && engine_.rootless))) {
            out_.push_back(RefusedKey{owner_, shown,
                                      engine_.engine +
                                          " accepts it through its Docker-compatible API and "
                                          "then ignores it (seen on Podman 4.3)"});
        }
        if (!entry.min_api.empty() && !engine_.api_version.empty() &&
            version_below(engine_.api_version, entry.min_api)) {
            out_.push_back(RefusedKey{owner_, shown,
                                      "needs Docker API " + std::string(entry.min_api) + "; " +
                                          engine_.engine + " speaks " + engine_.api_version});
        }
        check_setup(entry, shown);
        if (entry.cgroup.empty() || !engine_.cgroup_controllers)
            return;
        if (!asked_.controllers)
            asked_.controllers = engine_.cgroup_controllers();
        const auto& controllers = *asked_.controllers;
        const bool any = entry.cgroup == "*";
        if (any ? controllers.empty() : controllers.count(std::string(entry.cgroup)) == 0) {
            const std::string missing =
                any ? "no cgroup controller at all"
                    : "no '" + std::string(entry.cgroup) + "' cgroup controller";
            out_.push_back(RefusedKey{
                owner_, shown,
                engine_.engine + " cannot enforce it: its containers have " + missing +
                    " (rootless Podman needs cgroup v2 with the controllers delegated to the "
                    "user; without them it only warns and runs the container unlimited)"});
        }
    }

    void check_setup(const Honoured& entry, const std::string& shown) {
        if (entry.needs.empty() || !engine_.facts)
            return;
        if (!asked_.facts)
            asked_.facts = engine_.facts();
        for (const auto& setup : setups) {
            if (setup.name != entry.needs)
                continue;
            if (auto reason = setup.refusal(*asked_.facts, engine_.engine); !reason.empty())
                out_.push_back(RefusedKey{owner_, shown, reason});
        }
    }

    const std::vector<Honoured>& honoured_;
    const std::string& owner_;
    std::vector<RefusedKey>& out_;
    const EngineAbilities& engine_;
    Asked& asked_;
};

}  // namespace

std::string RefusedKey::to_string() const {
    return owner + ": " + key_path + ": " + reason;
}

EngineAbilities engine_abilities(Engine& engine) {
    const BackendInfo& backend = engine.backend();
    EngineAbilities abilities;
    abilities.api_version = backend.api_version;
    abilities.engine = std::string(to_string(backend.kind)) + " " + backend.engine_version +
                       (backend.rootless ? " (rootless)" : " (rootful)");
    abilities.podman = backend.is_podman();
    abilities.rootless = backend.rootless;
    abilities.cgroup_controllers = [&engine] { return engine.cgroup_controllers(); };
    abilities.facts = [&engine] {
        // Docker's /info and Podman's compatible one both say these.
        const json info = json::parse(engine.info_json(), nullptr, false);
        EngineFacts facts;
        if (!info.is_object())
            return facts;
        facts.storage_driver = info.value("Driver", "");
        facts.cgroup_version = info.value("CgroupVersion", "");
        for (const auto& pair : info.value("DriverStatus", json::array())) {
            if (pair.is_array() && pair.size() == 2 && pair[0] == "Backing Filesystem" &&
                pair[1].is_string())
                facts.backing_filesystem = pair[1].get<std::string>();
        }
        return facts;
    };
    return abilities;
}

/// Keys an engine drops only in combination with another, which the
/// per-key table cannot say.
void refuse_dropped_combinations(const compose::Service& service, const std::string& owner,
                                 const EngineAbilities& engine, std::vector<RefusedKey>& out) {
    if (!engine.podman || service.network_mode != "none")
        return;
    for (const auto& [key, value] :
         {std::pair{"dns", &service.dns}, std::pair{"dns_search", &service.dns_search},
          std::pair{"dns_opt", &service.dns_opt}}) {
        if (!value->empty()) {
            out.push_back(RefusedKey{owner, key,
                                     engine.engine +
                                         " ignores it with network_mode: none (seen on Podman "
                                         "4.3: the container keeps no resolver settings)"});
        }
    }
}

std::vector<RefusedKey> refused_keys(const compose::Project& project,
                                     const std::set<std::string>& services,
                                     const EngineAbilities& engine) {
    std::vector<RefusedKey> result;
    Asked asked;
    const json printed = compose::to_json(project);
    std::set<std::string> networks;
    std::set<std::string> volumes;
    for (const auto& service : project.services) {
        if (!services.empty() && services.count(service.name) == 0) {
            continue;
        }
        for (const auto& [key, attachment] : service.networks) {
            networks.insert(key);
        }
        for (const auto& volume : service.volumes) {
            if (volume.type == compose::ServiceVolume::Type::volume && !volume.source.empty()) {
                volumes.insert(volume.source);
            }
        }
        std::vector<std::string> generic;
        const std::string owner = "service " + service.name;
        Walker(honoured_service_keys, owner, result, engine, asked)
            .walk(printed["services"][service.name], generic, "");
        refuse_dropped_combinations(service, owner, engine, result);
    }
    for (const auto& [section, kind, used, table] :
         {std::tuple{"networks", "network ", &networks, &honoured_network_keys},
          std::tuple{"volumes", "volume ", &volumes, &honoured_volume_keys}}) {
        for (const auto& key : *used) {
            if (!printed.contains(section) || !printed[section].contains(key)) {
                continue;
            }
            std::vector<std::string> generic;
            const std::string owner = kind + key;
            Walker(*table, owner, result, engine, asked).walk(printed[section][key], generic, "");
        }
    }
    return result;
}

void refuse_unapplied_keys(const compose::Project& project, const std::set<std::string>& services,
                           const EngineAbilities& engine) {
    const auto refused = refused_keys(project, services, engine);
    if (refused.empty()) {
        return;
    }
    std::string message = "berth up cannot start project " + project.name +
                          " as written; nothing was created. Keys it does not apply:";
    for (const auto& key : refused) {
        message += "\n  " + key.to_string();
    }
    throw UsageError(message);
}

}  // namespace berth::orchestrate
