// SPDX-License-Identifier: MIT
// Which weight matrices of a chip stay in its on-chip SRAM (the global buffer) across
// micro-batches and decode steps (docs/cluster.md, "Memory").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace ltdes::cluster {

/// First fit in first-use order: the first time a weight matrix (layer, GEMM name) is seen it
/// becomes resident if its bytes fit in what is left of the capacity; otherwise it is streamed
/// from DRAM at every use. A resident matrix is read from DRAM once, at its first use.
class WeightResidency {
public:
    /// Marks a matrix that is streamed at every use.
    static constexpr std::int32_t kStreamed = -1;

    /// `capacity_bytes` of SRAM for weights (0: nothing is resident).
    explicit WeightResidency(std::uint64_t capacity_bytes = 0) : capacity_(capacity_bytes) {}

    /// The slot (0, 1, … in admission order) of matrix (layer, name) of `bytes`, admitting it on
    /// first sight if it fits; kStreamed if it does not. The same key always gets the same answer.
    std::int32_t admit(std::int32_t layer, const std::string& name, std::uint64_t bytes);

    /// Resident matrices so far.
    std::int32_t slots() const { return slots_; }

    /// Bytes they occupy.
    std::uint64_t resident_bytes() const { return used_; }

private:
    std::uint64_t capacity_;
    std::uint64_t used_ = 0;
    std::int32_t slots_ = 0;
    std::map<std::pair<std::int32_t, std::string>, std::int32_t> seen_;
};

/// Weight bytes of a GEMM shard of N × K at `bits` per value.
inline std::uint64_t weight_bytes(std::uint64_t n, std::uint64_t k, std::uint32_t bits) {
    return (n * k * bits + 7) / 8;
}

}  // namespace ltdes::cluster
