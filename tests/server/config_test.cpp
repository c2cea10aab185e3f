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
    CHECK(defaults->http.password_threads == 1);
    CHECK(defaults->http.password_queue_limit == 8);
    {
        scoped_env secure("FESTIVAL_SECURE_COOKIES", "1");
        CHECK(load_config({})->secure_cookies);
        CHECK_FALSE(load_config({"--secure-cookies", "off"})->secure_cookies);
    }
    const auto flagged = load_config({"--sign-in-window-seconds", "60", "--password-threads", "2", "--password-queue", "3"});
    CHECK(flagged->sign_in_window_seconds == 60);
    CHECK(flagged->http.password_threads == 2);
    CHECK(flagged->http.password_queue_limit == 3);
    CHECK_THROWS_AS(load_config({"--password-queue", "0"}), std::invalid_argument);
}

TEST_CASE("the HTTP server's timeouts and header limit are settings, with the server's own defaults") {
    const auto defaults = load_config({});
    const festival::server::server_options http;
    CHECK(defaults->http.read_timeout == http.read_timeout);
    CHECK(defaults->http.idle_timeout == http.idle_timeout);
    CHECK(defaults->http.shutdown_grace == http.shutdown_grace);
    CHECK(defaults->http.header_limit == http.header_limit);

    festival::testing::temp_dir dir;
    const auto file = (dir.path() / "festival.json").string();
    std::ofstream(file) << R"({"idle-timeout-seconds": 20, "header-limit-bytes": 8192})";
    scoped_env read("FESTIVAL_READ_TIMEOUT_SECONDS", "12");
    const auto set = load_config({"--config", file, "--shutdown-grace-seconds", "3", "--listen", "127.0.0.1:0"});
    CHECK(set->http.read_timeout == std::chrono::seconds(12));
    CHECK(set->http.idle_timeout == std::chrono::seconds(20));
    CHECK(set->http.shutdown_grace == std::chrono::seconds(3));
    CHECK(set->http.header_limit == 8192);
    CHECK(set->http.port == 0);
    CHECK_THROWS_AS(load_config({"--header-limit-bytes", "10"}), std::invalid_argument);
    CHECK_THROWS_WITH_AS(load_config({"--read-timeout", "5"}), "unknown setting 'read-timeout'", std::invalid_argument);
}

TEST_CASE("the transcoders' lease and preset are server settings passed on, not read by each worker") {
    const auto defaults = load_config({});
    CHECK(defaults->worker.lease_seconds == festival::process::worker_settings{}.lease_seconds);
    scoped_env lease("FESTIVAL_JOB_LEASE_SECONDS", "4");
    scoped_env preset("FESTIVAL_TRANSCODE_PRESET", "ultrafast");
    const auto c = load_config({"--sandbox-user", "festival-media", "--max-output-file-mb", "512"});
    CHECK(c->worker.lease_seconds == 4);
    CHECK(c->worker.preset == "ultrafast");
    const auto flags = c->worker.to_flags();
    CHECK(flags == std::vector<std::string>{"--lease-seconds", "4", "--preset", "ultrafast", "--sandbox-user",
                                            "festival-media", "--max-output-file-mb", "512"});
}

TEST_CASE("the heartbeat period and the test clock are settings, and production reads no clock variable") {
    CHECK(audience_settings::from_config(*load_config({})).heartbeat_seconds == 10);
    CHECK(audience_settings::from_config(*load_config({"--heartbeat-seconds", "4"})).heartbeat_seconds == 4);
    CHECK_THROWS_AS(load_config({"--heartbeat-seconds", "60"}), std::invalid_argument);

    festival::testing::temp_dir dir;
    const auto clock_file = (dir.path() / "clock").string();
    std::ofstream(clock_file) << "1780308000000\n";
    {
        scoped_env old_variable("FESTIVAL_TEST_CLOCK_FILE", clock_file);
        const auto real = audience_settings::from_config(*load_config({}));
        CHECK_FALSE(real.test_clock);
        CHECK(real.clock() != 1780308000000);
    }
    const auto driven = audience_settings::from_config(*load_config({"--test-clock-file", clock_file}));
    CHECK(driven.test_clock);
    CHECK(driven.clock() == 1780308000000);
}

TEST_CASE("every setting is listed in the help with its variable and default") {
    const auto help = festival::server::settings_help();
    for (const char* expected : {"--listen", "FESTIVAL_LISTEN", "[127.0.0.1:8080]", "--read-timeout-seconds",
                                 "--idle-timeout-seconds", "--header-limit-bytes", "[16384]", "--job-lease-seconds",
                                 "FESTIVAL_JOB_LEASE_SECONDS", "--heartbeat-seconds", "FESTIVAL_VIEW_SECONDS"})
        CHECK_MESSAGE(help.find(expected) != std::string::npos, expected);
}

TEST_CASE("scheduled backups are refused on a PostgreSQL catalog, kept on a SQLite one") {
    CHECK(load_config({"--catalog", "postgresql://festival@db/festival"})->catalog_location() ==
          "postgresql://festival@db/festival");
    CHECK(load_config({"--catalog", "/srv/other.db", "--backup-every-minutes", "60"})->catalog_location() ==
          "/srv/other.db");
    CHECK_THROWS_WITH_AS(load_config({"--catalog", "postgres://db/festival", "--backup-every-minutes", "60"}),
                         "backup-every-minutes copies a SQLite catalog: back up a PostgreSQL catalog with pg_dump "
                         "(docs/postgresql.md)",
                         std::invalid_argument);
    CHECK(load_config({"--backup-every-minutes", "60"})->catalog_location().ends_with("catalog.db"));
}
