// Curators' audio tracks (audio description, dubs) through tus against a real `festival serve`:
// probed as sound in a child process, stored beside the film's sources, recorded, and the film's
// versions rebuilt by an audio job; deleted the same way; shown in the film JSON and the catalog filter.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "catalog/audio_tracks.hpp"
#include "catalog/database.hpp"
#include "catalog/jobs.hpp"
#include "tests/support/festival_process.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/media/media_layout.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/uploads/tus_client.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
namespace fs = std::filesystem;
using metadata_pairs = std::vector<std::pair<std::string, std::string>>;

namespace {

const std::string password = "curator password 2026";

std::string make_file(const temp_dir& dir, const std::string& name, const std::vector<std::string>& ffmpeg_args) {
    const auto path = (dir.path() / name).string();
    std::vector<std::string> args = {"ffmpeg", "-v", "error"};
    args.insert(args.end(), ffmpeg_args.begin(), ffmpeg_args.end());
    args.push_back("-y");
    args.push_back(path);
    std::string output;
    REQUIRE_MESSAGE(run_command(args, output) == 0, output);
    return read_file(path);
}

// Sound only, AAC in an .m4a, as a curator's audio description would come.
std::string make_sound(const temp_dir& dir, const std::string& name, int frequency) {
    return make_file(dir, name, {"-f", "lavfi", "-i", "sine=frequency=" + std::to_string(frequency) + ":duration=2",
                                 "-c:a", "aac", "-b:a", "64k"});
}

std::string make_master(const temp_dir& dir) {
    return make_file(dir, "master.mp4", {"-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=2", "-f", "lavfi",
                                         "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-preset",
                                         "ultrafast", "-c:a", "aac", "-shortest"});
}

metadata_pairs track_metadata(const std::string& film, const std::string& lang, const std::string& role,
                              const std::string& name = "", const std::string& filename = "track.m4a") {
    metadata_pairs pairs = {{"film", film}, {"purpose", "audio"}, {"language", lang}, {"role", role},
                            {"filename", filename}};
    if (!name.empty()) pairs.emplace_back("name", name);
    return pairs;
}

http_result create(const tus_client& client, std::int64_t length, const metadata_pairs& metadata) {
    return client.call("POST", "/api/uploads", "",
                       {{"Upload-Length", std::to_string(length)}, {"Upload-Metadata", tus_metadata(metadata)}});
}

// Sends the whole file in one PATCH and waits for its probe.
nlohmann::json upload(const tus_client& client, const std::string& bytes, const metadata_pairs& metadata) {
    const auto created = create(client, static_cast<std::int64_t>(bytes.size()), metadata);
    REQUIRE_MESSAGE(created.status == 201, created.body);
    const auto location = created.header("location");
    REQUIRE(client.patch(location, 0, bytes).status == 204);
    auto status = client.settled(location);
    status["location"] = location;
    return status;
}

struct audio_fixture {
    temp_dir dir;
    std::unique_ptr<festival_process> server;
    tus_client curator;

    audio_fixture() {
        add_user_with_cli(dir.path(), "c@festival.test", "curator", password);
        server = std::make_unique<festival_process>(dir.path().string(),
                                                    std::vector<std::string>{"--transcoder", festival_transcoder_exe()});
        curator = user("c@festival.test");
        add_film("voyage");
    }
    tus_client user(const std::string& email) const { return tus_client{sign_in(server->port(), email, password)}; }
    tus_client add_user(const std::string& email, const std::string& role) const {
        add_user_with_cli(dir.path(), email, role, password);
        return user(email);
    }
    void add_film(const std::string& slug, nlohmann::json extra = nlohmann::json::object()) const {
        nlohmann::json film = {{"slug", slug}, {"original_title", "Film " + slug}, {"category", "documentary"}};
        film.merge_patch(extra);
        REQUIRE(curator.session.call("POST", "/api/films", film.dump()).status == 201);
    }
    festival::catalog::database catalog() const {
        return festival::catalog::database(festival::test::catalog_location_of(dir.path()));
    }
    fs::path audio_dir(int film) const { return dir.path() / "sources" / std::to_string(film) / "audio"; }
    std::size_t files_in(const fs::path& folder) const {
        std::error_code ec;
        std::size_t n = 0;
        for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator(); ++it) ++n;
        return n;
    }
    // A master uploaded and its transcode marked done and current, as after a real transcoder's run.
    std::int64_t online_version() const {
        const auto master = upload(curator, make_master(dir), {{"film", "voyage"}, {"filename", "master.mp4"}});
        REQUIRE(master["status"] == "done");
        CHECK(master["purpose"] == "film");
        const auto job = master["job_id"].get<std::int64_t>();
        catalog().exec("UPDATE jobs SET status = 'done', progress = 100 WHERE id = " + std::to_string(job) +
                       "; UPDATE films SET media_version = " + std::to_string(job) + " WHERE slug = 'voyage'");
        return job;
    }
    nlohmann::json job(std::int64_t id) const {
        const auto answer = curator.session.call("GET", "/api/jobs/" + std::to_string(id));
        REQUIRE(answer.status == 200);
        return answer.json();
    }
    std::vector<festival::catalog::audio_track_source> job_tracks(std::int64_t id) const {
        auto db = catalog();
        const auto found = festival::catalog::find_job(db, id);
        REQUIRE(found);
        return found->audio_tracks;
    }
    nlohmann::json tracks() const {
        const auto answer = curator.session.call("GET", "/api/films/voyage/audio");
        REQUIRE(answer.status == 200);
        return answer.json()["items"];
    }
};

}  // namespace

TEST_CASE("an audio description is probed, stored beside the film's sources and queued as an audio job on the current version") {
    audio_fixture f;
    const auto version = f.online_version();
    const auto sound = make_sound(f.dir, "description.m4a", 660);
    const auto status = upload(f.curator, sound, track_metadata("voyage", "fre", "description", "Audiodescription"));
    REQUIRE(status["status"] == "done");
    REQUIRE(status["job_id"].is_number());
    CHECK(status["purpose"] == "audio");
    const auto id = status["location"].get<std::string>().substr(status["location"].get<std::string>().rfind('/') + 1);
    CHECK(!fs::exists(f.dir.path() / "uploads" / (id + ".part")));
    const auto stored = f.audio_dir(1) / ("description-fr-" + id + ".m4a");
    REQUIRE(fs::exists(stored));
    CHECK(sha256_hex(read_file(stored.string())) == sha256_hex(sound));

    const auto items = f.tracks();
    REQUIRE(items.size() == 1);
    CHECK(items[0]["language"] == "fr");
    CHECK(items[0]["role"] == "description");
    CHECK(items[0]["name"] == "Audiodescription");
    CHECK(!items[0].contains("path"));

    const auto job_id = status["job_id"].get<std::int64_t>();
    const auto job = f.job(job_id);
    CHECK(job["kind"] == "audio");
    CHECK(job["status"] == "queued");
    const auto sources = f.job_tracks(job_id);
    REQUIRE(sources.size() == 1);
    CHECK(sources[0].path == fs::absolute(stored).string());
    CHECK(sources[0].role == "description");
    CHECK(sources[0].lang == "fr");
    {
        auto db = f.catalog();
        CHECK(festival::catalog::find_job(db, job_id)->base_version == version);
    }

    const auto film = f.curator.session.call("GET", "/api/films/voyage").json();
    CHECK(film["audio"] == nlohmann::json::parse(R"([{"language":"fr","role":"description","name":"Audiodescription"}])"));
    CHECK(film["audio_description"] == true);
    // The film keeps streaming its current version until the audio job publishes its own.
    CHECK(film["media"]["version"] == version);
}

TEST_CASE("a second track of the same role and language replaces the first, whose file goes") {
    audio_fixture f;
    f.online_version();
    const auto first = upload(f.curator, make_sound(f.dir, "dub1.m4a", 300), track_metadata("voyage", "es", "dub", "Doblaje"));
    REQUIRE(first["status"] == "done");
    REQUIRE(f.files_in(f.audio_dir(1)) == 1);
    const auto second_sound = make_sound(f.dir, "dub2.m4a", 500);
    const auto second = upload(f.curator, second_sound, track_metadata("voyage", "spa", "dub", "Doblaje 2"));
    REQUIRE(second["status"] == "done");
    const auto items = f.tracks();
    REQUIRE(items.size() == 1);
    CHECK(items[0]["name"] == "Doblaje 2");
    REQUIRE(f.files_in(f.audio_dir(1)) == 1);
    CHECK(read_file(fs::directory_iterator(f.audio_dir(1))->path().string()) == second_sound);
    CHECK(f.job_tracks(second["job_id"].get<std::int64_t>()).size() == 1);
}

TEST_CASE("before the film has a version its tracks ride on the master's transcode") {
    audio_fixture f;
    // No master yet: the track waits for the first one.
    const auto early = upload(f.curator, make_sound(f.dir, "dub.m4a", 300), track_metadata("voyage", "en", "dub"));
    REQUIRE(early["status"] == "done");
    CHECK(early["job_id"].is_null());
    const auto master = upload(f.curator, make_master(f.dir), {{"film", "voyage"}, {"filename", "master.mp4"}});
    REQUIRE(master["status"] == "done");
    const auto first_job = master["job_id"].get<std::int64_t>();
    CHECK(f.job(first_job)["kind"] == "transcode");
    REQUIRE(f.job_tracks(first_job).size() == 1);
    CHECK(f.job_tracks(first_job)[0].lang == "en");
    // Still no version: another track queues a new transcode of that master carrying both.
    const auto later = upload(f.curator, make_sound(f.dir, "ad.m4a", 700), track_metadata("voyage", "en", "description"));
    REQUIRE(later["status"] == "done");
    const auto second_job = later["job_id"].get<std::int64_t>();
    CHECK(second_job > first_job);
    CHECK(f.job(second_job)["kind"] == "transcode");
    CHECK(f.job_tracks(second_job).size() == 2);
}

TEST_CASE("a file that is not sound is refused: the upload fails with the probe's reason and nothing is stored") {
    audio_fixture f;
    const auto version = f.online_version();
    const auto silent_video = make_file(f.dir, "silent.mp4", {"-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1",
                                                              "-c:v", "libx264", "-preset", "ultrafast"});
    for (const auto& bytes : {pattern_bytes(40000, 31), std::string(5000, 'a'), silent_video}) {
        const auto status = upload(f.curator, bytes, track_metadata("voyage", "fr", "description"));
        CHECK(status["status"] == "failed");
        CHECK(!status["error"].get<std::string>().empty());
        CHECK(status["job_id"].is_null());
        const auto location = status["location"].get<std::string>();
        CHECK(!fs::exists(f.dir.path() / "uploads" / (location.substr(location.rfind('/') + 1) + ".part")));
    }
    CHECK(f.files_in(f.audio_dir(1)) == 0);
    CHECK(f.tracks().empty());
    // The page tells the refused tracks from the master's upload.
    const auto uploads = f.curator.session.call("GET", "/api/films/voyage/uploads").json()["items"];
    REQUIRE(uploads.size() == 4);
    CHECK(uploads[0]["purpose"] == "audio");
    CHECK(uploads[0]["status"] == "failed");
    CHECK(uploads[3]["purpose"] == "film");
    const auto jobs = f.curator.session.call("GET", "/api/films/voyage/jobs").json();
    CHECK(jobs.dump().find("\"audio\"") == std::string::npos);
    CHECK(f.curator.session.call("GET", "/api/films/voyage").json()["audio_description"] == false);
    CHECK(f.curator.session.call("GET", "/api/films/voyage").json()["media"]["version"] == version);
}

TEST_CASE("only the film's curators and organizers add, list and delete its tracks, and wrong metadata is refused before any byte") {
    audio_fixture f;
    const auto other = f.add_user("other@festival.test", "curator");
    const auto organizer = f.add_user("organizer@festival.test", "organizer");
    const auto good = track_metadata("voyage", "fr", "description");
    const auto refused = create(other, 1000, good);
    CHECK(refused.status == 403);
    CHECK(other.session.call("GET", "/api/films/voyage/audio").status == 403);
    CHECK(other.session.call("DELETE", "/api/films/voyage/audio/1").status == 403);
    auto anonymous = f.curator;
    anonymous.signed_in = false;
    CHECK(create(anonymous, 1000, good).status == 401);
    CHECK(http_call(f.server->port(), "GET", "/api/films/voyage/audio", "", {}).status == 401);

    auto code_of = [&](const metadata_pairs& metadata) {
        const auto answer = create(f.curator, 1000, metadata);
        return std::to_string(answer.status) + " " + answer.json()["error"].value("code", "");
    };
    CHECK(code_of({{"film", "voyage"}, {"purpose", "audio"}, {"role", "dub"}}) == "400 invalid_language");
    CHECK(code_of(track_metadata("voyage", "french", "dub")) == "400 invalid_language");
    CHECK(code_of(track_metadata("voyage", "fr", "commentary")) == "400 invalid_role");
    CHECK(code_of({{"film", "voyage"}, {"purpose", "audio"}, {"language", "fr"}}) == "400 invalid_role");
    CHECK(code_of(track_metadata("voyage", "fr", "dub", std::string(101, 'x'))) == "400 invalid_name");
    CHECK(code_of({{"film", "voyage"}, {"purpose", "poster"}}) == "400 invalid_purpose");
    CHECK(f.files_in(f.dir.path() / "uploads") == 0);

    // An organizer adds a track to any film, and deletes it.
    const auto status = upload(organizer, make_sound(f.dir, "ad.m4a", 660), good);
    REQUIRE(status["status"] == "done");
    const auto items = f.tracks();
    REQUIRE(items.size() == 1);
    const auto path = "/api/films/voyage/audio/" + std::to_string(items[0]["id"].get<std::int64_t>());
    CHECK(other.session.call("DELETE", path).status == 403);
    CHECK(organizer.session.call("DELETE", path).status == 200);
    CHECK(f.tracks().empty());
}

TEST_CASE("deleting a track removes its file and queues an audio job without it") {
    audio_fixture f;
    f.online_version();
    REQUIRE(upload(f.curator, make_sound(f.dir, "ad.m4a", 660), track_metadata("voyage", "fr", "description"))["status"] == "done");
    const auto dub = upload(f.curator, make_sound(f.dir, "dub.m4a", 330), track_metadata("voyage", "es", "dub"));
    REQUIRE(dub["status"] == "done");
    const auto before = dub["job_id"].get<std::int64_t>();
    REQUIRE(f.job_tracks(before).size() == 2);
    const auto items = f.tracks();
    REQUIRE(items.size() == 2);
    REQUIRE(items[0]["role"] == "description");
    const auto path = "/api/films/voyage/audio/" + std::to_string(items[0]["id"].get<std::int64_t>());
    REQUIRE(f.files_in(f.audio_dir(1)) == 2);

    const auto deleted = f.curator.session.call("DELETE", path);
    REQUIRE(deleted.status == 200);
    const auto job = deleted.json()["job_id"].get<std::int64_t>();
    CHECK(job > before);
    CHECK(f.job(job)["kind"] == "audio");
    const auto left = f.job_tracks(job);
    REQUIRE(left.size() == 1);
    CHECK(left[0].role == "dub");
    CHECK(f.files_in(f.audio_dir(1)) == 1);
    CHECK(f.tracks().size() == 1);
    const auto film = f.curator.session.call("GET", "/api/films/voyage").json();
    CHECK(film["audio_description"] == false);
    CHECK(film["audio"].size() == 1);
    CHECK(f.curator.session.call("DELETE", path).status == 404);
    CHECK(f.curator.session.call("DELETE", "/api/films/voyage/audio/x1").status == 404);
}

TEST_CASE("the catalog lists exactly the films with audio description, with subtitles, or both") {
    audio_fixture f;
    f.add_film("described", {{"published", true}});
    f.add_film("subtitled", {{"published", true}, {"subtitle_languages", {"en"}}});
    f.add_film("both", {{"published", true}, {"subtitle_languages", {"fr"}}});
    f.add_film("dubbed", {{"published", true}});
    {
        auto db = f.catalog();
        for (const auto& [film, role] : std::vector<std::pair<int, std::string>>{{2, "description"}, {4, "description"}, {5, "dub"}}) {
            festival::catalog::audio_track t;
            t.film_id = film;
            t.lang = "fr";
            t.role = role;
            t.path = "/nowhere/" + std::to_string(film);
            festival::catalog::store_audio_track(db, t);
        }
    }
    auto slugs = [&](const std::string& access) {
        const auto answer = http_call(f.server->port(), "GET", "/api/films?access=" + access, "", {});
        REQUIRE(answer.status == 200);
        std::vector<std::string> found;
        const auto body = answer.json();
        for (const auto& film : body["items"]) found.push_back(film["slug"].get<std::string>());
        std::sort(found.begin(), found.end());
        return found;
    };
    CHECK(slugs("audio_description") == std::vector<std::string>{"both", "described"});
    CHECK(slugs("subtitles") == std::vector<std::string>{"both", "subtitled"});
    CHECK(slugs("both") == std::vector<std::string>{"both"});
    CHECK(http_call(f.server->port(), "GET", "/api/films?access=sign_language", "", {}).status == 400);
    const auto described = http_call(f.server->port(), "GET", "/api/films/described", "", {}).json();
    CHECK(described["audio_description"] == true);
    CHECK(described["audio"][0]["role"] == "description");
}

TEST_CASE("a current version no job of the film made (imported) cannot take an audio job: the master is transcoded with the track") {
    audio_fixture f;
    const auto master = upload(f.curator, make_master(f.dir), {{"film", "voyage"}, {"filename", "master.mp4"}});
    REQUIRE(master["status"] == "done");
    f.catalog().exec("UPDATE films SET media_version = 99 WHERE slug = 'voyage'");
    const auto status = upload(f.curator, make_sound(f.dir, "ad.m4a", 660), track_metadata("voyage", "fr", "description"));
    REQUIRE(status["status"] == "done");
    const auto job = status["job_id"].get<std::int64_t>();
    CHECK(f.job(job)["kind"] == "transcode");
    CHECK(f.job_tracks(job).size() == 1);
    CHECK(f.tracks().size() == 1);
}

TEST_CASE("a current version whose rungs carry the sound takes no audio job: the master is transcoded with the track") {
    audio_fixture f;
    const auto version = f.online_version();
    // Published before sound had renditions of its own: the stereo is in the rungs.
    festival::media::hls_version muxed;
    muxed.variants.push_back({"360p/index.m3u8", 900000, 800000, 640, 360, "avc1.64001e,mp4a.40.2", 25});
    muxed.duration_seconds = 2;
    REQUIRE(muxed.sound_in_rungs);
    const festival::media::media_layout layout(f.dir.path());
    fs::create_directories(layout.version(1, version).root());
    festival::media::write_version(layout.version(1, version), muxed);
    const auto status = upload(f.curator, make_sound(f.dir, "ad.m4a", 660), track_metadata("voyage", "fr", "description"));
    REQUIRE(status["status"] == "done");
    const auto job = status["job_id"].get<std::int64_t>();
    CHECK(f.job(job)["kind"] == "transcode");
    CHECK(f.job_tracks(job).size() == 1);
}
