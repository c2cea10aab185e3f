#include "transcoder/remote/remote_files.hpp"

#include <sodium.h>

#include <array>
#include <fstream>
#include <stdexcept>

namespace festival::transcoder::remote {

namespace fs = std::filesystem;

bool valid_output_path(const std::string& path) {
    if (path.empty() || path.size() > 1024) return false;
    std::size_t start = 0;
    while (true) {
        const auto slash = path.find('/', start);
        const std::string segment = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (segment.empty() || segment == "." || segment == "..") return false;
        for (const char c : segment) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                            c == '_' || c == '-';
            if (!ok) return false;
        }
        if (slash == std::string::npos) return true;
        start = slash + 1;
    }
}

bool valid_input_name(const std::string& name) {
    if (name == "master") return true;
    for (const std::string prefix : {"subtitle-", "audio-"}) {
        if (name.rfind(prefix, 0) != 0) continue;
        const auto number = name.substr(prefix.size());
        if (number.empty() || number.size() > 6) return false;
        for (const char c : number)
            if (c < '0' || c > '9') return false;
        return true;
    }
    return false;
}

std::string sha256_of_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    std::array<char, 1 << 16> chunk{};
    while (in) {
        in.read(chunk.data(), chunk.size());
        const auto n = in.gcount();
        if (n > 0) crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(chunk.data()),
                                             static_cast<unsigned long long>(n));
    }
    if (in.bad()) throw std::runtime_error("cannot read " + file.string());
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state, digest);
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

file_listing list_output(const fs::path& folder) {
    file_listing files;
    for (auto it = fs::recursive_directory_iterator(folder); it != fs::recursive_directory_iterator(); ++it) {
        const auto relative = it->path().lexically_relative(folder).generic_string();
        if (it->is_symlink() || (!it->is_regular_file() && !it->is_directory()))
            throw std::runtime_error("the output holds something else than files: " + relative);
        if (!valid_output_path(relative)) throw std::runtime_error("the output holds a file the server refuses: " + relative);
        if (it->is_regular_file()) files[relative] = {it->file_size(), sha256_of_file(it->path())};
    }
    return files;
}

file_listing listing_from_json(const nlohmann::json& answer) {
    file_listing files;
    if (!answer.is_object() || !answer.contains("files") || !answer["files"].is_object()) return files;
    for (auto it = answer["files"].begin(); it != answer["files"].end(); ++it) {
        const auto& facts = it.value();
        if (!facts.is_object() || !facts.contains("bytes") || !facts["bytes"].is_number_unsigned() ||
            !facts.contains("sha256") || !facts["sha256"].is_string())
            continue;
        files[it.key()] = {facts["bytes"].get<std::uint64_t>(), facts["sha256"].get<std::string>()};
    }
    return files;
}

nlohmann::json listing_to_json(const file_listing& files) {
    auto list = nlohmann::json::array();
    for (const auto& entry : files)
        list.push_back({{"path", entry.first}, {"bytes", entry.second.bytes}, {"sha256", entry.second.sha256}});
    return list;
}

std::vector<std::string> files_to_upload(const file_listing& local, const file_listing& remote) {
    std::vector<std::string> missing;
    for (const auto& entry : local) {
        const auto there = remote.find(entry.first);
        if (there == remote.end() || !(there->second == entry.second)) missing.push_back(entry.first);
    }
    return missing;
}

std::uint64_t resume_offset(const fs::path& partial, std::uint64_t bytes) {
    std::error_code ec;
    const auto size = fs::file_size(partial, ec);
    if (ec || size > bytes) return 0;
    return size;
}

}  // namespace festival::transcoder::remote
