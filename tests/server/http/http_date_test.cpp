#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "server/http/http_date.hpp"

using namespace festival::server;

TEST_CASE("an HTTP-date is an IMF-fixdate, read back to the same second") {
    CHECK(http_date(1403712000) == "Wed, 25 Jun 2014 16:00:00 GMT");  // tus's Upload-Expires example
    CHECK(http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");   // RFC 9110 §5.6.7's
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date(http_date(1700000000)) == 1700000000);
    CHECK_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
    CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
}

TEST_CASE("the Date header line is a whole header line for the current second") {
    const std::string line(date_header_line());
    const std::regex shape("Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                           "\\d{4} \\d\\d:\\d\\d:\\d\\d GMT\r\n");
    CHECK(std::regex_match(line, shape));
}
