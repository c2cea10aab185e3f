#pragma once
// A festival whose data folder lives on a small file system: users, a published film with real HLS
// media, and checks that what the catalog names is on disk and served whole.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/faults/small_filesystem.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace festival::testing {

inline const std::string curator_email = "curator@festival.test";
inline const std::string curator_password = "curator password 2026";

struct fault_site {
    temp_dir outside;  // logs and generated clips: off the small file system
    small_filesystem disk;
    std::filesystem::path data;  // the festival's data folder, on `disk`
    std::unique_ptr<festival_process> server;

    explicit fault_site(std::uint64_t megabytes, small_filesystem::kind k = small_filesystem::kind::tmpfs);
    ~fault_site();

    std::string catalog_path() const { return (data / "catalog.db").string(); }
    std::filesystem::path film_dir(std::int64_t film) const { return data / "media" / std::to_string(film); }
    // A viewer's URL of a version's file, signed now as the server signs it.
    std::string media_url(std::int64_t film, std::int64_t version, const std::string& file) const;
    // `festival serve`, its log kept outside the small file system.
    void start_server(std::vector<std::string> extra = {});
    void stop_server();
    signed_in_client curator() const;
    // A short clip made with the ffmpeg CLI, outside the small file system.
    std::filesystem::path clip(const std::string& name, int seconds, const std::string& size) const;
    // A published film (created in the catalog) whose first version a worker transcodes from `clip`.
    std::int64_t published_film(const std::string& slug, const std::filesystem::path& clip);
    // Runs `festival-transcoder work --once` until the queue is empty; returns its exit code.
    int run_worker_once(const std::string& worker_id = "once");
    std::int64_t enqueue(std::int64_t film, const std::filesystem::path& source);
    std::optional<std::int64_t> media_version(std::int64_t film) const;
    // A new master of a published film waits as the pending version until a curator publishes it:
    // checks `version` is pending, then publishes it as the curator's "publish this version" does.
    void publish_pending(std::int64_t film, std::int64_t version) const;
    std::string job_status(std::int64_t job) const;
    std::string job_error(std::int64_t job) const;
    // The version folders (v<n>) and hidden work folders (.tmp-<n>) of a film on disk.
    std::vector<std::string> folders_of(std::int64_t film) const;
};

// Every file a master playlist references, directly or through its media playlists.
std::vector<std::string> files_of_version(const std::filesystem::path& version_dir);
// The film's current version is on disk whole: master.m3u8 and every playlist and segment it names.
void require_whole_on_disk(const fault_site& site, std::int64_t film, std::int64_t version);
// ...and GET /media serves each of those files.
void require_served_whole(unsigned short port, const fault_site& site, std::int64_t film, std::int64_t version);
// The JSON error shape: {"error":{"code","message"}}.
void require_error_shape(const http_result& result, const std::string& code = "");

}  // namespace festival::testing
