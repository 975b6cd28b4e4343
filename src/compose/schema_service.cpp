// The keys of a service (05-services.md of the Compose Specification), one
// row each. The mappings nested in a service are in schema_parts.cpp.

#include <algorithm>

#include "binding.hpp"
#include "forms.hpp"

namespace berth::compose::detail {

namespace {

using S = Shape;

const Schema dependency_schema{
    "depends_on key",
    {
        {.key = "condition",
         .shape = S::choice,
         .choices = {"service_started", "service_healthy", "service_completed_successfully"}},
        {.key = "required", .shape = S::boolean},
        {.key = "restart", .shape = S::boolean},
    },
};

const Schema env_file_schema{
    "env_file key",
    {
        {.key = "path"},
        {.key = "required", .shape = S::boolean},
        // "raw": values as written; without it, compose's dotenv format.
        {.key = "format", .shape = S::choice, .choices = {"raw"}},
    },
};

const Schema extends_schema{
    "key",
    {
        {.key = "service"},
        {.key = "file"},
    },
};

const Schema service_network_schema{
    "key",
    {
        {.key = "aliases", .shape = S::string_list, .binding = bind<&ServiceNetwork::aliases>()},
        {.key = "ipv4_address", .binding = bind<&ServiceNetwork::ipv4_address>()},
        {.key = "ipv6_address", .binding = bind<&ServiceNetwork::ipv6_address>()},
        {.key = "link_local_ips",
         .shape = S::string_list,
         .binding = bind<&ServiceNetwork::link_local_ips>()},
        {.key = "interface_name", .binding = bind<&ServiceNetwork::interface_name>()},
        {.key = "mac_address", .binding = bind<&ServiceNetwork::mac_address>()},
        {.key = "driver_opts",
         .shape = S::string_map,
         .binding = bind<&ServiceNetwork::driver_opts>()},
        {.key = "priority",
         .shape = S::integer,
         .binding = bind<&ServiceNetwork::priority>(),
         .minimum = -1000000,
         .maximum = 1000000},
        {.key = "gw_priority",
         .shape = S::integer,
         .binding = bind<&ServiceNetwork::gw_priority>(),
         .minimum = -1000000,
         .maximum = 1000000},
    },
    bind_extensions<&ServiceNetwork::extensions>(),
};

const Schema service_model_schema{
    "key",
    {
        {.key = "endpoint_var", .binding = bind<&ServiceModel::endpoint_var>()},
        {.key = "model_var", .binding = bind<&ServiceModel::model_var>()},
    },
    bind_extensions<&ServiceModel::extensions>(),
};

DependencyCondition condition_from(const std::string& text) {
    if (text == "service_healthy") {
        return DependencyCondition::service_healthy;
    }
    if (text == "service_completed_successfully") {
        return DependencyCondition::service_completed_successfully;
    }
    return DependencyCondition::service_started;
}

// depends_on is a mapping in the file and a list sorted by name in the model.
Binding depends_on_binding() {
    return Binding{
        [](const Field&, const Node& value, void* model) {
            auto& list = static_cast<Service*>(model)->depends_on;
            for (const auto& entry : value.entries) {
                const Node* condition = entry.value.find("condition");
                const Node* required = entry.value.find("required");
                const Node* restart = entry.value.find("restart");
                list.push_back(Dependency{
                    entry.key, condition_from(condition ? condition->scalar : ""),
                    !required || required->scalar == "true", restart && restart->scalar == "true"});
            }
            std::sort(list.begin(), list.end(), [](const Dependency& a, const Dependency& b) {
                return a.service < b.service;
            });
        },
        [](const Field&, const void* model, nlohmann::json& object) {
            const auto& list = static_cast<const Service*>(model)->depends_on;
            if (list.empty()) {
                return;
            }
            nlohmann::json depends_on = nlohmann::json::object();
            for (const auto& dependency : list) {
                nlohmann::json entry = {{"condition", to_string(dependency.condition)},
                                        {"required", dependency.required}};
                if (dependency.restart) {
                    entry["restart"] = true;
                }
                depends_on[dependency.service] = entry;
            }
            object["depends_on"] = depends_on;
        },
    };
}

// The files were read into `environment` by the loader; the model keeps
// their paths, and config does not print them (their variables are printed).
Binding env_file_binding() {
    return Binding{
        [](const Field&, const Node& value, void* model) {
            for (const auto& item : value.items) {
                if (const Node* path = item.find("path")) {
                    static_cast<Service*>(model)->env_file.push_back(path->scalar);
                }
            }
        },
        nullptr,
    };
}

}  // namespace

const Schema service_schema{
    "service key",
    {
        {.key = "annotations", .shape = S::string_map, .binding = bind<&Service::annotations>()},
        {.key = "attach", .shape = S::boolean, .binding = bind<&Service::attach>()},
        {.key = "blkio_config",
         .shape = S::mapping,
         .binding = bind<&Service::blkio_config>(),
         .nested = &blkio_schema},
        {.key = "build",
         .shape = S::mapping,
         .binding = bind<&Service::build>(),
         .nested = &build_schema,
         .form = build_short,
         .finish = build_finish},
        {.key = "cap_add", .shape = S::string_list, .binding = bind<&Service::cap_add>()},
        {.key = "cap_drop", .shape = S::string_list, .binding = bind<&Service::cap_drop>()},
        {.key = "cgroup",
         .shape = S::choice,
         .binding = bind<&Service::cgroup>(),
         .choices = {"host", "private"}},
        {.key = "cgroup_parent", .binding = bind<&Service::cgroup_parent>()},
        {.key = "command",
         .shape = S::command,
         .binding = bind<&Service::command>(),
         .merge = Merge::replace},
        {.key = "configs",
         .shape = S::list_of_mappings,
         .binding = bind<&Service::configs>(),
         .nested = &file_reference_schema,
         .item_form = file_reference_short,
         .finish = file_reference_finish,
         .merge = Merge::by_key,
         .merge_key = "target"},
        {.key = "container_name",
         .shape = S::custom,
         .binding = bind<&Service::container_name>(),
         .form = container_name},
        {.key = "cpu_count",
         .shape = S::integer,
         .binding = bind<&Service::cpu_count>(),
         .minimum = 0},
        {.key = "cpu_percent",
         .shape = S::integer,
         .binding = bind<&Service::cpu_percent>(),
         .minimum = 0,
         .maximum = 100},
        {.key = "cpu_period", .shape = S::integer, .binding = bind<&Service::cpu_period>()},
        {.key = "cpu_quota", .shape = S::integer, .binding = bind<&Service::cpu_quota>()},
        {.key = "cpu_rt_period",
         .shape = S::microseconds,
         .binding = bind<&Service::cpu_rt_period>()},
        {.key = "cpu_rt_runtime",
         .shape = S::microseconds,
         .binding = bind<&Service::cpu_rt_runtime>()},
        {.key = "cpu_shares",
         .shape = S::integer,
         .binding = bind<&Service::cpu_shares>(),
         .minimum = 0},
        {.key = "cpus", .shape = S::number, .binding = bind<&Service::cpus>()},
        {.key = "cpuset", .binding = bind<&Service::cpuset>()},
        {.key = "credential_spec",
         .shape = S::mapping,
         .binding = bind<&Service::credential_spec>(),
         .nested = &credential_spec_schema},
        {.key = "depends_on",
         .shape = S::map_of_mappings,
         .binding = depends_on_binding(),
         .nested = &dependency_schema,
         .form = depends_on_list,
         .finish = dependency_defaults},
        {.key = "deploy",
         .shape = S::mapping,
         .binding = bind<&Service::deploy>(),
         .nested = &deploy_schema},
        {.key = "develop",
         .shape = S::mapping,
         .binding = bind<&Service::develop>(),
         .nested = &develop_schema},
        {.key = "device_cgroup_rules",
         .shape = S::string_list,
         .binding = bind<&Service::device_cgroup_rules>()},
        {.key = "devices",
         .shape = S::custom,
         .binding = bind<&Service::devices>(),
         .form = device_list},
        {.key = "dns", .shape = S::string_or_list, .binding = bind<&Service::dns>()},
        {.key = "dns_opt", .shape = S::string_list, .binding = bind<&Service::dns_opt>()},
        {.key = "dns_search", .shape = S::string_or_list, .binding = bind<&Service::dns_search>()},
        {.key = "domainname", .binding = bind<&Service::domainname>()},
        {.key = "entrypoint",
         .shape = S::command,
         .binding = bind<&Service::entrypoint>(),
         .merge = Merge::replace},
        {.key = "env_file",
         .shape = S::list_of_mappings,
         .binding = env_file_binding(),
         .nested = &env_file_schema,
         .form = env_file_list,
         .finish = env_file_finish,
         .merge = Merge::by_key,
         .merge_key = "path"},
        {.key = "environment",
         .shape = S::optional_string_map,
         .binding = bind<&Service::environment>()},
        {.key = "expose",
         .shape = S::custom,
         .binding = bind<&Service::expose>(),
         .form = expose_list},
        {.key = "extends",
         .shape = S::mapping,
         .nested = &extends_schema,
         .form = extends_short,
         .finish = extends_finish},
        {.key = "external_links",
         .shape = S::string_list,
         .binding = bind<&Service::external_links>()},
        {.key = "extra_hosts",
         .shape = S::custom,
         .binding = bind<&Service::extra_hosts>(),
         .form = extra_hosts},
        {.key = "gpus",
         .shape = S::list_of_mappings,
         .binding = bind<&Service::gpus>(),
         .nested = &device_request_schema,
         .form = gpus_all,
         .finish = device_request_finish},
        {.key = "group_add", .shape = S::string_list, .binding = bind<&Service::group_add>()},
        {.key = "healthcheck",
         .shape = S::mapping,
         .binding = bind<&Service::healthcheck>(),
         .nested = &healthcheck_schema},
        {.key = "hostname", .binding = bind<&Service::hostname>()},
        {.key = "image", .binding = bind<&Service::image>()},
        {.key = "init", .shape = S::boolean, .binding = bind<&Service::init>()},
        {.key = "ipc", .binding = bind<&Service::ipc>()},
        {.key = "isolation", .binding = bind<&Service::isolation>()},
        {.key = "label_file",
         .shape = S::custom,
         .binding = {bind<&Service::label_file>().read, nullptr},
         .form = path_list},
        {.key = "labels", .shape = S::string_map, .binding = bind<&Service::labels>()},
        {.key = "links", .shape = S::string_list, .binding = bind<&Service::links>()},
        {.key = "logging",
         .shape = S::mapping,
         .binding = bind<&Service::logging>(),
         .nested = &logging_schema,
         .merge = Merge::unless_key_differs,
         .merge_key = "driver"},
        {.key = "mac_address", .binding = bind<&Service::mac_address>()},
        {.key = "mem_limit", .shape = S::byte_size, .binding = bind<&Service::mem_limit_bytes>()},
        {.key = "mem_reservation",
         .shape = S::byte_size,
         .binding = bind<&Service::mem_reservation_bytes>()},
        {.key = "mem_swappiness",
         .shape = S::integer,
         .binding = bind<&Service::mem_swappiness>(),
         .minimum = 0,
         .maximum = 100},
        {.key = "memswap_limit",
         .shape = S::byte_size,
         .binding = bind<&Service::memswap_limit_bytes>(),
         .minimum = -1},
        {.key = "models",
         .shape = S::map_of_mappings,
         .binding = bind<&Service::models>(),
         .nested = &service_model_schema,
         .form = names_to_mapping},
        {.key = "network_mode", .binding = bind<&Service::network_mode>()},
        {.key = "networks",
         .shape = S::map_of_mappings,
         .binding = bind<&Service::networks>(),
         .nested = &service_network_schema,
         .form = names_to_mapping},
        {.key = "oom_kill_disable",
         .shape = S::boolean,
         .binding = bind<&Service::oom_kill_disable>()},
        {.key = "oom_score_adj",
         .shape = S::integer,
         .binding = bind<&Service::oom_score_adj>(),
         .minimum = -1000,
         .maximum = 1000},
        {.key = "pid", .binding = bind<&Service::pid>()},
        {.key = "pids_limit",
         .shape = S::integer,
         .binding = bind<&Service::pids_limit>(),
         .minimum = -1},
        {.key = "platform", .binding = bind<&Service::platform>()},
        {.key = "ports",
         .shape = S::custom,
         .binding = bind<&Service::ports>(),
         .nested = &port_schema,
         .form = port_list},
        {.key = "post_start",
         .shape = S::list_of_mappings,
         .binding = bind<&Service::post_start>(),
         .nested = &hook_schema,
         .finish = hook_finish},
        {.key = "pre_start",
         .shape = S::list_of_mappings,
         .binding = bind<&Service::pre_start>(),
         .nested = &pre_start_schema},
        {.key = "pre_stop",
         .shape = S::list_of_mappings,
         .binding = bind<&Service::pre_stop>(),
         .nested = &hook_schema,
         .finish = hook_finish},
        {.key = "privileged", .shape = S::boolean, .binding = bind<&Service::privileged>()},
        {.key = "profiles", .shape = S::string_list, .binding = bind<&Service::profiles>()},
        {.key = "provider",
         .shape = S::mapping,
         .binding = bind<&Service::provider>(),
         .nested = &provider_schema,
         .finish = provider_finish},
        {.key = "pull_policy",
         .shape = S::custom,
         .binding = bind<&Service::pull_policy>(),
         .form = pull_policy},
        {.key = "pull_refresh_after", .binding = bind<&Service::pull_refresh_after>()},
        {.key = "read_only", .shape = S::boolean, .binding = bind<&Service::read_only>()},
        {.key = "restart",
         .shape = S::custom,
         .binding = bind<&Service::restart>(),
         .form = restart_policy},
        {.key = "runtime", .binding = bind<&Service::runtime>()},
        {.key = "scale", .shape = S::integer, .binding = bind<&Service::scale>(), .minimum = 0},
        {.key = "secrets",
         .shape = S::list_of_mappings,
         .binding = bind<&Service::secrets>(),
         .nested = &file_reference_schema,
         .item_form = file_reference_short,
         .finish = file_reference_finish,
         .merge = Merge::by_key,
         .merge_key = "target"},
        {.key = "security_opt", .shape = S::string_list, .binding = bind<&Service::security_opt>()},
        {.key = "shm_size", .shape = S::byte_size, .binding = bind<&Service::shm_size_bytes>()},
        {.key = "stdin_open", .shape = S::boolean, .binding = bind<&Service::stdin_open>()},
        {.key = "stop_grace_period",
         .shape = S::duration,
         .binding = bind<&Service::stop_grace_period>()},
        {.key = "stop_signal", .binding = bind<&Service::stop_signal>()},
        {.key = "storage_opt", .shape = S::string_map, .binding = bind<&Service::storage_opt>()},
        {.key = "sysctls", .shape = S::string_map, .binding = bind<&Service::sysctls>()},
        {.key = "tmpfs", .shape = S::string_or_list, .binding = bind<&Service::tmpfs>()},
        {.key = "tty", .shape = S::boolean, .binding = bind<&Service::tty>()},
        {.key = "ulimits",
         .shape = S::map_of_mappings,
         .binding = bind<&Service::ulimits>(),
         .nested = &ulimit_schema,
         .item_form = ulimit_short,
         .finish = ulimit_finish},
        {.key = "use_api_socket", .shape = S::boolean, .binding = bind<&Service::use_api_socket>()},
        {.key = "user", .binding = bind<&Service::user>()},
        {.key = "userns_mode", .binding = bind<&Service::userns_mode>()},
        {.key = "uts", .binding = bind<&Service::uts>()},
        {.key = "volumes",
         .shape = S::custom,
         .binding = bind<&Service::volumes>(),
         .nested = &service_volume_schema,
         .form = service_volume_list,
         .merge = Merge::by_key,
         .merge_key = "target"},
        {.key = "volumes_from", .shape = S::string_list, .binding = bind<&Service::volumes_from>()},
        {.key = "working_dir", .binding = bind<&Service::working_dir>()},
    },
    bind_extensions<&Service::extensions>(),
};

}  // namespace berth::compose::detail
