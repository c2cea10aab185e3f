#include "catalog/room_holders.hpp"

#include "catalog/database.hpp"
#include "catalog/sql_lists.hpp"

namespace festival::catalog {

bool claim_room(database& db, std::int64_t premiere_id, const std::string& node, std::int64_t now_ms,
                std::int64_t stale_after_ms) {
    // The conflicting row is locked by the upsert on PostgreSQL (and the whole file on SQLite), so two
    // claims of a stale row cannot both see it stale: the second finds the first's fresh stamp.
    auto st = db.prepare(
        "INSERT INTO room_holders (premiere_id, node, renewed_at) VALUES (:premiere, :node, :now) "
        "ON CONFLICT (premiere_id) DO UPDATE SET node = excluded.node, renewed_at = excluded.renewed_at "
        "WHERE room_holders.node = excluded.node OR room_holders.renewed_at < :stale_before "
        "RETURNING node");
    st.bind(":premiere", premiere_id).bind(":node", node).bind(":now", now_ms);
    st.bind(":stale_before", now_ms - stale_after_ms);
    const bool held = st.step();  // a row only when inserted or updated
    if (held) st.run();
    return held;
}

std::vector<std::int64_t> renew_rooms(database& db, const std::string& node,
                                      const std::vector<std::int64_t>& premiere_ids, std::int64_t now_ms) {
    std::vector<std::int64_t> held;
    if (premiere_ids.empty()) return held;
    auto st = db.prepare("UPDATE room_holders SET renewed_at = :now WHERE node = :node AND premiere_id IN (" +
                         ids_subquery(db, ":ids") + ") RETURNING premiere_id");
    st.bind(":now", now_ms).bind(":node", node).bind(":ids", ids_json(premiere_ids));
    while (st.step()) held.push_back(st.int64("premiere_id"));
    return held;
}

void release_room(database& db, std::int64_t premiere_id, const std::string& node) {
    db.prepare("DELETE FROM room_holders WHERE premiere_id = :premiere AND node = :node")
        .bind(":premiere", premiere_id)
        .bind(":node", node)
        .run();
}

std::optional<room_holder> find_room_holder(database& db, std::int64_t premiere_id) {
    auto st = db.prepare("SELECT node, renewed_at FROM room_holders WHERE premiere_id = :premiere");
    st.bind(":premiere", premiere_id);
    if (!st.step()) return std::nullopt;
    return room_holder{st.text("node"), st.int64("renewed_at")};
}

}  // namespace festival::catalog
