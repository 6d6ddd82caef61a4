// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ltdes::stats {

/// What a timeline row occupied. Values are stable: they are the HDF5 enum values of
/// `/timeline/resource`.
enum class Resource : std::uint8_t {
    core,     ///< a photonic core (matmuls)
    dram,     ///< the chip's DRAM channel (KV cache, embeddings, weights)
    link,     ///< an outgoing optical link (collectives, pipeline transfers)
    bus,      ///< the shared optical broadcast bus
    digital,  ///< the chip's digital unit (non-matmul ops)
    chip,     ///< the chip as a whole (the static-energy row of a run)
};

/// File-facing names, indexed by Resource.
inline constexpr std::array<std::string_view, 6> kResourceNames = {"core", "dram",    "link",
                                                                   "bus",  "digital", "chip"};

}  // namespace ltdes::stats
