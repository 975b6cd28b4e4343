#pragma once
// From a compose service to what the engine takes: names, images, labels and
// the container spec, and the hash that tells whether a container still
// matches its service.

#include <berth/compose/model.hpp>
#include <berth/container.hpp>
#include <berth/image.hpp>
#include <berth/resources.hpp>

#include <string>

namespace berth::orchestrate {

/// `container_name`, else PROJECT-SERVICE-NUMBER as docker compose names
/// its replicas.
std::string container_name(const compose::Project& project, const compose::Service& service,
                           int number = 1);

/// How many containers a service runs: `scale`, else `deploy.replicas`, else
/// one. Throws UsageError when the two disagree (compose refuses that too)
/// or when a fixed `container_name` would be given to several containers.
int replica_count(const compose::Service& service);

/// The image a service runs: `image`, else PROJECT-SERVICE for a build.
std::string image_name(const compose::Project& project, const compose::Service& service);

/// How a service with a build section is built: its context, file, args,
/// labels and target, tagged image_name(). Used by up and `docker-compose build`.
BuildOptions build_options(const compose::Project& project, const compose::Service& service);

/// The networks a service joins, as (engine network name, endpoint), the
/// highest `priority` first; the service's own name is always an alias, as
/// compose makes it.
std::vector<std::pair<std::string, NetworkEndpoint>> service_networks(
    const compose::Project& project, const compose::Service& service);

/// How a top-level network is created: driver and its options, IPAM, flags
/// and the file's labels (compose's own labels are up's to add).
NetworkSpec network_spec(const compose::Network& network);

/// The full create spec of replica `number`, labels included (config-hash
/// excepted).
ContainerSpec container_spec(const compose::Project& project, const compose::Service& service,
                             const std::string& image_id, int number = 1);

/// A stable digest of the spec and the image it runs.
std::string config_hash(const ContainerSpec& spec, const std::string& image_id);

}  // namespace berth::orchestrate
