// `berth image`: make the registry-free base image, and build images.

#include "commands.hpp"
#include "progress_display.hpp"

#include <berth/base_image.hpp>
#include <berth/discovery.hpp>

#include <iostream>

namespace berth::cli {

namespace {

constexpr const char* image_usage = R"(usage:
  berth image bootstrap [--host URI] [--tag REF] [--suite NAME] [--mirror URL] [--force]
                        [--progress auto|tty|plain|quiet]
      Make a Debian base image from Debian's packages (debootstrap, as root) and
      import it; does nothing when the engine has it already. The root
      filesystem tar is kept in /var/cache/berth for the next engine.
  berth image build [--host URI] -t REF [--build-arg NAME=VALUE]... [--target STAGE]
                    [-f FILE] [--no-cache] [--progress auto|tty|plain|quiet] CONTEXT
      Build an image from a context folder (honouring .dockerignore).

Progress: one line per step (updated in place on a terminal); --progress plain
prints every line of output. The whole output is kept in a log file under
~/.local/state/berth/logs, whose path is printed when the work fails.
)";

std::string take_value(const Arguments& arguments, std::size_t& i) {
    if (i + 1 >= arguments.size())
        throw UsageError(arguments[i] + " needs a value");
    return arguments[++i];
}

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

int bootstrap(const Arguments& arguments) {
    DiscoveryOptions discovery;
    BaseImageOptions options;
    options.cache_dir = default_base_image_cache();
    ProgressMode progress_mode = ProgressMode::automatic;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& argument = arguments[i];
        if (argument == "--progress") {
            progress_mode = parse_progress_mode(take_value(arguments, i));
        } else if (argument == "--host") {
            discovery.explicit_endpoint = take_value(arguments, i);
        } else if (argument == "--tag") {
            options.reference = take_value(arguments, i);
        } else if (argument == "--suite") {
            options.suite = take_value(arguments, i);
        } else if (argument == "--mirror") {
            options.mirror = take_value(arguments, i);
        } else if (argument == "--force") {
            options.force = true;
        } else {
            std::cerr << "berth image bootstrap: unknown option '" << argument << "'\n"
                      << image_usage;
            return 2;
        }
    }
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

int build(const Arguments& arguments) {
    DiscoveryOptions discovery;
    BuildOptions options;
    ProgressMode progress_mode = ProgressMode::automatic;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& argument = arguments[i];
        if (argument == "--progress") {
            progress_mode = parse_progress_mode(take_value(arguments, i));
        } else if (argument == "--host") {
            discovery.explicit_endpoint = take_value(arguments, i);
        } else if (argument == "-t" || argument == "--tag") {
            options.tags.push_back(take_value(arguments, i));
        } else if (argument == "--build-arg") {
            std::string pair = take_value(arguments, i);
            auto equals = pair.find('=');
            if (equals == std::string::npos)
                throw UsageError("--build-arg wants NAME=VALUE, got " + pair);
            options.build_args[pair.substr(0, equals)] = pair.substr(equals + 1);
        } else if (argument == "--target") {
            options.target = take_value(arguments, i);
        } else if (argument == "-f" || argument == "--file") {
            options.dockerfile = take_value(arguments, i);
        } else if (argument == "--no-cache") {
            options.no_cache = true;
        } else if (!argument.empty() && argument[0] != '-' && options.context_dir.empty()) {
            options.context_dir = argument;
        } else {
            std::cerr << "berth image build: unexpected '" << argument << "'\n" << image_usage;
            return 2;
        }
    }
    if (options.context_dir.empty()) {
        std::cerr << "berth image build: no context folder given\n" << image_usage;
        return 2;
    }
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

int image_command(const Arguments& arguments) {
    if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h") {
        std::cout << image_usage;
        return arguments.empty() ? 2 : 0;
    }
    Arguments rest(arguments.begin() + 1, arguments.end());
    if (arguments[0] == "bootstrap")
        return bootstrap(rest);
    if (arguments[0] == "build")
        return build(rest);
    std::cerr << "berth image: unknown sub-command '" << arguments[0] << "'\n" << image_usage;
    return 2;
}

}  // namespace berth::cli
