// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/des/transport.hpp"

#include <barrier>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace ltdes::dist {

/// Shared state of N in-process ranks (one thread each). Create one hub, then one
/// LoopbackTransport per rank; every rank's thread must make the same collective calls, as
/// under MPI. MPI-free: for unit tests of multi-rank behaviour.
class LoopbackHub {
public:
    /// `ranks` >= 1.
    explicit LoopbackHub(int ranks);

    int size() const { return ranks_; }

private:
    friend class LoopbackTransport;

    int ranks_;
    std::barrier<> barrier_;
    // mailbox_[src][dst]: events from src to dst in the current exchange.
    std::vector<std::vector<std::vector<des::Event>>> mailbox_;
    std::vector<des::WindowReduction> reductions_;

    std::vector<std::uint64_t> gathered_;
    // bounds_[src][dst]: Transport::round's bound_to of every rank.
    std::vector<std::vector<SimTime>> bounds_;
    std::vector<std::string> texts_;
    // Hubs of split() groups, by the group's lowest rank (created by it, kept for the hub's life).
    std::mutex subs_mutex_;
    std::vector<std::unique_ptr<LoopbackHub>> subs_;
    std::string text_;
};

/// des::Transport between the threads of one process through a LoopbackHub. A hub of size 1
/// (the default constructor) gives a single-rank transport with no threads involved.
class LoopbackTransport final : public des::Transport {
public:
    /// Single rank, its own hub.
    LoopbackTransport();

    /// Rank `rank` of `hub` (the hub must outlive the transport).
    LoopbackTransport(LoopbackHub& hub, RankId rank);

    RankId rank() const override { return rank_; }

    int size() const override { return hub_->size(); }

    void exchange(std::span<const std::vector<des::Event>> outbox,
                  std::vector<des::Event>& inbox) override;

    des::WindowReduction reduce_window(SimTime local_min,
                                       std::uint64_t local_events,
                                       bool failed) override;

    std::vector<std::uint64_t> all_gather(std::uint64_t value) override;

    std::string broadcast(const std::string& text, RankId root) override;

    des::RoundResult round(std::span<const SimTime> bound_to,
                           std::span<const std::vector<des::Event>> outbox,
                           std::vector<des::Event>& inbox,
                           SimTime local_min,
                           std::uint64_t local_events,
                           bool failed) override;

    /// Kept until finish_round(), which runs round(): the threads meet there.
    void post_round(std::span<const SimTime> bound_to,
                    std::span<const std::vector<des::Event>> outbox,
                    SimTime local_min,
                    std::uint64_t local_events,
                    bool failed) override;

    bool round_ready() override { return true; }

    des::RoundResult finish_round(std::vector<des::Event>& inbox) override;

    std::string all_gather_bytes(const std::string& bytes) override;

    std::unique_ptr<des::Transport> split(int color) override;

private:
    std::unique_ptr<LoopbackHub> own_hub_;
    LoopbackHub* hub_;
    RankId rank_{};
    // What post_round() was given.
    std::vector<SimTime> posted_bounds_;
    std::vector<std::vector<des::Event>> posted_outbox_;
    SimTime posted_min_;
    std::uint64_t posted_events_ = 0;
    bool posted_failed_ = false;
};

}  // namespace ltdes::dist
