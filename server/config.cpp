#include "server/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <stdexcept>
#include <utility>

#include "transcoder/process/command_flags.hpp"

// Where the pages are (server/CMakeLists.txt): installed, <bin>/../share/festival/web; run from the
// build tree, the source tree's web/ (edited pages are served at once) and the vendor files the build
// copied from node_modules.
#ifndef FESTIVAL_INSTALLED_WEB_DIR
#define FESTIVAL_INSTALLED_WEB_DIR "../share/festival/web"
#endif
#ifndef FESTIVAL_BUILD_DIR
#define FESTIVAL_BUILD_DIR ""
#endif
#ifndef FESTIVAL_SOURCE_WEB_DIR
#define FESTIVAL_SOURCE_WEB_DIR "web"
#endif
#ifndef FESTIVAL_BUILD_VENDOR_DIR
#define FESTIVAL_BUILD_VENDOR_DIR "web/vendor"
#endif

namespace festival::server {
namespace {

using process::parse_number;
using process::parse_switch;

// "http(s)://host[:port]", a trailing slash dropped; no path, query or user part.
std::string checked_public_url(std::string url) {
    if (!url.empty() && url.back() == '/') url.pop_back();
    if (url.empty()) return url;
    const auto scheme_end = url.find("://");
    const auto scheme = scheme_end == std::string::npos ? std::string() : url.substr(0, scheme_end);
    const auto authority = scheme_end == std::string::npos ? std::string() : url.substr(scheme_end + 3);
    if ((scheme != "http" && scheme != "https") || authority.empty() ||
        authority.find_first_of("/?#@ \t\r\n") != std::string::npos)
        throw std::invalid_argument("public-url wants http(s)://HOST[:PORT], e.g. https://festival.example, not '" + url + "'");
    return url;
}

// One setting: its name (the flag without "--", and the key in a --config file), its environment
// variable ("" when it has none), its meaning, how its text is read, and its value (shown as the
// default in the help, from a default-constructed config: defaults live only in the structs).
struct setting {
    const char* name;
    const char* env;
    const char* help;
    std::function<void(config&, const std::string&)> apply;
    std::function<nlohmann::json(const config&)> value;
};

// `field` is a generic lambda naming a member: [](auto& c) -> auto& { return c.view_seconds; }.
void assign(int& to, int n) { to = n; }
void assign(std::size_t& to, int n) { to = static_cast<std::size_t>(n); }
void assign(std::chrono::seconds& to, int n) { to = std::chrono::seconds(n); }
nlohmann::json shown(const std::chrono::seconds& s) { return s.count(); }
template <class T>
nlohmann::json shown(const T& value) {
    return value;
}

template <class Field>
setting number(const char* name, const char* env, const char* help, int low, int high, Field field) {
    return {name, env, help, [=](config& c, const std::string& v) { assign(field(c), parse_number(name, v, low, high)); },
            [=](const config& c) { return shown(field(c)); }};
}
template <class Field>
setting text(const char* name, const char* env, const char* help, Field field) {
    return {name, env, help, [=](config& c, const std::string& v) { field(c) = v; },
            [=](const config& c) { return shown(field(c)); }};
}
template <class Field>
setting toggle(const char* name, const char* env, const char* help, Field field) {
    return {name, env, help, [=](config& c, const std::string& v) { field(c) = parse_switch(v); },
            [=](const config& c) { return shown(field(c)); }};
}

// THE table of `festival serve` settings. Unknown names are errors so typos do not pass silently.
const std::vector<setting>& settings() {
    static const std::vector<setting> table = {
        {"listen", "FESTIVAL_LISTEN", "ADDRESS:PORT to accept connections on (port 0 picks a free one)",
         [](config& c, const std::string& v) { parse_listen(v, c.http.address, c.http.port); },
         [](const config& c) -> nlohmann::json { return c.http.address + ":" + std::to_string(c.http.port); }},
        text("data-dir", "FESTIVAL_DATA_DIR", "folder of the catalog, uploads and media",
             [](auto& c) -> auto& { return c.data_dir; }),
        text("catalog", "FESTIVAL_CATALOG",
             "postgresql://… URL of a catalog shared by several server nodes (default: DATA-DIR/catalog.db, SQLite)",
             [](auto& c) -> auto& { return c.catalog; }),
        text("node-name", "FESTIVAL_NODE_NAME", "this node's name among nodes sharing a catalog (default: host:port)",
             [](auto& c) -> auto& { return c.node_name; }),
        text("web-dir", "FESTIVAL_WEB_DIR",
             "folder of the pages (default: share/festival/web of the installation, or the source tree's web/)",
             [](auto& c) -> auto& { return c.web_dir; }),
        text("vendor-dir", "FESTIVAL_VENDOR_DIR",
             "folder of the browser libraries served at /vendor/ (default: WEB-DIR/vendor, or the build tree's)",
             [](auto& c) -> auto& { return c.vendor_dir; }),
        text("transcoder", "", "festival-transcoder executable (default: beside festival)",
             [](auto& c) -> auto& { return c.transcoder_path; }),
        number("transcoders", "FESTIVAL_TRANSCODERS", "transcoder processes to run (0: none)", 0, 32,
               [](auto& c) -> auto& { return c.transcoders; }),
        number("io-threads", "FESTIVAL_IO_THREADS", "threads serving connections", 1, 64,
               [](auto& c) -> auto& { return c.http.io_threads; }),
        number("worker-threads", "FESTIVAL_WORKER_THREADS", "threads for requests that may block (SQLite writes)", 1,
               256, [](auto& c) -> auto& { return c.http.worker_threads; }),
        number("read-timeout-seconds", "FESTIVAL_READ_TIMEOUT_SECONDS", "longest wait for the next bytes of a request",
               1, 3600, [](auto& c) -> auto& { return c.http.read_timeout; }),
        number("idle-timeout-seconds", "FESTIVAL_IDLE_TIMEOUT_SECONDS",
               "how long a kept-alive connection may wait for its next request", 1, 3600,
               [](auto& c) -> auto& { return c.http.idle_timeout; }),
        number("shutdown-grace-seconds", "FESTIVAL_SHUTDOWN_GRACE_SECONDS",
               "how long requests in flight may finish on shutdown", 0, 3600,
               [](auto& c) -> auto& { return c.http.shutdown_grace; }),
        number("header-limit-bytes", "FESTIVAL_HEADER_LIMIT_BYTES", "largest request header (larger: 431)", 1024,
               1 << 20, [](auto& c) -> auto& { return c.http.header_limit; }),
        {"trusted-proxies", "FESTIVAL_TRUSTED_PROXIES",
         "reverse proxies whose Forwarded / X-Forwarded-For name the client (addresses, CIDRs; comma-separated)",
         [](config& c, const std::string& v) { c.http.proxies = trusted_proxies::parse(v); },
         [](const config& c) -> nlohmann::json { return c.http.proxies.text(); }},
        toggle("access-log", "FESTIVAL_ACCESS_LOG", "one log line per request (off, false or 0: none)",
               [](auto& c) -> auto& { return c.http.access_log; }),
        toggle("secure-cookies", "FESTIVAL_SECURE_COOKIES", "mark the session cookie Secure (behind HTTPS)",
               [](auto& c) -> auto& { return c.secure_cookies; }),
        {"public-url", "FESTIVAL_PUBLIC_URL",
         "where viewers reach the festival, e.g. https://festival.example (https: Secure cookie, HSTS, redirects)",
         [](config& c, const std::string& v) { c.public_url = checked_public_url(v); },
         [](const config& c) -> nlohmann::json { return c.public_url; }},
        number("media-token-seconds", "FESTIVAL_MEDIA_TOKEN_SECONDS",
               "S: a media URL's token lives between S and 2S seconds", 1, 3600,
               [](auto& c) -> auto& { return c.media_token_seconds; }),
        text("media-token-secret-file", "FESTIVAL_MEDIA_TOKEN_SECRET_FILE",
             "the media tokens' secret, one line (default: media-token.secret in the data folder, made once)",
             [](auto& c) -> auto& { return c.media_token_secret_file; }),
        text("geo-database", "FESTIVAL_GEO_DATABASE",
             "MaxMind-format country database for the films' country rules (none: the rule is off)",
             [](auto& c) -> auto& { return c.geo_database; }),
        number("sign-in-window-seconds", "", "window over which failed sign-ins are counted", 1, 86400,
               [](auto& c) -> auto& { return c.sign_in_window_seconds; }),
        number("password-threads", "", "threads hashing passwords", 1, 16,
               [](auto& c) -> auto& { return c.http.password_threads; }),
        number("password-queue", "", "sign-ins waiting or hashing at once (more: 503)", 1, 1024,
               [](auto& c) -> auto& { return c.http.password_queue_limit; }),
        {"session-hours", "", "lifetime of a sign-in session",
         [](config& c, const std::string& v) { c.session_lifetime_seconds = parse_number("session-hours", v, 1, 24 * 90) * 3600LL; },
         [](const config& c) -> nlohmann::json { return c.session_lifetime_seconds / 3600; }},
        {"max-upload-gb", "", "largest film upload, in GB",
         [](config& c, const std::string& v) {
             c.max_upload_bytes = parse_number("max-upload-gb", v, 1, 100000) * 1000LL * 1000 * 1000;
         },
         [](const config& c) -> nlohmann::json { return c.max_upload_bytes / (1000LL * 1000 * 1000); }},
        toggle("demo", "", "seed demo accounts and films (a switch)", [](auto& c) -> auto& { return c.demo; }),
        number("view-seconds", "FESTIVAL_VIEW_SECONDS", "seconds played that make a view", 1, 86400,
               [](auto& c) -> auto& { return c.view_seconds; }),
        number("play-expiry-seconds", "FESTIVAL_PLAY_EXPIRY_SECONDS", "silence after which a play ends", 60, 7 * 86400,
               [](auto& c) -> auto& { return c.play_expiry_seconds; }),
        number("audience-flush-ms", "FESTIVAL_AUDIENCE_FLUSH_MS", "how often audience counts are written to the catalog",
               10, 86'400'000, [](auto& c) -> auto& { return c.audience_flush_ms; }),
        number("viewers-per-address", "FESTIVAL_VIEWERS_PER_ADDRESS", "viewers counted behind one address a day", 1,
               1'000'000, [](auto& c) -> auto& { return c.viewers_per_address; }),
        number("heartbeat-seconds", "FESTIVAL_HEARTBEAT_SECONDS", "how often the player reports a play", 1, 30,
               [](auto& c) -> auto& { return c.heartbeat_seconds; }),
        number("version-grace-seconds", "FESTIVAL_VERSION_GRACE_SECONDS",
               "how long a replaced media version is still served", 0, 7 * 86400,
               [](auto& c) -> auto& { return c.previous_version_grace_seconds; }),
        text("backup-dir", "FESTIVAL_BACKUP_DIR", "folder of scheduled catalog backups (default: DATA-DIR/backups)",
             [](auto& c) -> auto& { return c.backup_dir; }),
        number("backup-every-minutes", "FESTIVAL_BACKUP_EVERY_MINUTES", "minutes between catalog backups (0: none)", 0,
               7 * 24 * 60, [](auto& c) -> auto& { return c.backup_every_minutes; }),
        number("backup-keep", "FESTIVAL_BACKUP_KEEP", "scheduled backups kept (the newest)", 1, 100000,
               [](auto& c) -> auto& { return c.backup_keep; }),
        {"metrics-listen", "FESTIVAL_METRICS_LISTEN",
         "ADDRESS:PORT serving Prometheus /metrics (empty: off; keep it private)",
         [](config& c, const std::string& v) {
             std::string address;
             unsigned short port = 0;
             if (!v.empty()) parse_listen(v, address, port);
             c.metrics_listen = v;
             c.http.metrics = !v.empty();
         },
         [](const config& c) -> nlohmann::json { return c.metrics_listen; }},
        number("ready-min-free-mb", "FESTIVAL_READY_MIN_FREE_MB",
               "free disk (MB, beyond the uploads' reserve) below which /readyz fails", 0, 1 << 30,
               [](auto& c) -> auto& { return c.ready_min_free_mb; }),
        number("job-lease-seconds", "FESTIVAL_JOB_LEASE_SECONDS",
               "a transcoder that stops renewing its job loses it after this", 1, 86400,
               [](auto& c) -> auto& { return c.worker.lease_seconds; }),
        {"transcode-preset", "FESTIVAL_TRANSCODE_PRESET", "x264 preset of the transcoders",
         [](config& c, const std::string& v) {
             if (v.empty()) throw std::invalid_argument("transcode-preset must not be empty");
             c.worker.preset = v;
         },
         [](const config& c) -> nlohmann::json { return c.worker.preset; }},
        text("sandbox-user", "", "user the transcoders' children run as when the server runs as root",
             [](auto& c) -> auto& { return c.worker.sandbox_user; }),
        number("max-output-file-mb", "", "largest file one transcode may write, in MiB", 1, 1 << 20,
               [](auto& c) -> auto& { return c.worker.max_output_file_mb; }),
        text("test-clock-file", "", "tests only: a file holding the audience clock in unix milliseconds",
             [](auto& c) -> auto& { return c.test_clock_file; }),
        {"test-disk-free-bytes", "", "tests only: the free space the uploads' disk is said to have",
         [](config& c, const std::string& v) {
             c.test_disk_free_bytes = parse_number("test-disk-free-bytes", v, 0, std::numeric_limits<int>::max());
         },
         [](const config& c) { return c.test_disk_free_bytes ? nlohmann::json(*c.test_disk_free_bytes) : nlohmann::json(""); }},
    };
    return table;
}

const setting& find_setting(const std::string& name) {
    for (const auto& s : settings())
        if (name == s.name) return s;
    throw std::invalid_argument("unknown setting '" + name + "'");
}

void apply_file(config& c, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::invalid_argument("cannot read config file " + path);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {  // bad syntax, or a number no double holds
        throw std::invalid_argument("config file " + path + " is not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw std::invalid_argument("config file " + path + " must hold a JSON object");
    for (const auto& [name, value] : j.items())
        find_setting(name).apply(c, value.is_string() ? value.get<std::string>() : value.dump());
}

void apply_environment(config& c) {
    for (const auto& s : settings())
        if (*s.env)
            if (const char* value = std::getenv(s.env)) s.apply(c, value);
}

// The pages and vendor folders when none is set: the installation's, found relative to this
// executable so that an installed festival needs no flag; else, for an executable inside the build
// tree (festival, the test executables), the source tree's pages and the build's vendor files. An
// executable elsewhere gets the installation's path anyway: the start-up check then names what is missing.
std::pair<std::string, std::string> default_web_folders() {
    namespace fs = std::filesystem;
    const fs::path executable = executable_dir();
    const auto installed = (executable / FESTIVAL_INSTALLED_WEB_DIR).lexically_normal();
    std::error_code error;
    if (fs::is_directory(installed, error)) return {installed.string(), (installed / "vendor").string()};
    const fs::path build = FESTIVAL_BUILD_DIR;
    if (!build.empty()) {
        const auto relative = executable.lexically_relative(fs::weakly_canonical(build, error));
        if (!relative.empty() && *relative.begin() != "..") return {FESTIVAL_SOURCE_WEB_DIR, FESTIVAL_BUILD_VENDOR_DIR};
    }
    return {installed.string(), (installed / "vendor").string()};
}

}  // namespace

void parse_listen(const std::string& text, std::string& address, unsigned short& port) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw std::invalid_argument("--listen wants ADDRESS:PORT, e.g. 127.0.0.1:8080, not '" + text + "'");
    address = text.substr(0, colon);
    if (address.size() > 2 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
    port = static_cast<unsigned short>(parse_number("port", text.substr(colon + 1), 0, 65535));
}

std::string executable_dir() {
    char buffer[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (n <= 0) return ".";
    return std::filesystem::path(std::string(buffer, static_cast<std::size_t>(n))).parent_path().string();
}

nlohmann::json config::to_json() const {
    return {{"listen", http.address + ":" + std::to_string(http.port)},
            {"data_dir", data_dir},
            // The URL may carry a password: only which engine is logged.
            {"catalog", catalog_is_postgresql() ? "postgresql" : "sqlite"},
            {"node_name", node_name},
            {"web_dir", web_dir},
            {"vendor_dir", vendor_dir},
            {"transcoder", transcoder_path},
            {"transcoders", transcoders},
            {"demo", demo},
            {"io_threads", http.io_threads},
            {"worker_threads", http.worker_threads},
            {"read_timeout_seconds", http.read_timeout.count()},
            {"idle_timeout_seconds", http.idle_timeout.count()},
            {"shutdown_grace_seconds", http.shutdown_grace.count()},
            {"header_limit_bytes", http.header_limit},
            {"trusted_proxies", http.proxies.text()},
            {"access_log", http.access_log},
            {"session_lifetime_seconds", session_lifetime_seconds},
            {"secure_cookies", secure_cookies},
            {"public_url", public_url},
            {"media_token_seconds", media_token_seconds},
            {"media_token_secret_file", media_token_secret_file},
            {"geo_database", geo_database},
            {"sign_in_window_seconds", sign_in_window_seconds},
            {"password_threads", http.password_threads},
            {"password_queue", http.password_queue_limit},
            {"max_upload_bytes", max_upload_bytes},
            {"view_seconds", view_seconds},
            {"play_expiry_seconds", play_expiry_seconds},
            {"audience_flush_ms", audience_flush_ms},
            {"viewers_per_address", viewers_per_address},
            {"heartbeat_seconds", heartbeat_seconds},
            {"previous_version_grace_seconds", previous_version_grace_seconds},
            {"backup_dir", backup_folder()},
            {"backup_every_minutes", backup_every_minutes},
            {"backup_keep", backup_keep},
            {"metrics_listen", metrics_listen},
            {"ready_min_free_mb", ready_min_free_mb},
            {"job_lease_seconds", worker.lease_seconds},
            {"transcode_preset", worker.preset},
            {"sandbox_user", worker.sandbox_user},
            {"max_output_file_mb", worker.max_output_file_mb}};
}

std::shared_ptr<const config> load_config(const std::vector<std::string>& args) {
    std::vector<std::string> names = {"config"};
    for (const auto& s : settings()) names.emplace_back(s.name);
    const auto flags = process::command_flags::parse(args, {.switches = {"demo"}, .known = names});
    config c;
    // A --config file comes before the environment, which comes before the other flags.
    for (const auto& file : flags.all("config")) apply_file(c, file);
    apply_environment(c);
    for (const auto& [name, value] : flags.in_order())
        if (name != "config") find_setting(name).apply(c, value);
    if (c.web_dir.empty()) {
        const auto [pages, vendor] = default_web_folders();
        c.web_dir = pages;
        if (c.vendor_dir.empty()) c.vendor_dir = vendor;
    }
    if (c.vendor_dir.empty()) c.vendor_dir = c.web_dir + "/vendor";
    // Scheduled backups copy the SQLite file; a PostgreSQL catalog is backed up by pg_dump.
    if (c.catalog_is_postgresql() && c.backup_every_minutes > 0)
        throw std::invalid_argument("backup-every-minutes copies a SQLite catalog: back up a PostgreSQL catalog with "
                                    "pg_dump (docs/postgresql.md)");
    // Public over HTTPS: the cookie must never travel in clear, and browsers are told to come back
    // only over HTTPS (on every answer, from the HTTP core).
    if (c.public_https()) {
        c.secure_cookies = true;
        c.http.every_answer_lines = "Strict-Transport-Security: max-age=31536000\r\n";
    }
    if (c.transcoder_path.empty()) c.transcoder_path = executable_dir() + "/festival-transcoder";
    return std::make_shared<const config>(std::move(c));
}

std::string settings_help() {
    const config defaults;
    std::string out = "festival serve settings (flag --NAME VALUE, key NAME in a --config FILE, or the variable):\n";
    for (const auto& s : settings()) {
        const auto shown = s.value(defaults);
        std::string line = std::string("  --") + s.name;
        line.resize(std::max<std::size_t>(line.size() + 1, 28), ' ');
        line += s.help;
        if (!(shown.is_string() && shown.get<std::string>().empty())) line += " [" + (shown.is_string() ? shown.get<std::string>() : shown.dump()) + "]";
        if (*s.env) line += std::string(" (") + s.env + ")";
        out += line + '\n';
    }
    return out;
}

}  // namespace festival::server
