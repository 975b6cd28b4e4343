// docker-compose logs, exec and run: what containers print, and commands in
// them.

#include "compat.hpp"
#include "orchestrate/service_files.hpp"
#include "orchestrate/service_spec.hpp"

#include <iomanip>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace berth::cli::compat {

namespace {

/// Prints whole lines of one container's output with its prefix, so that
/// several containers followed at once interleave by line, never mid-line.
class LinePrinter {
  public:
    LinePrinter(std::mutex& mutex, std::string prefix)
        : mutex_(mutex), prefix_(std::move(prefix)) {}

    void feed(std::string_view data) {
        partial_.append(data);
        std::size_t newline;
        while ((newline = partial_.find('\n')) != std::string::npos) {
            emit(partial_.substr(0, newline));
            partial_.erase(0, newline + 1);
        }
    }
    void finish() {
        if (!partial_.empty())
            emit(partial_);
        partial_.clear();
    }

  private:
    void emit(const std::string& line) {
        std::lock_guard lock(mutex_);
        std::cout << prefix_ << line << "\n" << std::flush;
    }
    std::mutex& mutex_;
    std::string prefix_;
    std::string partial_;
};

int logs(Context& context, const ParsedOptions& parsed) {
    LogOptions options;
    options.follow = parsed.has("--follow");
    options.timestamps = parsed.has("--timestamps");
    if (auto tail = parsed.value("--tail"); tail && *tail != "all")
        options.tail = parsed.number("--tail");
    if (!parsed.operands.empty())
        check_services(context, parsed.operands);
    auto rows = project_containers(context, parsed.operands, true);
    return stream_logs(context, rows, options, !parsed.has("--no-log-prefix"));
}

void add_environment(std::map<std::string, std::string>& environment,
                     const std::vector<std::string>& pairs) {
    for (const auto& pair : pairs) {
        auto equals = pair.find('=');
        if (equals != std::string::npos) {
            environment[pair.substr(0, equals)] = pair.substr(equals + 1);
        } else if (const char* value = std::getenv(pair.c_str())) {
            environment[pair] = value;  // -e NAME passes this shell's value, as compose does
        }
    }
}

int exec(Context& context, const ParsedOptions& parsed) {
    if (parsed.operands.size() < 2)
        throw CommandLineError("exec", "exec: needs SERVICE and COMMAND");
    const std::string& service = parsed.operands[0];
    int index = parsed.number("--index").value_or(1);
    check_services(context, {service});
    ExecOptions options;
    options.user = parsed.value("--user").value_or("");
    options.working_dir = parsed.value("--workdir").value_or("");
    options.detach = parsed.has("--detach");
    add_environment(options.environment, parsed.values("--env"));
    std::vector<std::string> command(parsed.operands.begin() + 1, parsed.operands.end());
    for (const auto& row : project_containers(context, {service}, false)) {
        if (row.number != index)
            continue;
        ExecResult result = context.engine().exec(row.info.id, command, options);
        std::cout << result.stdout_text << std::flush;
        std::cerr << result.stderr_text;
        return result.exit_code;
    }
    throw UsageError("service " + service + " is not running (no container number " +
                     std::to_string(index) + ")");
}

std::vector<std::string> split_words(const std::string& text) {
    std::istringstream stream(text);
    std::vector<std::string> words;
    for (std::string word; stream >> word;)
        words.push_back(word);
    return words;
}

/// Twelve hex digits, so that one-off containers of a service never clash.
std::string random_suffix() {
    std::random_device device;
    std::ostringstream text;
    text << std::hex << std::setfill('0') << std::setw(8) << device() << std::setw(4)
         << (device() & 0xffff);
    return text.str();
}

/// The image a one-off container runs: present, else built or pulled.
std::string run_image(Engine& engine, const compose::Project& project,
                      const compose::Service& service) {
    std::string image = orchestrate::image_name(project, service);
    if (!engine.image_exists(image)) {
        if (service.build)
            engine.image_build(orchestrate::build_options(project, service));
        else
            engine.image_pull(image);
    }
    return image;
}

ContainerSpec run_spec(Context& context, const compose::Service& service,
                       const ParsedOptions& parsed) {
    const compose::Project& project = context.project();
    ContainerSpec spec = orchestrate::container_spec(project, service,
                                                     run_image(context.engine(), project, service));
    spec.name = parsed.value("--name").value_or(project.name + "-" + service.name + "-run-" +
                                                random_suffix());
    spec.labels[compose_labels::oneoff] = "True";
    spec.labels.erase(compose_labels::container_number);
    spec.ports.clear();  // compose run publishes no ports (it has --service-ports for that)
    spec.restart = {};
    spec.tty = false;
    if (parsed.operands.size() > 1)
        spec.command = std::vector<std::string>(parsed.operands.begin() + 1, parsed.operands.end());
    if (auto entrypoint = parsed.value("--entrypoint"))
        spec.entrypoint = split_words(*entrypoint);
    if (auto user = parsed.value("--user"))
        spec.user = *user;
    if (auto folder = parsed.value("--workdir"))
        spec.working_dir = *folder;
    add_environment(spec.environment, parsed.values("--env"));
    return spec;
}

int run(Context& context, const ParsedOptions& parsed) {
    if (parsed.operands.empty())
        throw CommandLineError("run", "run: needs SERVICE");
    if (parsed.has("--rm") && parsed.has("--detach"))
        throw CommandLineError("run", "run: --rm and -d contradict each other");
    check_services(context, {parsed.operands[0]});
    const compose::Project& project = context.project();
    const compose::Service& service = *project.find_service(parsed.operands[0]);
    Engine& engine = context.engine();
    // Read first: an unreadable secret stops run before anything starts.
    const auto files = orchestrate::service_files(project, service);
    if (!parsed.has("--no-deps") && !service.depends_on.empty()) {
        UpOptions dependencies;
        dependencies.wait = false;  // depends_on conditions are still honoured
        for (const auto& dependency : service.depends_on)
            dependencies.services.push_back(dependency.service);
        berth::up(engine, project, dependencies);
    }
    ContainerSpec spec = run_spec(context, service, parsed);
    std::string id = engine.container_create(spec);
    auto networks = orchestrate::service_networks(project, service);
    for (std::size_t i = 1; i < networks.size(); ++i)
        engine.network_connect(networks[i].first, id, networks[i].second);
    orchestrate::put_service_files(engine, id, service.name, files);
    engine.container_start(id);
    if (parsed.has("--detach")) {
        std::cout << spec.name << "\n";
        return 0;
    }
    LogOptions follow;
    follow.follow = true;
    engine.container_logs(id, follow, [](OutputStream stream, std::string_view data) {
        (stream == OutputStream::stderr_stream ? std::cerr : std::cout) << data << std::flush;
    });
    int exit_code = engine.container_wait(id);
    if (parsed.has("--rm"))
        engine.container_remove(id, {.force = true});
    return exit_code;
}

}  // namespace

int stream_logs(Context& context, const std::vector<ContainerRow>& rows, const LogOptions& options,
                bool with_prefix, const CancelToken& cancel) {
    std::size_t width = 0;
    for (const auto& row : rows)
        width = std::max(width, row.service.size() + 1 + std::to_string(row.number).size());
    std::mutex output_mutex;
    auto prefix_of = [&](const ContainerRow& row) {
        if (!with_prefix)
            return std::string();
        std::string name = row.service + "-" + std::to_string(row.number);
        return name + std::string(width - name.size(), ' ') + "  | ";
    };
    auto show = [&](Engine& engine, const ContainerRow& row) {
        LinePrinter printer(output_mutex, prefix_of(row));
        try {
            engine.container_logs(
                row.info.id, options,
                [&](OutputStream, std::string_view data) { printer.feed(data); }, cancel);
        } catch (const Cancelled&) {
            // asked to stop following: what was read is printed below
        }
        printer.finish();
    };
    if (!options.follow) {
        for (const auto& row : rows)
            show(context.engine(), row);
        return 0;
    }
    // Following: one stream (and one connection) per container, lines
    // interleaved as they come, until every container has stopped.
    std::vector<std::thread> readers;
    std::mutex errors_mutex;
    std::vector<std::string> errors;
    for (const auto& row : rows) {
        readers.emplace_back([&, row] {
            try {
                Engine engine(context.engine().endpoint());
                show(engine, row);
            } catch (const std::exception& error) {
                std::lock_guard lock(errors_mutex);
                errors.push_back(row.info.name + ": " + error.what());
            }
        });
    }
    for (auto& reader : readers)
        reader.join();
    for (const auto& error : errors)
        std::cerr << context.program() << " logs: " << error << "\n";
    return errors.empty() ? 0 : 1;
}

std::vector<Command> output_commands(Context& context) {
    const OptionSpec no_terminal{
        {"-T", "--no-TTY"}, "", "No terminal (berth never allocates one; see README)"};
    return {
        {{"logs",
          "[SERVICE...]",
          "Show the containers' output, each line prefixed with SERVICE-N (several containers\n"
          "interleave by line). Colours: none, ever.",
          {{{"-f", "--follow"}, "", "Keep following until every container stops"},
           {{"-t", "--timestamps"}, "", "Prefix each line with its time"},
           {{"-n", "--tail"}, "N", "Only the last N lines of each container (or all)"},
           {{"--no-color"}, "", "No colours (berth prints none anyway)"},
           {{"--no-log-prefix"}, "", "Lines without the SERVICE-N | prefix"}}},
         [&context](const ParsedOptions& parsed) { return logs(context, parsed); }},
        {{"exec",
          "SERVICE COMMAND [ARG...]",
          "Run a command in a running service container; exits with the command's exit code.\n"
          "Output arrives when the command ends; standard input is not forwarded.",
          {no_terminal,
           {{"-u", "--user"}, "USER", "Run as this user"},
           {{"-w", "--workdir"}, "DIR", "Run in this folder"},
           {{"-e", "--env"}, "KEY=VALUE", "Set a variable (repeatable)"},
           {{"--index"}, "N", "Which container of the service (default 1)"},
           {{"-d", "--detach"}, "", "Start the command and return at once"}},
          true},
         [&context](const ParsedOptions& parsed) { return exec(context, parsed); }},
        {{"run",
          "SERVICE [COMMAND [ARG...]]",
          "Run a one-off container of a service (its dependencies started first) and exit with\n"
          "its exit code. Standard input is not forwarded; no ports are published.",
          {no_terminal,
           {{"--rm"}, "", "Remove the container when it exits"},
           {{"-d", "--detach"}, "", "Start it and print its name"},
           {{"--name"}, "NAME", "The container's name"},
           {{"-e", "--env"}, "KEY=VALUE", "Set a variable (repeatable)"},
           {{"-u", "--user"}, "USER", "Run as this user"},
           {{"-w", "--workdir"}, "DIR", "Run in this folder"},
           {{"--entrypoint"}, "COMMAND", "Override the entrypoint (split at spaces)"},
           {{"--no-deps"}, "", "Do not start the service's dependencies"}},
          true,
          "Refused (unknown option): --service-ports, -p/--publish, -v/--volume, -l/--label,\n"
          "--use-aliases, -i.\n"},
         [&context](const ParsedOptions& parsed) { return run(context, parsed); }},
    };
}

}  // namespace berth::cli::compat
