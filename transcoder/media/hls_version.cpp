#include "transcoder/media/hls_version.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/hls_playlists.hpp"
#include "transcoder/media/subtitles.hpp"

namespace festival::media {
namespace {

namespace fs = std::filesystem;

// The manifest comes from the transcoder's sandboxed child, which reads hostile files: its names
// must stay inside the version folder.
bool safe_relative(const std::string& uri) {
    if (uri.empty() || uri.size() > 200 || uri[0] == '/') return false;
    for (const auto& part : fs::path(uri)) if (part == ".." || part == ".") return false;
    return uri.find_first_of("\"\\\r\n") == std::string::npos;
}

bool safe_language(const std::string& lang) {
    return !lang.empty() && lang.size() <= 35 &&
           lang.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == std::string::npos;
}

// The attributes of an EXT-X-STREAM-INF line ("A=1,B=\"x,y\""), as name/value pairs, quotes removed.
std::vector<std::pair<std::string, std::string>> attributes_of(std::string_view list) {
    std::vector<std::pair<std::string, std::string>> found;
    while (!list.empty()) {
        const auto equals = list.find('=');
        if (equals == std::string_view::npos) break;
        std::string name(list.substr(0, equals));
        list.remove_prefix(equals + 1);
        std::string value;
        if (!list.empty() && list[0] == '"') {
            const auto close = list.find('"', 1);
            value = std::string(list.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
            list.remove_prefix(close == std::string_view::npos ? list.size() : close + 1);
        } else {
            const auto comma = list.find(',');
            value = std::string(list.substr(0, comma));
            list.remove_prefix(comma == std::string_view::npos ? list.size() : comma);
        }
        found.emplace_back(std::move(name), std::move(value));
        if (!list.empty() && list[0] == ',') list.remove_prefix(1);
    }
    return found;
}

template <typename Number>
Number number_or_zero(const std::string& text) {
    try {
        if constexpr (std::is_floating_point_v<Number>) return static_cast<Number>(std::stod(text));
        else return static_cast<Number>(std::stoll(text));
    } catch (const std::exception&) {
        return 0;
    }
}

hls_variant variant_of_attributes(std::string_view list) {
    hls_variant v;
    for (const auto& [name, value] : attributes_of(list)) {
        if (name == "BANDWIDTH") v.bandwidth = number_or_zero<std::int64_t>(value);
        else if (name == "AVERAGE-BANDWIDTH") v.average_bandwidth = number_or_zero<std::int64_t>(value);
        else if (name == "CODECS" && value.find_first_of("\"\r\n") == std::string::npos) v.codecs = value;
        else if (name == "FRAME-RATE") v.frame_rate = std::round(number_or_zero<double>(value) * 1000) / 1000;  // as written
        else if (name == "RESOLUTION") {
            const auto x = value.find('x');
            if (x != std::string::npos) {
                v.width = number_or_zero<int>(value.substr(0, x));
                v.height = number_or_zero<int>(value.substr(x + 1));
            }
        }
    }
    return v;
}

// Languages with both their WebVTT file and its playlist in the folder's subtitles/.
std::vector<std::string> subtitle_languages_in(const version_layout& folder) {
    std::vector<std::string> languages;
    std::error_code ec;
    for (auto entry = fs::directory_iterator(folder.subtitles_dir(), ec); !ec && entry != fs::directory_iterator();
         entry.increment(ec)) {
        const auto lang = entry->path().stem().string();
        if (entry->path().extension() == ".m3u8" && safe_language(lang) && fs::exists(folder.subtitle_file(lang))) languages.push_back(lang);
    }
    std::sort(languages.begin(), languages.end());
    return languages;
}

bool safe_name(const std::string& name) {
    return !name.empty() && name.size() <= 100 && name.find_first_of("\"\r\n") == std::string::npos;
}

bool known_role(const std::string& role) {
    return role == "original" || role == "original-51" || role == "description" || role == "dub";
}

// In versions whose rungs carry the sound, the stereo original has no URI of its own in the group.
bool in_rungs(const hls_version& version, const hls_audio_rendition& r) {
    return version.sound_in_rungs && r.role == "original";
}

std::string audio_rendition_line(const hls_version& version, const hls_audio_rendition& r) {
    const bool muxed = in_rungs(version, r);
    std::string line = "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"" + r.name + "\",LANGUAGE=\"" + r.language +
                       "\",DEFAULT=" + (r.role == "original" ? "YES" : "NO") + ",AUTOSELECT=YES,CHANNELS=\"" +
                       std::to_string(r.channels) + "\"";
    if (r.role == "description") line += ",CHARACTERISTICS=\"public.accessibility.describes-video\"";
    if (!muxed) line += ",URI=\"" + r.uri + "\"";
    return line + "\n";
}

}  // namespace

std::vector<std::string> audio_track_ids(const std::vector<std::pair<std::string, std::string>>& roles_and_languages) {
    std::vector<std::string> ids;
    std::map<std::string, int> seen;
    for (const auto& [role, language] : roles_and_languages) {
        const std::string base = role + "-" + language;
        const int n = ++seen[base];
        ids.push_back(n == 1 ? base : base + "-" + std::to_string(n));
    }
    return ids;
}

std::string audio_rendition_name(const std::string& role, const std::string& language) {
    if (role == "original") return "Original";
    if (role == "original-51") return "Original 5.1";
    if (role == "description") return "Audio description (" + language + ")";
    return "Dubbed (" + language + ")";
}

std::string master_playlist(const hls_version& version) {
    const bool subtitles = !version.subtitle_languages.empty();
    std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
    for (const auto& lang : version.subtitle_languages)
        out += subtitle_rendition_line({lang, language_name(lang), version_layout::subtitle_playlist_uri(lang)});
    const hls_audio_rendition* stereo = nullptr;
    std::int64_t heaviest_alternate = 0;  // the largest rendition a player may load beside a rung
    std::int64_t heaviest_average = 0;    // the same, on average (video-only rungs)
    std::string audio_codecs;             // the group's, for video-only rungs' CODECS
    for (const auto& r : version.audio_renditions) {
        out += audio_rendition_line(version, r);
        if (r.role == "original") stereo = &r;
        if (in_rungs(version, r)) continue;
        heaviest_alternate = std::max(heaviest_alternate, r.bandwidth);
        heaviest_average = std::max(heaviest_average, r.average_bandwidth);
        if (("," + audio_codecs + ",").find("," + r.codecs + ",") == std::string::npos)
            audio_codecs += (audio_codecs.empty() ? "" : ",") + r.codecs;
    }
    const bool audio_group = !version.audio_renditions.empty();
    const bool video_only = audio_group && !version.sound_in_rungs;
    for (const auto& v : version.variants) {
        // RFC 8216 4.3.4.2: BANDWIDTH covers the variant with the largest rendition of its group.
        out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(v.bandwidth + heaviest_alternate);
        if (v.average_bandwidth > 0)
            out += ",AVERAGE-BANDWIDTH=" + std::to_string(v.average_bandwidth + (video_only ? heaviest_average : 0));
        if (v.width > 0 && v.height > 0) out += ",RESOLUTION=" + std::to_string(v.width) + "x" + std::to_string(v.height);
        if (!v.codecs.empty()) out += ",CODECS=\"" + v.codecs + (video_only ? "," + audio_codecs : "") + "\"";
        if (v.frame_rate > 0) {
            char rate[32];
            std::snprintf(rate, sizeof rate, "%.3f", v.frame_rate);
            out += ",FRAME-RATE=";
            out += rate;
        }
        if (audio_group) out += ",AUDIO=\"audio\"";
        if (subtitles) out += ",SUBTITLES=\"subs\"";
        out += "\n" + v.uri + "\n";
    }
    if (stereo && !stereo->uri.empty()) {
        // Sound only: the stereo original on its own, for the smallest connections.
        out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(stereo->bandwidth);
        if (stereo->average_bandwidth > 0) out += ",AVERAGE-BANDWIDTH=" + std::to_string(stereo->average_bandwidth);
        out += ",CODECS=\"" + stereo->codecs + "\",AUDIO=\"audio\"";
        if (subtitles) out += ",SUBTITLES=\"subs\"";
        out += "\n" + stereo->uri + "\n";
    }
    return out;
}

nlohmann::json version_to_json(const hls_version& version) {
    auto variants = nlohmann::json::array();
    for (const auto& v : version.variants)
        variants.push_back({{"uri", v.uri}, {"bandwidth", v.bandwidth}, {"average_bandwidth", v.average_bandwidth},
                            {"width", v.width}, {"height", v.height}, {"codecs", v.codecs}, {"frame_rate", v.frame_rate}});
    auto audio = nlohmann::json::array();
    for (const auto& r : version.audio_renditions)
        audio.push_back({{"id", r.id}, {"name", r.name}, {"language", r.language}, {"role", r.role},
                         {"channels", r.channels}, {"uri", r.uri}, {"bandwidth", r.bandwidth},
                         {"average_bandwidth", r.average_bandwidth}, {"codecs", r.codecs}});
    return {{"variants", variants}, {"audio_renditions", audio}, {"sound_in_rungs", version.sound_in_rungs},
            {"subtitles", version.subtitle_languages}, {"duration_seconds", version.duration_seconds}};
}

hls_version version_from_json(const nlohmann::json& manifest) {
    if (!manifest.is_object() || !manifest.contains("variants") || !manifest["variants"].is_array())
        throw std::invalid_argument("a version manifest lists its variants");
    hls_version version;
    for (const auto& v : manifest["variants"]) {
        version.variants.push_back({v.at("uri").get<std::string>(), v.value("bandwidth", std::int64_t{0}),
                                    v.value("average_bandwidth", std::int64_t{0}), v.value("width", 0),
                                    v.value("height", 0), v.value("codecs", std::string()), v.value("frame_rate", 0.0)});
    }
    for (const auto& v : version.variants)
        if (!safe_relative(v.uri)) throw std::invalid_argument("a variant's playlist is outside its version");
    // Versions made before audio renditions have none: their rungs' muxed stereo is all the sound.
    // Manifests that do not say where the sound is predate video-only rungs: it is in the rungs.
    version.sound_in_rungs = manifest.value("sound_in_rungs", true);
    for (const auto& r : manifest.value("audio_renditions", nlohmann::json::array())) {
        hls_audio_rendition a{r.at("id").get<std::string>(), r.at("name").get<std::string>(),
                              r.value("language", std::string("und")), r.at("role").get<std::string>(),
                              r.value("channels", 2), r.at("uri").get<std::string>(),
                              r.value("bandwidth", std::int64_t{0}), r.value("average_bandwidth", std::int64_t{0}),
                              r.value("codecs", std::string("mp4a.40.2"))};
        // The original stereo of a version whose base predates renditions has no file of its own.
        const bool uri_ok = a.uri.empty() ? a.role == "original" && version.sound_in_rungs : safe_relative(a.uri);
        if (!uri_ok || !safe_language(a.id) || !safe_name(a.name) || !safe_language(a.language) ||
            !known_role(a.role) || !safe_name(a.codecs) || a.channels < 1 || a.channels > 8)
            throw std::invalid_argument("an audio rendition of the manifest is not one a version has");
        version.audio_renditions.push_back(std::move(a));
    }
    version.subtitle_languages = manifest.value("subtitles", std::vector<std::string>{});
    for (const auto& lang : version.subtitle_languages)
        if (!safe_language(lang)) throw std::invalid_argument("a subtitle language is not a language tag");
    std::sort(version.subtitle_languages.begin(), version.subtitle_languages.end());
    version.duration_seconds = manifest.value("duration_seconds", 0.0);
    return version;
}

std::vector<hls_variant> variants_of_master(const std::string& master) {
    std::vector<hls_variant> variants;
    std::istringstream lines(master);
    std::string line;
    std::optional<hls_variant> pending;
    while (std::getline(lines, line)) {
        while (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("#EXT-X-STREAM-INF:", 0) == 0) {
            pending = variant_of_attributes(std::string_view(line).substr(18));
        } else if (pending && !line.empty() && line[0] != '#') {
            pending->uri = line;
            variants.push_back(std::move(*pending));
            pending.reset();
        }
    }
    return variants;
}

hls_version read_version(const version_layout& folder) {
    if (fs::exists(folder.manifest())) {
        const auto manifest = nlohmann::json::parse(read_text_file(folder.manifest()), nullptr, false);
        if (manifest.is_discarded()) throw std::runtime_error(folder.manifest().string() + " is not JSON");
        return version_from_json(manifest);
    }
    // Published before manifests: the master names the variants, the first one's playlist the length.
    hls_version version;
    version.variants = variants_of_master(read_text_file(folder.master_playlist()));
    if (version.variants.empty()) throw std::runtime_error("the master playlist lists no variant");
    if (!safe_relative(version.variants.front().uri)) throw std::runtime_error("a variant is outside its version");
    version.duration_seconds = measure_media_playlist((folder.root() / version.variants.front().uri).string()).duration_seconds;
    version.subtitle_languages = subtitle_languages_in(folder);
    return version;
}

void write_version(const version_layout& folder, const hls_version& version) {
    write_whole_file(folder.manifest().string(), version_to_json(version).dump(2) + "\n");
    write_whole_file(folder.master_playlist().string(), master_playlist(version));
}

}  // namespace festival::media
