#include <berth/base_image.hpp>

#include <berth/errors.hpp>

#include "orchestrate/rootfs_tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

extern char** environ;

namespace berth {

namespace fs = std::filesystem;

namespace {

/// A temporary folder, removed with all it holds on every path out.
class ScratchFolder {
  public:
    ScratchFolder() {
        std::string pattern = (fs::temp_directory_path() / "berth-bootstrap-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw Error("cannot create a temporary folder: " + std::string(std::strerror(errno)));
        }
        path_ = pattern;
    }
    ~ScratchFolder() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

/// Runs a program, passing each line it prints to progress; returns the
/// last lines for an error message when it fails.
int run_program(const std::vector<std::string>& arguments, const ProgressCallback& progress,
                std::string& tail) {
    int pipe_ends[2];
    if (::pipe2(pipe_ends, O_CLOEXEC) != 0)
        throw Error("pipe: " + std::string(std::strerror(errno)));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> argv;
    for (const auto& argument : arguments)
        argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    pid_t child = 0;
    int status = ::posix_spawnp(&child, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_ends[1]);
    if (status != 0) {
        ::close(pipe_ends[0]);
        throw UsageError("cannot run " + arguments[0] + ": " + std::strerror(status) +
                         " (install it: apt-get install " + arguments[0] + ")");
    }
    std::string pending;
    // debootstrap's phases ("I: Retrieving ...", "I: Unpacking ..."): the
    // first line of each is a step, the rest only go to the log.
    std::set<std::string> phases;
    std::vector<std::string> last_lines;
    char buffer[4096];
    ssize_t count;
    while ((count = ::read(pipe_ends[0], buffer, sizeof buffer)) > 0 ||
           (count < 0 && errno == EINTR)) {
        if (count < 0)
            continue;
        pending.append(buffer, static_cast<std::size_t>(count));
        std::size_t newline;
        while ((newline = pending.find('\n')) != std::string::npos) {
            std::string line = pending.substr(0, newline);
            pending.erase(0, newline + 1);
            if (progress) {
                std::string word = line.rfind("I: ", 0) == 0 ? line.substr(3, line.find(' ', 3) - 3)
                                                             : std::string();
                progress({line, {}, !word.empty() && phases.insert(word).second});
            }
            last_lines.push_back(line);
            if (last_lines.size() > 15)
                last_lines.erase(last_lines.begin());
        }
    }
    ::close(pipe_ends[0]);
    int wait_status = 0;
    while (::waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
    }
    for (const auto& line : last_lines)
        tail += line + "\n";
    return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

/// What the image needs no copy of: device nodes (the engine makes its own),
/// kernel file systems, and apt's downloads.
bool left_out(const std::string& relative) {
    static const std::regex skipped(
        R"(^(dev|proc|sys|run)/.+|^var/cache/apt/archives/.+\.deb$|^var/lib/apt/lists/.+|^tmp/.+|^var/log/.+)");
    return std::regex_match(relative, skipped);
}

std::string archive_message(archive* handle) {
    const char* message = archive_error_string(handle);
    return message ? message : "libarchive error";
}

/// Writes one file's bytes into the tar; a failed write, a failed read, or a
/// file that is not as long as its header said is an error naming the file,
/// never a silently short or zero-padded member of the image.
void copy_file_data(archive* writer, const fs::path& source, const std::string& relative,
                    la_int64_t expected, std::vector<char>& buffer) {
    std::ifstream input(source, std::ios::binary);
    if (!input)
        throw Error("cannot read " + source.string());
    la_int64_t copied = 0;
    while (input) {
        input.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        std::size_t count = static_cast<std::size_t>(input.gcount());
        if (count == 0)
            continue;
        if (archive_write_data(writer, buffer.data(), count) < 0) {
            throw Error("cannot add the data of " + relative + ": " + archive_message(writer));
        }
        copied += static_cast<la_int64_t>(count);
    }
    if (input.bad())
        throw Error("cannot read " + source.string() + ": " + std::strerror(errno));
    if (copied != expected) {
        throw Error(relative + " changed while it was being added (" + std::to_string(copied) +
                    " bytes read, " + std::to_string(expected) + " expected)");
    }
}

}  // namespace

namespace orchestrate {

void write_rootfs_tar(const fs::path& root, const fs::path& tar_file) {
    std::unique_ptr<archive, int (*)(archive*)> writer(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(writer.get());
    if (archive_write_open_filename(writer.get(), tar_file.c_str()) != ARCHIVE_OK) {
        throw Error("cannot write " + tar_file.string() + ": " + archive_message(writer.get()));
    }
    std::unique_ptr<archive, int (*)(archive*)> disk(archive_read_disk_new(), archive_read_free);
    archive_read_disk_set_standard_lookup(disk.get());
    std::vector<char> data(1 << 16);
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        std::string relative = it->path().lexically_relative(root).string();
        if (left_out(relative)) {
            if (it->is_directory() && !it->is_symlink())
                it.disable_recursion_pending();
            continue;
        }
        std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(),
                                                                       archive_entry_free);
        archive_entry_copy_sourcepath(entry.get(), it->path().c_str());
        archive_entry_set_pathname(entry.get(), relative.c_str());
        if (archive_read_disk_entry_from_file(disk.get(), entry.get(), -1, nullptr) != ARCHIVE_OK) {
            throw Error("cannot read " + it->path().string() + ": " + archive_message(disk.get()));
        }
        if (archive_write_header(writer.get(), entry.get()) < ARCHIVE_WARN) {
            throw Error("cannot add " + relative + ": " + archive_message(writer.get()));
        }
        if (archive_entry_filetype(entry.get()) == AE_IFREG &&
            archive_entry_size(entry.get()) > 0) {
            copy_file_data(writer.get(), it->path(), relative, archive_entry_size(entry.get()),
                           data);
        }
    }
    if (archive_write_close(writer.get()) != ARCHIVE_OK) {
        throw Error("cannot finish " + tar_file.string() + ": " + archive_message(writer.get()));
    }
}

}  // namespace orchestrate

std::string host_debian_mirror() {
    // deb822 sources first (Debian 12's default), then the one-line format.
    std::error_code error;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator("/etc/apt/sources.list.d", error)) {
        if (entry.path().extension() == ".sources")
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    static const std::regex deb822(R"(^URIs:\s*(\S+))");
    static const std::regex one_line(R"(^deb\s+(?:\[[^\]]*\]\s+)?(\S+))");
    for (const auto& file : files) {
        std::ifstream input(file);
        std::string line;
        while (std::getline(input, line)) {
            std::smatch match;
            if (std::regex_search(line, match, deb822) &&
                match[1].str().find("security") == std::string::npos) {
                return match[1];
            }
        }
    }
    std::ifstream list("/etc/apt/sources.list");
    std::string line;
    while (std::getline(list, line)) {
        std::smatch match;
        if (std::regex_search(line, match, one_line) &&
            match[1].str().find("security") == std::string::npos) {
            return match[1];
        }
    }
    return {};
}

fs::path default_base_image_cache() {
    return "/var/cache/berth";
}

BaseImageOptions cached_base_image_options() {
    BaseImageOptions options;
    options.cache_dir = default_base_image_cache();
    return options;
}

fs::path cached_root_filesystem(const BaseImageOptions& options) {
    if (options.cache_dir.empty())
        return {};
    return options.cache_dir / ("debian-" + options.suite + "-minbase.tar");
}

BaseImageOutcome ensure_base_image(Engine& engine, const BaseImageOptions& options,
                                   const ProgressCallback& progress) {
    if (!options.force && engine.image_exists(options.reference))
        return BaseImageOutcome::already_present;
    auto say = [&progress](const std::string& text) {
        if (progress)
            progress({text, {}, true});
    };
    std::vector<std::string> changes = {
        R"(CMD ["/bin/bash"])",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};

    fs::path cached;
    std::unique_ptr<int, void (*)(int*)> lock(nullptr, [](int* descriptor) {
        ::close(*descriptor);
        delete descriptor;
    });
    if (!options.cache_dir.empty()) {
        cached = cached_root_filesystem(options);
        // Several engines set up at once must bootstrap once: the first
        // holds the lock while it makes the tar, the others then import it.
        std::error_code ignored;
        fs::create_directories(options.cache_dir, ignored);
        int descriptor =
            ::open((options.cache_dir / ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
        if (descriptor >= 0) {
            lock.reset(new int(descriptor));
            while (::flock(descriptor, LOCK_EX) != 0 && errno == EINTR) {
            }
        }
        if (fs::exists(cached)) {
            say("importing " + cached.string() + " as " + options.reference);
            engine.image_import_file(cached, options.reference, progress, changes);
            return BaseImageOutcome::imported_from_cache;
        }
    }
    if (::geteuid() != 0) {
        std::string cache = cached.empty() ? std::string("its cache folder") : cached.string();
        throw UsageError("making the base image " + options.reference +
                         " runs debootstrap, which only root can do, and no cached root "
                         "filesystem exists at " +
                         cache +
                         ". Run `berth image bootstrap` as root once (it keeps that tar, which "
                         "every user's engine then imports in seconds), or build from a registry "
                         "image instead by passing the build argument BASE=debian:12-slim");
    }
    ScratchFolder scratch;
    fs::path root = scratch.path() / "rootfs";
    std::string mirror = options.mirror.empty() ? host_debian_mirror() : options.mirror;
    std::vector<std::string> command = {"debootstrap", "--variant=minbase", options.suite,
                                        root.string()};
    if (!mirror.empty())
        command.push_back(mirror);
    say("bootstrapping Debian " + options.suite + " (debootstrap --variant=minbase" +
        (mirror.empty() ? "" : ", mirror " + mirror) + ")");
    std::string tail;
    int status = run_program(command, progress, tail);
    if (status != 0) {
        throw Error("debootstrap of " + options.suite + " failed with exit code " +
                    std::to_string(status) + "; its last lines:\n" + tail);
    }
    fs::path tar = scratch.path() / "rootfs.tar";
    say("packing the root filesystem");
    orchestrate::write_rootfs_tar(root, tar);
    if (!cached.empty()) {
        fs::create_directories(options.cache_dir);
        fs::path partial = cached;
        partial += ".partial";
        fs::copy_file(tar, partial, fs::copy_options::overwrite_existing);
        fs::rename(partial, cached);  // whole or absent, never half-written
    }
    say("importing as " + options.reference);
    engine.image_import_file(tar, options.reference, progress, changes);
    return BaseImageOutcome::bootstrapped;
}

}  // namespace berth
