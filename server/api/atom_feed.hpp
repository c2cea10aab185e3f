#pragma once
// Atom feeds (RFC 4287): a feed and its entries as plain values, written as one XML document. Knows
// nothing of films: feeds_api.cpp decides what a feed holds, this file only how it is written.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace festival::server {

struct atom_entry {
    std::string id;         // an IRI that never changes for this entry: "tag:festival.example,2026:film-12"
    std::string title;      // plain text
    std::string summary;    // plain text; left out when empty
    std::string link;       // absolute URL of the entry's page (rel="alternate", type text/html)
    std::int64_t updated = 0;  // unix seconds
    std::string category;   // a term readers may filter on ("available", "opening-soon"); none when empty
    std::string category_label;  // the term in the feed's language
    std::string thumbnail;  // absolute URL of an image (media:thumbnail); none when empty
};

struct atom_feed {
    std::string id;             // an IRI that never changes for this feed
    std::string language;       // xml:lang of the document ("fr")
    std::string title;          // plain text
    std::string subtitle;       // plain text; left out when empty
    std::string self;           // absolute URL of the feed itself
    std::string alternate;      // absolute URL of the site page it follows (text/html)
    std::string author_name;    // plain text
    std::string author_uri;     // left out when empty
    std::int64_t updated = 0;   // unix seconds: the newest entry, as RFC 4287 asks
    std::vector<atom_entry> entries;  // in the order given
};

// The whole document, UTF-8, every text and attribute through escape_markup.
std::string atom_document(const atom_feed& feed);

// Text as XML may hold it: the characters XML 1.0 forbids (C0 controls but tab, line feed and carriage
// return; U+FFFE, U+FFFF) dropped, then escape_markup. Curators' texts may hold a stray control
// character, which would make the whole document unreadable.
std::string xml_text(std::string_view text);

}  // namespace festival::server
