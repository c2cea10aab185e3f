#include "transcoder/command_line.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "transcoder/av_handles.hpp"
#include "transcoder/demo_source.hpp"
#include "transcoder/film_transcode.hpp"
#include "transcoder/job_worker.hpp"
#include "transcoder/media_probe.hpp"

namespace festival::transcoder {
namespace {

const char* usage =
    "usage: festival-transcoder probe --input FILE\n"
    "       festival-transcoder demo-source --output FILE.mp4 [--seconds S] [--width W] [--height H] [--label TEXT]\n"
    "                                       [--no-audio] [--preset P] [--frame-rate N]\n"
    "       festival-transcoder transcode --input FILE --output DIR [--subtitle LANG=FILE.srt|.vtt]...\n"
    "                                     [--ladder 1080,720,480,360,240] [--preset veryfast] [--threads N]\n"
    "       festival-transcoder work --data-dir DIR [--worker-id NAME] [--lease-seconds 30] [--once]\n";

// Flags as --name value pairs (repeatable), plus bare switches listed in `switches`.
struct flags {
    std::multimap<std::string, std::string> values;

    std::string required(const std::string& name) const {
        auto it = values.find(name);
        if (it == values.end()) throw std::invalid_argument("missing --" + name);
        return it->second;
    }
    std::string get(const std::string& name, const std::string& fallback) const {
        auto it = values.find(name);
        return it == values.end() ? fallback : it->second;
    }
    int number(const std::string& name, int fallback) const {
        auto it = values.find(name);
        if (it == values.end()) return fallback;
        std::size_t used = 0;
        const int value = std::stoi(it->second, &used);
        if (used != it->second.size()) throw std::invalid_argument("--" + name + " needs a number");
        return value;
    }
    bool has(const std::string& name) const { return values.count(name) > 0; }
    std::vector<std::string> all(const std::string& name) const {
        std::vector<std::string> out;
        for (auto [it, end] = values.equal_range(name); it != end; ++it) out.push_back(it->second);
        return out;
    }
};

flags parse_flags(int argc, char** argv, int first, const std::vector<std::string>& switches) {
    flags f;
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (!arg.starts_with("--")) throw std::invalid_argument("unexpected argument " + arg);
        arg = arg.substr(2);
        if (std::find(switches.begin(), switches.end(), arg) != switches.end()) {
            f.values.emplace(arg, "1");
            continue;
        }
        if (i + 1 >= argc) throw std::invalid_argument("--" + arg + " needs a value");
        f.values.emplace(arg, argv[++i]);
    }
    return f;
}

void limit(int resource, rlim_t value) {
    rlimit current{};
    if (getrlimit(resource, &current) != 0) return;
    const rlimit wanted{std::min(value, current.rlim_max), current.rlim_max};
    setrlimit(resource, &wanted);
}

void print_error(const std::string& code, const std::string& message) {
    const auto line = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::printf("%s\n", line.c_str());
}

int probe_command(const flags& f) {
    // Probing hostile bytes: a small budget of memory (address space, which thread stacks and malloc
    // arenas also take) and CPU time.
    limit(RLIMIT_AS, rlim_t(4) << 30);
    limit(RLIMIT_CPU, 60);
    try {
        const auto info = probe_media(f.required("input"));
        std::printf("%s\n", media_info_to_json(info).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    } catch (const media_error& e) {
        print_error(e.code(), e.what());
        return 2;
    } catch (const std::bad_alloc&) {
        print_error("too_large", "the file needs more memory than a film may use");
        return 2;
    } catch (const std::invalid_argument&) {
        throw;  // a usage error, not the file's
    } catch (const std::exception& e) {
        print_error("unreadable", std::string("the file cannot be read as a film: ") + e.what());
        return 2;
    }
}

int demo_source_command(const flags& f) {
    // Made for a server that may stop at any moment: no orphan keeps encoding after it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    demo_source_options o;
    o.output = f.required("output");
    o.seconds = f.number("seconds", 10);
    o.width = f.number("width", 1280);
    o.height = f.number("height", 720);
    o.frame_rate = f.number("frame-rate", 25);
    o.label = f.get("label", "");
    o.preset = f.get("preset", "veryfast");
    o.audio = !f.has("no-audio");
    make_demo_source(o);
    return 0;
}

int transcode_command(const flags& f) {
    transcode_options o;
    o.input = f.required("input");
    const std::string output = f.required("output");
    for (const auto& item : f.all("subtitle")) {
        const auto equals = item.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == item.size())
            throw std::invalid_argument("--subtitle takes LANG=FILE, e.g. fr=film.fr.srt");
        o.subtitles.push_back({item.substr(0, equals), item.substr(equals + 1)});
    }
    if (f.has("ladder")) o.ladder = parse_ladder(f.required("ladder"));
    o.encoding.preset = f.get("preset", "veryfast");
    o.encoding.threads = f.number("threads", 0);
    const bool quiet = f.has("quiet");
    o.on_progress = [quiet](const transcode_progress& p) {
        if (quiet) return;
        std::fprintf(stderr, "{\"event\":\"progress\",\"percent\":%.1f,\"fps\":%.1f}\n", p.percent, p.fps);
    };
    try {
        const auto summary = transcode_and_publish(o, output);
        std::printf("%s\n", summary.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    } catch (const media_error& e) {
        print_error(e.code(), e.what());
        return 2;
    }
}

int work_command(const flags& f) {
    worker_options o;
    o.data_dir = f.required("data-dir");
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    o.worker_id = f.get("worker-id", std::string(host) + "-" + std::to_string(::getpid()));
    // The environment variable lets tests shorten the lease of workers the server starts.
    const char* lease = std::getenv("FESTIVAL_JOB_LEASE_SECONDS");
    o.lease_seconds = f.number("lease-seconds", lease ? std::atoi(lease) : 30);
    if (o.lease_seconds < 1) throw std::invalid_argument("--lease-seconds must be at least 1");
    o.once = f.has("once");
    // Likewise a faster x264 preset for workers a demo or a test starts.
    const char* preset = std::getenv("FESTIVAL_TRANSCODE_PRESET");
    o.encoding.preset = f.get("preset", preset && *preset ? preset : "veryfast");
    return run_worker(o);
}

}  // namespace

int run_command_line(int argc, char** argv) {
    route_av_log(false);
    if (argc < 2) {
        std::fputs(usage, stderr);
        return 1;
    }
    const std::string command = argv[1];
    try {
        if (command == "probe") return probe_command(parse_flags(argc, argv, 2, {}));
        if (command == "transcode") return transcode_command(parse_flags(argc, argv, 2, {"quiet"}));
        if (command == "work") return work_command(parse_flags(argc, argv, 2, {"once"}));
        if (command == "demo-source") return demo_source_command(parse_flags(argc, argv, 2, {"no-audio"}));
        std::fputs(usage, stderr);
        return 1;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "festival-transcoder %s: %s\n%s", command.c_str(), e.what(), usage);
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "festival-transcoder %s: %s\n", command.c_str(), e.what());
        return 1;
    }
}

}  // namespace festival::transcoder
