#include "server/admin_commands.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "catalog/accounts.hpp"
#include "catalog/database.hpp"
#include "catalog/film_json.hpp"
#include "catalog/schema.hpp"
#include "transcoder/media/media_layout.hpp"

namespace festival::server {
namespace {

// "--name value" pairs after the sub-command; anything else is an error.
std::map<std::string, std::string> flags(const std::vector<std::string>& args, std::size_t from,
                                         std::vector<std::string>* positional = nullptr) {
    std::map<std::string, std::string> out;
    for (std::size_t i = from; i < args.size(); ++i) {
        if (args[i].rfind("--", 0) == 0) {
            if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
            out[args[i].substr(2)] = args[i + 1];
            ++i;
        } else if (positional) {
            positional->push_back(args[i]);
        } else {
            throw std::invalid_argument("unexpected argument '" + args[i] + "'");
        }
    }
    return out;
}

catalog::database open_data_dir(const std::map<std::string, std::string>& f) {
    const std::string dir = f.count("data-dir") ? f.at("data-dir") : (std::getenv("FESTIVAL_DATA_DIR") ?: "data");
    std::filesystem::create_directories(dir);
    return catalog::open_catalog(media::media_layout(dir).catalog_db().string());
}

// `festival user sign-out-everywhere --email E`: ends every session of that account at once.
int sign_out_everywhere(const std::vector<std::string>& args) {
    const auto f = flags(args, 1);
    if (!f.count("email")) throw std::invalid_argument("--email is required");
    auto db = open_data_dir(f);
    const int ended = catalog::close_user_sessions(db, f.at("email"));
    std::printf("ended %d session%s of %s\n", ended, ended == 1 ? "" : "s", f.at("email").c_str());
    return 0;
}

}  // namespace

int user_command(const std::vector<std::string>& args) {
    try {
        if (!args.empty() && args[0] == "sign-out-everywhere") return sign_out_everywhere(args);
        if (args.empty() || args[0] != "add")
            throw std::invalid_argument(
                "usage: festival user add --email E --role curator|organizer [--name N]\n"
                "       festival user sign-out-everywhere --email E");
        const auto f = flags(args, 1);
        if (!f.count("email") || !f.count("role")) throw std::invalid_argument("--email and --role are required");
        const auto r = catalog::role_from_string(f.at("role"));
        if (!r) throw std::invalid_argument("--role must be curator or organizer");
        std::string password;
        if (const char* env = std::getenv("FESTIVAL_PASSWORD")) password = env;
        else if (!std::getline(std::cin, password))
            throw std::invalid_argument("give the password on standard input or in FESTIVAL_PASSWORD");
        auto db = open_data_dir(f);
        const auto u = catalog::create_user(db, f.at("email"), f.count("name") ? f.at("name") : "", *r, password);
        std::printf("created %s %s (id %lld)\n", catalog::to_string(u.role), u.email.c_str(),
                    static_cast<long long>(u.id));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "festival user: %s\n", e.what());
        return 1;
    }
}

int import_command(const std::vector<std::string>& args) {
    try {
        std::vector<std::string> files;
        const auto f = flags(args, 0, &files);
        if (files.size() != 1) throw std::invalid_argument("usage: festival import FILE.json [--data-dir D]");
        std::ifstream in(files[0]);
        if (!in) throw std::invalid_argument("cannot read " + files[0]);
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {  // bad syntax, or a number no double holds
            throw std::invalid_argument(files[0] + " is not valid JSON: " + e.what());
        }
        if (j.is_object() && j.contains("films")) j = j["films"];
        if (!j.is_array()) throw std::invalid_argument("expected a JSON array of films (or {\"films\": [...]})");
        // Validate everything before writing anything: a bad row 57 must not leave rows 1–56 half-imported.
        std::vector<catalog::film> films;
        for (std::size_t i = 0; i < j.size(); ++i) {
            try {
                films.push_back(catalog::film_from_json(j[i]));
            } catch (const catalog::catalog_error& e) {
                throw std::invalid_argument("film #" + std::to_string(i + 1) + ": " + e.what());
            }
        }
        auto db = open_data_dir(f);
        int created = 0, updated = 0;
        catalog::transaction all_or_nothing(db);
        for (auto& film : films) {
            if (auto existing = catalog::find_film_by_slug(db, film.slug)) {
                film.id = existing->id;
                catalog::update_film(db, film);
                ++updated;
            } else {
                catalog::create_film(db, film);
                ++created;
            }
        }
        all_or_nothing.commit();
        std::printf("imported %zu films: %d created, %d updated\n", films.size(), created, updated);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "festival import: %s\n", e.what());
        return 1;
    }
}

}  // namespace festival::server
