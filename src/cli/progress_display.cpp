#include "progress_display.hpp"

#include <berth/errors.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace berth::cli {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

bool stderr_is_a_terminal() {
    const char* term = std::getenv("TERM");
    const char* ci = std::getenv("CI");
    return ::isatty(STDERR_FILENO) == 1 && term != nullptr && std::string(term) != "dumb" &&
           (ci == nullptr || std::string(ci).empty() || std::string(ci) == "false");
}

std::size_t terminal_width() {
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20)
        return size.ws_col;
    return 100;
}

std::string seconds(Clock::duration duration) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(1) << std::chrono::duration<double>(duration).count()
         << "s";
    return text.str();
}

/// Output lines end in newlines and carry a builder's cursor moves; the
/// screen and the log want the text alone.
std::string printable(const std::string& text) {
    std::string result;
    for (char c : text) {
        if (c == '\n' || c == '\r')
            continue;
        result += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    }
    return result;
}

std::string clip(const std::string& text, std::size_t width) {
    if (text.size() <= width)
        return text;
    return width > 3 ? text.substr(0, width - 3) + "..." : text.substr(0, width);
}

/// $XDG_STATE_HOME/berth/logs, else ~/.local/state/berth/logs, else /tmp.
fs::path log_folder() {
    if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
        return fs::path(state) / "berth" / "logs";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".local" / "state" / "berth" / "logs";
    return fs::temp_directory_path() / ("berth-logs-" + std::to_string(::getuid()));
}

/// Keeps the newest logs of one kind, so that the folder does not grow.
void prune_logs(const fs::path& folder, const std::string& stem, std::size_t keep) {
    std::vector<fs::path> logs;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
        if (entry.path().filename().string().rfind(stem + "-", 0) == 0)
            logs.push_back(entry.path());
    }
    if (logs.size() <= keep)
        return;
    std::sort(logs.begin(), logs.end());  // names start with the time
    for (std::size_t i = 0; i + keep < logs.size(); ++i)
        fs::remove(logs[i], error);
}

}  // namespace

ProgressMode parse_progress_mode(const std::string& value) {
    if (value == "auto")
        return ProgressMode::automatic;
    if (value == "tty")
        return ProgressMode::tty;
    if (value == "plain")
        return ProgressMode::plain;
    if (value == "quiet")
        return ProgressMode::quiet;
    if (value == "json") {
        throw UsageError(
            "--progress json is not supported by berth; use --json for the result, "
            "or --progress plain for every line of output");
    }
    throw UsageError("--progress takes auto, tty, plain or quiet, not '" + value + "'");
}

ProgressDisplay::ProgressDisplay(ProgressMode mode, std::string log_stem)
    : log_stem_(std::move(log_stem)), started_(Clock::now()) {
    switch (mode) {
        case ProgressMode::automatic:
            rendering_ = stderr_is_a_terminal() ? Rendering::tty : Rendering::steps;
            break;
        case ProgressMode::tty:
            rendering_ = Rendering::tty;
            break;
        case ProgressMode::plain:
            rendering_ = Rendering::everything;
            break;
        case ProgressMode::quiet:
            rendering_ = Rendering::quiet;
            break;
    }
    if (rendering_ == Rendering::tty)
        ticker_ = std::thread([this] { tick(); });
}

ProgressDisplay::~ProgressDisplay() {
    finish();
}

void ProgressDisplay::finish() {
    {
        std::lock_guard lock(mutex_);
        if (finished_)
            return;
        finished_ = true;
        if (rendering_ == Rendering::tty)
            redraw();
    }
    wake_.notify_all();
    if (ticker_.joinable())
        ticker_.join();
    if (log_.is_open())
        log_.flush();
}

ProgressDisplay::Row& ProgressDisplay::row(const std::string& task) {
    auto found = std::find_if(rows_.begin(), rows_.end(),
                              [&task](const Row& each) { return each.task == task; });
    if (found != rows_.end())
        return *found;
    rows_.push_back({task, {}, {}, Clock::now(), std::nullopt});
    return rows_.back();
}

void ProgressDisplay::event(const ServiceEvent& event) {
    using Kind = ServiceEvent::Kind;
    static const Kind ends[] = {Kind::imported,  Kind::built,   Kind::running, Kind::healthy,
                                Kind::unchanged, Kind::removed, Kind::failed};
    bool done = std::find(std::begin(ends), std::end(ends), event.kind) != std::end(ends);
    this->event(event.service, to_string(event.kind), event.detail, done);
}

void ProgressDisplay::event(const std::string& task, const std::string& status,
                            const std::string& detail, bool done) {
    std::lock_guard lock(mutex_);
    Row& current = row(task);
    current.status = status;
    current.detail = detail;
    if (done)
        current.ended = Clock::now();
    else
        current.ended.reset();
    log_line(status + " " + task + (detail.empty() ? "" : "  " + detail), false);
    if (rendering_ == Rendering::tty)
        redraw();
    else if (rendering_ != Rendering::quiet)
        print_line(status, task, detail);
}

void ProgressDisplay::output(const std::string& task, const Progress& line) {
    std::string text = printable(line.message);
    if (text.find_first_not_of(' ') == std::string::npos)
        return;
    std::lock_guard lock(mutex_);
    log_line(task + " | " + text, true);
    switch (rendering_) {
        case Rendering::everything:
            std::cerr << task << " | " << text << "\n";
            break;
        case Rendering::steps:
            if (line.step)
                print_line("Step", task, text);
            break;
        case Rendering::tty:
            if (line.step) {
                row(task).detail = text;
                redraw();
            }
            break;
        case Rendering::quiet:
            break;
    }
}

void ProgressDisplay::print_line(const std::string& status, const std::string& task,
                                 const std::string& detail) {
    std::ostringstream line;
    line << std::right << std::setw(7) << seconds(Clock::now() - started_) << "  " << std::left
         << std::setw(11) << status << task;
    if (!detail.empty())
        line << "  " << detail;
    std::cerr << clip(line.str(), 160) << "\n";
}

void ProgressDisplay::redraw() {
    std::size_t width = terminal_width();
    std::string screen;
    if (drawn_ > 0)
        screen += "\x1b[" + std::to_string(drawn_) + "F";  // to the first row's start
    for (const auto& each : rows_) {
        auto end = each.ended.value_or(Clock::now());
        std::ostringstream line;
        line << (each.ended ? " done " : " .... ") << std::left << std::setw(12) << each.task
             << std::setw(11) << each.status << std::right << std::setw(7)
             << seconds(end - each.started) << "  " << each.detail;
        screen += "\x1b[2K" + clip(line.str(), width - 1) + "\n";
    }
    drawn_ = rows_.size();
    std::cerr << screen << std::flush;
}

void ProgressDisplay::tick() {
    std::unique_lock lock(mutex_);
    while (!finished_) {
        wake_.wait_for(lock, std::chrono::milliseconds(500));
        if (!finished_ && !rows_.empty())
            redraw();
    }
}

void ProgressDisplay::log_line(const std::string& text, bool is_output) {
    std::string stamped = seconds(Clock::now() - started_) + " " + text;
    if (!log_path_ && !is_output) {
        // Steps alone are on the screen already; a log is made for output.
        unlogged_.push_back(std::move(stamped));
        return;
    }
    if (!log_path_) {
        fs::path folder = log_folder();
        std::error_code error;
        fs::create_directories(folder, error);
        std::time_t now = std::time(nullptr);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
        log_path_ = folder / (log_stem_ + "-" + stamp + "-" + std::to_string(::getpid()) + ".log");
        log_.open(*log_path_);
        prune_logs(folder, log_stem_, 20);
        for (const auto& line : unlogged_)
            log_ << line << "\n";
        unlogged_.clear();
    }
    if (log_.is_open())
        log_ << stamped << "\n";
}

void ProgressDisplay::report_failure(std::size_t last_lines) {
    finish();
    std::lock_guard lock(mutex_);
    if (!log_path_ || !log_.is_open())
        return;
    log_.flush();
    std::ifstream input(*log_path_);
    std::deque<std::string> tail;
    for (std::string line; std::getline(input, line);) {
        tail.push_back(line);
        if (tail.size() > last_lines)
            tail.pop_front();
    }
    std::cerr << "last lines of the output (all of it is in " << log_path_->string() << "):\n";
    for (const auto& line : tail)
        std::cerr << "  | " << line << "\n";
}

}  // namespace berth::cli
