#include "server/api/atom_feed.hpp"

#include "catalog/clock.hpp"
#include "server/api/markup_text.hpp"

namespace festival::server {

std::string xml_text(std::string_view text) {
    std::string allowed;
    allowed.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
        // U+FFFE and U+FFFF: EF BF BE, EF BF BF.
        if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBF &&
            (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xBE) {
            i += 2;
            continue;
        }
        allowed += text[i];
    }
    return escape_markup(allowed);
}

std::string atom_document(const atom_feed& feed) {
    std::string out;
    out.reserve(1024 + feed.entries.size() * 1024);
    const auto element = [&out](std::string_view indent, std::string_view name, std::string_view text) {
        out += indent;
        out += '<';
        out += name;
        out += '>';
        out += xml_text(text);
        out += "</";
        out += name;
        out += ">\n";
    };
    const auto link = [&out](std::string_view indent, std::string_view rel, std::string_view type, std::string_view href) {
        out += indent;
        out += "<link rel=\"" + xml_text(rel) + "\" type=\"" + xml_text(type) + "\" href=\"" + xml_text(href) + "\"/>\n";
    };

    out += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    out += "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:media=\"http://search.yahoo.com/mrss/\" xml:lang=\"" +
           xml_text(feed.language) + "\">\n";
    element("  ", "id", feed.id);
    element("  ", "title", feed.title);
    if (!feed.subtitle.empty()) element("  ", "subtitle", feed.subtitle);
    element("  ", "updated", catalog::format_utc(feed.updated));
    link("  ", "self", "application/atom+xml", feed.self);
    link("  ", "alternate", "text/html", feed.alternate);
    out += "  <author>\n";
    element("    ", "name", feed.author_name);
    if (!feed.author_uri.empty()) element("    ", "uri", feed.author_uri);
    out += "  </author>\n";
    out += "  <generator>Festival</generator>\n";
    for (const auto& entry : feed.entries) {
        out += "  <entry>\n";
        element("    ", "id", entry.id);
        element("    ", "title", entry.title);
        element("    ", "updated", catalog::format_utc(entry.updated));
        link("    ", "alternate", "text/html", entry.link);
        if (!entry.summary.empty()) element("    ", "summary", entry.summary);
        if (!entry.category.empty()) {
            out += "    <category term=\"" + xml_text(entry.category) + "\"";
            if (!entry.category_label.empty()) out += " label=\"" + xml_text(entry.category_label) + "\"";
            out += "/>\n";
        }
        if (!entry.thumbnail.empty()) out += "    <media:thumbnail url=\"" + xml_text(entry.thumbnail) + "\"/>\n";
        out += "  </entry>\n";
    }
    out += "</feed>\n";
    return out;
}

}  // namespace festival::server
