#pragma once
// The server's configuration: one immutable value, filled from defaults < file < environment < flags.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/http/http_server.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/process/worker_settings.hpp"

namespace festival::server {

struct config {
    // The HTTP server's own settings (listen address and port, threads, timeouts, header limit,
    // access log), with their defaults where the server defines them.
    server_options http;
    std::string data_dir = "data";
    // Where the catalog lives: empty is the embedded SQLite file <data-dir>/catalog.db; a
    // postgresql:// URL shares one PostgreSQL catalog between server nodes (docs/scaling.md).
    std::string catalog;
    // This node's name among the server nodes sharing a catalog (default: the host name and port).
    std::string node_name;
    std::string web_dir;     // default: the installation's share/festival/web, or the source tree's web/
    std::string vendor_dir;  // /vendor/…: default web_dir/vendor, or the build tree's web/vendor
    std::string transcoder_path;  // default: festival-transcoder beside this executable
    process::worker_settings worker;  // passed to each transcoder the server starts
    bool demo = false;
    int transcoders = 1;
    std::int64_t session_lifetime_seconds = 12 * 3600;
    bool secure_cookies = false;  // adds Secure to the session cookie (behind HTTPS)
    // Where viewers reach the festival ("https://festival.example"; no path). With https, the session
    // cookie is Secure, HSTS is sent and requests that came over plain HTTP are redirected there.
    std::string public_url;
    // Viewers' media URLs carry a token that lives between S and 2S seconds (docs/security.md), signed
    // with the secret in this file (default: media-token.secret in the data folder, made at first start).
    int media_token_seconds = 30;
    std::string media_token_secret_file;
    // The MaxMind-format database that gives a client address its country (docs/rights.md); empty:
    // films' country rules are not enforced, and serve says so when it starts.
    std::string geo_database;
    // Sign-in (docs/security.md): the window failed attempts are counted over (the pool that hashes
    // passwords is the HTTP server's: http.password_threads, http.password_queue_limit).
    int sign_in_window_seconds = 15 * 60;
    std::int64_t max_upload_bytes = 50LL * 1000 * 1000 * 1000;
    // Audience (docs/statistics.md): credited seconds that make a view, silence after which a play
    // ends, and how often the counts are written to the catalog.
    int view_seconds = 30;
    int play_expiry_seconds = 600;
    int audience_flush_ms = 1000;
    // People counted behind one address (an IPv4 address or an IPv6 /64): a household, a class behind NAT.
    int viewers_per_address = 10;
    // How often the player reports (the ledger counts a play live for 30 s after its last heartbeat).
    int heartbeat_seconds = 10;
    // Tests only: a file holding the audience clock in unix milliseconds, read at every tick.
    std::string test_clock_file;
    // Tests only: the free space the uploads' file system is said to have, in bytes.
    std::optional<std::int64_t> test_disk_free_bytes;
    // How long /media still serves a film's previous version after a new one is published.
    int previous_version_grace_seconds = 600;
    // Scheduled catalog backups (docs/backups.md): every N minutes (0: none), the newest `keep` kept,
    // in backup_dir (default: <data-dir>/backups).
    std::string backup_dir;
    int backup_every_minutes = 0;
    int backup_keep = 24;
    // ADDRESS:PORT of the Prometheus /metrics listener; empty: no metrics are kept or served.
    std::string metrics_listen;
    // /readyz fails when the data folder's disk can take fewer bytes than this beyond the uploads' reserve.
    int ready_min_free_mb = 1024;

    bool public_https() const { return public_url.starts_with("https://"); }
    media::media_layout layout() const { return media::media_layout(data_dir); }
    std::string catalog_path() const { return layout().catalog_db().string(); }
    // What catalog::open_catalog is given: the PostgreSQL URL, or else the SQLite file's path.
    std::string catalog_location() const { return catalog.empty() ? catalog_path() : catalog; }
    bool catalog_is_postgresql() const {
        return catalog.starts_with("postgresql://") || catalog.starts_with("postgres://");
    }
    std::string media_dir() const { return layout().media_dir().string(); }
    std::string backup_folder() const { return backup_dir.empty() ? data_dir + "/backups" : backup_dir; }
    nlohmann::json to_json() const;
};

// Builds the configuration from `festival serve` arguments (after "serve"), the environment
// (FESTIVAL_LISTEN, FESTIVAL_DATA_DIR, …) and an optional --config JSON file, through the one table
// of settings in config.cpp. Throws std::invalid_argument with a message for the user on a bad value.
std::shared_ptr<const config> load_config(const std::vector<std::string>& args);

// Every setting: its flag, environment variable, default and meaning, one a line (`festival serve --help`).
std::string settings_help();

// "127.0.0.1:8080" → address and port; throws std::invalid_argument.
void parse_listen(const std::string& text, std::string& address, unsigned short& port);

// The folder holding the running executable.
std::string executable_dir();

}  // namespace festival::server
