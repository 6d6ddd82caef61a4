// SPDX-License-Identifier: MIT
#include "cli/checkpoint_options.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string_view>

namespace ltdes::cli {

namespace {

/// Keeps a message one short line whatever the user typed.
std::string clipped(std::string_view s) {
    std::string out(s.substr(0, 40));
    for (char& c : out) {
        if (c < 0x20 || c == 0x7f) {
            c = '?';
        }
    }
    return s.size() > 40 ? out + "..." : out;
}

}  // namespace

SimTime parse_duration(const std::string& text, const char* flag) {
    std::string_view s = text;
    while (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
    }
    double scale = 1e12;  // ps per second
    const std::pair<std::string_view, double> units[] = {
        {"ps", 1.0}, {"ns", 1e3}, {"us", 1e6}, {"ms", 1e9}, {"s", 1e12}};
    for (const auto& [unit, ps] : units) {
        if (s.size() > unit.size() && s.substr(s.size() - unit.size()) == unit) {
            s.remove_suffix(unit.size());
            scale = ps;
            break;
        }
    }
    while (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
    }
    double value = 0.0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), value);
    const double ps = value * scale;
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(ps) ||
        ps < 1.0 || ps > 4.6e18) {
        throw UsageError(fmt::format(
            "--{}: expected a simulated time > 0 such as 5ms, 250us or 0.01 (seconds), got '{}'",
            flag, clipped(text)));
    }
    return SimTime::from_ps(std::llround(ps));
}

void add_checkpoint_options(cxxopts::Options& options) {
    options.add_options("checkpoint and restart")(
        "checkpoint",
        "write snapshots to this folder (at a stop signal, and as --checkpoint-every/-wall say)",
        cxxopts::value<std::string>())(
        "checkpoint-every", "a snapshot every this much simulated time (5ms, 250us, 0.01 = s)",
        cxxopts::value<std::string>())("checkpoint-wall", "a snapshot every this many minutes",
                                       cxxopts::value<double>())(
        "restart", "continue from the latest snapshot in this folder (same inputs)",
        cxxopts::value<std::string>());
}

sim::CheckpointRequest checkpoint_request(const cxxopts::ParseResult& args) {
    sim::CheckpointRequest r;
    if (args.count("checkpoint") != 0) {
        r.dir = args["checkpoint"].as<std::string>();
        if (r.dir.empty()) {
            throw UsageError("--checkpoint: expected a folder");
        }
    }
    if (args.count("checkpoint-every") != 0) {
        r.every = parse_duration(args["checkpoint-every"].as<std::string>(), "checkpoint-every");
    }
    if (args.count("checkpoint-wall") != 0) {
        const double minutes = args["checkpoint-wall"].as<double>();
        if (!std::isfinite(minutes) || minutes <= 0.0 || minutes > 1e6) {
            throw UsageError(fmt::format(
                "--checkpoint-wall: expected minutes > 0 and at most 1e6, got {}", minutes));
        }
        r.wall_seconds = minutes * 60.0;
    }
    if (r.dir.empty() && (args.count("checkpoint-every") + args.count("checkpoint-wall") > 0)) {
        throw UsageError("--checkpoint-every/--checkpoint-wall need --checkpoint DIR");
    }
    if (args.count("restart") != 0) {
        r.restart = args["restart"].as<std::string>();
        if (r.restart.empty()) {
            throw UsageError("--restart: expected a folder");
        }
    }
    return r;
}

}  // namespace ltdes::cli
