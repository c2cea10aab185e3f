#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>

int main(int argc, char** argv) {
    // Tests write to pipes and sockets whose other end may already be gone (a child that exits
    // before reading its stdin, a server that answers early); that must be an error, not a kill.
    std::signal(SIGPIPE, SIG_IGN);
    doctest::Context context(argc, argv);
    return context.run();
}
