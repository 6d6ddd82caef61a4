// SPDX-License-Identifier: MIT
#include "ltdes/cluster/weight_residency.hpp"

namespace ltdes::cluster {

std::int32_t WeightResidency::admit(std::int32_t layer,
                                    const std::string& name,
                                    std::uint64_t bytes) {
    const auto [it, inserted] = seen_.try_emplace({layer, name}, kStreamed);
    if (inserted && bytes <= capacity_ - used_) {
        used_ += bytes;
        it->second = slots_++;
    }
    return it->second;
}

}  // namespace ltdes::cluster
