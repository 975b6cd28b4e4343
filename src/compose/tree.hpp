#pragma once
// The loader's own YAML tree. yaml-cpp nodes share structure through aliases
// and are awkward to rewrite; this tree is a plain value that interpolation,
// normalisation and merging can edit, and every node keeps the place in the
// file it came from so that late checks still report file:line:column.

#include <berth/compose/loader.hpp>

#include <string>
#include <vector>

namespace berth::compose::detail {

struct Location {
    std::string file;
    int line = 0;  ///< 1-based; 0: unknown
    int column = 0;
};

struct Entry;

struct Node {
    enum class Kind { null, scalar, sequence, mapping };
    /// The compose merge tags: `!reset` removes what earlier files set,
    /// `!override` replaces it whole instead of merging.
    enum class Tag { none, reset, override };

    Kind kind = Kind::null;
    Tag tag = Tag::none;
    std::string scalar;
    /// An unquoted scalar: YAML gives `true`, `1` and `null` their types only
    /// when they are not quoted.
    bool plain = true;
    std::vector<Node> items;
    std::vector<Entry> entries;
    Location location;
    /// Set on list items that normalisation rewrote (ports, volumes): the key
    /// path of the entry as written, since a range can become several items.
    std::string written_path;
    /// Variables that interpolation found unset and replaced by nothing, so
    /// that a check failing on the empty result can name them.
    std::vector<std::string> unset_variables;

    bool is_null() const { return kind == Kind::null; }
    bool is_scalar() const { return kind == Kind::scalar; }
    bool is_sequence() const { return kind == Kind::sequence; }
    bool is_mapping() const { return kind == Kind::mapping; }

    const Node* find(const std::string& key) const;
    Node* find(const std::string& key);
    const Entry* find_entry(const std::string& key) const;
    /// Sets or replaces the value of key, keeping the entry's place.
    Node& set(const std::string& key, Node value);
    void erase(const std::string& key);

    static Node make_scalar(std::string text, Location location, bool plain = false);
    static Node make_mapping(Location location);
    static Node make_sequence(Location location);
};

struct Entry {
    std::string key;
    Location key_location;
    Node value;
};

/// A short description of a node's type for messages: "a string", "a list", ...
std::string describe(const Node& node);

/// Collects problems so that one run reports all of them.
class Diagnostics {
  public:
    void add(const Location& location, std::string key_path, std::string message);
    bool empty() const { return list_.empty(); }
    std::size_t size() const { return list_.size(); }
    const std::vector<Diagnostic>& list() const { return list_; }
    /// Throws ComposeError when anything was added.
    void throw_if_any() const;

  private:
    std::vector<Diagnostic> list_;
};

/// Key paths as compose prints them: "services.web.ports[0]".
std::string child_path(const std::string& parent, const std::string& key);
std::string item_path(const std::string& parent, std::size_t index);

/// Parses one YAML document. Aliases are expanded and merge keys (`<<`)
/// applied. Syntax errors are added to diagnostics and give a null node.
Node parse_yaml(const std::string& text, const std::string& file, Diagnostics& diagnostics);

}  // namespace berth::compose::detail
