// SPDX-License-Identifier: MIT
// The optical broadcast bus as its own LP (docs/architecture.md): it receives what a chip put on
// its wavelength group after the sender-to-bus leg and delivers it after the bus-to-reader leg.
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/des/state_bytes.hpp"

#include <cstdint>
#include <vector>

namespace ltdes::cluster {

/// Behaviour of the bus LP (id = chips). Stateless apart from counters: each sender owns its
/// channel, so contention is on the senders' side (ChipModel).
class BusModel {
public:
    BusModel(const Plan& plan, const Topology& topology);

    void on_activation(const BusActivationMsg& m, std::vector<Outgoing>& out);

    /// Unicast to m.dst, or a broadcast to every other member of the sender's tensor group.
    void on_chunk(const BusChunkMsg& m, std::vector<Outgoing>& out);

    std::uint64_t deliveries() const { return deliveries_; }

    /// Checkpoints: the counters (everything else comes from the plan).
    void save(des::StateWriter& out) const { out.put(deliveries_); }

    void restore(des::StateReader& in) { deliveries_ = in.get<std::uint64_t>(); }

private:
    Plan plan_;
    SimTime second_leg_;
    std::uint64_t deliveries_ = 0;
};

}  // namespace ltdes::cluster
