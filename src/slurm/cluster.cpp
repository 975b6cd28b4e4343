// The Slurm module: a stack's Slurm cluster as a test reaches it.

#include <berth/slurm/cluster.hpp>

#include <nlohmann/json.hpp>

namespace berth {

SlurmCluster SlurmCluster::of(Stack& stack) {
    auto cluster = from_services(stack.services(), stack.engine().backend());
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
                cluster.registry_for_host = "127.0.0.1:" + std::to_string(port.host_port);
            }
        }
        // The profile's slurmdbd publishes no port; its running container
        // is what turns accounting on in the slurm service.
        if (status.service == "slurmdbd" && status.state == "running")
            cluster.accounting = true;
    }
    if (!found)
        return std::nullopt;
    cluster.backend = to_string(backend.kind);
    cluster.rootless = backend.rootless;
    cluster.registry_for_containers = "registry:5000";
    return cluster;
}

std::string SlurmCluster::to_json() const {
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
                          {"accounting", accounting}}
        .dump();
}

}  // namespace berth
