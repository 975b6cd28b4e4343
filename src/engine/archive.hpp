#pragma once
// Tar streams for build contexts and for copying files in and out of
// containers, written and read with libarchive.

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <vector>

namespace berth::detail {

/// A file in the temporary folder, removed when this goes out of scope.
class TemporaryFile {
  public:
    explicit TemporaryFile(const std::string& stem);
    ~TemporaryFile();
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

/// The rules of a .dockerignore file: Go filepath.Match patterns with "**",
/// "!" exceptions, and the last matching rule deciding.
class IgnoreRules {
  public:
    static IgnoreRules parse(const std::string& text);
    static IgnoreRules load(const std::filesystem::path& context_dir);

    /// relative_path uses '/' and has no leading "./".
    bool excluded(const std::string& relative_path) const;
    bool has_exceptions() const { return has_exceptions_; }

  private:
    bool excluded_by_rules(const std::string& relative_path) const;
    struct Rule {
        std::regex pattern;
        bool exception = false;
    };
    std::vector<Rule> rules_;
    bool has_exceptions_ = false;
};

/// Writes the build context to tar_file: every file of context_dir not
/// excluded by its .dockerignore, plus the Dockerfile and .dockerignore
/// themselves (the engine needs them even when they are ignored). With
/// dockerfile_text, the Dockerfile is that text (compose's dockerfile_inline),
/// added under the name `dockerfile`, which the context must not have.
void write_context_tar(const std::filesystem::path& context_dir, const std::string& dockerfile,
                       const std::filesystem::path& tar_file,
                       const std::string* dockerfile_text = nullptr);

/// A tar holding source (a file or a folder, recursively) under its own name.
std::string tar_of_path(const std::filesystem::path& source);

/// One entry of a tar made in memory: a file with its content, or a folder.
struct InMemoryEntry {
    std::string name;  ///< relative, '/'-separated
    std::string content;
    bool directory = false;
    int mode = 0644;
    long uid = 0;
    long gid = 0;
};

/// A tar of the given entries, in order, with exactly their owners and modes
/// (the engines' archive upload keeps both).
std::string tar_of_entries(const std::vector<InMemoryEntry>& entries);

/// Extracts a tar into destination_dir. Refuses (Error) every entry that
/// would land outside it: absolute names, "..", hard links to outside, and
/// anything under a symbolic link an earlier entry made.
void extract_tar(const std::string& tar, const std::filesystem::path& destination_dir);

/// Reads a file in blocks, for streaming uploads.
std::function<std::size_t(char*, std::size_t)> file_source(std::shared_ptr<std::ifstream> stream);

}  // namespace berth::detail
