#include "orchestrate/refused_keys.hpp"

#include <berth/compose/serialize.hpp>
#include <berth/errors.hpp>

#include <string_view>
#include <tuple>

namespace berth::orchestrate {

namespace {

using nlohmann::json;

/// A key path `up` applies, as `berth config` prints it: `*` stands for any
/// name (a variable, a network), `[]` for any list item. `values`, when
/// given, are the only values up applies for that key.
struct Honoured {
    std::string_view path;
    std::vector<std::string_view> values = {};
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
    {"command"},
    {"entrypoint"},
    {"environment.*"},
    {"labels.*"},
    {"container_name"},
    {"hostname"},
    {"domainname"},
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
    // No effect on Linux hosts, for docker either.
    {"volumes[].consistency"},
    {"tmpfs"},
    {"cap_add"},
    {"cap_drop"},
    {"security_opt"},
    {"devices"},
    {"ulimits.*.soft"},
    {"ulimits.*.hard"},
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
    {"depends_on.*.condition"},
    // The number of containers; the rest of deploy is not applied yet.
    {"scale"},
    {"deploy.replicas"},
    {"deploy.mode", {"replicated"}},
    {"depends_on.*.required"},
    // The loader applies these: profiles choose services, env_file was read.
    {"profiles"},
    // berth never pulls: an image must be built or loaded, which is what
    // these policies allow.
    {"pull_policy", {"never", "missing", "build", "if_not_present"}},
    // Compose reads develop only in `watch`, which berth does not have; up
    // ignores it exactly as `docker compose up` does.
    {"develop"},
};

// make_networks() and make_volumes() apply these to the networks and
// volumes the selected services use.
const std::vector<Honoured> honoured_network_keys = {
    {"name"}, {"driver"}, {"labels.*"}, {"internal"}, {"attachable"}, {"enable_ipv6"}, {"external"},
};
const std::vector<Honoured> honoured_volume_keys = {
    {"name"}, {"driver"}, {"driver_opts.*"}, {"labels.*"}, {"external"},
};

// Why a key is refused, where there is more to say than "not yet".
const std::vector<std::pair<std::string_view, std::string_view>> reasons = {
    {"deploy", "berth applies only deploy.replicas (and mode replicated) of deploy yet"},
    {"secrets", "berth does not put secrets into containers yet"},
    {"configs", "berth does not put configs into containers yet"},
    {"post_start", "berth runs no lifecycle hooks yet"},
    {"pre_start", "berth runs no lifecycle hooks yet"},
    {"pre_stop", "berth runs no lifecycle hooks yet"},
    {"pull_policy", "berth does not pull images; build or load them first"},
    {"provider", "berth runs no provider services"},
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

std::string reason_for(const std::string& top_key) {
    for (const auto& [key, reason] : reasons) {
        if (key == top_key) {
            return std::string(reason);
        }
    }
    return "berth up does not apply it yet";
}

class Walker {
  public:
    Walker(const std::vector<Honoured>& honoured, const std::string& owner,
           std::vector<RefusedKey>& out)
        : honoured_(honoured), owner_(owner), out_(out) {}

    void walk(const json& value, std::vector<std::string>& generic, const std::string& shown) {
        if (value.is_null()) {
            return;  // nothing set (a network joined with no options)
        }
        if (!generic.empty() && find_honoured(honoured_, generic, true)) {
            // An honoured key: its whole value is applied.
            if (!value.is_object() && !value.is_array()) {
                check_value(value, generic, shown);
            }
            return;
        }
        if (!generic.empty() && !find_honoured(honoured_, generic, false)) {
            out_.push_back(RefusedKey{owner_, shown, reason_for(generic.front())});
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
        for (const auto& allowed : entry.values) {
            if (value.get<std::string>() == allowed) {
                return;
            }
        }
        out_.push_back(RefusedKey{
            owner_, shown,
            "the value '" + value.get<std::string>() + "': " + reason_for(generic.front())});
    }

    const std::vector<Honoured>& honoured_;
    const std::string& owner_;
    std::vector<RefusedKey>& out_;
};

}  // namespace

std::string RefusedKey::to_string() const {
    return owner + ": " + key_path + ": " + reason;
}

std::vector<RefusedKey> refused_keys(const compose::Project& project,
                                     const std::set<std::string>& services) {
    std::vector<RefusedKey> result;
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
        Walker(honoured_service_keys, owner, result)
            .walk(printed["services"][service.name], generic, "");
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
            Walker(*table, owner, result).walk(printed[section][key], generic, "");
        }
    }
    return result;
}

void refuse_unapplied_keys(const compose::Project& project, const std::set<std::string>& services) {
    const auto refused = refused_keys(project, services);
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
