#include "orchestrate/project_lock.hpp"

#include <berth/errors.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace berth::orchestrate {

namespace {

/// The folder for this user's lock files: $XDG_RUNTIME_DIR (private to the
/// user by definition), else /tmp/berth-locks-UID, which anybody could have
/// made first: it must be a real folder (not a link), owned by this user and
/// closed to everybody else.
std::filesystem::path lock_folder() {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (runtime != nullptr && *runtime == '/') {
        struct stat info {};
        if (::stat(runtime, &info) == 0 && S_ISDIR(info.st_mode) && info.st_uid == ::getuid())
            return std::filesystem::path(runtime) / "berth-locks";
    }
    return "/tmp/berth-locks-" + std::to_string(::getuid());
}

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
    throw Error(what + " " + path.string() + ": " + std::strerror(errno));
}

/// Opens the lock folder, making it if needed. It must be a real folder (not
/// a link) of this user's; one left with a looser mode by an older berth is
/// closed to others again (through the descriptor, so nothing can be swapped
/// in between the check and the change).
int open_private_folder(const std::filesystem::path& folder) {
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST)
        fail("cannot create the lock folder", folder);
    int descriptor = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (descriptor < 0) {
        throw Error("the lock folder " + folder.string() +
                    " cannot be opened as a folder (is it a link?): " + std::strerror(errno) +
                    "; remove it");
    }
    struct stat info {};
    if (::fstat(descriptor, &info) != 0 || info.st_uid != ::getuid()) {
        ::close(descriptor);
        throw Error("the lock folder " + folder.string() +
                    " belongs to another user; remove it (it may be there to interfere with "
                    "berth's locks)");
    }
    if ((info.st_mode & 0077) != 0 && ::fchmod(descriptor, 0700) != 0) {
        int error = errno;
        ::close(descriptor);
        errno = error;
        fail("cannot make private the lock folder", folder);
    }
    return descriptor;
}

}  // namespace

ProjectLock::ProjectLock(const std::string& engine_uri, const std::string& project) {
    std::filesystem::path folder = lock_folder();
    int folder_descriptor = open_private_folder(folder);
    std::string key = engine_uri + "-" + project;
    for (char& c : key) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
            c = '_';
    }
    std::filesystem::path file = folder / (key + ".lock");
    descriptor_ = ::openat(folder_descriptor, file.filename().c_str(),
                           O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
    int open_error = errno;
    ::close(folder_descriptor);
    errno = open_error;
    if (descriptor_ < 0)
        fail("cannot open the project lock", file);
    struct stat info {};
    if (::fstat(descriptor_, &info) != 0 || !S_ISREG(info.st_mode) || info.st_uid != ::getuid()) {
        ::close(descriptor_);
        descriptor_ = -1;
        throw Error("the project lock " + file.string() +
                    " is not a file of this user's; remove it");
    }
    while (::flock(descriptor_, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int error = errno;
            ::close(descriptor_);
            descriptor_ = -1;
            errno = error;
            fail("cannot lock", file);
        }
    }
}

ProjectLock::~ProjectLock() {
    if (descriptor_ >= 0)
        ::close(descriptor_);
}

}  // namespace berth::orchestrate
