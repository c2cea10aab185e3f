#pragma once
// Where everything lives under the data folder: the one owner of these names. Paths only, no I/O.
//   catalog.db
//   uploads/<upload>.part                      bytes of an upload in progress
//   sources/<film>/                            accepted masters, poster, subtitles/<lang>.vtt,
//                                              audio/<role>-<lang>-<upload><ext> (curators' tracks)
//   media/<film>/v<job>/                       one published HLS version (version_layout)
//   media/<film>/.tmp-<job>/                   a version being written, renamed to v<job> when whole
// URLs (/media/..., /preview/...) are the server's business, not this file's.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace festival::media {

// The files of one version folder (published or staged). The relative names are what the master
// playlist and the URLs use; the paths are under `root`.
class version_layout {
public:
    explicit version_layout(std::filesystem::path root) : root_(std::move(root)) {}

    static constexpr const char* master_name = "master.m3u8";
    static constexpr const char* manifest_name = "version.json";
    static constexpr const char* poster_name = "poster.jpg";
    static constexpr const char* storyboard_name = "storyboard.vtt";
    static constexpr const char* storyboard_image_name = "storyboard.jpg";
    static constexpr const char* subtitles_name = "subtitles";
    static constexpr const char* rung_playlist_name = "index.m3u8";
    static constexpr const char* audio_name = "audio";

    // "<rung>/index.m3u8", "subtitles/<lang>.m3u8", "<lang>.vtt" (relative to the subtitle playlist).
    static std::string rung_playlist_uri(const std::string& rung);
    static std::string subtitle_playlist_uri(const std::string& lang);
    static std::string subtitle_file_name(const std::string& lang);
    static std::string subtitle_playlist_name(const std::string& lang);
    // "audio/<id>/index.m3u8": an audio rendition's playlist (init and segments beside it).
    static std::string audio_playlist_uri(const std::string& id);

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path master_playlist() const { return root_ / master_name; }
    std::filesystem::path manifest() const { return root_ / manifest_name; }
    std::filesystem::path poster() const { return root_ / poster_name; }
    std::filesystem::path storyboard() const { return root_ / storyboard_name; }
    std::filesystem::path storyboard_image() const { return root_ / storyboard_image_name; }
    std::filesystem::path rung_dir(const std::string& rung) const { return root_ / rung; }
    std::filesystem::path rung_playlist(const std::string& rung) const { return root_ / rung_playlist_uri(rung); }
    std::filesystem::path subtitles_dir() const { return root_ / subtitles_name; }
    std::filesystem::path audio_dir() const { return root_ / audio_name; }
    std::filesystem::path audio_rendition_dir(const std::string& id) const { return audio_dir() / id; }
    std::filesystem::path audio_playlist(const std::string& id) const { return root_ / audio_playlist_uri(id); }
    std::filesystem::path subtitle_file(const std::string& lang) const { return subtitles_dir() / subtitle_file_name(lang); }
    std::filesystem::path subtitle_playlist(const std::string& lang) const {
        return subtitles_dir() / subtitle_playlist_name(lang);
    }

private:
    std::filesystem::path root_;
};

class media_layout {
public:
    explicit media_layout(std::filesystem::path data_dir) : data_dir_(std::move(data_dir)) {}

    const std::filesystem::path& data_dir() const { return data_dir_; }
    std::filesystem::path catalog_db() const { return data_dir_ / "catalog.db"; }
    // The advisory lock every `festival serve` holds shared and a restore exclusive (data_dir_lock).
    std::filesystem::path lock_file() const { return data_dir_ / "festival.lock"; }
    // The media tokens' secret, shared with the cache in front (media_token).
    std::filesystem::path media_token_secret() const { return data_dir_ / "media-token.secret"; }
    // The key that places viewer tokens in the whole-run unique-viewer sketches (server/audience/viewer_token).
    std::filesystem::path audience_sketch_secret() const { return data_dir_ / "audience-sketch.secret"; }
    std::filesystem::path uploads_dir() const { return data_dir_ / "uploads"; }
    std::filesystem::path upload_part(const std::string& upload_id) const { return uploads_dir() / (upload_id + ".part"); }
    std::filesystem::path sources_dir() const { return data_dir_ / "sources"; }
    std::filesystem::path media_dir() const { return data_dir_ / "media"; }

    // data/sources/<film>/: the film's masters, poster and stored subtitles.
    std::filesystem::path film_sources(std::int64_t film) const { return sources_dir() / std::to_string(film); }
    std::filesystem::path source_subtitles_dir(std::int64_t film) const { return film_sources(film) / "subtitles"; }
    std::filesystem::path source_subtitle(std::int64_t film, const std::string& lang) const {
        return source_subtitles_dir(film) / version_layout::subtitle_file_name(lang);
    }
    // data/sources/<film>/audio/: curators' audio tracks (audio description, dubs), one file per upload
    // (a new file replaces a track without touching the one a running job reads).
    std::filesystem::path source_audio_dir(std::int64_t film) const { return film_sources(film) / "audio"; }
    std::filesystem::path source_audio_track(std::int64_t film, const std::string& role, const std::string& lang,
                                             const std::string& upload_id, const std::string& extension) const {
        return source_audio_dir(film) / (role + "-" + lang + "-" + upload_id + extension);
    }

    // data/media/<film>/: every version of the film.
    std::filesystem::path film_media(std::int64_t film) const { return media_dir() / std::to_string(film); }
    std::filesystem::path version_dir(std::int64_t film, std::int64_t version) const;
    std::filesystem::path staging_dir(std::int64_t film, std::int64_t job) const;
    version_layout version(std::int64_t film, std::int64_t version) const { return version_layout(version_dir(film, version)); }
    version_layout staging(std::int64_t film, std::int64_t job) const { return version_layout(staging_dir(film, job)); }
    std::filesystem::path master_playlist(std::int64_t film, std::int64_t v) const { return version(film, v).master_playlist(); }

private:
    std::filesystem::path data_dir_;
};

// "v<version>": the folder of one published version, inside the film's media folder.
std::string version_folder(std::int64_t version);
// The version a folder name stands for ("v12" -> 12), nullopt for any other name.
std::optional<std::int64_t> version_of_folder(const std::string& name);
// ".tmp-<job>": the folder a job writes its version into.
std::string staging_folder(std::int64_t job);
// The job a staging folder name stands for (".tmp-7" -> 7), nullopt for any other name.
std::optional<std::int64_t> job_of_staging_folder(const std::string& name);
// The film a folder of media/ or sources/ stands for ("12" -> 12), nullopt for any other name.
std::optional<std::int64_t> film_of_folder(const std::string& name);

}  // namespace festival::media
