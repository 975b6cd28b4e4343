// Container jobs that behave like Pyxis (issue 17): real srun, sbatch and
// salloc jobs, run as the job user over SSH in the Slurm stack, one stack per
// backend shared by every case. The slurm image is built from this checkout
// first, so the cases run the plugin of this tree; the job image is a
// stand-in built from the base and pushed to the stack's registry.
//
// Pyxis's own test suite (tests/*.bats of NVIDIA/pyxis) is the model of what
// is checked: each case names the behaviour it holds berth to.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <berth/fixture.hpp>

#include "process.hpp"
#include "test_engine.hpp"

#include <chrono>
#include <iostream>
#include <memory>
#include <regex>

using namespace berth;
using namespace berth::testing;

namespace {

std::string source_dir() {
    std::string value = environment_variable("BERTH_SOURCE_DIR");
    REQUIRE_MESSAGE(!value.empty(), "BERTH_SOURCE_DIR must name the checkout");
    return value;
}

void quiet(const Progress&) {}

/// The stack of this backend: its images built from this checkout, then
/// brought up by the fixture with ports of its own.
class PyxisStack {
  public:
    PyxisStack() {
        auto started = std::chrono::steady_clock::now();
        for (const char* image : {"registry", "slurm"}) {
            BuildOptions build;
            build.context_dir = source_dir() + "/containers/" + image;
            build.tags = {std::string("berth/") + image + ":latest"};
            build.build_args = {{"BASE", BaseImageOptions{}.reference}};
            engine().image_build(build, quiet);
        }
        StackOptions options;
        options.endpoint = engine().endpoint().uri();
        options.compose_files = {source_dir() + "/compose/docker-compose.yml"};
        options.project_name = unique_name("berth-pyxis");
        options.parallel_safe = true;
        options.keep = false;
        options.berth_program = environment_variable("BERTH_BINARY");
        stack_ = std::make_unique<Stack>(options);
        cluster_ = SlurmCluster::of(*stack_);
        std::cout << "images and stack ready in " << seconds_since(started) << " s" << std::endl;
        push_job_image();
        std::cout << "job image pushed at " << seconds_since(started) << " s" << std::endl;
    }

    /// A shell command as the job user over SSH with the password.
    ProcessResult ssh(const std::string& command) const {
        return ssh_with_password(cluster_.username, cluster_.password, cluster_.hostname,
                                 cluster_.ssh_port, "cd ~/slurm_jobs && " + command);
    }

    /// The same, with only the standard output: for cases that check the
    /// order of lines, which srun's notes on stderr ("job N queued") would
    /// break.
    ProcessResult ssh_stdout(const std::string& command) const {
        return ssh("{ " + command + "\n} 2>/dev/null");
    }

  private:
    static double seconds_since(std::chrono::steady_clock::time_point start) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    /// The stand-in for a Pyxis user's image: variables the image sets, a
    /// working directory, the traps an image can hold for a chroot (an
    /// absolute link to /etc, a relative link far above the root, a link to
    /// "/"), and a local package for apt as remapped root (no network).
    void push_job_image() const {
        std::string pushed = cluster_.registry_for_host + "/test/pyxis:v1";
        TemporaryFolder context;
        context.write(
            "Containerfile",
            "FROM " + BaseImageOptions{}.reference +
                "\n"
                "ENV IMAGE_ONLY=from-image PYTHONPATH=/workspace LD_LIBRARY_PATH=/image/lib "
                "LANG=C.UTF-8\n"
                "RUN echo inside the image > /etc/marker && mkdir -p /srv/work /workspace "
                "&& ln -s /etc /abs-link && ln -s ../../../../.. /srv/up && ln -s / /root-link "
                "&& mkdir -p /opt/pkg/DEBIAN /opt/pkg/usr/share/berth-test "
                "&& printf 'Package: berth-test\\nVersion: 1.0\\nArchitecture: all\\n"
                "Maintainer: berth <berth@localhost>\\nDescription: a local package\\n' "
                "> /opt/pkg/DEBIAN/control "
                "&& echo installed > /opt/pkg/usr/share/berth-test/installed "
                "&& dpkg-deb --build /opt/pkg /opt/berth-test.deb && rm -rf /opt/pkg\n"
                "WORKDIR /srv/work\n");
        BuildOptions build;
        build.context_dir = context.path().string();
        build.tags = {pushed};
        engine().image_build(build, quiet);
        engine().image_push(pushed, {.tls_verify = false}, quiet);
        engine().image_remove(pushed, true);
    }

    std::unique_ptr<Stack> stack_;
    SlurmCluster cluster_;
};

PyxisStack& stack() {
    static PyxisStack instance;
    return instance;
}

const std::string image = "--container-image=registry:5000#test/pyxis:v1";

/// How often text occurs in output.
std::size_t count(const std::string& output, const std::string& text) {
    std::size_t found = 0;
    for (auto at = output.find(text); at != std::string::npos; at = output.find(text, at + 1))
        ++found;
    return found;
}

bool has(const std::string& output, const std::string& text) {
    return output.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("the image is imported once, and a task runs in it with the image's working directory") {
    ProcessResult result =
        stack().ssh_stdout("srun " + image + " sh -c 'cat /etc/marker; pwd'; echo exit=$?");
    INFO(result.output);
    CHECK(has(result.output, "inside the image\n/srv/work\nexit=0"));
}

TEST_CASE("no user path leaves the container's root: '..', absolute and relative links") {
    ProcessResult result = stack().ssh_stdout(
        "rm -rf ~/m && mkdir -p ~/m && echo mounted > ~/m/f && "
        "srun " +
        image +
        " --container-workdir=../ pwd; "
        "srun " +
        image +
        " --container-workdir=/srv/up pwd; "
        "srun " +
        image +
        " --container-workdir=/root-link/etc pwd; "
        "srun " +
        image +
        " --container-mounts=$HOME/m:/abs-link/escaped cat /etc/escaped/f; "
        "srun " +
        image +
        " --container-mounts=$HOME/m:/srv/up/x/../../escaped2 cat /escaped2/f; "
        "srun " +
        image +
        " --container-mounts=$HOME/m:../../../escaped3 cat /escaped3/f; "
        "ls -d /etc/escaped /escaped2 /escaped3 2>&1 | grep -c 'No such file'");
    INFO(result.output);
    CHECK(has(result.output, "/\n/\n/etc\nmounted\nmounted\nmounted\n3\n"));
    ProcessResult missing =
        stack().ssh("srun " + image + " --container-workdir=/no/such/folder true; echo exit=$?");
    INFO(missing.output);
    CHECK(has(missing.output, "--container-workdir: /no/such/folder: No such file or directory"));
    CHECK(has(missing.output, "exit=1"));
}

TEST_CASE(
    "sbatch: the batch step runs in the container, from the command line and from #SBATCH lines") {
    ProcessResult result = stack().ssh(
        "cat > in-container.sh <<'EOF'\n"
        "#!/bin/bash\n"
        "#SBATCH --container-image=registry:5000\\#test/pyxis:v1\n"
        "#SBATCH --container-workdir=/workspace\n"
        "cat /etc/marker; pwd; echo $IMAGE_ONLY\n"
        "EOF\n"
        "first=$(sbatch --parsable --wait --output=sbatch-lines-%j.out in-container.sh); "
        "second=$(sbatch --parsable --wait " +
        image +
        " --output=sbatch-option-%j.out "
        "--wrap 'cat /etc/marker; pwd'); "
        "cat sbatch-lines-$first.out; echo ---; cat sbatch-option-$second.out; echo ---; "
        "sbatch --help | grep -c -- --container-image; salloc --help | grep -c -- "
        "--container-image");
    INFO(result.output);
    CHECK(has(result.output, "inside the image\n/workspace\nfrom-image\n---\n"));
    CHECK(has(result.output, "---\ninside the image\n/srv/work\n---\n1\n1\n"));
}

TEST_CASE("salloc: the allocation's container options apply to every srun step in it") {
    ProcessResult result = stack().ssh_stdout(
        "salloc " + image +
        " --container-workdir=/workspace sh -c 'srun pwd; srun cat /etc/marker'");
    INFO(result.output);
    CHECK(has(result.output, "/workspace\ninside the image\n"));
}

TEST_CASE("--container-name: files kept across steps and jobs, and Pyxis's flags") {
    ProcessResult result = stack().ssh(
        "rm -rf ~/.cache/berth-containers/named; "
        "srun --container-name=missing true; echo missing=$?; "
        "srun " +
        image +
        " --container-name=kept sh -c 'echo kept state > /var/state'; "
        "srun --container-name=kept cat /var/state; "  // a later job, no image
        "srun " +
        image +
        " --container-name=kept:create true; echo create=$?; "  // exists
        "srun --container-name=kept:no_exec cat /var/state; "
        "srun --container-name=kept:exec true; echo exec=$?; "  // nothing runs in it
        "srun --container-name=fresh:create " +
        image + " sh -c 'test -e /var/state || echo fresh'");
    INFO(result.output);
    CHECK(has(result.output,
              "error: a container with name \"missing\" does not exist, and --container-image is "
              "not set"));
    CHECK(has(result.output, "missing=1"));
    CHECK(has(result.output, "kept state\n"));
    CHECK(has(
        result.output,
        "error: \"create\" flag was passed to --container-name but the container already exists"));
    CHECK(has(result.output, "create=1"));
    CHECK(count(result.output, "kept state\n") == 2);
    CHECK(has(
        result.output,
        "error: \"exec\" flag was passed to --container-name but the container is not running"));
    CHECK(has(result.output, "exec=1"));
    CHECK(has(result.output, "fresh\n"));
}

TEST_CASE(
    "--container-name: a step attaches to a running container (its mounts), :no_exec does not") {
    ProcessResult result = stack().ssh_stdout(
        "rm -rf ~/.cache/berth-containers/named; "
        "srun " +
        image +
        " --container-name=live true; "
        "job=$(sbatch --parsable --output=live-%j.out --wrap \"srun --container-name=live "
        "--container-remap-root "
        "sh -c 'mkdir -p /mnt/live && mount -t tmpfs none /mnt/live && echo attached > /mnt/live/f "
        "&& "
        "touch /tmp/up-\\$SLURM_JOB_ID && sleep 20'\"); "
        "timeout 60 bash -c \"until srun --jobid=$job --overlap --container-name=live:no_exec "
        "test -e /tmp/up-$job 2>/dev/null; do sleep 0.3; done\"; "
        "srun --jobid=$job --overlap --container-name=live:exec cat /mnt/live/f; "
        "srun --jobid=$job --overlap --container-name=live cat /mnt/live/f; "
        "srun --jobid=$job --overlap --container-name=live:no_exec cat /mnt/live/f 2>&1 | grep -c "
        "'No such'; "
        "scancel $job");
    INFO(result.output);
    CHECK(has(result.output, "attached\nattached\n1\n"));
}

TEST_CASE("--container-name refuses what Pyxis refuses: ':attach' style, empty and path names") {
    for (std::string name : {":attach", "kept:attach", "../etc", ""}) {
        ProcessResult result =
            stack().ssh("srun " + image + " --container-name='" + name + "' true; echo exit=$?");
        INFO(name << ": " << result.output);
        CHECK(has(result.output, "berth-container: --container-name"));
        CHECK(!has(result.output, "exit=0"));
    }
    ProcessResult flag = stack().ssh("srun --container-name=x:attach true");
    CHECK(has(flag.output, "flag must be \"auto\", \"create\", \"exec\" or \"no_exec\""));
}

TEST_CASE(
    "the environment: the image wins unless --container-env names it; no locale from the job") {
    ProcessResult result = stack().ssh(
        "export PYTHONPATH=/job LD_LIBRARY_PATH=/job/lib JOB_ONLY=kept LANG=xx_XX.UTF-8 "
        "LC_ALL=xx_XX "
        "LC_CTYPE=xx_XX; "
        "srun " +
        image +
        " sh -c 'echo py=$PYTHONPATH ld=$LD_LIBRARY_PATH job=$JOB_ONLY lang=$LANG "
        "all=${LC_ALL-unset} ctype=${LC_CTYPE-unset} home=$HOME'; "
        "srun " +
        image +
        " --container-env=PYTHONPATH,LC_ALL sh -c 'echo named py=$PYTHONPATH "
        "all=$LC_ALL ld=$LD_LIBRARY_PATH'");
    INFO(result.output);
    CHECK(has(result.output,
              "py=/workspace ld=/image/lib job=kept lang=C.UTF-8 all=unset ctype=unset "
              "home=/home/slurm\n"));
    CHECK(has(result.output, "named py=/job all=xx_XX ld=/image/lib\n"));
}

TEST_CASE("PYXIS_CONTAINER_* variables stand in for options, and the command line wins") {
    ProcessResult result = stack().ssh_stdout(
        "PYXIS_CONTAINER_IMAGE=registry:5000#test/pyxis:v1 PYXIS_CONTAINER_WORKDIR=/workspace "
        "srun sh -c 'cat /etc/marker; pwd'; "
        "PYXIS_CONTAINER_IMAGE=registry:5000#test/pyxis:v1 PYXIS_CONTAINER_WORKDIR=/workspace "
        "srun --container-workdir=/tmp pwd; "
        "PYXIS_CONTAINER_REMAP_ROOT=1 srun " +
        image +
        " id -u; "
        "PYXIS_CONTAINER_MOUNTS=/etc:/node-etc srun " +
        image +
        " test -e /node-etc/slurm/slurm.conf && "
        "echo mounted; "
        "PYXIS_CONTAINER_READONLY=true srun " +
        image + " touch /x 2>&1 | grep -c 'Read-only'");
    INFO(result.output);
    CHECK(has(result.output, "inside the image\n/workspace\n/tmp\n0\nmounted\n1\n"));
    // Tasks whose image came from a variable leave no scratch folder and no
    // report marker behind (slurmstepd reads the variables again to know).
    ProcessResult clean = stack().ssh(
        "timeout 20 sh -c 'while ls /tmp | grep -q ^berth-container-; do sleep 0.2; done' && echo "
        "clean; "
        "ls /tmp | grep ^berth-container-");
    INFO(clean.output);
    CHECK(has(clean.output, "clean\n"));
}

TEST_CASE("--container-remap-root: uid 0, home at /root, the seccomp filter, apt as root") {
    ProcessResult result = stack().ssh_stdout(
        "srun " + image +
        " --container-remap-root sh -c 'id -u; echo $HOME; test -d /root/slurm_jobs && "
        "echo home-at-root; cat /proc/self/uid_map; grep Seccomp: /proc/self/status; "
        "chown 12:34 /tmp && echo chown-ok; "
        "apt-get install -y /opt/berth-test.deb >/dev/null 2>&1; cat "
        "/usr/share/berth-test/installed'; "
        "srun " +
        image + " sh -c 'id -u; cat /proc/self/uid_map; grep Seccomp: /proc/self/status'; id -u");
    INFO(result.output);
    std::regex remapped(
        "0\n/root\nhome-at-root\n +0 +[0-9]+ +1\nSeccomp:\t2\nchown-ok\ninstalled\n");
    CHECK(std::regex_search(result.output, remapped));
    std::smatch own;
    REQUIRE(std::regex_search(result.output, own, std::regex("\n([0-9]+)$|\n([0-9]+)\n$")));
    std::string uid = own[1].matched ? own[1].str() : own[2].str();
    CHECK(has(result.output, uid + "\n"));
    CHECK(std::regex_search(result.output,
                            std::regex(uid + "\n +" + uid + " +" + uid + " +1\nSeccomp:\t2\n")));
}

TEST_CASE("--container-mount-home and --no-container-mount-home") {
    ProcessResult result = stack().ssh_stdout(
        "srun " + image +
        " --container-mount-home sh -c 'test -d $HOME/slurm_jobs && echo home'; " + "srun " +
        image + " --no-container-mount-home sh -c 'test -d $HOME/slurm_jobs || echo no-home'");
    INFO(result.output);
    CHECK(has(result.output, "home\nno-home\n"));
    ProcessResult both = stack().ssh(
        "srun " + image + " --container-mount-home --no-container-mount-home true; echo exit=$?");
    INFO(both.output);
    CHECK(has(both.output,
              "both --container-mount-home and --no-container-mount-home were specified"));
    CHECK(!has(both.output, "exit=0"));
}

TEST_CASE("mount forms: relative, short, tmpfs, umount, and flags joined with '+'") {
    ProcessResult result = stack().ssh_stdout(
        "rm -rf rel m && mkdir -p rel m && echo relative > rel/r && echo flagged > m/f && "
        "srun " +
        image +
        " --container-mounts=./rel:/rel,/etc/slurm,tmpfs:/scratch,umount:/sys,"
        "./m:/ro:ro+nosuid+nodev+noexec+rprivate,./m:./srv/inside:bind+unbindable,./m:/"
        "shared:rslave "
        "sh -c 'cat /rel/r; test -e /etc/slurm/slurm.conf && echo short; "
        "grep \" /scratch \" /proc/self/mounts | cut -d\" \" -f3 | head -n1; ls /sys | wc -l; "
        "grep \" /ro \" /proc/self/mounts | cut -d\" \" -f4 | tr , \"\\n\" | grep -E "
        "\"^(ro|nosuid|nodev|noexec)$\" "
        "| sort -u | tr \"\\n\" \" \"; echo; touch /ro/x 2>&1 | grep -c Read-only; cat "
        "/srv/inside/f /shared/f'; "
        "echo exit=$?");
    INFO(result.output);
    CHECK(has(result.output,
              "relative\nshort\ntmpfs\n0\nnodev noexec nosuid ro \n1\nflagged\nflagged\nexit=0"));
}

TEST_CASE("mount errors have Pyxis's texts and fail the step") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"data:/x",
         "mount source must be a relative path, an absolute path, \"tmpfs\" or \"umount\""},
        {"/etc:x", "mount target must be a relative path or an absolute path"},
        {":", "--container-mounts: invalid format: :"},
        {"/etc:/x:ro+bogus", "unknown mount flag 'bogus'"},
        {"/no/such/source:/x", "--container-mounts: source path does not exist: /no/such/source"},
    };
    for (const auto& [mounts, message] : cases) {
        ProcessResult result = stack().ssh("srun " + image + " --container-mounts='" + mounts +
                                           "' true; echo exit=$?");
        INFO(mounts << ": " << result.output);
        CHECK(has(result.output, message));
        CHECK(!has(result.output, "exit=0"));
    }
}

TEST_CASE("--container-writable and --container-readonly") {
    ProcessResult result =
        stack().ssh("srun " + image +
                    " --container-readonly touch /newfile; echo readonly=$?; "
                    "srun " +
                    image +
                    " --container-writable sh -c 'touch /newfile && echo written'; "
                    "srun " +
                    image + " --container-writable --container-readonly true; echo both=$?");
    INFO(result.output);
    CHECK(has(result.output, "Read-only file system"));
    CHECK(has(result.output, "readonly=1"));
    CHECK(has(result.output, "written\n"));
    CHECK(has(result.output, "both --container-writable and --container-readonly were specified"));
    CHECK(!has(result.output, "both=0"));
}

TEST_CASE("--container-unshare: net (loopback only), ipc and uts namespaces of their own") {
    ProcessResult result = stack().ssh(
        "for ns in net ipc uts; do echo host-$ns=$(readlink /proc/self/ns/$ns); done; "
        "srun " +
        image +
        " --container-unshare=net,ipc,uts sh -c 'for ns in net ipc uts; do "
        "echo container-$ns=$(readlink /proc/self/ns/$ns); done'; "
        "srun " +
        image +
        " sh -c 'echo plain-net=$(readlink /proc/self/ns/net)'; "
        "srun " +
        image +
        " --container-unshare=net bash -c 'exec </dev/tcp/127.0.0.1/65535' 2>&1 | "
        "grep -q 'Connection refused' && echo loopback-refused; "
        "srun " +
        image + " --container-unshare=pid true; echo pid=$?");
    INFO(result.output);
    for (const char* ns : {"net", "ipc", "uts"}) {
        std::smatch host;
        std::string kind = ns;
        REQUIRE(std::regex_search(result.output, host, std::regex("host-" + kind + "=(\\S+)")));
        CHECK(!has(result.output, "container-" + kind + "=" + host[1].str()));
        CHECK(has(result.output, "container-" + kind + "=" + kind + ":["));
    }
    std::smatch net;
    REQUIRE(std::regex_search(result.output, net, std::regex("host-net=(\\S+)")));
    CHECK(has(result.output, "plain-net=" + net[1].str()));
    CHECK(has(result.output, "loopback-refused\n"));
    CHECK(has(result.output, "--container-unshare: unknown namespace 'pid'"));
    CHECK(!has(result.output, "pid=0"));
}

TEST_CASE("image references: docker:// accepted; what berth cannot pull refused with the reason") {
    ProcessResult result = stack().ssh(
        "srun --container-image=docker://registry:5000#test/pyxis:v1 cat /etc/marker; "
        "srun --container-image=docker://test/pyxis:v1 cat /etc/marker; "
        "srun --container-image=dockerd://test/pyxis:v1 true; "
        "srun --container-image=me@registry:5000#test/pyxis:v1 true; "
        "srun --container-image=./image.sqsh true; "
        "srun " +
        image +
        " --container-save=./saved.sqsh true; "
        "srun " +
        image +
        " --container-entrypoint true; "
        "srun " +
        image + " --no-container-entrypoint cat /etc/marker");
    INFO(result.output);
    CHECK(count(result.output, "inside the image\n") == 3);
    CHECK(has(result.output, "only docker:// references are supported"));
    CHECK(has(result.output, "USER@ is not supported"));
    CHECK(has(result.output, "squashfs files are not supported"));
    CHECK(has(result.output, "--container-save is not supported"));
    CHECK(has(result.output, "--container-entrypoint is not supported"));
}

TEST_CASE("errors are reported once per step, not once per task; bad --container-env refused") {
    ProcessResult result = stack().ssh(
        "srun -n2 --container-image=registry:5000#test/no-such-image:v9 true; echo missing=$?; "
        "srun -n2 " +
        image +
        " --container-workdir=/nowhere true; echo workdir=$?; "
        "srun " +
        image +
        " --container-env= true; echo empty=$?; "
        "srun " +
        image + " --container-env=FOO, true; echo trailing=$?");
    INFO(result.output);
    CHECK(count(result.output, "berth-container: image registry:5000/test/no-such-image:v9") == 1);
    CHECK(count(result.output, "--container-workdir: /nowhere: No such file or directory") == 1);
    for (const char* step : {"missing=0", "workdir=0", "empty=0", "trailing=0"})
        CHECK(!has(result.output, step));
    CHECK(has(result.output, "--container-env: invalid format: FOO,"));
    CHECK(has(result.output, "--container-env: argument required"));
}

TEST_CASE("container options without --container-image or --container-name are refused") {
    ProcessResult result = stack().ssh(
        "srun --container-mounts=/etc:/x true; echo mounts=$?; "
        "srun --container-workdir=/tmp true; echo workdir=$?; "
        "sbatch --container-remap-root --wrap true; echo sbatch=$?");
    INFO(result.output);
    CHECK(has(result.output, "--container-mounts needs --container-image or --container-name"));
    CHECK(has(result.output, "--container-workdir needs --container-image or --container-name"));
    CHECK(has(result.output,
              "--[no-]container-remap-root needs --container-image or --container-name"));
    for (const char* refused : {"mounts=0", "workdir=0", "sbatch=0"})
        CHECK(!has(result.output, refused));
}

int main(int argc, char** argv) {
    return run_suite(argc, argv, /*needs_base_image=*/true);
}
