#pragma once
// The country of a client address, from a MaxMind-format database (GeoLite2/GeoIP2 Country or City,
// DB-IP's, or one written with MaxMind::DB::Writer): libmaxminddb over a read-only memory map, so a
// lookup allocates nothing, takes no lock and may run on any thread, /media's included.
#include <array>
#include <memory>
#include <string>
#include <string_view>

struct MMDB_s;

namespace festival::server::geo {

// An ISO 3166 alpha-2 code in upper case ("FR"), or empty when unknown.
class country_code {
public:
    country_code() = default;
    // Two ASCII letters, either case; anything else is unknown.
    static country_code from(std::string_view text);
    bool known() const { return letters_[0] != 0; }
    std::string_view text() const { return known() ? std::string_view(letters_.data(), 2) : std::string_view(); }
    // 0 … 675 for a known code: the place of the code in a table of every two-letter pair.
    int index() const { return (letters_[0] - 'A') * 26 + (letters_[1] - 'A'); }
    bool operator==(const country_code&) const = default;

private:
    std::array<char, 2> letters_{};
};

class country_database {
public:
    // Opens (maps) the file; throws std::runtime_error naming it when it is missing or not a
    // MaxMind database.
    explicit country_database(const std::string& path);
    ~country_database();
    country_database(const country_database&) = delete;
    country_database& operator=(const country_database&) = delete;

    // The country of an IPv4 or IPv6 address in text ("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1");
    // unknown when the address is not one, or the database has no country for it.
    country_code country_of(std::string_view address) const;

private:
    struct closer {
        void operator()(MMDB_s* db) const noexcept;
    };
    std::unique_ptr<MMDB_s, closer> db_;
};

}  // namespace festival::server::geo
