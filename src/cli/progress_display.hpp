#pragma once
// What long work (base image, builds, `up`) shows while it runs. On a
// terminal: one line per service, updated in place, with its current step
// and elapsed time. In a pipe or CI: one plain line per step, no control
// characters. `--progress plain`: every line of output. In every mode the
// whole output goes to a log file, whose path and last lines are printed
// when the work fails.

#include <berth/image.hpp>
#include <berth/orchestrate.hpp>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace berth::cli {

/// docker compose's --progress values that berth implements.
enum class ProgressMode { automatic, tty, plain, quiet };

/// Parses a --progress value; throws UsageError for anything else.
ProgressMode parse_progress_mode(const std::string& value);

class ProgressDisplay {
  public:
    /// log_stem starts the log file's name, e.g. "up-myproject".
    ProgressDisplay(ProgressMode mode, std::string log_stem);
    ~ProgressDisplay();
    ProgressDisplay(const ProgressDisplay&) = delete;
    ProgressDisplay& operator=(const ProgressDisplay&) = delete;

    /// A step of `up` for one service (or base image).
    void event(const ServiceEvent& event);
    /// A step of work outside `up` (image bootstrap, image build).
    void event(const std::string& task, const std::string& status, const std::string& detail,
               bool done = false);
    /// One line of output (build, pull, bootstrap) of a task.
    void output(const std::string& task, const Progress& line);
    /// Ends the in-place display; later text goes below it.
    void finish();
    /// After a failure: where the whole output is, and its last lines.
    void report_failure(std::size_t last_lines = 15);

  private:
    enum class Rendering { tty, steps, everything, quiet };
    struct Row {
        std::string task;
        std::string status;
        std::string detail;
        std::chrono::steady_clock::time_point started;
        std::optional<std::chrono::steady_clock::time_point> ended;
    };

    Row& row(const std::string& task);
    void log_line(const std::string& text, bool is_output);
    void print_line(const std::string& status, const std::string& task, const std::string& detail);
    void redraw();
    void tick();

    Rendering rendering_;
    std::string log_stem_;
    std::chrono::steady_clock::time_point started_;
    std::mutex mutex_;
    std::vector<Row> rows_;
    std::size_t drawn_ = 0;  // rows on the screen from the last redraw
    std::optional<std::filesystem::path> log_path_;
    std::ofstream log_;
    std::vector<std::string> unlogged_;
    bool finished_ = false;
    std::condition_variable wake_;
    std::thread ticker_;
};

}  // namespace berth::cli
