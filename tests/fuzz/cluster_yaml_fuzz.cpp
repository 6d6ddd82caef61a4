// SPDX-License-Identifier: MIT
// Fuzz target: the cluster YAML loader. A file that loads must also survive the round trip
// through its own dump (the /metadata/config text): dump → load → dump is the same text.
#include "fuzz_input.hpp"

#include "ltdes/config/cluster_config.hpp"
#include "ltdes/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ltdes::config;
    ltdes::cluster::ClusterSpec spec;
    try {
        spec = load_cluster(ltdes::fuzz::input_path(data, size));
    } catch (const ltdes::Error&) {
        return 0;
    }
    const std::string dumped = dump_cluster_yaml(spec);
    ltdes::cluster::ClusterSpec again = builtin_cluster();
    try {
        merge_cluster_yaml(again, dumped, "dump");
    } catch (const ltdes::Error&) {
        std::abort();  // our own dump must load
    }
    if (dump_cluster_yaml(again) != dumped) {
        std::abort();
    }
    return 0;
}
