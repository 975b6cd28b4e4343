// `berth node ls|stop|start`: the Slurm stack's nodes, and node faults for
// tests (a compute node's container stopped and started again).

#include "commands.hpp"
#include "project_arguments.hpp"

#include <berth/slurm/cluster.hpp>

#include <iomanip>
#include <iostream>

namespace berth::cli {

namespace {

int node_list(const ParsedOptions& parsed) {
    ProjectArguments arguments = project_arguments(parsed);
    if (!parsed.operands.empty())
        throw CommandLineError("node ls",
                               "node ls: takes no operands, got '" + parsed.operands[0] + "'");
    std::string name = project_name(arguments);
    Engine engine = discover_engine(arguments.discovery);
    auto nodes = slurm_nodes(engine, berth::ps(engine, name));
    if (parsed.has("--json")) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& node : nodes) {
            list.push_back({{"name", node.name},
                            {"role", node.role},
                            {"container", node.container_name},
                            {"running", node.running},
                            {"state", node.state}});
        }
        std::cout << list.dump(2) << "\n";
        return 0;
    }
    std::cout << std::left << std::setw(16) << "NODE" << std::setw(12) << "ROLE" << std::setw(32)
              << "CONTAINER" << std::setw(10) << "RUNNING"
              << "SLURM STATE\n";
    for (const auto& node : nodes) {
        std::cout << std::setw(16) << (node.name.empty() ? "?" : node.name) << std::setw(12)
                  << node.role << std::setw(32) << node.container_name << std::setw(10)
                  << (node.running ? "yes" : "no") << (node.state.empty() ? "-" : node.state)
                  << "\n";
    }
    return 0;
}

int node_fault(const ParsedOptions& parsed, bool stop) {
    const std::string command = stop ? "node stop" : "node start";
    if (parsed.operands.empty())
        throw CommandLineError(command, command + ": needs a compute node's name (compute-1, ...)");
    ProjectArguments arguments = project_arguments(parsed);
    std::string name = project_name(arguments);
    Engine engine = discover_engine(arguments.discovery);
    for (const auto& node : parsed.operands) {
        if (stop)
            stop_slurm_node(engine, name, node);
        else
            start_slurm_node(engine, name, node);
        std::cerr << "node " << node << (stop ? " stopped" : " started") << "\n";
    }
    return 0;
}

}  // namespace

std::vector<Command> node_commands() {
    return {
        {{"node ls", "", "List the Slurm stack's nodes with Slurm's state of each.",
          std::vector<OptionSpec>{{{"--json"}, "", "Print JSON"}} + project_options()},
         node_list},
        {{"node stop", "NODE...",
          "Stop a compute node's container, as a failed machine: Slurm marks it not responding, "
          "then DOWN.",
          project_options()},
         [](const ParsedOptions& parsed) { return node_fault(parsed, true); }},
        {{"node start", "NODE...",
          "Start a stopped compute node again: it registers under its name and returns to idle.",
          project_options()},
         [](const ParsedOptions& parsed) { return node_fault(parsed, false); }},
    };
}

}  // namespace berth::cli
