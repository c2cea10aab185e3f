#pragma once
// The one server fixture: a fresh data folder with an account of each role, and a real
// `festival serve` on it. For tests about HTTP framing or the process itself; tests of what a
// handler answers use in_process_festival (no socket, no child process) instead.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/festival_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace festival::testing {

// The password of every account a fixture makes.
inline constexpr const char* fixture_password = "festival test password";
inline constexpr const char* fixture_curator = "curator@festival.test";
inline constexpr const char* fixture_organizer = "organizer@festival.test";

struct fixture_account {
    std::string email;
    std::string role;  // "curator" or "organizer"
};

struct fixture_options {
    std::vector<fixture_account> accounts = {{fixture_curator, "curator"}, {fixture_organizer, "organizer"}};
    std::vector<std::string> flags;            // more `festival serve` flags
    std::map<std::string, std::string> env;    // variables the server starts with (each start)
    // When set, the server's audience clock reads this time (unix ms) from a file the test moves
    // with set_clock (--test-clock-file).
    std::optional<std::int64_t> clock_ms;

    // Chained, so a fixture states only what differs: fixture_options().with_flags({...}).
    fixture_options&& with_accounts(std::vector<fixture_account> a) && { accounts = std::move(a); return std::move(*this); }
    fixture_options&& with_flags(std::vector<std::string> f) && { flags = std::move(f); return std::move(*this); }
    fixture_options&& with_env(std::map<std::string, std::string> e) && { env = std::move(e); return std::move(*this); }
    fixture_options&& with_clock(std::int64_t ms) && { clock_ms = ms; return std::move(*this); }
};

class festival_fixture {
public:
    explicit festival_fixture(fixture_options options = {});

    temp_dir dir{temp_dir::storage::in_memory};
    std::unique_ptr<festival_process> server;

    unsigned short port() const { return server->port(); }
    std::filesystem::path catalog_path() const { return dir.path() / "catalog.db"; }
    // What to open to read the server's catalog: catalog_path() on SQLite, its schema's URL on PostgreSQL.
    std::string catalog_location() const;
    std::filesystem::path media_dir() const { return dir.path() / "media"; }
    // Starts a server on the same folder, flags and environment (after stop() or kill_hard()).
    void start();
    // Moves the server's clock (needs options.clock_ms).
    void set_clock(std::int64_t ms);
    std::int64_t clock_ms() const { return clock_ms_; }

    signed_in_client sign_in_as(const std::string& email) const;
    signed_in_client curator() const { return sign_in_as(fixture_curator); }
    signed_in_client organizer() const { return sign_in_as(fixture_organizer); }
    // An anonymous call.
    http_result call(const std::string& method, const std::string& target, const std::string& body = "",
                     const header_list& headers = {}) const;

private:
    fixture_options options_;
    std::int64_t clock_ms_ = 0;
};

}  // namespace festival::testing
