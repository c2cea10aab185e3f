#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <vector>

namespace {

// How many test cases the last run selected: a CTest entry whose filter matches no case must fail,
// not pass having checked nothing. A case skipped by its decorator (e.g. SQLite-only on PostgreSQL)
// is not selected either, so a count that ignores skip decorators tells the two apart.
int selected_cases = -1;
int counted_cases = -1;

struct selection_counter : doctest::IReporter {
    explicit selection_counter(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData& query) override {
        if (query.run_stats) counted_cases = static_cast<int>(query.run_stats->numTestCasesPassingFilters);
    }
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& stats) override {
        selected_cases = static_cast<int>(stats.numTestCasesPassingFilters);
    }
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("selection_counter", 1, selection_counter);

int main(int argc, char** argv) {
    // Tests write to pipes and sockets whose other end may already be gone (a child that exits
    // before reading its stdin, a server that answers early); that must be an error, not a kill.
    std::signal(SIGPIPE, SIG_IGN);
    doctest::Context context(argc, argv);
    const int result = context.run();
    if (result == 0 && selected_cases == 0) {
        std::vector<const char*> counting(argv, argv + argc);
        counting.insert(counting.end(), {"--count", "--no-skip=true"});
        doctest::Context count(static_cast<int>(counting.size()), counting.data());
        count.run();
        if (counted_cases > 0) return 0;  // matched, and skipped here on purpose
    }
    if (result == 0 && selected_cases == 0) {
        std::fprintf(stderr, "no test case matched the filter: nothing was checked\n");
        return 1;
    }
    return result;
}
