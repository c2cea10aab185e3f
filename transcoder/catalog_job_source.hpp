#pragma once
// Jobs from the catalog, for workers on the server's host (or any host sharing its data folder and
// its catalog): claims with a lease, writes into .tmp-<job> beside the published versions and publishes
// through media::version_publisher.
#include <memory>
#include <string>

#include "transcoder/job_source.hpp"

namespace festival::transcoder {

struct catalog_source_options {
    std::string data_dir;
    std::string catalog;  // a SQLite file or a PostgreSQL URL; "" = <data_dir>/catalog.db
    std::string worker_id;
    int lease_seconds = 30;
};

std::unique_ptr<job_source> make_catalog_job_source(const catalog_source_options& options);

}  // namespace festival::transcoder
