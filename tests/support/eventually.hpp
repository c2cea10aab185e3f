#pragma once
// Polls a condition another thread or process brings about, every 100 ms until `limit` has passed;
// the limit only keeps a broken build from hanging the run.
#include <chrono>
#include <functional>
#include <thread>

namespace festival::testing {

inline bool eventually(const std::function<bool()>& condition, std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

}  // namespace festival::testing
