// `berth image`: make the registry-free base image, and build images.

#include "commands.hpp"
#include "progress_display.hpp"

#include <berth/base_image.hpp>
#include <berth/discovery.hpp>

#include <iostream>

namespace berth::cli {

namespace {

/// Runs work under a progress display, printing the log's tail on failure.
template <typename Work>
auto with_display(ProgressDisplay& display, Work work) {
    try {
        auto result = work();
        display.finish();
        return result;
    } catch (const Error&) {
        display.report_failure();
        throw;
    }
}

int bootstrap(const ParsedOptions& parsed) {
    if (!parsed.operands.empty())
        throw CommandLineError("image bootstrap",
                               "image bootstrap: unexpected '" + parsed.operands[0] + "'");
    DiscoveryOptions discovery;
    if (auto host = parsed.value("--host"))
        discovery.explicit_endpoint = *host;
    BaseImageOptions options;
    options.cache_dir = default_base_image_cache();
    options.reference = parsed.value("--tag").value_or(options.reference);
    options.suite = parsed.value("--suite").value_or(options.suite);
    options.mirror = parsed.value("--mirror").value_or(options.mirror);
    options.force = parsed.has("--force");
    ProgressMode progress_mode = parse_progress_mode(parsed.value("--progress").value_or("auto"));
    Engine engine = discover_engine(discovery);
    ProgressDisplay display(progress_mode, "image-bootstrap");
    display.event(options.reference, "Preparing", "");
    auto outcome = with_display(display, [&] {
        auto result = ensure_base_image(engine, options, [&](const Progress& line) {
            display.output(options.reference, line);
        });
        display.event(options.reference, "Ready", "", true);
        return result;
    });
    switch (outcome) {
        case BaseImageOutcome::already_present:
            std::cout << options.reference << " is already present\n";
            break;
        case BaseImageOutcome::imported_from_cache:
            std::cout << options.reference << " imported from the cached root filesystem\n";
            break;
        case BaseImageOutcome::bootstrapped:
            std::cout << options.reference << " bootstrapped and imported\n";
            break;
    }
    return 0;
}

int build(const ParsedOptions& parsed) {
    if (parsed.operands.size() != 1)
        throw CommandLineError("image build", "image build: needs one context folder");
    DiscoveryOptions discovery;
    if (auto host = parsed.value("--host"))
        discovery.explicit_endpoint = *host;
    BuildOptions options;
    options.context_dir = parsed.operands[0];
    options.tags = parsed.values("--tag");
    for (const auto& pair : parsed.values("--build-arg")) {
        auto equals = pair.find('=');
        if (equals == std::string::npos)
            throw CommandLineError("image build",
                                   "image build: --build-arg wants NAME=VALUE, not '" + pair + "'");
        options.build_args[pair.substr(0, equals)] = pair.substr(equals + 1);
    }
    options.target = parsed.value("--target").value_or("");
    options.dockerfile = parsed.value("--file").value_or(options.dockerfile);
    options.no_cache = parsed.has("--no-cache");
    ProgressMode progress_mode = parse_progress_mode(parsed.value("--progress").value_or("auto"));
    Engine engine = discover_engine(discovery);
    std::string task = options.tags.empty() ? options.context_dir : options.tags.front();
    ProgressDisplay display(progress_mode, "image-build");
    display.event(task, "Building", options.context_dir);
    std::string id = with_display(display, [&] {
        std::string built =
            engine.image_build(options, [&](const Progress& line) { display.output(task, line); });
        display.event(task, "Built", built, true);
        return built;
    });
    std::cout << id << "\n";
    return 0;
}

}  // namespace

std::vector<Command> image_commands() {
    const OptionSpec host{{"-H", "--host"}, "URI", "Engine to use (unix:///path, tcp://host:port)"};
    const OptionSpec progress{
        {"--progress"}, "MODE", "auto, tty, plain (every line of output) or quiet"};
    const std::string log_note =
        "The whole output is kept in a log file under ~/.local/state/berth/logs, whose path\n"
        "is printed when the work fails.\n";
    return {
        {{"image bootstrap",
          "",
          "Make a Debian base image from Debian's packages (debootstrap, as root) and\n"
          "import it; does nothing when the engine has it already. The root filesystem\n"
          "tar is kept in /var/cache/berth for the next engine.",
          {host,
           {{"--tag"}, "REF", "The image's name"},
           {{"--suite"}, "NAME", "Debian suite (default bookworm)"},
           {{"--mirror"}, "URL", "Debian mirror"},
           {{"--force"}, "", "Make it again even when the engine has it"},
           progress},
          false,
          log_note},
         bootstrap},
        {{"image build",
          "CONTEXT",
          "Build an image from a context folder (honouring .dockerignore).",
          {host,
           {{"-t", "--tag"}, "REF", "Name the image (repeatable)"},
           {{"--build-arg"}, "NAME=VALUE", "A build argument (repeatable)"},
           {{"--target"}, "STAGE", "Build up to this stage"},
           {{"-f", "--file"},
            "FILE",
            "Containerfile, relative to the context (default: Containerfile, else Dockerfile)"},
           {{"--no-cache"}, "", "Do not use the build cache"},
           progress},
          false,
          log_note},
         build},
    };
}

}  // namespace berth::cli
