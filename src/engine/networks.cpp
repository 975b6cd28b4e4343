// Network operations.

#include <berth/engine.hpp>

#include "engine/container_body.hpp"
#include "engine/engine_state.hpp"

namespace berth {

namespace {

NetworkInfo parse_network(const nlohmann::json& raw) {
    return {string_field(raw, "Id"), string_field(raw, "Name"), string_field(raw, "Driver"),
            string_map(raw, "Labels")};
}

nlohmann::json ipam_json(const NetworkSpec& spec) {
    nlohmann::json pools = nlohmann::json::array();
    for (const auto& pool : spec.ipam_pools) {
        nlohmann::json item = nlohmann::json::object();
        for (const auto& [name, value] : {std::pair{"Subnet", &pool.subnet},
                                          {"IPRange", &pool.ip_range},
                                          {"Gateway", &pool.gateway}}) {
            if (!value->empty())
                item[name] = *value;
        }
        if (!pool.auxiliary_addresses.empty())
            item["AuxiliaryAddresses"] = pool.auxiliary_addresses;
        pools.push_back(item);
    }
    return {{"Driver", spec.ipam_driver.empty() ? "default" : spec.ipam_driver},
            {"Config", pools},
            {"Options", spec.ipam_options}};
}

}  // namespace

std::string Engine::network_create(const NetworkSpec& spec) {
    auto request =
        state_->request("POST", state_->api("/networks/create"), "create network", spec.name);
    nlohmann::json body = {{"Name", spec.name},
                           {"Driver", spec.driver},
                           {"Labels", spec.labels},
                           {"Internal", spec.internal},
                           {"Attachable", spec.attachable},
                           {"EnableIPv6", spec.enable_ipv6},
                           {"CheckDuplicate", true}};
    if (!spec.driver_options.empty())
        body["Options"] = spec.driver_options;
    if (!spec.ipam_driver.empty() || !spec.ipam_pools.empty() || !spec.ipam_options.empty())
        body["IPAM"] = ipam_json(spec);
    request.headers.push_back("Content-Type: application/json");
    request.body = body.dump();
    try {
        // Podman checks a subnet against the host's interfaces, listing them
        // and then their addresses, and says "no such network interface"
        // when one goes away in between (another stack's container stopping).
        const auto answer = state_->parse_body(
            request, state_->send_again_while(request, "no such network interface"));
        // Podman names the options it does not know here, and makes the
        // network without them; such a network is not the one asked for.
        const std::string id = string_field(answer, "Id");
        if (const std::string warning = string_field(answer, "Warning"); !warning.empty())
            refuse_if_warned("create network", spec.name, {warning}, [&] { network_remove(id); });
        return id;
    } catch (const OutcomeUnknown&) {
        // Not sent again: a network of that name with these labels is the
        // one this request made.
        auto made = network_inspect(spec.name);
        if (!made || !carries_labels(made->labels, spec.labels))
            throw;
        return made->id;
    }
}

std::optional<NetworkInfo> Engine::network_inspect(const std::string& network) {
    auto request = state_->request("GET", state_->api("/networks/" + path_segment(network)),
                                   "inspect network", network);
    detail::Response response = state_->send(request, {404});
    if (response.status == 404)
        return std::nullopt;
    return state_->decode(request, state_->parse_body(request, response), parse_network);
}

std::vector<NetworkInfo> Engine::network_list(const ListFilter& filter) {
    auto request = state_->request("GET", state_->api("/networks"), "list networks");
    request.query.emplace_back("filters", filters_json(filter));
    return state_->decode(request, state_->send_json(request), [](const nlohmann::json& answer) {
        std::vector<NetworkInfo> result;
        for (const auto& raw : answer)
            result.push_back(parse_network(raw));
        return result;
    });
}

void Engine::network_remove(const std::string& network) {
    state_->send(state_->request("DELETE", state_->api("/networks/" + path_segment(network)),
                                 "remove network", network));
}

void Engine::network_connect(const std::string& network, const std::string& container,
                             const std::vector<std::string>& aliases) {
    network_connect(network, container, NetworkEndpoint{aliases, {}, {}, {}});
}

void Engine::network_connect(const std::string& network, const std::string& container,
                             const NetworkEndpoint& endpoint) {
    auto request =
        state_->request("POST", state_->api("/networks/" + path_segment(network) + "/connect"),
                        "connect to network " + network, container);
    request.headers.push_back("Content-Type: application/json");
    request.body = nlohmann::json{{"Container", container},
                                  {"EndpointConfig", detail::network_endpoint_body(endpoint)}}
                       .dump();
    state_->send(request);
}

}  // namespace berth
