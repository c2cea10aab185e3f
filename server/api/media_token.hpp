#pragma once
// Signed, expiring tokens in viewers' media URLs, so that a cache in front (nginx's secure_link, a
// CDN's signed URLs) can hold one copy of each file for everyone and still stop serving a film soon
// after its screening window closes: no new token is issued then, and the last one dies within 2S.
//
// A token is "<expires>-<sig>": expires = (floor(now / S) + 2) * S in unix seconds, the same for every
// viewer of a time slice (so it lives between S and 2S), and sig = base64url, unpadded, of
// MD5("<expires>/media/<film>/v<version> <secret>"): exactly what nginx checks with
//   secure_link $sig,$expires;  secure_link_md5 "$expires/media/$film/v$version $secret";
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "server/config.hpp"

namespace festival::server {

enum class media_token_verdict { valid, expired, invalid };

class media_token_signer {
public:
    // `secret`: text used as it is (no spaces, so nginx's configuration can hold it); `seconds`: S.
    media_token_signer(std::string secret, std::int64_t seconds);

    // "<expires>-<sig>" for `film`'s `version`, valid from `now` for at least S seconds.
    std::string issue(std::int64_t film_id, std::int64_t version, std::int64_t now) const;
    // When the tokens issued at `now` expire.
    std::int64_t expires_at(std::int64_t now) const { return (now / seconds_ + 2) * seconds_; }
    // Whether `token` ("<expires>-<sig>") lets `film`'s `version` be fetched at `now`. A signature
    // that does not match is `invalid` whatever its time; a good one past its time is `expired`.
    // Compared in constant time; allocates nothing. Every viewer of a time slice sends the same token,
    // so each thread remembers the last few it verified and hashes only a token it has not seen.
    media_token_verdict check(std::int64_t film_id, std::int64_t version, std::string_view token,
                              std::int64_t now) const;

    std::int64_t seconds() const { return seconds_; }
    // With the festival's S and secret (media-token-secret-file, or the default file, made when
    // missing). Throws std::runtime_error naming the file when the secret cannot be had.
    static media_token_signer from_config(const config& c);

private:
    static constexpr std::size_t sig_chars = 22;  // 16 bytes of MD5 in unpadded base64url
    // Writes the signature's 22 characters (and a NUL) to `out`.
    void sign(std::int64_t film_id, std::int64_t version, std::int64_t expires, char (&out)[sig_chars + 1]) const;

    std::string secret_;
    std::int64_t seconds_;
    std::uint64_t id_;  // unique among all signers: a thread's cache of verified tokens names one
};

// The secret in `path` (its first line), created there first when the file does not exist: 32 random
// bytes as unpadded base64url, mode 0600. Throws std::runtime_error naming the file when it cannot be
// read or created, or holds no usable secret (empty, shorter than 16 characters, or with whitespace).
std::string load_or_create_media_secret(const std::filesystem::path& path);


}  // namespace festival::server
