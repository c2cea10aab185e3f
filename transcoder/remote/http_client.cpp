#include "transcoder/remote/http_client.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace festival::transcoder::remote {
namespace {

struct curl_deleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct slist_deleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct file_deleter {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using slist_ptr = std::unique_ptr<curl_slist, slist_deleter>;

void append_header(slist_ptr& list, const std::string& line) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (!grown) throw std::bad_alloc();
    list.release();
    list.reset(grown);
}

std::size_t to_string(char* data, std::size_t size, std::size_t count, void* target) {
    static_cast<std::string*>(target)->append(data, size * count);
    return size * count;
}

int on_progress(void* go_on, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return (*static_cast<const keep_going*>(go_on))() ? 0 : 1;
}

// A download's body goes to the file only once the status says it is the file (200 or 206).
struct download_target {
    CURL* curl;
    std::filesystem::path file;
    std::uint64_t offset;
    int fd = -1;
    bool decided = false;
    http_answer* answer;
    std::string open_error;

    ~download_target() {
        if (fd >= 0) ::close(fd);
    }
};

std::size_t to_download(char* data, std::size_t size, std::size_t count, void* opaque) {
    auto& t = *static_cast<download_target*>(opaque);
    const std::size_t n = size * count;
    if (!t.decided) {
        t.decided = true;
        curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &t.answer->status);
        if (t.answer->status == 200 || t.answer->status == 206) {
            // 200: the server sent the whole file (it ignored the range): start over.
            const bool whole = t.answer->status == 200;
            t.fd = ::open(t.file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (whole ? O_TRUNC : 0), 0644);
            if (t.fd < 0 || (!whole && ::ftruncate(t.fd, static_cast<off_t>(t.offset)) != 0) ||
                ::lseek(t.fd, 0, SEEK_END) < 0) {
                t.open_error = "cannot write " + t.file.string() + ": " + std::strerror(errno);
                return 0;
            }
        }
    }
    if (t.fd < 0) {
        t.answer->body.append(data, n);
        return n;
    }
    std::size_t written = 0;
    while (written < n) {
        const auto w = ::write(t.fd, data + written, n - written);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            t.open_error = "cannot write " + t.file.string() + ": " + std::strerror(errno);
            return 0;
        }
        written += static_cast<std::size_t>(w);
    }
    t.answer->bytes_written += n;
    return n;
}

}  // namespace

struct http_client::curl_handle {
    std::unique_ptr<CURL, curl_deleter> easy{curl_easy_init()};
    slist_ptr headers;
    char error[CURL_ERROR_SIZE] = {};
};

void init_http() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string http_answer::error_code() const {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object() && json.contains("error") && json["error"].is_object())
        return json["error"].value("code", "");
    return "";
}

std::string http_answer::describe() const {
    std::string text = std::to_string(status);
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object() && json.contains("error") && json["error"].is_object()) {
        text += ' ';
        text += json["error"].value("code", "");
        text += ": ";
        text += json["error"].value("message", "");
    }
    return text;
}

http_client::http_client(std::string server, std::string token)
    : server_(std::move(server)), authorization_("Authorization: Bearer " + token), curl_(std::make_unique<curl_handle>()) {
    while (!server_.empty() && server_.back() == '/') server_.pop_back();
    if (!curl_->easy) throw std::runtime_error("cannot start libcurl");
}

http_client::~http_client() = default;

void http_client::prepare(const std::string& method, const std::string& path, const keep_going* go_on) {
    CURL* c = curl_->easy.get();
    curl_easy_reset(c);  // keeps the connection cache: the next request reuses the connection
    curl_->headers.reset();
    append_header(curl_->headers, authorization_);
    append_header(curl_->headers, "Expect:");  // no 100-continue round trip before uploads
    curl_->error[0] = '\0';
    const std::string url = server_ + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_->error);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "festival-transcoder");
    if (method != "GET" && method != "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (go_on) {
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<keep_going*>(go_on));
        // Transfers may take long; a stalled one (under 1 byte/s for 30 s) is abandoned.
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
    }
}

http_answer http_client::perform(const std::string& what) {
    CURL* c = curl_->easy.get();
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, curl_->headers.get());
    const CURLcode code = curl_easy_perform(c);
    if (code != CURLE_OK) {
        const std::string detail = curl_->error[0] ? curl_->error : curl_easy_strerror(code);
        throw transfer_error(what + ": " + detail);
    }
    http_answer answer;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
    return answer;
}

http_answer http_client::call(const std::string& method, const std::string& path, const nlohmann::json& body,
                              int timeout_seconds) {
    prepare(method, path, nullptr);
    CURL* c = curl_->easy.get();
    std::string sent;
    if (!body.is_null()) {
        sent = body.dump();
        append_header(curl_->headers, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, sent.c_str());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(sent.size()));
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout_seconds));
    std::string received;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_string);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &received);
    auto answer = perform(method + " " + path);
    answer.body = std::move(received);
    return answer;
}

http_answer http_client::download(const std::string& path, const std::filesystem::path& file, std::uint64_t offset,
                                  const keep_going& go_on) {
    prepare("GET", path, &go_on);
    CURL* c = curl_->easy.get();
    if (offset > 0) append_header(curl_->headers, "Range: bytes=" + std::to_string(offset) + "-");
    http_answer answer;
    download_target target{c, file, offset, -1, false, &answer, {}};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_download);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &target);
    try {
        const auto done = perform("GET " + path);
        if (!target.decided) answer.status = done.status;  // an empty body
    } catch (const transfer_error&) {
        if (!target.open_error.empty()) throw std::runtime_error(target.open_error);
        throw;
    }
    return answer;
}

http_answer http_client::upload(const std::string& path, const std::filesystem::path& file, const keep_going& go_on) {
    std::unique_ptr<std::FILE, file_deleter> in(std::fopen(file.c_str(), "rb"));
    if (!in) throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
    const auto bytes = std::filesystem::file_size(file);
    prepare("PUT", path, &go_on);
    CURL* c = curl_->easy.get();
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READDATA, in.get());  // libcurl's default reader: fread
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(bytes));
    std::string received;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_string);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &received);
    auto answer = perform("PUT " + path);
    answer.body = std::move(received);
    return answer;
}

}  // namespace festival::transcoder::remote
