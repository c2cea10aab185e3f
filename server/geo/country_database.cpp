#include "server/geo/country_database.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>

#include <maxminddb.h>

namespace festival::server::geo {

country_code country_code::from(std::string_view text) {
    country_code code;
    if (text.size() != 2) return code;
    for (std::size_t i = 0; i < 2; ++i) {
        char c = text[i];
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (c < 'A' || c > 'Z') return country_code();
        code.letters_[i] = c;
    }
    return code;
}

void country_database::closer::operator()(MMDB_s* db) const noexcept {
    MMDB_close(db);
    delete db;
}

country_database::country_database(const std::string& path) {
    auto db = std::make_unique<MMDB_s>();
    if (const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, db.get()); status != MMDB_SUCCESS)
        throw std::runtime_error("geo database " + path + ": " + MMDB_strerror(status));
    db_.reset(db.release());
}

country_database::~country_database() = default;

country_code country_database::country_of(std::string_view address) const {
    // inet_pton wants a terminated string: copied to the stack, never to the heap.
    char text[INET6_ADDRSTRLEN + 1];
    if (address.empty() || address.size() >= sizeof text) return {};
    std::memcpy(text, address.data(), address.size());
    text[address.size()] = '\0';
    sockaddr_storage storage{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        // An IPv4 client seen through a dual-stack socket: looked up as the IPv4 address it is.
        if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
            in_addr mapped;
            std::memcpy(&mapped, v6->sin6_addr.s6_addr + 12, sizeof mapped);
            storage = {};
            v4->sin_family = AF_INET;
            v4->sin_addr = mapped;
        }
    } else {
        return {};
    }
    int error = MMDB_SUCCESS;
    auto result = MMDB_lookup_sockaddr(db_.get(), reinterpret_cast<const sockaddr*>(&storage), &error);
    if (error != MMDB_SUCCESS || !result.found_entry) return {};
    MMDB_entry_data_s data{};
    if (MMDB_get_value(&result.entry, &data, "country", "iso_code", nullptr) != MMDB_SUCCESS || !data.has_data ||
        data.type != MMDB_DATA_TYPE_UTF8_STRING)
        return {};
    return country_code::from(std::string_view(data.utf8_string, data.data_size));
}

}  // namespace festival::server::geo
