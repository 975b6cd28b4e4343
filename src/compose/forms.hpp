#pragma once
// The forms the schema rows name: short syntaxes rewritten into the long one,
// defaults filled in, and the checks that span several keys of one mapping.
// Each has the Form signature; see schema.hpp.

#include <string>

#include "normalize.hpp"

namespace berth::compose::detail {

// Top level and services.
bool services_section(Normalizer& normalizer, Node& value, const std::string& path);
bool service_entry(Normalizer& normalizer, Node& value, const std::string& path);
bool container_name(Normalizer& normalizer, Node& value, const std::string& path);
bool restart_policy(Normalizer& normalizer, Node& value, const std::string& path);
bool pull_policy(Normalizer& normalizer, Node& value, const std::string& path);
bool expose_list(Normalizer& normalizer, Node& value, const std::string& path);
bool extra_hosts(Normalizer& normalizer, Node& value, const std::string& path);
bool env_file_list(Normalizer& normalizer, Node& value, const std::string& path);
bool path_list(Normalizer& normalizer, Node& value, const std::string& path);
bool context_map(Normalizer& normalizer, Node& value, const std::string& path);
bool device_list(Normalizer& normalizer, Node& value, const std::string& path);
bool gpus_all(Normalizer& normalizer, Node& value, const std::string& path);
bool ssh_list(Normalizer& normalizer, Node& value, const std::string& path);

// Lists that name things, written as a list or a mapping.
bool names_to_mapping(Normalizer& normalizer, Node& value, const std::string& path);
bool depends_on_list(Normalizer& normalizer, Node& value, const std::string& path);
bool dependency_defaults(Normalizer& normalizer, Node& value, const std::string& path);

// Nested mappings with a short syntax or cross-key rules.
bool build_short(Normalizer& normalizer, Node& value, const std::string& path);
bool build_finish(Normalizer& normalizer, Node& value, const std::string& path);
bool healthcheck_test(Normalizer& normalizer, Node& value, const std::string& path);
bool ulimit_short(Normalizer& normalizer, Node& value, const std::string& path);
bool ulimit_finish(Normalizer& normalizer, Node& value, const std::string& path);
bool extends_short(Normalizer& normalizer, Node& value, const std::string& path);
bool extends_finish(Normalizer& normalizer, Node& value, const std::string& path);
bool file_reference_short(Normalizer& normalizer, Node& value, const std::string& path);
bool file_reference_finish(Normalizer& normalizer, Node& value, const std::string& path);
bool hook_finish(Normalizer& normalizer, Node& value, const std::string& path);
bool watch_finish(Normalizer& normalizer, Node& value, const std::string& path);
bool provider_finish(Normalizer& normalizer, Node& value, const std::string& path);
bool device_request_finish(Normalizer& normalizer, Node& value, const std::string& path);

// Top-level resources.
bool external_flag(Normalizer& normalizer, Node& value, const std::string& path);
bool resource_finish(Normalizer& normalizer, Node& value, const std::string& path);
bool secret_finish(Normalizer& normalizer, Node& value, const std::string& path);
bool config_finish(Normalizer& normalizer, Node& value, const std::string& path);
bool include_short(Normalizer& normalizer, Node& value, const std::string& path);
bool include_finish(Normalizer& normalizer, Node& value, const std::string& path);

// Ports and service volumes (forms_entries.cpp).
bool port_list(Normalizer& normalizer, Node& value, const std::string& path);
bool published_port(Normalizer& normalizer, Node& value, const std::string& path);
bool service_volume_list(Normalizer& normalizer, Node& value, const std::string& path);
bool env_file_finish(Normalizer& normalizer, Node& value, const std::string& path);

/// "80" or "8000-8010", ports from 1 to 65535.
bool is_port_range(const std::string& text);

/// Compose's service and container name rule.
bool valid_service_name(const std::string& name);

}  // namespace berth::compose::detail
