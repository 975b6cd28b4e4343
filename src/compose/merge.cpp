#include "merge.hpp"

#include <algorithm>

namespace berth::compose::detail {

namespace {

// The identity of a list item for rows merged by key. A secret or config
// written without target is identified by its source (its default target).
const Node* identity(const Node& item, const Field& field) {
    if (!item.is_mapping()) {
        return nullptr;
    }
    if (const Node* found = item.find(std::string(field.merge_key))) {
        return found;
    }
    return item.find("source");
}

void merge_sequences(Node& base, const Node& override, const Field* field) {
    const bool by_key = field && field->merge == Merge::by_key;
    for (const auto& item : override.items) {
        const Node* item_identity = by_key ? identity(item, *field) : nullptr;
        auto existing = std::find_if(base.items.begin(), base.items.end(), [&](const Node& old) {
            if (item_identity) {
                const Node* old_identity = identity(old, *field);
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

bool key_differs(const Node& base, const Node& override, const Field& field) {
    const std::string key(field.merge_key);
    const Node* before = base.is_mapping() ? base.find(key) : nullptr;
    const Node* after = override.is_mapping() ? override.find(key) : nullptr;
    return before && after && !same_value(*before, *after);
}

void merge_value(Node& base, const Node& override, const Field* field) {
    if (override.tag == Node::Tag::override || (field && field->merge == Merge::replace) ||
        (field && field->merge == Merge::unless_key_differs &&
         key_differs(base, override, *field))) {
        base = override;
        return;
    }
    if (base.is_mapping() && override.is_mapping()) {
        if (field && field->shape == Shape::map_of_mappings) {
            // NAME → mapping: entries merge by name, each by the nested rows.
            for (const auto& entry : override.entries) {
                if (entry.value.tag == Node::Tag::reset) {
                    base.erase(entry.key);
                } else if (Node* existing = base.find(entry.key)) {
                    if (entry.value.tag == Node::Tag::override) {
                        *existing = entry.value;
                    } else {
                        merge_into(*existing, entry.value, field->nested);
                    }
                } else {
                    base.entries.push_back(entry);
                }
            }
            return;
        }
        merge_into(base, override,
                   field && field->shape == Shape::mapping ? field->nested : nullptr);
        return;
    }
    if (base.is_sequence() && override.is_sequence()) {
        merge_sequences(base, override, field);
        return;
    }
    base = override;
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

void merge_into(Node& base, const Node& override, const Schema* schema) {
    if (!base.is_mapping() || !override.is_mapping()) {
        base = override;
        return;
    }
    for (const auto& entry : override.entries) {
        const Field* field = schema ? schema->find(entry.key) : nullptr;
        if (entry.value.tag == Node::Tag::reset) {
            base.erase(entry.key);
            continue;
        }
        if (Node* existing = base.find(entry.key)) {
            merge_value(*existing, entry.value, field);
        } else {
            base.entries.push_back(entry);
        }
    }
}

void drop_merge_tags(Node& node) {
    node.tag = Node::Tag::none;
    std::erase_if(node.entries,
                  [](const Entry& entry) { return entry.value.tag == Node::Tag::reset; });
    std::erase_if(node.items, [](const Node& item) { return item.tag == Node::Tag::reset; });
    for (auto& entry : node.entries) {
        drop_merge_tags(entry.value);
    }
    for (auto& item : node.items) {
        drop_merge_tags(item);
    }
}

}  // namespace berth::compose::detail
