#pragma once
// One SQLite connection per thread that asks for one (SQLite connections must not be shared across
// threads); each opened lazily on first use and closed with its thread.
#include <string>

#include "catalog/database.hpp"

namespace festival::server {

class catalog_connections {
public:
    // `writes`, when given, is told of every write transaction the server's connections commit.
    explicit catalog_connections(std::string path, catalog::write_observer* writes = nullptr)
        : path_(std::move(path)), writes_(writes) {}
    // The calling thread's connection to this catalog.
    catalog::database& local();
    const std::string& path() const { return path_; }

private:
    std::string path_;
    catalog::write_observer* writes_;
};

}  // namespace festival::server
