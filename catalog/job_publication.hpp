#pragma once
// A finished job's version published and recorded as one step, whoever made it (a local worker, a
// worker on another host through the server, the server's subtitle repackaging): version_publisher
// syncs and renames .tmp-<job> to v<job>, then finish_job records it (current or pending), then the
// versions the catalog no longer names are pruned. The one owner of that sequence.
#include <cstdint>
#include <functional>
#include <string>

#include "transcoder/media/version_publisher.hpp"

namespace festival::catalog {

class database;

// `recorded`, when given, runs once the catalog names the version (the server refreshes what it
// serves). published = false: the job was no longer `worker`'s (cancelled, taken over) and the
// version is gone again. Throws what publishing throws, after taking its files back off the disk.
media::publish_result publish_job_version(database& db, media::version_publisher& publisher, std::int64_t film_id,
                                          std::int64_t job_id, const std::string& worker,
                                          const std::function<void()>& recorded = {});

}  // namespace festival::catalog
