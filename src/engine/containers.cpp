// Container operations: create, start, stop, kill, remove, inspect, list,
// wait, logs and copying files in and out.

#include <berth/engine.hpp>

#include "engine/archive.hpp"
#include "engine/container_body.hpp"
#include "engine/engine_state.hpp"
#include "engine/streams.hpp"

namespace berth {

namespace {

using nlohmann::json;

std::int64_t nanoseconds(std::chrono::nanoseconds duration) {
    return duration.count();
}

json healthcheck_json(const Healthcheck& check) {
    json body = json::object();
    body["Test"] = check.test;
    if (check.interval.count())
        body["Interval"] = nanoseconds(check.interval);
    if (check.timeout.count())
        body["Timeout"] = nanoseconds(check.timeout);
    if (check.start_period.count())
        body["StartPeriod"] = nanoseconds(check.start_period);
    if (check.start_interval.count())
        body["StartInterval"] = nanoseconds(check.start_interval);
    if (check.retries)
        body["Retries"] = check.retries;
    return body;
}

std::optional<Healthcheck> parse_healthcheck(const json& raw) {
    if (!raw.is_object())
        return std::nullopt;
    Healthcheck check;
    check.test = string_list(raw, "Test");
    if (check.test.empty())
        return std::nullopt;
    auto duration = [&raw](const char* key) {
        return std::chrono::nanoseconds(integer_field<std::int64_t>(raw, key, 0));
    };
    check.interval = duration("Interval");
    check.timeout = duration("Timeout");
    check.start_period = duration("StartPeriod");
    check.start_interval = duration("StartInterval");
    check.retries = integer_field(raw, "Retries", 0);
    return check;
}

std::string port_key(const PortBinding& port) {
    return std::to_string(port.container_port) + "/" + port.protocol;
}

}  // namespace

namespace {

// Fields of the create body that copy one spec member as they are: the
// Docker API field name and the member. Both Docker and Podman's compat API
// take them; an unset or empty member is left out, so the engine's default holds.
template <typename Member>
struct Field {
    const char* name;
    Member member;
};

const Field<std::optional<std::int64_t> ResourceLimits::*> resource_numbers[] = {
    {"Memory", &ResourceLimits::memory_bytes},
    {"MemorySwap", &ResourceLimits::memory_swap_bytes},
    {"MemoryReservation", &ResourceLimits::memory_reservation_bytes},
    {"MemorySwappiness", &ResourceLimits::memory_swappiness},
    {"NanoCpus", &ResourceLimits::nano_cpus},
    {"CpuShares", &ResourceLimits::cpu_shares},
    {"CpuPeriod", &ResourceLimits::cpu_period},
    {"CpuQuota", &ResourceLimits::cpu_quota},
    {"CpuRealtimePeriod", &ResourceLimits::cpu_realtime_period},
    {"CpuRealtimeRuntime", &ResourceLimits::cpu_realtime_runtime},
    {"PidsLimit", &ResourceLimits::pids_limit},
};

const Field<std::string ContainerSpec::*> host_strings[] = {
    {"PidMode", &ContainerSpec::pid_mode},
    {"IpcMode", &ContainerSpec::ipc_mode},
    {"UTSMode", &ContainerSpec::uts_mode},
    {"UsernsMode", &ContainerSpec::userns_mode},
    {"CgroupnsMode", &ContainerSpec::cgroupns_mode},
    {"CgroupParent", &ContainerSpec::cgroup_parent},
    {"Runtime", &ContainerSpec::runtime},
};

const Field<std::vector<std::string> ContainerSpec::*> host_lists[] = {
    {"CapAdd", &ContainerSpec::cap_add},
    {"CapDrop", &ContainerSpec::cap_drop},
    {"SecurityOpt", &ContainerSpec::security_opt},
    {"ExtraHosts", &ContainerSpec::extra_hosts},
    {"Dns", &ContainerSpec::dns},
    {"DnsSearch", &ContainerSpec::dns_search},
    {"DnsOptions", &ContainerSpec::dns_options},
    {"GroupAdd", &ContainerSpec::group_add},
    {"VolumesFrom", &ContainerSpec::volumes_from},
};

const Field<std::map<std::string, std::string> ContainerSpec::*> host_maps[] = {
    {"Sysctls", &ContainerSpec::sysctls},
    {"StorageOpt", &ContainerSpec::storage_options},
};

const Field<bool ContainerSpec::*> host_flags[] = {
    {"Init", &ContainerSpec::init},
    {"Privileged", &ContainerSpec::privileged},
    {"ReadonlyRootfs", &ContainerSpec::read_only_root},
};

template <typename Owner, typename Value>
void copy_fields(json& into, const Owner& owner, const Field<Value Owner::*>* begin,
                 const Field<Value Owner::*>* end) {
    for (auto field = begin; field != end; ++field) {
        const Value& value = owner.*(field->member);
        if constexpr (std::is_same_v<Value, bool>) {
            if (value)
                into[field->name] = true;
        } else if constexpr (requires { value.has_value(); }) {
            if (value)
                into[field->name] = *value;
        } else {
            if (!value.empty())
                into[field->name] = value;
        }
    }
}

template <typename Owner, typename Value, std::size_t N>
void copy_fields(json& into, const Owner& owner, const Field<Value Owner::*> (&table)[N]) {
    copy_fields(into, owner, table, table + N);
}

// A bind that relabels for SELinux or makes its missing source has no form in
// the mount API: it is a HostConfig.Binds entry, "SOURCE:TARGET:ro,z,rshared".
bool needs_bind_string(const Mount& mount) {
    return mount.type == Mount::Type::bind &&
           (!mount.selinux_label.empty() || mount.create_host_path) && !mount.bind_non_recursive;
}

std::string bind_string(const Mount& mount) {
    std::string options = mount.read_only ? "ro" : "rw";
    if (!mount.selinux_label.empty())
        options += "," + mount.selinux_label;
    if (!mount.bind_propagation.empty())
        options += "," + mount.bind_propagation;
    return mount.source + ":" + mount.target + ":" + options;
}

json mount_json(const Mount& mount) {
    json item = json::object();
    item["Type"] = mount.type == Mount::Type::bind     ? "bind"
                   : mount.type == Mount::Type::volume ? "volume"
                                                       : "tmpfs";
    if (mount.type != Mount::Type::tmpfs)
        item["Source"] = mount.source;
    item["Target"] = mount.target;
    item["ReadOnly"] = mount.read_only;
    json tmpfs = json::object();
    if (mount.tmpfs_size_bytes)
        tmpfs["SizeBytes"] = *mount.tmpfs_size_bytes;
    if (mount.tmpfs_mode)
        tmpfs["Mode"] = *mount.tmpfs_mode;
    if (!tmpfs.empty())
        item["TmpfsOptions"] = tmpfs;
    json bind = json::object();
    if (!mount.bind_propagation.empty())
        bind["Propagation"] = mount.bind_propagation;
    if (mount.bind_non_recursive)
        bind["NonRecursive"] = true;
    if (!bind.empty())
        item["BindOptions"] = bind;
    json volume = json::object();
    if (mount.volume_no_copy)
        volume["NoCopy"] = true;
    if (!mount.volume_labels.empty())
        volume["Labels"] = mount.volume_labels;
    if (!volume.empty())
        item["VolumeOptions"] = volume;
    return item;
}

void add_mounts(json& host, const ContainerSpec& spec) {
    json mounts = json::array();
    json binds = json::array();
    json tmpfs = json::object();
    for (const auto& mount : spec.mounts) {
        if (mount.type == Mount::Type::tmpfs && mount.tmpfs_options)
            tmpfs[mount.target] = *mount.tmpfs_options;
        else if (needs_bind_string(mount))
            binds.push_back(bind_string(mount));
        else
            mounts.push_back(mount_json(mount));
    }
    if (!mounts.empty())
        host["Mounts"] = mounts;
    if (!binds.empty())
        host["Binds"] = binds;
    if (!tmpfs.empty())
        host["Tmpfs"] = tmpfs;
}

json network_endpoint_json(const std::vector<std::string>& aliases, const std::string& ipv4,
                           const std::string& ipv6, const std::vector<std::string>& link_local) {
    json endpoint = json::object();
    if (!aliases.empty())
        endpoint["Aliases"] = aliases;
    json ipam = json::object();
    if (!ipv4.empty())
        ipam["IPv4Address"] = ipv4;
    if (!ipv6.empty())
        ipam["IPv6Address"] = ipv6;
    if (!link_local.empty())
        ipam["LinkLocalIPs"] = link_local;
    if (!ipam.empty())
        endpoint["IPAMConfig"] = ipam;
    return endpoint;
}

void add_ports(json& body, json& host, const ContainerSpec& spec) {
    json exposed = json::object();
    for (const auto& port : spec.exposed_ports)
        exposed[port] = json::object();
    json bindings = json::object();
    for (const auto& port : spec.ports) {
        exposed[port_key(port)] = json::object();
        json binding = json::object();
        binding["HostIp"] = port.host_ip;
        binding["HostPort"] = port.host_port ? std::to_string(port.host_port) : "";
        bindings[port_key(port)].push_back(binding);
    }
    if (!exposed.empty())
        body["ExposedPorts"] = exposed;
    if (!bindings.empty())
        host["PortBindings"] = bindings;
}

void add_devices_and_limits(json& host, const ContainerSpec& spec) {
    if (!spec.devices.empty()) {
        json devices = json::array();
        for (const auto& device : spec.devices) {
            devices.push_back({{"PathOnHost", device.host_path},
                               {"PathInContainer", device.container_path},
                               {"CgroupPermissions", device.permissions}});
        }
        host["Devices"] = devices;
    }
    if (!spec.ulimits.empty()) {
        json ulimits = json::array();
        for (const auto& limit : spec.ulimits) {
            ulimits.push_back({{"Name", limit.name}, {"Soft", limit.soft}, {"Hard", limit.hard}});
        }
        host["Ulimits"] = ulimits;
    }
    copy_fields(host, spec.resources, resource_numbers);
    if (!spec.resources.cpuset_cpus.empty())
        host["CpusetCpus"] = spec.resources.cpuset_cpus;
    if (spec.resources.oom_kill_disable)
        host["OomKillDisable"] = *spec.resources.oom_kill_disable;
    if (!spec.resources.device_cgroup_rules.empty())
        host["DeviceCgroupRules"] = spec.resources.device_cgroup_rules;
    if (spec.oom_score_adj)
        host["OomScoreAdj"] = *spec.oom_score_adj;
    if (spec.shm_size_bytes)
        host["ShmSize"] = *spec.shm_size_bytes;
}

}  // namespace

json detail::container_create_body(const ContainerSpec& spec) {
    json body = json::object();
    body["Image"] = spec.image;
    if (spec.command)
        body["Cmd"] = *spec.command;
    if (spec.entrypoint)
        body["Entrypoint"] = *spec.entrypoint;
    json environment = json::array();
    for (const auto& [name, value] : spec.environment)
        environment.push_back(name + "=" + value);
    body["Env"] = environment;
    body["Labels"] = spec.labels;
    for (const auto& [name, member] : {std::pair{"Hostname", &ContainerSpec::hostname},
                                       {"Domainname", &ContainerSpec::domainname},
                                       {"User", &ContainerSpec::user},
                                       {"WorkingDir", &ContainerSpec::working_dir},
                                       {"StopSignal", &ContainerSpec::stop_signal},
                                       {"MacAddress", &ContainerSpec::mac_address}}) {
        if (!(spec.*member).empty())
            body[name] = spec.*member;
    }
    body["Tty"] = spec.tty;
    body["OpenStdin"] = spec.open_stdin;
    if (spec.stop_timeout)
        body["StopTimeout"] = spec.stop_timeout->count();
    if (spec.healthcheck)
        body["Healthcheck"] = healthcheck_json(*spec.healthcheck);

    json host = json::object();
    add_ports(body, host, spec);
    add_mounts(host, spec);
    add_devices_and_limits(host, spec);
    copy_fields(host, spec, host_strings);
    copy_fields(host, spec, host_lists);
    copy_fields(host, spec, host_maps);
    copy_fields(host, spec, host_flags);
    if (!spec.log_config.driver.empty())
        host["LogConfig"] = {{"Type", spec.log_config.driver}, {"Config", spec.log_config.options}};
    if (!spec.restart.name.empty()) {
        host["RestartPolicy"] = {{"Name", spec.restart.name},
                                 {"MaximumRetryCount", spec.restart.maximum_retry_count}};
    }
    // host, none and container:ID are modes, not networks: Podman refuses an
    // endpoint for them ("networks and static ip/mac address can only be used
    // with Bridge mode networking").
    const bool network_is_a_mode = spec.network == "host" || spec.network == "none" ||
                                   spec.network.rfind("container:", 0) == 0;
    if (!spec.network.empty())
        host["NetworkMode"] = spec.network;
    if (!spec.network.empty() && !network_is_a_mode) {
        json endpoint =
            network_endpoint_json(spec.network_aliases, spec.network_ipv4_address,
                                  spec.network_ipv6_address, spec.network_link_local_ips);
        // On a user-defined network a link is the endpoint's, not HostConfig's.
        if (!spec.network_links.empty())
            endpoint["Links"] = spec.network_links;
        body["NetworkingConfig"] = {{"EndpointsConfig", {{spec.network, endpoint}}}};
    }
    body["HostConfig"] = host;
    return body;
}

json detail::network_endpoint_body(const NetworkEndpoint& endpoint) {
    return network_endpoint_json(endpoint.aliases, endpoint.ipv4_address, endpoint.ipv6_address,
                                 endpoint.link_local_ips);
}

namespace {

/// A container's state in Docker's words, which both engines' callers read:
/// Podman says "stopped" for a moment between a stop and "exited".
std::string docker_state(std::string state) {
    return state == "stopped" ? "exited" : state;
}

/// The create warnings that say the container differs from the spec.
/// dockerd on a host without swap accounting warns "Memory limited without
/// swap" for any memory limit: the limit is applied and swap is left
/// unlimited, which is all a spec without MemorySwap (or with -1,
/// unlimited) asked for.
std::vector<std::string> warnings_about_the_spec(std::vector<std::string> warnings,
                                                 const ContainerSpec& spec) {
    if (spec.resources.memory_swap_bytes.value_or(-1) == -1)
        std::erase_if(warnings, [](const std::string& warning) {
            return warning.find("Memory limited without swap") != std::string::npos;
        });
    return warnings;
}

ContainerInfo parse_container(const json& raw) {
    ContainerInfo info;
    info.id = string_field(raw, "Id");
    info.name = string_field(raw, "Name");
    if (!info.name.empty() && info.name[0] == '/')
        info.name.erase(0, 1);
    info.image_id = string_field(raw, "Image");
    const json config = raw.contains("Config") ? raw["Config"] : json::object();
    info.image = string_field(config, "Image");
    info.hostname = string_field(config, "Hostname");
    info.tty = config.value("Tty", false);
    info.labels = string_map(config, "Labels");
    info.environment = string_list(config, "Env");
    if (config.contains("Healthcheck"))
        info.healthcheck = parse_healthcheck(config["Healthcheck"]);
    info.restart_count = integer_field(raw, "RestartCount", 0);

    const json state = raw.contains("State") ? raw["State"] : json::object();
    info.state.status = docker_state(string_field(state, "Status"));
    info.state.running = state.value("Running", false);
    info.state.oom_killed = state.value("OOMKilled", false);
    info.state.exit_code = integer_field(state, "ExitCode", 0);
    info.state.pid = integer_field(state, "Pid", 0);
    info.state.error = string_field(state, "Error");
    info.state.started_at = string_field(state, "StartedAt");
    info.state.finished_at = string_field(state, "FinishedAt");
    // Docker and Podman's compat API say "Health"; older libpod said "Healthcheck".
    for (const char* key : {"Health", "Healthcheck"}) {
        if (!state.contains(key) || !state[key].is_object())
            continue;
        const json& health = state[key];
        info.state.health = health_status_from_string(string_field(health, "Status"));
        info.state.failing_streak = integer_field(health, "FailingStreak", 0);
        if (health.contains("Log") && health["Log"].is_array()) {
            for (const auto& entry : health["Log"]) {
                if (!entry.is_object())
                    continue;
                info.state.health_log.push_back(
                    {integer_field(entry, "ExitCode", 0), string_field(entry, "Output"),
                     string_field(entry, "Start"), string_field(entry, "End")});
            }
        }
        break;
    }

    const json settings = raw.contains("NetworkSettings") ? raw["NetworkSettings"] : json::object();
    if (settings.contains("Ports") && settings["Ports"].is_object()) {
        for (const auto& [key, bindings] : settings["Ports"].items()) {
            if (!bindings.is_array())
                continue;
            auto slash = key.find('/');
            for (const auto& binding : bindings) {
                PortBinding port;
                port.container_port =
                    integer_in_text<int>(std::string_view(key).substr(0, slash)).value_or(0);
                port.protocol = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
                port.host_ip = string_field(binding, "HostIp");
                port.host_port =
                    integer_in_text<int>(string_field(binding, "HostPort")).value_or(0);
                info.ports.push_back(port);
            }
        }
    }
    if (settings.contains("Networks") && settings["Networks"].is_object()) {
        for (const auto& [name, network] : settings["Networks"].items()) {
            info.networks.push_back(
                {name, string_field(network, "IPAddress"), string_list(network, "Aliases")});
        }
    }
    if (raw.contains("Mounts") && raw["Mounts"].is_array()) {
        for (const auto& entry : raw["Mounts"]) {
            Mount mount;
            std::string type = string_field(entry, "Type");
            mount.type = type == "volume"  ? Mount::Type::volume
                         : type == "tmpfs" ? Mount::Type::tmpfs
                                           : Mount::Type::bind;
            mount.source =
                type == "volume" ? string_field(entry, "Name") : string_field(entry, "Source");
            mount.target = string_field(entry, "Destination");
            mount.read_only = !entry.value("RW", true);
            info.mounts.push_back(mount);
        }
    }
    return info;
}

std::vector<ContainerSummary> parse_summaries(const json& answer) {
    std::vector<ContainerSummary> result;
    for (const auto& raw : answer) {
        ContainerSummary summary;
        summary.id = string_field(raw, "Id");
        for (auto name : string_list(raw, "Names")) {
            if (!name.empty() && name[0] == '/')
                name.erase(0, 1);
            summary.names.push_back(name);
        }
        summary.image = string_field(raw, "Image");
        summary.state = docker_state(string_field(raw, "State"));
        summary.status = string_field(raw, "Status");
        summary.labels = string_map(raw, "Labels");
        result.push_back(std::move(summary));
    }
    return result;
}

}  // namespace

const char* to_string(HealthStatus status) {
    switch (status) {
        case HealthStatus::starting:
            return "starting";
        case HealthStatus::healthy:
            return "healthy";
        case HealthStatus::unhealthy:
            return "unhealthy";
        case HealthStatus::none:
            break;
    }
    return "none";
}

HealthStatus health_status_from_string(const std::string& text) {
    if (text == "starting")
        return HealthStatus::starting;
    if (text == "healthy")
        return HealthStatus::healthy;
    if (text == "unhealthy")
        return HealthStatus::unhealthy;
    return HealthStatus::none;
}

std::string Engine::container_create(const ContainerSpec& spec) {
    auto request = state_->request("POST", state_->api("/containers/create"), "create container",
                                   spec.name.empty() ? spec.image : spec.name);
    if (!spec.name.empty())
        request.query.emplace_back("name", spec.name);
    request.headers.push_back("Content-Type: application/json");
    request.body = detail::container_create_body(spec).dump();
    try {
        const json answer = state_->send_json(request);
        const std::string id = string_field(answer, "Id");
        refuse_if_warned("create container", spec.name.empty() ? id : spec.name,
                         warnings_about_the_spec(string_list(answer, "Warnings"), spec),
                         [&] { container_remove(id, {.force = true, .volumes = true}); });
        return id;
    } catch (const OutcomeUnknown&) {
        // The create was not sent again (the engine may have made it); the
        // name says whether it did: a container of that name with the labels
        // asked for is the one this request made.
        if (spec.name.empty())
            throw;
        auto made = container_find(spec.name);
        if (!made || !carries_labels(made->labels, spec.labels))
            throw;
        return made->id;
    }
}

bool Engine::container_start(const std::string& container) {
    auto request =
        state_->request("POST", state_->api("/containers/" + path_segment(container) + "/start"),
                        "start container", container);
    request.repeatable_post = true;  // a second start answers 304
    return state_->send(request, {304}).status != 304;
}

bool Engine::container_stop(const std::string& container,
                            std::optional<std::chrono::seconds> timeout) {
    auto request =
        state_->request("POST", state_->api("/containers/" + path_segment(container) + "/stop"),
                        "stop container", container);
    request.repeatable_post = true;  // a second stop answers 304
    if (timeout) {
        request.query.emplace_back("t", std::to_string(timeout->count()));
        request.timeout = std::chrono::milliseconds(*timeout) + state_->options.request_timeout;
    } else {
        request.stream = true;  // the container's own stop timeout decides
    }
    return state_->send(request, {304}).status != 304;
}

void Engine::container_kill(const std::string& container, const std::string& signal) {
    auto request =
        state_->request("POST", state_->api("/containers/" + path_segment(container) + "/kill"),
                        "kill container", container);
    request.query.emplace_back("signal", signal);
    state_->send(request);
}

void Engine::container_pause(const std::string& container) {
    state_->send(state_->request("POST",
                                 state_->api("/containers/" + path_segment(container) + "/pause"),
                                 "pause container", container));
}

void Engine::container_unpause(const std::string& container) {
    state_->send(state_->request("POST",
                                 state_->api("/containers/" + path_segment(container) + "/unpause"),
                                 "unpause container", container));
}

ProcessList Engine::container_top(const std::string& container) {
    // Podman 4's compat endpoint answers 200 with an empty body; its libpod
    // endpoint answers (with its own descriptors: USER, PID, ..., COMMAND).
    bool podman = state_->backend.kind == BackendKind::podman;
    std::string path = "/containers/" + path_segment(container) + "/top";
    auto request = state_->request("GET", podman ? state_->libpod(path) : state_->api(path),
                                   "list processes of container", container);
    if (podman)
        request.query.emplace_back("stream", "false");
    else
        request.query.emplace_back("ps_args", "-ef");  // Docker runs ps on the host
    auto answer = state_->send_json(request);
    ProcessList list;
    for (const auto& title : answer.value("Titles", nlohmann::json::array()))
        list.titles.push_back(title.get<std::string>());
    for (const auto& row : answer.value("Processes", nlohmann::json::array())) {
        std::vector<std::string> process;
        for (const auto& cell : row)
            process.push_back(cell.is_string() ? cell.get<std::string>() : cell.dump());
        list.processes.push_back(std::move(process));
    }
    return list;
}

void Engine::container_remove(const std::string& container, const RemoveOptions& options) {
    // libpod's endpoint takes a stop timeout: 0 kills at once, as Docker's
    // forced remove does, where the compat endpoint would wait out the
    // container's grace period (and a compat kill waits for the exit with a
    // 250 ms poll).
    bool podman = state_->backend.kind == BackendKind::podman;
    std::string path = "/containers/" + path_segment(container);
    auto request = state_->request("DELETE", podman ? state_->libpod(path) : state_->api(path),
                                   "remove container", container);
    if (options.force)
        request.query.emplace_back("force", "1");
    if (options.force && podman)
        request.query.emplace_back("timeout", "0");
    if (options.volumes)
        request.query.emplace_back("v", "1");
    state_->send(request);
}

ContainerInfo Engine::container_inspect(const std::string& container) {
    auto request =
        state_->request("GET", state_->api("/containers/" + path_segment(container) + "/json"),
                        "inspect container", container);
    return state_->decode(request, state_->send_json(request), parse_container);
}

std::optional<ContainerInfo> Engine::container_find(const std::string& container) {
    try {
        return container_inspect(container);
    } catch (const NotFound&) {
        return std::nullopt;
    }
}

std::vector<ContainerSummary> Engine::container_list(const ListFilter& filter) {
    auto request = state_->request("GET", state_->api("/containers/json"), "list containers");
    if (filter.all)
        request.query.emplace_back("all", "1");
    request.query.emplace_back("filters", filters_json(filter));
    return state_->decode(request, state_->send_json(request), parse_summaries);
}

int Engine::container_wait(const std::string& container, const CancelToken& cancel) {
    auto request =
        state_->request("POST", state_->api("/containers/" + path_segment(container) + "/wait"),
                        "wait for container", container);
    request.stream = true;
    request.cancel = cancel;
    request.repeatable_post = true;  // waiting again changes nothing
    return state_->decode(request, state_->send_json(request), [&](const json& answer) {
        if (answer.contains("Error") && answer["Error"].is_object()) {
            std::string message = string_field(answer["Error"], "Message");
            if (!message.empty())
                throw EngineError(request.operation, container, 0, message);
        }
        return integer_field(answer, "StatusCode", -1);
    });
}

void Engine::container_logs(const std::string& container, const LogOptions& options,
                            const OutputCallback& callback, const CancelToken& cancel) {
    bool tty = container_inspect(container).tty;
    auto request =
        state_->request("GET", state_->api("/containers/" + path_segment(container) + "/logs"),
                        "read logs of", container);
    request.query = {{"stdout", options.stdout_stream ? "1" : "0"},
                     {"stderr", options.stderr_stream ? "1" : "0"},
                     {"follow", options.follow ? "1" : "0"},
                     {"timestamps", options.timestamps ? "1" : "0"}};
    if (options.tail)
        request.query.emplace_back("tail", std::to_string(*options.tail));
    request.stream = options.follow;
    request.cancel = cancel;
    detail::FrameDemuxer demuxer(callback);
    request.on_data = [&](std::string_view bytes) {
        if (tty) {
            callback(OutputStream::stdout_stream, bytes);
        } else {
            demuxer.feed(bytes);
        }
        return true;
    };
    state_->send(request);
    if (!tty)
        demuxer.finish();
}

ContainerLogs Engine::container_logs(const std::string& container, const LogOptions& options) {
    ContainerLogs logs;
    LogOptions once = options;
    once.follow = false;
    container_logs(container, once, [&logs](OutputStream stream, std::string_view data) {
        (stream == OutputStream::stderr_stream ? logs.stderr_text : logs.stdout_text).append(data);
    });
    return logs;
}

void Engine::put_archive(const std::string& container, const std::string& destination_dir,
                         const std::string& tar) {
    auto request =
        state_->request("PUT", state_->api("/containers/" + path_segment(container) + "/archive"),
                        "copy into container", container + ":" + destination_dir);
    request.query.emplace_back("path", destination_dir);
    request.headers.push_back("Content-Type: application/x-tar");
    request.body = tar;
    state_->send(request);
}

std::string Engine::get_archive(const std::string& container, const std::string& path) {
    auto request =
        state_->request("GET", state_->api("/containers/" + path_segment(container) + "/archive"),
                        "copy out of container", container + ":" + path);
    request.query.emplace_back("path", path);
    return state_->send(request).body;
}

void Engine::copy_to_container(const std::string& container, const std::filesystem::path& source,
                               const std::string& destination_dir) {
    put_archive(container, destination_dir, detail::tar_of_path(source));
}

void Engine::copy_from_container(const std::string& container, const std::string& source,
                                 const std::filesystem::path& destination_dir) {
    detail::extract_tar(get_archive(container, source), destination_dir);
}

}  // namespace berth
