#include <berth/compose/graph.hpp>
#include <berth/compose/loader.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace berth::compose {

std::vector<std::string> DependencyGraph::start_order() const {
    std::vector<std::string> order;
    for (const auto& level : levels) {
        order.insert(order.end(), level.begin(), level.end());
    }
    return order;
}

std::vector<std::string> DependencyGraph::stop_order() const {
    std::vector<std::string> order = start_order();
    std::reverse(order.begin(), order.end());
    return order;
}

std::vector<std::string> implied_dependencies(const Service& service) {
    std::vector<std::string> names;
    const std::string prefix = "service:";
    if (service.network_mode.rfind(prefix, 0) == 0)
        names.push_back(service.network_mode.substr(prefix.size()));
    for (const auto& link : service.links)
        names.push_back(link.substr(0, link.find(':')));  // "SERVICE" or "SERVICE:ALIAS"
    for (const auto& source : service.volumes_from) {
        // "SERVICE[:ro|rw]"; "container:NAME" names a container outside the project.
        if (source.rfind("container:", 0) != 0)
            names.push_back(source.substr(0, source.find(':')));
    }
    return names;
}

DependencyGraph dependency_graph(const Project& project) {
    // Kahn's algorithm, one level per round: a service joins the first level
    // after all of its (present) dependencies.
    std::map<std::string, std::set<std::string>> waiting_on;
    for (const auto& service : project.services) {
        auto& dependencies = waiting_on[service.name];
        for (const auto& dependency : service.depends_on) {
            if (project.find_service(dependency.service)) {
                dependencies.insert(dependency.service);
            }
        }
        for (const auto& name : implied_dependencies(service)) {
            if (project.find_service(name))
                dependencies.insert(name);
        }
    }
    DependencyGraph graph;
    std::set<std::string> placed;
    while (placed.size() < waiting_on.size()) {
        std::vector<std::string> level;
        for (const auto& [name, dependencies] : waiting_on) {
            if (placed.count(name) != 0) {
                continue;
            }
            const bool ready = std::all_of(dependencies.begin(), dependencies.end(),
                                           [&](const std::string& d) { return placed.count(d); });
            if (ready) {
                level.push_back(name);
            }
        }
        if (level.empty()) {
            std::string members;
            for (const auto& [name, dependencies] : waiting_on) {
                if (placed.count(name) == 0) {
                    members += (members.empty() ? "" : ", ") + name;
                }
            }
            throw ComposeError(
                {Diagnostic{"", 0, 0, "", "dependency cycle among services: " + members}});
        }
        placed.insert(level.begin(), level.end());
        graph.levels.push_back(std::move(level));
    }
    return graph;
}

std::vector<std::string> dependents_of(const Project& project, const std::string& service) {
    std::set<std::string> found;
    std::vector<std::string> frontier = {service};
    while (!frontier.empty()) {
        const std::string current = frontier.back();
        frontier.pop_back();
        for (const auto& candidate : project.services) {
            for (const auto& dependency : candidate.depends_on) {
                if (dependency.service == current && found.insert(candidate.name).second) {
                    frontier.push_back(candidate.name);
                }
            }
        }
    }
    found.erase(service);
    return {found.begin(), found.end()};
}

}  // namespace berth::compose
