#include "orchestrate/project_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

namespace berth::orchestrate {

ProjectLock::ProjectLock(const std::string& engine_uri, const std::string& project) {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    std::filesystem::path folder = std::filesystem::path(runtime && *runtime ? runtime : "/tmp") /
                                   ("berth-locks-" + std::to_string(::getuid()));
    std::error_code ignored;
    std::filesystem::create_directories(folder, ignored);
    std::string key = engine_uri + "-" + project;
    for (char& c : key) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
            c = '_';
    }
    descriptor_ = ::open((folder / (key + ".lock")).c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (descriptor_ < 0)
        return;  // no lock is better than no `up`
    while (::flock(descriptor_, LOCK_EX) != 0 && errno == EINTR) {
    }
}

ProjectLock::~ProjectLock() {
    if (descriptor_ >= 0)
        ::close(descriptor_);
}

}  // namespace berth::orchestrate
