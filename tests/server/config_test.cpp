// The server's configuration: defaults < --config file < environment < flags, every value checked.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "server/audience/audience_registry.hpp"
#include "server/config.hpp"
#include "tests/support/temp_dir.hpp"

using festival::server::audience_settings;
using festival::server::load_config;

namespace {

// Sets an environment variable for one scope.
struct scoped_env {
    std::string name;
    scoped_env(std::string n, const std::string& value) : name(std::move(n)) { ::setenv(name.c_str(), value.c_str(), 1); }
    ~scoped_env() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("audience settings follow the configuration's order: file, then environment, then flags") {
    const auto defaults = load_config({});
    CHECK(defaults->view_seconds == 30);
    CHECK(defaults->play_expiry_seconds == 600);
    CHECK(defaults->audience_flush_ms == 1000);

    festival::testing::temp_dir dir;
    const auto file = (dir.path() / "festival.json").string();
    std::ofstream(file) << R"({"view-seconds": 45, "play-expiry-seconds": 900, "audience-flush-ms": 250})";
    const auto from_file = load_config({"--config", file});
    CHECK(from_file->view_seconds == 45);
    CHECK(from_file->play_expiry_seconds == 900);
    CHECK(from_file->audience_flush_ms == 250);

    scoped_env view("FESTIVAL_VIEW_SECONDS", "20");
    const auto from_env = load_config({"--config", file});
    CHECK(from_env->view_seconds == 20);
    CHECK(from_env->play_expiry_seconds == 900);
    const auto from_flag = load_config({"--config", file, "--view-seconds", "10"});
    CHECK(from_flag->view_seconds == 10);

    const auto settings = audience_settings::from_config(*from_flag);
    CHECK(settings.rules.view_ms == 10'000);
    CHECK(settings.rules.idle_expiry_ms == 900'000);
    CHECK(settings.flush_interval_ms == 250);
}

TEST_CASE("a bad audience setting is refused with its name and range") {
    CHECK_THROWS_WITH_AS(load_config({"--play-expiry-seconds", "5"}),
                         "play-expiry-seconds must be a number from 60 to 604800, not '5'", std::invalid_argument);
    scoped_env flush("FESTIVAL_AUDIENCE_FLUSH_MS", "soon");
    CHECK_THROWS_AS(load_config({}), std::invalid_argument);
}

TEST_CASE("sign-in settings come from the environment and flags, checked") {
    const auto defaults = load_config({});
    CHECK_FALSE(defaults->secure_cookies);
    CHECK(defaults->sign_in_window_seconds == 900);
    CHECK(defaults->password_threads == 1);
    CHECK(defaults->password_queue == 8);
    {
        scoped_env secure("FESTIVAL_SECURE_COOKIES", "1");
        CHECK(load_config({})->secure_cookies);
        CHECK_FALSE(load_config({"--secure-cookies", "off"})->secure_cookies);
    }
    const auto flagged = load_config({"--sign-in-window-seconds", "60", "--password-threads", "2", "--password-queue", "3"});
    CHECK(flagged->sign_in_window_seconds == 60);
    CHECK(flagged->password_threads == 2);
    CHECK(flagged->password_queue == 3);
    CHECK_THROWS_AS(load_config({"--password-queue", "0"}), std::invalid_argument);
}
