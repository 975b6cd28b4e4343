// The mappings nested in a service: build (build.md), healthcheck, ports,
// volumes, deploy (deploy.md), develop (develop.md), hooks and the smaller
// ones. One row per key, as in schema_service.cpp.

#include "binding.hpp"
#include "forms.hpp"

namespace berth::compose::detail {

namespace {

using S = Shape;

// A volume's type is an enum in the model.
const std::vector<std::pair<std::string_view, ServiceVolume::Type>> volume_types = {
    {"bind", ServiceVolume::Type::bind},   {"volume", ServiceVolume::Type::volume},
    {"tmpfs", ServiceVolume::Type::tmpfs}, {"image", ServiceVolume::Type::image},
    {"npipe", ServiceVolume::Type::npipe}, {"cluster", ServiceVolume::Type::cluster},
};

Binding volume_type_binding() {
    return Binding{
        [](const Field&, const Node& value, void* model) {
            for (const auto& [name, type] : volume_types) {
                if (value.scalar == name) {
                    static_cast<ServiceVolume*>(model)->type = type;
                }
            }
        },
        [](const Field&, const void* model, nlohmann::json& object) {
            for (const auto& [name, type] : volume_types) {
                if (static_cast<const ServiceVolume*>(model)->type == type) {
                    object["type"] = std::string(name);
                }
            }
        },
    };
}

const Schema volume_bind_schema{
    "key",
    {
        {.key = "propagation",
         .shape = S::choice,
         .binding = bind<&ServiceVolume::bind_propagation>(),
         .choices = {"shared", "rshared", "slave", "rslave", "private", "rprivate"}},
        {.key = "create_host_path",
         .shape = S::boolean,
         .binding = bind<&ServiceVolume::create_host_path>()},
        {.key = "recursive",
         .shape = S::choice,
         .binding = bind<&ServiceVolume::bind_recursive>(),
         .choices = {"enabled", "disabled", "writable", "readonly"}},
        {.key = "selinux",
         .shape = S::choice,
         .binding = bind<&ServiceVolume::selinux>(),
         .choices = {"z", "Z"}},
    },
};

const Schema volume_options_schema{
    "key",
    {
        {.key = "nocopy", .shape = S::boolean, .binding = bind<&ServiceVolume::volume_nocopy>()},
        {.key = "subpath", .binding = bind<&ServiceVolume::volume_subpath>()},
        {.key = "labels", .shape = S::string_map, .binding = bind<&ServiceVolume::volume_labels>()},
    },
};

const Schema tmpfs_options_schema{
    "key",
    {
        {.key = "size", .shape = S::byte_size, .binding = bind<&ServiceVolume::tmpfs_size_bytes>()},
        {.key = "mode", .shape = S::file_mode, .binding = bind<&ServiceVolume::tmpfs_mode>()},
    },
};

const Schema image_options_schema{
    "key",
    {
        {.key = "subpath", .binding = bind<&ServiceVolume::image_subpath>()},
    },
};

const Schema update_config_schema{
    "key",
    {
        {.key = "parallelism",
         .shape = S::integer,
         .binding = bind<&UpdateConfig::parallelism>(),
         .minimum = 0},
        {.key = "delay", .shape = S::duration, .binding = bind<&UpdateConfig::delay>()},
        {.key = "failure_action",
         .shape = S::choice,
         .binding = bind<&UpdateConfig::failure_action>(),
         .choices = {"continue", "rollback", "pause"}},
        {.key = "monitor", .shape = S::duration, .binding = bind<&UpdateConfig::monitor>()},
        {.key = "max_failure_ratio",
         .shape = S::number,
         .binding = bind<&UpdateConfig::max_failure_ratio>()},
        {.key = "order",
         .shape = S::choice,
         .binding = bind<&UpdateConfig::order>(),
         .choices = {"start-first", "stop-first"}},
    },
    bind_extensions<&UpdateConfig::extensions>(),
};

const Schema discrete_resource_schema{
    "key",
    {
        {.key = "kind", .binding = bind<&GenericResource::kind>()},
        {.key = "value",
         .shape = S::integer,
         .binding = bind<&GenericResource::value>(),
         .minimum = 0},
    },
};

const Schema generic_resource_schema{
    "key",
    {
        {.key = "discrete_resource_spec",
         .shape = S::mapping,
         .binding = bind_inline(),
         .nested = &discrete_resource_schema},
    },
    bind_extensions<&GenericResource::extensions>(),
};

const Schema limits_schema{
    "key",
    {
        {.key = "cpus", .shape = S::number, .binding = bind<&ResourceAmounts::cpus>()},
        {.key = "memory", .shape = S::byte_size, .binding = bind<&ResourceAmounts::memory_bytes>()},
        {.key = "pids",
         .shape = S::integer,
         .binding = bind<&ResourceAmounts::pids>(),
         .minimum = -1},
    },
    bind_extensions<&ResourceAmounts::extensions>(),
};

const Schema reservations_schema{
    "key",
    {
        {.key = "cpus", .shape = S::number, .binding = bind<&ResourceAmounts::cpus>()},
        {.key = "memory", .shape = S::byte_size, .binding = bind<&ResourceAmounts::memory_bytes>()},
        {.key = "devices",
         .shape = S::list_of_mappings,
         .binding = bind<&ResourceAmounts::devices>(),
         .nested = &device_request_schema,
         .finish = device_request_finish},
        {.key = "generic_resources",
         .shape = S::list_of_mappings,
         .binding = bind<&ResourceAmounts::generic_resources>(),
         .nested = &generic_resource_schema},
    },
    bind_extensions<&ResourceAmounts::extensions>(),
};

const Schema resources_schema{
    "key",
    {
        {.key = "limits",
         .shape = S::mapping,
         .binding = bind<&Resources::limits>(),
         .nested = &limits_schema},
        {.key = "reservations",
         .shape = S::mapping,
         .binding = bind<&Resources::reservations>(),
         .nested = &reservations_schema},
    },
    bind_extensions<&Resources::extensions>(),
};

const Schema restart_policy_schema{
    "key",
    {
        {.key = "condition",
         .shape = S::choice,
         .binding = bind<&RestartPolicy::condition>(),
         .choices = {"none", "on-failure", "any"}},
        {.key = "delay", .shape = S::duration, .binding = bind<&RestartPolicy::delay>()},
        {.key = "max_attempts",
         .shape = S::integer,
         .binding = bind<&RestartPolicy::max_attempts>(),
         .minimum = 0},
        {.key = "window", .shape = S::duration, .binding = bind<&RestartPolicy::window>()},
    },
    bind_extensions<&RestartPolicy::extensions>(),
};

const Schema preference_schema{
    "key",
    {
        {.key = "spread", .binding = bind<&PlacementPreference::spread>()},
    },
    bind_extensions<&PlacementPreference::extensions>(),
};

const Schema placement_schema{
    "key",
    {
        {.key = "constraints", .shape = S::string_list, .binding = bind<&Placement::constraints>()},
        {.key = "preferences",
         .shape = S::list_of_mappings,
         .binding = bind<&Placement::preferences>(),
         .nested = &preference_schema},
        {.key = "max_replicas_per_node",
         .shape = S::integer,
         .binding = bind<&Placement::max_replicas_per_node>(),
         .minimum = 0},
    },
    bind_extensions<&Placement::extensions>(),
};

const Schema watch_schema{
    "key",
    {
        {.key = "path", .binding = bind<&WatchRule::path>()},
        {.key = "action",
         .shape = S::choice,
         .binding = bind<&WatchRule::action>(),
         .choices = {"rebuild", "sync", "restart", "sync+restart", "sync+exec"}},
        {.key = "target", .binding = bind<&WatchRule::target>()},
        {.key = "ignore", .shape = S::string_or_list, .binding = bind<&WatchRule::ignore>()},
        {.key = "include", .shape = S::string_or_list, .binding = bind<&WatchRule::include>()},
        {.key = "initial_sync", .shape = S::boolean, .binding = bind<&WatchRule::initial_sync>()},
        {.key = "exec",
         .shape = S::mapping,
         .binding = bind<&WatchRule::exec>(),
         .nested = &hook_schema,
         .finish = hook_finish},
    },
    bind_extensions<&WatchRule::extensions>(),
};

const Schema blkio_limit_schema{
    "key",
    {
        {.key = "path", .binding = bind<&BlkioDeviceLimit::path>()},
        {.key = "rate", .shape = S::byte_size, .binding = bind<&BlkioDeviceLimit::rate>()},
        {.key = "weight",
         .shape = S::integer,
         .binding = bind<&BlkioDeviceLimit::weight>(),
         .minimum = 10,
         .maximum = 1000},
    },
    bind_extensions<&BlkioDeviceLimit::extensions>(),
};

std::vector<Field> hook_fields(bool pre_start) {
    std::vector<Field> fields = {
        {.key = "command",
         .shape = S::command,
         .binding = bind<&ServiceHook::command>(),
         .merge = Merge::replace},
        {.key = "user", .binding = bind<&ServiceHook::user>()},
        {.key = "privileged", .shape = S::boolean, .binding = bind<&ServiceHook::privileged>()},
        {.key = "working_dir", .binding = bind<&ServiceHook::working_dir>()},
        {.key = "environment",
         .shape = S::optional_string_map,
         .binding = bind<&ServiceHook::environment>()},
    };
    if (pre_start) {
        fields.push_back({.key = "image", .binding = bind<&ServiceHook::image>()});
        fields.push_back({.key = "per_replica",
                          .shape = S::boolean,
                          .binding = bind<&ServiceHook::per_replica>()});
    }
    return fields;
}

}  // namespace

Binding bind_inline() {
    return Binding{
        [](const Field& field, const Node& value, void* model) {
            read_struct(*field.nested, value, model);
        },
        [](const Field& field, const void* model, nlohmann::json& object) {
            nlohmann::json options = write_struct(*field.nested, model);
            if (!options.empty()) {
                object[std::string(field.key)] = std::move(options);
            }
        },
    };
}

const Schema build_schema{
    "key",
    {
        {.key = "context", .binding = bind<&BuildSpec::context>(), .always_printed = true},
        {.key = "dockerfile", .binding = bind<&BuildSpec::dockerfile>()},
        {.key = "dockerfile_inline", .binding = bind<&BuildSpec::dockerfile_inline>()},
        {.key = "args", .shape = S::optional_string_map, .binding = bind<&BuildSpec::args>()},
        {.key = "ssh", .shape = S::custom, .binding = bind<&BuildSpec::ssh>(), .form = ssh_list},
        {.key = "labels", .shape = S::string_map, .binding = bind<&BuildSpec::labels>()},
        {.key = "cache_from", .shape = S::string_list, .binding = bind<&BuildSpec::cache_from>()},
        {.key = "cache_to", .shape = S::string_list, .binding = bind<&BuildSpec::cache_to>()},
        {.key = "no_cache", .shape = S::boolean, .binding = bind<&BuildSpec::no_cache>()},
        {.key = "additional_contexts",
         .shape = S::custom,
         .binding = bind<&BuildSpec::additional_contexts>(),
         .form = context_map},
        {.key = "network", .binding = bind<&BuildSpec::network>()},
        {.key = "provenance", .binding = bind<&BuildSpec::provenance>()},
        {.key = "sbom", .binding = bind<&BuildSpec::sbom>()},
        {.key = "pull", .shape = S::boolean, .binding = bind<&BuildSpec::pull>()},
        {.key = "target", .binding = bind<&BuildSpec::target>()},
        {.key = "shm_size", .shape = S::byte_size, .binding = bind<&BuildSpec::shm_size_bytes>()},
        {.key = "extra_hosts",
         .shape = S::custom,
         .binding = bind<&BuildSpec::extra_hosts>(),
         .form = extra_hosts},
        {.key = "isolation", .binding = bind<&BuildSpec::isolation>()},
        {.key = "privileged", .shape = S::boolean, .binding = bind<&BuildSpec::privileged>()},
        {.key = "secrets",
         .shape = S::list_of_mappings,
         .binding = bind<&BuildSpec::secrets>(),
         .nested = &file_reference_schema,
         .item_form = file_reference_short,
         .finish = file_reference_finish,
         .merge = Merge::by_key,
         .merge_key = "target"},
        {.key = "tags", .shape = S::string_list, .binding = bind<&BuildSpec::tags>()},
        {.key = "ulimits",
         .shape = S::map_of_mappings,
         .binding = bind<&BuildSpec::ulimits>(),
         .nested = &ulimit_schema,
         .item_form = ulimit_short,
         .finish = ulimit_finish},
        {.key = "platforms", .shape = S::string_list, .binding = bind<&BuildSpec::platforms>()},
        {.key = "entitlements",
         .shape = S::string_list,
         .binding = bind<&BuildSpec::entitlements>()},
    },
    bind_extensions<&BuildSpec::extensions>(),
};

const Schema healthcheck_schema{
    "key",
    {
        {.key = "test",
         .shape = S::custom,
         .binding = bind<&ServiceHealthcheck::test>(),
         .form = healthcheck_test,
         .merge = Merge::replace},
        {.key = "interval", .shape = S::duration, .binding = bind<&ServiceHealthcheck::interval>()},
        {.key = "timeout", .shape = S::duration, .binding = bind<&ServiceHealthcheck::timeout>()},
        {.key = "start_period",
         .shape = S::duration,
         .binding = bind<&ServiceHealthcheck::start_period>()},
        {.key = "start_interval",
         .shape = S::duration,
         .binding = bind<&ServiceHealthcheck::start_interval>()},
        {.key = "retries",
         .shape = S::integer,
         .binding = bind<&ServiceHealthcheck::retries>(),
         .minimum = 0,
         .maximum = 1000000},
        {.key = "disable", .shape = S::boolean, .binding = bind<&ServiceHealthcheck::disable>()},
    },
    bind_extensions<&ServiceHealthcheck::extensions>(),
};

const Schema port_schema{
    "port key",
    {
        {.key = "target",
         .shape = S::integer,
         .binding = bind<&ServicePort::target>(),
         .minimum = 1,
         .maximum = 65535},
        {.key = "published",
         .shape = S::custom,
         .binding = bind<&ServicePort::published>(),
         .form = published_port},
        {.key = "host_ip", .binding = bind<&ServicePort::host_ip>()},
        {.key = "protocol",
         .shape = S::choice,
         .binding = bind<&ServicePort::protocol>(),
         .choices = {"tcp", "udp", "sctp"}},
        {.key = "mode",
         .shape = S::choice,
         .binding = bind<&ServicePort::mode>(),
         .choices = {"host", "ingress"}},
        {.key = "name", .binding = bind<&ServicePort::name>()},
        {.key = "app_protocol", .binding = bind<&ServicePort::app_protocol>()},
    },
    bind_extensions<&ServicePort::extensions>(),
};

const Schema service_volume_schema{
    "volume key",
    {
        {.key = "type",
         .shape = S::choice,
         .binding = volume_type_binding(),
         .choices = {"bind", "volume", "tmpfs", "image", "npipe", "cluster"}},
        {.key = "source", .binding = bind<&ServiceVolume::source>()},
        {.key = "target", .binding = bind<&ServiceVolume::target>(), .always_printed = true},
        {.key = "read_only", .shape = S::boolean, .binding = bind<&ServiceVolume::read_only>()},
        {.key = "consistency", .binding = bind<&ServiceVolume::consistency>()},
        {.key = "bind",
         .shape = S::mapping,
         .binding = bind_inline(),
         .nested = &volume_bind_schema},
        {.key = "volume",
         .shape = S::mapping,
         .binding = bind_inline(),
         .nested = &volume_options_schema},
        {.key = "tmpfs",
         .shape = S::mapping,
         .binding = bind_inline(),
         .nested = &tmpfs_options_schema},
        {.key = "image",
         .shape = S::mapping,
         .binding = bind_inline(),
         .nested = &image_options_schema},
    },
    bind_extensions<&ServiceVolume::extensions>(),
};

const Schema deploy_schema{
    "deploy key",
    {
        {.key = "mode",
         .shape = S::choice,
         .binding = bind<&Deploy::mode>(),
         .choices = {"replicated", "global", "replicated-job", "global-job"}},
        {.key = "endpoint_mode",
         .shape = S::choice,
         .binding = bind<&Deploy::endpoint_mode>(),
         .choices = {"vip", "dnsrr"}},
        {.key = "replicas",
         .shape = S::integer,
         .binding = bind<&Deploy::replicas>(),
         .minimum = 0},
        {.key = "labels", .shape = S::string_map, .binding = bind<&Deploy::labels>()},
        {.key = "update_config",
         .shape = S::mapping,
         .binding = bind<&Deploy::update_config>(),
         .nested = &update_config_schema},
        {.key = "rollback_config",
         .shape = S::mapping,
         .binding = bind<&Deploy::rollback_config>(),
         .nested = &update_config_schema},
        {.key = "resources",
         .shape = S::mapping,
         .binding = bind<&Deploy::resources>(),
         .nested = &resources_schema},
        {.key = "restart_policy",
         .shape = S::mapping,
         .binding = bind<&Deploy::restart_policy>(),
         .nested = &restart_policy_schema},
        {.key = "placement",
         .shape = S::mapping,
         .binding = bind<&Deploy::placement>(),
         .nested = &placement_schema},
    },
    bind_extensions<&Deploy::extensions>(),
};

const Schema develop_schema{
    "key",
    {
        {.key = "watch",
         .shape = S::list_of_mappings,
         .binding = bind<&Develop::watch>(),
         .nested = &watch_schema,
         .finish = watch_finish},
    },
    bind_extensions<&Develop::extensions>(),
};

const Schema hook_schema{"key", hook_fields(false), bind_extensions<&ServiceHook::extensions>()};
const Schema pre_start_schema{"key", hook_fields(true),
                              bind_extensions<&ServiceHook::extensions>()};

const Schema file_reference_schema{
    "key",
    {
        {.key = "source", .binding = bind<&ServiceFileReference::source>()},
        {.key = "target", .binding = bind<&ServiceFileReference::target>()},
        {.key = "uid", .binding = bind<&ServiceFileReference::uid>()},
        {.key = "gid", .binding = bind<&ServiceFileReference::gid>()},
        {.key = "mode", .shape = S::file_mode, .binding = bind<&ServiceFileReference::mode>()},
    },
    bind_extensions<&ServiceFileReference::extensions>(),
};

const Schema ulimit_schema{
    "key",
    {
        {.key = "soft",
         .shape = S::integer,
         .binding = bind<&ServiceUlimit::soft>(),
         .minimum = -1},
        {.key = "hard",
         .shape = S::integer,
         .binding = bind<&ServiceUlimit::hard>(),
         .minimum = -1},
    },
    bind_extensions<&ServiceUlimit::extensions>(),
};

const Schema device_request_schema{
    "key",
    {
        {.key = "capabilities",
         .shape = S::string_list,
         .binding = bind<&DeviceRequest::capabilities>()},
        {.key = "count", .binding = bind<&DeviceRequest::count>()},
        {.key = "device_ids",
         .shape = S::string_list,
         .binding = bind<&DeviceRequest::device_ids>()},
        {.key = "driver", .binding = bind<&DeviceRequest::driver>()},
        {.key = "options", .shape = S::string_map, .binding = bind<&DeviceRequest::options>()},
    },
    bind_extensions<&DeviceRequest::extensions>(),
};

const Schema logging_schema{
    "key",
    {
        {.key = "driver", .binding = bind<&Logging::driver>()},
        {.key = "options", .shape = S::string_map, .binding = bind<&Logging::options>()},
    },
    bind_extensions<&Logging::extensions>(),
};

const Schema provider_schema{
    "key",
    {
        {.key = "type", .binding = bind<&Provider::type>()},
        {.key = "options", .shape = S::any, .binding = bind<&Provider::options>()},
    },
    bind_extensions<&Provider::extensions>(),
};

const Schema credential_spec_schema{
    "key",
    {
        {.key = "config", .binding = bind<&CredentialSpec::config>()},
        {.key = "file", .binding = bind<&CredentialSpec::file>()},
        {.key = "registry", .binding = bind<&CredentialSpec::registry>()},
    },
    bind_extensions<&CredentialSpec::extensions>(),
};

const Schema blkio_schema{
    "key",
    {
        {.key = "weight",
         .shape = S::integer,
         .binding = bind<&BlkioConfig::weight>(),
         .minimum = 10,
         .maximum = 1000},
        {.key = "weight_device",
         .shape = S::list_of_mappings,
         .binding = bind<&BlkioConfig::weight_device>(),
         .nested = &blkio_limit_schema},
        {.key = "device_read_bps",
         .shape = S::list_of_mappings,
         .binding = bind<&BlkioConfig::device_read_bps>(),
         .nested = &blkio_limit_schema},
        {.key = "device_write_bps",
         .shape = S::list_of_mappings,
         .binding = bind<&BlkioConfig::device_write_bps>(),
         .nested = &blkio_limit_schema},
        {.key = "device_read_iops",
         .shape = S::list_of_mappings,
         .binding = bind<&BlkioConfig::device_read_iops>(),
         .nested = &blkio_limit_schema},
        {.key = "device_write_iops",
         .shape = S::list_of_mappings,
         .binding = bind<&BlkioConfig::device_write_iops>(),
         .nested = &blkio_limit_schema},
    },
    bind_extensions<&BlkioConfig::extensions>(),
};

}  // namespace berth::compose::detail
