#pragma once
// What the engine tests share: the engine under test, images made without a
// registry, unique names, and RAII owners that remove what a test created.

#include <berth/base_image.hpp>
#include <berth/berth.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

namespace berth::testing {

/// The engine this test process runs against: BERTH_TEST_ENDPOINT (with
/// BERTH_TEST_CERT_PATH for TLS) or discovery. Fails the process, loudly,
/// when the backend is not the one BERTH_TEST_EXPECT names.
Engine& engine();

/// "docker", "podman" or "podman-rootless".
std::string backend_label(const BackendInfo& backend);

/// Checks the engine against BERTH_TEST_EXPECT and prints which backend runs.
/// Returns false (after printing why) when the expected backend is missing.
bool announce_backend();

/// Makes sure the engine has the stack's base image: bootstrapped once per
/// machine, then imported from /var/cache/berth by the other backends' runs.
BaseImageOutcome ensure_stack_base_image();

/// The main() of an engine-facing suite: says which backend runs (failing
/// when it is not the expected one), optionally makes sure the base image is
/// there and takes away what killed runs named with a prefix left (see
/// remove_leftovers_of_dead_runs), then runs the doctest cases.
int run_suite(int argc, char** argv, bool needs_base_image = false,
              const std::string& leftovers_prefix = {});

/// "berth-test/busybox:latest", imported from Debian's busybox-static once.
const std::string& busybox_image();

/// A root filesystem tar: busybox with its applet links, plus extra files
/// (container path → host path) and generated files (container path → text).
std::string rootfs_tar(const std::map<std::string, std::string>& host_files = {},
                       const std::map<std::string, std::string>& generated_files = {});

/// The value of an environment variable, "" when unset.
std::string environment_variable(const char* name);

/// A name unique to this process and call, safe for containers and images.
std::string unique_name(const std::string& prefix);

/// True when the engine has no container, network or volume of the compose
/// project left: what every failure path must leave behind.
bool project_gone(const std::string& project);

/// Takes away what earlier runs left behind because they were killed (their
/// process is gone): compose projects, containers, networks and volumes
/// named unique_name(prefix) or unique_name(prefix + "-WORD"). A suite with
/// fixed subnets needs it: one killed run would otherwise fail every later
/// run with overlapping pools. "Gone" is judged by /proc, so the runs must
/// share this process's PID namespace (not true of another container on a
/// shared engine).
void remove_leftovers_of_dead_runs(const std::string& prefix);

/// A file's whole text; "" when it cannot be read (a /proc entry of a
/// process that ended meanwhile).
std::string read_text(const std::filesystem::path& file);

/// Waits (bounded, polling) until the predicate holds; returns whether it did.
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

/// A temporary folder removed with its contents at scope exit.
class TemporaryFolder {
  public:
    TemporaryFolder();
    ~TemporaryFolder();
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;
    const std::filesystem::path& path() const { return path_; }
    void write(const std::string& relative, const std::string& text) const;

  private:
    std::filesystem::path path_;
};

/// Removes the container (forced, with its anonymous volumes) at scope exit.
class OwnedContainer {
  public:
    explicit OwnedContainer(const ContainerSpec& spec);
    ~OwnedContainer();
    OwnedContainer(const OwnedContainer&) = delete;
    OwnedContainer& operator=(const OwnedContainer&) = delete;
    const std::string& id() const { return id_; }
    const std::string& name() const { return name_; }

  private:
    std::string id_;
    std::string name_;
};

/// A spec for a busybox container running `sh -c script`, named uniquely.
ContainerSpec busybox_spec(const std::string& script);

}  // namespace berth::testing
