// The tus header vocabulary, without a server.
#include <doctest/doctest.h>

#include "server/uploads/tus_headers.hpp"

using namespace festival::server;

namespace {

int status_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const http_error& e) {
        return e.status();
    }
    return 0;
}

http_request with_header(const std::string& name, const std::string& value) {
    http_request r;
    r.headers.emplace_back(name, value);
    return r;
}

}  // namespace

TEST_CASE("Upload-Metadata pairs decode from base64, a key alone maps to an empty value") {
    const auto m = tus::parse_metadata("film dm95YWdl, filename bcOpbW9pcmUubW92,is_confidential");
    CHECK(m.at("film") == "voyage");
    CHECK(m.at("filename") == "mémoire.mov");
    CHECK(m.at("is_confidential").empty());
    CHECK(tus::parse_metadata("").empty());
    CHECK(status_of([] { tus::parse_metadata("film not*base64"); }) == 400);
    CHECK(status_of([] { tus::parse_metadata("film a b"); }) == 400);
}

TEST_CASE("Upload-Checksum accepts sha1 with a 20-byte digest only") {
    const auto c = tus::parse_checksum("sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    CHECK(c.algorithm == "sha1");
    CHECK(c.digest.size() == 20);
    CHECK(tus::parse_checksum("SHA1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=").algorithm == "sha1");
    CHECK(status_of([] { tus::parse_checksum("md5 1B2M2Y8AsgTpgAmY7PhCfg=="); }) == 400);
    CHECK(status_of([] { tus::parse_checksum("sha1 AAAA"); }) == 400);
    CHECK(status_of([] { tus::parse_checksum("sha1"); }) == 400);
}

TEST_CASE("sizes are plain decimal numbers, Tus-Resumable must be 1.0.0") {
    CHECK(tus::parse_size_header(with_header("upload-offset", "1234"), "upload-offset") == 1234);
    CHECK(!tus::parse_size_header(http_request{}, "upload-offset"));
    CHECK(status_of([] { tus::parse_size_header(with_header("upload-offset", "-1"), "upload-offset"); }) == 400);
    CHECK(status_of([] { tus::parse_size_header(with_header("upload-offset", "12a"), "upload-offset"); }) == 400);
    CHECK(status_of([] { tus::parse_size_header(with_header("upload-offset", "9999999999999999999"), "upload-offset"); }) == 400);
    CHECK(status_of([] { tus::require_resumable(http_request{}); }) == 412);
    CHECK(status_of([] { tus::require_resumable(with_header("tus-resumable", "0.2.2")); }) == 412);
    CHECK(status_of([] { tus::require_resumable(with_header("tus-resumable", "1.0.0")); }) == 0);
}
