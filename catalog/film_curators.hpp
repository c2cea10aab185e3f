#pragma once
// Which curators a film belongs to. A curator changes only the films assigned to them; organizers
// change every film and decide who is assigned. The curator who creates a film is assigned to it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "catalog/accounts.hpp"

namespace festival::catalog {

class database;

bool is_film_curator(database& db, std::int64_t film_id, std::int64_t user_id);
void assign_film_curator(database& db, std::int64_t film_id, std::int64_t user_id);
// The film's curators, by display name then email.
std::vector<user> film_curators(database& db, std::int64_t film_id);
// The curators of each of `film_ids` (films without curators are absent), in one query.
std::map<std::int64_t, std::vector<user>> curators_of_films(database& db, const std::vector<std::int64_t>& film_ids);

// Replaces the film's curators with the accounts named by id ("12") or email; throws invalid
// (unknown_user, not_a_curator) naming the first entry that is not a curator's account.
std::vector<user> set_film_curators(database& db, std::int64_t film_id, const std::vector<std::string>& ids_or_emails);

}  // namespace festival::catalog
