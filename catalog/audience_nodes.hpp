#pragma once
// What several server nodes on one catalog share about the audience (docs/nodes.md): each UTC day's
// viewer-hash key, so a viewer hashes alike on every node (unique viewers stay exact); each node's
// live counts with the time it wrote them, so live figures are a sum over the nodes alive; and the
// last counted view of a viewer, so a reload on another node is not a second view.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace festival::catalog {

class database;

// The day keys (by unix day, hex) for yesterday, today and tomorrow, making today's and tomorrow's with
// `fresh_key` when missing (the first node to ask wins; the others read its key). Keys of days before
// yesterday are deleted: a day's key lives for that day and the next, then no stored hash can be tied
// to an address any more.
std::map<std::int64_t, std::string> shared_day_keys(database& db, std::int64_t today,
                                                    const std::function<std::string()>& fresh_key);

struct node_live {
    std::string node;
    std::int64_t total = 0;
    std::map<std::int64_t, std::int64_t> by_film;
    std::int64_t updated_at_ms = 0;
};
// Upserts this node's live counts, stamped `now_ms`.
void write_node_live(database& db, const node_live& live);
// The other nodes' rows written at or after `since_ms`.
std::vector<node_live> other_nodes_live(database& db, const std::string& self, std::int64_t since_ms);
// A node stopping cleanly takes its row away, so its plays leave the live figures at once.
void forget_node(database& db, const std::string& node);

// When the latest view of `viewer_hash` counted at or after `since_ms` was, on any node.
std::optional<std::int64_t> last_counted_view(database& db, const std::string& viewer_hash, std::int64_t since_ms);

}  // namespace festival::catalog
