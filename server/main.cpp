// festival: the festival server and its admin commands.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "server/admin_commands.hpp"
#include "server/serve_command.hpp"

namespace {

const char* usage =
    "usage:\n"
    "  festival serve [--listen ADDR:PORT] [--data-dir DIR] [--demo] [--transcoders N] [--config FILE]\n"
    "                 (festival serve --help lists every setting)\n"
    "  festival user add --email E --role curator|organizer [--name N] [--data-dir DIR]\n"
    "  festival user sign-out-everywhere --email E [--data-dir DIR]\n"
    "  festival import FILE.json [--data-dir DIR]\n"
    "  festival worker add NAME | revoke NAME | list [--data-dir DIR]\n"
    "  festival backup FILE [--data-dir DIR]\n"
    "  festival restore FILE [--data-dir DIR]\n";

}  // namespace

int main(int argc, char** argv) {
    // A closed stdout pipe or a vanished peer is an error to handle, never a reason to die.
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::fputs(usage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    const std::string command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "serve") return festival::server::serve_command(rest);
    if (command == "user") return festival::server::user_command(rest);
    if (command == "worker") return festival::server::worker_command(rest);
    if (command == "import") return festival::server::import_command(rest);
    if (command == "backup") return festival::server::backup_command(rest);
    if (command == "restore") return festival::server::restore_command(rest);
    std::fprintf(stderr, "festival: unknown command '%s'\n%s", command.c_str(), usage);
    return 2;
}
