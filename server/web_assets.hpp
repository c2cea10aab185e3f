#pragma once
// The files the festival's pages load, and whether they are all there: `festival serve` refuses to start
// when one is missing, rather than serving film pages whose player fails on a 404.
//
// What a page loads is found by a scan, not a parser (the pages are ours, not hostile input): in each
// page (*.html at the top of the pages folder), and in each of our scripts and style sheets that a page
// loads, every quoted text that is a path on this site ending in an asset's extension, e.g.
// src="/js/pages/film.js", href="/css/festival.css", import { t } from '/js/i18n.js',
// import('./player.js'), script.src = '/vendor/hls.min.js'. Links to pages (href="/catalog") have no
// extension and are not assets, nor are the routes' answers (/api/…, /media/…, /preview/…); paths
// built at run time (`/i18n/${lang}.json`) are not seen.
#include <string>
#include <string_view>
#include <vector>

namespace festival::server {

// A site path's file: /vendor/… in the vendor folder, anything else in the pages folder. `path` is
// relative to the site's root ("vendor/hls.min.js", "js/api.js"), as the page route opens it.
struct web_file_location {
    std::string_view root;
    std::string relative;
};
web_file_location locate_web_file(std::string_view pages_dir, std::string_view vendor_dir, std::string_view path);

// The asset paths ("/js/api.js") that `text`, the file at site path `from` ("/js/pages/film.js"),
// references, relative ones resolved against it; in order, without repeats.
std::vector<std::string> referenced_web_assets(std::string_view text, std::string_view from);

struct missing_web_asset {
    std::string path;           // "/vendor/hls.min.js"
    std::string referenced_by;  // "/film.html"
};

// Every asset the pages load, directly or through the scripts and style sheets they load, that is not a
// readable file. A folder without pages is itself missing ("/index.html").
std::vector<missing_web_asset> missing_web_assets(const std::string& pages_dir, const std::string& vendor_dir);

// The start-up check: true when nothing is missing; else each missing asset is logged
// (`web_asset_missing`) and told on stderr with the folders searched.
bool web_assets_complete(const std::string& pages_dir, const std::string& vendor_dir);

}  // namespace festival::server
