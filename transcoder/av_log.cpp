#include <mutex>
#include <string>

#include "transcoder/av_handles.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::transcoder {
namespace {

int log_threshold = AV_LOG_WARNING;

void log_line(void* avcl, int level, const char* format, va_list args) {
    if (level > log_threshold) return;
    // libav calls this from its own threads too; one line per message, assembled under a lock.
    static std::mutex mutex;
    static std::string pending;
    char text[1024];
    int prefix = 1;
    av_log_format_line2(avcl, level, format, args, text, sizeof text, &prefix);
    std::lock_guard lock(mutex);
    pending += text;
    if (pending.empty() || pending.back() != '\n') return;
    pending.pop_back();
    // swscale warns about the JPEG pixel formats we pick on purpose for posters.
    if (pending.find("deprecated pixel format") != std::string::npos) {
        pending.clear();
        return;
    }
    const char* name = level <= AV_LOG_ERROR ? "error" : level <= AV_LOG_WARNING ? "warning" : "info";
    log_event("libav", {{"level", name}, {"message", pending}});
    pending.clear();
}

}  // namespace

std::string av_error_text(int code) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(code, text, sizeof text);
    return text;
}

void route_av_log(bool verbose) {
    log_threshold = verbose ? AV_LOG_INFO : AV_LOG_WARNING;
    av_log_set_callback(log_line);
}

}  // namespace festival::transcoder
