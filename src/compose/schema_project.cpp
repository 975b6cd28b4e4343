// The top of a compose file and its resources: networks (06-networks.md),
// volumes (07-volumes.md), configs (08-configs.md), secrets (09-secrets.md),
// models (models.md) and include (14-include.md). One row per key.

#include "binding.hpp"
#include "forms.hpp"

namespace berth::compose::detail {

namespace {

using S = Shape;

const Schema ipam_pool_schema{
    "key",
    {
        {.key = "subnet", .binding = bind<&IpamPool::subnet>()},
        {.key = "ip_range", .binding = bind<&IpamPool::ip_range>()},
        {.key = "gateway", .binding = bind<&IpamPool::gateway>()},
        {.key = "aux_addresses",
         .shape = S::string_map,
         .binding = bind<&IpamPool::aux_addresses>()},
    },
    bind_extensions<&IpamPool::extensions>(),
};

const Schema ipam_schema{
    "key",
    {
        {.key = "driver", .binding = bind<&Ipam::driver>()},
        {.key = "config",
         .shape = S::list_of_mappings,
         .binding = bind<&Ipam::config>(),
         .nested = &ipam_pool_schema},
        {.key = "options", .shape = S::string_map, .binding = bind<&Ipam::options>()},
    },
    bind_extensions<&Ipam::extensions>(),
};

const Schema network_schema{
    "key",
    {
        {.key = "name", .binding = bind<&Network::name>()},
        {.key = "driver", .binding = bind<&Network::driver>()},
        {.key = "driver_opts", .shape = S::string_map, .binding = bind<&Network::driver_opts>()},
        {.key = "ipam",
         .shape = S::mapping,
         .binding = bind<&Network::ipam>(),
         .nested = &ipam_schema},
        {.key = "external",
         .shape = S::custom,
         .binding = bind<&Network::external>(),
         .form = external_flag},
        {.key = "internal", .shape = S::boolean, .binding = bind<&Network::internal>()},
        {.key = "attachable", .shape = S::boolean, .binding = bind<&Network::attachable>()},
        {.key = "enable_ipv4", .shape = S::boolean, .binding = bind<&Network::enable_ipv4>()},
        {.key = "enable_ipv6", .shape = S::boolean, .binding = bind<&Network::enable_ipv6>()},
        {.key = "labels", .shape = S::string_map, .binding = bind<&Network::labels>()},
    },
    bind_extensions<&Network::extensions>(),
};

const Schema volume_schema{
    "key",
    {
        {.key = "name", .binding = bind<&Volume::name>()},
        {.key = "driver", .binding = bind<&Volume::driver>()},
        {.key = "driver_opts", .shape = S::string_map, .binding = bind<&Volume::driver_opts>()},
        {.key = "external",
         .shape = S::custom,
         .binding = bind<&Volume::external>(),
         .form = external_flag},
        {.key = "labels", .shape = S::string_map, .binding = bind<&Volume::labels>()},
    },
    bind_extensions<&Volume::extensions>(),
};

// Secrets and configs share one model struct; each has a source key the
// other lacks (a secret's driver, a config's content).
std::vector<Field> file_fields(bool config) {
    std::vector<Field> fields = {
        {.key = "name", .binding = bind<&ProjectFile::name>()},
        {.key = "file", .binding = bind<&ProjectFile::file>()},
        {.key = "environment", .binding = bind<&ProjectFile::environment>()},
        {.key = "external",
         .shape = S::custom,
         .binding = bind<&ProjectFile::external>(),
         .form = external_flag},
        {.key = "labels", .shape = S::string_map, .binding = bind<&ProjectFile::labels>()},
        {.key = "template_driver", .binding = bind<&ProjectFile::template_driver>()},
    };
    if (config) {
        fields.push_back({.key = "content", .binding = bind<&ProjectFile::content>()});
    } else {
        fields.push_back({.key = "driver", .binding = bind<&ProjectFile::driver>()});
        fields.push_back({.key = "driver_opts",
                          .shape = S::string_map,
                          .binding = bind<&ProjectFile::driver_opts>()});
    }
    return fields;
}

const Schema secret_schema{"key", file_fields(false), bind_extensions<&ProjectFile::extensions>()};
const Schema config_schema{"key", file_fields(true), bind_extensions<&ProjectFile::extensions>()};

const Schema model_schema{
    "key",
    {
        {.key = "name", .binding = bind<&Model::name>()},
        {.key = "model", .binding = bind<&Model::model>()},
        {.key = "context_size",
         .shape = S::integer,
         .binding = bind<&Model::context_size>(),
         .minimum = 0},
        {.key = "runtime_flags", .shape = S::string_list, .binding = bind<&Model::runtime_flags>()},
    },
    bind_extensions<&Model::extensions>(),
};

// Read by the loader itself: the included files are merged into the project.
const Schema include_schema{
    "include key",
    {
        {.key = "path", .shape = S::string_or_list},
        {.key = "env_file", .shape = S::string_or_list},
        {.key = "project_directory"},
    },
};

}  // namespace

const Schema project_schema{
    "top-level key",
    {
        {.key = "version"},
        {.key = "name"},
        {.key = "include",
         .shape = S::list_of_mappings,
         .nested = &include_schema,
         .item_form = include_short,
         .finish = include_finish},
        {.key = "services",
         .shape = S::map_of_mappings,
         .nested = &service_schema,
         .form = services_section,
         .item_form = service_entry},
        {.key = "networks",
         .shape = S::map_of_mappings,
         .binding = bind<&Project::networks>(),
         .nested = &network_schema,
         .finish = resource_finish},
        {.key = "volumes",
         .shape = S::map_of_mappings,
         .binding = bind<&Project::volumes>(),
         .nested = &volume_schema,
         .finish = resource_finish},
        {.key = "secrets",
         .shape = S::map_of_mappings,
         .binding = bind<&Project::secrets>(),
         .nested = &secret_schema,
         .finish = secret_finish},
        {.key = "configs",
         .shape = S::map_of_mappings,
         .binding = bind<&Project::configs>(),
         .nested = &config_schema,
         .finish = config_finish},
        {.key = "models",
         .shape = S::map_of_mappings,
         .binding = bind<&Project::models>(),
         .nested = &model_schema},
    },
    bind_extensions<&Project::extensions>(),
};

}  // namespace berth::compose::detail
