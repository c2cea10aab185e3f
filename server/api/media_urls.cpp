#include "server/api/media_urls.hpp"

#include "catalog/film_json.hpp"
#include "catalog/screening_window.hpp"

namespace festival::server {
namespace {

std::string version_path(std::int64_t film_id, std::int64_t version, const std::string& file) {
    return std::to_string(film_id) + "/v" + std::to_string(version) + "/" + file;
}

nlohmann::json media_json(const catalog::film& f, std::int64_t now, const media_token_signer& tokens, bool viewer_urls) {
    if (!f.media_version) return nullptr;
    const auto version = *f.media_version;
    // The same files for signed-in curators and organizers, before publication too.
    nlohmann::json media = {{"version", version}, {"preview", preview_url(f.id, version, "master.m3u8")}};
    if (!viewer_urls || !catalog::screening_window_of(f).screening_at(now)) return media;
    const auto token = tokens.issue(f.id, version, now);
    media["master"] = media_url(f.id, version, token, "master.m3u8");
    media["poster"] = media_url(f.id, version, token, "poster.jpg");
    media["storyboard"] = media_url(f.id, version, token, "storyboard.vtt");
    media["token"] = token;
    media["token_expires"] = tokens.expires_at(now);
    return media;
}

}  // namespace

std::string media_url(std::int64_t film_id, std::int64_t version, const std::string& token, const std::string& file) {
    return "/media/" + version_path(film_id, version, token + "/" + file);
}

std::string preview_url(std::int64_t film_id, std::int64_t version, const std::string& file) {
    return "/preview/" + version_path(film_id, version, file);
}

nlohmann::json film_json(const catalog::film& f, std::int64_t now, const media_token_signer& tokens,
                         const viewer_access& access) {
    auto j = catalog::film_to_json(f, now);
    // A gated film's tokens go only to admitted passes (POST …/access); a refused viewer gets none.
    j["media"] = media_json(f, now, tokens, !access.required && access.refusal.is_null());
    j["rights"] = access.rights;
    j["access"] = {{"required", access.required}, {"refusal", access.refusal}};
    return j;
}

nlohmann::json viewer_media_json(const catalog::film& f, std::int64_t now, const media_token_signer& tokens) {
    return media_json(f, now, tokens, true);
}

nlohmann::json pending_media_json(const catalog::film& f) {
    if (!f.pending_version) return nullptr;
    const auto version = *f.pending_version;
    return {{"version", version},
            {"preview", preview_url(f.id, version, "master.m3u8")},
            {"publish", "/api/films/" + std::to_string(f.id) + "/versions/" + std::to_string(version) + "/publish"}};
}

}  // namespace festival::server
