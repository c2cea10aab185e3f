#include "transcoder/command_line.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "transcoder/av_handles.hpp"
#include "transcoder/demo_source.hpp"
#include "transcoder/film_transcode.hpp"
#include "transcoder/job_worker.hpp"
#include "transcoder/media_probe.hpp"
#include "transcoder/process/command_flags.hpp"
#include "transcoder/process/log_event.hpp"
#include "transcoder/process/worker_settings.hpp"
#include "transcoder/sandbox.hpp"

extern char** environ;

namespace festival::transcoder {
namespace {

const char* usage =
    "usage: festival-transcoder probe --input FILE [--sandbox-user nobody]\n"
    "       festival-transcoder probe --audio FILE [--sandbox-user nobody]    (a curator's audio track)\n"
    "       festival-transcoder demo-source --output FILE.mp4 [--seconds S] [--width W] [--height H] [--label TEXT]\n"
    "                                       [--no-audio] [--preset P] [--frame-rate N]\n"
    "       festival-transcoder transcode --input FILE --output DIR [--subtitle LANG=FILE.srt|.vtt]...\n"
    "                                     [--audio-track description|dub:LANG=FILE]...\n"
    "                                     [--ladder 1080,720,480,360,240] [--preset veryfast] [--threads N]\n"
    "                                     [--max-output-file-mb 4096]\n"
    "       festival-transcoder work --data-dir DIR [--catalog FILE|postgresql://...] [--worker-id NAME]\n"
    "                                [--lease-seconds 30] [--once] [--preset veryfast] [--max-output-file-mb 4096]\n"
    "                                [--sandbox-user nobody]\n"
    "       festival-transcoder work --server URL --token-file FILE --work-dir DIR [--worker-id NAME] [--once] ...\n"
    "                                (a worker on another host; the token may come from FESTIVAL_WORKER_TOKEN)\n"
    "       festival-transcoder sandbox-selftest [--sandbox-user nobody]\n";

using process::command_flags;

// The flags of one sub-command, after its name: `switches` take no value.
command_flags parse_flags(int argc, char** argv, std::vector<std::string> switches) {
    return command_flags::parse(std::vector<std::string>(argv + 2, argv + argc), {.switches = std::move(switches)});
}

// The user a probe runs as when started as root.
sandbox_options probe_sandbox(const command_flags& f) {
    return {.user = f.get("sandbox-user", process::worker_settings{}.sandbox_user)};
}

std::uint64_t max_output_file_bytes(const command_flags& f) {
    const int mb = f.number("max-output-file-mb", static_cast<int>(default_max_output_file_bytes >> 20), 1, 1 << 20);
    return std::uint64_t(mb) << 20;
}

void print_error(const std::string& code, const std::string& message) {
    const auto line = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::printf("%s\n", line.c_str());
}

int probe_command(const command_flags& f) {
    // The file is opened first, as whoever started us (the server may be root, its uploads 0640),
    // then the process gives up its privileges and enters the sandbox before reading a byte of it.
    const bool audio_track = f.has("audio");
    if (audio_track && f.has("input")) throw std::invalid_argument("probe takes --input FILE or --audio FILE, not both");
    const std::string input = f.required(audio_track ? "audio" : "input");
    const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        print_error("unreadable", "no such file: " + input);
        return 2;
    }
    descriptor_guard guard{fd};
    process::apply_caps(probe_caps());
    enter_sandbox(probe_sandbox(f));
    try {
        const auto info = audio_track ? probe_audio_track(fd) : probe_media(fd);
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
        print_error("unreadable", std::string("the file cannot be read as ") + (audio_track ? "a sound track: " : "a film: ") + e.what());
        return 2;
    }
}

int demo_source_command(const command_flags& f) {
    // Made for a server that may stop at any moment: no orphan keeps encoding after it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    demo_source_options o;
    o.output = f.required("output");
    o.seconds = f.number("seconds", o.seconds, 1, 86400);
    o.width = f.number("width", o.width, 16, 8192);
    o.height = f.number("height", o.height, 16, 8192);
    o.frame_rate = f.number("frame-rate", o.frame_rate, 1, 240);
    o.label = f.get("label", "");
    o.preset = f.get("preset", o.preset);
    o.audio = !f.has("no-audio");
    make_demo_source(o);
    return 0;
}

int transcode_command(const command_flags& f) {
    transcode_options o;
    o.input = f.required("input");
    const std::string output = f.required("output");
    for (const auto& item : f.all("subtitle")) {
        const auto equals = item.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == item.size())
            throw std::invalid_argument("--subtitle takes LANG=FILE, e.g. fr=film.fr.srt");
        o.subtitles.push_back({item.substr(0, equals), item.substr(equals + 1), {}});
    }
    for (const auto& item : f.all("audio-track")) {
        const auto colon = item.find(':'), equals = item.find('=');
        const std::string role = item.substr(0, colon);
        if (colon == std::string::npos || equals == std::string::npos || equals < colon + 2 || equals + 1 == item.size() ||
            (role != "description" && role != "dub"))
            throw std::invalid_argument("--audio-track takes ROLE:LANG=FILE, ROLE description or dub, e.g. description:fr=ad.wav");
        o.audio_tracks.push_back({item.substr(colon + 1, equals - colon - 1), role, "", item.substr(equals + 1), -1});
    }
    if (f.has("ladder")) o.ladder = parse_ladder(f.required("ladder"));
    o.encoding.preset = f.get("preset", o.encoding.preset);
    o.encoding.threads = f.number("threads", o.encoding.threads, 0, 256);
    const bool quiet = f.has("quiet");
    // Its own user and files: the sandbox keeps the caller's user (it writes where the caller asked).
    process::apply_caps(transcode_caps(max_output_file_bytes(f)));
    enter_sandbox({.user = ""});
    o.on_progress = [quiet](const transcode_progress& p) {
        if (quiet) return;
        log_event("progress", {{"percent", std::round(p.percent * 10) / 10}, {"fps", std::round(p.fps * 10) / 10}});
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

// The worker token of a remote worker: the first line of --token-file, else FESTIVAL_WORKER_TOKEN (never a
// flag: command lines are visible to every user of the host).
std::string worker_token(const command_flags& f) {
    std::string token;
    if (f.has("token-file")) {
        std::ifstream in(f.get("token-file", ""));
        if (!in) throw std::invalid_argument("cannot read --token-file " + f.get("token-file", ""));
        std::getline(in, token);
    } else if (const char* from_env = std::getenv("FESTIVAL_WORKER_TOKEN")) {
        token = from_env;
    }
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
    if (token.empty()) throw std::invalid_argument("a remote worker needs its token: --token-file FILE or FESTIVAL_WORKER_TOKEN");
    return token;
}

int work_command(const command_flags& f) {
    worker_options o;
    if (f.has("server")) {
        o.remote.server = f.required("server");
        o.remote.work_dir = f.required("work-dir");
        o.remote.token = worker_token(f);
    } else {
        o.data_dir = f.required("data-dir");
    }
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    o.worker_id = f.get("worker-id", std::string(host) + "-" + std::to_string(::getpid()));
    o.once = f.has("once");
    // Lease, preset, sandbox user and file cap come as flags from whoever starts the worker.
    const auto settings = process::worker_settings::from_flags(f);
    o.lease_seconds = settings.lease_seconds;
    o.encoding.preset = settings.preset;
    o.max_output_file_bytes = std::uint64_t(settings.max_output_file_mb) << 20;
    o.sandbox_user = settings.sandbox_user;  // the user each transcode child runs as, when started as root
    o.catalog = settings.catalog;
    return run_worker(o);
}

// Proof that the sandbox holds: enters it exactly as a probe does, then tries what it must refuse.
// Prints one JSON object (each attempt: "denied EPERM" or what happened) and exits 0 only when every
// attempt was refused and ordinary work (files, threads) still works.
int sandbox_selftest_command(const command_flags& f) {
    process::apply_caps(probe_caps());
    enter_sandbox(probe_sandbox(f));
    nlohmann::json report;
    bool held = true;
    auto outcome = [&](const char* what, bool succeeded) {
        const int error = errno;
        if (succeeded) held = false;
        report[what] = succeeded ? std::string("allowed") : std::string("denied ") + ::strerrorname_np(error);
    };
    errno = 0;
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    outcome("socket_inet", s >= 0);
    if (s >= 0) ::close(s);
    s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    outcome("socket_unix", s >= 0);
    if (s >= 0) ::close(s);
    char* const sh_argv[] = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"), const_cast<char*>("exit 0"), nullptr};
    outcome("exec", ::execve("/bin/sh", sh_argv, environ) == 0);
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    if (child > 0) ::waitpid(child, nullptr, 0);
    outcome("fork", child >= 0);
    outcome("kill_parent", ::kill(::getppid(), 0) == 0);
    outcome("ptrace_parent", ::ptrace(PTRACE_ATTACH, ::getppid(), nullptr, nullptr) == 0);
    // What a probe or a transcode needs keeps working.
    bool thread_ran = false;
    std::thread([&] { thread_ran = true; }).join();
    report["thread"] = thread_ran;
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    report["open_file"] = null >= 0;
    if (null >= 0) ::close(null);
    held = held && thread_ran && null >= 0;
    report["uid"] = ::getuid();
    report["no_new_privs"] = ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
    std::printf("%s\n", report.dump().c_str());
    return held ? 0 : 1;
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
        if (command == "probe") return probe_command(parse_flags(argc, argv, {}));
        if (command == "transcode") return transcode_command(parse_flags(argc, argv, {"quiet"}));
        if (command == "work") return work_command(parse_flags(argc, argv, {"once"}));
        if (command == "sandbox-selftest") return sandbox_selftest_command(parse_flags(argc, argv, {}));
        if (command == "demo-source") return demo_source_command(parse_flags(argc, argv, {"no-audio"}));
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
