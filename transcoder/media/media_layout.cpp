#include "transcoder/media/media_layout.hpp"

namespace festival::media {
namespace {

constexpr std::string_view staging_prefix = ".tmp-";

// Digits only, at most 18 of them (fits std::int64_t), nothing else.
std::optional<std::int64_t> number_of(std::string_view digits) {
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    return std::stoll(std::string(digits));
}

}  // namespace

std::string version_layout::rung_playlist_uri(const std::string& rung) { return rung + "/" + rung_playlist_name; }
std::string version_layout::subtitle_playlist_uri(const std::string& lang) {
    return std::string(subtitles_name) + "/" + subtitle_playlist_name(lang);
}
std::string version_layout::subtitle_file_name(const std::string& lang) { return lang + ".vtt"; }
std::string version_layout::subtitle_playlist_name(const std::string& lang) { return lang + ".m3u8"; }
std::string version_layout::audio_playlist_uri(const std::string& id) {
    return std::string(audio_name) + "/" + id + "/" + rung_playlist_name;
}

std::filesystem::path media_layout::version_dir(std::int64_t film, std::int64_t version) const {
    return film_media(film) / version_folder(version);
}

std::filesystem::path media_layout::staging_dir(std::int64_t film, std::int64_t job) const {
    return film_media(film) / staging_folder(job);
}

std::string version_folder(std::int64_t version) {
    std::string name = std::to_string(version);  // not "v" + to_string(): GCC 12 warns (-Wrestrict) on that
    return name.insert(0, 1, 'v');
}

std::optional<std::int64_t> version_of_folder(const std::string& name) {
    if (name.size() < 2 || name[0] != 'v') return std::nullopt;
    return number_of(std::string_view(name).substr(1));
}

std::string staging_folder(std::int64_t job) { return std::string(staging_prefix) + std::to_string(job); }

std::optional<std::int64_t> job_of_staging_folder(const std::string& name) {
    if (!name.starts_with(staging_prefix)) return std::nullopt;
    return number_of(std::string_view(name).substr(staging_prefix.size()));
}

std::optional<std::int64_t> film_of_folder(const std::string& name) { return number_of(name); }

}  // namespace festival::media
