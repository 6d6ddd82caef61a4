// SPDX-License-Identifier: MIT
#include "ltdes/sim/checkpoint_request.hpp"

#include "ltdes/output/sha256.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>

namespace ltdes::sim {

des::SnapshotInputs snapshot_inputs(const output::RunMetadata& meta, const std::string& options) {
    des::SnapshotInputs in;
    std::map<std::string, int> seen;
    for (const output::InputFile& f : meta.inputs) {
        const int n = seen[f.role]++;
        const std::string name =
            n == 0 ? f.role + "-sha256" : fmt::format("{}{}-sha256", f.role, n);
        in.emplace_back(name, output::sha256_file(f.path));
    }
    output::Sha256 config;
    config.update(meta.config_yaml);
    in.emplace_back("effective-config-sha256", config.hex_digest());
    in.emplace_back("options", options);
    return in;
}

des::ProgressCallback with_fault_signal(des::ProgressCallback inner, int rank) {
    const char* env = std::getenv("LTDES_FAULT_SIGNAL_AT");
    if (env == nullptr || *env == '\0') {
        return inner;
    }
    std::istringstream in(env);
    std::string seconds, target = "all", name = "TERM";
    std::getline(in, seconds, ':');
    std::getline(in, target, ':');
    std::getline(in, name, ':');
    if (target != "all" && target != "" && std::stoi(target) != rank) {
        return inner;
    }
    const std::map<std::string, int> signals{
        {"TERM", SIGTERM}, {"INT", SIGINT}, {"USR1", SIGUSR1}, {"KILL", SIGKILL}};
    const int sig = signals.count(name) != 0 ? signals.at(name) : SIGTERM;
    const SimTime at = SimTime::ceil_seconds(std::stod(seconds));
    auto sent = std::make_shared<bool>(false);
    return [inner = std::move(inner), at, sig, sent](const des::WindowProgress& p) {
        if (inner) {
            inner(p);
        }
        if (!*sent && p.window_end >= at) {
            *sent = true;
            std::raise(sig);
        }
    };
}

}  // namespace ltdes::sim
