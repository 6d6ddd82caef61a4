// SPDX-License-Identifier: MIT
// trace_parse_bench FILE...: parses each lt-trace file with TraceReader and prints the op count,
// the wall time, op lines (ops) per second and the process's peak RSS so far. Run each file in
// its own process to compare peak RSS across trace lengths (bench/trace_parse.sh does).
#include "ltdes/core/error.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <sys/resource.h>

int main(int argc, char** argv) {
    if (argc < 2) {
        fmt::print(stderr, "usage: trace_parse_bench FILE...\n");
        return 2;
    }
    try {
        for (int i = 1; i < argc; ++i) {
            rusage before{};
            getrusage(RUSAGE_SELF, &before);
            const double cpu_before =
                static_cast<double>(before.ru_utime.tv_sec + before.ru_stime.tv_sec) +
                static_cast<double>(before.ru_utime.tv_usec + before.ru_stime.tv_usec) * 1e-6;
            const auto start = std::chrono::steady_clock::now();
            ltdes::trace::TraceReader reader(argv[i]);
            ltdes::workload::Op op;
            std::uint64_t macs = 0;
            while (reader.next(op)) {
                macs += op.macs();  // touch the op so the loop is not optimised away
            }
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            rusage usage{};
            getrusage(RUSAGE_SELF, &usage);
            // CPU time as well as wall time: on a shared machine the wall clock includes waiting.
            const double cpu_seconds =
                static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6 -
                cpu_before;
            const auto ops = static_cast<double>(reader.ops_read());
            fmt::print(
                "file={} ops={} seconds={:.3f} ops_per_s={:.3g} cpu_seconds={:.3f} "
                "ops_per_cpu_s={:.3g} max_rss_kib={} macs={}\n",
                argv[i], reader.ops_read(), seconds, ops / seconds, cpu_seconds, ops / cpu_seconds,
                usage.ru_maxrss, macs);
        }
    } catch (const ltdes::Error& e) {
        fmt::print(stderr, "trace_parse_bench: {}\n", e.what());
        return 2;
    }
    return 0;
}
