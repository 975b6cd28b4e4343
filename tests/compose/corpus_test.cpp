// The corpus: every valid case loads (and reloads from its own output to the
// same project); every invalid case fails with exactly the problems its
// `# expect:` lines list, in order.

#include <berth/compose/loader.hpp>
#include <berth/compose/serialize.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using berth::compose::ComposeError;
using berth::compose::Diagnostic;
using berth::compose::LoadOptions;

const fs::path corpus = BERTH_COMPOSE_CORPUS;

std::string read(const fs::path& path) {
    std::ifstream stream(path);
    std::ostringstream text;
    text << stream.rdbuf();
    return text.str();
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream stream(text);
    std::vector<std::string> result;
    std::string word;
    while (stream >> word) {
        result.push_back(word);
    }
    return result;
}

// The header lines a case uses; see oracle.py for their meaning.
struct Case {
    fs::path folder;
    LoadOptions options;
    std::vector<std::string> expected;
};

Case read_case(const fs::path& path) {
    Case result;
    result.folder = fs::is_directory(path) ? path : path.parent_path();
    const fs::path settings = fs::is_directory(path) ? path / "case.txt" : path;
    result.options.environment = std::map<std::string, std::string>{{"HOME", "/root"}};
    std::vector<std::string> files;
    if (!fs::is_directory(path)) {
        files.push_back(path.string());
    }
    std::istringstream lines(fs::exists(settings) ? read(settings) : "");
    std::string line;
    while (std::getline(lines, line)) {
        const auto start = line.find_first_not_of("# ");
        if (start == std::string::npos) {
            continue;
        }
        line = line.substr(start);
        if (line.rfind("expect: ", 0) == 0) {
            result.expected.push_back(line.substr(8));
        } else if (line.rfind("env:", 0) == 0) {
            for (const auto& pair : words(line.substr(4))) {
                const auto equals = pair.find('=');
                (*result.options.environment)[pair.substr(0, equals)] = pair.substr(equals + 1);
            }
        } else if (line.rfind("args:", 0) == 0) {
            const auto arguments = words(line.substr(5));
            for (std::size_t index = 0; index + 1 < arguments.size(); index += 2) {
                const std::string& value = arguments[index + 1];
                if (arguments[index] == "-f") {
                    files.push_back((result.folder / value).string());
                } else if (arguments[index] == "--profile") {
                    result.options.profiles.push_back(value);
                } else if (arguments[index] == "--env-file") {
                    result.options.env_file = (result.folder / value).string();
                } else if (arguments[index] == "-p") {
                    result.options.project_name = value;
                }
            }
        }
    }
    result.options.files = files;
    if (files.empty()) {
        result.options.working_directory = result.folder.string();
    }
    return result;
}

std::string format(const Diagnostic& diagnostic, const fs::path& case_file) {
    std::string text;
    if (diagnostic.file != case_file.string()) {
        text += fs::path(diagnostic.file).filename().string() + ":";
    }
    text += std::to_string(diagnostic.line) + ":" + std::to_string(diagnostic.column) + " ";
    if (!diagnostic.key_path.empty()) {
        text += diagnostic.key_path + ": ";
    }
    return text + diagnostic.message;
}

// The printed project of a case, with the corpus folder written as
// "<corpus>" so that the expectation does not depend on the checkout.
std::string printed(const berth::compose::Project& project) {
    std::string text = berth::compose::to_json(project).dump(2) + "\n";
    const std::string folder = corpus.string();
    for (auto at = text.find(folder); at != std::string::npos; at = text.find(folder, at)) {
        text.replace(at, folder.size(), "<corpus>");
    }
    return text;
}

// Cases docker-compose 1.29 cannot check carry the printed project they must
// give: NAME.expected.json beside NAME.yml, or expected.json in a folder case.
// BERTH_UPDATE_EXPECTED=1 writes them (review the diff before committing).
void check_expected_output(const fs::path& path, const berth::compose::Project& project) {
    const fs::path expected = fs::is_directory(path)
                                  ? path / "expected.json"
                                  : path.parent_path() / (path.stem().string() + ".expected.json");
    if (std::getenv("BERTH_UPDATE_EXPECTED") != nullptr) {
        std::ofstream(expected) << printed(project);
        return;
    }
    if (fs::exists(expected)) {
        CHECK(printed(project) == read(expected));
    }
}

std::vector<fs::path> cases(const std::string& kind) {
    std::vector<fs::path> result;
    for (const auto& entry : fs::directory_iterator(corpus / kind)) {
        const auto& path = entry.path();
        if ((entry.is_directory() && path.filename() != "ctx") || path.extension() == ".yml") {
            result.push_back(path);
        }
    }
    std::sort(result.begin(), result.end());
    return result;
}

}  // namespace

TEST_CASE("every valid corpus file loads, and its output loads to the same project") {
    const auto valid = cases("valid");
    CHECK(valid.size() >= 20);
    for (const auto& path : valid) {
        CAPTURE(path);
        const Case current = read_case(path);
        berth::compose::Project project;
        try {
            project = berth::compose::load_project(current.options);
        } catch (const ComposeError& error) {
            FAIL_CHECK(error.what());
            continue;
        }
        // A file of only shared networks or volumes is a project too.
        CHECK((!project.services.empty() || !project.networks.empty() || !project.volumes.empty()));
        if (read(fs::is_directory(path) ? path / "case.txt" : path).find("# oracle: skip") !=
            std::string::npos) {
            check_expected_output(path, project);
        }
        LoadOptions again;
        again.project_name = project.name;
        again.environment = std::map<std::string, std::string>{};
        again.profiles = current.options.profiles;
        const auto yaml = berth::compose::to_yaml(project);
        CAPTURE(yaml);
        const auto reloaded = berth::compose::load_project_from_text(
            yaml, (current.folder / "reloaded.yml").string(), again);
        CHECK(berth::compose::to_json(reloaded) == berth::compose::to_json(project));
    }
}

TEST_CASE("every invalid corpus file fails with exactly its expected problems") {
    const auto invalid = cases("invalid");
    CHECK(invalid.size() >= 40);
    for (const auto& path : invalid) {
        CAPTURE(path);
        const Case current = read_case(path);
        REQUIRE_FALSE(current.expected.empty());
        std::vector<std::string> found;
        try {
            berth::compose::load_project(current.options);
        } catch (const ComposeError& error) {
            for (const auto& diagnostic : error.diagnostics()) {
                found.push_back(format(diagnostic, path));
            }
        }
        CHECK(found == current.expected);
        if (found != current.expected) {
            for (const auto& line : found) {
                MESSAGE("found: # expect: " << line);
            }
        }
    }
}
