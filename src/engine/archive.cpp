#include "engine/archive.hpp"

#include <berth/errors.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <sstream>

namespace berth::detail {

namespace fs = std::filesystem;

namespace {

struct WriterDeleter {
    void operator()(archive* writer) const { archive_write_free(writer); }
};
struct ReaderDeleter {
    void operator()(archive* reader) const { archive_read_free(reader); }
};
struct EntryDeleter {
    void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};
using Writer = std::unique_ptr<archive, WriterDeleter>;
using Reader = std::unique_ptr<archive, ReaderDeleter>;
using Entry = std::unique_ptr<archive_entry, EntryDeleter>;

void check(archive* handle, int status, const std::string& what) {
    if (status < ARCHIVE_WARN) {
        const char* message = archive_error_string(handle);
        throw Error(what + ": " + (message ? message : "libarchive error"));
    }
}

/// Translates one Go filepath.Match pattern, with dockerignore's "**", into a regex.
std::string pattern_to_regex(const std::string& pattern) {
    std::string regex;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if (c == '*') {
            if (i + 1 < pattern.size() && pattern[i + 1] == '*') {
                ++i;
                if (i + 1 < pattern.size() && pattern[i + 1] == '/') {
                    ++i;
                    regex += "(.*/)?";  // "**/" also matches no folder at all
                } else {
                    regex += ".*";
                }
            } else {
                regex += "[^/]*";
            }
        } else if (c == '?') {
            regex += "[^/]";
        } else if (c == '[') {
            auto close = pattern.find(']', i + 1);
            if (close == std::string::npos) {
                regex += "\\[";
            } else {
                std::string body = pattern.substr(i + 1, close - i - 1);
                regex += "[" + body + "]";
                i = close;
            }
        } else if (c == '\\' && i + 1 < pattern.size()) {
            regex += '\\';
            regex += pattern[++i];
        } else if (std::string_view(".+()|{}$^").find(c) != std::string_view::npos) {
            regex += '\\';
            regex += c;
        } else {
            regex += c;
        }
    }
    return regex;
}

/// filepath.Clean for the relative, slash-separated patterns of .dockerignore.
std::string clean_pattern(std::string pattern) {
    while (!pattern.empty() && pattern.front() == '/')
        pattern.erase(0, 1);
    std::vector<std::string> parts;
    std::stringstream stream(pattern);
    std::string part;
    while (std::getline(stream, part, '/')) {
        if (part.empty() || part == ".")
            continue;
        if (part == ".." && !parts.empty() && parts.back() != "..") {
            parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string cleaned;
    for (const auto& piece : parts)
        cleaned += (cleaned.empty() ? "" : "/") + piece;
    return cleaned;
}

void add_file(archive* writer, const fs::path& source, const std::string& name) {
    struct stat info {};
    if (::lstat(source.c_str(), &info) != 0) {
        throw Error("cannot read " + source.string() + ": " + std::strerror(errno));
    }
    Entry entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_copy_stat(entry.get(), &info);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_uname(entry.get(), "");
    archive_entry_set_gname(entry.get(), "");
    if (S_ISLNK(info.st_mode)) {
        archive_entry_set_symlink(entry.get(), fs::read_symlink(source).c_str());
        archive_entry_set_size(entry.get(), 0);
    } else if (!S_ISREG(info.st_mode)) {
        archive_entry_set_size(entry.get(), 0);
    }
    check(writer, archive_write_header(writer, entry.get()), "write tar entry " + name);
    if (S_ISREG(info.st_mode)) {
        std::ifstream input(source, std::ios::binary);
        if (!input)
            throw Error("cannot open " + source.string());
        char buffer[64 * 1024];
        while (input) {
            input.read(buffer, sizeof buffer);
            std::streamsize count = input.gcount();
            if (count > 0 &&
                archive_write_data(writer, buffer, static_cast<std::size_t>(count)) < 0) {
                check(writer, ARCHIVE_FATAL, "write tar data " + name);
            }
        }
    }
}

void add_tree(archive* writer, const fs::path& source, const std::string& name) {
    add_file(writer, source, name);
    if (fs::is_directory(fs::symlink_status(source))) {
        for (const auto& child : fs::directory_iterator(source)) {
            add_tree(writer, child.path(), name + "/" + child.path().filename().string());
        }
    }
}

/// Writes one in-memory entry with exactly its owner and mode.
void add_entry(archive* writer, const InMemoryEntry& each) {
    Entry entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), each.name.c_str());
    archive_entry_set_filetype(entry.get(), each.directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry.get(), static_cast<mode_t>(each.mode));
    archive_entry_set_uid(entry.get(), each.uid);
    archive_entry_set_gid(entry.get(), each.gid);
    archive_entry_set_size(entry.get(),
                           each.directory ? 0 : static_cast<la_int64_t>(each.content.size()));
    archive_entry_set_mtime(entry.get(), ::time(nullptr), 0);
    check(writer, archive_write_header(writer, entry.get()), "add " + each.name + " to tar");
    if (!each.directory && !each.content.empty()) {
        la_ssize_t written = archive_write_data(writer, each.content.data(), each.content.size());
        check(writer, written < 0 ? static_cast<int>(written) : ARCHIVE_OK,
              "write " + each.name + " into tar");
    }
}

}  // namespace

TemporaryFile::TemporaryFile(const std::string& stem) {
    std::string pattern = (fs::temp_directory_path() / (stem + "-XXXXXX")).string();
    int descriptor = ::mkstemp(pattern.data());
    if (descriptor < 0)
        throw Error("cannot create a temporary file: " + std::string(std::strerror(errno)));
    ::close(descriptor);
    path_ = pattern;
}

TemporaryFile::~TemporaryFile() {
    std::error_code ignored;
    fs::remove(path_, ignored);
}

IgnoreRules IgnoreRules::parse(const std::string& text) {
    IgnoreRules rules;
    std::stringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        auto begin = line.find_first_not_of(" \t\r");
        if (begin == std::string::npos || line[begin] == '#')
            continue;
        auto end = line.find_last_not_of(" \t\r");
        std::string pattern = line.substr(begin, end - begin + 1);
        bool exception = false;
        if (pattern[0] == '!') {
            exception = true;
            pattern = pattern.substr(1);
        }
        pattern = clean_pattern(pattern);
        if (pattern.empty())
            continue;
        try {
            rules.rules_.push_back({std::regex(pattern_to_regex(pattern)), exception});
        } catch (const std::regex_error& error) {
            // A class like [z-a] is no pattern; docker build refuses it too.
            throw UsageError(".dockerignore: the pattern '" + line.substr(begin, end - begin + 1) +
                             "' is not valid (" + error.what() + ")");
        }
        rules.has_exceptions_ |= exception;
    }
    return rules;
}

IgnoreRules IgnoreRules::load(const fs::path& context_dir) {
    std::ifstream input(context_dir / ".dockerignore");
    if (!input)
        return {};
    std::stringstream text;
    text << input.rdbuf();
    return parse(text.str());
}

bool IgnoreRules::excluded(const std::string& relative_path) const {
    try {
        return excluded_by_rules(relative_path);
    } catch (const std::regex_error& error) {
        // std::regex gives up on very long names (error_complexity, error_stack).
        throw UsageError(".dockerignore: cannot match " + relative_path + " (" + error.what() +
                         ")");
    }
}

bool IgnoreRules::excluded_by_rules(const std::string& relative_path) const {
    bool excluded = false;
    for (const auto& rule : rules_) {
        // A rule that matches a parent folder matches everything inside it.
        bool matched = std::regex_match(relative_path, rule.pattern);
        for (auto slash = relative_path.find('/'); !matched && slash != std::string::npos;
             slash = relative_path.find('/', slash + 1)) {
            matched = std::regex_match(relative_path.substr(0, slash), rule.pattern);
        }
        if (matched)
            excluded = !rule.exception;
    }
    return excluded;
}

void write_context_tar(const fs::path& context_dir, const std::string& dockerfile,
                       const fs::path& tar_file, const std::string* dockerfile_text) {
    if (!fs::is_directory(context_dir)) {
        throw UsageError("build context " + context_dir.string() + " is not a folder");
    }
    IgnoreRules rules = IgnoreRules::load(context_dir);
    Writer writer(archive_write_new());
    archive_write_set_format_pax_restricted(writer.get());
    check(writer.get(), archive_write_open_filename(writer.get(), tar_file.c_str()),
          "create " + tar_file.string());

    std::function<void(const fs::path&, const std::string&)> walk = [&](const fs::path& folder,
                                                                        const std::string& prefix) {
        for (const auto& child : fs::directory_iterator(folder)) {
            std::string name = prefix + child.path().filename().string();
            bool always_sent = name == dockerfile || name == ".dockerignore";
            bool is_folder = child.is_directory() && !child.is_symlink();
            bool excluded = !always_sent && rules.excluded(name);
            if (excluded && !(is_folder && rules.has_exceptions()))
                continue;
            if (!excluded)
                add_file(writer.get(), child.path(), name);
            if (is_folder)
                walk(child.path(), name + "/");
        }
    };
    walk(context_dir, "");
    if (dockerfile_text != nullptr)
        add_entry(writer.get(), {.name = dockerfile, .content = *dockerfile_text});
    check(writer.get(), archive_write_close(writer.get()), "finish " + tar_file.string());
}

namespace {

/// A pax tar written into memory: `fill` adds the entries to the writer.
std::string tar_in_memory(const std::function<void(archive*)>& fill) {
    std::string tar;
    Writer writer(archive_write_new());
    archive_write_set_format_pax_restricted(writer.get());
    auto on_write = [](archive*, void* user, const void* data, size_t size) -> la_ssize_t {
        static_cast<std::string*>(user)->append(static_cast<const char*>(data), size);
        return static_cast<la_ssize_t>(size);
    };
    archive_write_set_bytes_in_last_block(writer.get(), 1);
    check(writer.get(), archive_write_open(writer.get(), &tar, nullptr, on_write, nullptr),
          "create tar");
    fill(writer.get());
    check(writer.get(), archive_write_close(writer.get()), "finish tar");
    return tar;
}

}  // namespace

std::string tar_of_path(const fs::path& source) {
    if (!fs::exists(fs::symlink_status(source))) {
        throw UsageError("cannot copy " + source.string() + ": no such file or folder");
    }
    fs::path absolute = fs::absolute(source).lexically_normal();
    if (absolute.filename().empty())
        absolute = absolute.parent_path();
    return tar_in_memory(
        [&](archive* writer) { add_tree(writer, absolute, absolute.filename().string()); });
}

std::string tar_of_entries(const std::vector<InMemoryEntry>& entries) {
    return tar_in_memory([&](archive* writer) {
        for (const auto& each : entries)
            add_entry(writer, each);
    });
}

namespace {

[[noreturn]] void refuse(const std::string& name, const std::string& why) {
    throw Error("refusing tar entry " + name + ": " + why);
}

/// The entry's name as a path inside the destination: relative, without
/// "..", so that only symbolic links could still lead out.
fs::path contained_name(const std::string& name) {
    fs::path relative = fs::path(name).lexically_normal();
    if (relative.is_absolute())
        refuse(name, "an absolute name");
    for (const auto& part : relative) {
        if (part == "..")
            refuse(name, "it climbs out of the destination with ..");
    }
    return relative;
}

/// Refuses an entry whose parent folders pass through a symbolic link (one an
/// earlier entry planted, as in `link -> /etc` then `link/passwd`): writing
/// through it could land anywhere. As libarchive's
/// ARCHIVE_EXTRACT_SECURE_SYMLINKS does.
void check_no_symlink_on_the_way(const fs::path& destination, const fs::path& relative,
                                 const std::string& name) {
    fs::path walked = destination;
    fs::path parent = relative.parent_path();
    for (const auto& part : parent) {
        if (part.empty() || part == ".")
            continue;
        walked /= part;
        struct stat info {};
        if (::lstat(walked.c_str(), &info) != 0)
            return;  // nothing further down exists yet
        if (S_ISLNK(info.st_mode))
            refuse(name, "its folder " + walked.string() + " is a symbolic link");
        if (!S_ISDIR(info.st_mode))
            refuse(name, walked.string() + " is not a folder");
    }
}

/// Takes away what stands at target unless it is a real folder, so that a new
/// file or link replaces it instead of being written through it.
void clear_for_file(const fs::path& target, const std::string& name) {
    struct stat info {};
    if (::lstat(target.c_str(), &info) != 0)
        return;
    if (S_ISDIR(info.st_mode))
        refuse(name, "a folder of that name exists");
    if (::unlink(target.c_str()) != 0)
        throw Error("cannot replace " + target.string() + ": " + std::strerror(errno));
}

void write_entry_data(archive* reader, const fs::path& target, mode_t permissions) {
    // O_NOFOLLOW|O_EXCL: the name was cleared, so anything there now is a race.
    int descriptor = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            permissions & 0777);
    if (descriptor < 0)
        throw Error("cannot write " + target.string() + ": " + std::strerror(errno));
    struct Closer {
        int descriptor;
        ~Closer() { ::close(descriptor); }
    } closer{descriptor};
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int status;
    while ((status = archive_read_data_block(reader, &block, &size, &offset)) == ARCHIVE_OK) {
        const char* data = static_cast<const char*>(block);
        while (size > 0) {
            ssize_t written = ::pwrite(descriptor, data, size, offset);
            if (written < 0 && errno == EINTR)
                continue;
            if (written <= 0)
                throw Error("cannot write " + target.string() + ": " + std::strerror(errno));
            data += written;
            size -= static_cast<std::size_t>(written);
            offset += written;
        }
    }
    if (status != ARCHIVE_EOF)
        check(reader, status, "read tar data");
    if (::fchmod(descriptor, permissions & 07777) != 0)
        throw Error("cannot set the mode of " + target.string() + ": " + std::strerror(errno));
}

void extract_entry(archive* reader, archive_entry* entry, const fs::path& destination) {
    const std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    fs::path relative = contained_name(name);
    if (relative.empty() || relative == ".")
        return;  // the destination itself
    check_no_symlink_on_the_way(destination, relative, name);
    fs::path target = destination / relative;
    fs::create_directories(target.parent_path());
    if (const char* link = archive_entry_hardlink(entry)) {
        // A hard link's source is another entry's name, held to the same rules.
        fs::path source_relative = contained_name(link);
        check_no_symlink_on_the_way(destination, source_relative, link);
        fs::path source = destination / source_relative;
        struct stat info {};
        if (::lstat(source.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
            refuse(name, "a hard link to " + std::string(link) + ", not an extracted file");
        clear_for_file(target, name);
        fs::create_hard_link(source, target);
        return;
    }
    mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
        struct stat info {};
        if (::lstat(target.c_str(), &info) == 0 && !S_ISDIR(info.st_mode))
            refuse(name, "something other than a folder has that name");
        fs::create_directories(target);
    } else if (type == AE_IFLNK) {
        // The link may point anywhere (it is only a name); check_no_symlink_on_the_way
        // keeps later entries from being written through it.
        clear_for_file(target, name);
        fs::create_symlink(archive_entry_symlink(entry), target);
    } else if (type == AE_IFREG) {
        clear_for_file(target, name);
        write_entry_data(reader, target, archive_entry_perm(entry));
    }
}

}  // namespace

void extract_tar(const std::string& tar, const fs::path& destination_dir) {
    fs::create_directories(destination_dir);
    Reader reader(archive_read_new());
    archive_read_support_format_tar(reader.get());
    check(reader.get(), archive_read_open_memory(reader.get(), tar.data(), tar.size()), "read tar");
    archive_entry* entry = nullptr;
    while (true) {
        int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF)
            break;
        check(reader.get(), status, "read tar entry");
        extract_entry(reader.get(), entry, destination_dir);
    }
}

std::function<std::size_t(char*, std::size_t)> file_source(std::shared_ptr<std::ifstream> stream) {
    return [stream](char* buffer, std::size_t capacity) -> std::size_t {
        stream->read(buffer, static_cast<std::streamsize>(capacity));
        return static_cast<std::size_t>(stream->gcount());
    };
}

}  // namespace berth::detail
