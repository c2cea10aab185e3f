#include "tests/support/festival_fixture.hpp"

#include <cstdlib>
#include <fstream>

#include "tests/support/test_catalog.hpp"

namespace festival::testing {

festival_fixture::festival_fixture(fixture_options options) : options_(std::move(options)) {
    for (const auto& account : options_.accounts)
        add_user_with_cli(dir.path(), account.email, account.role, fixture_password);
    if (options_.clock_ms) {
        set_clock(*options_.clock_ms);
        options_.flags.insert(options_.flags.end(), {"--test-clock-file", (dir.path() / "clock").string()});
    }
    start();
}

void festival_fixture::start() {
    // The child inherits the environment: set for the spawn only, so no other fixture sees it.
    for (const auto& [name, value] : options_.env) ::setenv(name.c_str(), value.c_str(), 1);
    try {
        server = std::make_unique<festival_process>(dir.path().string(), options_.flags);
    } catch (...) {
        for (const auto& [name, value] : options_.env) ::unsetenv(name.c_str());
        throw;
    }
    for (const auto& [name, value] : options_.env) ::unsetenv(name.c_str());
}

std::string festival_fixture::catalog_location() const { return festival::test::catalog_location_of(dir.path()); }

void festival_fixture::set_clock(std::int64_t ms) {
    clock_ms_ = ms;
    write_test_clock(dir.path(), ms);
}

signed_in_client festival_fixture::sign_in_as(const std::string& email) const {
    return sign_in(port(), email, fixture_password);
}

http_result festival_fixture::call(const std::string& method, const std::string& target, const std::string& body,
                                   const header_list& headers) const {
    return http_call(port(), method, target, body, headers);
}

}  // namespace festival::testing
