#include "catalog/festival_info.hpp"

#include "catalog/clock.hpp"
#include "catalog/database.hpp"

namespace festival::catalog {

edition_state edition_at(const festival_info& f, std::int64_t unix_time) {
    if (f.starts_on)
        if (auto start = parse_utc(*f.starts_on); start && unix_time < *start) return edition_state::upcoming;
    if (f.ends_on)
        if (auto end = parse_utc(*f.ends_on); end && unix_time >= *end + 86400) return edition_state::closed;
    return edition_state::open;
}

const char* to_string(edition_state s) {
    switch (s) {
        case edition_state::upcoming: return "upcoming";
        case edition_state::open: return "open";
        case edition_state::closed: return "closed";
    }
    return "open";
}

festival_info load_festival(database& db) {
    festival_info info;
    info.name = "Festival";
    auto st = db.prepare("SELECT name, starts_on, ends_on FROM festival WHERE id = 1");
    if (st.step()) {
        info.name = st.text(0);
        info.starts_on = st.optional_text(1);
        info.ends_on = st.optional_text(2);
    }
    auto texts = db.prepare("SELECT lang, welcome, closing FROM festival_texts");
    while (texts.step()) info.texts[texts.text(0)] = festival_text{texts.text(1), texts.text(2)};
    return info;
}

void save_festival(database& db, const festival_info& info) {
    transaction tx(db);
    auto st = db.prepare(
        "INSERT INTO festival (id, name, starts_on, ends_on) VALUES (1, ?1, ?2, ?3) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, starts_on = excluded.starts_on, "
        "ends_on = excluded.ends_on");
    st.bind(1, info.name).bind(2, info.starts_on).bind(3, info.ends_on).run();
    db.exec("DELETE FROM festival_texts");
    auto insert = db.prepare("INSERT INTO festival_texts (lang, welcome, closing) VALUES (?1, ?2, ?3)");
    for (const auto& [lang, text] : info.texts) {
        insert.reset();
        insert.bind(1, lang).bind(2, text.welcome).bind(3, text.closing).run();
    }
    tx.commit();
}

}  // namespace festival::catalog
