#include "tests/faults/fault_site.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "catalog/database.hpp"
#include "catalog/film_curators.hpp"
#include "catalog/film_json.hpp"
#include "tests/support/signed_media_url.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "catalog/schema.hpp"
#include "tests/transcoder/media_tools.hpp"

namespace festival::testing {
namespace {

namespace fs = std::filesystem;

std::string text_of(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// URIs a playlist names: its plain lines and URI="…" attributes.
std::vector<std::string> uris_in(const std::string& playlist) {
    static const std::regex attribute(R"re(URI="([^"]+)")re");
    std::vector<std::string> uris;
    std::istringstream lines(playlist);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        if (line[0] != '#') {
            uris.push_back(line);
            continue;
        }
        for (std::sregex_iterator it(line.begin(), line.end(), attribute), end; it != end; ++it)
            uris.push_back((*it)[1]);
    }
    return uris;
}

}  // namespace

fault_site::fault_site(std::uint64_t megabytes, small_filesystem::kind k) : disk(megabytes, k), data(disk.path() / "data") {
    fs::create_directories(data);
    // The server appends its output to data/server.log: keep it off the small file system.
    fs::create_symlink(outside.path() / "server.log", data / "server.log");
    add_user_with_cli(data, curator_email, "curator", curator_password);
}

fault_site::~fault_site() { server.reset(); }

void fault_site::start_server(std::vector<std::string> extra) {
    extra.push_back("--transcoder");
    extra.push_back(festival_transcoder_exe());
    server = std::make_unique<festival_process>(data.string(), extra);
}

void fault_site::stop_server() { server.reset(); }

signed_in_client fault_site::curator() const { return sign_in(server->port(), curator_email, curator_password); }

fs::path fault_site::clip(const std::string& name, int seconds, const std::string& size) const {
    const auto path = outside.path() / name;
    if (!fs::exists(path))
        make_media({"-f", "lavfi", "-i", "testsrc2=s=" + size + ":r=25:d=" + std::to_string(seconds), "-f", "lavfi",
                    "-i", "sine=d=" + std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                    "-shortest", path.string()});
    return path;
}

std::int64_t fault_site::published_film(const std::string& slug, const fs::path& source) {
    std::int64_t film = 0;
    {
        auto db = catalog::open_catalog(catalog_path());
        film = catalog::create_film(db, catalog::film_from_json({{"slug", slug},
                                                                 {"original_title", "Film " + slug},
                                                                 {"category", "short"},
                                                                 {"published", true}}))
                   .id;
        // The film is the site's curator's to change.
        catalog::set_film_curators(db, film, {curator_email});
    }
    const auto job = enqueue(film, source);
    REQUIRE(run_worker_once("setup") == 0);
    REQUIRE_MESSAGE(job_status(job) == "done", job_error(job));
    REQUIRE(media_version(film) == job);
    return film;
}

int fault_site::run_worker_once(const std::string& worker_id) {
    std::string output;
    const int code = run_command({festival_transcoder_exe(), "work", "--data-dir", data.string(), "--worker-id",
                                  worker_id, "--lease-seconds", "2", "--preset", "ultrafast", "--once"},
                                 output);
    std::ofstream(outside.path() / "worker.log", std::ios::app) << output;
    return code;
}

std::int64_t fault_site::enqueue(std::int64_t film, const fs::path& source) {
    auto db = catalog::open_catalog(catalog_path());
    return catalog::enqueue_job(db, film, source.string(), {});
}

std::optional<std::int64_t> fault_site::media_version(std::int64_t film) const {
    catalog::database db(catalog_path());
    return catalog::find_film(db, film)->media_version;
}

void fault_site::publish_pending(std::int64_t film, std::int64_t version) const {
    catalog::database db(catalog_path());
    REQUIRE(catalog::find_film(db, film)->pending_version == version);
    catalog::publish_pending_version(db, film, version);
}

std::string fault_site::job_status(std::int64_t job) const {
    catalog::database db(catalog_path());
    return catalog::to_string(catalog::find_job(db, job)->status);
}

std::string fault_site::job_error(std::int64_t job) const {
    catalog::database db(catalog_path());
    return catalog::find_job(db, job)->error.value_or("");
}

std::vector<std::string> fault_site::folders_of(std::int64_t film) const {
    std::vector<std::string> names;
    std::error_code ec;
    for (auto it = fs::directory_iterator(film_dir(film), ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> files_of_version(const fs::path& version_dir) {
    std::vector<std::string> files = {"master.m3u8"};
    std::set<std::string> seen(files.begin(), files.end());
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (!files[i].ends_with(".m3u8")) continue;
        const auto base = fs::path(files[i]).parent_path();
        for (const auto& uri : uris_in(text_of(version_dir / files[i]))) {
            const auto relative = (base / uri).lexically_normal().string();
            if (seen.insert(relative).second) files.push_back(relative);
        }
    }
    return files;
}

void require_whole_on_disk(const fault_site& site, std::int64_t film, std::int64_t version) {
    const auto dir = site.film_dir(film) / ("v" + std::to_string(version));
    REQUIRE_MESSAGE(fs::exists(dir / "master.m3u8"), dir << " has no master.m3u8");
    const auto files = files_of_version(dir);
    CHECK(files.size() > 2);
    for (const auto& file : files) {
        const auto path = dir / file;
        CHECK_MESSAGE(fs::is_regular_file(path), path.string() << " is missing");
    }
}

void require_served_whole(unsigned short port, const fault_site& site, std::int64_t film, std::int64_t version) {
    const auto dir = site.film_dir(film) / ("v" + std::to_string(version));
    for (const auto& file : files_of_version(dir)) {
        const auto target = site.media_url(film, version, file);
        const auto got = http_call(port, "GET", target);
        CHECK_MESSAGE(got.status == 200, target);
        CHECK_MESSAGE(got.body.size() == fs::file_size(dir / file), target);
    }
}

void require_error_shape(const http_result& result, const std::string& code) {
    INFO(result.status, " ", result.body);
    const auto body = nlohmann::json::parse(result.body, nullptr, false);
    REQUIRE(body.is_object());
    REQUIRE(body.contains("error"));
    CHECK(body["error"]["code"].is_string());
    CHECK(body["error"]["message"].is_string());
    if (!code.empty()) CHECK(body["error"]["code"] == code);
}

std::string fault_site::media_url(std::int64_t film, std::int64_t version, const std::string& file) const {
    return festival::testing::signed_media_url(data, film, version, file);
}

}  // namespace festival::testing
