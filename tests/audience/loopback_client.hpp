#pragma once
// An HTTP call from a chosen loopback address (127.0.0.N), so the server sees another client.
#include <string>

#include "tests/support/http_client.hpp"

namespace festival::testing {

http_result http_call_from(const std::string& local_address, unsigned short port, const std::string& method,
                           const std::string& target, const std::string& body = "", const header_list& headers = {});

}  // namespace festival::testing
