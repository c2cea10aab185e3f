#pragma once
// A viewer's media URL signed now with the secret `festival serve` keeps in its data folder, for tests
// that must reach /media where the film JSON gives no URL (a film not screening, a version it does not
// name). Tests of films that screen take their URLs from the film JSON instead. Header-only: only
// executables that link festival_server include it.
#include <cstdint>
#include <filesystem>
#include <string>

#include "catalog/clock.hpp"
#include "server/api/media_urls.hpp"

namespace festival::testing {

inline std::string signed_media_url(const std::filesystem::path& data_dir, std::int64_t film, std::int64_t version,
                                    const std::string& file, std::int64_t seconds = 30) {
    const server::media_token_signer signer(server::load_or_create_media_secret(data_dir / "media-token.secret"), seconds);
    return server::media_url(film, version, signer.issue(film, version, catalog::unix_now()), file);
}

}  // namespace festival::testing
