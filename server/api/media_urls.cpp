#include "server/api/media_urls.hpp"

#include "catalog/film_json.hpp"

namespace festival::server {
namespace {

std::string version_path(std::int64_t film_id, std::int64_t version, const std::string& file) {
    return std::to_string(film_id) + "/v" + std::to_string(version) + "/" + file;
}

nlohmann::json media_json(const catalog::film& f) {
    if (!f.media_version) return nullptr;
    const auto version = *f.media_version;
    return {{"version", version},
            {"master", media_url(f.id, version, "master.m3u8")},
            {"poster", media_url(f.id, version, "poster.jpg")},
            {"storyboard", media_url(f.id, version, "storyboard.vtt")},
            // The same files for signed-in curators and organizers, before publication too.
            {"preview", preview_url(f.id, version, "master.m3u8")}};
}

}  // namespace

std::string media_url(std::int64_t film_id, std::int64_t version, const std::string& file) {
    return "/media/" + version_path(film_id, version, file);
}

std::string preview_url(std::int64_t film_id, std::int64_t version, const std::string& file) {
    return "/preview/" + version_path(film_id, version, file);
}

nlohmann::json film_json(const catalog::film& f, std::int64_t now) {
    auto j = catalog::film_to_json(f, now);
    j["media"] = media_json(f);
    return j;
}

nlohmann::json pending_media_json(const catalog::film& f) {
    if (!f.pending_version) return nullptr;
    const auto version = *f.pending_version;
    return {{"version", version},
            {"preview", preview_url(f.id, version, "master.m3u8")},
            {"publish", "/api/films/" + std::to_string(f.id) + "/versions/" + std::to_string(version) + "/publish"}};
}

}  // namespace festival::server
