#include "catalog/audience_nodes.hpp"

#include <nlohmann/json.hpp>

#include "catalog/database.hpp"

namespace festival::catalog {
namespace {

std::map<std::int64_t, std::string> read_day_keys(database& db, std::int64_t from_day) {
    auto st = db.prepare("SELECT day, key_hex FROM audience_day_keys WHERE day >= ?1 ORDER BY day");
    st.bind(1, from_day);
    std::map<std::int64_t, std::string> keys;
    while (st.step()) keys[st.int64(0)] = st.text(1);
    return keys;
}

}  // namespace

std::map<std::int64_t, std::string> shared_day_keys(database& db, std::int64_t today,
                                                    const std::function<std::string()>& fresh_key) {
    // Usually both keys are there and nothing older is: one read, no write.
    auto stale = db.prepare("SELECT COUNT(*) FROM audience_day_keys WHERE day < ?1");
    stale.bind(1, today - 1);
    stale.step();
    auto keys = read_day_keys(db, today - 1);
    if (stale.int64(0) == 0 && keys.contains(today) && keys.contains(today + 1)) {
        return keys;
    }
    transaction tx(db);
    auto drop = db.prepare("DELETE FROM audience_day_keys WHERE day < ?1");
    drop.bind(1, today - 1).run();
    auto add = db.prepare("INSERT INTO audience_day_keys (day, key_hex) VALUES (?1, ?2) ON CONFLICT (day) DO NOTHING");
    for (const auto day : {today, today + 1}) {
        add.reset();
        add.bind(1, day).bind(2, fresh_key()).run();
    }
    keys = read_day_keys(db, today - 1);
    tx.commit();
    return keys;
}

void write_node_live(database& db, const node_live& live) {
    nlohmann::json films = nlohmann::json::object();
    for (const auto& [film, n] : live.by_film) films[std::to_string(film)] = n;
    auto st = db.prepare(
        "INSERT INTO audience_nodes (node, live_total, live_films, updated_at) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (node) DO UPDATE SET live_total = excluded.live_total, live_films = excluded.live_films, "
        "updated_at = excluded.updated_at");
    st.bind(1, live.node).bind(2, live.total).bind(3, films.dump()).bind(4, live.updated_at_ms).run();
}

std::vector<node_live> other_nodes_live(database& db, const std::string& self, std::int64_t since_ms) {
    auto st = db.prepare(
        "SELECT node, live_total, live_films, updated_at FROM audience_nodes WHERE node <> ?1 AND updated_at >= ?2 "
        "ORDER BY node");
    st.bind(1, self).bind(2, since_ms);
    std::vector<node_live> out;
    while (st.step()) {
        node_live row;
        row.node = st.text(0);
        row.total = st.int64(1);
        const auto films = nlohmann::json::parse(st.text(2), nullptr, false);
        if (films.is_object())
            for (const auto& [film, n] : films.items())
                if (n.is_number_integer()) row.by_film[std::stoll(film)] = n.get<std::int64_t>();
        row.updated_at_ms = st.int64(3);
        out.push_back(std::move(row));
    }
    return out;
}

void forget_node(database& db, const std::string& node) {
    auto st = db.prepare("DELETE FROM audience_nodes WHERE node = ?1");
    st.bind(1, node).run();
}

std::optional<std::int64_t> last_counted_view(database& db, const std::string& viewer_hash, std::int64_t since_ms) {
    auto st = db.prepare("SELECT MAX(viewed_at) FROM plays WHERE viewer_hash = ?1 AND viewed_at >= ?2");
    st.bind(1, viewer_hash).bind(2, since_ms);
    if (!st.step() || st.is_null(0)) return std::nullopt;
    return st.int64(0);
}

}  // namespace festival::catalog
