// The start-up check of the pages' assets: what the scan takes for an asset a page loads, what it
// leaves alone, that it follows scripts into the modules they import, and that `festival serve`
// refuses to start, naming the asset, when one is missing.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "server/config.hpp"
#include "server/web_assets.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;
using festival::server::missing_web_assets;
using festival::server::referenced_web_assets;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

// A small site: a page with a style sheet, a classic vendor script and a module that imports another.
void write_site(const fs::path& web, const fs::path& vendor) {
    write(web / "film.html",
          "<!doctype html><link rel=\"stylesheet\" href=\"/css/site.css\"><a href=\"/catalog\">l'été</a>\n"
          "<script src=\"/vendor/lib.min.js\"></script><script type=\"module\" src=\"/js/pages/film.js\"></script>");
    write(web / "css/site.css", "body { color: black }");
    write(web / "js/pages/film.js", "import { play } from '../player.js';\nplay();");
    write(web / "js/player.js", "export function play() { const s = document.createElement('script');\n"
                                "s.src = '/vendor/hls.min.js'; }");
    write(vendor / "lib.min.js", "/* lib */");
    write(vendor / "hls.min.js", "/* hls */");
}

// The one asset reported missing (the test stops when there are none or several).
festival::server::missing_web_asset the_one_missing(const fs::path& web, const fs::path& vendor) {
    const auto missing = missing_web_assets(web.string(), vendor.string());
    REQUIRE(missing.size() == 1);
    return missing[0];
}

}  // namespace

TEST_CASE("the scan takes quoted site paths with an asset's extension, resolved, and nothing else") {
    const auto html = referenced_web_assets(
        "<link rel=\"stylesheet\" href=\"/css/festival.css?v=2\"><link rel=\"icon\" href='/img/favicon.svg'>\n"
        "<a href=\"/catalog\">Catalog</a> <a href=\"/films/some-film\">l'été</a> <a href=\"#top\">top</a>\n"
        "<script src=\"https://cdn.example/x.js\"></script><script src=\"//cdn.example/y.js\"></script>\n"
        "<script type=\"module\" src=\"/js/pages/film.js\"></script><link rel=\"preload\" href=\"/vendor/hls.min.js\">",
        "/film.html");
    CHECK(html == std::vector<std::string>{"/css/festival.css", "/img/favicon.svg", "/js/pages/film.js", "/vendor/hls.min.js"});

    const auto script = referenced_web_assets(
        "// the player's page: don't load twice\n"
        "import { api } from '/js/api.js';\nimport { el } from \"./layout.js\";\n"
        "const { createPlayer } = await import('../player.js');\n"
        "fetch(`/i18n/${lang}.json`); fetch('/api/films'); link.href = '/api/moderation/export.json';\n"
        "script.src = '/vendor/hls.min.js';\n"
        "import { api as again } from '/js/api.js';",
        "/js/pages/film.js");
    CHECK(script == std::vector<std::string>{"/js/api.js", "/js/pages/layout.js", "/js/player.js", "/vendor/hls.min.js"});

    // A path that climbs above the site's root is kept as written: it can be no file of the site.
    CHECK(referenced_web_assets("import '../../x.js';", "/js/a.js") == std::vector<std::string>{"../../x.js"});
}

TEST_CASE("every asset a page loads, through the modules its scripts import, must be there") {
    temp_dir dir;
    const auto web = dir.path() / "web", vendor = dir.path() / "vendor";
    write_site(web, vendor);
    CHECK(missing_web_assets(web.string(), vendor.string()).empty());

    struct removal {
        fs::path file;
        std::string asset, loaded_by;
    };
    for (const auto& removed : {
             removal{vendor / "lib.min.js", "/vendor/lib.min.js", "/film.html"},      // a vendor file the page loads
             removal{vendor / "hls.min.js", "/vendor/hls.min.js", "/js/player.js"},   // two imports away from the page
             removal{web / "js/player.js", "/js/player.js", "/js/pages/film.js"}}) {  // an imported module
        CAPTURE(removed.asset);  // a member, not a structured binding: clang 14 cannot capture those
        write_site(web, vendor);
        fs::remove(removed.file);
        const auto missing = the_one_missing(web, vendor);
        CHECK(missing.path == removed.asset);
        CHECK(missing.referenced_by == removed.loaded_by);
    }
    CHECK(the_one_missing(dir.path() / "nothing", vendor).path == "/index.html");  // a folder without pages
}

TEST_CASE("the festival's own pages find every asset they load, the build's vendor files included") {
    const fs::path web = fs::path(FESTIVAL_SOURCE_DIR) / "web";
    const fs::path vendor = fs::path(FESTIVAL_EXE).parent_path() / "web" / "vendor";
    CHECK(missing_web_assets(web.string(), vendor.string()).empty());
    // The scan sees what the film page needs to play: its module, the player and hls.js.
    temp_dir empty;
    const auto without_vendor = missing_web_assets(web.string(), empty.path().string());
    std::vector<std::string> paths;
    for (const auto& m : without_vendor) paths.push_back(m.path);
    CHECK(std::find(paths.begin(), paths.end(), "/vendor/hls.min.js") != paths.end());
    CHECK(std::find(paths.begin(), paths.end(), "/vendor/tus.min.js") != paths.end());
    CHECK(std::find(paths.begin(), paths.end(), "/vendor/chart.umd.js") != paths.end());
}

TEST_CASE("run from the build tree, the festival serves the source tree's pages and the build's vendor files") {
    using festival::server::load_config;
    const auto build = fs::path(FESTIVAL_EXE).parent_path();
    const auto defaults = load_config({});
    CHECK(fs::equivalent(defaults->web_dir, fs::path(FESTIVAL_SOURCE_DIR) / "web"));
    CHECK(fs::equivalent(defaults->vendor_dir, build / "web" / "vendor"));
    // Pages named elsewhere bring their own vendor folder, unless it is named too.
    CHECK(load_config({"--web-dir", "/srv/web"})->vendor_dir == "/srv/web/vendor");
    CHECK(load_config({"--web-dir", "/srv/web", "--vendor-dir", "/usr/share/javascript"})->vendor_dir == "/usr/share/javascript");
}

TEST_CASE("festival serve refuses to start when a page's asset is missing, and names it") {
    temp_dir data, vendor;
    std::string output;
    // `timeout`: a server that wrongly starts is stopped (exit 124) instead of hanging the test.
    const int status = run_command({"timeout", "60", FESTIVAL_EXE, "serve", "--listen", "127.0.0.1:0", "--data-dir",
                                    data.path().string(), "--transcoders", "0", "--vendor-dir", vendor.path().string()},
                                   output);
    CHECK(status == 1);
    CHECK(output.find("web asset /vendor/hls.min.js (loaded by /film.html) is missing") != std::string::npos);
    CHECK(output.find(R"("event":"web_asset_missing")") != std::string::npos);
    CHECK(output.find(R"("asset":"/vendor/hls.min.js")") != std::string::npos);
    CHECK(output.find("listening") == std::string::npos);
}
