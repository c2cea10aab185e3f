#include "catalog/audit_log.hpp"

#include <algorithm>
#include <limits>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"

namespace festival::catalog {

void record_audit(database& db, const audit_actor& actor, const std::string& action, const std::string& subject,
                  const nlohmann::json& details) {
    auto st = db.prepare(
        "INSERT INTO audit_log (at, actor_id, actor_email, action, subject, details) "
        "VALUES (:at, :actor_id, :actor_email, :action, :subject, :details)");
    st.bind(":at", utc_now())
        .bind(":actor_id", actor.user_id)
        .bind(":actor_email", actor.email)
        .bind(":action", action)
        .bind(":subject", subject)
        .bind(":details", details.is_object() ? details.dump() : std::string("{}"));
    st.run();
}

std::vector<audit_entry> list_audit(database& db, int limit, std::optional<std::int64_t> before_id) {
    limit = std::clamp(limit, 1, 500);
    // Newest first by id: ids grow with every insert, which the second-granular `at` cannot order.
    auto st = db.prepare(
        "SELECT id, at, actor_id, actor_email, action, subject, details FROM audit_log "
        "WHERE id < :before ORDER BY id DESC LIMIT :limit");
    st.bind(":before", before_id.value_or(std::numeric_limits<std::int64_t>::max())).bind(":limit", limit);
    std::vector<audit_entry> entries;
    while (st.step()) {
        audit_entry e;
        e.id = st.int64("id");
        e.at = st.text("at");
        e.actor = {st.optional_int64("actor_id"), st.text("actor_email")};
        e.action = st.text("action");
        e.subject = st.text("subject");
        auto details = nlohmann::json::parse(st.text("details"), nullptr, false);
        e.details = details.is_object() ? std::move(details) : nlohmann::json::object();
        entries.push_back(std::move(e));
    }
    return entries;
}

}  // namespace festival::catalog
