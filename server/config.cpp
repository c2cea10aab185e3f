#include "server/config.hpp"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#ifndef FESTIVAL_DEFAULT_WEB_DIR
#define FESTIVAL_DEFAULT_WEB_DIR "web"
#endif

namespace festival::server {
namespace {

int parse_int(const std::string& name, const std::string& value, int low, int high) {
    try {
        std::size_t used = 0;
        const int n = std::stoi(value, &used);
        if (used == value.size() && n >= low && n <= high) return n;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument(name + " must be a number from " + std::to_string(low) + " to " +
                                std::to_string(high) + ", not '" + value + "'");
}

// One setting, by name, from any source. Unknown names are errors so typos do not pass silently.
void apply(config& c, const std::string& name, const std::string& value) {
    if (name == "listen") parse_listen(value, c.listen_address, c.listen_port);
    else if (name == "data-dir") c.data_dir = value;
    else if (name == "web-dir") c.web_dir = value;
    else if (name == "transcoder") c.transcoder_path = value;
    else if (name == "io-threads") c.io_threads = parse_int(name, value, 1, 64);
    else if (name == "worker-threads") c.worker_threads = parse_int(name, value, 1, 256);
    else if (name == "transcoders") c.transcoders = parse_int(name, value, 0, 32);
    else if (name == "access-log") c.access_log = value != "off" && value != "false" && value != "0";
    else if (name == "secure-cookies") c.secure_cookies = value != "off" && value != "false" && value != "0";
    else if (name == "sign-in-window-seconds") c.sign_in_window_seconds = parse_int(name, value, 1, 86400);
    else if (name == "password-threads") c.password_threads = parse_int(name, value, 1, 16);
    else if (name == "password-queue") c.password_queue = parse_int(name, value, 1, 1024);
    else if (name == "session-hours") c.session_lifetime_seconds = parse_int(name, value, 1, 24 * 90) * 3600LL;
    else if (name == "max-upload-gb") c.max_upload_bytes = parse_int(name, value, 1, 100000) * 1000LL * 1000 * 1000;
    else if (name == "demo") c.demo = value != "false" && value != "0";
    else if (name == "view-seconds") c.view_seconds = parse_int(name, value, 1, 86400);
    else if (name == "play-expiry-seconds") c.play_expiry_seconds = parse_int(name, value, 60, 7 * 86400);
    else if (name == "audience-flush-ms") c.audience_flush_ms = parse_int(name, value, 10, 86'400'000);
    else if (name == "viewers-per-address") c.viewers_per_address = parse_int(name, value, 1, 1'000'000);
    else if (name == "version-grace-seconds") c.previous_version_grace_seconds = parse_int(name, value, 0, 7 * 86400);
    else throw std::invalid_argument("unknown setting '" + name + "'");
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
        apply(c, name, value.is_string() ? value.get<std::string>() : value.dump());
}

void apply_environment(config& c) {
    static const std::pair<const char*, const char*> names[] = {
        {"FESTIVAL_LISTEN", "listen"},           {"FESTIVAL_DATA_DIR", "data-dir"},
        {"FESTIVAL_WEB_DIR", "web-dir"},         {"FESTIVAL_TRANSCODERS", "transcoders"},
        {"FESTIVAL_IO_THREADS", "io-threads"},   {"FESTIVAL_WORKER_THREADS", "worker-threads"},
        {"FESTIVAL_ACCESS_LOG", "access-log"},   {"FESTIVAL_VIEW_SECONDS", "view-seconds"},
        {"FESTIVAL_PLAY_EXPIRY_SECONDS", "play-expiry-seconds"},
        {"FESTIVAL_AUDIENCE_FLUSH_MS", "audience-flush-ms"},
        {"FESTIVAL_SECURE_COOKIES", "secure-cookies"},
        {"FESTIVAL_VIEWERS_PER_ADDRESS", "viewers-per-address"},
        {"FESTIVAL_VERSION_GRACE_SECONDS", "version-grace-seconds"}};
    for (const auto& [env, name] : names)
        if (const char* value = std::getenv(env)) apply(c, name, value);
}

}  // namespace

void parse_listen(const std::string& text, std::string& address, unsigned short& port) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw std::invalid_argument("--listen wants ADDRESS:PORT, e.g. 127.0.0.1:8080, not '" + text + "'");
    address = text.substr(0, colon);
    if (address.size() > 2 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
    port = static_cast<unsigned short>(parse_int("port", text.substr(colon + 1), 0, 65535));
}

std::string executable_dir() {
    char buffer[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (n <= 0) return ".";
    return std::filesystem::path(std::string(buffer, static_cast<std::size_t>(n))).parent_path().string();
}

nlohmann::json config::to_json() const {
    return {{"listen", listen_address + ":" + std::to_string(listen_port)},
            {"data_dir", data_dir},
            {"web_dir", web_dir},
            {"transcoder", transcoder_path},
            {"transcoders", transcoders},
            {"demo", demo},
            {"io_threads", io_threads},
            {"worker_threads", worker_threads},
            {"access_log", access_log},
            {"session_lifetime_seconds", session_lifetime_seconds},
            {"secure_cookies", secure_cookies},
            {"sign_in_window_seconds", sign_in_window_seconds},
            {"password_threads", password_threads},
            {"password_queue", password_queue},
            {"max_upload_bytes", max_upload_bytes},
            {"view_seconds", view_seconds},
            {"play_expiry_seconds", play_expiry_seconds},
            {"audience_flush_ms", audience_flush_ms},
            {"viewers_per_address", viewers_per_address},
            {"previous_version_grace_seconds", previous_version_grace_seconds}};
}

std::shared_ptr<const config> load_config(const std::vector<std::string>& args) {
    config c;
    // A --config file comes before the environment, which comes before the other flags.
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "--config") apply_file(c, args[i + 1]);
    apply_environment(c);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + arg + "'");
        std::string name = arg.substr(2), value;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        } else if (name == "demo") {
            value = "true";
        } else {
            if (i + 1 >= args.size()) throw std::invalid_argument(arg + " needs a value");
            value = args[++i];
        }
        if (name == "config") continue;
        apply(c, name, value);
    }
    if (c.web_dir.empty()) c.web_dir = FESTIVAL_DEFAULT_WEB_DIR;
    if (c.transcoder_path.empty()) c.transcoder_path = executable_dir() + "/festival-transcoder";
    return std::make_shared<const config>(std::move(c));
}

}  // namespace festival::server
