// SPDX-License-Identifier: MIT
// ReplicaChips::save / restore: op-fidelity serving's per-chip state in a checkpoint. What the
// batch determines (iteration graph, stage programs, chip models) is rebuilt from it; the chips
// then take their saved state (ChipModel::save, the chip checkpoint's one list of fields).
#include "ltdes/serving/replica_chips.hpp"

#include <fmt/format.h>

namespace ltdes::serving {

namespace {

constexpr std::uint32_t kReplicaChipsStateVersion = 2;  // 2: no bus LP state

/// A slice shape without its padding bytes (a snapshot holds no uninitialised bytes).
struct SavedShape {
    std::uint64_t tokens = 0;
    std::uint64_t cached = 0;
    std::uint64_t emits = 0;
};

}  // namespace

void ReplicaChips::save(des::StateWriter& out) const {
    out.put(kReplicaChipsStateVersion);
    out.put(replica_);
    // Before the first iteration there are no chip models; after one they stay (finished)
    // until the next starts, and resume_time()/energy() are read from them.
    out.put(static_cast<std::uint8_t>(chips_.empty() ? 0 : 1));
    if (chips_.empty()) {
        return;
    }
    std::vector<SavedShape> shapes;
    for (const SliceShape& s : batch_) {
        shapes.push_back({s.tokens, s.cached, s.emits ? 1U : 0U});
    }
    out.put_vector(shapes);
    out.put(static_cast<std::uint8_t>(cold_ ? 1 : 0));
    for (const cluster::ChipModel& c : chips_) {
        c.save(out);
    }
    out.put(static_cast<std::uint64_t>(relays_.size()));
    for (const auto& [chip, net] : relays_) {  // std::map: increasing chip order
        out.put(chip);
        net.save(out);
    }
}

void ReplicaChips::restore(des::StateReader& in) {
    in.check(in.get<std::uint32_t>() == kReplicaChipsStateVersion,
             "unknown replica chips state version");
    in.check(in.get<std::uint32_t>() == replica_,
             fmt::format("not the chips of replica {}", replica_));
    chips_.clear();
    relays_.clear();
    batch_.clear();
    const auto built = in.get<std::uint8_t>();
    in.check(built <= 1, "replica chips flag");
    if (built == 0) {
        return;
    }
    std::vector<SliceShape> batch;
    for (const SavedShape& s : in.get_vector<SavedShape>(std::uint64_t{1} << 32)) {
        in.check(s.tokens >= 1 && s.emits <= 1,
                 fmt::format("replica {}: bad batch slice", replica_));
        batch.push_back(SliceShape{s.tokens, s.cached, s.emits == 1});
    }
    in.check(!batch.empty(), fmt::format("replica {}: an iteration without requests", replica_));
    const auto cold = in.get<std::uint8_t>();
    in.check(cold <= 1, "replica chips cold flag");
    build(batch, cold == 1);
    for (cluster::ChipModel& c : chips_) {
        c.restore(in);
    }
    const std::uint64_t relays = in.get_count(plan_.chips(), sizeof(std::uint32_t));
    for (std::uint64_t i = 0; i < relays; ++i) {
        const auto chip = in.get<std::uint32_t>();
        in.check(chip < plan_.chips() && local(chip) >= chips_.size() && relays_.count(chip) == 0,
                 fmt::format("replica {}: relay chip {} out of range", replica_, chip));
        relays_.try_emplace(chip, topology_, chip).first->second.restore(in);
    }
}

}  // namespace ltdes::serving
