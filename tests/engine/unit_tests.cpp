// Engine-layer pieces that need no engine: stream decoders, endpoints,
// discovery order, .dockerignore rules, image names, event normalisation.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "engine/archive.hpp"
#include "engine/streams.hpp"
#include "orchestrate/project_lock.hpp"
#include "orchestrate/rootfs_tar.hpp"
#include "test_engine.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

using namespace berth;
using namespace berth::detail;

TEST_CASE("JSON stream objects are decoded whatever the read boundaries") {
    const std::string stream =
        "{\"status\":\"a {brace} in a string\"}\r\n{\"id\":\"x\",\"nested\":{\"q\":\"\\\"}\"}}"
        "{\"after\":[1,2,{\"three\":3}]}\n";
    for (std::size_t split = 0; split <= stream.size(); ++split) {
        std::vector<nlohmann::json> values;
        JsonStreamDecoder decoder([&](const nlohmann::json& value) { values.push_back(value); });
        decoder.feed(std::string_view(stream).substr(0, split));
        decoder.feed(std::string_view(stream).substr(split));
        decoder.finish();
        REQUIRE(values.size() == 3);
        CHECK(values[0]["status"] == "a {brace} in a string");
        CHECK(values[1]["nested"]["q"] == "\"}");
        CHECK(values[2]["after"][2]["three"] == 3);
    }
    std::vector<nlohmann::json> byte_by_byte;
    JsonStreamDecoder decoder([&](const nlohmann::json& value) { byte_by_byte.push_back(value); });
    for (char c : stream)
        decoder.feed(std::string_view(&c, 1));
    CHECK(byte_by_byte.size() == 3);
}

TEST_CASE("a JSON stream cut inside an object, or holding text, is a TransportError") {
    JsonStreamDecoder cut([](const nlohmann::json&) {});
    cut.feed("{\"status\":\"half");
    CHECK_THROWS_AS(cut.finish(), TransportError);
    JsonStreamDecoder text([](const nlohmann::json&) {});
    CHECK_THROWS_AS(text.feed("404 page not found\n"), TransportError);
}

TEST_CASE("output frames are demultiplexed whatever the read boundaries") {
    auto frame = [](char stream, const std::string& payload) {
        std::string header(8, '\0');
        header[0] = stream;
        header[6] = static_cast<char>(payload.size() >> 8);
        header[7] = static_cast<char>(payload.size() & 0xff);
        return header + payload;
    };
    const std::string bytes =
        frame(1, "out-1\n") + frame(2, "err\n") + frame(1, std::string(300, 'o'));
    for (std::size_t split = 0; split <= bytes.size(); ++split) {
        std::string out, err;
        FrameDemuxer demuxer([&](OutputStream stream, std::string_view data) {
            (stream == OutputStream::stderr_stream ? err : out).append(data);
        });
        demuxer.feed(std::string_view(bytes).substr(0, split));
        demuxer.feed(std::string_view(bytes).substr(split));
        demuxer.finish();
        CHECK(out == "out-1\n" + std::string(300, 'o'));
        CHECK(err == "err\n");
    }
    FrameDemuxer bad([](OutputStream, std::string_view) {});
    CHECK_THROWS_AS(bad.feed(std::string("\x07\0\0\0\0\0\0\1x", 9)), TransportError);
    FrameDemuxer cut([](OutputStream, std::string_view) {});
    cut.feed(frame(1, "abcdef").substr(0, 10));
    CHECK_THROWS_AS(cut.finish(), TransportError);
}

TEST_CASE("errors inside a 200 stream become EngineError with the engine's words") {
    CHECK_NOTHROW(throw_if_stream_error({{"stream", "Step 1/2"}}, "build image", "x"));
    CHECK_NOTHROW(throw_if_stream_error({{"error", ""}}, "build image", "x"));
    try {
        throw_if_stream_error(
            {{"errorDetail", {{"message", "RUN failed: exit 3"}}}, {"error", "short"}},
            "build image", "app:1");
        FAIL("no error raised");
    } catch (const EngineError& error) {
        CHECK(error.engine_message() == "RUN failed: exit 3");
        CHECK(error.http_status() == 0);
        CHECK(std::string(error.what()) == "build image app:1 failed: RUN failed: exit 3");
    }
    CHECK_THROWS_AS(throw_if_stream_error({{"error", "denied"}}, "push image", "x"), EngineError);
}

TEST_CASE("ssh endpoints: user, port and socket are optional, with each tool's default socket") {
    Endpoint full = Endpoint::parse("ssh://core@build-host:2222/run/user/1000/podman/podman.sock");
    CHECK(full.scheme == Endpoint::Scheme::ssh);
    CHECK(full.user == "core");
    CHECK(full.host == "build-host");
    CHECK(full.port == 2222);
    CHECK(full.socket_path == "/run/user/1000/podman/podman.sock");
    CHECK(full.uri() == "ssh://core@build-host:2222/run/user/1000/podman/podman.sock");
    CHECK(full.remote());

    // A path-less ssh:// is docker's socket for DOCKER_HOST and --host...
    Endpoint alias = Endpoint::parse("ssh://build-host");
    CHECK(alias.user.empty());
    CHECK(alias.port == 0);  // ssh's own choice: its config, else 22
    CHECK(alias.socket_path == "/var/run/docker.sock");
    CHECK(alias.uri() == "ssh://build-host/var/run/docker.sock");
    // ...and Podman's socket of the remote user for CONTAINER_HOST, found
    // when connecting.
    CHECK(Endpoint::parse("ssh://root@host", RemoteDefault::podman).socket_path.empty());
    CHECK(Endpoint::parse("ssh://root@host/", RemoteDefault::podman).socket_path.empty());
    CHECK(Endpoint::parse("ssh://[::1]:22/s.sock").host == "::1");
    CHECK(Endpoint::parse("ssh://[::1]:22/s.sock").uri() == "ssh://[::1]:22/s.sock");

    CHECK_THROWS_WITH_AS(Endpoint::parse("ssh://"),
                         "endpoint 'ssh://': no host; write "
                         "ssh://[user@]host[:port][/path/to/socket]",
                         UsageError);
    CHECK_THROWS_AS(Endpoint::parse("ssh://@host"), UsageError);
    CHECK_THROWS_AS(Endpoint::parse("ssh://host:ssh"), UsageError);
    CHECK_THROWS_AS(Endpoint::parse("ssh://-oProxyCommand=x"), UsageError);
    CHECK_THROWS_AS(Endpoint::parse("ssh://host/a:b.sock"), UsageError);

    CHECK_FALSE(Endpoint::parse("unix:///run/podman/podman.sock").remote());
    CHECK_FALSE(Endpoint::parse("tcp://127.0.0.1:2376").remote());
    CHECK(Endpoint::parse("tcp://10.0.0.5:2376").remote());
}

TEST_CASE("endpoints parse in every accepted form, and bad ones say what is wrong") {
    CHECK(Endpoint::parse("unix:///run/podman/podman.sock").socket_path ==
          "/run/podman/podman.sock");
    CHECK(Endpoint::parse("/var/run/docker.sock").uri() == "unix:///var/run/docker.sock");
    Endpoint tcp = Endpoint::parse("tcp://127.0.0.1:2376");
    CHECK(tcp.scheme == Endpoint::Scheme::tcp);
    CHECK(tcp.host == "127.0.0.1");
    CHECK(tcp.port == 2376);
    CHECK_FALSE(tcp.tls);
    CHECK(Endpoint::parse("tcp://localhost").port == 2375);
    CHECK(Endpoint::parse("https://engine.example").tls);
    CHECK(Endpoint::parse("tcp://[::1]:2375").host == "::1");
    CHECK(Endpoint::parse("tcp://[::1]:2375").uri() == "tcp://[::1]:2375");
    CHECK_THROWS_WITH_AS(Endpoint::parse("podman://host"),
                         "endpoint 'podman://host': expected unix:///path/to/socket, "
                         "tcp://host:port or ssh://[user@]host[:port][/path/to/socket]",
                         UsageError);
    CHECK_THROWS_AS(Endpoint::parse("tcp://host:port"), UsageError);
    CHECK_THROWS_AS(Endpoint::parse("tcp://host:70000"), UsageError);
    CHECK_THROWS_AS(Endpoint::parse("unix://relative.sock"), UsageError);
}

namespace {

DiscoveryOptions fake_environment(std::map<std::string, std::string> variables,
                                  std::string home = "/nonexistent") {
    DiscoveryOptions options;
    options.home = std::move(home);
    options.getenv = [variables](const std::string& name) -> std::optional<std::string> {
        auto found = variables.find(name);
        if (found == variables.end())
            return std::nullopt;
        return found->second;
    };
    return options;
}

std::vector<std::string> sources(const std::vector<Candidate>& candidates) {
    std::vector<std::string> names;
    for (const auto& candidate : candidates)
        names.push_back(candidate.source);
    return names;
}

}  // namespace

TEST_CASE("discovery looks in the documented order") {
    auto defaults = discovery_candidates(fake_environment({{"XDG_RUNTIME_DIR", "/run/user/1000"}}));
    CHECK(sources(defaults) == std::vector<std::string>{"$XDG_RUNTIME_DIR/podman/podman.sock",
                                                        "rootful Podman", "Docker",
                                                        "$XDG_RUNTIME_DIR/docker.sock"});
    CHECK(defaults[0].endpoint->socket_path == "/run/user/1000/podman/podman.sock");
    CHECK(defaults[1].endpoint->socket_path == "/run/podman/podman.sock");
    CHECK(defaults[2].endpoint->socket_path == "/var/run/docker.sock");
    CHECK(defaults[3].endpoint->socket_path == "/run/user/1000/docker.sock");

    auto no_runtime_dir = discovery_candidates(fake_environment({}));
    CHECK_FALSE(no_runtime_dir[0].endpoint);
    CHECK(no_runtime_dir[0].note == "XDG_RUNTIME_DIR is not set");

    auto docker_host =
        discovery_candidates(fake_environment({{"DOCKER_HOST", "tcp://127.0.0.1:2376"},
                                               {"DOCKER_TLS_VERIFY", "1"},
                                               {"DOCKER_CERT_PATH", "/certs"},
                                               {"CONTAINER_HOST", "unix:///ignored"}}));
    REQUIRE(docker_host.size() == 1);
    CHECK(docker_host[0].source == "DOCKER_HOST");
    REQUIRE(docker_host[0].endpoint->tls);
    CHECK(docker_host[0].endpoint->tls->ca_certificate == "/certs/ca.pem");
    CHECK(docker_host[0].endpoint->tls->verify_server);

    auto container_host = discovery_candidates(
        fake_environment({{"CONTAINER_HOST", "ssh://core@host/run/podman.sock"}}));
    REQUIRE(container_host.size() == 1);
    REQUIRE(container_host[0].endpoint);
    CHECK(container_host[0].endpoint->scheme == Endpoint::Scheme::ssh);
    CHECK(container_host[0].endpoint->socket_path == "/run/podman.sock");

    auto podman_default = discovery_candidates(fake_environment(
        {{"CONTAINER_HOST", "ssh://core@host"}, {"CONTAINER_SSHKEY", "/keys/id_ed25519"}}));
    REQUIRE(podman_default[0].endpoint);
    CHECK(podman_default[0].endpoint->socket_path.empty());
    CHECK(podman_default[0].endpoint->identity_file == "/keys/id_ed25519");

    auto docker_over_ssh = discovery_candidates(fake_environment({{"DOCKER_HOST", "ssh://host"}}));
    REQUIRE(docker_over_ssh[0].endpoint);
    CHECK(docker_over_ssh[0].endpoint->socket_path == "/var/run/docker.sock");

    DiscoveryOptions explicit_options = fake_environment({{"DOCKER_HOST", "unix:///other.sock"}});
    explicit_options.explicit_endpoint = "unix:///mine.sock";
    auto named = discovery_candidates(explicit_options);
    REQUIRE(named.size() == 1);
    CHECK(named[0].endpoint->socket_path == "/mine.sock");
}

TEST_CASE("discovery follows the current docker context") {
    testing::TemporaryFolder home;
    home.write(".docker/config.json", R"({"currentContext": "remote"})");
    home.write(
        ".docker/contexts/meta/0123abcd/meta.json",
        R"({"Name": "remote", "Endpoints": {"docker": {"Host": "unix:///run/remote.sock"}}})");
    auto from_config = discovery_candidates(fake_environment({}, home.path().string()));
    REQUIRE(from_config.size() == 1);
    CHECK(from_config[0].endpoint->socket_path == "/run/remote.sock");
    CHECK(from_config[0].source.find("context \"remote\"") != std::string::npos);

    auto missing =
        discovery_candidates(fake_environment({{"DOCKER_CONTEXT", "gone"}}, home.path().string()));
    REQUIRE(missing.size() == 1);
    CHECK_FALSE(missing[0].endpoint);

    auto default_context = discovery_candidates(
        fake_environment({{"DOCKER_CONTEXT", "default"}}, home.path().string()));
    CHECK(default_context.size() == 4);
}

TEST_CASE("discovery reads Podman's system connections") {
    testing::TemporaryFolder home;
    home.write(".config/containers/podman-connections.json", R"({
      "Connection": {"Default": "big", "Connections": {
        "big": {"URI": "ssh://core@big-host:2222/run/user/1000/podman/podman.sock",
                "Identity": "/home/me/.ssh/big", "IsMachine": false},
        "root": {"URI": "ssh://root@big-host/run/podman/podman.sock", "Identity": ""}}},
      "Farm": {}})");
    auto from_json = discovery_candidates(fake_environment({}, home.path().string()));
    REQUIRE(from_json.size() == 1);
    CHECK(from_json[0].source.find("default connection (\"big\")") != std::string::npos);
    REQUIRE(from_json[0].endpoint);
    CHECK(from_json[0].endpoint->uri() ==
          "ssh://core@big-host:2222/run/user/1000/podman/podman.sock");
    CHECK(from_json[0].endpoint->identity_file == "/home/me/.ssh/big");

    auto chosen = discovery_candidates(
        fake_environment({{"CONTAINER_CONNECTION", "root"}}, home.path().string()));
    REQUIRE(chosen[0].endpoint);
    CHECK(chosen[0].source == "CONTAINER_CONNECTION (\"root\")");
    CHECK(chosen[0].endpoint->socket_path == "/run/podman/podman.sock");

    auto unknown = discovery_candidates(
        fake_environment({{"CONTAINER_CONNECTION", "nope"}}, home.path().string()));
    REQUIRE(unknown.size() == 1);
    CHECK_FALSE(unknown[0].endpoint);

    testing::TemporaryFolder conf_home;
    conf_home.write(".config/containers/containers.conf", R"(
[engine]
  active_service = "lab"   # the default
[engine.service_destinations]
  [engine.service_destinations.lab]
  uri = "ssh://me@lab:22/run/user/1000/podman/podman.sock"
  identity = "/home/me/.ssh/lab"
  [engine.service_destinations."other"]
  uri = 'ssh://root@other/run/podman/podman.sock'
)");
    auto from_conf = discovery_candidates(fake_environment({}, conf_home.path().string()));
    REQUIRE(from_conf.size() == 1);
    REQUIRE(from_conf[0].endpoint);
    CHECK(from_conf[0].endpoint->uri() == "ssh://me@lab:22/run/user/1000/podman/podman.sock");
    CHECK(from_conf[0].endpoint->identity_file == "/home/me/.ssh/lab");
    auto other = discovery_candidates(
        fake_environment({{"CONTAINER_CONNECTION", "other"}}, conf_home.path().string()));
    REQUIRE(other[0].endpoint);
    CHECK(other[0].endpoint->host == "other");
}

TEST_CASE("no engine found lists every place tried and why") {
    try {
        discover_engine(fake_environment({{"DOCKER_HOST", "unix:///nonexistent/docker.sock"}}));
        FAIL("found an engine at a path that does not exist");
    } catch (const NoEngineFound& error) {
        REQUIRE(error.attempts().size() == 1);
        CHECK(error.attempts()[0].source == "DOCKER_HOST");
        CHECK(error.attempts()[0].outcome.find("absent") == 0);
        CHECK(std::string(error.what()).find("unix:///nonexistent/docker.sock") !=
              std::string::npos);
    }
}

namespace {

/// A unix socket bound but never listening: connections are refused.
std::string bound_socket(const std::filesystem::path& folder, int& descriptor) {
    std::string path = (folder / "engine.sock").string();
    descriptor = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    return path;
}

}  // namespace

TEST_CASE("an absent engine, a refused connection and a forbidden socket read differently") {
    try {
        Engine engine(Endpoint::parse("unix:///nonexistent/engine.sock"));
        FAIL("connected to nothing");
    } catch (const EngineUnreachable& error) {
        CHECK(error.reason() == UnreachableReason::absent);
    }
    testing::TemporaryFolder folder;
    int descriptor = -1;
    std::string path = bound_socket(folder.path(), descriptor);
    try {
        Engine engine(Endpoint::parse("unix://" + path));
        FAIL("connected to a socket nobody listens on");
    } catch (const EngineUnreachable& error) {
        CHECK(error.reason() == UnreachableReason::refused);
        CHECK(std::string(error.what()).find("nothing accepts connections") != std::string::npos);
    }
    // Root may open any socket, so the forbidden case runs as nobody.
    if (::geteuid() == 0) {
        ::chmod(path.c_str(), 0600);
        ::chmod(folder.path().c_str(), 0755);
        pid_t child = ::fork();
        if (child == 0) {
            if (::setgid(65534) != 0 || ::setuid(65534) != 0)
                ::_exit(90);
            try {
                Engine engine(Endpoint::parse("unix://" + path));
            } catch (const EngineUnreachable& error) {
                ::_exit(error.reason() == UnreachableReason::permission_denied ? 0 : 91);
            } catch (...) {
            }
            ::_exit(92);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    ::close(descriptor);
}

TEST_CASE(".dockerignore rules follow the last matching pattern, with ** and exceptions") {
    IgnoreRules rules = IgnoreRules::parse(
        "# comment\n  *.log "
        "\n/build\nsecrets/**\n!secrets/public.txt\n**/cache\ndocs/?.md\n./tmp/../notes\n");
    CHECK(rules.excluded("app.log"));
    CHECK_FALSE(rules.excluded("logs/app.log"));  // * does not cross folders
    CHECK(rules.excluded("build"));
    CHECK(rules.excluded("build/out.o"));  // a matching folder takes its contents
    CHECK(rules.excluded("secrets/key.pem"));
    CHECK_FALSE(rules.excluded("secrets/public.txt"));
    CHECK(rules.excluded("cache"));
    CHECK(rules.excluded("a/b/cache/file"));
    CHECK(rules.excluded("docs/a.md"));
    CHECK_FALSE(rules.excluded("docs/ab.md"));
    CHECK(rules.excluded("notes"));
    CHECK_FALSE(rules.excluded("src/main.cpp"));
    CHECK(rules.has_exceptions());
}

TEST_CASE("image references split into repository, tag and digest; names compare across engines") {
    auto plain = ImageReference::parse("busybox");
    CHECK(plain.repository == "busybox");
    CHECK(plain.tag == "latest");
    auto registry = ImageReference::parse("registry:5000/team/app:1.2");
    CHECK(registry.repository == "registry:5000/team/app");
    CHECK(registry.tag == "1.2");
    auto port_only = ImageReference::parse("registry:5000/app");
    CHECK(port_only.repository == "registry:5000/app");
    CHECK(port_only.tag == "latest");
    auto digest = ImageReference::parse("app@sha256:abc");
    CHECK(digest.tag.empty());
    CHECK(digest.digest == "sha256:abc");
    CHECK(digest.str() == "app@sha256:abc");
    CHECK(same_image_name("localhost/berth/slurm:latest", "berth/slurm"));
    CHECK(same_image_name("docker.io/library/debian:12", "debian:12"));
    CHECK_FALSE(same_image_name("berth/slurm:1", "berth/slurm:2"));
}

TEST_CASE("Docker's and Podman's health events normalise to one shape") {
    auto docker = normalise_event(nlohmann::json::parse(R"({
        "status": "health_status: healthy", "id": "abc", "Type": "container",
        "Action": "health_status: healthy",
        "Actor": {"ID": "abc", "Attributes": {"name": "slurm-test", "image": "x"}},
        "time": 1700000000, "timeNano": 1700000000123456789})"));
    CHECK(docker.action == "health_status");
    CHECK(docker.health_status == "healthy");
    CHECK(docker.name == "slurm-test");
    CHECK(docker.time_nanoseconds == 1700000000123456789);

    auto podman = normalise_event(nlohmann::json::parse(R"({
        "status": "health_status", "id": "abc", "Type": "container", "Action": "health_status",
        "Actor": {"ID": "abc", "Attributes": {"name": "slurm-test", "containerExitCode": "0"}},
        "time": 1700000000, "HealthStatus": "healthy"})"));
    CHECK(podman.action == "health_status");
    CHECK(podman.health_status == "healthy");
    CHECK(podman.time_nanoseconds == 1700000000000000000);

    auto died = normalise_event(nlohmann::json::parse(R"({
        "Type": "container", "Action": "died",
        "Actor": {"ID": "abc", "Attributes": {"containerExitCode": "137"}}})"));
    CHECK(died.action == "die");
    REQUIRE(died.exit_code);
    CHECK(*died.exit_code == 137);

    auto exec = normalise_event(nlohmann::json::parse(
        R"({"Type": "container", "Action": "exec_start: /bin/sh -c true", "Actor": {"ID": "abc"}})"));
    CHECK(exec.action == "exec_start");
    CHECK(exec.health_status.empty());
}

TEST_CASE("an event's time that fits no 64-bit count of nanoseconds is not read") {
    // The stream fuzzer's find: a float timeNano converted to an integer
    // (undefined behaviour; the sanitizer builds replay it from the corpus).
    // The whole seconds stand in for it; with no readable time it stays 0.
    auto float_nanoseconds = normalise_event(nlohmann::json::parse(
        R"({"Type": "container", "Action": "start", "time": 1, "timeNano": 1.47e25})"));
    CHECK(float_nanoseconds.action == "start");
    CHECK(float_nanoseconds.time_nanoseconds == 1'000'000'000);
    auto far_seconds = normalise_event(nlohmann::json::parse(
        R"({"Type": "container", "Action": "start", "time": 9300000000000000000})"));
    CHECK(far_seconds.time_nanoseconds == 0);
    auto text_seconds = normalise_event(
        nlohmann::json::parse(R"({"Type": "container", "Action": "start", "time": "1700000000"})"));
    CHECK(text_seconds.time_nanoseconds == 0);
}

TEST_CASE("a copied tar round-trips files, folders and links, and refuses escapes") {
    testing::TemporaryFolder source;
    source.write("tree/a.txt", "alpha");
    source.write("tree/deep/b.txt", "beta");
    std::filesystem::create_symlink("a.txt", source.path() / "tree/link");
    std::string tar = tar_of_path(source.path() / "tree");
    testing::TemporaryFolder destination;
    extract_tar(tar, destination.path());
    std::ifstream b(destination.path() / "tree/deep/b.txt");
    CHECK(std::string(std::istreambuf_iterator<char>(b), {}) == "beta");
    CHECK(std::filesystem::read_symlink(destination.path() / "tree/link") == "a.txt");
    CHECK_THROWS_AS(tar_of_path(source.path() / "missing"), UsageError);
}

namespace {

/// One entry of a hand-made tar: a file, a folder, a symbolic or a hard link.
struct TarEntry {
    std::string name;
    mode_t type = AE_IFREG;
    std::string content;  ///< file data, or the link's target
};

std::string make_tar(const std::vector<TarEntry>& entries) {
    std::string tar;
    archive* writer = archive_write_new();
    archive_write_set_format_pax_restricted(writer);
    archive_write_open(
        writer, &tar, nullptr,
        [](archive*, void* user, const void* data, size_t size) -> la_ssize_t {
            static_cast<std::string*>(user)->append(static_cast<const char*>(data), size);
            return static_cast<la_ssize_t>(size);
        },
        nullptr);
    for (const auto& each : entries) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, each.name.c_str());
        bool hard_link = each.type == 0;
        archive_entry_set_filetype(entry, hard_link ? AE_IFREG : each.type);
        archive_entry_set_perm(entry, each.type == AE_IFDIR ? 0755 : 0644);
        if (each.type == AE_IFLNK)
            archive_entry_set_symlink(entry, each.content.c_str());
        if (hard_link)
            archive_entry_set_hardlink(entry, each.content.c_str());
        bool has_data = each.type == AE_IFREG;
        archive_entry_set_size(entry, has_data ? static_cast<la_int64_t>(each.content.size()) : 0);
        archive_write_header(writer, entry);
        if (has_data)
            archive_write_data(writer, each.content.data(), each.content.size());
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
    return tar;
}

}  // namespace

TEST_CASE("tar extraction refuses every entry that would land outside the destination") {
    testing::TemporaryFolder outside;
    outside.write("passwd", "the real one");
    const std::string victim = (outside.path() / "passwd").string();
    const std::string outside_folder = outside.path().string();
    const std::vector<std::pair<std::string, std::vector<TarEntry>>> attacks = {
        {"symlink to a folder, then a file under it",
         {{"link", AE_IFLNK, outside_folder}, {"link/passwd", AE_IFREG, "owned"}}},
        {"symlink deeper in the tree",
         {{"a", AE_IFDIR, ""},
          {"a/link", AE_IFLNK, "../../../../../../" + outside_folder},
          {"a/link/passwd", AE_IFREG, "owned"}}},
        {"symlink to a file, then an entry under it",
         {{"file", AE_IFLNK, victim}, {"file/x", AE_IFREG, "owned"}}},
        {"dot-dot", {{"a/../../passwd", AE_IFREG, "owned"}}},
        {"absolute name", {{victim, AE_IFREG, "owned"}}},
        {"hard link to a file outside", {{"hard", 0, victim}}},
        {"hard link through dot-dot", {{"hard", 0, "../" + victim}}},
        {"hard link through a planted symlink",
         {{"link", AE_IFLNK, outside_folder}, {"hard", 0, "link/passwd"}}},
    };
    for (const auto& [what, entries] : attacks) {
        CAPTURE(what);
        testing::TemporaryFolder destination;
        CHECK_THROWS_AS(extract_tar(make_tar(entries), destination.path() / "into"), Error);
        std::ifstream still(victim);
        CHECK(std::string(std::istreambuf_iterator<char>(still), {}) == "the real one");
    }
    // A symlink over an existing file replaces the file; a file over a
    // symlink replaces the link instead of writing through it.
    testing::TemporaryFolder destination;
    extract_tar(make_tar({{"x", AE_IFLNK, victim},
                          {"x", AE_IFREG, "mine"},
                          {"y", AE_IFREG, "y"},
                          {"z", 0, "y"}}),
                destination.path());
    std::ifstream still(victim);
    CHECK(std::string(std::istreambuf_iterator<char>(still), {}) == "the real one");
    std::ifstream mine(destination.path() / "x");
    CHECK(std::string(std::istreambuf_iterator<char>(mine), {}) == "mine");
    std::ifstream linked(destination.path() / "z");
    CHECK(std::string(std::istreambuf_iterator<char>(linked), {}) == "y");
}

TEST_CASE("a .dockerignore pattern std::regex cannot take is a UsageError naming it") {
    try {
        IgnoreRules::parse("ok\n[z-a]\n");
        FAIL("accepted [z-a]");
    } catch (const UsageError& error) {
        CHECK(std::string(error.what()).find("[z-a]") != std::string::npos);
    }
}

TEST_CASE("the base image's tar fails naming the file whose data could not be written") {
    testing::TemporaryFolder root;
    root.write("etc/hostname", "debian\n");
    root.write("usr/lib/big", std::string(1 << 20, 'x'));
    testing::TemporaryFolder out;
    CHECK_NOTHROW(orchestrate::write_rootfs_tar(root.path(), out.path() / "rootfs.tar"));
    // /dev/full takes no byte: libarchive's write of the data fails.
    try {
        orchestrate::write_rootfs_tar(root.path(), "/dev/full");
        FAIL("a tar was written to /dev/full");
    } catch (const Error& error) {
        CHECK(std::string(error.what()).find("usr/lib/big") != std::string::npos);
    }
}

namespace {

/// Points XDG_RUNTIME_DIR at a folder of the test's for the scope.
class RuntimeFolder {
  public:
    RuntimeFolder() {
        const char* old = std::getenv("XDG_RUNTIME_DIR");
        if (old)
            old_ = old;
        ::setenv("XDG_RUNTIME_DIR", folder_.path().c_str(), 1);
    }
    ~RuntimeFolder() {
        if (old_)
            ::setenv("XDG_RUNTIME_DIR", old_->c_str(), 1);
        else
            ::unsetenv("XDG_RUNTIME_DIR");
    }
    std::filesystem::path locks() const { return folder_.path() / "berth-locks"; }

  private:
    testing::TemporaryFolder folder_;
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("the project lock lives in a private folder and follows no planted link") {
    {
        RuntimeFolder runtime;
        { orchestrate::ProjectLock lock("unix:///x.sock", "p"); }
        struct stat info {};
        REQUIRE(::lstat(runtime.locks().c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0700);
    }
    {
        RuntimeFolder runtime;  // someone made the folder a link elsewhere
        testing::TemporaryFolder elsewhere;
        std::filesystem::create_symlink(elsewhere.path(), runtime.locks());
        CHECK_THROWS_AS(orchestrate::ProjectLock("unix:///x.sock", "p"), Error);
        CHECK(std::filesystem::is_empty(elsewhere.path()));
    }
    {
        RuntimeFolder runtime;  // left open to all by an older berth: closed again
        std::filesystem::create_directory(runtime.locks());
        ::chmod(runtime.locks().c_str(), 0777);
        { orchestrate::ProjectLock lock("unix:///x.sock", "p"); }
        struct stat info {};
        REQUIRE(::lstat(runtime.locks().c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0700);
    }
    if (::getuid() == 0) {
        RuntimeFolder runtime;  // a folder of another user's (only root can make one)
        std::filesystem::create_directory(runtime.locks());
        REQUIRE(::chown(runtime.locks().c_str(), 65534, 65534) == 0);
        CHECK_THROWS_AS(orchestrate::ProjectLock("unix:///x.sock", "p"), Error);
    }
    {
        RuntimeFolder runtime;  // the lock file itself a link to a file to clobber
        testing::TemporaryFolder elsewhere;
        elsewhere.write("victim", "keep");
        ::mkdir(runtime.locks().c_str(), 0700);
        std::filesystem::create_symlink(elsewhere.path() / "victim",
                                        runtime.locks() / "unix____x_sock-p.lock");
        CHECK_THROWS_AS(orchestrate::ProjectLock("unix:///x.sock", "p"), Error);
    }
}

TEST_CASE("a second process waits for the project lock the first holds") {
    RuntimeFolder runtime;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        orchestrate::ProjectLock lock("unix:///x.sock", "shared");
        (void)!::write(ready[1], "x", 1);
        ::usleep(600 * 1000);
        ::_exit(0);
    }
    char byte;
    REQUIRE(::read(ready[0], &byte, 1) == 1);
    auto asked = std::chrono::steady_clock::now();
    { orchestrate::ProjectLock lock("unix:///x.sock", "shared"); }
    CHECK(std::chrono::steady_clock::now() - asked > std::chrono::milliseconds(400));
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(ready[0]);
    ::close(ready[1]);
}
