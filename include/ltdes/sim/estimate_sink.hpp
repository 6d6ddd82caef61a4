// SPDX-License-Identifier: MIT
// Where `estimate` hands every costed op besides its printed rows: the HDF5 recorder of
// `estimate --out`. An interface so that the analytical path links neither MPI nor HDF5.
#pragma once

#include "ltdes/core/energy.hpp"
#include "ltdes/workload/op.hpp"

namespace ltdes::sim {

/// Receives each op in the order `estimate` costs it.
class EstimateSink {
public:
    virtual ~EstimateSink() = default;
    /// One op as `estimate` costed it (latency in s, energy in pJ).
    virtual void add(const workload::Op& op, double latency_s, const EnergyPj& energy) = 0;
};

}  // namespace ltdes::sim
