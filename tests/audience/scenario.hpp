#pragma once
// 200 simulated plays of varying lengths across 3 films and 2 days, from viewers in 3 countries and
// some of unknown country, and what the definitions in docs/statistics.md say they must add up to,
// worked out plainly (not with the ledger's code).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace festival::testing {

struct scenario_play {
    int film = 0;            // 0, 1, 2
    int day = 0;             // 0, 1
    std::string user_agent;  // one of 37 viewers
    int seconds = 0;         // played continuously from 0, reported in 10 s heartbeats
    std::string country;     // the viewer's: FR, BE, SN or "" (unknown)
};

// Film runtimes in seconds: 120 and 600 from the catalog, 40 reported by the player.
inline const int scenario_runtime[3] = {120, 600, 40};

inline std::vector<scenario_play> scenario_plays() {
    std::vector<scenario_play> plays;
    for (int i = 0; i < 200; ++i) {
        scenario_play p;
        p.film = i % 3;
        p.day = i < 100 ? 0 : 1;
        p.user_agent = "viewer-" + std::to_string(i % 37);
        p.seconds = (i * 53 + 11) % (scenario_runtime[p.film] + 1);
        static const char* const countries[4] = {"FR", "BE", "SN", ""};
        p.country = countries[(i % 37) % 4];
        plays.push_back(p);
    }
    return plays;
}

struct scenario_expectation {
    std::int64_t plays = 0, views = 0, unique_viewers = 0, watch_ms = 0, measured = 0, completed = 0;
    std::vector<std::int64_t> retention = std::vector<std::int64_t>(100, 0);  // plays having watched each %
};

// By film (all days) and, at key -1, the whole festival. All plays of a day start together, so a
// viewer (same agent, film, day) gets at most one view: the hour has not passed.
inline std::map<int, scenario_expectation> scenario_expected() {
    std::map<int, scenario_expectation> out;
    std::set<std::tuple<int, int, std::string>> viewers, viewed;
    for (const auto& p : scenario_plays()) {
        const int runtime = scenario_runtime[p.film];
        const int threshold_ms = runtime < 60 ? runtime * 1000 / 2 : 30000;
        for (const int key : {p.film, -1}) {
            auto& e = out[key];
            e.plays += 1;
            e.watch_ms += p.seconds * 1000;
            e.measured += 1;
            if (p.seconds * 10 >= 9 * runtime) e.completed += 1;
            for (int k = 0; k < 100; ++k)  // a percent counts once half of it was watched
                if ((2 * k + 1) * runtime <= p.seconds * 200) e.retention[static_cast<std::size_t>(k)] += 1;
        }
        const auto who = std::make_tuple(p.film, p.day, p.user_agent);
        if (viewers.insert(who).second) {
            out[p.film].unique_viewers += 1;
            out[-1].unique_viewers += 1;
        }
        if (p.seconds * 1000 >= threshold_ms && viewed.insert(who).second) {
            out[p.film].views += 1;
            out[-1].views += 1;
        }
    }
    return out;
}

// Plays, views and watch time by country ("" = unknown): each play counts for its viewer's country.
inline std::map<std::string, scenario_expectation> scenario_expected_by_country() {
    std::map<std::string, scenario_expectation> out;
    std::set<std::tuple<int, int, std::string>> viewed;
    for (const auto& p : scenario_plays()) {
        const int runtime = scenario_runtime[p.film];
        const int threshold_ms = runtime < 60 ? runtime * 1000 / 2 : 30000;
        auto& e = out[p.country];
        e.plays += 1;
        e.watch_ms += p.seconds * 1000;
        if (p.seconds * 1000 >= threshold_ms && viewed.insert(std::make_tuple(p.film, p.day, p.user_agent)).second)
            e.views += 1;
    }
    return out;
}

}  // namespace festival::testing
