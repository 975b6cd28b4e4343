#include "merge.hpp"

#include <algorithm>

namespace berth::compose::detail {

namespace {

bool replaced_whole(const std::string& key) {
    return key == "command" || key == "entrypoint" || key == "test" || key == "config";
}

// The identity of a list item for lists merged by a key field.
const Node* identity(const Node& item, const std::string& list_key) {
    if (!item.is_mapping()) {
        return nullptr;
    }
    if (list_key == "volumes") {
        return item.find("target");
    }
    if (list_key == "env_file") {
        return item.find("path");
    }
    return nullptr;
}

void merge_sequences(Node& base, const Node& override, const std::string& key) {
    for (const auto& item : override.items) {
        const Node* item_identity = identity(item, key);
        auto existing = std::find_if(base.items.begin(), base.items.end(), [&](const Node& old) {
            if (item_identity) {
                const Node* old_identity = identity(old, key);
                return old_identity && same_value(*old_identity, *item_identity);
            }
            return same_value(old, item);
        });
        if (existing == base.items.end()) {
            base.items.push_back(item);
        } else if (item_identity) {
            *existing = item;
        }
    }
}

}  // namespace

bool same_value(const Node& first, const Node& second) {
    if (first.kind != second.kind) {
        return false;
    }
    switch (first.kind) {
        case Node::Kind::null:
            return true;
        case Node::Kind::scalar:
            return first.scalar == second.scalar;
        case Node::Kind::sequence:
            return std::equal(first.items.begin(), first.items.end(), second.items.begin(),
                              second.items.end(), same_value);
        case Node::Kind::mapping:
            if (first.entries.size() != second.entries.size()) {
                return false;
            }
            for (const auto& entry : first.entries) {
                const Node* other = second.find(entry.key);
                if (!other || !same_value(entry.value, *other)) {
                    return false;
                }
            }
            return true;
    }
    return false;
}

void merge_into(Node& base, const Node& override, const std::string& key) {
    if (base.is_mapping() && override.is_mapping()) {
        for (const auto& entry : override.entries) {
            Node* existing = base.find(entry.key);
            if (existing) {
                merge_into(*existing, entry.value, entry.key);
            } else {
                base.entries.push_back(entry);
            }
        }
        return;
    }
    if (base.is_sequence() && override.is_sequence() && !replaced_whole(key)) {
        merge_sequences(base, override, key);
        return;
    }
    base = override;
}

}  // namespace berth::compose::detail
