#include "tests/transcoder/media_tools.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

extern char** environ;

namespace festival::testing {
namespace {

std::map<std::string, std::string> attributes_of(const std::string& list) {
    std::map<std::string, std::string> out;
    std::size_t i = 0;
    while (i < list.size()) {
        const auto equals = list.find('=', i);
        if (equals == std::string::npos) break;
        const auto name = list.substr(i, equals - i);
        std::string value;
        std::size_t next;
        if (equals + 1 < list.size() && list[equals + 1] == '"') {
            const auto close = list.find('"', equals + 2);
            value = list.substr(equals + 2, close - equals - 2);
            next = close + 1;
        } else {
            next = list.find(',', equals);
            value = list.substr(equals + 1, next == std::string::npos ? std::string::npos : next - equals - 1);
        }
        out[name] = value;
        if (next == std::string::npos || next >= list.size()) break;
        i = next + 1;
    }
    return out;
}

}  // namespace

process_result run_process(const std::vector<std::string>& args) {
    int out[2], err[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, copy[0].c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    REQUIRE_MESSAGE(rc == 0, "cannot start " << args[0]);
    process_result result;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open = 2;
    char buffer[8192];
    while (open > 0) {
        ::poll(fds, 2, -1);
        for (int k = 0; k < 2; ++k) {
            if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP))) continue;
            const auto n = ::read(fds[k].fd, buffer, sizeof buffer);
            if (n <= 0) {
                ::close(fds[k].fd);
                fds[k].fd = -1;
                --open;
            } else {
                (k == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
            }
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

process_result run_transcoder(const std::vector<std::string>& args) {
    std::vector<std::string> all = {FESTIVAL_TRANSCODER_EXE};
    all.insert(all.end(), args.begin(), args.end());
    return run_process(all);
}

void make_media(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"ffmpeg", "-nostdin", "-v", "error", "-y"};
    all.insert(all.end(), args.begin(), args.end());
    const auto r = run_process(all);
    REQUIRE_MESSAGE(r.exit_code == 0, "ffmpeg failed: " << r.err);
}

nlohmann::json probe_json(const std::filesystem::path& file, const std::vector<std::string>& args) {
    std::vector<std::string> all = {"ffprobe", "-v", "error", "-of", "json"};
    all.insert(all.end(), args.begin(), args.end());
    all.push_back(file.string());
    const auto r = run_process(all);
    REQUIRE_MESSAGE(r.exit_code == 0, "ffprobe failed on " << file << ": " << r.err);
    return nlohmann::json::parse(r.out);
}

std::vector<double> keyframe_times(const std::filesystem::path& playlist) {
    const auto j = probe_json(playlist, {"-select_streams", "v:0", "-show_entries", "packet=pts_time,flags"});
    std::vector<double> times;
    for (const auto& p : j["packets"])
        if (p.value("flags", "").find('K') != std::string::npos) times.push_back(std::stod(p["pts_time"].get<std::string>()));
    std::sort(times.begin(), times.end());
    return times;
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<playlist_entry> stream_entries(const std::string& master) {
    std::vector<playlist_entry> out;
    std::istringstream in(master);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("#EXT-X-STREAM-INF:", 0) == 0) {
            playlist_entry e{attributes_of(line.substr(18)), ""};
            std::getline(in, e.uri);
            out.push_back(e);
        }
    }
    return out;
}

std::vector<playlist_entry> media_entries(const std::string& master) {
    std::vector<playlist_entry> out;
    std::istringstream in(master);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("#EXT-X-MEDIA:", 0) == 0) {
            auto a = attributes_of(line.substr(13));
            out.push_back({a, a["URI"]});
        }
    return out;
}

std::vector<playlist_entry> video_variants(const std::string& master) {
    std::vector<playlist_entry> videos;
    for (auto& entry : stream_entries(master))
        if (entry.attributes.count("RESOLUTION")) videos.push_back(std::move(entry));
    return videos;
}

}  // namespace festival::testing
