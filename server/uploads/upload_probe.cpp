#include "server/uploads/upload_probe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <system_error>

#include "transcoder/process/child_process.hpp"

namespace festival::server {
namespace {

probe_result unavailable(const std::string& why) {
    probe_result r;
    r.error_code = "probe_unavailable";
    r.error_message = "the file could not be checked: " + why;
    return r;
}

// What a refusal without the probe's own reason says, by what the file was meant to be.
struct refusal_words {
    const char* code;
    const char* message;
};

probe_result run_probe(const std::vector<std::string>& args, const refusal_words& refused, std::chrono::seconds limit,
                       const std::atomic<bool>* cancel) {
    const auto& transcoder = args.front();
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return unavailable("no pipe");
    pid_t pid = -1;
    try {
        pid = process::spawn_child(args, {.stdout_fd = out[1]});
    } catch (const std::system_error&) {
        ::close(out[0]);
        ::close(out[1]);
        return unavailable("cannot start " + transcoder);
    }
    ::close(out[1]);
    // Read its answer (bounded: a probe prints one small JSON object), then reap it.
    std::string output;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    bool timed_out = false;
    char buffer[4096];
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || (cancel && *cancel)) {
            timed_out = true;
            break;
        }
        pollfd p{out[0], POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        const ssize_t n = ::read(out[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (output.size() < 1024 * 1024) output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    if (timed_out) ::kill(pid, SIGKILL);
    const int status = process::wait_for_child(pid);
    if (timed_out) return unavailable(cancel && *cancel ? "the server is stopping" : "the probe took too long");

    nlohmann::json answer = nlohmann::json::parse(output, nullptr, false);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    probe_result result;
    if (code == 0 && answer.is_object() && !answer.contains("error")) {
        result.playable = true;
        result.facts = std::move(answer);
        return result;
    }
    if (answer.is_object() && answer.contains("error") && answer["error"].is_object()) {
        result.error_code = answer["error"].value("code", refused.code);
        result.error_message = answer["error"].value("message", refused.message);
        return result;
    }
    if (code == 2) {
        result.error_code = refused.code;
        result.error_message = refused.message;
        return result;
    }
    return unavailable("the probe stopped unexpectedly (status " + std::to_string(code) + ")");
}

}  // namespace

probe_result probe_film(const std::string& transcoder, const std::string& file, std::chrono::seconds limit,
                        const std::atomic<bool>* cancel) {
    return run_probe({transcoder, "probe", "--input", file}, {"not_a_film", "this file is not a playable film"}, limit,
                     cancel);
}

probe_result probe_audio(const std::string& transcoder, const std::string& file, std::chrono::seconds limit,
                         const std::atomic<bool>* cancel) {
    return run_probe({transcoder, "probe", "--audio", file},
                     {"not_audio", "this file is not a sound track we can play"}, limit, cancel);
}

}  // namespace festival::server
