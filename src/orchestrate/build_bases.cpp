#include "orchestrate/build_bases.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace berth::orchestrate {

namespace fs = std::filesystem;

namespace {

struct Instruction {
    std::string keyword;  ///< upper case
    std::vector<std::string> words;
    int line = 0;  ///< where it starts
};

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

/// Joins continuation lines and drops comments; words split on blanks, which
/// is enough for the FROM and ARG instructions this reads.
std::vector<Instruction> instructions(const std::string& text) {
    std::vector<Instruction> result;
    std::istringstream input(text);
    std::string line;
    std::string pending;
    int number = 0;
    int start = 0;
    while (std::getline(input, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#')
            continue;
        if (pending.empty())
            start = number;
        std::size_t last = line.find_last_not_of(" \t");
        bool continues = line[last] == '\\';
        pending += line.substr(first, last + 1 - first - (continues ? 1 : 0)) + " ";
        if (continues)
            continue;
        std::istringstream words(pending);
        Instruction instruction;
        instruction.line = start;
        words >> instruction.keyword;
        instruction.keyword = upper(instruction.keyword);
        for (std::string word; words >> word;)
            instruction.words.push_back(word);
        result.push_back(std::move(instruction));
        pending.clear();
    }
    return result;
}

/// $NAME, ${NAME}, ${NAME:-default} and ${NAME:+alternative}, as the
/// builders expand them in FROM.
std::string substitute(const std::string& word, const std::map<std::string, std::string>& values) {
    auto value_of = [&values](const std::string& name) -> std::optional<std::string> {
        auto found = values.find(name);
        if (found == values.end())
            return std::nullopt;
        return found->second;
    };
    std::string result;
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (word[i] != '$' || i + 1 == word.size()) {
            result += word[i];
            continue;
        }
        if (word[i + 1] == '{') {
            std::size_t close = word.find('}', i + 2);
            if (close == std::string::npos) {
                result += word.substr(i);
                break;
            }
            std::string inner = word.substr(i + 2, close - i - 2);
            std::size_t modifier = inner.find(':');
            std::optional<std::string> value = value_of(inner.substr(0, modifier));
            if (modifier != std::string::npos && modifier + 1 < inner.size()) {
                std::string operand = inner.substr(modifier + 2);
                bool set = value && !value->empty();
                if (inner[modifier + 1] == '-')
                    value = set ? *value : operand;
                else if (inner[modifier + 1] == '+')
                    value = set ? operand : std::string();
            }
            result += value.value_or("");
            i = close;
            continue;
        }
        std::size_t end = i + 1;
        while (end < word.size() &&
               (std::isalnum(static_cast<unsigned char>(word[end])) || word[end] == '_'))
            ++end;
        if (end == i + 1) {
            result += '$';
            continue;
        }
        result += value_of(word.substr(i + 1, end - i - 1)).value_or("");
        i = end - 1;
    }
    return result;
}

}  // namespace

std::vector<BaseImageReference> containerfile_bases(
    const std::string& text, const fs::path& file,
    const std::map<std::string, std::optional<std::string>>& build_args) {
    std::map<std::string, std::string> values;  // global ARGs, before the first FROM
    std::set<std::string> stages;
    std::vector<BaseImageReference> bases;
    bool seen_from = false;
    for (const auto& instruction : instructions(text)) {
        if (instruction.keyword == "ARG" && !seen_from) {
            for (const auto& word : instruction.words) {
                auto equals = word.find('=');
                std::string name = word.substr(0, equals);
                auto given = build_args.find(name);
                if (given != build_args.end() && given->second)
                    values[name] = *given->second;
                else if (equals != std::string::npos)
                    values[name] = substitute(word.substr(equals + 1), values);
            }
            continue;
        }
        if (instruction.keyword != "FROM")
            continue;
        seen_from = true;
        std::vector<std::string> words;
        for (const auto& word : instruction.words) {
            if (word.rfind("--", 0) != 0)  // --platform=...
                words.push_back(word);
        }
        if (words.empty())
            continue;
        std::string image = substitute(words[0], values);
        bool earlier_stage = stages.count(lower(image)) != 0;
        if (words.size() >= 3 && upper(words[1]) == "AS")
            stages.insert(lower(words[2]));
        if (image == "scratch" || earlier_stage)
            continue;
        bases.push_back({image, file, instruction.line});
    }
    return bases;
}

fs::path containerfile_path(const fs::path& context, const std::string& dockerfile) {
    if (!dockerfile.empty())
        return context / dockerfile;
    return fs::exists(context / "Containerfile") ? context / "Containerfile"
                                                 : context / "Dockerfile";
}

}  // namespace berth::orchestrate
