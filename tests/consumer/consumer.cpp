// A harness of someone else's, built against an installed berth: brings up a
// one-service stack with the fixture, uses it, and lets the destructor take
// it down. No berth program is on PATH and no checkout is at hand.

#include <berth/berth.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: consumer COMPOSE_FILE\n";
        return 2;
    }
    try {
        berth::StackOptions options;  // the engine comes from BERTH_HOST
        options.compose_files = {argv[1]};
        options.parallel_safe = true;
        std::string project;
        {
            berth::Stack stack(options);
            project = stack.project().name;
            berth::ExecResult release = stack.exec("app", {"cat", "/etc/debian_version"});
            int port = stack.host_port("app", 8080);
            if (release.exit_code != 0 || port <= 0) {
                std::cerr << "consumer: exec said " << release.exit_code << ", port " << port
                          << "\n";
                return 1;
            }
            // berth's exceptions are caught by their own type across the
            // library's boundary.
            try {
                stack.exec({"app", 2}, {"true"});
                std::cerr << "consumer: exec reached a second replica of 'app'\n";
                return 1;
            } catch (const berth::ReplicaOutOfRange& error) {
                if (error.replicas() != 1) {
                    std::cerr << "consumer: " << error.what() << "\n";
                    return 1;
                }
            }
            std::cout << "consumer: project " << project << " on "
                      << berth::to_string(stack.engine().backend().kind) << ", Debian "
                      << release.stdout_text.substr(0, release.stdout_text.find('\n'))
                      << ", port 8080 published on " << port << "\n";
        }
        berth::DiscoveryOptions discovery;
        discovery.explicit_endpoint = std::getenv("BERTH_HOST");
        berth::Engine engine = berth::discover_engine(discovery);
        if (!berth::ps(engine, project).empty()) {
            std::cerr << "consumer: " << project << " is still there after the fixture ended\n";
            return 1;
        }
        std::cout << "consumer: " << project << " is gone\n";
    } catch (const berth::Error& error) {
        std::cerr << "consumer: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
