#pragma once
// The JSON body of a container create request, shared with the orchestrator,
// which hashes it to tell whether a running container still matches its
// service.

#include <berth/container.hpp>
#include <berth/resources.hpp>

#include <nlohmann/json.hpp>

namespace berth::detail {

nlohmann::json container_create_body(const ContainerSpec& spec);

/// An EndpointSettings object: aliases and fixed addresses on one network.
nlohmann::json network_endpoint_body(const NetworkEndpoint& endpoint);

}  // namespace berth::detail
