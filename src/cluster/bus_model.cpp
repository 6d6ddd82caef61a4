// SPDX-License-Identifier: MIT
#include "ltdes/cluster/bus_model.hpp"

namespace ltdes::cluster {

BusModel::BusModel(const Plan& plan, const Topology& topology)
    : plan_(plan), second_leg_(topology.hop_latency() - topology.bus_first_leg()) {}

void BusModel::on_activation(const BusActivationMsg& m, std::vector<Outgoing>& out) {
    out.push_back(Outgoing{m.dst, second_leg_, m.inner});
    ++deliveries_;
}

void BusModel::on_chunk(const BusChunkMsg& m, std::vector<Outgoing>& out) {
    if (m.all_readers == 0) {
        out.push_back(Outgoing{m.dst, second_leg_, m.inner});
        ++deliveries_;
        return;
    }
    const ChipCoord src = plan_.coord(m.inner.from_chip);
    for (std::uint32_t t = 0; t < plan_.tp(); ++t) {
        if (t != src.tp) {
            out.push_back(Outgoing{plan_.chip(ChipCoord{src.dp, src.pp, t}), second_leg_, m.inner});
            ++deliveries_;
        }
    }
}

}  // namespace ltdes::cluster
