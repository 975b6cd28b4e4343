#pragma once
// The order in which services start and stop, from their depends_on.

#include <berth/compose/model.hpp>
#include <berth/export.hpp>

#include <string>
#include <vector>

namespace berth::compose {

/// Services grouped into levels: every service's dependencies are in earlier
/// levels, so the services of one level can start in parallel once the
/// previous level is up (and healthy, where a dependency asks for it).
/// Names within a level are sorted.
struct DependencyGraph {
    std::vector<std::vector<std::string>> levels;

    /// All services, dependencies first.
    BERTH_API std::vector<std::string> start_order() const;
    /// All services, dependents first: the reverse of start_order().
    BERTH_API std::vector<std::string> stop_order() const;
};

/// The services `service` needs started before itself, besides depends_on:
/// the one whose network stack it shares (`network_mode: service:X`), those
/// it `links` to and those it takes `volumes_from`, as compose orders them.
BERTH_API std::vector<std::string> implied_dependencies(const Service& service);

/// Builds the graph of the project's enabled services. Dependencies on
/// services that are absent (only allowed with required: false) are ignored.
/// The loader has rejected cycles already; given a project with a cycle
/// anyway, throws ComposeError naming it.
BERTH_API DependencyGraph dependency_graph(const Project& project);

/// The services that depend, directly or not, on `service` (for restarts).
BERTH_API std::vector<std::string> dependents_of(const Project& project,
                                                 const std::string& service);

}  // namespace berth::compose
