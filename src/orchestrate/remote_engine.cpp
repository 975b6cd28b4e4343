// What changes when the engine runs on another machine: the paths of bind
// mounts and the address of published ports are that machine's.

#include <berth/orchestrate.hpp>

namespace berth {

namespace {

bool loopback(const std::string& address) {
    return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

}  // namespace

std::vector<std::string> remote_engine_warnings(const compose::Project& project,
                                                const Engine& engine) {
    std::vector<std::string> warnings;
    if (!engine.endpoint().remote())
        return warnings;
    const std::string& endpoint = engine.backend().endpoint;
    const std::string& address = engine.backend().host_address;
    for (const auto& service : project.services) {
        for (const auto& volume : service.volumes) {
            if (volume.type != compose::ServiceVolume::Type::bind)
                continue;
            warnings.push_back("service " + service.name + " binds " + volume.source + " to " +
                               volume.target + ": the engine at " + endpoint +
                               " mounts that path of " + address +
                               ", not of this machine; it sees this machine's files only if "
                               "they are there too (copy them, or use a volume)");
        }
        if (loopback(address))
            continue;
        for (const auto& port : service.ports) {
            if (!loopback(port.host_ip))
                continue;
            std::string published =
                port.published.empty() ? "a port the engine picks" : port.published;
            warnings.push_back(
                "service " + service.name + " publishes " + published + " on " + port.host_ip +
                " of " + address + ", which this machine cannot reach; forward it (ssh -L " +
                (port.published.empty() ? "PORT" : port.published) + ":" + port.host_ip + ":" +
                (port.published.empty() ? "PORT" : port.published) + " " + address +
                ") or publish it on an address of that machine");
        }
    }
    return warnings;
}

}  // namespace berth
