// `down` and `ps`: both work from the compose labels on the engine's objects,
// so they also handle half-made projects and projects docker compose made.

#include <berth/compose/graph.hpp>
#include <berth/orchestrate.hpp>

#include "orchestrate/hooks.hpp"
#include "orchestrate/project_lock.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <map>
#include <set>
#include <tuple>

namespace berth {

namespace {

ListFilter project_filter(const std::string& project_name) {
    ListFilter filter;
    filter.labels = {std::string(compose_labels::project) + "=" + project_name};
    return filter;
}

std::string service_of(const std::map<std::string, std::string>& labels) {
    auto found = labels.find(compose_labels::service);
    return found == labels.end() ? std::string() : found->second;
}

}  // namespace

std::vector<ServiceStatus> ps(Engine& engine, const std::string& project_name) {
    std::vector<ServiceStatus> result;
    for (const auto& summary : engine.container_list(project_filter(project_name))) {
        ContainerInfo info;
        try {
            info = engine.container_inspect(summary.id);
        } catch (const NotFound&) {
            continue;  // removed while we looked
        }
        ServiceStatus status;
        status.service = service_of(summary.labels);
        auto number = summary.labels.find(compose_labels::container_number);
        if (number != summary.labels.end()) {
            try {
                status.number = std::stoi(number->second);
            } catch (const std::exception&) {
                // a tool that does not number its containers: the first
            }
        }
        status.container_name = info.name;
        status.container_id = info.id;
        status.state = info.state.status;
        if (info.healthcheck && !info.healthcheck->test.empty() &&
            info.healthcheck->test[0] != "NONE") {
            status.health = info.state.health;
        }
        status.exit_code = info.state.exit_code;
        status.ports = info.ports;
        result.push_back(status);
    }
    std::sort(result.begin(), result.end(), [](const ServiceStatus& a, const ServiceStatus& b) {
        return std::tie(a.service, a.number) < std::tie(b.service, b.number);
    });
    return result;
}

ServiceStatus service_status(Engine& engine, const std::string& project_name,
                             const std::string& service, int number) {
    std::vector<int> numbers;
    for (auto& status : ps(engine, project_name)) {
        if (status.service != service)
            continue;
        if (status.number == number)
            return status;
        numbers.push_back(status.number);
    }
    throw ReplicaOutOfRange(project_name, service, number, numbers);
}

void down(Engine& engine, const std::string& project_name, const compose::Project* project,
          const DownOptions& options) {
    orchestrate::ProjectLock lock(engine.endpoint().uri(), project_name);
    ListFilter filter = project_filter(project_name);
    if (options.only_label)
        filter.labels.push_back(*options.only_label);
    std::map<std::string, std::vector<std::string>> by_service;
    std::set<std::string> running;
    for (const auto& summary : engine.container_list(filter)) {
        by_service[service_of(summary.labels)].push_back(summary.id);
        if (summary.state == "running")
            running.insert(summary.id);
    }
    // pre_stop hooks of the services the files name, for their running
    // containers; a container of a service the files no longer name has none.
    std::map<std::string, std::pair<std::string, const std::vector<compose::ServiceHook>*>> hooks;
    if (project != nullptr) {
        for (const auto& service : project->services) {
            auto found = by_service.find(service.name);
            if (service.pre_stop.empty() || found == by_service.end())
                continue;
            for (const auto& id : found->second)
                hooks[id] = {service.name, &service.pre_stop};
        }
    }
    // Dependants first: the levels of the graph in reverse; services the
    // files no longer name go first of all.
    std::vector<std::vector<std::string>> waves;
    std::set<std::string> placed;
    if (project != nullptr) {
        auto levels = compose::dependency_graph(*project).levels;
        for (auto level = levels.rbegin(); level != levels.rend(); ++level) {
            waves.push_back(*level);
            placed.insert(level->begin(), level->end());
        }
    }
    std::vector<std::string> unknown;
    for (const auto& [service, ids] : by_service) {
        if (!placed.count(service))
            unknown.push_back(service);
    }
    waves.insert(waves.begin(), unknown);

    std::mutex errors_mutex;
    std::vector<std::string> errors;
    for (const auto& wave : waves) {
        std::vector<std::string> ids;
        for (const auto& service : wave) {
            auto found = by_service.find(service);
            if (found != by_service.end())
                ids.insert(ids.end(), found->second.begin(), found->second.end());
        }
        if (ids.empty())
            continue;
        boost::asio::thread_pool pool(std::min<std::size_t>(ids.size(), 8));
        for (const auto& id : ids) {
            boost::asio::post(pool, [&, id] {
                try {
                    // A failing hook is reported, but the container still
                    // goes: down must leave nothing behind.
                    if (auto hook = hooks.find(id); hook != hooks.end() && running.count(id)) {
                        try {
                            orchestrate::run_hooks(engine, id, hook->second.first, "pre_stop",
                                                   *hook->second.second);
                        } catch (const ServiceFailed& error) {
                            std::lock_guard guard(errors_mutex);
                            errors.push_back(error.what());
                        }
                    }
                    // Otherwise killed: that is what a forced remove does.
                    if (!options.kill)
                        engine.container_stop(id, options.timeout);
                    engine.container_remove(id, {.force = true, .volumes = true});
                } catch (const NotFound&) {
                    // already gone: that is what down wants
                } catch (const Error& error) {
                    std::lock_guard guard(errors_mutex);
                    errors.push_back(error.what());
                }
            });
        }
        pool.join();
    }
    for (const auto& network : engine.network_list(filter)) {
        try {
            engine.network_remove(network.name);
        } catch (const NotFound&) {
        } catch (const Error& error) {
            errors.push_back(error.what());
        }
    }
    if (options.remove_volumes) {
        for (const auto& volume : engine.volume_list(filter)) {
            try {
                engine.volume_remove(volume.name, true);
            } catch (const NotFound&) {
            } catch (const Error& error) {
                errors.push_back(error.what());
            }
        }
    }
    if (!errors.empty()) {
        std::string text = "down of project " + project_name + " left some objects behind:";
        for (const auto& error : errors)
            text += "\n  " + error;
        throw Error(text);
    }
}

}  // namespace berth
