#pragma once
// The rooms' background thread: every second, each room's count and clock messages, then its
// changes written to the catalog in one transaction per room (never on an I/O thread), after this
// node's claims on its rooms are renewed. stop() (and the destructor) writes the last batch, so a clean
// shutdown loses nothing, then releases the rooms for the next node.
#include "server/background_thread.hpp"

namespace festival::server {

class room_registry;
class catalog_connections;

class room_writer {
public:
    room_writer(room_registry& rooms, catalog_connections& catalog);
    ~room_writer();
    room_writer(const room_writer&) = delete;
    room_writer& operator=(const room_writer&) = delete;
    // Stops the thread after a final flush; idempotent.
    void stop();

private:
    void loop();

    room_registry& rooms_;
    catalog_connections& catalog_;
    background_thread thread_;
};

}  // namespace festival::server
