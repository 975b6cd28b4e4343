// The Slurm module: a stack's Slurm cluster as a test reaches it.

#include <berth/slurm/cluster.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace berth {

namespace {

// Asked of the controller in one exec: the compute nodes' names claimed in
// the shared volume ("NAME HOLDER ADDRESS", the holder being the container's
// own host name, its short id) and Slurm's state of every node.
const char* nodes_script = R"script(
for claim in /var/lib/berth-shared/nodes/compute-*; do
  [ -e "$claim" ] && echo "claim ${claim##*/} $(cat "$claim")"
done
sinfo --noheader --Node --format='%N %t' 2>/dev/null | sort -u | sed 's/^/state /'
)script";

const ServiceStatus* controller_of(const std::vector<ServiceStatus>& services) {
    for (const auto& status : services) {
        if (status.service == "slurm")
            return &status;
    }
    return nullptr;
}

}  // namespace

std::vector<SlurmNode> slurm_nodes(Engine& engine, const std::vector<ServiceStatus>& services) {
    const ServiceStatus* controller = controller_of(services);
    if (controller == nullptr)
        return {};
    std::map<std::string, std::string> node_of_holder;
    std::map<std::string, std::string> states;
    if (controller->state == "running") {
        auto answer = engine.exec(controller->container_id, {"sh", "-c", nodes_script});
        std::istringstream lines(answer.stdout_text);
        std::string kind, name, value;
        while (lines >> kind >> name) {
            std::getline(lines, value);
            std::istringstream rest(value);
            std::string first;
            rest >> first;
            if (kind == "claim")
                node_of_holder[first] = name;
            else if (kind == "state")
                states[name] = first;
        }
    }
    std::vector<SlurmNode> nodes;
    nodes.push_back({"slurm-control", "controller", controller->container_name,
                     controller->container_id, controller->state == "running",
                     states["slurm-control"]});
    for (const auto& status : services) {
        if (status.service != "compute")
            continue;
        // An engine's default host name for a container is its short id.
        auto claimed = node_of_holder.find(status.container_id.substr(0, 12));
        std::string name = claimed == node_of_holder.end() ? "" : claimed->second;
        nodes.push_back({name, "compute", status.container_name, status.container_id,
                         status.state == "running", name.empty() ? "" : states[name]});
    }
    // compute-1, compute-2, ..., compute-10 by number: names are claimed in
    // the order the containers start, not by their replica numbers.
    auto number = [](const SlurmNode& node) {
        auto dash = node.name.rfind('-');
        return dash == std::string::npos ? 1 << 30 : std::atoi(node.name.c_str() + dash + 1);
    };
    std::stable_sort(nodes.begin() + 1, nodes.end(),
                     [&](const SlurmNode& a, const SlurmNode& b) { return number(a) < number(b); });
    return nodes;
}

namespace {

const SlurmNode& find_node(const std::vector<SlurmNode>& nodes, const std::string& project,
                           const std::string& node) {
    std::string known;
    for (const auto& each : nodes) {
        if (each.role == "compute" && (each.name == node || each.container_name == node))
            return each;
        if (each.role == "compute")
            known +=
                (known.empty() ? "" : ", ") + (each.name.empty() ? each.container_name : each.name);
    }
    throw UsageError("project " + project + " has no compute node '" + node + "'" +
                     (known.empty() ? " (it has none: set SLURM_COMPUTE_NODES=N)"
                                    : " (compute nodes: " + known + ")"));
}

}  // namespace

void stop_slurm_node(Engine& engine, const std::string& project, const std::string& node) {
    auto nodes = slurm_nodes(engine, ps(engine, project));
    engine.container_stop(find_node(nodes, project, node).container_id);
}

void start_slurm_node(Engine& engine, const std::string& project, const std::string& node) {
    auto nodes = slurm_nodes(engine, ps(engine, project));
    engine.container_start(find_node(nodes, project, node).container_id);
}

void SlurmCluster::stop_node(Stack& stack, const std::string& node) {
    stop_slurm_node(stack.engine(), stack.project().name, node);
}

void SlurmCluster::start_node(Stack& stack, const std::string& node) {
    start_slurm_node(stack.engine(), stack.project().name, node);
}

std::string SlurmCluster::wait_for_node_state(Stack& stack, const std::string& node,
                                              const std::vector<std::string>& states,
                                              std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string seen;
    while (true) {
        for (const auto& each : slurm_nodes(stack.engine(), stack.services())) {
            if (each.name == node)
                seen = each.state;
        }
        for (const auto& wanted : states) {
            if (seen == wanted)
                return seen;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw Error("Slurm node " + node + " did not reach the wanted state within " +
                        std::to_string(timeout.count()) + " s; its last state was '" + seen + "'");
        }
        // Slurm changes a node's state on its own schedule (pings every few
        // seconds): poll, a quarter of a second apart.
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
}

SlurmCluster SlurmCluster::of(Stack& stack) {
    auto cluster = of(stack.engine(), stack.services());
    if (!cluster) {
        throw UsageError("project " + stack.project().name +
                         " has no running slurm service publishing port 22");
    }
    return *cluster;
}

std::optional<SlurmCluster> SlurmCluster::from_services(const std::vector<ServiceStatus>& services,
                                                        const BackendInfo& backend) {
    SlurmCluster cluster;
    bool found = false;
    for (const auto& status : services) {
        for (const auto& port : status.ports) {
            if (status.service == "slurm" && port.container_port == 22) {
                cluster.ssh_port = port.host_port;
                cluster.container_name = status.container_name;
                found = true;
            }
            if (status.service == "registry" && port.container_port == 5000) {
                cluster.registry_for_host =
                    backend.host_address + ":" + std::to_string(port.host_port);
            }
        }
        // The profile's slurmdbd publishes no port; its running container
        // is what turns accounting on in the slurm service.
        if (status.service == "slurmdbd" && status.state == "running")
            cluster.accounting = true;
    }
    if (!found)
        return std::nullopt;
    // The ports are published on the engine's machine: over ssh:// or tcp://
    // that is another address than this machine's 127.0.0.1.
    cluster.hostname = backend.host_address;
    cluster.backend = to_string(backend.kind);
    cluster.rootless = backend.rootless;
    cluster.registry_for_containers = "registry:5000";
    return cluster;
}

std::optional<SlurmCluster> SlurmCluster::of(Engine& engine,
                                             const std::vector<ServiceStatus>& services) {
    auto cluster = from_services(services, engine.backend());
    if (cluster)
        cluster->nodes = slurm_nodes(engine, services);
    return cluster;
}

std::string SlurmCluster::to_json() const {
    nlohmann::json node_list = nlohmann::json::array();
    for (const auto& node : nodes) {
        node_list.push_back({{"name", node.name},
                             {"role", node.role},
                             {"container", node.container_name},
                             {"running", node.running},
                             {"state", node.state}});
    }
    return nlohmann::json{{"hostname", hostname},
                          {"port", ssh_port},
                          {"username", username},
                          {"password", password},
                          {"job_base_dir", job_base_dir},
                          {"partition", partition},
                          {"container_name", container_name},
                          {"backend", backend},
                          {"rootless", rootless},
                          {"registry_for_host", registry_for_host},
                          {"registry_for_containers", registry_for_containers},
                          {"accounting", accounting},
                          {"nodes", node_list}}
        .dump();
}

}  // namespace berth
