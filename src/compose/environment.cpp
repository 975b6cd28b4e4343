#include "environment.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace berth::compose::detail {

namespace {

std::string trim(const std::string& text) {
    const auto begin = text.find_first_not_of(" \t\r");
    if (begin == std::string::npos) {
        return {};
    }
    const auto end = text.find_last_not_of(" \t\r");
    return text.substr(begin, end - begin + 1);
}

bool valid_name(const std::string& name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    for (char character : name) {
        const bool ok = (character >= 'A' && character <= 'Z') ||
                        (character >= 'a' && character <= 'z') ||
                        (character >= '0' && character <= '9') || character == '_' ||
                        character == '.' || character == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::vector<EnvFileEntry> parse_env_file(const std::string& text, const std::string& file,
                                         const Variables& variables, Diagnostics& diagnostics) {
    std::vector<EnvFileEntry> entries;
    // Later lines may refer to earlier ones; the process environment still wins.
    Variables visible = variables;
    std::istringstream stream(text);
    std::string line;
    int line_number = 0;
    while (std::getline(stream, line)) {
        ++line_number;
        std::string content = trim(line);
        if (content.empty() || content[0] == '#') {
            continue;
        }
        if (content.rfind("export ", 0) == 0) {
            content = trim(content.substr(7));
        }
        const auto equals = content.find('=');
        const Location location{file, line_number, 1};
        if (equals == std::string::npos) {
            diagnostics.add(location, "", "expected NAME=VALUE, got '" + content + "'");
            continue;
        }
        const std::string name = trim(content.substr(0, equals));
        if (!valid_name(name)) {
            diagnostics.add(location, "", "'" + name + "' is not a valid variable name");
            continue;
        }
        std::string raw = trim(content.substr(equals + 1));
        std::string value;
        bool expand = true;
        if (!raw.empty() && raw[0] == '\'') {
            const auto close = raw.find('\'', 1);
            if (close == std::string::npos) {
                diagnostics.add(location, name, "the single quote is not closed");
                continue;
            }
            value = raw.substr(1, close - 1);
            expand = false;
        } else if (!raw.empty() && raw[0] == '"') {
            std::size_t position = 1;
            bool closed = false;
            while (position < raw.size()) {
                const char character = raw[position];
                if (character == '"') {
                    closed = true;
                    break;
                }
                if (character == '\\' && position + 1 < raw.size()) {
                    const char escaped = raw[++position];
                    value += escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped;
                } else {
                    value += character;
                }
                ++position;
            }
            if (!closed) {
                diagnostics.add(location, name, "the double quote is not closed");
                continue;
            }
        } else {
            const auto comment = raw.find(" #");
            value = trim(comment == std::string::npos ? raw : raw.substr(0, comment));
        }
        if (expand) {
            auto expanded = interpolate(value, visible);
            if (auto* failure = std::get_if<InterpolationFailure>(&expanded)) {
                diagnostics.add(location, name, failure->message);
                continue;
            }
            value = std::get<std::string>(std::move(expanded));
        }
        visible[name] = value;
        entries.push_back(EnvFileEntry{name, value});
    }
    return entries;
}

std::optional<std::vector<std::string>> split_shell_words(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    std::size_t position = 0;
    while (position < text.size()) {
        const char character = text[position];
        if (character == ' ' || character == '\t' || character == '\n') {
            if (in_word) {
                words.push_back(std::move(word));
                word.clear();
                in_word = false;
            }
            ++position;
            continue;
        }
        in_word = true;
        if (character == '\'') {
            const auto close = text.find('\'', position + 1);
            if (close == std::string::npos) {
                return std::nullopt;
            }
            word += text.substr(position + 1, close - position - 1);
            position = close + 1;
        } else if (character == '"') {
            ++position;
            bool closed = false;
            while (position < text.size()) {
                if (text[position] == '"') {
                    closed = true;
                    ++position;
                    break;
                }
                // Inside double quotes a backslash escapes only these.
                if (text[position] == '\\' && position + 1 < text.size() &&
                    std::string("\"\\$`\n").find(text[position + 1]) != std::string::npos) {
                    ++position;
                }
                word += text[position++];
            }
            if (!closed) {
                return std::nullopt;
            }
        } else if (character == '\\') {
            if (position + 1 < text.size()) {
                word += text[position + 1];
            }
            position += 2;
        } else {
            word += character;
            ++position;
        }
    }
    if (in_word) {
        words.push_back(std::move(word));
    }
    return words;
}

std::optional<std::string> read_text_file(const std::string& path) {
    // A device or FIFO named as a compose or env file (/dev/zero) would never
    // finish reading; such paths are refused like unreadable ones.
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
        return std::nullopt;
    }
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        return std::nullopt;
    }
    std::ostringstream content;
    content << stream.rdbuf();
    return content.str();
}

}  // namespace berth::compose::detail
