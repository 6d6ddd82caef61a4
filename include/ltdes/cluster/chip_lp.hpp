// SPDX-License-Identifier: MIT
// The DES face of the cluster: a chip (ChipModel) as a logical process. It only translates
// events into model calls and the model's answers into sends.
#pragma once

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

}  // namespace ltdes::cluster
