// docker-compose ps, port and config: the formats harnesses parse.

#include "compat.hpp"
#include "orchestrate/service_spec.hpp"

#include <berth/compose/serialize.hpp>

#include <iomanip>
#include <iostream>
#include <set>

namespace berth::cli::compat {

namespace {

std::string ports_text(const ContainerInfo& info) {
    std::string text;
    for (const auto& port : info.ports) {
        if (port.host_port == 0)
            continue;
        std::string host = port.host_ip.empty() ? "0.0.0.0" : port.host_ip;
        if (host.find(':') != std::string::npos)
            host = "[" + host + "]";  // v2 writes [::]:8080->80/tcp
        text += (text.empty() ? "" : ", ") + host + ":" + std::to_string(port.host_port) + "->" +
                std::to_string(port.container_port) + "/" + port.protocol;
    }
    return text;
}

/// One line of `docker compose ps --format json` (v2.21 and later: one object
/// per line; testcontainers reads both that and the older single array).
nlohmann::json row_json(const ContainerRow& row, const std::string& project) {
    nlohmann::json publishers = nlohmann::json::array();
    for (const auto& port : row.info.ports) {
        if (port.host_port == 0)
            continue;
        publishers.push_back({{"URL", port.host_ip.empty() ? "0.0.0.0" : port.host_ip},
                              {"TargetPort", port.container_port},
                              {"PublishedPort", port.host_port},
                              {"Protocol", port.protocol}});
    }
    std::string labels;
    for (const auto& [key, value] : row.info.labels)
        labels += (labels.empty() ? "" : ",") + key + "=" + value;
    std::string networks;
    for (const auto& network : row.info.networks)
        networks += (networks.empty() ? "" : ",") + network.network;
    HealthStatus health = row.info.state.health;
    return {{"ID", row.info.id},
            {"Name", row.info.name},
            {"Names", row.info.name},
            {"Image", row.info.image},
            {"Project", project},
            {"Service", row.service},
            {"State", row.info.state.status},
            {"Health", health == HealthStatus::none ? "" : to_string(health)},
            {"ExitCode", row.info.state.exit_code},
            {"Status", row.summary.status},
            {"Ports", ports_text(row.info)},
            {"Publishers", publishers},
            {"Labels", labels},
            {"Networks", networks}};
}

void print_table(const std::vector<ContainerRow>& rows) {
    std::vector<std::array<std::string, 5>> lines{{"NAME", "IMAGE", "SERVICE", "STATUS", "PORTS"}};
    for (const auto& row : rows) {
        lines.push_back(
            {row.info.name, row.info.image, row.service, row.summary.status, ports_text(row.info)});
    }
    std::array<std::size_t, 5> widths{};
    for (const auto& line : lines) {
        for (std::size_t column = 0; column < 5; ++column)
            widths[column] = std::max(widths[column], line[column].size());
    }
    for (const auto& line : lines) {
        for (std::size_t column = 0; column < 4; ++column)
            std::cout << std::left << std::setw(static_cast<int>(widths[column] + 3))
                      << line[column];
        std::cout << line[4] << "\n";
    }
}

/// --filter status=X and --status X: the states wanted, empty for any.
std::set<std::string> status_filter(const ParsedOptions& parsed) {
    static const std::set<std::string> states{"paused", "restarting", "removing", "running",
                                              "dead",   "created",    "exited"};
    std::set<std::string> wanted;
    auto add = [&](const std::string& state) {
        if (state == "stopped") {
            // docker-compose v1's word for every state but running, paused
            // and restarting; v2 names the states themselves.
            wanted.insert({"created", "removing", "exited", "dead"});
            return;
        }
        if (!states.count(state))
            throw CommandLineError("ps", "ps: unknown status '" + state +
                                             "' (created, restarting, running, removing, paused, "
                                             "exited, dead, or v1's stopped)");
        wanted.insert(state);
    };
    for (const auto& filter : parsed.values("--filter")) {
        if (filter.rfind("status=", 0) != 0)
            throw CommandLineError("ps",
                                   "ps: --filter takes status=STATE only, not '" + filter + "'");
        add(filter.substr(7));
    }
    for (const auto& state : parsed.values("--status"))
        add(state);
    return wanted;
}

int ps(Context& context, const ParsedOptions& parsed) {
    std::string format = parsed.value("--format").value_or("table");
    if (format != "table" && format != "json")
        throw CommandLineError("ps", "ps: --format takes table or json, not '" + format + "'");
    auto wanted = status_filter(parsed);
    if (!parsed.operands.empty())
        check_services(context, parsed.operands);
    // A status filter looks at every container, as docker compose v2 does.
    auto rows =
        project_containers(context, parsed.operands, parsed.has("--all") || !wanted.empty());
    std::erase_if(rows, [&](const ContainerRow& row) {
        return !wanted.empty() && !wanted.count(row.info.state.status);
    });
    if (parsed.has("--services")) {
        std::set<std::string> printed;
        for (const auto& row : rows) {
            if (printed.insert(row.service).second)
                std::cout << row.service << "\n";
        }
    } else if (parsed.has("--quiet")) {
        for (const auto& row : rows)
            std::cout << row.info.id << "\n";
    } else if (format == "json") {
        std::string project = context.project_name();
        for (const auto& row : rows)
            std::cout << row_json(row, project).dump() << "\n";
    } else {
        print_table(rows);
    }
    return 0;
}

int port(Context& context, const ParsedOptions& parsed) {
    if (parsed.operands.size() != 2)
        throw CommandLineError("port", "port: needs SERVICE and PRIVATE_PORT");
    std::string protocol = parsed.value("--protocol").value_or("tcp");
    std::string port_text = parsed.operands[1];
    if (auto slash = port_text.find('/'); slash != std::string::npos) {
        protocol = port_text.substr(slash + 1);
        port_text.resize(slash);
    }
    if (protocol != "tcp" && protocol != "udp" && protocol != "sctp")
        throw CommandLineError("port",
                               "port: --protocol takes tcp, udp or sctp, not '" + protocol + "'");
    ParsedOptions number_reader;
    number_reader.command = "port";
    number_reader.add("PRIVATE_PORT", port_text);
    int container_port = *number_reader.number("PRIVATE_PORT");
    int index = parsed.number("--index").value_or(1);
    check_services(context, {parsed.operands[0]});
    for (const auto& row : project_containers(context, {parsed.operands[0]}, false)) {
        if (row.number != index)
            continue;
        auto published = published_port(row.info, container_port, protocol);
        if (!published) {
            throw UsageError("no port " + std::to_string(container_port) + "/" + protocol +
                             " published for container " + row.info.name);
        }
        std::cout << *published << "\n";
        return 0;
    }
    throw UsageError("service " + parsed.operands[0] + " has no running container number " +
                     std::to_string(index));
}

int config(Context& context, const ParsedOptions& parsed) {
    std::string format = parsed.value("--format").value_or("yaml");
    if (format != "yaml" && format != "json")
        throw CommandLineError("config",
                               "config: --format takes yaml or json, not '" + format + "'");
    if (!parsed.operands.empty())
        throw CommandLineError("config", "config: unexpected '" + parsed.operands[0] + "'");
    compose::LoadOptions load = context.arguments().load;
    load.interpolate = !parsed.has("--no-interpolate");
    compose::Project project;
    try {
        project = compose::load_project(load);
    } catch (const compose::ComposeError& error) {
        for (const auto& diagnostic : error.diagnostics())
            std::cerr << diagnostic.to_string() << "\n";
        return 1;
    }
    if (parsed.has("--quiet"))
        return 0;
    if (parsed.has("--services")) {
        for (const auto& service : project.services)
            std::cout << service.name << "\n";
    } else if (parsed.has("--volumes")) {
        for (const auto& [key, volume] : project.volumes)
            std::cout << key << "\n";
    } else if (parsed.has("--images")) {
        for (const auto& service : project.services)
            std::cout << orchestrate::image_name(project, service) << "\n";
    } else {
        print_project(project, format == "json");
    }
    return 0;
}

}  // namespace

std::vector<Command> ps_commands(Context& context) {
    return {
        {{"ps",
          "[SERVICE...]",
          "List the project's containers: running ones, or all with -a (docker compose v2).",
          {{{"-a", "--all"}, "", "Stopped containers too"},
           {{"-q", "--quiet"}, "", "Only the container IDs"},
           {{"--services"}, "", "Only the service names, one a line"},
           {{"--filter"}, "status=STATE", "Only containers in this state (repeatable)"},
           {{"--status"}, "STATE", "Same as --filter status=STATE"},
           {{"--format"}, "FORMAT", "table, or json: one docker compose v2 object a line"}}},
         [&context](const ParsedOptions& parsed) { return ps(context, parsed); }},
        {{"port",
          "SERVICE PRIVATE_PORT",
          "Print the host address a container port is published on, as HOST:PORT.",
          {{{"--protocol"}, "PROTOCOL", "tcp (default), udp or sctp"},
           {{"--index"}, "N", "Which container of the service (default 1)"}}},
         [&context](const ParsedOptions& parsed) { return port(context, parsed); }},
        {{"config",
          "",
          "Validate the files and print the resolved project.",
          {{{"-q", "--quiet"}, "", "Only validate"},
           {{"--services"}, "", "Print the service names, one a line"},
           {{"--volumes"}, "", "Print the volume names, one a line"},
           {{"--images"}, "", "Print the image each service runs, one a line"},
           {{"--format"}, "FORMAT", "yaml (default) or json"},
           {{"--no-interpolate"}, "", "Leave ${VARIABLES} as written"}}},
         [&context](const ParsedOptions& parsed) { return config(context, parsed); }},
    };
}

}  // namespace berth::cli::compat
