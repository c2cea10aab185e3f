// The sandbox of the processes that parse hostile media: a sandboxed festival-transcoder cannot open
// a socket, run a program, start a process or touch its parent, and the probe still works inside it.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.hpp"
#include "tests/transcoder/media_tools.hpp"

using namespace festival::testing;
namespace fs = std::filesystem;

TEST_CASE("a sandboxed transcoder cannot open a socket, exec, fork or signal its parent") {
    const auto r = run_transcoder({"sandbox-selftest"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["socket_inet"] == "denied EPERM");
    CHECK(j["socket_unix"] == "denied EPERM");
    CHECK(j["exec"] == "denied EPERM");
    CHECK(j["fork"] == "denied EPERM");
    CHECK(j["kill_parent"] == "denied EPERM");
    CHECK(j["ptrace_parent"] == "denied EPERM");
    CHECK(j["no_new_privs"] == true);
    CHECK(j["thread"] == true);  // libav and x264 still get their threads
    CHECK(j["open_file"] == true);
    if (::geteuid() == 0) CHECK(j["uid"] != 0);  // root gives way to an unprivileged user
}

TEST_CASE("the sandboxed probe reads a file only its owner may read, and still refuses what is not a film") {
    temp_dir dir;
    const auto clip = dir.path() / "clip.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2", "-c:v", "libx264", "-preset", "ultrafast",
                clip.string()});
    // Like an upload on disk (0640 by the server; here 0600): opened before the probe becomes nobody.
    fs::permissions(clip, fs::perms::owner_read | fs::perms::owner_write);
    const auto good = run_transcoder({"probe", "--input", clip.string()});
    REQUIRE_MESSAGE(good.exit_code == 0, good.out << good.err);
    CHECK(nlohmann::json::parse(good.out)["width"] == 320);

    const auto notes = dir.path() / "notes.mp4";
    std::ofstream(notes) << "not a film";
    fs::permissions(notes, fs::perms::owner_read | fs::perms::owner_write);
    const auto bad = run_transcoder({"probe", "--input", notes.string()});
    CHECK(bad.exit_code == 2);
    CHECK(nlohmann::json::parse(bad.out)["error"]["code"] == "not_a_film");
}

TEST_CASE("a film whose video codec a festival does not accept is refused before any decoder runs") {
    temp_dir dir;
    const auto clip = dir.path() / "lossless.mkv";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2", "-c:v", "ffv1", clip.string()});
    const auto r = run_transcoder({"probe", "--input", clip.string()});
    CHECK_MESSAGE(r.exit_code == 2, r.out << r.err);
    CHECK(nlohmann::json::parse(r.out)["error"]["code"] == "unsupported_codec");
}
