// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/des/transport.hpp"
#include "ltdes/dist/mpi_session.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ltdes::dist {

/// des::Transport over MPI_COMM_WORLD. A round costs one MPI_Reduce_scatter_block (cost grows
/// with log R in latency, not R^2) and one message per pair of ranks that exchange events. Needs a
/// live MpiSession; only the thread that created the session may call it (MPI_THREAD_FUNNELED).
class MpiTransport final : public des::Transport {
public:
    /// Up to this many ranks, posted rounds reduce by messages between every pair of ranks
    /// instead of MPI_Ireduce_scatter_block (see post_round).
    static constexpr int kDirectRoundRanks = 8;

    /// `direct_round_ranks`: the largest rank count whose posted rounds are direct (0: never;
    /// tests take both ways).
    explicit MpiTransport(const MpiSession& session, int direct_round_ranks = kDirectRoundRanks);
    ~MpiTransport() override;
    MpiTransport(const MpiTransport&) = delete;
    MpiTransport& operator=(const MpiTransport&) = delete;

    RankId rank() const override { return rank_; }

    int size() const override { return size_; }

    void exchange(std::span<const std::vector<des::Event>> outbox,
                  std::vector<des::Event>& inbox) override;

    des::WindowReduction reduce_window(SimTime local_min,
                                       std::uint64_t local_events,
                                       bool failed) override;

    /// One MPI_Reduce_scatter_block (each rank gets its bound, how many ranks send to it, and
    /// the global minimum, event sum and failure), then point-to-point messages between the
    /// ranks that have events for each other only.
    des::RoundResult round(std::span<const SimTime> bound_to,
                           std::span<const std::vector<des::Event>> outbox,
                           std::vector<des::Event>& inbox,
                           SimTime local_min,
                           std::uint64_t local_events,
                           bool failed) override;

    /// The same round with MPI_Ireduce_scatter_block: the events go out at once, and the
    /// messages are received when the reduction, polled by round_ready(), has completed. Up to
    /// `direct_round_ranks` ranks, each rank instead sends every other rank its element of the
    /// reduction and reduces what it receives itself: on 2 ranks here a round costs 0.8 µs
    /// instead of 1.7-2.0 µs, and polling it does not go through the collectives' progress
    /// engine. Each rank then sends ranks - 1 messages a round, so with many ranks the
    /// collective's logarithmic steps win.
    void post_round(std::span<const SimTime> bound_to,
                    std::span<const std::vector<des::Event>> outbox,
                    SimTime local_min,
                    std::uint64_t local_events,
                    bool failed) override;

    bool round_ready() override;

    des::RoundResult finish_round(std::vector<des::Event>& inbox) override;

    std::vector<std::uint64_t> all_gather(std::uint64_t value) override;

    std::string broadcast(const std::string& text, RankId root) override;

    std::string all_gather_bytes(const std::string& bytes) override;

    /// MPI_Comm_split: the group's transport has round, reduce_window and exchange; its
    /// gathers and broadcasts are not supported (the kernel uses them on the whole world only).
    std::unique_ptr<des::Transport> split(int color) override;

    /// The side channel runs on a communicator of its own (MPI_Comm_dup), so its messages
    /// never meet a round's probes; sends are MPI_Isend, their buffers kept until complete.
    void side_send(std::int32_t to, std::string bytes) override;

    bool side_receive(std::string& bytes) override;

    /// MPI_Alltoall of how many messages each rank sent to each, then the rest received.
    void side_settle(const std::function<void(std::string_view)>& take) override;

private:
    struct Group {};

    MpiTransport(Group, const MpiTransport& parent, int color);
    void init(int direct_round_ranks);

    RankId rank_{};
    int size_ = 1;
    int direct_round_ranks_ = kDirectRoundRanks;
    std::vector<int> send_counts_, send_displs_, recv_counts_, recv_displs_;
    std::vector<des::Event> send_buffer_;
    std::vector<std::int64_t> round_out_;
    std::array<std::int64_t, 5> round_in_{};  // this rank's element of the round's reduction

    void fill_round(std::span<const SimTime> bound_to,
                    std::span<const std::vector<des::Event>> outbox,
                    SimTime local_min,
                    std::uint64_t local_events,
                    bool failed);
    des::RoundResult round_result() const;
    void receive_events(std::size_t expected, int tag, std::vector<des::Event>& inbox);
    // Completes the sends of posted rounds; a blocking collective may not overlap them.
    void settle_posted();
    // Frees the buffers of side sends that have completed.
    void reap_side_sends();
    void exchange_events(std::span<const std::vector<des::Event>> outbox,
                         std::vector<des::Event>& inbox);
    struct Handles;  // MPI datatypes and the reduction op (no <mpi.h> in public headers)
    std::unique_ptr<Handles> handles_;
};

}  // namespace ltdes::dist
