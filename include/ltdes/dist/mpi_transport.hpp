// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/des/transport.hpp"
#include "ltdes/dist/mpi_session.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ltdes::dist {

/// des::Transport over MPI_COMM_WORLD: MPI_Alltoall of counts + MPI_Alltoallv of raw event
/// bytes for exchange, one MPI_Allreduce (min, sum, min) per window. Needs a live MpiSession;
/// only the thread that created the session may call it (MPI_THREAD_FUNNELED).
class MpiTransport final : public des::Transport {
public:
    explicit MpiTransport(const MpiSession& session);
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

    /// One MPI_Alltoall carrying the counts and the window reduction, then MPI_Alltoallv
    /// only when some rank sends events: one or two collectives per window instead of three.
    des::WindowReduction exchange_window(std::span<const std::vector<des::Event>> outbox,
                                         std::vector<des::Event>& inbox,
                                         SimTime local_min,
                                         std::uint64_t local_events,
                                         bool failed) override;

    std::vector<std::uint64_t> all_gather(std::uint64_t value) override;

    std::string broadcast(const std::string& text, RankId root) override;

private:
    RankId rank_{};
    int size_ = 1;
    std::vector<int> send_counts_, send_displs_, recv_counts_, recv_displs_;
    std::vector<des::Event> send_buffer_;
    std::vector<std::int64_t> header_out_, header_in_;

    void exchange_events(std::span<const std::vector<des::Event>> outbox,
                         std::vector<des::Event>& inbox);
    struct Handles;  // MPI datatypes and the reduction op (no <mpi.h> in public headers)
    std::unique_ptr<Handles> handles_;
};

}  // namespace ltdes::dist
