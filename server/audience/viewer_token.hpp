#pragma once
// The browser's viewer token (web/js/viewer-token.js: 128 random bits as 32 lower-case hex digits,
// sent only in a play start's body) and its place in the whole-run unique-viewer sketches. The token is
// hashed with the festival's sketch key (BLAKE2b, 32 random bytes in the data folder's
// audience-sketch.secret, shared by the nodes on the folder and kept over restarts), so a token lands in
// the same slot for the whole run and nobody without the key can choose a slot. Only the slot is kept.
#include <filesystem>
#include <string>
#include <string_view>

#include "catalog/viewer_sketch.hpp"

namespace festival::server {

// Exactly 32 lower-case hexadecimal digits.
bool viewer_token_shaped(std::string_view token);

class viewer_token_hasher {
public:
    // A key of its own, random, for this process only (tests, and a festival without a data folder).
    viewer_token_hasher();
    // `key`: 32 bytes.
    explicit viewer_token_hasher(std::string key);
    ~viewer_token_hasher();
    viewer_token_hasher(viewer_token_hasher&&) = default;
    viewer_token_hasher& operator=(viewer_token_hasher&&) = default;

    // The slot of a token (shaped or not: the caller checks): its keyed 64-bit hash's register and rank.
    catalog::sketch_slot slot_of(std::string_view token) const;

    // The key in `path` (64 hex digits on one line), created there first when the file does not exist
    // (32 random bytes, mode 0600, complete before it appears: two nodes starting at once read the
    // same key). Throws std::runtime_error naming the file when it cannot be had.
    static viewer_token_hasher from_file(const std::filesystem::path& path);

private:
    std::string key_;
};

}  // namespace festival::server
