#include "server/uploads/upload_repackage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "catalog/uploads.hpp"
#include "server/api/film_files.hpp"
#include "server/uploads/upload_completion.hpp"
#include "server/uploads/upload_store.hpp"
#include "transcoder/media/hls_playlists.hpp"
#include "transcoder/media/media_folders.hpp"
#include "transcoder/media/subtitles.hpp"

namespace festival::server {
namespace {

namespace fs = std::filesystem;

constexpr const char* repackager = "server-subtitles";

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Throws std::system_error with errno, so that a full disk is answered 507 (dispatcher.cpp).
void write_durably(const fs::path& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot write " + path.string());
    const ssize_t written = ::write(fd, text.data(), text.size());
    const int error = written < 0 ? errno : written != static_cast<ssize_t>(text.size()) ? ENOSPC
                                                                                        : ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    if (error != 0) throw std::system_error(error, std::generic_category(), "cannot write " + path.string());
}

// The film's length as the first variant's playlist says (sum of its segments).
double duration_of(const fs::path& version, const std::string& master) {
    std::istringstream lines(master);
    std::string line;
    while (std::getline(lines, line)) {
        while (!line.empty() && line.back() == '\r') line.pop_back();  // every CR: rewriting twice changes nothing
        if (!line.empty() && line[0] != '#') return transcoder::measure_media_playlist((version / line).string()).duration_seconds;
    }
    throw std::runtime_error("the master playlist lists no variant");
}

// Hard links every file of `from` into `to` (same file system: no byte is copied), but the master.
void link_tree(const fs::path& from, const fs::path& to) {
    for (const auto& entry : fs::recursive_directory_iterator(from)) {
        const auto relative = fs::relative(entry.path(), from);
        if (entry.is_directory()) {
            fs::create_directories(to / relative);
        } else if (relative != "master.m3u8") {
            fs::create_directories((to / relative).parent_path());
            fs::create_hard_link(entry.path(), to / relative);
        }
    }
}

}  // namespace

std::string master_with_subtitles(const std::string& master, const std::vector<std::string>& languages) {
    std::istringstream lines(master);
    std::string line, out;
    bool media_written = false;
    const std::string group = ",SUBTITLES=\"subs\"";
    while (std::getline(lines, line)) {
        while (!line.empty() && line.back() == '\r') line.pop_back();  // every CR: rewriting twice changes nothing
        if (line.rfind("#EXT-X-MEDIA:", 0) == 0 && line.find("TYPE=SUBTITLES") != std::string::npos) continue;
        if (line.rfind("#EXT-X-STREAM-INF:", 0) == 0) {
            if (!media_written) {
                for (const auto& lang : languages)
                    out += transcoder::subtitle_rendition_line(
                        {lang, transcoder::language_name(lang), "subtitles/" + lang + ".m3u8"});
                media_written = true;
            }
            for (auto at = line.find(group); at != std::string::npos; at = line.find(group)) line.erase(at, group.size());
            if (!languages.empty()) line += group;
        }
        out += line + "\n";
    }
    return out;
}

std::optional<std::int64_t> repackage_subtitles(festival_app& app, std::int64_t film_id,
                                                const std::optional<std::string>& dropped) {
    auto& db = app.catalog.local();
    const auto film = catalog::find_film(db, film_id);
    if (!film || !film->media_version) return std::nullopt;
    const auto film_dir = fs::path(app.settings->media_dir()) / std::to_string(film_id);
    const auto current = film_dir / transcoder::version_folder(*film->media_version);
    if (!fs::exists(current / "master.m3u8")) return std::nullopt;
    const auto made_by = catalog::find_job(db, *film->media_version);
    const auto stored = stored_subtitles(app, film_id);
    const auto job = catalog::start_server_job(db, film_id, made_by ? made_by->source_path : current.string(), stored,
                                               repackager, catalog::unix_now() + 3600);
    const auto work = film_dir / (".tmp-" + std::to_string(job));
    try {
        fs::remove_all(work);
        fs::create_directories(work);
        link_tree(current, work);
        const auto subtitles = work / "subtitles";
        fs::create_directories(subtitles);
        // The stored files replace the version's own for their language; the others stay.
        const auto master = read_text(current / "master.m3u8");
        const double duration = duration_of(current, master);
        for (const auto& s : stored) {
            std::error_code ignored;
            fs::remove(subtitles / (s.lang + ".vtt"), ignored);
            fs::remove(subtitles / (s.lang + ".m3u8"), ignored);
            write_durably(subtitles / (s.lang + ".vtt"), read_text(s.path));
            write_durably(subtitles / (s.lang + ".m3u8"), transcoder::subtitle_media_playlist(s.lang + ".vtt", duration));
        }
        if (dropped) {
            fs::remove(subtitles / (*dropped + ".vtt"));
            fs::remove(subtitles / (*dropped + ".m3u8"));
        }
        std::set<std::string> languages;
        for (const auto& entry : fs::directory_iterator(subtitles))
            if (entry.path().extension() == ".m3u8" && fs::exists(subtitles / (entry.path().stem().string() + ".vtt")))
                languages.insert(entry.path().stem().string());
        write_durably(work / "master.m3u8",
                      master_with_subtitles(master, std::vector<std::string>(languages.begin(), languages.end())));
        sync_directory(subtitles);
        sync_directory(work);
        const auto published = film_dir / transcoder::version_folder(job);
        fs::rename(work, published);
        sync_directory(film_dir);
        if (!catalog::finish_job(db, job, repackager)) throw std::runtime_error("the job was cancelled");
    } catch (const std::exception& e) {
        std::error_code ignored;
        fs::remove_all(work, ignored);
        catalog::fail_job(db, job, repackager, std::string("repackaging subtitles: ") + e.what(), true);
        throw;
    }
    app.refresh_availability();
    // The superseded versions go, whoever made them: a removed track must not stay downloadable.
    prune_film_versions(app, film_id);
    std::fprintf(stderr, "{\"event\":\"subtitles_repackaged\",\"film\":%lld,\"version\":%lld}\n",
                 static_cast<long long>(film_id), static_cast<long long>(job));
    return job;
}

}  // namespace festival::server
