#include "tests/uploads/tus_client.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <openssl/evp.h>
#include <sodium.h>

namespace festival::testing {
namespace {

std::string digest(const EVP_MD* md, const std::string& bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), out, &length, md, nullptr);
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string base64(const std::string& bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);
    return out;
}

}  // namespace

http_result tus_client::call(const std::string& method, const std::string& target, const std::string& body,
                             header_list headers) const {
    if (signed_in) headers.emplace_back("Cookie", session.cookie);
    if (signed_in && csrf) headers.emplace_back("X-CSRF-Token", session.csrf_token);
    if (resumable) headers.emplace_back("Tus-Resumable", "1.0.0");
    return http_call(session.port, method, target, body, headers);
}

std::string tus_client::create(const std::string& film, std::int64_t length, const std::string& filename) const {
    const auto result = call("POST", "/api/uploads", "",
                             {{"Upload-Length", std::to_string(length)},
                              {"Upload-Metadata", "film " + base64(film) + ",filename " + base64(filename)}});
    if (result.status != 201) throw std::runtime_error("upload creation failed: " + result.body);
    return result.header("location");
}

http_result tus_client::patch(const std::string& path, std::int64_t offset, const std::string& bytes,
                              const std::string& checksum_header) const {
    header_list headers = {{"Content-Type", "application/offset+octet-stream"},
                           {"Upload-Offset", std::to_string(offset)}};
    if (!checksum_header.empty()) headers.emplace_back("Upload-Checksum", checksum_header);
    return call("PATCH", path, bytes, headers);
}

http_result tus_client::head(const std::string& path) const { return call("HEAD", path, "", {}); }

nlohmann::json tus_client::settled(const std::string& path) const {
    nlohmann::json status;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    do {
        status = session.call("GET", path).json();
        if (status["status"] != "receiving") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return status;
}

std::string tus_metadata(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string header;
    for (const auto& pair : pairs) header += (header.empty() ? "" : ",") + pair.first + " " + base64(pair.second);
    return header;
}

std::string sha1_checksum(const std::string& bytes) { return "sha1 " + base64(digest(EVP_sha1(), bytes)); }

std::string sha256_hex(const std::string& bytes) {
    const auto raw = digest(EVP_sha256(), bytes);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : raw) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

std::string pattern_bytes(std::size_t size, std::uint32_t seed) {
    std::mt19937 random(seed);
    std::string out(size, '\0');
    for (auto& c : out) c = static_cast<char>(random() & 0xff);
    return out;
}

std::string read_file(const std::string& path) {
    std::string out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buffer[65536];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    return out;
}

struct partial_patch::impl {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket{io};
};

partial_patch::partial_patch(const tus_client& client, const std::string& path, std::int64_t offset,
                             const std::string& bytes, std::size_t announced, const std::string& checksum_header)
    : impl_(std::make_unique<impl>()) {
    namespace asio = boost::asio;
    impl_->socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), client.session.port));
    std::string head = "PATCH " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                       "Content-Type: application/offset+octet-stream\r\nUpload-Offset: " + std::to_string(offset) +
                       "\r\nContent-Length: " + std::to_string(announced) + "\r\nCookie: " + client.session.cookie +
                       "\r\nX-CSRF-Token: " + client.session.csrf_token + "\r\n" +
                       (checksum_header.empty() ? "" : "Upload-Checksum: " + checksum_header + "\r\n") + "\r\n";
    asio::write(impl_->socket, asio::buffer(head));
    asio::write(impl_->socket, asio::buffer(bytes));
}

partial_patch::~partial_patch() {
    boost::system::error_code ignored;
    impl_->socket.close(ignored);
}

}  // namespace festival::testing
