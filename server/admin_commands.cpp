#include "server/admin_commands.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include "catalog/accounts.hpp"
#include "catalog/audit_log.hpp"
#include "catalog/backup.hpp"
#include "catalog/database.hpp"
#include "catalog/film_json.hpp"
#include "catalog/schema.hpp"
#include "catalog/worker_tokens.hpp"
#include "server/config.hpp"
#include "server/data_dir_lock.hpp"
#include "transcoder/process/command_flags.hpp"

namespace festival::server {
namespace {

using process::command_flags;

// "--name value" pairs after the sub-command (and, for import, the file), through the festival's one
// flag parser.
command_flags flags(const std::vector<std::string>& args, std::size_t from, bool positional = false) {
    return command_flags::parse(std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(from), args.end()),
                                {.positional = positional});
}

// The settings `festival serve` would use for the data folder and its catalog: --data-dir and
// --catalog, else the same settings' environment variables and defaults.
std::shared_ptr<const config> data_dir_settings(const command_flags& f) {
    std::vector<std::string> args;
    for (const char* name : {"data-dir", "catalog"})
        if (f.has(name)) args.insert(args.end(), {std::string("--") + name, f.get(name, "")});
    return load_config(args);
}

// The catalog of that data folder, created and migrated if need be.
catalog::database open_data_dir(const command_flags& f) {
    const auto settings = data_dir_settings(f);
    std::filesystem::create_directories(settings->data_dir);
    return catalog::open_catalog(settings->catalog_location());
}

// `festival user sign-out-everywhere --email E`: ends every session of that account at once.
int sign_out_everywhere(const std::vector<std::string>& args) {
    const auto f = flags(args, 1);
    if (!f.has("email")) throw std::invalid_argument("--email is required");
    const std::string email = f.get("email", "");
    auto db = open_data_dir(f);
    const int ended = catalog::close_user_sessions(db, email);
    std::printf("ended %d session%s of %s\n", ended, ended == 1 ? "" : "s", email.c_str());
    return 0;
}

// Runs a command's body; any error becomes "<command>: <message>" on standard error and exit code 1.
int reporting_errors(const char* command, const std::function<int()>& body) {
    try {
        return body();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", command, e.what());
        return 1;
    }
}

// The one FILE argument of backup and restore, and the flags after it.
std::pair<std::string, command_flags> file_and_flags(const std::vector<std::string>& args, const char* usage) {
    auto f = flags(args, 0, true);
    if (f.positional().size() != 1) throw std::invalid_argument(usage);
    return {f.positional()[0], std::move(f)};
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
        if (!f.has("email") || !f.has("role")) throw std::invalid_argument("--email and --role are required");
        const auto r = catalog::role_from_string(f.get("role", ""));
        if (!r) throw std::invalid_argument("--role must be curator or organizer");
        std::string password;
        if (const char* env = std::getenv("FESTIVAL_PASSWORD")) password = env;
        else if (!std::getline(std::cin, password))
            throw std::invalid_argument("give the password on standard input or in FESTIVAL_PASSWORD");
        catalog::check_password_rules(password);
        const auto password_hash = catalog::hash_password(password);  // before the write lock
        auto db = open_data_dir(f);
        catalog::transaction tx(db);
        const auto u = catalog::create_user_hashed(db, f.get("email", ""), f.get("name", ""), *r, password_hash);
        catalog::record_audit(db, {std::nullopt, "command line"}, "user.add", "user:" + std::to_string(u.id),
                              {{"email", u.email}, {"role", catalog::to_string(u.role)}});
        tx.commit();
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
        const auto f = flags(args, 0, true);
        const auto& files = f.positional();
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

int worker_command(const std::vector<std::string>& args) {
    return reporting_errors("festival worker", [&] {
        constexpr const char* usage =
            "usage: festival worker add NAME [--data-dir DIR]   (prints the new token, once)\n"
            "       festival worker revoke NAME [--data-dir DIR]\n"
            "       festival worker list [--data-dir DIR]";
        if (args.empty()) throw std::invalid_argument(usage);
        const auto f = flags(args, 1, true);
        const auto& action = args[0];
        if (action == "list" && f.positional().empty()) {
            auto db = open_data_dir(f);
            auto list = nlohmann::json::array();
            for (const auto& t : catalog::list_worker_tokens(db)) list.push_back(catalog::worker_token_to_json(t));
            std::printf("%s\n", list.dump().c_str());
            return 0;
        }
        if ((action != "add" && action != "revoke") || f.positional().size() != 1) throw std::invalid_argument(usage);
        const auto& name = f.positional()[0];
        auto db = open_data_dir(f);
        if (action == "add") {
            // The only time the token is shown: the catalog keeps its hash.
            std::printf("%s\n", catalog::add_worker_token(db, name).c_str());
            return 0;
        }
        const bool revoked = catalog::revoke_worker_token(db, name);
        std::printf(revoked ? "revoked the worker %s\n" : "the worker %s was already revoked\n", name.c_str());
        return 0;
    });
}

int backup_command(const std::vector<std::string>& args) {
    return reporting_errors("festival backup", [&] {
        const auto [file, f] = file_and_flags(args, "usage: festival backup FILE [--data-dir DIR]");
        const auto settings = data_dir_settings(f);
        catalog::refuse_postgresql_backup(settings->catalog_location());
        const auto made = catalog::backup_catalog(settings->catalog_path(), file);
        const nlohmann::ordered_json line = {
            {"path", made.path.string()}, {"bytes", made.bytes}, {"pages", made.pages}, {"seconds", made.seconds}};
        std::printf("%s\n", line.dump().c_str());
        return 0;
    });
}

int restore_command(const std::vector<std::string>& args) {
    return reporting_errors("festival restore", [&] {
        const auto [file, f] = file_and_flags(args, "usage: festival restore FILE [--data-dir DIR]");
        const auto settings = data_dir_settings(f);
        catalog::refuse_postgresql_backup(settings->catalog_location());
        std::filesystem::create_directories(settings->data_dir);
        // Held until the restore is done, so no festival starts on a half-restored folder either.
        const auto alone = data_dir_lock::try_acquire(settings->data_dir, data_dir_lock::mode::exclusive);
        if (!alone)
            throw std::runtime_error("a festival is running on " + settings->data_dir + ": stop it, then restore");
        const int version = catalog::check_catalog_backup(file);
        const auto kept = catalog::install_catalog_backup(
            file, settings->catalog_path(), catalog::backup_time_stamp(std::chrono::system_clock::now()));
        const nlohmann::ordered_json line = {
            {"restored", std::filesystem::absolute(settings->catalog_path()).string()},
            {"from", std::filesystem::absolute(file).string()},
            {"schema_version", version},
            {"kept", kept.empty() ? nlohmann::ordered_json(nullptr)
                                 : nlohmann::ordered_json(std::filesystem::absolute(kept).string())}};
        std::printf("%s\n", line.dump().c_str());
        return 0;
    });
}

}  // namespace festival::server
