// SPDX-License-Identifier: MIT
// The DES face of the cluster: a chip (ChipModel) and the broadcast bus (BusModel) as logical
// processes. They only translate events into model calls and the model's answers into sends.
#pragma once

#include "ltdes/cluster/bus_model.hpp"
#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/des/logical_process.hpp"

#include <vector>

namespace ltdes::cluster {

/// One chip as an LP (id = chip id).
class ChipLp final : public des::LogicalProcess {
public:
    explicit ChipLp(ChipModel model) : model_(std::move(model)) {}

    void on_start(des::Context& ctx) override;

    void on_event(const des::Event& ev, des::Context& ctx) override;

    void save(des::StateWriter& out) const override { model_.save(out); }

    void restore(des::StateReader& in) override { model_.restore(in); }

    const ChipModel& model() const { return model_; }

    ChipModel& model() { return model_; }

private:
    ChipModel model_;
    std::vector<Outgoing> out_;  ///< reused: no allocation per event in steady state
};

/// The optical broadcast bus as an LP (id = number of chips).
class BusLp final : public des::LogicalProcess {
public:
    explicit BusLp(BusModel model) : model_(std::move(model)) {}

    void on_event(const des::Event& ev, des::Context& ctx) override;

    void save(des::StateWriter& out) const override { model_.save(out); }

    void restore(des::StateReader& in) override { model_.restore(in); }

    const BusModel& model() const { return model_; }

private:
    BusModel model_;
    std::vector<Outgoing> out_;
};

}  // namespace ltdes::cluster
