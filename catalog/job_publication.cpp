#include "catalog/job_publication.hpp"

#include "catalog/database.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"

namespace festival::catalog {

media::publish_result publish_job_version(database& db, media::version_publisher& publisher, std::int64_t film_id,
                                          std::int64_t job_id, const std::string& worker,
                                          const std::function<void()>& recorded) {
    return publisher.publish(
        film_id, job_id,
        [&] {
            if (!finish_job(db, job_id, worker)) return false;
            if (recorded) recorded();
            return true;
        },
        // The versions the catalog names (current, previous for viewers mid-film, pending) and those of
        // jobs still running stay; the others go, whoever published them.
        [&] { return versions_to_keep(db, film_id); });
}

}  // namespace festival::catalog
