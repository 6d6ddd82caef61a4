// SPDX-License-Identifier: MIT
// Engine::capture / Engine::restore: the kernel's part of a checkpoint (per LP: sequence
// counter, counters, fingerprint chain, pending events, and the LP's own save()).
#include "ltdes/core/assert.hpp"
#include "ltdes/des/engine.hpp"
#include "ltdes/des/state_bytes.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ltdes::des {

std::vector<LpSnapshot> Engine::capture() const {
    LTDES_ASSERT(build_error_ == nullptr, "capture() after a failed build");
    // Taken after the round's exchange and delivery: every event sits in a queue.
    for (const Shard& sh : shards_) {
        LTDES_ASSERT(sh.local_out.empty() && sh.remote_out.empty() && sh.inbox.empty(),
                     "checkpoint with events in flight on rank {}", rank_);
    }
    for (const auto& out : rank_out_) {
        LTDES_ASSERT(out.empty(), "checkpoint with events in flight on rank {}", rank_);
    }
    std::vector<LpSnapshot> out(lps_.size());
    for (std::size_t i = 0; i < lps_.size(); ++i) {
        const LpSlot& slot = lps_[i];
        LpSnapshot& s = out[i];
        s.id = slot.id;
        s.next_seq = slot.next_seq;
        s.stats = slot.stats;
        s.fingerprint_chain = slot.fingerprint.chain();
        s.fingerprint_any = slot.fingerprint.any();
        StateWriter w;
        slot.lp->save(w);
        s.state = w.take();
    }
    for (const Shard& sh : shards_) {
        sh.queue.for_each([&](const Event& ev) {
            out[local_index_[to_underlying(ev.dst)]].events.push_back(ev);
        });
    }
    return out;
}

void Engine::restore(std::vector<LpSnapshot> lps, SimTime last_event) {
    if (build_error_) {
        return;  // reported by the run
    }
    LTDES_ASSERT(lps.size() == lps_.size(), "restore: {} LPs for the {} of rank {}", lps.size(),
                 lps_.size(), rank_);
    for (LpSnapshot& s : lps) {
        const std::uint32_t local =
            to_underlying(s.id) < lp_count_ ? local_index_[to_underlying(s.id)] : 0xffffffffU;
        LTDES_ASSERT(local < lps_.size(), "restore: LP {} is not owned by rank {}", s.id, rank_);
        LpSlot& slot = lps_[local];
        slot.next_seq = s.next_seq;
        slot.stats = s.stats;
        slot.fingerprint = LpFingerprint::resume(s.fingerprint_chain, s.fingerprint_any);
        StateReader r(s.state, fmt::format("snapshot of LP {}", s.id));
        slot.lp->restore(r);
        r.expect_end();
        Shard& sh = shard_of_local(local);
        for (const Event& ev : s.events) {
            sh.queue.push(ev);
        }
        sh.events += s.stats.events_executed;
    }
    for (Shard& sh : shards_) {
        sh.last_time = last_event;
    }
    restored_ = true;
}

}  // namespace ltdes::des
