// The one command-line parser every festival executable uses, and the worker settings it carries.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>

#include "transcoder/process/command_flags.hpp"
#include "transcoder/process/worker_settings.hpp"

using festival::process::command_flags;
using festival::process::worker_settings;

TEST_CASE("flags take a value after a space or an equals sign, switches take none, the last value wins") {
    const auto f = command_flags::parse({"--data-dir", "/srv/festival", "--once", "--lease-seconds=5", "--subtitle",
                                         "fr=a.srt", "--subtitle", "en=b.vtt", "--lease-seconds", "7"},
                                        {.switches = {"once"}});
    CHECK(f.get("data-dir", "") == "/srv/festival");
    CHECK(f.has("once"));
    CHECK(f.number("lease-seconds", 30, 1, 100) == 7);
    CHECK(f.all("subtitle") == std::vector<std::string>{"fr=a.srt", "en=b.vtt"});
    CHECK(f.get("absent", "fallback") == "fallback");
    CHECK(f.number("absent", 30, 1, 100) == 30);
}

TEST_CASE("the flag parser refuses what it cannot read, naming it") {
    CHECK_THROWS_WITH_AS(command_flags::parse({"--data-dir"}), "--data-dir needs a value", std::invalid_argument);
    CHECK_THROWS_WITH_AS(command_flags::parse({"film.json"}), "unexpected argument 'film.json'", std::invalid_argument);
    CHECK_THROWS_WITH_AS(command_flags::parse({"--lisen", "x"}, {.known = std::vector<std::string>{"listen"}}),
                         "unknown setting 'lisen'", std::invalid_argument);
    CHECK_THROWS_WITH_AS(command_flags::parse({}).required("input"), "missing --input", std::invalid_argument);
    CHECK_THROWS_WITH_AS(command_flags::parse({"--threads", "4x"}).number("threads", 0, 0, 64),
                         "threads must be a number from 0 to 64, not '4x'", std::invalid_argument);
    const auto with_file = command_flags::parse({"films.json", "--data-dir", "d"}, {.positional = true});
    CHECK(with_file.positional() == std::vector<std::string>{"films.json"});
}

TEST_CASE("a worker reads back exactly the settings it was started with") {
    worker_settings sent;
    sent.lease_seconds = 4;
    sent.preset = "ultrafast";
    sent.sandbox_user = "";
    sent.max_output_file_mb = 64;
    sent.catalog = "postgresql://festival@db.example/festival";
    const auto received = worker_settings::from_flags(command_flags::parse(sent.to_flags()));
    CHECK(received.lease_seconds == 4);
    CHECK(received.preset == "ultrafast");
    CHECK(received.sandbox_user.empty());
    CHECK(received.max_output_file_mb == 64);
    CHECK(received.catalog == "postgresql://festival@db.example/festival");

    const auto defaults = worker_settings::from_flags(command_flags::parse({}));
    CHECK(defaults.lease_seconds == worker_settings{}.lease_seconds);
    CHECK(defaults.preset == "veryfast");
    CHECK(defaults.catalog.empty());
    const auto default_flags = worker_settings{}.to_flags();  // a worker on the data folder's catalog.db
    CHECK(std::find(default_flags.begin(), default_flags.end(), "--catalog") == default_flags.end());
    CHECK_THROWS_AS(worker_settings::from_flags(command_flags::parse({"--lease-seconds", "0"})), std::invalid_argument);
}
