#include "test_engine.hpp"

#include <berth/orchestrate.hpp>

#include <doctest/doctest.h>

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

namespace berth::testing {

namespace fs = std::filesystem;

namespace {

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

Engine make_engine() {
    std::string endpoint = environment("BERTH_TEST_ENDPOINT");
    if (endpoint.empty())
        return discover_engine();
    Endpoint parsed = Endpoint::parse(endpoint);
    std::string cert_path = environment("BERTH_TEST_CERT_PATH");
    if (!cert_path.empty())
        parsed.tls = TlsFiles::from_cert_path(cert_path, true);
    return Engine(parsed);
}

void add_entry(archive* writer, const std::string& path, mode_t type, mode_t permissions,
               const std::string& content = {}, const std::string& link = {}) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(),
                                                                   archive_entry_free);
    archive_entry_set_pathname(entry.get(), path.c_str());
    archive_entry_set_filetype(entry.get(), type);
    archive_entry_set_perm(entry.get(), permissions);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
    if (!link.empty())
        archive_entry_set_symlink(entry.get(), link.c_str());
    archive_entry_set_mtime(entry.get(), 1'700'000'000, 0);
    if (archive_write_header(writer, entry.get()) != ARCHIVE_OK) {
        throw std::runtime_error(std::string("tar header: ") + archive_error_string(writer));
    }
    if (!content.empty())
        archive_write_data(writer, content.data(), content.size());
}

std::string read_file(const std::string& path) {
    std::ifstream input(path, std::ios::binary);
    if (!input)
        throw std::runtime_error("cannot read " + path);
    std::stringstream text;
    text << input.rdbuf();
    return text.str();
}

}  // namespace

Engine& engine() {
    static Engine instance = make_engine();
    return instance;
}

std::string backend_label(const BackendInfo& backend) {
    if (!backend.is_podman())
        return backend.rootless ? "docker-rootless" : "docker";
    return backend.rootless ? "podman-rootless" : "podman";
}

bool announce_backend() {
    try {
        const BackendInfo& backend = engine().backend();
        std::cout << "engine under test: " << backend_label(backend) << " "
                  << backend.engine_version << " (API " << backend.api_version << ") at "
                  << backend.endpoint << std::endl;
        std::string expected = environment("BERTH_TEST_EXPECT");
        if (!expected.empty() && expected != backend_label(backend)) {
            std::cerr << "expected backend " << expected << " but found " << backend_label(backend)
                      << std::endl;
            return false;
        }
        return true;
    } catch (const std::exception& error) {
        std::cerr << "no engine to test against: " << error.what() << std::endl;
        return false;
    }
}

std::string rootfs_tar(const std::map<std::string, std::string>& host_files,
                       const std::map<std::string, std::string>& generated_files) {
    std::string tar;
    std::unique_ptr<archive, int (*)(archive*)> writer(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(writer.get());
    archive_write_set_bytes_in_last_block(writer.get(), 1);
    archive_write_open(
        writer.get(), &tar, nullptr,
        [](archive*, void* user, const void* data, size_t size) -> la_ssize_t {
            static_cast<std::string*>(user)->append(static_cast<const char*>(data), size);
            return static_cast<la_ssize_t>(size);
        },
        nullptr);
    for (const char* folder : {"bin", "etc", "tmp", "var", "root", "proc", "sys", "dev"}) {
        add_entry(writer.get(), folder, AE_IFDIR, std::string(folder) == "tmp" ? 01777 : 0755);
    }
    add_entry(writer.get(), "bin/busybox", AE_IFREG, 0755, read_file("/bin/busybox"));
    for (const char* applet : {"sh", "ls", "cat", "echo", "sleep", "touch", "test", "mkdir", "rm",
                               "wget", "nc", "id", "env", "true", "false", "grep", "printf"}) {
        add_entry(writer.get(), std::string("bin/") + applet, AE_IFLNK, 0777, {}, "busybox");
    }
    add_entry(writer.get(), "etc/passwd", AE_IFREG, 0644,
              "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
    add_entry(writer.get(), "etc/group", AE_IFREG, 0644, "root:x:0:\nnogroup:x:65534:\n");
    std::set<std::string> folders = {"bin", "etc", "tmp", "var", "root", "proc", "sys", "dev"};
    auto add_parents = [&](const std::string& path) {
        for (auto slash = path.find('/'); slash != std::string::npos;
             slash = path.find('/', slash + 1)) {
            std::string folder = path.substr(0, slash);
            if (folders.insert(folder).second)
                add_entry(writer.get(), folder, AE_IFDIR, 0755);
        }
    };
    for (const auto& [inside, host] : host_files) {
        std::string relative = inside.substr(inside.find_first_not_of('/'));
        add_parents(relative);
        add_entry(writer.get(), relative, AE_IFREG, 0755, read_file(host));
    }
    for (const auto& [inside, text] : generated_files) {
        std::string relative = inside.substr(inside.find_first_not_of('/'));
        add_parents(relative);
        add_entry(writer.get(), relative, AE_IFREG, 0644, text);
    }
    archive_write_close(writer.get());
    return tar;
}

const std::string& busybox_image() {
    static const std::string reference = [] {
        std::string name = "berth-test/busybox:latest";
        if (!engine().image_exists(name)) {
            std::string tar = rootfs_tar();
            std::size_t offset = 0;
            engine().image_import(
                [&](char* buffer, std::size_t capacity) {
                    std::size_t count = std::min(capacity, tar.size() - offset);
                    std::copy_n(tar.data() + offset, count, buffer);
                    offset += count;
                    return count;
                },
                name);
        }
        return name;
    }();
    return reference;
}

std::string environment_variable(const char* name) {
    return environment(name);
}

BaseImageOutcome ensure_stack_base_image() {
    BaseImageOptions base;
    base.cache_dir = "/var/cache/berth";
    return ensure_base_image(engine(), base);
}

int run_suite(int argc, char** argv, bool needs_base_image, const std::string& leftovers_prefix) {
    if (!announce_backend())
        return 1;
    if (needs_base_image)
        ensure_stack_base_image();
    if (!leftovers_prefix.empty())
        remove_leftovers_of_dead_runs(leftovers_prefix);
    doctest::Context context(argc, argv);
    return context.run();
}

std::string unique_name(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

TemporaryFolder::TemporaryFolder() {
    std::string pattern = (fs::temp_directory_path() / "berth-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TemporaryFolder::~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
}

void TemporaryFolder::write(const std::string& relative, const std::string& text) const {
    fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

OwnedContainer::OwnedContainer(const ContainerSpec& spec) : name_(spec.name) {
    id_ = engine().container_create(spec);
}

OwnedContainer::~OwnedContainer() {
    try {
        engine().container_remove(id_, {.force = true, .volumes = true});
    } catch (const NotFound&) {
        // The test removed it itself.
    } catch (const std::exception& error) {
        std::cerr << "cleanup of container " << name_ << " failed: " << error.what() << std::endl;
    }
}

ContainerSpec busybox_spec(const std::string& script) {
    ContainerSpec spec;
    spec.name = unique_name("berth-test");
    spec.image = busybox_image();
    spec.command = std::vector<std::string>{"/bin/sh", "-c", script};
    spec.labels["berth.test"] = "engine";
    return spec;
}

void remove_leftovers_of_dead_runs(const std::string& prefix) {
    // unique_name's shape: PREFIX[-WORD]-PID-COUNTER, for projects and for
    // the objects a suite makes without one.
    const std::regex own_shape(prefix + "(-[a-z]+)?-([0-9]+)-[0-9]+");
    auto left_by_dead_run = [&own_shape](const std::string& name) {
        std::smatch match;
        return std::regex_match(name, match, own_shape) && !fs::exists("/proc/" + match[2].str());
    };
    // A failed removal is told and passed over: the cases then fail with
    // the engine's own words about what is in the way.
    auto remove = [](const std::string& what, const std::function<void()>& removal) {
        std::cerr << "removing " << what << ", left by a run that was killed\n";
        try {
            removal();
        } catch (const std::exception& error) {
            std::cerr << "  could not: " << error.what() << "\n";
        }
    };
    auto project_of = [](const std::map<std::string, std::string>& labels) {
        auto found = labels.find(compose_labels::project);
        return found == labels.end() ? std::string() : found->second;
    };
    // Projects first: their containers may use the outside networks and
    // volumes that the unlabelled ones below are.
    std::set<std::string> projects;
    const auto containers = engine().container_list();
    const auto networks = engine().network_list();
    const auto volumes = engine().volume_list();
    for (const auto& container : containers)
        projects.insert(project_of(container.labels));
    for (const auto& network : networks)
        projects.insert(project_of(network.labels));
    for (const auto& volume : volumes)
        projects.insert(project_of(volume.labels));
    for (const auto& project : projects) {
        if (left_by_dead_run(project))
            remove(project, [&] {
                down(engine(), project, nullptr, {.remove_volumes = true, .kill = true});
            });
    }
    for (const auto& container : containers) {
        if (project_of(container.labels).empty() && !container.names.empty() &&
            left_by_dead_run(container.names[0]))
            remove(container.names[0], [&] {
                engine().container_remove(container.id, {.force = true, .volumes = true});
            });
    }
    for (const auto& network : networks) {
        if (project_of(network.labels).empty() && left_by_dead_run(network.name))
            remove(network.name, [&] { engine().network_remove(network.id); });
    }
    for (const auto& volume : volumes) {
        if (project_of(volume.labels).empty() && left_by_dead_run(volume.name))
            remove(volume.name, [&] { engine().volume_remove(volume.name); });
    }
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream input(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(input), {});
}

bool project_gone(const std::string& project) {
    ListFilter filter;
    filter.labels = {std::string(compose_labels::project) + "=" + project};
    return engine().container_list(filter).empty() && engine().network_list(filter).empty() &&
           engine().volume_list(filter).empty();
}

}  // namespace berth::testing
