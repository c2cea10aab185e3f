#include "tests/support/festival_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "tests/support/test_catalog.hpp"

extern char** environ;

namespace festival::testing {
namespace {

std::string read_from(const std::string& path, off_t offset) {
    std::string seen;
    if (const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
        ::lseek(fd, offset, SEEK_SET);
        char buffer[4096];
        ssize_t n;
        while ((n = ::read(fd, buffer, sizeof buffer)) > 0) seen.append(buffer, static_cast<std::size_t>(n));
        ::close(fd);
    }
    return seen;
}

pid_t spawn_with_pipes(const std::vector<std::string>& args, int* stdout_read, int* stdin_write) {
    int out[2], in[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(in[0]);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
    *stdout_read = out[0];
    if (stdin_write) *stdin_write = in[1];
    else ::close(in[1]);
    return pid;
}

}  // namespace

festival_process::festival_process(const std::string& data_dir, std::vector<std::string> extra) {
    std::vector<std::string> args = {FESTIVAL_EXE, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir,
                                     "--transcoders", "0", "--access-log", "off"};
    if (festival::test::catalog_is_postgresql())
        args.insert(args.end(), {"--catalog", festival::test::catalog_location_of(data_dir)});
    args.insert(args.end(), extra.begin(), extra.end());
    // Output goes to a log file beside the data, appended across restarts, kept for diagnosis.
    log_path_ = data_dir + "/server.log";
    std::error_code no_log_yet;
    log_start_ = static_cast<off_t>(std::filesystem::file_size(log_path_, no_log_yet));
    if (no_log_yet) log_start_ = 0;
    pid_ = spawn_logged(args, log_path_);
    // The server prints {"event":"listening","url":"http://127.0.0.1:PORT/"} once it accepts.
    static const std::regex listening(R"re("url":"http://127\.0\.0\.1:(\d+)/")re");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (true) {
        const std::string seen = output();
        std::smatch m;
        if (std::regex_search(seen, m, listening)) {
            port_ = static_cast<unsigned short>(std::stoi(m[1]));
            return;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("festival serve exited early: " + seen);
        }
        if (std::chrono::steady_clock::now() > deadline) {
            kill_hard();
            throw std::runtime_error("festival serve did not start: " + seen);
        }
        ::usleep(20000);
    }
}

festival_process::~festival_process() {
    if (pid_ > 0) stop();
}

std::string festival_process::output() const { return read_from(log_path_, log_start_); }

void festival_process::kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

int festival_process::stop() {
    if (pid_ <= 0) return -1;
    const int status = terminate_child(pid_, 15);
    pid_ = -1;
    return status;
}

pid_t spawn_logged(const std::vector<std::string>& args, const std::string& log_path) {
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot open " + log_path);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(log_fd);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
    return pid;
}

int terminate_child(pid_t pid, int grace_seconds) {
    ::kill(pid, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        ::usleep(10000);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_command(const std::vector<std::string>& args, std::string& output, const std::string& stdin_text) {
    int out = -1, in = -1;
    // stderr joins stdout so messages can be checked.
    std::vector<std::string> shell = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1"};
    shell.insert(shell.end(), args.begin(), args.end());
    const pid_t pid = spawn_with_pipes(shell, &out, &in);
    if (!stdin_text.empty()) (void)!::write(in, stdin_text.data(), stdin_text.size());
    ::close(in);
    output.clear();
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(out, buffer, sizeof buffer)) > 0) output.append(buffer, static_cast<std::size_t>(n));
    ::close(out);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void write_test_clock(const std::filesystem::path& data_dir, std::int64_t ms) {
    const auto clock_file = data_dir / "clock";
    const auto temp = clock_file.string() + ".new";
    std::ofstream(temp) << ms << "\n";
    std::filesystem::rename(temp, clock_file);
}

void add_user_with_cli(const std::filesystem::path& data_dir, const std::string& email, const std::string& role,
                       const std::string& password) {
    std::string output;
    std::vector<std::string> command = {FESTIVAL_EXE, "user", "add", "--email", email, "--role", role, "--data-dir",
                                        data_dir.string()};
    if (festival::test::catalog_is_postgresql())
        command.insert(command.end(), {"--catalog", festival::test::catalog_location_of(data_dir)});
    REQUIRE_MESSAGE(run_command(command, output, password + "\n") == 0, output);
}

std::string festival_transcoder_exe() {
    return (std::filesystem::path(FESTIVAL_EXE).parent_path() / "festival-transcoder").string();
}

}  // namespace festival::testing
