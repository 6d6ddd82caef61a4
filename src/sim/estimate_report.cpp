// SPDX-License-Identifier: MIT
#include "ltdes/sim/estimate_report.hpp"

#include "ltdes/cluster/weight_residency.hpp"
#include "ltdes/trace/trace_reader.hpp"
#include "ltdes/workload/op_graph.hpp"

#include <fmt/format.h>

#include <utility>

namespace ltdes::sim {

namespace {

std::string kind_label(const workload::Op& op) {
    if (op.kind == workload::OpKind::gemm) {
        return "linear";
    }
    if (op.kind == workload::OpKind::bmm) {
        return op.role == workload::BmmRole::qk ? "Q*K^T" : "S*V";
    }
    return std::string(workload::kOpKindNames[static_cast<std::size_t>(op.kind)]);
}

/// The chip model's rule (cluster::WeightResidency) for the one chip of an estimate: a weight
/// matrix that fits the SRAM left is read from DRAM at its first use only; later uses cost no
/// DRAM energy and last their compute time.
class ResidentWeights {
public:
    ResidentWeights(std::uint64_t sram_bytes, std::uint32_t bits)
        : residency_(sram_bytes), bits_(bits) {}

    void apply(const workload::Op& op, photonic::OpCost& c) {
        if (op.kind != workload::OpKind::gemm || c.compute_s <= 0.0) {
            return;  // not a weight GEMM, or a cost without a compute part (GPU roofline)
        }
        const std::int32_t slot =
            residency_.admit(op.layer, op.name, cluster::weight_bytes(op.n, op.k, bits_));
        if (slot == cluster::WeightResidency::kStreamed) {
            return;
        }
        const auto i = static_cast<std::size_t>(slot);
        if (i >= loaded_.size()) {
            loaded_.resize(i + 1, false);
        }
        if (loaded_[i]) {
            c.latency_s = c.compute_s;
            c.energy[EnergyComponent::dram] = 0.0;
        }
        loaded_[i] = true;
    }

private:
    cluster::WeightResidency residency_;
    std::uint32_t bits_;
    std::vector<bool> loaded_;  ///< per resident slot: read from DRAM already
};

/// Sums op costs into rows keyed by op name (prefixed by the phase for decoders, whose prefill
/// and decode passes repeat the same names). Fast path for long decoder traces: ops come in a
/// repeating order, so the row that followed the previous op's row last time is tried first.
class RowAccumulator {
public:
    RowAccumulator(const photonic::CostModel& model,
                   const photonic::MemorySpec& mem,
                   std::uint64_t sram_bytes,
                   bool decoder,
                   EstimateSink* sink = nullptr)
        : model_(model),
          mem_(mem),
          resident_(sram_bytes, model.arch().in_bit),
          decoder_(decoder),
          sink_(sink) {}

    void add(const workload::Op& op) {
        photonic::OpCost c = model_.cost(op, mem_);
        resident_.apply(op, c);
        const std::size_t i = row_of(op);
        EstimateRow& row = report_.rows[i];
        row.count += 1;
        row.energy += c.energy;
        row.latency_ms += c.latency_s * 1e3;
        total_pj_ += c.energy.total();
        total_s_ += c.latency_s;
        if (sink_ != nullptr) {
            sink_->add(op, c.latency_s, c.energy);
        }
    }

    EstimateReport finish() {
        for (auto& row : report_.rows) {
            row.energy_mj = row.energy.total() * 1e-9;
        }
        report_.total_energy_mj = total_pj_ * 1e-9;
        report_.total_latency_ms = total_s_ * 1e3;
        return std::move(report_);
    }

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    bool matches(std::size_t i, const workload::Op& op) const {
        return phases_[i] == op.phase && names_[i] == op.name;
    }

    std::size_t row_of(const workload::Op& op) {
        std::size_t found = kNone;
        if (prev_ != kNone && next_[prev_] != kNone && matches(next_[prev_], op)) {
            found = next_[prev_];
        } else {
            for (std::size_t i = 0; i < names_.size(); ++i) {
                if (matches(i, op)) {
                    found = i;
                    break;
                }
            }
        }
        if (found == kNone) {
            found = names_.size();
            names_.push_back(op.name);
            phases_.push_back(op.phase);
            next_.push_back(kNone);
            const std::string name =
                decoder_ ? fmt::format("{}/{}",
                                       workload::kPhaseNames[static_cast<std::size_t>(op.phase)],
                                       op.name)
                         : op.name;
            report_.rows.push_back(EstimateRow{name, kind_label(op), 0, 0.0, 0.0, {}});
        }
        if (prev_ != kNone) {
            next_[prev_] = found;
        }
        prev_ = found;
        return found;
    }

    const photonic::CostModel& model_;
    photonic::MemorySpec mem_;
    ResidentWeights resident_;
    bool decoder_;
    EstimateSink* sink_;  ///< --out: every costed op also becomes a timeline row
    EstimateReport report_;
    std::vector<std::string> names_;       ///< op name of each row
    std::vector<workload::Phase> phases_;  ///< phase of each row
    std::vector<std::size_t> next_;        ///< row seen after each row last time
    std::size_t prev_ = kNone;
    double total_pj_ = 0.0;
    double total_s_ = 0.0;
};

}  // namespace

EstimateReport compat_report(const photonic::Hpca24Estimate& est) {
    EstimateReport r;
    r.compat = true;
    r.rows.reserve(est.rows.size());
    for (const auto& row : est.rows) {
        const bool matmul = !row.gemms.empty();
        r.rows.push_back(EstimateRow{
            row.name, matmul ? "matmul" : "digital", row.count, row.energy_mj, row.latency_ms, {}});
    }
    r.total_energy_mj = est.total_energy_mj;
    r.total_latency_ms = est.total_latency_ms;
    return r;
}

EstimateTotals estimate_totals(const ResolvedWorkload& input,
                               const photonic::CostModel& model,
                               const photonic::MemorySpec& mem,
                               std::uint64_t sram_bytes) {
    double total_pj = 0.0;
    double total_s = 0.0;
    std::uint64_t ops = 0;
    ResidentWeights resident(sram_bytes, model.arch().in_bit);
    const auto add = [&](const workload::Op& op) {
        photonic::OpCost c = model.cost(op, mem);
        resident.apply(op, c);
        total_pj += c.energy.total();
        total_s += c.latency_s;
        ++ops;
    };
    workload::Op op;
    if (input.trace) {
        trace::TraceReader reader(*input.trace);
        while (reader.next(op)) {
            add(op);
        }
    } else {
        workload::OpGraph graph = workload::build_workload(input.model, input.spec);
        while (graph.next(op)) {
            add(op);
        }
    }
    return EstimateTotals{ops, total_pj * 1e-9, total_s * 1e3};
}

EstimateReport estimate_workload(const ResolvedWorkload& input,
                                 const photonic::CostModel& model,
                                 const photonic::MemorySpec& mem,
                                 std::uint64_t sram_bytes,
                                 EstimateSink* sink) {
    RowAccumulator rows(model, mem, sram_bytes, !input.model.is_encoder(), sink);
    workload::Op op;
    if (input.trace) {
        trace::TraceReader reader(*input.trace);
        while (reader.next(op)) {
            rows.add(op);
        }
    } else {
        workload::OpGraph graph = workload::build_workload(input.model, input.spec);
        while (graph.next(op)) {
            rows.add(op);
        }
    }
    return rows.finish();
}

}  // namespace ltdes::sim
