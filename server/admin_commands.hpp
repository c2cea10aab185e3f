#pragma once
#include <string>
#include <vector>

namespace festival::server {

// `festival user add --email E --role curator|organizer [--name N] [--data-dir D]`; the password
// comes from FESTIVAL_PASSWORD or the first line of standard input.
int user_command(const std::vector<std::string>& args);

// `festival import FILE.json [--data-dir D]`: films in bulk, created or updated by slug.
int import_command(const std::vector<std::string>& args);

// `festival worker add NAME | revoke NAME | list [--data-dir D]`: tokens of transcoder workers on other
// hosts (docs/workers.md). add prints the token once; list prints a JSON array.
int worker_command(const std::vector<std::string>& args);

// `festival backup FILE [--data-dir D]`: a consistent copy of the catalog, also while the festival
// runs; prints {"path","bytes","pages","seconds"} as one JSON line.
int backup_command(const std::vector<std::string>& args);

// `festival restore FILE [--data-dir D]`: installs a backup as the catalog of a stopped festival,
// keeping the current one as catalog.db.before-restore-<UTC time>; refused while a festival runs there.
int restore_command(const std::vector<std::string>& args);

}  // namespace festival::server
