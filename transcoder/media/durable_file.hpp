#pragma once
// Files that survive a crash whole or not at all. Every durable write in the festival goes through
// here: a temporary beside the target, written and fsync'd, renamed over it, its folder fsync'd.
// Failures throw std::system_error with the errno, so that a full disk is answered 507 by the server.
#include <filesystem>
#include <string>
#include <string_view>

namespace festival::media {

// Writes a small file (a playlist, a WebVTT file, a poster) whole or throws, without fsync (a version's files
// are synced together when it is published): a full disk must fail the write, not leave an empty
// master.m3u8 to be published.
void write_whole_file(const std::string& path, std::string_view text);
// The whole file; throws std::runtime_error when it cannot be read.
std::string read_text_file(const std::filesystem::path& path);

// Writes `bytes` to `path` atomically and durably (creating its folder).
void write_file_durably(const std::filesystem::path& path, std::string_view bytes);

// Makes a rename or a new file in `dir` durable. Best effort: a folder that cannot be opened is skipped.
void sync_directory(const std::filesystem::path& dir);

// fsyncs every file and folder beneath `dir`, then `dir` itself: a tree written without fsync (by a
// transcoder, by hard links) is on disk before it is renamed into place. Throws std::system_error.
void sync_tree(const std::filesystem::path& dir);

}  // namespace festival::media
