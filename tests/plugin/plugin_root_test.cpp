// Resolving a user's path inside the container's root (berth_container_root.c):
// what the plugin does before it mounts onto a working directory or a mount
// target. Each case builds a small root in a temporary folder, with the
// traps an image can hold: "..", absolute symbolic links, links to "/".

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

extern "C" {
#include "berth_container_internal.h"
}

#include <fcntl.h>
#include <unistd.h>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

// The plugin's reporter prints to the task's stderr; here it prints as is.
extern "C" {
char berth_report_marker[PATH_LENGTH];
void complain(const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    std::vfprintf(stderr, format, arguments);
    va_end(arguments);
}
}

namespace {

namespace fs = std::filesystem;

/// A root folder with an outside sibling the traps point at.
struct Root {
    fs::path base;
    fs::path root;
    int fd = -1;
    Root() {
        char pattern[] = "/tmp/berth-root-test-XXXXXX";
        REQUIRE(mkdtemp(pattern) != nullptr);
        base = pattern;
        root = base / "root";
        fs::create_directories(root / "etc");
        fs::create_directories(root / "srv/work");
        fs::create_directories(base / "outside");
        fs::create_symlink("/etc", root / "abs-link");
        fs::create_symlink("../../../../..", root / "srv/up");
        fs::create_symlink("/", root / "root-link");
        fs::create_symlink(base / "outside", root / "host-link");
        fd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        REQUIRE(fd >= 0);
    }
    ~Root() {
        close(fd);
        fs::remove_all(base);
    }
    /// Where the descriptor for path landed, as a path relative to the root
    /// ("<outside>" when it is not inside).
    std::string where(const char* path, int create, int directory) const {
        int opened = berth_open_in_root(fd, path, create, directory);
        if (opened < 0)
            return "<error>";
        std::string link = fs::read_symlink("/proc/self/fd/" + std::to_string(opened)).string();
        close(opened);
        std::string prefix = root.string();
        if (link == prefix)
            return "/";
        if (link.rfind(prefix + "/", 0) != 0)
            return "<outside> " + link;
        return link.substr(prefix.size());
    }
};

}  // namespace

TEST_CASE("'..' never climbs above the root") {
    Root root;
    CHECK(root.where("..", 0, 1) == "/");
    CHECK(root.where("../../..", 0, 1) == "/");
    CHECK(root.where("/srv/work/../../..", 0, 1) == "/");
    CHECK(root.where("/srv/up", 0, 1) == "/");
}

TEST_CASE("absolute symbolic links in the image resolve inside the root") {
    Root root;
    CHECK(root.where("/abs-link", 0, 1) == "/etc");
    CHECK(root.where("/root-link/srv", 0, 1) == "/srv");
    // A link to the node's folder by its full path names a folder inside
    // the root of that name, which does not exist: an error, not the node's.
    CHECK(root.where("/host-link", 0, 1) == "<error>");
}

TEST_CASE("targets are made inside the root, through links and '..' alike") {
    Root root;
    CHECK(root.where("/abs-link/escaped", 1, 1) == "/etc/escaped");
    CHECK(fs::is_directory(root.root / "etc/escaped"));
    CHECK(root.where("/srv/up/x/../../made", 1, 1) == "/made");
    CHECK(fs::is_directory(root.root / "made"));
    CHECK(root.where("./relative/deeper", 1, 1) == "/relative/deeper");
    CHECK(root.where("/abs-link/file.txt", 1, 0) == "/etc/file.txt");
    CHECK(fs::is_regular_file(root.root / "etc/file.txt"));
    CHECK(fs::is_empty(root.base / "outside"));
    CHECK(!fs::exists("/etc/escaped"));
}
