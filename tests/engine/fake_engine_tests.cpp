// Protocol faults a real engine will not produce on demand, against a small
// fake engine on a unix socket: values split across reads, errors inside a
// 200 stream, a 500 with a plain-text body, a torn chunk, a connection
// closed under a pooled request, a request that never gets an answer.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "test_engine.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <berth/compose/loader.hpp>
#include <berth/orchestrate.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

using namespace berth;
using namespace std::chrono_literals;

namespace {

/// What the fake engine does with one request: pieces of bytes written with
/// a pause before each, and then whether to close the connection.
struct Reply {
    std::vector<std::pair<std::chrono::milliseconds, std::string>> pieces;
    bool close_after = false;
};

Reply whole(int status, const std::string& content_type, const std::string& body,
            std::map<std::string, std::string> headers = {}) {
    std::string text = "HTTP/1.1 " + std::to_string(status) +
                       " X\r\nContent-Type: " + content_type +
                       "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    for (const auto& [name, value] : headers)
        text += name + ": " + value + "\r\n";
    return {{{0ms, text + "\r\n" + body}}, false};
}

std::string chunk(const std::string& data) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", data.size());
    return std::string(size) + "\r\n" + data + "\r\n";
}

const std::string chunked_head =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

/// request line ("GET /v1.41/events?...") and the number of the request on
/// its connection (0 for the first) → the reply.
using Handler = std::function<Reply(const std::string& request_line, int on_connection)>;

class FakeEngine {
  public:
    explicit FakeEngine(Handler handler) : handler_(std::move(handler)) {
        path_ = (folder_.path() / "engine.sock").string();
        listener_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener_, 16) == 0);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~FakeEngine() {
        stopping_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        acceptor_.join();
        std::lock_guard lock(mutex_);
        for (int connection : open_connections_)
            ::shutdown(connection, SHUT_RDWR);
        for (auto& worker : workers_)
            worker.join();
    }
    Endpoint endpoint() const { return Endpoint::parse("unix://" + path_); }
    int connections() const { return connections_; }

  private:
    void accept_loop() {
        while (!stopping_) {
            int connection = ::accept(listener_, nullptr, nullptr);
            if (connection < 0)
                return;
            ++connections_;
            std::lock_guard lock(mutex_);
            open_connections_.push_back(connection);
            workers_.emplace_back([this, connection] { serve(connection); });
        }
    }

    void serve(int connection) {
        std::string buffer;
        char block[4096];
        for (int number = 0;; ++number) {
            std::size_t end;
            while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
                ssize_t count = ::read(connection, block, sizeof block);
                if (count <= 0)
                    return finish(connection);
                buffer.append(block, static_cast<std::size_t>(count));
            }
            std::string head = buffer.substr(0, end);
            buffer.erase(0, end + 4);
            // Drop a request body: a fixed length, or chunks up to the last.
            auto length_at = head.find("Content-Length: ");
            if (length_at != std::string::npos) {
                std::size_t length = std::stoul(head.substr(length_at + 16));
                while (buffer.size() < length) {
                    ssize_t count = ::read(connection, block, sizeof block);
                    if (count <= 0)
                        return finish(connection);
                    buffer.append(block, static_cast<std::size_t>(count));
                }
                buffer.erase(0, length);
            } else if (head.find("chunked") != std::string::npos) {
                while ((end = buffer.find("\r\n0\r\n\r\n")) == std::string::npos &&
                       buffer.rfind("0\r\n\r\n", 0) != 0) {
                    ssize_t count = ::read(connection, block, sizeof block);
                    if (count <= 0)
                        return finish(connection);
                    buffer.append(block, static_cast<std::size_t>(count));
                }
                buffer.erase(0, buffer.find("0\r\n\r\n") + 5);
            }
            Reply reply = handler_(head.substr(0, head.find("\r\n")), number);
            for (const auto& [pause, bytes] : reply.pieces) {
                std::this_thread::sleep_for(pause);
                // MSG_NOSIGNAL: the client may have hung up (that is the point of
                // some tests), which must not kill the test process.
                if (::send(connection, bytes.data(), bytes.size(), MSG_NOSIGNAL) < 0)
                    return finish(connection);
            }
            if (reply.close_after)
                return finish(connection);
        }
    }

    void finish(int connection) { ::shutdown(connection, SHUT_RDWR); }

    Handler handler_;
    testing::TemporaryFolder folder_;
    std::string path_;
    int listener_ = -1;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<int> open_connections_;
    std::vector<std::thread> workers_;
};

/// Answers the handshake every Engine makes, and hands the rest on.
Handler docker_like(Handler rest) {
    return [rest](const std::string& line, int number) -> Reply {
        if (line.rfind("GET /_ping ", 0) == 0) {
            return whole(200, "text/plain", "OK", {{"Api-Version", "1.41"}, {"Server", "fake"}});
        }
        if (line.rfind("GET /v1.41/version ", 0) == 0) {
            return whole(200, "application/json", R"({"Version":"0.0-fake","ApiVersion":"1.41"})");
        }
        if (line.rfind("GET /v1.41/info ", 0) == 0)
            return whole(200, "application/json", "{}");
        return rest(line, number);
    };
}

}  // namespace

TEST_CASE("event objects split across chunks and pauses arrive whole") {
    FakeEngine fake(docker_like([](const std::string&, int) {
        std::string first = R"({"Type":"container","Action":"start","Actor":{"ID":"one"}})";
        std::string second =
            R"({"Type":"container","Action":"die","Actor":{"ID":"one","Attributes":{"exitCode":"3"}}})";
        return Reply{{{0ms, chunked_head},
                      {0ms, chunk(first.substr(0, 20))},
                      {50ms, chunk(first.substr(20) + "\n" + second.substr(0, 7))},
                      {50ms, chunk(second.substr(7) + "\n")},
                      {0ms, "0\r\n\r\n"}},
                     false};
    }));
    Engine engine(fake.endpoint());
    std::vector<Event> events;
    engine.events({}, [&](const Event& event) {
        events.push_back(event);
        return true;
    });
    REQUIRE(events.size() == 2);
    CHECK(events[0].action == "start");
    CHECK(events[1].action == "die");
    CHECK(events[1].exit_code == 3);
}

TEST_CASE("a frame header split across reads is reassembled") {
    FakeEngine fake(docker_like([](const std::string& line, int) -> Reply {
        if (line.find("/json ") != std::string::npos) {
            return whole(200, "application/json",
                         R"({"Id":"c1","Config":{"Tty":false},"State":{}})");
        }
        std::string frame_out = std::string("\x01\0\0\0\0\0\0\x06", 8) + "hello\n";
        std::string frame_err = std::string("\x02\0\0\0\0\0\0\x04", 8) + "oops";
        return Reply{{{0ms, chunked_head},
                      {0ms, chunk(frame_out.substr(0, 3))},
                      {30ms, chunk(frame_out.substr(3) + frame_err.substr(0, 5))},
                      {30ms, chunk(frame_err.substr(5))},
                      {0ms, "0\r\n\r\n"}},
                     false};
    }));
    Engine engine(fake.endpoint());
    ContainerLogs logs = engine.container_logs("c1");
    CHECK(logs.stdout_text == "hello\n");
    CHECK(logs.stderr_text == "oops");
}

TEST_CASE("an error object in the middle of a 200 build stream is an EngineError") {
    FakeEngine fake(docker_like([](const std::string&, int) {
        return Reply{
            {{0ms, chunked_head},
             {0ms, chunk("{\"stream\":\"Step 1/2 : FROM base\\n\"}\r\n")},
             {20ms,
              chunk(
                  "{\"errorDetail\":{\"code\":1,\"message\":\"The command '/bin/sh -c false' "
                  "returned a non-zero code: 1\"},\"error\":\"returned a non-zero code: 1\"}\r\n")},
             {0ms, "0\r\n\r\n"}},
            false};
    }));
    Engine engine(fake.endpoint());
    testing::TemporaryFolder context;
    context.write("Dockerfile", "FROM base\nRUN false\n");
    std::vector<std::string> progress;
    try {
        engine.image_build({.context_dir = context.path().string(), .tags = {"app:1"}},
                           [&](const Progress& line) { progress.push_back(line.message); });
        FAIL("the build succeeded");
    } catch (const EngineError& error) {
        CHECK(error.http_status() == 0);
        CHECK(error.operation() == "build image");
        CHECK(error.engine_message() ==
              "The command '/bin/sh -c false' returned a non-zero code: 1");
    }
    CHECK(progress == std::vector<std::string>{"Step 1/2 : FROM base\n"});
}

TEST_CASE("an HTTP 500 with a plain-text body keeps the engine's words") {
    FakeEngine fake(docker_like([](const std::string&, int) {
        return whole(500, "text/plain", "storage driver exploded\n");
    }));
    Engine engine(fake.endpoint());
    try {
        engine.container_start("c1");
        FAIL("start succeeded");
    } catch (const EngineError& error) {
        CHECK(error.http_status() == 500);
        CHECK(error.engine_message() == "storage driver exploded");
        CHECK(std::string(error.what()) ==
              "start container c1 failed (HTTP 500): storage driver exploded");
    }
}

TEST_CASE("a network create Podman failed as a host interface went away is asked again") {
    // Podman's race (interfaces listed, one gone before its addresses are
    // read) cannot be made on demand; its answer can.
    std::atomic<int> creates = 0;
    FakeEngine fake(docker_like([&creates](const std::string& line, int) {
        if (line.rfind("POST /v1.41/networks/create", 0) != 0)
            return whole(404, "application/json", R"({"message":"not here"})");
        if (++creates < 3)
            return whole(500, "application/json",
                         R"({"message":"route ip+net: no such network interface"})");
        return whole(201, "application/json", R"({"Id":"n1","Warning":""})");
    }));
    Engine engine(fake.endpoint());
    CHECK(engine.network_create({.name = "p_default"}) == "n1");
    CHECK(creates == 3);
    // Any other 500 is the engine's answer, and not asked again.
    creates = -100;
    FakeEngine other(docker_like([&creates](const std::string&, int) {
        ++creates;
        return whole(500, "application/json", R"({"message":"subnet overlaps"})");
    }));
    Engine refused(other.endpoint());
    CHECK_THROWS_AS(refused.network_create({.name = "p_default"}), EngineError);
    CHECK(creates == -99);
}

TEST_CASE("an image inspect Podman failed over another image's removal is asked again") {
    // Podman 4.3 reads an image's relatives for its inspect and answers 500
    // "image not known" when another client removes one meanwhile (seen 2
    // times in 316 inspects during builds and removals); not on demand.
    std::atomic<int> inspects = 0;
    std::atomic<int> others = 0;
    FakeEngine fake(docker_like([&inspects, &others](const std::string& line, int) {
        if (line.rfind("GET /v1.41/images/gone/json", 0) == 0)
            return whole(404, "application/json", R"({"message":"no such image"})");
        if (line.rfind("GET /v1.41/images/base/json", 0) != 0) {
            ++others;
            return whole(500, "application/json", R"({"message":"disk on fire"})");
        }
        if (++inspects < 3)
            return whole(500, "application/json",
                         R"({"cause":"image not known","message":"failed to convert ImageData )"
                         R"(to ImageInspect 'base': reading image \"0061\": image not known"})");
        return whole(200, "application/json", R"({"Id":"sha256:b1","RepoTags":["base:latest"]})");
    }));
    Engine engine(fake.endpoint());
    auto image = engine.image_inspect("base");
    REQUIRE(image);
    CHECK(image->id == "sha256:b1");
    CHECK(inspects == 3);
    CHECK_FALSE(engine.image_inspect("gone"));
    // Any other 500 is the engine's answer, and not asked again.
    CHECK_THROWS_AS(engine.image_inspect("other"), EngineError);
    CHECK(others == 1);
}

TEST_CASE("Podman's passing \"stopped\" state reads as Docker's \"exited\"") {
    // Podman answers it for a moment between a stop and "exited"; not on demand.
    FakeEngine fake(docker_like([](const std::string& line, int) {
        if (line.rfind("GET /v1.41/containers/json", 0) == 0)
            return whole(200, "application/json",
                         R"([{"Id":"c1","Names":["/c1"],"State":"stopped","Labels":{}}])");
        return whole(200, "application/json",
                     R"({"Id":"c1","Name":"/c1","State":{"Status":"stopped","ExitCode":3}})");
    }));
    Engine engine(fake.endpoint());
    CHECK(engine.container_inspect("c1").state.status == "exited");
    CHECK(engine.container_inspect("c1").state.exit_code == 3);
    auto listed = engine.container_list();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].state == "exited");
}

TEST_CASE("dockerd's warning of no swap accounting fails a create only when swap was asked for") {
    // This host has swap accounting, so dockerd never says it here.
    std::atomic<int> removes = 0;
    FakeEngine fake(docker_like([&removes](const std::string& line, int) {
        if (line.rfind("DELETE /v1.41/containers/c1", 0) == 0) {
            ++removes;
            return whole(204, "application/json", "");
        }
        return whole(
            201, "application/json",
            R"({"Id":"c1","Warnings":["Your kernel does not support swap limit )"
            R"(capabilities or the cgroup is not mounted. Memory limited without swap."]})");
    }));
    Engine engine(fake.endpoint());
    ContainerSpec memory_only{.name = "web", .image = "app"};
    memory_only.resources.memory_bytes = 64 << 20;
    CHECK(engine.container_create(memory_only) == "c1");
    CHECK(removes == 0);
    ContainerSpec unlimited_swap = memory_only;
    unlimited_swap.resources.memory_swap_bytes = -1;
    CHECK(engine.container_create(unlimited_swap) == "c1");
    CHECK(removes == 0);
    ContainerSpec with_swap = memory_only;
    with_swap.resources.memory_swap_bytes = 128 << 20;
    CHECK_THROWS_AS(engine.container_create(with_swap), EngineWarning);
    CHECK(removes == 1);
}

TEST_CASE("a chunk torn off by a closed connection is a TransportError, not a short success") {
    FakeEngine fake(docker_like([](const std::string&, int) {
        return Reply{{{0ms, chunked_head}, {0ms, "64\r\n{\"stream\":\"only part"}}, true};
    }));
    Engine engine(fake.endpoint());
    testing::TemporaryFolder context;
    context.write("Dockerfile", "FROM base\n");
    CHECK_THROWS_AS(engine.image_build({.context_dir = context.path().string()}), TransportError);
}

TEST_CASE("a pooled connection the engine dropped is replaced without failing the request") {
    FakeEngine fake(docker_like([](const std::string& line, int on_connection) -> Reply {
        // The second request on any connection finds it closed, as when
        // Podman drops an idle connection just as berth reuses it.
        if (line.rfind("GET /v1.41/containers/json", 0) == 0 && on_connection > 0) {
            return {{}, true};
        }
        return whole(200, "application/json", "[]");
    }));
    Engine engine(fake.endpoint());
    CHECK(engine.container_list().empty());
    int before = fake.connections();
    CHECK(engine.container_list().empty());
    CHECK(engine.container_list().empty());
    CHECK(fake.connections() > before);
}

TEST_CASE("a plain request that gets no answer times out; a quiet stream does not") {
    FakeEngine fake(docker_like([](const std::string& line, int) -> Reply {
        if (line.rfind("GET /v1.41/events", 0) == 0) {
            return {{{0ms, chunked_head},
                     {600ms, chunk(R"({"Type":"container","Action":"start","Actor":{"ID":"x"}})")},
                     {0ms, "0\r\n\r\n"}},
                    false};
        }
        return {{{2000ms, ""}}, true};
    }));
    Engine engine(fake.endpoint(), {.request_timeout = 300ms});
    CHECK_THROWS_AS(engine.container_list(), TransportError);
    int events = 0;
    engine.events({}, [&](const Event&) {
        ++events;
        return true;
    });
    CHECK(events == 1);
}

TEST_CASE("an endpoint that answers but is not an engine says so") {
    FakeEngine fake(
        [](const std::string&, int) { return whole(200, "text/html", "<html>hello</html>"); });
    try {
        Engine engine(fake.endpoint());
        FAIL("accepted a web server as an engine");
    } catch (const EngineUnreachable& error) {
        CHECK(error.reason() == UnreachableReason::protocol);
    }
}

TEST_CASE("a POST whose answer is lost is never sent again") {
    std::atomic<int> creates{0};
    FakeEngine fake(docker_like([&](const std::string& line, int) -> Reply {
        if (line.rfind("POST ", 0) == 0 && line.find("/create") != std::string::npos) {
            ++creates;
            return {{}, true};  // carried out, perhaps, but the answer is lost
        }
        return whole(404, "application/json", R"({"message":"no such container"})");
    }));
    Engine engine(fake.endpoint());
    // The handshake left a pooled connection: the create goes out on a
    // connection that then dies, which is when a client is tempted to resend.
    CHECK_THROWS_AS(engine.container_create({.image = "busybox"}), OutcomeUnknown);
    CHECK(creates == 1);
    CHECK_THROWS_AS(engine.network_create({.name = "lost"}), OutcomeUnknown);
    CHECK(creates == 2);
}

TEST_CASE("a create whose answer is lost is resolved by looking the name up") {
    std::atomic<int> creates{0};
    FakeEngine fake(docker_like([&](const std::string& line, int) -> Reply {
        if (line.rfind("POST /v1.41/containers/create", 0) == 0) {
            ++creates;
            return {{}, true};
        }
        if (line.rfind("GET /v1.41/containers/made/json", 0) == 0) {
            return whole(
                200, "application/json",
                R"({"Id":"c0ffee","Name":"/made","Config":{"Labels":{"owner":"test","from.image":"x"}}})");
        }
        if (line.rfind("GET /v1.41/containers/foreign/json", 0) == 0) {
            return whole(200, "application/json",
                         R"({"Id":"beef","Name":"/foreign","Config":{"Labels":{}}})");
        }
        return whole(404, "application/json", R"({"message":"no such container"})");
    }));
    Engine engine(fake.endpoint());
    CHECK(engine.container_create(
              {.name = "made", .image = "busybox", .labels = {{"owner", "test"}}}) == "c0ffee");
    CHECK(creates == 1);
    // A container of that name that is not the one asked for is not taken for it.
    CHECK_THROWS_AS(engine.container_create(
                        {.name = "foreign", .image = "busybox", .labels = {{"owner", "test"}}}),
                    OutcomeUnknown);
    CHECK_THROWS_AS(engine.container_create({.name = "absent", .image = "busybox"}),
                    OutcomeUnknown);
    CHECK(creates == 3);
}

TEST_CASE("answers of the wrong shape are TransportErrors, not JSON library exceptions") {
    FakeEngine fake(docker_like([](const std::string& line, int) -> Reply {
        if (line.rfind("GET /v1.41/containers/", 0) == 0 &&
            line.find("/json ") != std::string::npos)
            return whole(200, "application/json", R"({"Config":{"Tty":"yes"}})");
        if (line.rfind("GET /v1.41/images/", 0) == 0)
            return whole(200, "application/json", "not json at all");
        if (line.rfind("GET /v1.41/networks/", 0) == 0)
            return whole(200, "application/json", "[1,2");
        if (line.rfind("GET /v1.41/volumes/", 0) == 0)
            return whole(200, "application/json", "{\"Name\":");
        if (line.rfind("POST /v1.41/containers/c1/wait", 0) == 0)
            return whole(200, "application/json", R"({"StatusCode":"zero"})");
        return whole(200, "application/json", "[]");
    }));
    Engine engine(fake.endpoint());
    CHECK_THROWS_AS(engine.container_inspect("c1"), TransportError);
    CHECK_THROWS_AS(engine.image_inspect("app:1"), TransportError);
    CHECK_THROWS_AS(engine.network_inspect("net"), TransportError);
    CHECK_THROWS_AS(engine.volume_inspect("data"), TransportError);
    CHECK_THROWS_AS(engine.container_wait("c1"), TransportError);
}

TEST_CASE("up creates the services of one level at the same time") {
    // Each create waits for the other: if up made them one after the other,
    // the first would wait in vain and get a 500.
    std::mutex mutex;
    std::condition_variable arrived;
    int creates = 0;
    FakeEngine fake(docker_like([&](const std::string& line, int) -> Reply {
        if (line.rfind("POST /v1.41/containers/create", 0) == 0) {
            std::unique_lock lock(mutex);
            ++creates;
            arrived.notify_all();
            if (!arrived.wait_for(lock, 5s, [&] { return creates >= 2; }))
                return whole(500, "application/json", R"({"message":"created alone"})");
            std::string name = line.substr(line.find("name=") + 5);
            name = name.substr(0, name.find_first_of("& "));
            return whole(201, "application/json", R"({"Id":"id-)" + name + R"("})");
        }
        if (line.rfind("POST /v1.41/networks/create", 0) == 0)
            return whole(201, "application/json", R"({"Id":"network"})");
        if (line.rfind("GET /v1.41/images/", 0) == 0)
            return whole(200, "application/json", R"({"Id":"sha256:1"})");
        if (line.rfind("GET /v1.41/containers/json", 0) == 0)
            return whole(200, "application/json", "[]");
        if (line.rfind("POST /v1.41/containers/", 0) == 0 &&
            line.find("/start") != std::string::npos)
            return whole(204, "application/json", "");
        return whole(404, "application/json", R"({"message":"no such thing"})");
    }));
    Engine engine(fake.endpoint());
    compose::LoadOptions load;
    load.project_name = "berth-fake-parallel";
    load.environment = std::map<std::string, std::string>{};
    compose::Project project = compose::load_project_from_text(
        "services:\n  one:\n    image: busybox\n  two:\n    image: busybox\n", "/tmp/compose.yaml",
        load);
    UpResult result = up(engine, project, {.wait = false});
    CHECK(result.changed);
    CHECK(creates == 2);
}

TEST_CASE("a connection the engine closed after answering is not reused, for GETs and POSTs") {
    // As Podman does with idle connections, but at once: the engine answers
    // and then closes the connection without saying so in a header.
    std::atomic<int> posts{0};
    FakeEngine fake(docker_like([&](const std::string& line, int) -> Reply {
        Reply reply = line.rfind("POST ", 0) == 0
                          ? whole(201, "application/json", R"({"Id":"made"})")
                          : whole(200, "application/json", "[]");
        if (line.rfind("POST ", 0) == 0)
            ++posts;
        reply.close_after = true;
        return reply;
    }));
    Engine engine(fake.endpoint());
    for (int round = 0; round < 3; ++round) {
        CHECK(engine.container_list().empty());
        std::this_thread::sleep_for(50ms);  // the close has arrived
        CHECK(engine.container_create({.image = "busybox"}) == "made");
        std::this_thread::sleep_for(50ms);
    }
    CHECK(posts == 3);
}
