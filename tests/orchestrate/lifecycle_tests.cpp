// Secrets and configs, lifecycle hooks, build options, pull policies and
// include, each asserted inside running containers. meson runs this once per
// backend (dockerd, rootful and rootless Podman), one small project per topic.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <berth/compose/loader.hpp>
#include <berth/orchestrate.hpp>

#include "process.hpp"
#include "test_engine.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>

using namespace berth;
using namespace berth::testing;
using namespace std::chrono_literals;

namespace {

/// A whole compose file in a temporary folder, loaded with the given
/// variables, and taken down (with its volumes) at scope exit.
class Project {
  public:
    explicit Project(const std::string& yaml, std::map<std::string, std::string> variables = {})
        : name_(unique_name("berth-life")), variables_(std::move(variables)) {
        folder_.write("compose.yaml", yaml);
    }
    ~Project() {
        try {
            down(engine(), name_, nullptr, {.remove_volumes = true, .timeout = 1s});
        } catch (const std::exception& error) {
            std::cerr << "cleanup of " << name_ << ": " << error.what() << std::endl;
        }
    }
    void add_file(const std::string& relative, const std::string& text) {
        folder_.write(relative, text);
    }
    compose::Project load() {
        compose::LoadOptions options;
        options.files = {(folder_.path() / "compose.yaml").string()};
        options.project_name = name_;
        options.environment = variables_;
        return compose::load_project(options);
    }
    UpResult up(UpOptions options = {}) {
        project_ = load();
        options.progress = [this](const ServiceEvent& event) {
            std::lock_guard lock(mutex_);
            events_.push_back(std::string(to_string(event.kind)) + " " + event.service);
        };
        return berth::up(engine(), project_, options);
    }
    /// `down` as berth's command does it: with the project, so pre_stop runs.
    void down_with_hooks() {
        berth::down(engine(), name_, &project_, {.remove_volumes = false, .timeout = 2s});
    }
    std::size_t position(const std::string& event) {
        std::lock_guard lock(mutex_);
        auto found = std::find(events_.begin(), events_.end(), event);
        REQUIRE_MESSAGE(found != events_.end(), "no event '" << event << "'");
        return static_cast<std::size_t>(found - events_.begin());
    }
    std::string container(const std::string& service) {
        return service_status(engine(), name_, service).container_id;
    }
    /// The output of `sh -c script` in the service's container; fails on a
    /// non-zero exit.
    std::string run(const std::string& service, const std::string& script) {
        ExecResult result = engine().exec(container(service), {"/bin/sh", "-c", script});
        INFO(script << ": " << result.stdout_text << result.stderr_text);
        REQUIRE(result.exit_code == 0);
        return result.stdout_text;
    }
    bool nothing_left() const { return project_gone(name_); }
    const std::string& name() const { return name_; }
    const std::filesystem::path& folder() const { return folder_.path(); }

  private:
    std::string name_;
    std::map<std::string, std::string> variables_;
    TemporaryFolder folder_;
    compose::Project project_;
    std::mutex mutex_;
    std::vector<std::string> events_;
};

std::string sleeper(const std::string& service) {
    return "  " + service + ":\n    image: " + busybox_image() +
           "\n    command: [\"/bin/sh\", \"-c\", \"trap 'exit 0' TERM; sleep 600 & wait\"]\n";
}

/// The message of what `up` threw, "" when it did not throw.
std::string up_error(Project& project) {
    try {
        project.up();
    } catch (const std::exception& error) {
        return error.what();
    }
    return "";
}

/// A registry of berth/registry:latest on 127.0.0.1:port, healthy before
/// this returns; with a password file, it wants a login (htpasswd, bcrypt).
std::unique_ptr<Project> start_registry(int port, bool with_login) {
    std::string yaml =
        "services:\n  registry:\n    image: berth/registry:latest\n"
        "    ports: [\"127.0.0.1:" +
        std::to_string(port) + ":5000\"]\n";
    if (with_login) {
        // User berth, password berth-pass. The check wants the 401 that a
        // registry with a login answers to an anonymous GET /v2/.
        yaml += R"(    environment:
      REGISTRY_AUTH: htpasswd
      REGISTRY_AUTH_HTPASSWD_REALM: berth
      REGISTRY_AUTH_HTPASSWD_PATH: /auth/htpasswd
    configs:
      - source: htpasswd
        target: /auth/htpasswd
    healthcheck:
      test: ["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5000 && printf 'GET /v2/ HTTP/1.0\\r\\n\\r\\n' >&3 && read -r line <&3 && [[ $$line == *' 401 '* ]]"]
      interval: 2s
      start_period: 20s
      start_interval: 200ms
configs:
  htpasswd:
    content: "berth:$$2b$$05$$zMrInAcAPRAP1lmGi6u/vO.axC5rRRudHAfdduM5wryjGTnTHn9C.\n"
)";
    }
    auto registry = std::make_unique<Project>(yaml);
    registry->up();
    return registry;
}

/// Builds a busybox image whose /version says `version`, pushes it as
/// reference and returns its image id.
std::string push_version(const std::string& reference, const std::string& version) {
    TemporaryFolder context;
    BuildOptions build;
    build.context_dir = context.path().string();
    build.dockerfile_inline = "FROM " + busybox_image() + "\nRUN echo " + version +
                              " > /version\nCMD [\"/bin/sh\", \"-c\", \"trap 'exit 0' TERM; "
                              "sleep 600 & wait\"]\n";
    build.tags = {reference};
    std::string id = engine().image_build(build);
    engine().image_push(reference, {.tls_verify = false});
    return id;
}

std::string image_of(Project& project, const std::string& service) {
    return engine().container_inspect(project.container(service)).image_id;
}

/// The digest the engine recorded for reference's repository, "" when none.
std::string repository_digest(const std::string& image_id, const std::string& repository) {
    auto image = engine().image_inspect(image_id);
    REQUIRE(image);
    for (const auto& digest : image->digests) {
        auto at = digest.find('@');
        if (at != std::string::npos &&
            same_image_name(digest.substr(0, at) + ":x", repository + ":x"))
            return digest.substr(at + 1);
    }
    return "";
}

class StateFolder {
  public:
    // berth keeps its last-pull times here; a folder of the test's own
    // keeps earlier runs out.
    StateFolder() { ::setenv("XDG_STATE_HOME", folder_.path().c_str(), 1); }
    ~StateFolder() { ::unsetenv("XDG_STATE_HOME"); }
    std::filesystem::path pulls() const { return folder_.path() / "berth" / "pulls.json"; }

  private:
    TemporaryFolder folder_;
};

}  // namespace

TEST_CASE("pull_policy: missing pulls once, daily waits, always pulls again, never refuses") {
    StateFolder state;
    const int port = std::stoi(environment_variable("BERTH_TEST_REGISTRY_PORT"));
    auto registry = start_registry(port, false);
    const std::string repository = "127.0.0.1:" + std::to_string(port) + "/berth-life/pulled";
    const std::string reference = repository + ":1";
    const std::string first = push_version(reference, "one");
    engine().image_remove(reference, true);
    REQUIRE_FALSE(engine().image_exists(reference));

    auto service = [&](const std::string& policy) {
        return "services:\n  app:\n    image: " + reference + "\n    pull_policy: " + policy + "\n";
    };
    Project project(service("missing"));
    project.up();
    CHECK(project.run("app", "cat /version") == "one\n");
    const std::string pulled_digest = repository_digest(image_of(project, "app"), repository);
    CHECK(pulled_digest.rfind("sha256:", 0) == 0);
    CHECK(std::filesystem::exists(state.pulls()));

    // The registry gets a second version; the engine still has the first.
    const std::string second = push_version(reference, "two");
    engine().image_tag(first, reference);
    project.add_file("compose.yaml", service("daily"));
    project.up();  // pulled minutes ago: not due
    CHECK(project.run("app", "cat /version") == "one\n");

    project.add_file("compose.yaml", service("always"));
    CHECK(project.up().changed);
    CHECK(project.run("app", "cat /version") == "two\n");
    CHECK(repository_digest(image_of(project, "app"), repository) != pulled_digest);
    CHECK(image_of(project, "app") == second);

    // never: the engine lacks the image, and berth does not fetch it.
    Project never(service("never"));
    engine().image_remove(reference, true);
    std::string error = up_error(never);
    CHECK(error.find("service app: image " + reference +
                     " is not on this engine and pull_policy is 'never'") != std::string::npos);
    CHECK(never.nothing_left());

    // The loader already names a duration that does not parse, with its place.
    Project malformed(service("every_fortnight"));
    error = up_error(malformed);
    CHECK(error.find("compose.yaml:4:18: services.app.pull_policy: expected always") !=
          std::string::npos);
    CHECK(malformed.nothing_left());

    // A missing image that the registry does not have either.
    Project absent("services:\n  app:\n    image: " + repository + ":absent\n");
    error = up_error(absent);
    CHECK(error.find("service app: pulling " + repository +
                     ":absent (pull_policy missing) failed") != std::string::npos);
    CHECK(absent.nothing_left());
    project.down_with_hooks();
    engine().image_remove(first, true);
}

TEST_CASE("a registry that wants a login: credentials from REGISTRY_AUTH_FILE's auths") {
    StateFolder state;
    const int port = std::stoi(environment_variable("BERTH_TEST_REGISTRY_PORT")) + 100;
    auto registry = start_registry(port, true);
    const std::string host = "127.0.0.1:" + std::to_string(port);
    const std::string reference = host + "/berth-life/secured:1";
    TemporaryFolder credentials;
    // berth:berth-pass in base64.
    credentials.write("auth.json",
                      R"({"auths": {")" + host + R"(": {"auth": "YmVydGg6YmVydGgtcGFzcw=="}}})");
    ::setenv("REGISTRY_AUTH_FILE", (credentials.path() / "auth.json").c_str(), 1);
    const std::string pushed = push_version(reference, "secured");
    engine().image_remove(reference, true);

    Project project("services:\n  app:\n    image: " + reference + "\n");
    project.up();
    CHECK(project.run("app", "cat /version") == "secured\n");

    // Without the credentials the registry says no, and up says why.
    ::unsetenv("REGISTRY_AUTH_FILE");
    Project anonymous("services:\n  app:\n    image: " + host +
                      "/berth-life/secured:1\n"
                      "    pull_policy: always\n");
    std::string error = up_error(anonymous);
    CHECK(error.find("pulling " + reference + " (pull_policy always) failed") != std::string::npos);
    CHECK(anonymous.nothing_left());
    project.down_with_hooks();
    engine().image_remove(pushed, true);
}

TEST_CASE("secrets and configs from a file, a variable and content, with owner and mode") {
    Project project("services:\n" + sleeper("app") +
                        R"(    secrets:
      - token
      - source: from_variable
        target: renamed
        uid: "1000"
        gid: "1001"
        mode: 0400
    configs:
      - source: settings
        target: /etc/app/nested/settings.conf
        uid: "12"
        mode: 0640
      - plain
secrets:
  token: {file: ./token.txt}
  from_variable: {environment: BERTH_LIFECYCLE_SECRET}
configs:
  settings: {content: "key=value"}
  plain: {file: ./plain.txt}
)",
                    {{"BERTH_LIFECYCLE_SECRET", "from the environment"}});
    project.add_file("token.txt", "file secret\n");
    project.add_file("plain.txt", "plain config\n");
    project.up();
    CHECK(project.run("app", "cat /run/secrets/token") == "file secret\n");
    CHECK(project.run("app", "stat -c '%u %g %a' /run/secrets/token") == "0 0 444\n");
    CHECK(project.run("app", "cat /run/secrets/renamed") == "from the environment");
    CHECK(project.run("app", "stat -c '%u %g %a' /run/secrets/renamed") == "1000 1001 400\n");
    CHECK(project.run("app", "cat /etc/app/nested/settings.conf") == "key=value");
    CHECK(project.run("app", "stat -c '%u %g %a' /etc/app/nested/settings.conf") == "12 0 640\n");
    CHECK(project.run("app", "stat -c '%u %g %a' /etc/app/nested") == "0 0 755\n");
    CHECK(project.run("app", "cat /plain") == "plain config\n");
    // The image's own folders keep their mode: /tmp stays 1777 and /run/secrets
    // was made next to the image's /run.
    CHECK(project.run("app", "stat -c '%a' /tmp") == "1777\n");

    // A changed secret recreates the container with the new content.
    const std::string before = project.container("app");
    project.add_file("token.txt", "rotated\n");
    CHECK(project.up().changed);
    CHECK(project.container("app") != before);
    CHECK(project.run("app", "cat /run/secrets/token") == "rotated\n");
}

TEST_CASE("a secret that cannot be read, or is external, stops up with nothing made") {
    Project missing("services:\n" + sleeper("app") +
                    "    secrets: [token]\nsecrets:\n  token: {file: ./absent.txt}\n");
    std::string error = up_error(missing);
    CHECK(error.find("service app: secret token: cannot read") != std::string::npos);
    CHECK(missing.nothing_left());

    Project unset(
        "services:\n" + sleeper("app") +
        "    secrets: [token]\nsecrets:\n  token: {environment: BERTH_LIFECYCLE_UNSET}\n");
    error = up_error(unset);
    CHECK(error.find("variable BERTH_LIFECYCLE_UNSET is not set") != std::string::npos);
    CHECK(unset.nothing_left());

    Project hidden("services:\n" + sleeper("app") +
                   "    tmpfs: [/run]\n    configs: [{source: token, target: /run/token}]\n"
                   "configs:\n  token: {content: x}\n");
    error = up_error(hidden);
    CHECK(error.find("service app: config token: its target /run/token is under the tmpfs /run") !=
          std::string::npos);
    CHECK(hidden.nothing_left());

    Project external("services:\n" + sleeper("app") +
                     "    configs: [shared]\nconfigs:\n  shared: {external: true}\n");
    error = up_error(external);
    CHECK(error.find("service app: config shared is external: only a Swarm cluster") !=
          std::string::npos);
    CHECK(external.nothing_left());
}

TEST_CASE("post_start runs with its user, folder and environment; pre_stop runs before down") {
    Project project("services:\n" + sleeper("app") + R"(    volumes: [marks:/marks]
    post_start:
      - command: ["/bin/sh", "-c", "chmod 777 /marks; id -u > /marks/first"]
      - command: ["/bin/sh", "-c", "echo $$GREETING $$(id -u) $$(pwd) > /marks/started"]
        user: "1234"
        working_dir: /tmp
        environment: {GREETING: hello}
    pre_stop:
      - command: ["/bin/sh", "-c", "echo stopping > /marks/stopped"]
volumes:
  marks: {}
)");
    project.up();
    CHECK(project.run("app", "cat /marks/first") == "0\n");
    CHECK(project.run("app", "cat /marks/started") == "hello 1234 /tmp\n");
    project.down_with_hooks();

    // The volume outlives the container: read what pre_stop wrote.
    ContainerSpec reader = busybox_spec("cat /marks/stopped");
    reader.mounts.push_back(
        {.type = Mount::Type::volume, .source = project.name() + "_marks", .target = "/marks"});
    OwnedContainer container(reader);
    engine().container_start(container.id());
    CHECK(engine().container_wait(container.id()) == 0);
    CHECK(engine().container_logs(container.id()).stdout_text == "stopping\n");
}

TEST_CASE("a privileged hook gets every capability, where the engine can grant them") {
    Project project("services:\n" + sleeper("app") + R"(    post_start:
      - command: ["/bin/sh", "-c", "grep CapEff /proc/self/status | cut -f2 > /tmp/caps"]
        privileged: true
)");
    if (!engine().backend().is_podman()) {
        // dockerd on this machine cannot apply a privileged exec's
        // capabilities (CAP_SYS_RESOURCE is not in its bounding set, as for
        // --privileged containers): up fails with the engine's reason.
        std::string error = up_error(project);
        CHECK(error.find("service app: post_start[0]") != std::string::npos);
        CHECK(error.find("unable to apply caps") != std::string::npos);
        CHECK(project.nothing_left());
        return;
    }
    project.up();
    std::string plain = project.run("app", "grep CapEff /proc/self/status | cut -f2");
    std::string privileged = project.run("app", "cat /tmp/caps");
    // Every capability the engine can grant: all of the plain set and more
    // (not all 64 bits: this VM keeps some out of every bounding set).
    const auto plain_bits = std::stoull(plain, nullptr, 16);
    const auto privileged_bits = std::stoull(privileged, nullptr, 16);
    CHECK((privileged_bits & plain_bits) == plain_bits);
    CHECK(privileged_bits != plain_bits);
}

TEST_CASE("docker-compose's stop, start and run: hooks and secrets there too") {
    Project project("services:\n" + sleeper("app") + R"(    volumes: [marks:/marks]
    secrets: [token]
    post_start:
      - command: ["/bin/sh", "-c", "echo started >> /marks/log"]
    pre_stop:
      - command: ["/bin/sh", "-c", "echo stopping >> /marks/log"]
secrets:
  token: {file: ./token.txt}
volumes:
  marks: {}
)");
    project.add_file("token.txt", "for run\n");
    project.up();
    auto compose = [&](std::vector<std::string> arguments) {
        std::vector<std::string> argv = {environment_variable("BERTH_BINARY"),
                                         "compose",
                                         "-H",
                                         engine().endpoint().uri(),
                                         "-f",
                                         (project.folder() / "compose.yaml").string(),
                                         "-p",
                                         project.name()};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        ProcessResult result = run_process(argv);
        INFO(result.output);
        CHECK(result.exit_code == 0);
        return result.output;
    };
    compose({"stop", "-t", "2"});
    compose({"start"});
    CHECK(project.run("app", "cat /marks/log") == "started\nstopping\nstarted\n");
    CHECK(compose({"run", "--rm", "-T", "app", "cat", "/run/secrets/token"}).find("for run") !=
          std::string::npos);
}

TEST_CASE("a failing post_start fails up with its output, and nothing is left") {
    Project project("services:\n" + sleeper("app") + R"(    post_start:
      - command: ["/bin/sh", "-c", "echo half-done; echo broken >&2; exit 3"]
)");
    std::string error;
    try {
        project.up();
    } catch (const ServiceFailed& failure) {
        error = failure.what();
        CHECK(failure.service() == "app");
    }
    CHECK(error.find("service app: post_start[0] (/bin/sh -c echo half-done; echo broken >&2; "
                     "exit 3) exited with code 3") != std::string::npos);
    CHECK(error.find("stdout: half-done") != std::string::npos);
    CHECK(error.find("stderr: broken") != std::string::npos);
    CHECK(project.nothing_left());
}

TEST_CASE("build options: inline Containerfile, target, args, labels, hosts, network, shm, tags") {
    const std::string tag = unique_name("berth-life-extra") + ":v1";
    // Podman's build endpoint runs RUN steps in the host's network whatever
    // networkmode says: berth takes `host` there and refuses the others.
    const bool podman = engine().backend().is_podman();
    Project project(R"(services:
  built:
    build:
      context: .
      dockerfile_inline: |
        FROM )" + busybox_image() +
                    R"( AS base
        ARG GREETING
        RUN echo "$$GREETING" > /greeting
        FROM base AS wanted
        RUN echo wanted > /stage
        RUN grep buildhost /etc/hosts | cut -f1 > /hosts-seen
        RUN grep -c : /proc/net/dev > /interfaces
        RUN df -k /dev/shm | tail -n 1 | awk '{print $2}' > /shm-kib
        CMD ["/bin/sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
        FROM base AS unwanted
        RUN echo unwanted > /stage
      target: wanted
      args: {GREETING: hello}
      labels: {org.example.built-by: berth}
      extra_hosts: ["buildhost=10.1.2.3"]
      network: )" + (podman ? "host" : "none") +
                    R"(
      shm_size: 32m
      no_cache: true
      cache_from: [")" +
                    busybox_image() + R"("]
      tags: [")" + tag +
                    R"("]
)");
    project.up();
    CHECK(project.run("built", "cat /stage") == "wanted\n");
    CHECK(project.run("built", "cat /greeting") == "hello\n");
    CHECK(project.run("built", "cat /hosts-seen") == "10.1.2.3\n");
    if (podman) {
        CHECK(project.run("built", "cat /interfaces") != "1\n");  // the host's
    } else {
        CHECK(project.run("built", "cat /interfaces") == "1\n");  // lo alone: network none
    }
    CHECK(project.run("built", "cat /shm-kib") == "32768\n");
    auto image = engine().image_inspect(project.name() + "-built");
    REQUIRE(image);
    CHECK(image->labels["org.example.built-by"] == "berth");
    auto extra = engine().image_inspect(tag);
    REQUIRE(extra);
    CHECK(extra->id == image->id);
    engine().image_remove(tag, true);
    engine().image_remove(project.name() + "-built", true);
}

TEST_CASE("build keys the engines' build API lacks are refused with the reason, nothing made") {
    Project project(R"(services:
  built:
    build:
      context: .
      secrets: [token]
      ssh: [default]
      additional_contexts: {extra: ./extra}
      platforms: [linux/amd64, linux/arm64]
secrets:
  token: {file: ./token.txt}
)");
    project.add_file("Containerfile", "FROM " + busybox_image() + "\n");
    std::string error = up_error(project);
    CHECK(error.find("service built: build.secrets: build secrets need a BuildKit session") !=
          std::string::npos);
    CHECK(error.find("service built: build.ssh: SSH forwarding into a build needs a BuildKit") !=
          std::string::npos);
    CHECK(error.find("service built: build.additional_contexts: named build contexts are a "
                     "BuildKit feature") != std::string::npos);
    CHECK(project.nothing_left());

    Project platforms(R"(services:
  built:
    build:
      context: .
      platforms: [linux/amd64, linux/arm64]
)");
    platforms.add_file("Containerfile", "FROM " + busybox_image() + "\n");
    error = up_error(platforms);
    CHECK(error.find("service built: build.platforms names 2 platforms") != std::string::npos);
    CHECK(platforms.nothing_left());

    if (engine().backend().is_podman()) {
        Project network(
            "services:\n  built:\n    build:\n      context: .\n"
            "      network: none\n");
        network.add_file("Containerfile", "FROM " + busybox_image() + "\n");
        error = up_error(network);
        CHECK(error.find("network 'none': Podman's build endpoint ignores networkmode") !=
              std::string::npos);
        CHECK(network.nothing_left());
    }
}

TEST_CASE("include: the included services come up as one project, in dependency order") {
    Project project(R"(include:
  - ./backend.yaml
services:
)" + sleeper("front") +
                    R"(    depends_on: [database]
)");
    project.add_file("backend.yaml", "services:\n" + sleeper("database"));
    UpResult result = project.up();
    REQUIRE(result.services.size() == 2);
    for (const auto& service : result.services)
        CHECK(service.state == "running");
    CHECK(project.position("Running database") < project.position("Creating front"));
    // One project: the included service carries its name and labels.
    CHECK(service_status(engine(), project.name(), "database").container_name ==
          project.name() + "-database-1");
}

int main(int argc, char** argv) {
    return run_suite(argc, argv);
}
