// Engines over ssh://, against the test sshd of scripts/setup (127.0.0.1,
// alias berth-ssh-test in the ssh_config that BERTH_SSH_CONFIG names). The
// "remote" cases run once per backend (BERTH_TEST_ENDPOINT names the
// engine over ssh); the "ssh errors" cases once.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "process.hpp"
#include "test_engine.hpp"

#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

using namespace berth;
using namespace berth::testing;
using namespace std::chrono_literals;

namespace {

pid_t parent_of(pid_t pid) {
    std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos)
        return -1;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    pid_t parent = -1;
    fields >> state >> parent;
    return parent;
}

struct SshMaster {
    pid_t pid;
    std::string folder;  ///< the tunnel's private folder
};

/// The ssh masters berth started for process `owner`: ssh is the child of
/// the supervisor, which is the owner's child.
std::vector<SshMaster> ssh_masters_of(pid_t owner) {
    std::vector<SshMaster> masters;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        pid_t pid = std::stoi(name);
        std::string command = read_text(entry.path() / "cmdline");
        std::replace(command.begin(), command.end(), '\0', ' ');
        std::smatch match;
        static const std::regex control("ControlPath=(\\S+)/control ");
        if (command.find("ControlMaster=yes") == std::string::npos ||
            !std::regex_search(command, match, control))
            continue;
        pid_t supervisor = parent_of(pid);
        if (supervisor > 0 && parent_of(supervisor) == owner)
            masters.push_back({pid, match[1]});
    }
    return masters;
}

std::string ssh_config() {
    return environment_variable("BERTH_SSH_CONFIG");
}

Endpoint endpoint_with(const std::string& uri) {
    return Endpoint::parse(uri);
}

/// An ssh_config like the tests' own, with a known_hosts of our choosing.
std::string config_with_known_hosts(const TemporaryFolder& folder, const std::string& known_hosts,
                                    const std::string& extra = {}) {
    folder.write("known_hosts", known_hosts);
    std::string text = read_text(ssh_config());
    text = std::regex_replace(text, std::regex("UserKnownHostsFile \\S+"),
                              "UserKnownHostsFile " + (folder.path() / "known_hosts").string());
    folder.write("ssh_config", text + extra);
    return (folder.path() / "ssh_config").string();
}

/// Connects with another BERTH_SSH_CONFIG and returns the error.
std::optional<EngineUnreachable> unreachable_with(const std::string& config,
                                                  const std::string& uri) {
    std::string saved = ssh_config();
    ::setenv("BERTH_SSH_CONFIG", config.c_str(), 1);
    std::optional<EngineUnreachable> caught;
    try {
        Engine engine(endpoint_with(uri));
    } catch (const EngineUnreachable& error) {
        caught = error;
    }
    ::setenv("BERTH_SSH_CONFIG", saved.c_str(), 1);
    return caught;
}

std::optional<EngineUnreachable> unreachable(const std::string& uri) {
    return unreachable_with(ssh_config(), uri);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("remote") {
    TEST_CASE("one ssh session carries every request and stream, from many threads") {
        Engine& shared = engine();
        CHECK(shared.endpoint().scheme == Endpoint::Scheme::ssh);
        CHECK(shared.backend().host_address == "127.0.0.1");
        REQUIRE(ssh_masters_of(::getpid()).size() == 1);

        OwnedContainer container(busybox_spec("for i in 1 2 3 4 5; do echo line $i; done"));
        std::mutex failures_mutex;
        std::vector<std::string> failures;
        std::vector<std::thread> threads;
        for (int thread = 0; thread < 4; ++thread) {
            threads.emplace_back([&] {
                for (int request = 0; request < 10; ++request) {
                    try {
                        shared.container_inspect(container.id());
                        shared.image_exists(busybox_image());
                    } catch (const std::exception& failure) {
                        std::lock_guard lock(failures_mutex);
                        failures.push_back(failure.what());
                    }
                }
            });
        }
        engine().container_start(container.id());
        CHECK(engine().container_wait(container.id()) == 0);
        std::string followed;
        LogOptions follow;
        follow.follow = true;
        engine().container_logs(container.id(), follow,
                                [&](OutputStream, std::string_view data) { followed += data; });
        for (auto& thread : threads)
            thread.join();
        CHECK_MESSAGE(failures.empty(), failures.size() << " requests failed, the first: "
                                                        << (failures.empty() ? "" : failures[0]));
        CHECK(contains(followed, "line 5"));
        // Eighty requests and a stream later: still the one session.
        CHECK(ssh_masters_of(::getpid()).size() == 1);
    }

    TEST_CASE(
        "when the ssh session dies, a running stream fails naming the host, and the next "
        "request logs in again") {
        engine();
        auto shared_masters = ssh_masters_of(::getpid());
        Engine own(engine().endpoint());
        std::optional<SshMaster> mine;
        for (const auto& master : ssh_masters_of(::getpid())) {
            bool shared = false;
            for (const auto& other : shared_masters)
                shared = shared || other.pid == master.pid;
            if (!shared)
                mine = master;
        }
        REQUIRE(mine);
        std::optional<std::string> stream_error;
        std::atomic<bool> streaming{false};
        std::thread events([&] {
            try {
                own.events({}, [&](const Event&) {
                    streaming = true;
                    return true;
                });
                stream_error = "the stream ended without an error";
            } catch (const EngineUnreachable& error) {
                stream_error = error.what();
            } catch (const std::exception& error) {
                stream_error = std::string("not EngineUnreachable: ") + error.what();
            }
        });
        // An event through the stream proves it is established.
        OwnedContainer marker(busybox_spec("true"));
        bool established = eventually([&] { return streaming.load(); }, 30s);
        ::kill(mine->pid, SIGKILL);
        events.join();
        REQUIRE(established);
        REQUIRE(stream_error);
        INFO(*stream_error);
        CHECK(contains(*stream_error, "the SSH session to " + engine().endpoint().host + " ended"));
        CHECK(contains(*stream_error, engine().endpoint().uri()));
        // The next request logs in again; the dead session's folder is gone.
        CHECK_NOTHROW(own.ping());
        CHECK(ssh_masters_of(::getpid()).size() == shared_masters.size() + 1);
        CHECK(eventually([&] { return !std::filesystem::exists(mine->folder); }));
    }

    TEST_CASE("a killed owner's ssh session and private folder go with it") {
        int ready[2];
        REQUIRE(::pipe(ready) == 0);
        pid_t child = ::fork();
        if (child == 0) {
            ::close(ready[0]);
            std::optional<Engine> held;
            try {
                held.emplace(engine().endpoint());
                (void)!::write(ready[1], "1", 1);
            } catch (...) {
                (void)!::write(ready[1], "0", 1);
            }
            ::pause();
            ::_exit(0);
        }
        // Whatever the checks find, the child goes.
        struct Reaper {
            pid_t pid;
            ~Reaper() {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, nullptr, 0);
            }
        } reaper{child};
        ::close(ready[1]);
        char answer = 0;
        REQUIRE(::read(ready[0], &answer, 1) == 1);
        ::close(ready[0]);
        REQUIRE(answer == '1');
        auto masters = ssh_masters_of(child);
        REQUIRE(masters.size() == 1);
        CHECK(std::filesystem::exists(masters[0].folder + "/engine.sock"));
        ::kill(child, SIGKILL);
        pid_t master = masters[0].pid;
        CHECK(eventually([&] { return ::kill(master, 0) != 0; }));
        CHECK(eventually([&] { return !std::filesystem::exists(masters[0].folder); }));
    }

    TEST_CASE("berth up --wait over ssh:// gives the engine host's address and warns of binds") {
        TemporaryFolder project;
        ::chmod(project.path().c_str(), 0755);
        project.write("data/greeting", "hello\n");
        ::chmod((project.path() / "data").c_str(), 0755);
        project.write("compose.yml",
                      "services:\n"
                      "  web:\n"
                      "    image: " +
                          busybox_image() +
                          "\n"
                          "    command: [\"/bin/sh\", \"-c\", \"cat /data/greeting; "
                          "touch /tmp/ready; exec sleep 600\"]\n"
                          "    volumes: [\"./data:/data:ro\"]\n"
                          "    ports: [\"127.0.0.1::8080\"]\n"
                          "    healthcheck:\n"
                          "      test: [\"CMD\", \"test\", \"-f\", \"/tmp/ready\"]\n"
                          "      interval: 1s\n");
        std::string berth = environment_variable("BERTH_BINARY");
        std::string name = unique_name("hssh");
        std::string host = engine().endpoint().uri();
        auto start = std::chrono::steady_clock::now();
        auto up =
            run_process({berth, "--host", host, "-f", (project.path() / "compose.yml").string(),
                         "-p", name, "up", "--wait", "--json", "--progress", "plain"});
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        MESSAGE("berth up --wait over " << host << ": " << seconds << " s");
        auto down = [&] { return run_process({berth, "--host", host, "-p", name, "down", "-v"}); };
        INFO(up.output);
        REQUIRE(up.exit_code == 0);
        CHECK(contains(up.output,
                       "warning: service web binds " + (project.path() / "data").string()));
        auto json_start = up.output.find("{\n");
        REQUIRE(json_start != std::string::npos);
        auto document = nlohmann::json::parse(up.output.substr(json_start), nullptr, false);
        if (document.is_discarded()) {
            // stderr lines after the JSON: cut at the closing brace.
            std::string text = up.output.substr(json_start);
            document =
                nlohmann::json::parse(text.substr(0, text.find("\n}\n") + 2), nullptr, false);
        }
        REQUIRE_FALSE(document.is_discarded());
        CHECK(document["host_address"] == "127.0.0.1");
        CHECK(document["endpoint"].get<std::string>().rfind("ssh://", 0) == 0);
        REQUIRE(document["services"].size() == 1);
        CHECK(document["services"][0]["health"] == "healthy");
        CHECK(document["services"][0]["ports"][0]["host_port"].get<int>() > 0);
        auto logs = run_process({berth, "--host", host, "-p", name, "logs", "web"});
        CHECK(contains(logs.output, "hello"));
        auto result = down();
        INFO(result.output);
        CHECK(result.exit_code == 0);
    }
}

TEST_SUITE("ssh errors") {
    TEST_CASE("an unknown host key is refused, saying what to do") {
        TemporaryFolder folder;
        auto error = unreachable_with(config_with_known_hosts(folder, ""),
                                      "ssh://berth-remote@berth-ssh-test");
        REQUIRE(error);
        INFO(error->what());
        CHECK(error->reason() == UnreachableReason::host_key);
        CHECK(contains(error->what(), "host key is not in known_hosts"));
        CHECK(contains(error->what(), "ssh-keyscan"));
        CHECK(contains(error->what(), "ssh://berth-remote@berth-ssh-test"));
    }

    TEST_CASE("a changed host key is refused, saying what to do") {
        TemporaryFolder folder;
        auto made = run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                                 (folder.path() / "other").string()});
        REQUIRE(made.exit_code == 0);
        std::string other = read_text(folder.path() / "other.pub");
        std::string port = std::regex_replace(read_text(ssh_config()),
                                              std::regex("[\\s\\S]*Port (\\d+)[\\s\\S]*"), "$1");
        auto error =
            unreachable_with(config_with_known_hosts(folder, "[127.0.0.1]:" + port + " " + other),
                             "ssh://berth-remote@berth-ssh-test");
        REQUIRE(error);
        INFO(error->what());
        CHECK(error->reason() == UnreachableReason::host_key);
        CHECK(contains(error->what(), "differs from the one in known_hosts"));
        CHECK(contains(error->what(), "ssh-keygen -R"));
    }

    TEST_CASE("an unreachable host, an unknown name and a refused login read differently") {
        auto refused = unreachable("ssh://berth-remote@127.0.0.1:1");
        REQUIRE(refused);
        INFO(refused->what());
        CHECK(refused->reason() == UnreachableReason::refused);
        CHECK(contains(refused->what(), "nothing accepts ssh connections at 127.0.0.1"));

        auto unknown = unreachable("ssh://berth-remote@no-such-host.invalid");
        REQUIRE(unknown);
        INFO(unknown->what());
        CHECK(unknown->reason() == UnreachableReason::absent);
        CHECK(contains(unknown->what(), "does not resolve"));

        auto login = unreachable("ssh://nobody@berth-ssh-test");
        REQUIRE(login);
        INFO(login->what());
        CHECK(login->reason() == UnreachableReason::authentication);
        CHECK(contains(login->what(), "refused the login"));
        CHECK(contains(login->what(), "ssh-add"));
    }

    TEST_CASE("a socket missing on the far side, or not the login's to open, is named") {
        auto absent = unreachable("ssh://berth-remote@berth-ssh-test/run/nothing-here.sock");
        REQUIRE(absent);
        INFO(absent->what());
        CHECK(absent->reason() == UnreachableReason::absent);
        CHECK(contains(absent->what(), "there is no /run/nothing-here.sock on berth-ssh-test"));

        auto denied = unreachable("ssh://berth-remote@berth-ssh-test/run/podman/podman.sock");
        REQUIRE(denied);
        INFO(denied->what());
        CHECK(denied->reason() == UnreachableReason::permission_denied);
        CHECK(contains(denied->what(), "berth-remote may not open /run/podman/podman.sock"));
    }

    TEST_CASE("a failed login leaves no ssh process and no folder behind") {
        auto before = ssh_masters_of(::getpid()).size();
        CHECK(unreachable("ssh://berth-remote@127.0.0.1:1"));
        CHECK(ssh_masters_of(::getpid()).size() == before);
        bool leftover = false;
        for (const auto& entry : std::filesystem::directory_iterator("/tmp")) {
            if (entry.path().filename().string().rfind("berth-ssh-", 0) == 0 &&
                std::filesystem::exists(entry.path() / "ssh.log") &&
                contains(read_text(entry.path() / "ssh.log"), "127.0.0.1 port 1:"))
                leftover = true;
        }
        CHECK_FALSE(leftover);
    }
}

int main(int argc, char** argv) {
    return run_suite(argc, argv);
}
