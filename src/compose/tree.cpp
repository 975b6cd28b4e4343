#include "tree.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <set>

namespace berth::compose::detail {

const Entry* Node::find_entry(const std::string& key) const {
    for (const auto& entry : entries) {
        if (entry.key == key) {
            return &entry;
        }
    }
    return nullptr;
}

const Node* Node::find(const std::string& key) const {
    const Entry* entry = find_entry(key);
    return entry ? &entry->value : nullptr;
}

Node* Node::find(const std::string& key) {
    for (auto& entry : entries) {
        if (entry.key == key) {
            return &entry.value;
        }
    }
    return nullptr;
}

Node& Node::set(const std::string& key, Node value) {
    for (auto& entry : entries) {
        if (entry.key == key) {
            entry.value = std::move(value);
            return entry.value;
        }
    }
    Location key_location = value.location;
    entries.push_back(Entry{key, key_location, std::move(value)});
    return entries.back().value;
}

void Node::erase(const std::string& key) {
    std::erase_if(entries, [&](const Entry& entry) { return entry.key == key; });
}

Node Node::make_scalar(std::string text, Location location, bool plain) {
    Node node;
    node.kind = Kind::scalar;
    node.scalar = std::move(text);
    node.location = std::move(location);
    node.plain = plain;
    return node;
}

Node Node::make_mapping(Location location) {
    Node node;
    node.kind = Kind::mapping;
    node.location = std::move(location);
    return node;
}

Node Node::make_sequence(Location location) {
    Node node;
    node.kind = Kind::sequence;
    node.location = std::move(location);
    return node;
}

std::string describe(const Node& node) {
    switch (node.kind) {
        case Node::Kind::null:
            return "null";
        case Node::Kind::sequence:
            return "a list";
        case Node::Kind::mapping:
            return "a mapping";
        case Node::Kind::scalar:
            break;
    }
    return "'" + node.scalar + "'";
}

void Diagnostics::add(const Location& location, std::string key_path, std::string message) {
    list_.push_back(Diagnostic{location.file, location.line, location.column, std::move(key_path),
                               std::move(message)});
}

void Diagnostics::throw_if_any() const {
    if (!list_.empty()) {
        throw ComposeError(list_);
    }
}

std::string child_path(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

std::string item_path(const std::string& parent, std::size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

namespace {

// Aliases let a small document expand into a huge tree ("billion laughs");
// these bounds turn that into an error instead of exhausting memory or stack.
constexpr int maximum_depth = 128;
constexpr std::size_t maximum_nodes = 2'000'000;

// YAML text is Unicode; bytes that are not UTF-8 would reach engine labels
// and JSON output, which cannot carry them.
bool valid_utf8(const std::string& text) {
    std::size_t index = 0;
    while (index < text.size()) {
        const auto byte = static_cast<unsigned char>(text[index]);
        std::size_t length = 0;
        std::uint32_t code_point = 0;
        if (byte < 0x80) {
            ++index;
            continue;
        } else if ((byte & 0xE0) == 0xC0) {
            length = 2;
            code_point = byte & 0x1F;
        } else if ((byte & 0xF0) == 0xE0) {
            length = 3;
            code_point = byte & 0x0F;
        } else if ((byte & 0xF8) == 0xF0) {
            length = 4;
            code_point = byte & 0x07;
        } else {
            return false;
        }
        if (index + length > text.size()) {
            return false;
        }
        for (std::size_t offset = 1; offset < length; ++offset) {
            const auto continuation = static_cast<unsigned char>(text[index + offset]);
            if ((continuation & 0xC0) != 0x80) {
                return false;
            }
            code_point = (code_point << 6) | (continuation & 0x3F);
        }
        const bool overlong = (length == 2 && code_point < 0x80) ||
                              (length == 3 && code_point < 0x800) ||
                              (length == 4 && code_point < 0x10000);
        const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
        if (overlong || surrogate || code_point > 0x10FFFF) {
            return false;
        }
        index += length;
    }
    return true;
}

// yaml-cpp takes a quoted scalar that the end of the file cuts short as if
// it were closed; `start` is where the scalar begins in the text.
bool quote_closed(const std::string& text, std::size_t start) {
    if (start >= text.size() || (text[start] != '"' && text[start] != '\'')) {
        return true;
    }
    const char quote = text[start];
    for (std::size_t index = start + 1; index < text.size(); ++index) {
        if (quote == '"' && text[index] == '\\') {
            ++index;
        } else if (text[index] == quote) {
            if (quote == '\'' && index + 1 < text.size() && text[index + 1] == '\'') {
                ++index;
                continue;
            }
            return true;
        }
    }
    return false;
}

Node::Tag tag_of(const YAML::Node& yaml) {
    const std::string& tag = yaml.Tag();
    if (tag == "!reset") {
        return Node::Tag::reset;
    }
    return tag == "!override" ? Node::Tag::override : Node::Tag::none;
}

class Converter {
  public:
    Converter(const std::string& text, const std::string& file, Diagnostics& diagnostics)
        : text_(text), file_(file), diagnostics_(diagnostics) {}

    Node convert(const YAML::Node& yaml, int depth, const std::string& path) {
        Node node;
        node.location = location_of(yaml);
        if (failed_) {
            return node;
        }
        if (depth > maximum_depth || ++node_count_ > maximum_nodes) {
            diagnostics_.add(node.location, path,
                             depth > maximum_depth
                                 ? "the document nests deeper than 128 levels"
                                 : "the document expands (through aliases) to too many nodes");
            failed_ = true;
            return node;
        }
        node.tag = tag_of(yaml);
        switch (yaml.Type()) {
            case YAML::NodeType::Undefined:
            case YAML::NodeType::Null:
                node.kind = Node::Kind::null;
                break;
            case YAML::NodeType::Scalar:
                node.kind = Node::Kind::scalar;
                node.scalar = yaml.Scalar();
                if (!valid_utf8(node.scalar)) {
                    diagnostics_.add(node.location, path, "the value is not valid UTF-8 text");
                    node.scalar.clear();
                }
                // yaml-cpp tags quoted scalars "!" and plain ones "?".
                node.plain = yaml.Tag() != "!";
                check_closed(yaml, node.location, path);
                break;
            case YAML::NodeType::Sequence:
                node.kind = Node::Kind::sequence;
                for (const auto& item : yaml) {
                    node.items.push_back(
                        convert(item, depth + 1, item_path(path, node.items.size())));
                }
                break;
            case YAML::NodeType::Map:
                node.kind = Node::Kind::mapping;
                convert_mapping(yaml, node, depth, path);
                break;
        }
        return node;
    }

  private:
    void check_closed(const YAML::Node& yaml, const Location& location, const std::string& path) {
        if (yaml.Tag() == "!" && !yaml.Mark().is_null() &&
            !quote_closed(text_, static_cast<std::size_t>(yaml.Mark().pos))) {
            diagnostics_.add(location, path,
                             "YAML syntax error: the quoted value is not closed before the end "
                             "of the file");
            failed_ = true;
        }
    }

    Location location_of(const YAML::Node& yaml) const {
        const YAML::Mark mark = yaml.Mark();
        if (mark.is_null()) {
            return Location{file_, 0, 0};
        }
        return Location{file_, mark.line + 1, mark.column + 1};
    }

    void convert_mapping(const YAML::Node& yaml, Node& node, int depth, const std::string& path) {
        std::vector<Node> merged_sources;
        Location merge_location;
        std::set<std::string> seen;
        for (const auto& pair : yaml) {
            const YAML::Node& key = pair.first;
            Location key_location = location_of(key);
            if (key.IsScalar() && !valid_utf8(key.Scalar())) {
                diagnostics_.add(key_location, path, "a key is not valid UTF-8 text");
                continue;
            }
            if (!key.IsScalar()) {
                diagnostics_.add(key_location, path, "a mapping key must be a string");
                continue;
            }
            check_closed(key, key_location, path);
            if (key.Scalar() == "<<" && key.Tag() != "!") {
                merge_location = key_location;
                Node sources = convert(pair.second, depth + 1, child_path(path, "<<"));
                if (sources.is_mapping()) {
                    merged_sources.push_back(std::move(sources));
                } else if (sources.is_sequence()) {
                    for (auto& item : sources.items) {
                        if (!item.is_mapping()) {
                            diagnostics_.add(item.location, child_path(path, "<<"),
                                             "a merge key (<<) needs a mapping or a list of "
                                             "mappings, got " +
                                                 describe(item));
                            continue;
                        }
                        merged_sources.push_back(std::move(item));
                    }
                } else {
                    diagnostics_.add(
                        sources.location, child_path(path, "<<"),
                        "a merge key (<<) needs a mapping or a list of mappings, got " +
                            describe(sources));
                }
                continue;
            }
            if (!seen.insert(key.Scalar()).second) {
                diagnostics_.add(key_location, child_path(path, key.Scalar()),
                                 "duplicate key '" + key.Scalar() + "'");
                continue;
            }
            node.entries.push_back(
                Entry{key.Scalar(), key_location,
                      convert(pair.second, depth + 1, child_path(path, key.Scalar()))});
        }
        // Explicit keys win over merged ones, and earlier merge sources over
        // later ones (YAML merge key semantics).
        for (auto& source : merged_sources) {
            for (auto& entry : source.entries) {
                if (seen.insert(entry.key).second) {
                    node.entries.push_back(std::move(entry));
                }
            }
        }
    }

    const std::string& text_;
    const std::string& file_;
    Diagnostics& diagnostics_;
    std::size_t node_count_ = 0;
    bool failed_ = false;
};

}  // namespace

Node parse_yaml(const std::string& text, const std::string& file, Diagnostics& diagnostics) {
    YAML::Node document;
    try {
        document = YAML::Load(text);
    } catch (const YAML::Exception& error) {
        diagnostics.add(Location{file, error.mark.line + 1, error.mark.column + 1}, "",
                        "YAML syntax error: " + error.msg);
        return Node{};
    }
    Converter converter(text, file, diagnostics);
    return converter.convert(document, 0, "");
}

}  // namespace berth::compose::detail
