// The stack's images on a real engine: the base made from Debian's packages,
// the registry and slurm images built through berth, both containers started
// through the engine layer, and the Slurm cluster contract checked over SSH.
// meson runs this once per backend (dockerd, rootful and rootless Podman).

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <berth/base_image.hpp>

#include "engine/transport.hpp"
#include "process.hpp"
#include "test_engine.hpp"

#include <chrono>
#include <iostream>
#include <thread>

using namespace berth;
using namespace berth::testing;
using namespace std::chrono_literals;

namespace {

std::string source_dir() {
    const char* value = std::getenv("BERTH_SOURCE_DIR");
    REQUIRE_MESSAGE(value != nullptr, "BERTH_SOURCE_DIR must name the checkout");
    return value;
}

void print_progress(const Progress& line) {
    if (std::getenv("BERTH_TEST_VERBOSE") != nullptr)
        std::cerr << line.message;
}

/// Every object of one stack, removed in reverse at scope exit.
class Stack {
  public:
    Stack() {
        auto started = std::chrono::steady_clock::now();
        auto outcome = ensure_stack_base_image();
        std::cout << "base image: "
                  << (outcome == BaseImageOutcome::already_present       ? "present"
                      : outcome == BaseImageOutcome::imported_from_cache ? "imported from cache"
                                                                         : "bootstrapped")
                  << std::endl;
        for (const char* image : {"registry", "slurm"}) {
            BuildOptions build;
            build.context_dir = source_dir() + "/containers/" + image;
            build.tags = {std::string("berth/") + image + ":latest"};
            build.build_args = {{"BASE", BaseImageOptions{}.reference}};
            engine().image_build(build, print_progress);
        }
        std::cout << "images ready in " << seconds_since(started) << " s" << std::endl;

        network_ = unique_name("berth-stack-net");
        engine().network_create({.name = network_, .labels = {{"berth.test", "stack"}}});
        registry_volume_ = unique_name("berth-stack-registry");
        engine().volume_create({.name = registry_volume_, .labels = {{"berth.test", "stack"}}});
        home_volume_ = unique_name("berth-stack-home");
        engine().volume_create({.name = home_volume_, .labels = {{"berth.test", "stack"}}});

        ContainerSpec registry;
        registry.name = unique_name("berth-stack-registry");
        registry.image = "berth/registry:latest";
        registry.labels = {{"berth.test", "stack"}};
        registry.ports = {{5000, "tcp", "127.0.0.1", 0}};
        registry.mounts = {{Mount::Type::volume, registry_volume_, "/var/lib/registry", false, {}}};
        registry.network = network_;
        registry.network_aliases = {"registry"};
        registry_ = engine().container_create(registry);

        // As compose/docker-compose.yml has it, but with ports the engine
        // picks so that the backends' runs do not collide.
        ContainerSpec slurm;
        slurm.name = unique_name("berth-stack-slurm");
        slurm.image = "berth/slurm:latest";
        slurm.hostname = "slurm-control";
        slurm.labels = {{"berth.test", "stack"}};
        slurm.ports = {{22, "tcp", "127.0.0.1", 0}};
        slurm.mounts = {{Mount::Type::volume, home_volume_, "/home/slurm", false, {}}};
        slurm.network = network_;
        slurm.network_aliases = {"slurm", "slurm-pyxis", "slurm-control"};
        slurm.cap_add = {"SYS_ADMIN"};
        slurm.security_opt = {"seccomp=unconfined", "apparmor=unconfined"};
        slurm_ = engine().container_create(slurm);

        auto starting = std::chrono::steady_clock::now();
        engine().container_start(registry_);
        wait_healthy(registry_, "registry");
        engine().container_start(slurm_);
        wait_healthy(slurm_, "slurm");
        std::cout << "stack healthy in " << seconds_since(starting) << " s" << std::endl;
        ssh_port_ = published_port(slurm_);
        registry_port_ = published_port(registry_);
    }

    ~Stack() {
        for (const auto& container : {slurm_, registry_}) {
            if (container.empty())
                continue;
            try {
                engine().container_remove(container, {.force = true, .volumes = true});
            } catch (const std::exception& error) {
                std::cerr << "cleanup: " << error.what() << std::endl;
            }
        }
        try {
            if (!network_.empty())
                engine().network_remove(network_);
            if (!registry_volume_.empty())
                engine().volume_remove(registry_volume_, true);
            if (!home_volume_.empty())
                engine().volume_remove(home_volume_, true);
        } catch (const std::exception& error) {
            std::cerr << "cleanup: " << error.what() << std::endl;
        }
    }

    /// Runs a shell command as slurm over SSH with the password.
    ProcessResult ssh(const std::string& command) const {
        return ssh_with_password("slurm", "slurm", "127.0.0.1", ssh_port_, command);
    }

    const std::string& slurm() const { return slurm_; }
    int registry_port() const { return registry_port_; }
    int ssh_port() const { return ssh_port_; }

  private:
    static double seconds_since(std::chrono::steady_clock::time_point start) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    static int published_port(const std::string& container) {
        auto info = engine().container_inspect(container);
        REQUIRE(info.ports.size() == 1);
        return info.ports[0].host_port;
    }

    /// Runs the container's own healthcheck until it passes (Podman without
    /// systemd never runs it itself). A container that exits fails at once.
    static void wait_healthy(const std::string& container, const std::string& service) {
        auto deadline = std::chrono::steady_clock::now() + 120s;
        std::string last_output;
        while (std::chrono::steady_clock::now() < deadline) {
            ContainerInfo info = engine().container_inspect(container);
            if (!info.state.running) {
                auto logs = engine().container_logs(container, {.tail = 30});
                FAIL(service << " exited with code " << info.state.exit_code << "; last logs:\n"
                             << logs.stdout_text << logs.stderr_text);
            }
            HealthResult health = engine().run_healthcheck(container);
            if (health.status == HealthStatus::healthy)
                return;
            if (health.latest())
                last_output = health.latest()->output;
            std::this_thread::sleep_for(250ms);
        }
        FAIL(service << " not healthy within 120 s; last check said: " << last_output);
    }

    std::string network_, registry_volume_, home_volume_, registry_, slurm_;
    int ssh_port_ = 0;
    int registry_port_ = 0;
};

Stack& stack() {
    static Stack instance;
    return instance;
}

/// Waits on the node, bounded, until every job has ended: every record
/// scontrol shows (an array has one per task) in a final state.
std::string wait_for_jobs(const std::string& job_ids) {
    return "for job in " + job_ids +
           "; do timeout 120 bash -c \"until records=\\$(scontrol show job -o $job) && "
           "! grep -vqE 'JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT)' <<<\\\"\\$records\\\"; "
           "do sleep 0.2; done\" || { echo job $job did not finish; exit 1; }; done";
}

}  // namespace

TEST_CASE("password SSH reaches the cluster, and sinfo shows the debug partition up") {
    ProcessResult result =
        stack().ssh("whoami; echo $HOME; sinfo --noheader --format='%P %a %D %t'");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("slurm\n/home/slurm\n") == 0);
    CHECK(result.output.find("debug* up 1 idle") != std::string::npos);
}

TEST_CASE("SFTP works for the slurm user") {
    // Commands on stdin, not -b: batch mode would forbid password logins.
    ProcessResult result =
        run_process({"sshpass", "-p", "slurm", "sftp", "-P", std::to_string(stack().ssh_port()),
                     "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o",
                     "LogLevel=ERROR", "slurm@127.0.0.1"},
                    "put /etc/hostname slurm_jobs/uploaded\nls slurm_jobs\n");
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(result.output.find("uploaded") != std::string::npos);
}

TEST_CASE("an sbatch job runs in the job directory and writes its output") {
    ProcessResult result = stack().ssh(
        "cd ~/slurm_jobs && job=$(sbatch --parsable --chdir=/home/slurm/slurm_jobs "
        "--output=basic-%j.out --wrap 'echo hello from $(hostname) in $PWD') && " +
        wait_for_jobs("$job") + " && cat basic-$job.out && scontrol show job -o $job");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("hello from slurm-control in /home/slurm/slurm_jobs") !=
          std::string::npos);
    CHECK(result.output.find("JobState=COMPLETED") != std::string::npos);
    CHECK(result.output.find("Partition=debug") != std::string::npos);
}

TEST_CASE("an array with a %2 throttle runs every task, at most two at a time") {
    ProcessResult result = stack().ssh(
        "cd ~/slurm_jobs && job=$(sbatch --parsable --array=1-4%2 --output=array-%A_%a.out "
        "--wrap 'echo task $SLURM_ARRAY_TASK_ID; sleep 1') && "
        "scontrol show job -o $job | grep -o 'ArrayTaskThrottle=[0-9]*' | head -n1 && " +
        wait_for_jobs("$job") + " && cat array-${job}_*.out");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("ArrayTaskThrottle=2") != std::string::npos);
    for (int task = 1; task <= 4; ++task) {
        CHECK(result.output.find("task " + std::to_string(task) + "\n") != std::string::npos);
    }
}

TEST_CASE("an afterok dependency runs after its parent, and not after a failure") {
    ProcessResult result = stack().ssh(
        "cd ~/slurm_jobs && first=$(sbatch --parsable --output=first-%j.out --wrap 'sleep 1; echo "
        "first') && "
        "second=$(sbatch --parsable --dependency=afterok:$first --output=second-%j.out "
        "--wrap 'cat first-'$first'.out; echo second') && "
        "broken=$(sbatch --parsable --wrap 'exit 3') && "
        "never=$(sbatch --parsable --dependency=afterok:$broken --kill-on-invalid-dep=yes --wrap "
        "'echo never') && " +
        wait_for_jobs("$second $never") +
        " && cat second-$second.out && scontrol show job -o $never");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("first\nsecond\n") != std::string::npos);
    CHECK(result.output.find("JobState=CANCELLED") != std::string::npos);
}

TEST_CASE("a job can SSH to its own node and submit a child job") {
    ProcessResult result = stack().ssh(
        "cd ~/slurm_jobs && cat > parent.sh <<'EOF'\n"
        "#!/bin/bash\n"
        "ssh slurm-control \"sbatch --parsable --chdir=$HOME/slurm_jobs --output=child-%j.out "
        "--wrap 'echo child ran'\"\n"
        "EOF\n"
        "parent=$(sbatch --parsable --output=parent-%j.out parent.sh) && " +
        wait_for_jobs("$parent") + " && child=$(tail -n1 parent-$parent.out) && " +
        wait_for_jobs("$child") + " && cat child-$child.out");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("child ran") != std::string::npos);
}

TEST_CASE("Python 3 can make and use a venv in the cluster") {
    ProcessResult result = stack().ssh(
        "python3 -m venv ~/venv-test && ~/venv-test/bin/python -c 'import sys; print(sys.prefix)'");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("/home/slurm/venv-test") != std::string::npos);
}

TEST_CASE("an image pushed from the host reads back inside the cluster as registry:5000") {
    std::string reference =
        "127.0.0.1:" + std::to_string(stack().registry_port()) + "/berth-test/busybox:v1";
    engine().image_tag(busybox_image(), reference);
    engine().image_push(reference, {.tls_verify = false}, print_progress);
    engine().image_remove(reference);
    ExecResult result = engine().exec(stack().slurm(),
                                      {"skopeo", "inspect", "--format", "{{.Name}} {{len .Layers}}",
                                       "docker://registry:5000/berth-test/busybox:v1"},
                                      {.user = "slurm"});
    INFO(result.stdout_text << result.stderr_text);
    CHECK(result.exit_code == 0);
    CHECK(result.stdout_text == "registry:5000/berth-test/busybox 1\n");
}

namespace {

/// An image in the stack's registry for container jobs, pushed once.
const std::string& job_image() {
    static const std::string reference = [] {
        std::string pushed =
            "127.0.0.1:" + std::to_string(stack().registry_port()) + "/test/jobs:v1";
        TemporaryFolder context;
        context.write("Containerfile", "FROM " + busybox_image() +
                                           "\nENV IMAGE_ONLY=from-image PYTHONPATH=/workspace\n"
                                           "RUN echo inside the image > /etc/marker\n"
                                           "WORKDIR /etc\n");
        BuildOptions build;
        build.context_dir = context.path().string();
        build.tags = {pushed};
        engine().image_build(build, print_progress);
        engine().image_push(pushed, {.tls_verify = false}, print_progress);
        engine().image_remove(pushed, true);
        return std::string("registry:5000#test/jobs:v1");
    }();
    return reference;
}

}  // namespace

TEST_CASE(
    "a batch job runs srun --container-image with read-write and read-only mounts and a workdir") {
    std::string image = job_image();
    ProcessResult result = stack().ssh(
        "rm -rf ~/cj && mkdir -p ~/cj/data ~/cj/input && echo given > ~/cj/input/in.txt && cd "
        "~/slurm_jobs && "
        "cat > container.sh <<'EOF'\n"
        "#!/bin/bash\n"
        "#SBATCH --output=container-%j.out\n"
        "srun --container-image=" +
        image +
        " --container-mounts=$HOME/cj/data:/data:rw,$HOME/cj/input:/input:ro "
        "--container-workdir=/data /bin/sh -c 'cat /etc/marker; cat /input/in.txt; pwd; echo "
        "$IMAGE_ONLY; "
        "echo from-the-job > result.txt; touch /input/x 2>/dev/null || echo input-is-read-only'\n"
        "EOF\n"
        "job=$(sbatch --parsable container.sh) && " +
        wait_for_jobs("$job") +
        " && cat container-$job.out && cat ~/cj/data/result.txt && scontrol show job -o $job | "
        "grep -o 'JobState=[A-Z]*'");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("inside the image\ngiven\n/data\nfrom-image\ninput-is-read-only\n") !=
          std::string::npos);
    CHECK(result.output.find("from-the-job") != std::string::npos);
    CHECK(result.output.find("JobState=COMPLETED") != std::string::npos);
}

TEST_CASE("an array of four container tasks shares one import, and a later job reuses the cache") {
    std::string image = job_image();
    ProcessResult result = stack().ssh(
        "rm -rf ~/.cache/berth-containers && cd ~/slurm_jobs && "
        "job=$(sbatch --parsable --array=1-4 --output=carray-%A_%a.out "
        "--wrap 'srun --container-image=" +
        image + " /bin/sh -c \"echo task $SLURM_ARRAY_TASK_ID; cat /etc/marker\"') && " +
        wait_for_jobs("$job") +
        " && cat carray-${job}_*.out && "
        "again=$(sbatch --parsable --output=cagain-%j.out --wrap 'srun --container-image=" +
        image + " /bin/cat /etc/marker') && " + wait_for_jobs("$again") +
        " && echo second job: && cat cagain-$again.out");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    for (int task = 1; task <= 4; ++task)
        CHECK(result.output.find("task " + std::to_string(task)) != std::string::npos);
    std::size_t imports = 0;
    for (auto at = result.output.find("imported "); at != std::string::npos;
         at = result.output.find("imported ", at + 1)) {
        ++imports;
    }
    CHECK(imports == 1);  // four tasks, one pull
    std::string second = result.output.substr(result.output.find("second job:"));
    CHECK(second.find("imported") == std::string::npos);
    CHECK(second.find("inside the image") != std::string::npos);
    auto line = result.output.find("imported ");
    std::cout << "container image "
              << result.output.substr(line, result.output.find('\n', line) - line)
              << "; the second job imported nothing" << std::endl;
}

TEST_CASE("a container task is PID 1 of its own PID namespace, and its exit code is the step's") {
    std::string image = job_image();
    ProcessResult result = stack().ssh("srun --container-image=" + image +
                                       " /bin/sh -c 'echo pid $$; exit 3'; echo exit=$?");
    INFO(result.output);
    CHECK(result.output.find("pid 1\n") != std::string::npos);
    CHECK(result.output.find("exit=3") != std::string::npos);
}

TEST_CASE("the image's environment wins over the job's unless --container-env names it") {
    std::string image = job_image();
    auto in_container = [&image](const std::string& options, const std::string& script) {
        return "srun --container-image=" + image + " " + options + " /bin/sh -c '" + script + "'; ";
    };
    ProcessResult result = stack().ssh(
        "export PYTHONPATH=/from-the-job JOB_ONLY=kept PATH=/job/bin:$PATH; " +
        in_container("", "echo py=$PYTHONPATH job=$JOB_ONLY image=$IMAGE_ONLY path=$PATH") +
        in_container("--container-env=PYTHONPATH,PATH", "echo named=$PYTHONPATH path=$PATH"));
    INFO(result.output);
    CHECK(result.output.find("py=/workspace job=kept image=from-image path=") != std::string::npos);
    CHECK(result.output.find("path=/job/bin") != std::string::npos);  // the named run only
    CHECK(result.output.find("named=/from-the-job path=/job/bin:") != std::string::npos);
    auto first = result.output.find("py=");
    REQUIRE(first != std::string::npos);
    CHECK(result.output.substr(first, result.output.find('\n', first) - first).find("/job/bin") ==
          std::string::npos);
}

TEST_CASE("--container-name keeps a container's files across job steps") {
    std::string image = job_image();
    ProcessResult result = stack().ssh(
        "rm -rf ~/.cache/berth-containers/named && cd ~/slurm_jobs && "
        "job=$(sbatch --parsable --output=cname-%j.out --wrap '"
        "srun --container-image=" +
        image +
        " --container-name=kept /bin/sh -c \"echo step one > /var/state\"; "
        "srun --container-image=" +
        image +
        " --container-name=kept /bin/cat /var/state; "
        "srun --container-image=" +
        image + " /bin/sh -c \"cat /var/state 2>/dev/null || echo fresh container\"') && " +
        wait_for_jobs("$job") + " && cat cname-$job.out");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("step one\nfresh container\n") != std::string::npos);
}

TEST_CASE("container job errors say what is wrong and fail the step") {
    std::string image = job_image();
    auto step = [](const std::string& options) {
        return stack().ssh("cd ~/slurm_jobs && srun " + options + " /bin/true; echo exit=$?");
    };
    ProcessResult missing = step("--container-image=registry:5000#test/no-such-image:v9");
    INFO(missing.output);
    CHECK(missing.output.find("registry:5000/test/no-such-image:v9") != std::string::npos);
    CHECK(missing.output.find("exit=0") == std::string::npos);

    ProcessResult unreachable = step("--container-image=nowhere.invalid:5000#test/jobs:v1");
    INFO(unreachable.output);
    CHECK(unreachable.output.find("the registry said") != std::string::npos);
    CHECK(unreachable.output.find("exit=0") == std::string::npos);

    ProcessResult bad_mount =
        step("--container-image=" + image + " --container-mounts=relative:/x");
    INFO(bad_mount.output);
    CHECK(bad_mount.output.find("mount source must be a relative path, an absolute path") !=
          std::string::npos);
    CHECK(bad_mount.output.find("exit=0") == std::string::npos);

    ProcessResult no_workdir =
        step("--container-image=" + image + " --container-workdir=/no/such/folder");
    INFO(no_workdir.output);
    CHECK(
        no_workdir.output.find("--container-workdir: /no/such/folder: No such file or directory") !=
        std::string::npos);
    CHECK(no_workdir.output.find("exit=0") == std::string::npos);
}

TEST_CASE("python3 -m pip works as root and as slurm") {
    ExecResult as_root = engine().exec(stack().slurm(), {"python3", "-m", "pip", "--version"});
    INFO(as_root.stdout_text << as_root.stderr_text);
    CHECK(as_root.exit_code == 0);
    CHECK(as_root.stdout_text.rfind("pip ", 0) == 0);
    ProcessResult as_slurm = stack().ssh("python3 -m pip --version");
    INFO(as_slurm.output);
    CHECK(as_slurm.exit_code == 0);
    CHECK(as_slurm.output.rfind("pip ", 0) == 0);
}

// Last but one: it takes SSH away.
TEST_CASE("systemctl answers truthfully for the supervised daemons, also after sshd is killed") {
    auto systemctl = [](std::vector<std::string> arguments) {
        arguments.insert(arguments.begin(), "systemctl");
        return engine().exec(stack().slurm(), arguments);
    };
    ExecResult active = systemctl({"is-active", "sshd", "munge", "slurmctld", "slurmd.service"});
    CHECK(active.exit_code == 0);
    CHECK(active.stdout_text == "active\nactive\nactive\nactive\n");
    ExecResult enabled = systemctl({"is-enabled", "ssh"});
    CHECK(enabled.exit_code == 0);
    CHECK(enabled.stdout_text == "enabled\n");
    ExecResult status = systemctl({"status", "slurmd"});
    CHECK(status.exit_code == 0);
    CHECK(status.stdout_text.find("Active: active (running)") != std::string::npos);
    ExecResult unknown = systemctl({"is-active", "nginx"});
    CHECK(unknown.exit_code == 3);
    CHECK(unknown.stdout_text == "inactive\n");
    ExecResult refused = systemctl({"restart", "sshd"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.stderr_text.find("'restart' is not supported") != std::string::npos);

    // pkill's exit code tells it signalled the daemon; the stand-in reads the
    // daemon's pid, which answers once the process is gone (bounded wait).
    ExecResult killed = engine().exec(stack().slurm(), {"pkill", "-x", "sshd"});
    REQUIRE(killed.exit_code == 0);
    ExecResult after;
    for (int attempt = 0; attempt < 100; ++attempt) {
        after = systemctl({"is-active", "sshd"});
        if (after.exit_code != 0)
            break;
        std::this_thread::sleep_for(50ms);
    }
    CHECK(after.exit_code == 3);
    CHECK(after.stdout_text == "inactive\n");
    CHECK(systemctl({"is-active", "--quiet", "slurmctld"}).exit_code == 0);
    // This probe fails (retries decide when the status turns unhealthy).
    HealthResult health = engine().run_healthcheck(stack().slurm());
    REQUIRE(health.latest());
    CHECK(health.latest()->exit_code != 0);
    CHECK(health.latest()->output.find("sshd") != std::string::npos);
    CHECK(engine().container_inspect(stack().slurm()).state.running);
}

TEST_CASE("stopping the slurm container is graceful and well inside two seconds") {
    // With t=2 the engine would SIGKILL a container still running after two
    // seconds (exit 137); exit 0 shows the entrypoint stopped every daemon.
    auto started = std::chrono::steady_clock::now();
    CHECK(engine().container_stop(stack().slurm(), 2s));
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "slurm container stopped in " << seconds << " s" << std::endl;
    ContainerInfo info = engine().container_inspect(stack().slurm());
    CHECK(info.state.exit_code == 0);
    CHECK_FALSE(info.state.oom_killed);
}

int main(int argc, char** argv) {
    return run_suite(argc, argv);
}
