// The container-job plugin's pure parts: what a job user can hand it
// (options, image names, mount lists, environment) and what it makes of them.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "berth_container_logic.h"

#include <sched.h>
#include <sys/mount.h>

#include <map>
#include <string>
#include <vector>

namespace {

std::string reference(const char* option, const char* registry = "registry:5000") {
    char out[BERTH_PATH_LENGTH];
    char error[BERTH_ERROR_LENGTH];
    return berth_image_reference(option, registry, out, sizeof out, error, sizeof error) == 0
               ? out
               : "<refused>";
}

std::string refusal(const char* option) {
    char out[BERTH_PATH_LENGTH];
    char error[BERTH_ERROR_LENGTH] = "";
    return berth_image_reference(option, "registry:5000", out, sizeof out, error, sizeof error) == 0
               ? "<accepted>"
               : error;
}

}  // namespace

TEST_CASE("image references: Pyxis's REGISTRY#IMAGE, a registry in the name, or the default") {
    CHECK(reference("registry:5000#team/app:1") == "registry:5000/team/app:1");
    CHECK(reference("localhost:5000/app:1") == "localhost:5000/app:1");
    CHECK(reference("quay.io/team/app") == "quay.io/team/app");
    CHECK(reference("localhost/app") == "localhost/app");
    CHECK(reference("team/app:1") == "registry:5000/team/app:1");
    CHECK(reference("app:1") == "registry:5000/app:1");
    CHECK(reference("") == "<refused>");
    CHECK(reference("#app") == "<refused>");
    CHECK(reference("registry:5000#") == "<refused>");
    std::string long_name(BERTH_PATH_LENGTH, 'a');
    CHECK(reference(long_name.c_str()) == "<refused>");  // cut short before, now refused
    char small[16];
    char error[BERTH_ERROR_LENGTH];
    CHECK(berth_image_reference("registry:5000#app:1", "r", small, sizeof small, error,
                                sizeof error) == -1);
}

TEST_CASE("docker:// references as Pyxis takes them, and what berth cannot pull") {
    CHECK(reference("docker://registry:5000#team/app:1") == "registry:5000/team/app:1");
    CHECK(reference("docker://app:1") == "registry:5000/app:1");
    CHECK(reference("app@sha256:abc") == "registry:5000/app@sha256:abc");
    CHECK(refusal("/images/app.sqsh").find("squashfs files are not supported") !=
          std::string::npos);
    CHECK(refusal("./app.sqsh").find("squashfs") != std::string::npos);
    CHECK(refusal("dockerd://app:1").find("only docker:// references") != std::string::npos);
    CHECK(refusal("podman://app:1").find("only docker:// references") != std::string::npos);
    CHECK(refusal("docker://me@registry:5000#app:1").find("USER@ is not supported") !=
          std::string::npos);
    CHECK(refusal("").find("argument required") != std::string::npos);
}

TEST_CASE("--container-name NAME[:FLAG] with Pyxis's flags, and bogus names refused") {
    char name[BERTH_NAME_LENGTH + 1];
    char error[BERTH_ERROR_LENGTH];
    berth_name_flag flag{};
    auto parse = [&](const char* option) {
        return berth_parse_container_name(option, name, sizeof name, &flag, error, sizeof error);
    };
    REQUIRE(parse("kept") == 0);
    CHECK(std::string(name) == "kept");
    CHECK(flag == BERTH_NAME_AUTO);
    REQUIRE(parse("kept:create") == 0);
    CHECK(flag == BERTH_NAME_CREATE);
    REQUIRE(parse("kept:exec") == 0);
    CHECK(flag == BERTH_NAME_EXEC);
    REQUIRE(parse("kept:no_exec") == 0);
    CHECK(flag == BERTH_NAME_NO_EXEC);
    REQUIRE(parse("kept:auto") == 0);
    CHECK(flag == BERTH_NAME_AUTO);
    CHECK(parse(":attach") == -1);
    CHECK(std::string(error) == "--container-name: empty name");
    CHECK(parse("kept:attach") == -1);
    CHECK(std::string(error).find("flag must be \"auto\", \"create\", \"exec\" or \"no_exec\"") !=
          std::string::npos);
    CHECK(parse("../etc:create") == -1);
    CHECK(parse("") == -1);
}

TEST_CASE("container names are plain names: no paths, no hidden names, no shell") {
    for (const char* good : {"build", "a.b", "x_1-2", "A9", "name.with.dots"})
        CHECK_MESSAGE(berth_valid_container_name(good), good);
    for (const char* bad : {"", ".", "..", ".hidden", "../etc", "a/b", "a b", "it's", "$(id)",
                            "a;b", "name\n", "ünï"})
        CHECK_MESSAGE(!berth_valid_container_name(bad), bad);
    std::string longest(BERTH_NAME_LENGTH, 'n');
    CHECK(berth_valid_container_name(longest.c_str()));
    CHECK(!berth_valid_container_name((longest + "n").c_str()));
    CHECK(!berth_valid_container_name(nullptr));
}

TEST_CASE("plugstack.conf's default_registry argument, and one too long for its buffer") {
    char registry[256] = "registry:5000";
    std::vector<std::string> words = {"other=1", "default_registry=mirror:5001"};
    std::vector<char*> argv;
    for (auto& word : words)
        argv.push_back(word.data());
    CHECK(berth_registry_argument(static_cast<int>(argv.size()), argv.data(), registry,
                                  sizeof registry) == 0);
    CHECK(std::string(registry) == "mirror:5001");
    std::string too_long = "default_registry=" + std::string(300, 'r');
    char* long_argv[] = {too_long.data()};
    CHECK(berth_registry_argument(1, long_argv, registry, sizeof registry) == -1);
}

TEST_CASE("--container-mounts items: /SRC:/DST with ro or rw, and what is refused") {
    static berth_mount mount{};
    char error[512];
    REQUIRE(berth_parse_mount("/data:/mnt/data:ro", &mount, error, sizeof error) == 0);
    CHECK(std::string(mount.source) == "/data");
    CHECK(std::string(mount.target) == "/mnt/data");
    CHECK(mount.read_only == 1);
    REQUIRE(berth_parse_mount("/a:/b", &mount, error, sizeof error) == 0);
    CHECK(std::string(mount.target) == "/b");
    CHECK(mount.read_only == 0);
    REQUIRE(berth_parse_mount("/a:/b:rw", &mount, error, sizeof error) == 0);
    CHECK(mount.read_only == 0);
    for (const char* bad : {"a:/b", "/a:b", ":/b", "/a:", "/a:/b:rx", "tmpfs", "/a:/b:ro+bogus"}) {
        CAPTURE(bad);
        CHECK(berth_parse_mount(bad, &mount, error, sizeof error) == -1);
        CHECK(std::string(error).find("mount") != std::string::npos);
    }
    std::string long_source = "/" + std::string(BERTH_PATH_LENGTH, 's') + ":/b";
    CHECK(berth_parse_mount(long_source.c_str(), &mount, error, sizeof error) == -1);
}

TEST_CASE("Pyxis's mount forms: relative, short, tmpfs, umount, and flags joined with +") {
    static berth_mount mount{};
    char error[512];
    REQUIRE(berth_parse_mount("./data:./inside", &mount, error, sizeof error) == 0);
    CHECK(std::string(mount.source) == "./data");
    CHECK(std::string(mount.target) == "./inside");
    CHECK(mount.kind == BERTH_MOUNT_BIND);
    CHECK(mount.recursive == 1);  // rbind is the default
    REQUIRE(berth_parse_mount("/var/lib", &mount, error, sizeof error) == 0);
    CHECK(std::string(mount.source) == "/var/lib");
    CHECK(std::string(mount.target) == "/var/lib");
    REQUIRE(berth_parse_mount("tmpfs:/scratch", &mount, error, sizeof error) == 0);
    CHECK(mount.kind == BERTH_MOUNT_TMPFS);
    REQUIRE(berth_parse_mount("umount:/sys", &mount, error, sizeof error) == 0);
    CHECK(mount.kind == BERTH_MOUNT_UMOUNT);
    REQUIRE(berth_parse_mount("/a:/b:ro+nosuid+nodev+noexec+bind+runbindable", &mount, error,
                              sizeof error) == 0);
    CHECK(mount.read_only == 1);
    CHECK(mount.recursive == 0);
    CHECK(mount.flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));
    CHECK(mount.propagation == (MS_UNBINDABLE | MS_REC));
    REQUIRE(berth_parse_mount("/a:/b:noexec+exec+slave", &mount, error, sizeof error) == 0);
    CHECK(mount.flags == 0);
    CHECK(mount.propagation == MS_SLAVE);
    REQUIRE(berth_parse_mount("/a:/b:rprivate+rw", &mount, error, sizeof error) == 0);
    CHECK(mount.propagation == (MS_PRIVATE | MS_REC));
    CHECK(mount.read_only == 0);
    CHECK(berth_parse_mount("data:/x", &mount, error, sizeof error) == -1);
    CHECK(std::string(error).find(
              "mount source must be a relative path, an absolute path, \"tmpfs\" or \"umount\"") !=
          std::string::npos);
    CHECK(berth_parse_mount("/a:b", &mount, error, sizeof error) == -1);
    CHECK(std::string(error).find("mount target must be a relative path or an absolute path") !=
          std::string::npos);
    CHECK(berth_parse_mount(":", &mount, error, sizeof error) == -1);
    CHECK(std::string(error) == "--container-mounts: invalid format: :");
}

TEST_CASE("--container-env lists and --container-unshare namespaces") {
    CHECK(berth_valid_env_list("A"));
    CHECK(berth_valid_env_list("A,B_2"));
    for (const char* bad : {"", ",", "FOO,", ",FOO", "A,,B"}) {
        CAPTURE(bad);
        CHECK(!berth_valid_env_list(bad));
    }
    CHECK(!berth_valid_env_list(nullptr));
    int flags = 0;
    char error[512];
    REQUIRE(berth_parse_unshare("net,ipc,uts", &flags, error, sizeof error) == 0);
    CHECK(flags == (CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS));
    CHECK(berth_parse_unshare("pid", &flags, error, sizeof error) == -1);
    CHECK(std::string(error).find("unknown namespace 'pid'") != std::string::npos);
    CHECK(berth_parse_unshare("net,", &flags, error, sizeof error) == -1);
    CHECK(std::string(error) == "--container-unshare: empty namespace argument");
}

TEST_CASE("locale variables stay out of the container; Pyxis's booleans") {
    for (const char* locale : {"LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES"})
        CHECK_MESSAGE(berth_is_locale_variable(locale), locale);
    for (const char* other : {"LANGX", "PATH", "XLC_ALL", "L"})
        CHECK_MESSAGE(!berth_is_locale_variable(other), other);
    CHECK(berth_parse_bool("1") == 1);
    CHECK(berth_parse_bool("TRUE") == 1);
    CHECK(berth_parse_bool("no") == 0);
    CHECK(berth_parse_bool("maybe") == -1);
}

TEST_CASE("the environment merge: the image wins, unless --container-env names the variable") {
    static const char entries[] = "PATH=/image/bin\0LANG=C.UTF-8\0NOEQUALS\0EMPTY=\0LAST=x";
    std::string image(entries, sizeof entries - 1);
    auto merge = [&](const char* env_option) {
        std::map<std::string, std::pair<std::string, int>> set;
        std::string text = image;  // the function needs text[length] == '\0'
        berth_merge_environment(
            text.data(), text.size(), env_option,
            [](const char* name, const char* value, int image_wins, void* context) {
                (*static_cast<std::map<std::string, std::pair<std::string, int>>*>(
                    context))[name] = {value, image_wins};
            },
            &set);
        CHECK(text == image);  // left as it was
        return set;
    };
    auto plain = merge(nullptr);
    CHECK(plain.size() == 4);
    CHECK(plain["PATH"] == std::make_pair(std::string("/image/bin"), 1));
    CHECK(plain["LANG"] == std::make_pair(std::string("C.UTF-8"), 1));
    CHECK(plain["EMPTY"] == std::make_pair(std::string(""), 1));
    CHECK(plain["LAST"] == std::make_pair(std::string("x"), 1));
    CHECK(plain.count("NOEQUALS") == 0);
    auto named = merge("LANG,PATH");
    CHECK(named["PATH"].second == 0);
    CHECK(named["LANG"].second == 0);
    CHECK(named["LAST"].second == 1);
    CHECK(merge("PATHS")["PATH"].second == 1);  // a whole name, not a prefix
    CHECK(merge("XPATH,PAT")["PATH"].second == 1);
    CHECK(berth_names_variable("A,B,C", "B"));
    CHECK(!berth_names_variable("A,BB,C", "B"));
    CHECK(!berth_names_variable(nullptr, "B"));
}

TEST_CASE("a registry's digest names a folder only when it is sha256 and 64 hex digits") {
    char hex[65];
    std::string digits(64, 'a');
    CHECK(berth_digest_hex(("sha256:" + digits + "\n").c_str(), hex, sizeof hex) == 0);
    CHECK(std::string(hex) == digits);
    for (std::string bad : std::vector<std::string>{
             "sha256:" + digits.substr(1), "sha256:../../../../etc/passwd", "sha512:" + digits,
             "sha256:" + digits + "x", "time=\"warning\"\nsha256:" + digits, std::string("")}) {
        CAPTURE(bad);
        CHECK(berth_digest_hex(bad.c_str(), hex, sizeof hex) == -1);
    }
}

TEST_CASE("berth_format says when the result did not fit") {
    char out[8];
    CHECK(berth_format(out, sizeof out, "%s", "1234567") == 0);
    CHECK(berth_format(out, sizeof out, "%s", "12345678") == -1);
    CHECK(std::string(out).empty());
}
