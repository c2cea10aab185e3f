#pragma once
// Domain errors thrown by the catalog. The server maps each kind to one HTTP status at one place.
#include <stdexcept>
#include <string>

namespace festival::catalog {

// `busy`: the catalog cannot take a write now (locked by another writer, or read-only) and may later;
// `full`: the disk has no room. Both leave the catalog as it was.
enum class error_kind { invalid, not_found, conflict, forbidden, unauthorized, storage, busy, full };

class catalog_error : public std::runtime_error {
public:
    catalog_error(error_kind kind, std::string code, const std::string& message)
        : std::runtime_error(message), kind_(kind), code_(std::move(code)) {}
    error_kind kind() const noexcept { return kind_; }
    // Short machine-readable code, e.g. "film_not_found"; goes into {"error":{"code":…}}.
    const std::string& code() const noexcept { return code_; }

private:
    error_kind kind_;
    std::string code_;
};

inline catalog_error invalid(std::string code, const std::string& message) {
    return {error_kind::invalid, std::move(code), message};
}
inline catalog_error not_found(std::string code, const std::string& message) {
    return {error_kind::not_found, std::move(code), message};
}
inline catalog_error conflict(std::string code, const std::string& message) {
    return {error_kind::conflict, std::move(code), message};
}

}  // namespace festival::catalog
