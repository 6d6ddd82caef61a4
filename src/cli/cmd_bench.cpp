// SPDX-License-Identifier: MIT
// `lt-des bench phold`: the PHOLD benchmark on the DES kernel (docs/commands.md).
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/parallel.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/des/phold.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/dist/mpi_transport.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <system_error>
#include <type_traits>

namespace ltdes::cli {

namespace {

cxxopts::Options phold_options() {
    cxxopts::Options o("lt-des bench phold",
                       "PHOLD benchmark of the DES kernel (times in units: 1 unit = 1 us)");
    o.add_options()("lps", "number of LPs", cxxopts::value<std::string>())(
        "start-events", "events each LP starts with", cxxopts::value<std::string>())(
        "remote", "probability that an event goes to a uniformly drawn LP",
        cxxopts::value<std::string>())("lookahead", "minimum delay (units)",
                                       cxxopts::value<std::string>())(
        "mean", "mean of the exponential part of a delay (units)", cxxopts::value<std::string>())(
        "end", "events at t >= end are not executed (units)", cxxopts::value<std::string>())(
        "seed", "random seed", cxxopts::value<std::string>()->default_value("1"))(
        "threads", "TBB threads per rank", cxxopts::value<std::string>()->default_value("1"))(
        "partition", "LP to rank map: block|round-robin",
        cxxopts::value<std::string>()->default_value("block"))(
        "lps-per-shard", "LPs per shard (0 = automatic; speed only)",
        cxxopts::value<std::string>()->default_value("0"))(
        "stats", "print per-rank events, seconds, windows and peak RSS on stderr")(
        "progress", "rank 0 prints simulated time and events on stderr about once a second")(
        "h,help", "print this help");
    return o;
}

// Numbers are parsed here rather than by cxxopts so that a bad value names its flag.
template <class T>
T to_number(const std::string& text, const char* name) {
    T value{};
    const char* first = text.data();
    const char* last = first + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (text.empty() || ec != std::errc() || ptr != last) {
        throw UsageError(fmt::format("--{} expects {}, got '{}'", name,
                                     std::is_integral_v<T> ? "a non-negative integer" : "a number",
                                     text));
    }
    return value;
}

template <class T>
T required(const cxxopts::ParseResult& args, const char* name) {
    if (args.count(name) == 0) {
        throw UsageError(
            fmt::format("bench phold needs --{} (see 'lt-des bench phold --help')", name));
    }
    return to_number<T>(args[name].as<std::string>(), name);
}

template <class T>
T with_default(const cxxopts::ParseResult& args, const char* name) {
    return to_number<T>(args[name].as<std::string>(), name);
}

std::uint64_t peak_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<std::uint64_t>(usage.ru_maxrss);  // KiB on Linux
}

int bench_phold(int argc, char** argv) {
    auto options = phold_options();
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            fmt::print("{}", options.help());
            return 0;
        }
    }
    return run_parallel(argc, argv, [&](dist::MpiSession& mpi) {
        const auto args = parse_or_throw(options, argc, argv);
        des::PholdSpec phold;
        phold.lps = required<std::uint32_t>(args, "lps");
        phold.start_events = required<std::uint32_t>(args, "start-events");
        phold.remote = required<double>(args, "remote");
        phold.lookahead_units = required<double>(args, "lookahead");
        phold.mean_units = required<double>(args, "mean");
        phold.end_units = required<double>(args, "end");
        phold.seed = with_default<std::uint64_t>(args, "seed");
        phold.validate();

        des::SimulationSpec spec;
        spec.lookahead = phold.lookahead();
        spec.end_time = phold.end_time();
        spec.threads = with_default<int>(args, "threads");
        if (spec.threads < 1 || spec.threads > 1024) {
            throw UsageError(fmt::format("--threads must be in [1, 1024] (got {})", spec.threads));
        }
        spec.lps_per_shard = with_default<std::uint32_t>(args, "lps-per-shard");
        const auto partition = args["partition"].as<std::string>();
        std::unique_ptr<des::Partitioner> partitioner;
        if (partition == "block") {
            partitioner = std::make_unique<des::BlockPartitioner>();
        } else if (partition == "round-robin") {
            partitioner = std::make_unique<des::RoundRobinPartitioner>();
        } else {
            throw UsageError(
                fmt::format("--partition must be 'block' or 'round-robin' (got '{}')", partition));
        }

        dist::MpiTransport transport(mpi);
        des::Simulation sim(spec, transport, *partitioner, phold.lps,
                            [&](LpId id) { return std::make_unique<des::PholdLp>(phold, id); });
        if (args.count("progress") > 0 && to_underlying(mpi.rank()) == 0) {
            // The window hook runs on every rank; only rank 0 prints, at most once a second.
            sim.set_progress([next_s = 1.0](const des::WindowProgress& p) mutable {
                if (p.wall_seconds >= next_s) {
                    next_s = p.wall_seconds + 1.0;
                    fmt::print(stderr, "progress: t={:.3f} units events={} events_per_s={:.0f}\n",
                               static_cast<double>(p.window_start.in_ps()) * 1e-6, p.global_events,
                               static_cast<double>(p.global_events) / p.wall_seconds);
                }
            });
        }
        const des::RunStats stats = sim.run();
        const auto rss = transport.all_gather(peak_rss_kib());

        if (to_underlying(mpi.rank()) == 0) {
            const double seconds = *std::max_element(stats.wall_seconds_per_rank.begin(),
                                                     stats.wall_seconds_per_rank.end());
            const double rate =
                seconds > 0.0 ? static_cast<double>(stats.global_events) / seconds : 0.0;
            fmt::print("events={} seconds={:.6f} events_per_s={:.0f} fingerprint={:016x}\n",
                       stats.global_events, seconds, rate, stats.fingerprint);
            if (args.count("stats") > 0) {
                fmt::print(stderr, "windows={} last_event_ps={} ranks={} threads={}\n",
                           stats.windows, stats.last_event_time.in_ps(), mpi.size(), spec.threads);
                for (std::size_t r = 0; r < rss.size(); ++r) {
                    fmt::print(stderr, "rank={} events={} seconds={:.6f} peak_rss_mib={:.1f}\n", r,
                               stats.events_per_rank[r], stats.wall_seconds_per_rank[r],
                               static_cast<double>(rss[r]) / 1024.0);
                }
            }
        }
        return 0;
    });
}

}  // namespace

int cmd_bench(int argc, char** argv) {
    if (argc >= 2 && std::string_view(argv[1]) == "phold") {
        argv[1] = argv[0];
        return bench_phold(argc - 1, argv + 1);
    }
    if (argc >= 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
        fmt::print("Usage: lt-des bench phold [options]   (see 'lt-des bench phold --help')\n");
        return 0;
    }
    return run_parallel(argc, argv, [&](dist::MpiSession&) -> int {
        throw UsageError(
            argc >= 2 ? fmt::format("unknown benchmark '{}' (known: phold)", argv[1])
                      : std::string("bench needs a benchmark name: 'lt-des bench phold ...'"));
    });
}

}  // namespace ltdes::cli
