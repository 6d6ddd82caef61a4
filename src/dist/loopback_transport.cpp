// SPDX-License-Identifier: MIT
#include "ltdes/dist/loopback_transport.hpp"

#include "ltdes/core/assert.hpp"

#include <algorithm>

namespace ltdes::dist {

LoopbackHub::LoopbackHub(int ranks)
    : ranks_(ranks),
      barrier_(ranks),
      mailbox_(static_cast<std::size_t>(ranks),
               std::vector<std::vector<des::Event>>(static_cast<std::size_t>(ranks))),
      reductions_(static_cast<std::size_t>(ranks)),
      gathered_(static_cast<std::size_t>(ranks)),
      bounds_(static_cast<std::size_t>(ranks)),
      texts_(static_cast<std::size_t>(ranks)) {
    LTDES_ASSERT(ranks >= 1, "a loopback hub needs at least one rank (got {})", ranks);
}

LoopbackTransport::LoopbackTransport()
    : own_hub_(std::make_unique<LoopbackHub>(1)), hub_(own_hub_.get()), rank_(RankId{0}) {}

LoopbackTransport::LoopbackTransport(LoopbackHub& hub, RankId rank) : hub_(&hub), rank_(rank) {
    LTDES_ASSERT(to_underlying(rank) >= 0 && to_underlying(rank) < hub.size(),
                 "rank {} outside a hub of {}", rank, hub.size());
}

// Each collective: write own slot, barrier, read everyone's, barrier (so nobody overwrites a
// slot another rank is still reading).
void LoopbackTransport::exchange(std::span<const std::vector<des::Event>> outbox,
                                 std::vector<des::Event>& inbox) {
    const auto me = static_cast<std::size_t>(to_underlying(rank_));
    const auto n = static_cast<std::size_t>(hub_->size());
    LTDES_ASSERT(outbox.size() == n, "outbox has {} ranks, not {}", outbox.size(), n);
    for (std::size_t dst = 0; dst < n; ++dst) {
        hub_->mailbox_[me][dst].assign(outbox[dst].begin(), outbox[dst].end());
    }
    hub_->barrier_.arrive_and_wait();
    inbox.clear();
    for (std::size_t src = 0; src < n; ++src) {
        const auto& box = hub_->mailbox_[src][me];
        inbox.insert(inbox.end(), box.begin(), box.end());
    }
    hub_->barrier_.arrive_and_wait();
}

des::WindowReduction LoopbackTransport::reduce_window(SimTime local_min,
                                                      std::uint64_t local_events,
                                                      bool failed) {
    const auto me = static_cast<std::size_t>(to_underlying(rank_));
    hub_->reductions_[me] = {local_min, local_events, failed ? to_underlying(rank_) : -1};
    hub_->barrier_.arrive_and_wait();
    des::WindowReduction all;
    for (const des::WindowReduction& r : hub_->reductions_) {
        all.min_time = std::min(all.min_time, r.min_time);
        all.events += r.events;
        if (r.failed_rank >= 0 && (all.failed_rank < 0 || r.failed_rank < all.failed_rank)) {
            all.failed_rank = r.failed_rank;
        }
    }
    hub_->barrier_.arrive_and_wait();
    return all;
}

std::vector<std::uint64_t> LoopbackTransport::all_gather(std::uint64_t value) {
    hub_->gathered_[static_cast<std::size_t>(to_underlying(rank_))] = value;
    hub_->barrier_.arrive_and_wait();
    std::vector<std::uint64_t> out = hub_->gathered_;
    hub_->barrier_.arrive_and_wait();
    return out;
}

std::string LoopbackTransport::broadcast(const std::string& text, RankId root) {
    if (rank_ == root) {
        hub_->text_ = text;
    }
    hub_->barrier_.arrive_and_wait();
    std::string out = hub_->text_;
    hub_->barrier_.arrive_and_wait();
    return out;
}

des::RoundResult LoopbackTransport::round(std::span<const SimTime> bound_to,
                                          std::span<const std::vector<des::Event>> outbox,
                                          std::vector<des::Event>& inbox,
                                          SimTime local_min,
                                          std::uint64_t local_events,
                                          bool failed) {
    const auto me = static_cast<std::size_t>(to_underlying(rank_));
    LTDES_ASSERT(bound_to.size() == static_cast<std::size_t>(hub_->size()),
                 "round: {} bounds for {} ranks", bound_to.size(), hub_->size());
    hub_->bounds_[me].assign(bound_to.begin(), bound_to.end());
    des::RoundResult result;
    const des::WindowReduction all = reduce_window(local_min, local_events, failed);  // barriers
    for (const auto& row : hub_->bounds_) {
        result.bound = std::min(result.bound, row[me]);
    }
    exchange(outbox, inbox);  // its first barrier also ends the reads of bounds_
    result.min_time = all.min_time;
    result.events = all.events;
    result.failed_rank = all.failed_rank;
    return result;
}

void LoopbackTransport::post_round(std::span<const SimTime> bound_to,
                                   std::span<const std::vector<des::Event>> outbox,
                                   SimTime local_min,
                                   std::uint64_t local_events,
                                   bool failed) {
    posted_bounds_.assign(bound_to.begin(), bound_to.end());
    posted_outbox_.assign(outbox.begin(), outbox.end());
    posted_min_ = local_min;
    posted_events_ = local_events;
    posted_failed_ = failed;
}

des::RoundResult LoopbackTransport::finish_round(std::vector<des::Event>& inbox) {
    return round(posted_bounds_, posted_outbox_, inbox, posted_min_, posted_events_,
                 posted_failed_);
}

std::string LoopbackTransport::all_gather_bytes(const std::string& bytes) {
    hub_->texts_[static_cast<std::size_t>(to_underlying(rank_))] = bytes;
    hub_->barrier_.arrive_and_wait();
    std::string out;
    for (const std::string& t : hub_->texts_) {
        out += t;
    }
    hub_->barrier_.arrive_and_wait();
    return out;
}

std::unique_ptr<des::Transport> LoopbackTransport::split(int color) {
    const auto colors = all_gather(static_cast<std::uint64_t>(color));
    const auto me = static_cast<std::size_t>(to_underlying(rank_));
    std::size_t lowest = colors.size();
    int members = 0;
    int index = 0;
    for (std::size_t r = 0; r < colors.size(); ++r) {
        if (colors[r] == colors[me]) {
            lowest = std::min(lowest, r);
            index += r < me ? 1 : 0;
            ++members;
        }
    }
    if (lowest == me) {
        std::lock_guard lock(hub_->subs_mutex_);
        hub_->subs_.resize(colors.size());
        hub_->subs_[me] = std::make_unique<LoopbackHub>(members);
    }
    hub_->barrier_.arrive_and_wait();
    LoopbackHub* sub = nullptr;
    {
        std::lock_guard lock(hub_->subs_mutex_);
        sub = hub_->subs_[lowest].get();
    }
    hub_->barrier_.arrive_and_wait();
    return std::make_unique<LoopbackTransport>(*sub, RankId{index});
}

}  // namespace ltdes::dist
