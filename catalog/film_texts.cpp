#include "catalog/film_texts.hpp"

#include <algorithm>
#include <vector>

namespace festival::catalog {

chosen_text film_text_in(const film& f, std::string_view language, std::string film_text::*field) {
    std::vector<std::string_view> order{language};
    for (const std::string_view l : {"en", "fr", "es"})
        if (l != language) order.push_back(l);
    for (const auto& [l, text] : f.texts)
        if (std::find(order.begin(), order.end(), l) == order.end()) order.push_back(l);
    for (const auto l : order)
        if (const auto it = f.texts.find(std::string(l)); it != f.texts.end() && !(it->second.*field).empty())
            return {it->second.*field, it->first};
    return {};
}

chosen_text film_title_in(const film& f, std::string_view language) {
    auto chosen = film_text_in(f, language, &film_text::title);
    if (chosen.text.empty()) return {f.original_title, ""};
    return chosen;
}

}  // namespace festival::catalog
