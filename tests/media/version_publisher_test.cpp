// The publishing policy, on a file system kept in memory: what is synced, renamed, recorded and pruned,
// in which order, and what is taken back when a step fails.
#include <doctest/doctest.h>

#include <map>
#include <stdexcept>

#include "tests/support/temp_dir.hpp"
#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/version_publisher.hpp"

using namespace festival::media;
namespace fs = std::filesystem;

namespace {

// Folders as a set of paths; every operation is written to `log`, and one may be made to fail.
class memory_store final : public version_store {
public:
    std::set<fs::path> folders;
    std::vector<std::string> log;
    std::string failing;  // "rename", "sync_tree": that operation throws

    bool exists(const fs::path& path) override { return folders.contains(path); }
    void create_directories(const fs::path& dir) override {
        log.push_back("mkdir " + dir.string());
        folders.insert(dir);
    }
    void remove_all(const fs::path& dir) override {
        log.push_back("remove " + dir.string());
        folders.erase(dir);
    }
    bool discard(const fs::path& dir) override {
        log.push_back("discard " + dir.string());
        folders.erase(dir);
        return true;
    }
    void sync_tree(const fs::path& dir) override {
        log.push_back("sync_tree " + dir.string());
        if (failing == "sync_tree") throw std::system_error(ENOSPC, std::generic_category(), "sync");
    }
    void sync_directory(const fs::path& dir) override { log.push_back("sync " + dir.string()); }
    void rename(const fs::path& from, const fs::path& to) override {
        log.push_back("rename " + from.string() + " " + to.string());
        if (failing == "rename") throw std::system_error(EIO, std::generic_category(), "rename");
        folders.erase(from);
        folders.insert(to);
    }
    std::vector<std::string> list(const fs::path& dir) override {
        std::vector<std::string> names;
        for (const auto& f : folders)
            if (f.parent_path() == dir) names.push_back(f.filename().string());
        return names;
    }
};

struct publisher_fixture {
    memory_store store;
    version_publisher publisher{media_layout("d"), store};
    std::vector<std::string> events;

    std::function<bool()> record(bool answer) {
        return [this, answer] {
            events.push_back("record");
            store.log.push_back("record");
            return answer;
        };
    }
    std::function<std::set<std::int64_t>()> keep(std::set<std::int64_t> versions) {
        return [this, versions] {
            store.log.push_back("keep");
            return versions;
        };
    }
};

}  // namespace

TEST_CASE("a version is synced, renamed into place, recorded, then the superseded ones pruned") {
    publisher_fixture f;
    f.store.folders = {"d/media/7", "d/media/7/v1", "d/media/7/v2", "d/media/7/v3", "d/media/7/.tmp-4"};
    const auto staged = f.publisher.stage(7, 9);
    CHECK(staged.folder.root() == "d/media/7/.tmp-9");
    CHECK(!staged.stale_removed);
    f.store.log.clear();
    const auto result = f.publisher.publish(7, 9, f.record(true), f.keep({2, 3}));
    CHECK(result.published);
    CHECK(result.pruned == std::vector<std::int64_t>{1});
    CHECK(!result.prune_error);
    CHECK(f.store.log == std::vector<std::string>{"sync_tree d/media/7/.tmp-9", "rename d/media/7/.tmp-9 d/media/7/v9",
                                                  "sync d/media/7", "record", "keep", "discard d/media/7/v1"});
    // Another job's staging folder is not a version: never pruned.
    CHECK(f.store.folders.contains("d/media/7/.tmp-4"));
    CHECK(f.store.folders.contains("d/media/7/v9"));
}

TEST_CASE("the version just published is kept even when the catalog does not name it yet") {
    publisher_fixture f;
    f.store.folders = {"d/media/7", "d/media/7/v1"};
    f.publisher.stage(7, 2);
    const auto result = f.publisher.publish(7, 2, f.record(true), f.keep({}));
    CHECK(result.pruned == std::vector<std::int64_t>{1});
    CHECK(f.store.folders.contains("d/media/7/v2"));
}

TEST_CASE("staging empties what an earlier attempt left, and never publishes a v<job> it did not write") {
    publisher_fixture f;
    f.store.folders = {"d/media/7", "d/media/7/.tmp-9", "d/media/7/v9"};
    const auto staged = f.publisher.stage(7, 9);
    CHECK(staged.stale_removed);
    CHECK(f.store.log == std::vector<std::string>{"remove d/media/7/.tmp-9", "discard d/media/7/v9", "mkdir d/media/7/.tmp-9"});
}

TEST_CASE("a version the catalog refuses is taken off the disk and nothing is pruned") {
    publisher_fixture f;
    f.store.folders = {"d/media/7", "d/media/7/v1"};
    f.publisher.stage(7, 9);
    const auto result = f.publisher.publish(7, 9, f.record(false), f.keep({}));
    CHECK(!result.published);
    CHECK(result.pruned.empty());
    CHECK(f.store.log.back() == "discard d/media/7/v9");
    CHECK(f.store.folders == std::set<fs::path>{"d/media/7", "d/media/7/v1"});
}

TEST_CASE("a record that throws takes the version off the disk and passes the error on") {
    publisher_fixture f;
    f.store.folders = {"d/media/7"};
    f.publisher.stage(7, 9);
    CHECK_THROWS_WITH(f.publisher.publish(7, 9, [] () -> bool { throw std::runtime_error("busy"); }, f.keep({})), "busy");
    CHECK(f.store.log.back() == "discard d/media/7/v9");
    CHECK(f.store.folders == std::set<fs::path>{"d/media/7"});
}

TEST_CASE("a failed sync or rename leaves neither the staging folder nor a version, and records nothing") {
    for (const std::string failing : {"sync_tree", "rename"}) {
        CAPTURE(failing);
        publisher_fixture f;
        f.store.folders = {"d/media/7", "d/media/7/v1"};
        f.publisher.stage(7, 9);
        f.store.failing = failing;
        CHECK_THROWS_AS(f.publisher.publish(7, 9, f.record(true), f.keep({})), std::system_error);
        CHECK(f.events.empty());
        CHECK(f.store.log.back() == "remove d/media/7/.tmp-9");
        CHECK(f.store.folders == std::set<fs::path>{"d/media/7", "d/media/7/v1"});
    }
}

TEST_CASE("when the versions to keep cannot be asked, the version stays published and nothing is pruned") {
    publisher_fixture f;
    f.store.folders = {"d/media/7", "d/media/7/v1"};
    f.publisher.stage(7, 9);
    const auto result = f.publisher.publish(7, 9, f.record(true), []() -> std::set<std::int64_t> {
        throw std::runtime_error("catalog busy");
    });
    CHECK(result.published);
    CHECK(result.prune_error == "catalog busy");
    CHECK(f.store.folders.contains("d/media/7/v1"));
}

TEST_CASE("abandoning removes the staging folder only") {
    publisher_fixture f;
    f.store.folders = {"d/media/7", "d/media/7/v1", "d/media/7/.tmp-9"};
    f.publisher.abandon(7, 9);
    CHECK(f.store.folders == std::set<fs::path>{"d/media/7", "d/media/7/v1"});
}

TEST_CASE("superseded versions are the v<n> folders not kept, in order") {
    CHECK(superseded_versions({"v3", "v1", ".tmp-4", "v2", ".deleted-v5", "poster.jpg"}, {2}) ==
          std::vector<std::int64_t>{1, 3});
}

TEST_CASE("a durable file replaces the old one whole and leaves no temporary behind") {
    festival::testing::temp_dir dir;
    const auto path = dir.path() / "sub" / "fr.vtt";
    write_file_durably(path, "WEBVTT\n");
    write_file_durably(path, "WEBVTT\n\nnew");
    CHECK(fs::file_size(path) == 11);
    CHECK(!fs::exists(path.string() + ".tmp"));
    CHECK_THROWS_AS(write_file_durably(path / "under-a-file", "x"), std::system_error);
}
