// Every path under the data folder, from the one place that names them. No disk.
#include <doctest/doctest.h>

#include "transcoder/media/media_layout.hpp"

using namespace festival::media;

TEST_CASE("the data folder's catalog, uploads, sources and media have one name each") {
    const media_layout layout("/srv/data");
    CHECK(layout.catalog_db() == "/srv/data/catalog.db");
    CHECK(layout.uploads_dir() == "/srv/data/uploads");
    CHECK(layout.upload_part("abc") == "/srv/data/uploads/abc.part");
    CHECK(layout.sources_dir() == "/srv/data/sources");
    CHECK(layout.film_sources(7) == "/srv/data/sources/7");
    CHECK(layout.source_subtitles_dir(7) == "/srv/data/sources/7/subtitles");
    CHECK(layout.source_subtitle(7, "fr") == "/srv/data/sources/7/subtitles/fr.vtt");
    CHECK(layout.media_dir() == "/srv/data/media");
    CHECK(layout.film_media(7) == "/srv/data/media/7");
    CHECK(media_layout("data").catalog_db() == "data/catalog.db");
}

TEST_CASE("a version's folder, its staging folder and the files inside them") {
    const media_layout layout("data");
    CHECK(layout.version_dir(7, 12) == "data/media/7/v12");
    CHECK(layout.staging_dir(7, 12) == "data/media/7/.tmp-12");
    CHECK(layout.master_playlist(7, 12) == "data/media/7/v12/master.m3u8");
    const auto version = layout.version(7, 12);
    CHECK(version.root() == "data/media/7/v12");
    CHECK(version.manifest() == "data/media/7/v12/version.json");
    CHECK(version.poster() == "data/media/7/v12/poster.jpg");
    CHECK(version.storyboard() == "data/media/7/v12/storyboard.vtt");
    CHECK(version.storyboard_image() == "data/media/7/v12/storyboard.jpg");
    CHECK(version.rung_dir("360p") == "data/media/7/v12/360p");
    CHECK(version.rung_playlist("360p") == "data/media/7/v12/360p/index.m3u8");
    CHECK(version.subtitles_dir() == "data/media/7/v12/subtitles");
    CHECK(version.subtitle_file("fr") == "data/media/7/v12/subtitles/fr.vtt");
    CHECK(version.subtitle_playlist("fr") == "data/media/7/v12/subtitles/fr.m3u8");
    CHECK(layout.staging(7, 12).master_playlist() == "data/media/7/.tmp-12/master.m3u8");
    // What the master playlist names, relative to itself.
    CHECK(version_layout::rung_playlist_uri("720p") == "720p/index.m3u8");
    CHECK(version_layout::subtitle_playlist_uri("en") == "subtitles/en.m3u8");
    CHECK(version_layout::subtitle_file_name("en") == "en.vtt");
    CHECK(version.audio_dir() == "data/media/7/v12/audio");
    CHECK(version.audio_rendition_dir("dub-de") == "data/media/7/v12/audio/dub-de");
    CHECK(version.audio_playlist("original") == "data/media/7/v12/audio/original/index.m3u8");
    CHECK(version_layout::audio_playlist_uri("description-fr") == "audio/description-fr/index.m3u8");
    CHECK(layout.source_audio_track(7, "description", "fr", "u3", ".wav") == "data/sources/7/audio/description-fr-u3.wav");
}

TEST_CASE("folder names are read back as versions, jobs and films, and nothing else is") {
    CHECK(version_folder(12) == "v12");
    CHECK(version_of_folder("v12") == 12);
    CHECK(!version_of_folder("v"));
    CHECK(!version_of_folder("v12a"));
    CHECK(!version_of_folder("x12"));
    CHECK(!version_of_folder(".tmp-12"));
    CHECK(!version_of_folder("v" + std::string(19, '9')));
    CHECK(staging_folder(5) == ".tmp-5");
    CHECK(job_of_staging_folder(".tmp-5") == 5);
    CHECK(!job_of_staging_folder(".tmp-"));
    CHECK(!job_of_staging_folder(".tmp-5x"));
    CHECK(!job_of_staging_folder("v5"));
    CHECK(film_of_folder("42") == 42);
    CHECK(!film_of_folder(".deleted-42"));
    CHECK(!film_of_folder(""));
    CHECK(!film_of_folder(std::string(19, '9')));
}
