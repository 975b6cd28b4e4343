// `berth up`, `down`, `ps`, `logs` and `exec`, shaped like docker compose.

#include "commands.hpp"
#include "project_arguments.hpp"

#include <berth/fixture.hpp>
#include <berth/orchestrate.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <iomanip>
#include <iostream>
#include <sstream>

namespace berth::cli {

namespace {

nlohmann::json status_json(const ServiceStatus& status) {
    nlohmann::json ports = nlohmann::json::array();
    for (const auto& port : status.ports) {
        ports.push_back({{"container_port", port.container_port},
                         {"protocol", port.protocol},
                         {"host_ip", port.host_ip},
                         {"host_port", port.host_port}});
    }
    return {{"service", status.service},
            {"container", status.container_name},
            {"id", status.container_id},
            {"state", status.state},
            {"health", status.health},
            {"exit_code", status.exit_code},
            {"ports", ports}};
}

std::string ports_text(const ServiceStatus& status) {
    std::string text;
    for (const auto& port : status.ports) {
        if (!text.empty())
            text += ", ";
        text += (port.host_ip.empty() ? "0.0.0.0" : port.host_ip) + ":" +
                std::to_string(port.host_port) + "->" + std::to_string(port.container_port) + "/" +
                port.protocol;
    }
    return text;
}

}  // namespace

nlohmann::json stack_json(const std::string& project, Engine& engine,
                          const std::vector<ServiceStatus>& services) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& status : services)
        list.push_back(status_json(status));
    nlohmann::json document = {{"project", project},
                               {"backend", to_string(engine.backend().kind)},
                               {"rootless", engine.backend().rootless},
                               {"endpoint", engine.backend().endpoint},
                               {"services", list}};
    auto cluster = SlurmCluster::from_services(services, engine.backend());
    document["slurm"] =
        cluster ? nlohmann::json::parse(cluster->to_json()) : nlohmann::json(nullptr);
    return document;
}

namespace {

void print_table(const std::vector<ServiceStatus>& services) {
    std::cout << std::left << std::setw(16) << "SERVICE" << std::setw(28) << "CONTAINER"
              << std::setw(22) << "STATE"
              << "PORTS\n";
    for (const auto& status : services) {
        std::string state = status.state;
        if (!status.health.empty())
            state += " (" + status.health + ")";
        if (status.state == "exited")
            state += " (" + std::to_string(status.exit_code) + ")";
        std::cout << std::setw(16) << status.service << std::setw(28) << status.container_name
                  << std::setw(22) << state << ports_text(status) << "\n";
    }
}

int up(const Arguments& arguments) {
    ProjectArguments parsed = parse_project_arguments(arguments);
    UpOptions options;
    bool json = false;
    bool quiet = false;
    for (std::size_t i = 0; i < parsed.rest.size(); ++i) {
        const std::string& argument = parsed.rest[i];
        if (argument == "-d" || argument == "--detach") {
            // berth never attaches; accepted for docker compose habits.
        } else if (argument == "--wait") {
            options.wait = true;
        } else if (argument == "--no-wait") {
            options.wait = false;
        } else if (argument == "--wait-timeout" && i + 1 < parsed.rest.size()) {
            options.wait_timeout =
                std::chrono::seconds(integer_argument(argument, parsed.rest[++i]));
        } else if (argument == "--build") {
            options.build = true;
        } else if (argument == "--keep-on-failure") {
            options.keep_on_failure = true;
        } else if (argument == "--json") {
            json = true;
        } else if (argument == "-q" || argument == "--quiet") {
            quiet = true;
        } else if (!argument.empty() && argument[0] != '-') {
            options.services.push_back(argument);
        } else {
            std::cerr << "berth up: unknown option '" << argument << "'\n" << up_usage;
            return 2;
        }
    }
    compose::Project project = compose::load_project(parsed.load);
    Engine engine = discover_engine(parsed.discovery);
    if (!quiet) {
        options.progress = [](const ServiceEvent& event) {
            std::ostringstream line;
            line << std::fixed << std::setprecision(1) << std::setw(6)
                 << static_cast<double>(event.elapsed.count()) / 1000.0 << "s  " << std::left
                 << std::setw(11) << to_string(event.kind) << event.service;
            if (!event.detail.empty())
                line << "  " << event.detail;
            std::cerr << line.str() << "\n";
        };
    }
    UpResult result = up(engine, project, options);
    if (json) {
        nlohmann::json document = stack_json(project.name, engine, result.services);
        document["changed"] = result.changed;
        document["elapsed_seconds"] = static_cast<double>(result.elapsed.count()) / 1000.0;
        std::cout << document.dump(2) << "\n";
    } else if (!quiet) {
        std::cerr << "project " << project.name << " is up (" << std::fixed << std::setprecision(1)
                  << static_cast<double>(result.elapsed.count()) / 1000.0 << " s"
                  << (result.changed ? "" : ", nothing changed") << ")\n";
        print_table(result.services);
    }
    return 0;
}

int down(const Arguments& arguments) {
    ProjectArguments parsed = parse_project_arguments(arguments);
    DownOptions options;
    for (std::size_t i = 0; i < parsed.rest.size(); ++i) {
        const std::string& argument = parsed.rest[i];
        if (argument == "-v" || argument == "--volumes") {
            options.remove_volumes = true;
        } else if ((argument == "-t" || argument == "--timeout") && i + 1 < parsed.rest.size()) {
            options.timeout = std::chrono::seconds(integer_argument(argument, parsed.rest[++i]));
        } else {
            std::cerr << "berth down: unknown option '" << argument << "'\n" << down_usage;
            return 2;
        }
    }
    // The files, when they load, give the stop order; without them the
    // labels alone are enough to take the project away.
    std::optional<compose::Project> project;
    try {
        project = compose::load_project(parsed.load);
    } catch (const Error& error) {
        if (!parsed.load.project_name)
            throw;
    }
    std::string name = project ? project->name : project_name(parsed);
    Engine engine = discover_engine(parsed.discovery);
    down(engine, name, project ? &*project : nullptr, options);
    std::cerr << "project " << name << " is down\n";
    return 0;
}

int ps(const Arguments& arguments) {
    ProjectArguments parsed = parse_project_arguments(arguments);
    bool json = false;
    for (const auto& argument : parsed.rest) {
        if (argument == "--json" || argument == "--format=json") {
            json = true;
        } else if (argument != "-a" && argument != "--all") {
            std::cerr << "berth ps: unknown option '" << argument << "'\n";
            return 2;
        }
    }
    std::string name = project_name(parsed);
    Engine engine = discover_engine(parsed.discovery);
    auto services = ps(engine, name);
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& status : services)
            list.push_back(status_json(status));
        std::cout << list.dump(2) << "\n";
    } else {
        print_table(services);
    }
    return 0;
}

int logs(const Arguments& arguments) {
    ProjectArguments parsed = parse_project_arguments(arguments);
    LogOptions options;
    std::vector<std::string> services;
    for (std::size_t i = 0; i < parsed.rest.size(); ++i) {
        const std::string& argument = parsed.rest[i];
        if (argument == "-f" || argument == "--follow") {
            options.follow = true;
        } else if (argument == "-t" || argument == "--timestamps") {
            options.timestamps = true;
        } else if ((argument == "-n" || argument == "--tail") && i + 1 < parsed.rest.size()) {
            options.tail = integer_argument(argument, parsed.rest[++i]);
        } else if (!argument.empty() && argument[0] != '-') {
            services.push_back(argument);
        } else {
            std::cerr << "berth logs: unknown option '" << argument << "'\n";
            return 2;
        }
    }
    std::string name = project_name(parsed);
    Engine engine = discover_engine(parsed.discovery);
    if (services.empty()) {
        for (const auto& status : ps(engine, name))
            services.push_back(status.service);
    }
    for (const auto& service : services) {
        std::string prefix = service + "  | ";
        engine.container_logs(service_status(engine, name, service).container_id, options,
                              [&](OutputStream stream, std::string_view data) {
                                  (stream == OutputStream::stderr_stream ? std::cerr : std::cout)
                                      << (services.size() > 1 ? prefix : "") << data;
                              });
    }
    return 0;
}

int exec(const Arguments& arguments) {
    // Options end at the service name; everything after it is the command.
    Arguments own;
    Arguments command;
    std::string service;
    ExecOptions options;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& argument = arguments[i];
        if (!service.empty()) {
            command.push_back(argument);
        } else if ((argument == "-u" || argument == "--user") && i + 1 < arguments.size()) {
            options.user = arguments[++i];
        } else if ((argument == "-w" || argument == "--workdir") && i + 1 < arguments.size()) {
            options.working_dir = arguments[++i];
        } else if ((argument == "-e" || argument == "--env") && i + 1 < arguments.size()) {
            std::string pair = arguments[++i];
            auto equals = pair.find('=');
            options.environment[pair.substr(0, equals)] =
                equals == std::string::npos ? "" : pair.substr(equals + 1);
        } else if (argument == "-T") {
            // berth never allocates a terminal.
        } else if (argument.rfind('-', 0) == 0 && i + 1 < arguments.size() &&
                   (argument == "-f" || argument == "--file" || argument == "-p" ||
                    argument == "--project-name" || argument == "--host" || argument == "-H" ||
                    argument == "--env-file" || argument == "--profile" ||
                    argument == "--project-directory")) {
            own.push_back(argument);
            own.push_back(arguments[++i]);
        } else if (argument.rfind('-', 0) == 0) {
            own.push_back(argument);
        } else {
            service = argument;
        }
    }
    if (service.empty() || command.empty()) {
        std::cerr << "usage: berth exec [OPTIONS] SERVICE COMMAND [ARG...]\n";
        return 2;
    }
    ProjectArguments parsed = parse_project_arguments(own);
    std::string name = project_name(parsed);
    Engine engine = discover_engine(parsed.discovery);
    ExecResult result =
        engine.exec(service_status(engine, name, service).container_id, command, options);
    std::cout << result.stdout_text;
    std::cerr << result.stderr_text;
    return result.exit_code;
}

}  // namespace

int up_command(const Arguments& arguments) {
    return up(arguments);
}
int down_command(const Arguments& arguments) {
    return down(arguments);
}
int ps_command(const Arguments& arguments) {
    return ps(arguments);
}
int logs_command(const Arguments& arguments) {
    return logs(arguments);
}
int exec_command(const Arguments& arguments) {
    return exec(arguments);
}

}  // namespace berth::cli
