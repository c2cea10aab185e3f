#pragma once
// The audience's batch writer: a thread that samples live counts every second and drains the
// audience registry into the catalog once per flush interval, in one transaction, off the I/O threads;
// on a shared catalog it also exchanges live counts and day keys with the other nodes every second.
// stop() (and the destructor) writes the last batch, so a clean shutdown loses nothing.
#include "server/background_thread.hpp"

namespace festival::server {

class audience_registry;
class catalog_connections;

class audience_writer {
public:
    audience_writer(audience_registry& registry, catalog_connections& catalog);
    ~audience_writer();
    audience_writer(const audience_writer&) = delete;
    audience_writer& operator=(const audience_writer&) = delete;
    // Stops the thread after a final flush; idempotent.
    void stop();

private:
    void loop();
    void flush_logged(bool every_play);

    audience_registry& registry_;
    catalog_connections& catalog_;
    background_thread thread_;
};

}  // namespace festival::server
