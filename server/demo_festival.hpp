#pragma once
// `festival serve --demo`: a small festival with films in three languages and short playable clips,
// seeded into an empty data folder so a new user sees the whole system at work.
#include <string>

namespace festival::catalog {
class database;
}

namespace festival::server {

// Fills an empty catalog with the demo festival, its films and two demo accounts; returns false
// (and changes nothing) when the catalog already holds films.
bool seed_demo_catalog(catalog::database& db);

// Generates each demo film's source clip and subtitles under data_dir/demo/ with the transcoder's
// `demo-source` command and queues a transcode job for each. Runs in the background at start-up.
void queue_demo_media(catalog::database& db, const std::string& transcoder, const std::string& data_dir);
// Makes a running queue_demo_media return after the clip in progress (the server is stopping).
void stop_queueing_demo_media();

inline constexpr const char* demo_password = "festival-demo-2026";

}  // namespace festival::server
