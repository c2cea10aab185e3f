#pragma once
// Whether a film may be embedded on other sites (/embed/{film}) and on which: curators opt in per film
// and list the sites (origins such as "https://partner.example" or "http://127.0.0.2:8080"); the
// embed page's frame-ancestors are built from the list and a play started inside a frame is noted with
// the site only when the film allows it. Nothing is embeddable by default.
#include <cstdint>
#include <string>
#include <vector>

namespace festival::catalog {

class database;

struct film_embed {
    std::int64_t film_id = 0;
    bool enabled = false;
    std::vector<std::string> sites;  // normalised origins: scheme://host[:port], lower-case, no path
    std::string updated_at;          // ISO 8601 UTC, empty when never set

    // Whether the film is embeddable and `origin` is one of its sites (compared normalised).
    bool allows(const std::string& origin) const;
};

// "HTTPS://Partner.Example:443/" → "https://partner.example"; throws invalid("invalid_site"), quoting
// the entry, for anything that is not an http(s) origin (a path beyond "/", a query, credentials, a
// wildcard, no host, a host with characters a DNS name cannot have).
std::string normalise_site(const std::string& text);

// The film's settings; a film never set is {film_id, enabled=false, no sites}.
film_embed find_film_embed(database& db, std::int64_t film_id);
// Replaces the settings (sites normalised, duplicates dropped, at most 20); throws invalid on a bad site
// ("invalid_site") or too many ("too_many_sites"), leaving the saved settings as they were.
film_embed save_film_embed(database& db, std::int64_t film_id, bool enabled, const std::vector<std::string>& sites);

}  // namespace festival::catalog
