// SPDX-License-Identifier: MIT
// ChipModel::save / restore: the one list of the chip's mutable fields. A field added to
// ChipModel that changes during the run must be added here, in both functions, in one order.
#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/core/assert.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

namespace ltdes::cluster {

namespace {

constexpr std::uint32_t kChipStateVersion = 3;  // 2: per-link network, collectives; 3: MoE

/// The fixed part of a MoE layer under way (expert parallelism).
struct SavedMoeLayer {
    std::uint32_t entry = 0;
    std::uint32_t mb = 0;
    std::uint32_t dispatch_in = 0;
    std::uint32_t combine_in = 0;
    std::uint32_t jobs_left = 0;
    std::uint32_t reduces_left = 0;
    std::uint32_t pad32 = 0;
    std::uint8_t routed = 0;
    std::uint8_t started = 0;
    std::uint8_t experts_done = 0;
    std::uint8_t pad = 0;
    std::uint64_t dropped = 0;
};

/// The fixed part of an expert job's op (its name follows; jobs have no dependencies).
struct SavedJobOp {
    std::uint64_t id = 0;
    std::uint64_t m = 0, n = 0, k = 0, count = 0, bytes = 0;
    std::uint32_t step = 0;
    std::int32_t layer = 0;
    std::uint32_t name_id = 0;
    workload::Phase phase = workload::Phase::encoder;
    workload::OpKind kind = workload::OpKind::gemm;
    workload::BmmRole role = workload::BmmRole::none;
    std::uint8_t reduce_after = 0;
    std::uint32_t slot = 0;
    std::uint32_t pad = 0;
};

/// Pairs as plain bytes (std::pair is not trivially copyable).
struct SavedPair {
    std::uint32_t first = 0;
    std::uint32_t pad = 0;
    std::int64_t second = 0;
};

static_assert(std::is_trivially_copyable_v<DramChannel>);
static_assert(std::is_trivially_copyable_v<OpShard>);
static_assert(std::is_trivially_copyable_v<OpTiming>);
static_assert(std::is_trivially_copyable_v<ChipTotals>);

}  // namespace

void ChipModel::save_moe_job(des::StateWriter& out, const MoeJob& job) {
    const workload::Op& op = job.op;
    out.put(SavedJobOp{op.id, op.m, op.n, op.k, op.count, op.bytes, op.step, op.layer, job.name_id,
                       op.phase, op.kind, op.role,
                       static_cast<std::uint8_t>(job.reduce_after ? 1 : 0), job.slot, 0});
    out.put_bytes(op.name);
}

ChipModel::MoeJob ChipModel::restore_moe_job(des::StateReader& in) const {
    const auto s = in.get<SavedJobOp>();
    MoeJob job;
    job.op.name = std::string(in.get_bytes());
    in.check(program_->knows_expert_name(job.op.name) &&
                 program_->expert_name_id(job.op.name) == s.name_id &&
                 static_cast<std::size_t>(s.phase) < workload::kPhaseNames.size() &&
                 static_cast<std::size_t>(s.kind) < workload::kOpKindNames.size() &&
                 static_cast<std::size_t>(s.role) < workload::kBmmRoleNames.size() &&
                 s.reduce_after <= 1 && s.slot < plan_.model().n_experts,
             fmt::format("chip {}: an expert job out of range", chip_));
    job.name_id = s.name_id;
    job.slot = s.slot;
    job.reduce_after = s.reduce_after == 1;
    job.op.id = s.id;
    job.op.m = s.m;
    job.op.n = s.n;
    job.op.k = s.k;
    job.op.count = s.count;
    job.op.bytes = s.bytes;
    job.op.step = s.step;
    job.op.layer = s.layer;
    job.op.phase = s.phase;
    job.op.kind = s.kind;
    job.op.role = s.role;
    return job;
}

void ChipModel::save_moe(des::StateWriter& out) const {
    out.put(static_cast<std::uint64_t>(moe_layers_.size()));
    for (const auto& [key, layer] : moe_layers_) {  // std::map: a stable order
        out.put(SavedMoeLayer{
            key.first, key.second, layer.dispatch_in, layer.combine_in, layer.jobs_left,
            layer.reduces_left, 0, static_cast<std::uint8_t>(layer.routed ? 1 : 0),
            static_cast<std::uint8_t>(layer.started ? 1 : 0),
            static_cast<std::uint8_t>(layer.experts_done ? 1 : 0), 0, layer.exchange.dropped});
        out.put_vector(layer.exchange.send_picks);
        out.put_vector(layer.exchange.recv_picks);
        out.put_vector(layer.exchange.expert_rows);
        out.put(static_cast<std::uint64_t>(layer.jobs.size()));
        for (const MoeJob& job : layer.jobs) {
            save_moe_job(out, job);
        }
    }
    // The job on the cores, if any (its OpDoneMsg is in flight and carries its layer).
    const bool job_running =
        busy_[static_cast<int>(Resource::cores)] && !running_job_.op.name.empty();
    out.put(static_cast<std::uint8_t>(job_running ? 1 : 0));
    if (job_running) {
        save_moe_job(out, running_job_);
    }
}

void ChipModel::restore_moe(des::StateReader& in) {
    moe_layers_.clear();
    running_job_ = MoeJob{};
    const std::uint64_t max_layers = state_.size();
    const std::uint64_t layers = in.get_count(max_layers, sizeof(SavedMoeLayer));
    in.check(layers == 0 || !moe_role_.empty(),
             fmt::format("chip {}: MoE state saved for a plan without expert parallelism", chip_));
    const std::uint64_t lanes = plan_.ep();
    const std::uint64_t experts = plan_.model().n_experts;
    for (std::uint64_t i = 0; i < layers; ++i) {
        const auto s = in.get<SavedMoeLayer>();
        in.check(s.entry < entries_ && s.mb < microbatches_ &&
                     moe_role_[s.entry] == MoeRole::router && s.routed <= 1 && s.started <= 1 &&
                     s.experts_done <= 1 && s.dispatch_in < lanes && s.combine_in < lanes &&
                     !moe_layers_.contains({s.entry, s.mb}),
                 fmt::format("chip {}: an MoE layer out of range", chip_));
        MoeLayer& layer = moe_layers_[{s.entry, s.mb}];
        layer.dispatch_in = s.dispatch_in;
        layer.combine_in = s.combine_in;
        layer.jobs_left = s.jobs_left;
        layer.reduces_left = s.reduces_left;
        layer.routed = s.routed == 1;
        layer.started = s.started == 1;
        layer.experts_done = s.experts_done == 1;
        layer.exchange.dropped = s.dropped;
        layer.exchange.send_picks = in.get_vector<std::uint64_t>(lanes);
        layer.exchange.recv_picks = in.get_vector<std::uint64_t>(lanes);
        layer.exchange.expert_rows = in.get_vector<std::uint64_t>(experts);
        const std::uint64_t jobs = in.get_count(std::uint64_t{1} << 32, sizeof(SavedJobOp));
        for (std::uint64_t j = 0; j < jobs; ++j) {
            layer.jobs.push_back(restore_moe_job(in));
        }
        in.check(layer.jobs.size() <= layer.jobs_left,
                 fmt::format("chip {}: MoE job counts", chip_));
    }
    const auto job_running = in.get<std::uint8_t>();
    in.check(job_running <= 1 && (job_running == 0 || busy_[static_cast<int>(Resource::cores)]),
             fmt::format("chip {}: running expert job", chip_));
    if (job_running == 1) {
        running_job_ = restore_moe_job(in);
    }
}

void ChipModel::save(des::StateWriter& out) const {
    out.put(kChipStateVersion);
    out.put(chip_);
    out.put(static_cast<std::uint64_t>(state_.size()));
    out.put_vector(state_);
    for (int r = 0; r < 2; ++r) {
        ReadyQueue copy = ready_[r];
        std::vector<SavedPair> keys;
        while (!copy.empty()) {
            keys.push_back({copy.top().first, 0, copy.top().second});
            copy.pop();
        }
        out.put_vector(keys);
        out.put(static_cast<std::uint8_t>(busy_[r] ? 1 : 0));
        out.put(started_at_[r]);
        out.put(running_shard_[r]);
        out.put(running_timing_[r]);
    }
    out.put(cores_busy_);
    out.put(xfer_entry_);
    out.put(xfer_mb_);
    net_.save(out);
    // Collectives under way, by key in increasing order (unordered_map order is not stable).
    std::vector<std::uint64_t> keys;
    for (const auto& [key, progress] : active_) {
        keys.push_back(key);
    }
    std::sort(keys.begin(), keys.end());
    out.put_vector(keys);
    for (const std::uint64_t key : keys) {
        active_.at(key).save(out);
    }
    out.put(dram_channel_);
    std::vector<std::uint8_t> loaded(weight_loaded_.begin(), weight_loaded_.end());
    out.put_vector(loaded);
    out.put(completed_);
    out.put(totals_);
    out.put_vector(records_);
    out.put_vector(layers_.partials());
    save_moe(out);
}

void ChipModel::restore(des::StateReader& in) {
    in.check(in.get<std::uint32_t>() == kChipStateVersion, "unknown chip state version");
    in.check(in.get<std::uint32_t>() == chip_, fmt::format("not the state of chip {}", chip_));
    const auto instances = in.get<std::uint64_t>();
    in.check(instances == state_.size(),
             fmt::format("chip {}: {} op instances saved, the plan gives {}", chip_, instances,
                         state_.size()));
    state_ = in.get_vector<Instance>(state_.size());
    in.check(state_.size() == instances, "op instance count");
    for (int r = 0; r < 2; ++r) {
        ready_[r] = ReadyQueue();
        for (const SavedPair& k :
             in.get_vector<SavedPair>(state_.size() + (std::uint64_t{1} << 32))) {
            // An expert job's key carries kJobFlag in its micro-batch (ep > 1).
            const std::int64_t mb =
                moe_role_.empty() ? k.second : k.second & ~std::int64_t{kJobFlag};
            in.check(k.first < entries_ && k.second >= 0 && mb < microbatches_ &&
                         k.second < (std::int64_t{1} << 32),
                     fmt::format("chip {}: ready op out of range", chip_));
            ready_[r].push({k.first, static_cast<std::uint32_t>(k.second)});
        }
        const auto busy = in.get<std::uint8_t>();
        in.check(busy <= 1, "busy flag");
        busy_[r] = busy == 1;
        started_at_[r] = in.get<SimTime>();
        running_shard_[r] = in.get<OpShard>();
        running_timing_[r] = in.get<OpTiming>();
    }
    cores_busy_ = in.get<SimTime>();
    xfer_entry_ = in.get<std::uint32_t>();
    xfer_mb_ = in.get<std::uint32_t>();
    in.check(xfer_entry_ <= entries_ && xfer_mb_ <= microbatches_, "transfer op out of range");
    net_.restore(in);
    active_.clear();
    schedules_.clear();  // a cache of schedule views, rebuilt on use
    for (const std::uint64_t key : in.get_vector<std::uint64_t>(std::uint64_t{1} << 40)) {
        // Expert all-reduces (ep with tp > 1) carry their slot + 1 above kExpertKeyShift.
        const std::uint64_t slot = key >> kExpertKeyShift;
        const std::uint64_t base = key & ((std::uint64_t{1} << kExpertKeyShift) - 1);
        in.check(base < state_.size() && slot <= plan_.model().n_experts / plan_.ep() &&
                     (slot == 0 ||
                      (!moe_role_.empty() && moe_role_[base % entries_] == MoeRole::router)),
                 fmt::format("chip {}: collective out of range", chip_));
        const auto entry = static_cast<std::uint32_t>(base % entries_);
        const auto mb = static_cast<std::uint32_t>(base / entries_);
        if (slot == 0) {
            progress_of(entry, mb).restore(in);
        } else {
            // Sized by the layer's routing (a pure function; the MoE layers come later).
            expert_progress(entry, mb, static_cast<std::uint32_t>(slot - 1)).restore(in);
        }
    }
    dram_channel_ = in.get<DramChannel>();
    const auto loaded = in.get_vector<std::uint8_t>(weight_loaded_.size());
    in.check(loaded.size() == weight_loaded_.size(),
             fmt::format("chip {}: {} weight slots saved, the plan gives {}", chip_, loaded.size(),
                         weight_loaded_.size()));
    for (std::size_t i = 0; i < loaded.size(); ++i) {
        weight_loaded_[i] = loaded[i] != 0;
    }
    completed_ = in.get<std::uint64_t>();
    const ChipTotals totals = in.get<ChipTotals>();
    in.check(totals.ops_expected == totals_.ops_expected && completed_ <= totals.ops_expected,
             fmt::format("chip {}: op counts differ from the plan's", chip_));
    totals_ = totals;
    records_ = in.get_vector<stats::TimelineRow>(std::uint64_t{1} << 40);
    layers_.reset_to(in.get_vector<stats::LayerStats>(std::uint64_t{1} << 32));
    restore_moe(in);
}

}  // namespace ltdes::cluster
