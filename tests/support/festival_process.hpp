#pragma once
// A real `festival serve` child process on 127.0.0.1 and a free port, stopped when the test ends.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace festival::testing {

class festival_process {
public:
    // Starts the server on data_dir with `extra` flags and waits until it listens.
    explicit festival_process(const std::string& data_dir, std::vector<std::string> extra = {});
    ~festival_process();
    festival_process(const festival_process&) = delete;
    festival_process& operator=(const festival_process&) = delete;

    unsigned short port() const { return port_; }
    pid_t pid() const { return pid_; }
    // SIGKILL: no shutdown code runs, as in a crash.
    void kill_hard();
    // SIGTERM and wait; returns the exit status.
    int stop();
    bool running() const { return pid_ > 0; }
    // What this server printed so far (stdout and stderr, from its start).
    std::string output() const;

private:
    pid_t pid_ = -1;
    unsigned short port_ = 0;
    std::string log_path_;
    off_t log_start_ = 0;
};

// Starts `args` (an absolute path first) in the background, stdout and stderr appended to `log_path`.
pid_t spawn_logged(const std::vector<std::string>& args, const std::string& log_path);
// SIGTERM to `pid`, SIGKILL once `grace_seconds` have passed; its exit status as a shell shows it.
int terminate_child(pid_t pid, int grace_seconds);

// Runs a command to completion; returns its exit code and fills `output` with stdout+stderr.
int run_command(const std::vector<std::string>& args, std::string& output, const std::string& stdin_text = "");

// Adds an account to the catalog in data_dir with `festival user add` (password on stdin); the test
// stops, showing the command's output, if that fails.
// Sets the time a server started with --test-clock-file <data_dir>/clock reads (unix ms); renamed into
// place, so no server ever reads a half-written time.
void write_test_clock(const std::filesystem::path& data_dir, std::int64_t ms);
void add_user_with_cli(const std::filesystem::path& data_dir, const std::string& email, const std::string& role,
                       const std::string& password);

// The festival-transcoder built beside festival.
std::string festival_transcoder_exe();

}  // namespace festival::testing
