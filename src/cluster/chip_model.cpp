// SPDX-License-Identifier: MIT
#include "ltdes/cluster/chip_model.hpp"

#include "ltdes/cluster/collective.hpp"
#include "ltdes/cluster/weight_residency.hpp"
#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/workload/layer_builder.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ltdes::cluster {

ChipModel::ChipModel(std::uint32_t chip,
                     const Plan& plan,
                     const StageProgram& program,
                     const Topology& topology,
                     const ClusterSpec& spec,
                     std::uint32_t bits,
                     OpCostFn cost,
                     bool keep_records)
    : chip_(chip),
      plan_(plan),
      program_(&program),
      topology_(topology),
      coord_(plan.coord(chip)),
      bits_(bits),
      cost_(std::move(cost)),
      keep_records_(keep_records),
      overlap_(spec.overlap),
      static_enabled_(spec.static_power.enabled),
      link_idle_power_w_(spec.link.idle_power_w),
      net_(topology_, chip),
      collective_(spec.collective),
      entries_(static_cast<std::uint32_t>(program.entries().size())),
      moe_(spec.moe) {
    if (plan.ep() > 1) {
        init_moe_roles();
    }
    const std::uint32_t requests = plan.requests(coord_.dp).count;
    std::vector<std::uint32_t> mb_requests;
    for (std::uint32_t mb = 0; mb < std::min(requests, plan.microbatches()); ++mb) {
        mb_requests.push_back(plan.microbatch_requests(coord_.dp, mb).count);
    }
    reset_state(std::move(mb_requests));
}

void ChipModel::run_whole_batch() {
    reset_state({plan_.workload().batch});
}

void ChipModel::reset_state(std::vector<std::uint32_t> mb_requests) {
    mb_requests_ = std::move(mb_requests);
    microbatches_ = static_cast<std::uint32_t>(mb_requests_.size());
    state_.assign(std::size_t{entries_} * microbatches_, Instance{});
    for (std::uint32_t mb = 0; mb < microbatches_; ++mb) {
        for (std::uint32_t e = 0; e < entries_; ++e) {
            const auto& entry = program_->entries()[e];
            state_[index(e, mb)].remaining = entry.local_dep_count + entry.remote_dep_count;
            if (!moe_role_.empty() && moe_role_[e] == MoeRole::combine) {
                ++state_[index(e, mb)].remaining;  // the expert group's all-to-all
            }
        }
    }
    totals_.ops_expected = std::uint64_t{entries_} * microbatches_;
}

OpShard ChipModel::shard(std::uint32_t entry, std::uint32_t mb) const {
    return shard_op(program_->entries()[entry].op, plan_, chip_, mb_requests_[mb]);
}

ChipModel::Resource ChipModel::resource_of(std::uint32_t entry) const {
    if (!overlap_) {
        return Resource::cores;
    }
    return cluster::resource_of(program_->entries()[entry].op.kind) == stats::Resource::dram
               ? Resource::dram
               : Resource::cores;
}

void ChipModel::set_sram_capacity(std::uint64_t bytes, bool loaded) {
    // Admission in trace order (the order of first use), keyed by (layer, GEMM name): the
    // same matrix recurs in every micro-batch and decode step.
    WeightResidency residency(bytes);
    weight_slot_.assign(entries_, WeightResidency::kStreamed);
    for (std::uint32_t e = 0; e < entries_; ++e) {
        const workload::Op& op = program_->entries()[e].op;
        if (op.kind != workload::OpKind::gemm || microbatches_ == 0 ||
            (!moe_role_.empty() && moe_role_[e] == MoeRole::expert)) {
            continue;  // expert jobs under ep stream their weights at every use
        }
        const OpShard s = shard(e, 0);
        if (s.runs) {
            weight_slot_[e] = residency.admit(op.layer, op.name, weight_bytes(s.n, s.k, bits_));
        }
    }
    weight_loaded_.assign(static_cast<std::size_t>(residency.slots()), loaded);
    totals_.resident_weight_bytes = residency.resident_bytes();
}

void ChipModel::start(SimTime now, std::vector<Outgoing>& out) {
    for (std::uint32_t mb = 0; mb < microbatches_; ++mb) {
        for (const std::uint32_t e : program_->roots()) {
            make_ready(e, mb, now, out);
        }
    }
}

void ChipModel::make_ready(std::uint32_t entry,
                           std::uint32_t mb,
                           SimTime now,
                           std::vector<Outgoing>& out) {
    if (!moe_role_.empty() && moe_role_[entry] == MoeRole::expert) {
        // A placeholder of the trace's even routing: the expert jobs do the work.
        Instance& st = state_[index(entry, mb)];
        st.computed = true;
        ++totals_.ops_executed;
        complete(entry, mb, now, out);
        return;
    }
    const Resource r = resource_of(entry);
    ready_[static_cast<int>(r)].emplace(entry, mb);
    dispatch(r, now, out);
}

void ChipModel::dispatch(Resource r, SimTime now, std::vector<Outgoing>& out) {
    const int ri = static_cast<int>(r);
    if (busy_[ri] || ready_[ri].empty()) {
        return;
    }
    const auto [entry, mb] = ready_[ri].top();
    ready_[ri].pop();
    busy_[ri] = true;
    started_at_[ri] = now;
    if ((mb & kJobFlag) != 0) {
        MoeLayer& layer = moe_layers_.at({entry, mb & ~kJobFlag});
        running_job_ = std::move(layer.jobs.front());
        layer.jobs.pop_front();
        const workload::Op& op = running_job_.op;
        running_shard_[ri] = OpShard{true, op.m, op.n, op.k, op.count, false, 0};
        running_timing_[ri] = cost_(op);
        const SimTime end = dram_channel_.run(running_timing_[ri], now);
        totals_.dram_busy = dram_channel_.busy();
        out.push_back(Outgoing{chip_, end - now, OpDoneMsg{entry, mb}});
        return;
    }
    running_shard_[ri] = shard(entry, mb);
    OpTiming t = cost_(apply_shard(program_->entries()[entry].op, running_shard_[ri]));
    LTDES_ASSERT(t.duration >= SimTime::zero(), "negative op duration");
    const std::int32_t slot =
        weight_slot_.empty() ? WeightResidency::kStreamed : weight_slot_[entry];
    if (slot != WeightResidency::kStreamed) {
        // A resident matrix is read from DRAM at its first use only.
        const auto i = static_cast<std::size_t>(slot);
        if (weight_loaded_[i]) {
            t = resident_use(t);
        }
        weight_loaded_[i] = true;
    }
    running_timing_[ri] = t;
    // The DRAM part queues on the chip's one channel behind every other stream.
    const SimTime end = dram_channel_.run(t, now);
    totals_.dram_busy = dram_channel_.busy();
    out.push_back(Outgoing{chip_, end - now, OpDoneMsg{entry, mb}});
}

void ChipModel::on_op_done(const OpDoneMsg& m, SimTime now, std::vector<Outgoing>& out) {
    const Resource r = resource_of(m.entry);
    const int ri = static_cast<int>(r);
    LTDES_ASSERT(busy_[ri], "chip {}: op done on an idle resource", chip_);
    busy_[ri] = false;
    if ((m.microbatch & kJobFlag) != 0) {
        moe_job_done(m, now, out);
        dispatch(r, now, out);
        return;
    }
    Instance& st = state_[index(m.entry, m.microbatch)];
    LTDES_ASSERT(!st.computed, "chip {}: entry {} mb {} computed twice", chip_, m.entry,
                 m.microbatch);
    st.computed = true;
    const auto& op = program_->entries()[m.entry].op;
    const OpShard s = running_shard_[ri];
    const OpTiming t = running_timing_[ri];
    ++totals_.ops_executed;
    totals_.busy += now - started_at_[ri];
    if (r == Resource::cores) {
        cores_busy_ += now - started_at_[ri];
    }
    totals_.own_work += t.duration;
    (r == Resource::cores ? totals_.cores_work : totals_.dram_work) += t.duration;
    totals_.energy += t.energy;
    totals_.last_end = std::max(totals_.last_end, now);
    if (keep_records_ || keep_layers_) {
        stats::TimelineRow rec =
            make_record(m.entry, m.microbatch, started_at_[ri], now, cluster::resource_of(op.kind));
        rec.m = s.m;
        rec.n = s.n;
        rec.k = s.k;
        rec.energy = t.energy;
        emit(rec);
    }
    if (s.all_reduce_after && plan_.tp() > 1) {
        try_send_chunks(m.entry, m.microbatch, now, out);
    } else {
        complete(m.entry, m.microbatch, now, out);
    }
    dispatch(r, now, out);
}

void ChipModel::satisfy(std::uint32_t entry,
                        std::uint32_t mb,
                        SimTime now,
                        std::vector<Outgoing>& out) {
    Instance& st = state_[index(entry, mb)];
    LTDES_ASSERT(st.remaining > 0, "chip {}: entry {} mb {} satisfied too often", chip_, entry, mb);
    if (--st.remaining == 0) {
        make_ready(entry, mb, now, out);
    }
}

void ChipModel::complete(std::uint32_t entry,
                         std::uint32_t mb,
                         SimTime now,
                         std::vector<Outgoing>& out) {
    Instance& st = state_[index(entry, mb)];
    LTDES_ASSERT(!st.complete, "chip {}: entry {} completed twice", chip_, entry);
    st.complete = true;
    ++completed_;
    totals_.last_end = std::max(totals_.last_end, now);
    const auto& e = program_->entries()[entry];
    if (e.op.phase == workload::Phase::prefill) {
        totals_.prefill_end = std::max(totals_.prefill_end, now);
    }
    for (const std::uint32_t d : e.dependents) {
        satisfy(d, mb, now, out);
    }
    if (!moe_role_.empty() && moe_role_[entry] == MoeRole::router) {
        moe_route(entry, mb, now, out);
    }
    if (e.consumer_stages.empty()) {
        return;
    }
    const OpShard s = shard(entry, mb);
    // The generated token goes back to the first stage as ids, 4 bytes per request; anything
    // else ships the op's output activations at the arch precision.
    const std::uint64_t bytes = tp_role(e.op) == TpRole::vocab || e.op.name == "head"
                                    ? std::uint64_t{4} * mb_requests_[mb]
                                    : bytes_of(s.m * s.n * s.count);
    xfer_entry_ = entry;
    xfer_mb_ = mb;
    for (const std::uint32_t stage : e.consumer_stages) {
        const std::uint32_t dst = plan_.chip(ChipCoord{coord_.dp, stage, coord_.tp});
        transfer(dst, bytes, ActivationMsg{e.op.id, bytes, mb, chip_, dst, 0}, now, out);
    }
}

template <typename Msg>
bool ChipModel::route_in(const Msg& m, SimTime now, std::vector<Outgoing>& out) {
    if (m.final_dst != chip_) {
        const ChipNetwork::Hop hop = net_.send(m.final_dst, m.bytes, now);
        out.push_back(Outgoing{hop.to, hop.delay, m});
        return true;
    }
    if (m.ported == 0) {
        const SimTime done = net_.receive(m.bytes, now);
        if (done > now) {
            Msg held = m;
            held.ported = 1;
            out.push_back(Outgoing{chip_, done - now, held});
            return true;
        }
    }
    totals_.last_end = std::max(totals_.last_end, now);
    return false;
}

void ChipModel::on_activation(const ActivationMsg& m, SimTime now, std::vector<Outgoing>& out) {
    if (route_in(m, now, out)) {
        return;
    }
    totals_.bytes_received += m.bytes;
    for (const auto& [producer, local] : program_->consumers_of(m.producer_id)) {
        satisfy(local, m.microbatch, now, out);
    }
}

CollectiveProgress& ChipModel::progress_of(std::uint32_t entry, std::uint32_t mb) {
    const std::size_t key = index(entry, mb);
    const auto it = active_.find(key);
    if (it != active_.end()) {
        return it->second;
    }
    return progress_at(key, bytes_of(shard(entry, mb).all_reduce_elements));
}

CollectiveProgress& ChipModel::progress_at(std::size_t key, std::uint64_t bytes) {
    const auto it = active_.find(key);
    if (it != active_.end()) {
        return it->second;
    }
    auto view = schedules_.find(bytes);
    if (view == schedules_.end()) {
        const auto schedule = all_reduce_schedule(topology_, collective_, bytes, plan_.tp());
        view = schedules_.emplace(bytes, MemberSchedule(schedule, coord_.tp)).first;
    }
    return active_.emplace(key, CollectiveProgress(view->second)).first->second;
}

void ChipModel::send_chunks(CollectiveProgress& progress,
                            std::uint32_t entry,
                            std::uint32_t mb,
                            std::uint32_t expert,
                            SimTime now,
                            std::vector<Outgoing>& out) {
    std::vector<CollectiveMessage> sends;
    progress.take_sendable(sends);
    const std::uint32_t p = plan_.tp();
    for (const CollectiveMessage& m : sends) {
        const std::uint32_t dst = plan_.chip(ChipCoord{coord_.dp, coord_.pp, m.dst});
        const ReduceChunkMsg msg{m.bytes, entry, mb, m.step, chip_, m.lane, dst, 0, expert};
        if (m.all_readers) {
            // One transmission read by every other member of the group.
            readers_.clear();
            for (std::uint32_t t = 0; t < p; ++t) {
                if (t != coord_.tp) {
                    readers_.push_back(plan_.chip(ChipCoord{coord_.dp, coord_.pp, t}));
                }
            }
            LTDES_ASSERT(topology_.on_bus(chip_, readers_.front()), "a broadcast off the bus");
            bus_send(readers_, m.bytes, msg, now, out);
        } else {
            transfer(dst, m.bytes, msg, now, out);
        }
    }
}

void ChipModel::try_send_chunks(std::uint32_t entry,
                                std::uint32_t mb,
                                SimTime now,
                                std::vector<Outgoing>& out) {
    CollectiveProgress& progress = progress_of(entry, mb);
    if (state_[index(entry, mb)].computed) {
        progress.set_ready();
    }
    xfer_entry_ = entry;
    xfer_mb_ = mb;
    send_chunks(progress, entry, mb, 0, now, out);
    if (progress.done()) {
        active_.erase(index(entry, mb));
        ++totals_.all_reduces_completed;
        complete(entry, mb, now, out);
    }
}

void ChipModel::on_reduce_chunk(const ReduceChunkMsg& m, SimTime now, std::vector<Outgoing>& out) {
    if (route_in(m, now, out)) {
        return;
    }
    totals_.bytes_received += m.bytes;
    if (m.expert != 0) {
        expert_progress(m.entry, m.microbatch, m.expert - 1).on_receive(m.lane, m.step);
        moe_reduce(m.entry, m.microbatch, m.expert - 1, false, now, out);
        return;
    }
    progress_of(m.entry, m.microbatch).on_receive(m.lane, m.step);
    try_send_chunks(m.entry, m.microbatch, now, out);
}

void ChipModel::record_transfer(SimTime depart,
                                SimTime arrival,
                                double energy_pj,
                                stats::Resource resource) {
    if (!keep_records_ && !keep_layers_) {
        return;
    }
    stats::TimelineRow rec = make_record(xfer_entry_, xfer_mb_, depart, arrival, resource);
    rec.m = 0;  // a transfer has no matmul shape (docs/output.md)
    rec.n = 0;
    rec.k = 0;
    rec.energy[EnergyComponent::link] = energy_pj;
    emit(rec);
}

stats::TimelineRow ChipModel::make_record(std::uint32_t entry,
                                          std::uint32_t mb,
                                          SimTime start,
                                          SimTime end,
                                          stats::Resource resource) const {
    return make_record(program_->entries()[entry].op, program_->entries()[entry].name_id, mb, start,
                       end, resource);
}

stats::TimelineRow ChipModel::make_record(const workload::Op& op,
                                          std::uint32_t name_id,
                                          std::uint32_t mb,
                                          SimTime start,
                                          SimTime end,
                                          stats::Resource resource) const {
    stats::TimelineRow rec;
    rec.t_start_ps = start.in_ps();
    rec.t_end_ps = end.in_ps();
    rec.op_id = op.id;
    rec.chip = chip_;
    rec.request = plan_.requests(coord_.dp).begin + plan_.microbatch_requests(coord_.dp, mb).begin;
    rec.resource = resource;
    rec.op_kind = static_cast<std::uint8_t>(op.kind);
    rec.op_name = name_id;
    rec.phase = static_cast<std::uint8_t>(op.phase);
    rec.step = op.step;
    rec.layer = op.layer;
    return rec;
}

void ChipModel::emit(const stats::TimelineRow& rec) {
    if (keep_records_) {
        records_.push_back(rec);
    }
    if (keep_layers_) {
        layers_.add(rec);
    }
}

void ChipModel::finish(SimTime makespan, double laser_power_mw) {
    if (!static_enabled_) {
        return;
    }
    // mW × ps = 1e-3 J/s × 1e-12 s = 1e-15 J = 1e-3 pJ; W × ps = 1 pJ.
    const double idle_ps = static_cast<double>((makespan - cores_busy_).in_ps());
    const auto directions = static_cast<double>(topology_.out_links(chip_).size());
    totals_.energy[EnergyComponent::static_power] +=
        laser_power_mw * 1e-3 * std::max(idle_ps, 0.0) +
        link_idle_power_w_ * directions * static_cast<double>(makespan.in_ps());
}

template <typename Msg>
void ChipModel::bus_send(std::span<const std::uint32_t> readers,
                         std::uint64_t bytes,
                         Msg msg,
                         SimTime now,
                         std::vector<Outgoing>& out) {
    const auto n = static_cast<std::uint32_t>(readers.size());
    const SimTime depart = net_.send_bus(bytes, n, now);
    const SimTime arrive = depart + topology_.bus_serialization(bytes) + topology_.bus_latency();
    // A broadcast counts once per reader, as each reader counts what it receives.
    totals_.bytes_sent += bytes * n;
    const double energy = static_cast<double>(bytes) * 8.0 * topology_.bus_energy_pj_per_bit(n);
    totals_.energy[EnergyComponent::link] += energy;
    totals_.last_end = std::max(totals_.last_end, arrive);
    record_transfer(depart, arrive, energy, stats::Resource::bus);
    // Readers have a receiver per wavelength group: no port to queue at (docs/cluster.md).
    msg.ported = 1;
    for (const std::uint32_t r : readers) {
        msg.final_dst = r;
        out.push_back(Outgoing{r, arrive - now, msg});
    }
}

template <typename Msg>
void ChipModel::transfer(
    std::uint32_t dst, std::uint64_t bytes, Msg msg, SimTime now, std::vector<Outgoing>& out) {
    if (topology_.on_bus(chip_, dst)) {
        bus_send(std::span<const std::uint32_t>(&dst, 1), bytes, msg, now, out);
        return;
    }
    const ChipNetwork::Hop hop = net_.send(dst, bytes, now);
    totals_.bytes_sent += bytes;
    // The sender is charged the whole route's link energy; /links shows where it went.
    const double energy = topology_.transfer_energy_pj(chip_, dst, bytes);
    totals_.energy[EnergyComponent::link] += energy;
    // The row spans the transfer as it would go if no later link or port held it up.
    const SimTime unloaded = hop.depart + topology_.transfer_time(chip_, dst, bytes);
    record_transfer(hop.depart, unloaded, energy, stats::Resource::link);
    out.push_back(Outgoing{hop.to, hop.delay, msg});
}

void ChipModel::init_moe_roles() {
    moe_role_.assign(entries_, MoeRole::none);
    moe_combine_of_.assign(entries_, 0);
    std::uint32_t router = entries_;  // the router whose experts come next
    for (std::uint32_t e = 0; e < entries_; ++e) {
        const workload::Op& op = program_->entries()[e].op;
        if (op.kind == workload::OpKind::router) {
            moe_role_[e] = MoeRole::router;
            router = e;
        } else if (router < entries_ && op.name == "moe_combine") {
            moe_role_[e] = MoeRole::combine;
            moe_combine_of_[router] = e;
            router = entries_;
        } else if (router < entries_ && is_expert_op_name(op.name)) {
            moe_role_[e] = MoeRole::expert;
        }
    }
    if (router < entries_) {
        throw TraceError(fmt::format("op {}: an MoE router without a later moe_combine op",
                                     program_->entries()[router].op.id));
    }
}

void ChipModel::moe_send(std::uint32_t entry,
                         std::uint32_t mb,
                         std::uint32_t lane,
                         std::uint64_t picks,
                         bool combine,
                         SimTime now,
                         std::vector<Outgoing>& out) {
    const std::uint64_t bytes = bytes_of(picks * plan_.model().d_model);
    const std::uint32_t dst = ep_peer(plan_, chip_, lane);
    xfer_entry_ = combine ? moe_combine_of_[entry] : entry;
    xfer_mb_ = mb;
    totals_.moe_bytes_sent += bytes;
    // Sent even when empty: the receiver counts one message per peer (a header-only transfer).
    transfer(dst, bytes, MoeTokensMsg{bytes, entry, mb, chip_, combine ? 1U : 0U, dst, 0}, now,
             out);
}

void ChipModel::moe_route(std::uint32_t entry,
                          std::uint32_t mb,
                          SimTime now,
                          std::vector<Outgoing>& out) {
    MoeLayer& layer = moe_layers_[{entry, mb}];
    layer.exchange = moe_exchange(plan_, moe_, chip_, program_->entries()[entry].op, mb);
    layer.routed = true;
    totals_.moe_picks_dropped += layer.exchange.dropped;
    const std::uint32_t me = ep_lane(plan_, chip_);
    for (std::uint32_t lane = 0; lane < plan_.ep(); ++lane) {
        if (lane != me) {
            moe_send(entry, mb, lane, layer.exchange.send_picks[lane], false, now, out);
        }
    }
    moe_try_compute(entry, mb, now, out);
}

void ChipModel::moe_try_compute(std::uint32_t entry,
                                std::uint32_t mb,
                                SimTime now,
                                std::vector<Outgoing>& out) {
    MoeLayer& layer = moe_layers_[{entry, mb}];
    if (!layer.routed || layer.started || layer.dispatch_in + 1 < plan_.ep()) {
        return;
    }
    layer.started = true;
    const workload::Op& router = program_->entries()[entry].op;
    const std::uint32_t me = ep_lane(plan_, chip_);
    std::vector<workload::Op> chain;
    for (std::size_t i = 0; i < layer.exchange.expert_rows.size(); ++i) {
        const std::uint64_t rows = layer.exchange.expert_rows[i];
        if (rows == 0) {
            continue;  // an expert without tokens runs nothing
        }
        totals_.moe_expert_rows += rows;
        chain.clear();
        workload::OpSink sink(chain, 0, router.phase, router.step);
        sink.set_layer(router.layer);
        const std::uint32_t expert = me + static_cast<std::uint32_t>(i) * plan_.ep();
        workload::add_ffn(sink, plan_.model(), bits_, rows, workload::OpSink::kNoInput,
                          ".e" + std::to_string(expert));
        for (workload::Op& op : chain) {
            op.id = router.id;  // a job's /timeline rows name the router it follows
            op.deps.clear();
            const std::uint32_t name_id = program_->expert_name_id(op.name);
            bool reduce_after = false;
            if (plan_.tp() > 1) {
                // Each expert is tensor-sliced over the tensor group like a dense FFN (its
                // columns; ffn2 leaves partial sums that the group all-reduces).
                const OpShard s = shard_op(op, plan_, chip_, plan_.workload().batch);
                op = apply_shard(op, s);
                reduce_after = s.all_reduce_after;
                layer.reduces_left += reduce_after ? 1U : 0U;
            }
            layer.jobs.push_back(
                MoeJob{std::move(op), name_id, static_cast<std::uint32_t>(i), reduce_after});
        }
    }
    layer.jobs_left = static_cast<std::uint32_t>(layer.jobs.size());
    if (layer.jobs_left == 0) {
        moe_experts_done(entry, mb, now, out);
        return;
    }
    // One chain after another on the cores, in the chain's order (its dependency order).
    for (std::uint32_t j = 0; j < layer.jobs_left; ++j) {
        ready_[static_cast<int>(Resource::cores)].emplace(entry, mb | kJobFlag);
    }
    dispatch(Resource::cores, now, out);
}

void ChipModel::moe_job_done(const OpDoneMsg& m, SimTime now, std::vector<Outgoing>& out) {
    const int ri = static_cast<int>(Resource::cores);
    const std::uint32_t mb = m.microbatch & ~kJobFlag;
    const OpTiming& t = running_timing_[ri];
    totals_.busy += now - started_at_[ri];
    cores_busy_ += now - started_at_[ri];
    totals_.own_work += t.duration;
    totals_.cores_work += t.duration;
    totals_.energy += t.energy;
    totals_.last_end = std::max(totals_.last_end, now);
    const MoeJob job = std::exchange(running_job_, MoeJob{});
    const workload::Op& op = job.op;
    if (keep_records_ || keep_layers_) {
        stats::TimelineRow rec =
            make_record(op, job.name_id, mb, started_at_[ri], now, cluster::resource_of(op.kind));
        rec.m = op.m;
        rec.n = op.n;
        rec.k = op.k;
        rec.energy = t.energy;
        emit(rec);
    }
    MoeLayer& layer = moe_layers_.at({m.entry, mb});
    --layer.jobs_left;
    if (job.reduce_after) {
        moe_reduce(m.entry, mb, job.slot, true, now, out);  // may finish the layer's experts
        return;
    }
    if (layer.jobs_left == 0 && layer.reduces_left == 0) {
        moe_experts_done(m.entry, mb, now, out);
    }
}

CollectiveProgress& ChipModel::expert_progress(std::uint32_t entry,
                                               std::uint32_t mb,
                                               std::uint32_t slot) {
    const std::size_t key = expert_key(entry, mb, slot);
    const auto it = active_.find(key);
    if (it != active_.end()) {
        return it->second;
    }
    // A member's chunk may come before this chip has routed the layer: the routing is a pure
    // function of the plan, the same on every tensor rank of the lane.
    const auto layer = moe_layers_.find({entry, mb});
    const std::uint64_t rows =
        layer != moe_layers_.end() && layer->second.routed
            ? layer->second.exchange.expert_rows.at(slot)
            : moe_exchange(plan_, moe_, chip_, program_->entries()[entry].op, mb)
                  .expert_rows.at(slot);
    return progress_at(key, bytes_of(rows * plan_.model().d_model));
}

void ChipModel::moe_reduce(std::uint32_t entry,
                           std::uint32_t mb,
                           std::uint32_t slot,
                           bool ready,
                           SimTime now,
                           std::vector<Outgoing>& out) {
    CollectiveProgress& progress = expert_progress(entry, mb, slot);
    if (ready) {
        progress.set_ready();
    }
    // The tensor group's all-reduce traffic of a MoE layer shows under its moe_combine.
    xfer_entry_ = moe_combine_of_[entry];
    xfer_mb_ = mb;
    send_chunks(progress, entry, mb, slot + 1, now, out);
    if (!progress.done()) {
        return;
    }
    active_.erase(expert_key(entry, mb, slot));
    ++totals_.all_reduces_completed;
    MoeLayer& layer = moe_layers_.at({entry, mb});
    if (--layer.reduces_left == 0 && layer.jobs_left == 0) {
        moe_experts_done(entry, mb, now, out);
    }
}

void ChipModel::moe_experts_done(std::uint32_t entry,
                                 std::uint32_t mb,
                                 SimTime now,
                                 std::vector<Outgoing>& out) {
    MoeLayer& layer = moe_layers_.at({entry, mb});
    layer.experts_done = true;
    const std::uint32_t me = ep_lane(plan_, chip_);
    for (std::uint32_t lane = 0; lane < plan_.ep(); ++lane) {
        if (lane != me) {
            moe_send(entry, mb, lane, layer.exchange.recv_picks[lane], true, now, out);
        }
    }
    moe_try_finish(entry, mb, now, out);
}

void ChipModel::moe_try_finish(std::uint32_t entry,
                               std::uint32_t mb,
                               SimTime now,
                               std::vector<Outgoing>& out) {
    const auto it = moe_layers_.find({entry, mb});
    if (it == moe_layers_.end() || !it->second.experts_done ||
        it->second.combine_in + 1 < plan_.ep()) {
        return;
    }
    moe_layers_.erase(it);
    satisfy(moe_combine_of_[entry], mb, now, out);
}

void ChipModel::on_moe_tokens(const MoeTokensMsg& m, SimTime now, std::vector<Outgoing>& out) {
    if (route_in(m, now, out)) {
        return;
    }
    totals_.bytes_received += m.bytes;
    MoeLayer& layer = moe_layers_[{m.entry, m.microbatch}];
    if (m.combine != 0) {
        ++layer.combine_in;
        moe_try_finish(m.entry, m.microbatch, now, out);
    } else {
        ++layer.dispatch_in;
        moe_try_compute(m.entry, m.microbatch, now, out);
    }
}

}  // namespace ltdes::cluster
