// SPDX-License-Identifier: MIT
#include "ltdes/dist/mpi_transport.hpp"

#include "ltdes/core/assert.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace ltdes::dist {

namespace {

// reduce_window's element: {min time ps, sum of events, min failing rank}.
void reduce_window_op(void* in, void* inout, int* len, MPI_Datatype* /*type*/) {
    const auto* a = static_cast<const std::int64_t*>(in);
    auto* b = static_cast<std::int64_t*>(inout);
    for (int i = 0; i < *len; ++i, a += 3, b += 3) {
        b[0] = std::min(a[0], b[0]);
        // Unsigned addition wraps instead of overflowing.
        b[1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(a[1]) +
                                         static_cast<std::uint64_t>(b[1]));
        b[2] = std::min(a[2], b[2]);
    }
}

void check(int rc, const char* what) {
    LTDES_ASSERT(rc == MPI_SUCCESS, "{} failed with MPI error {}", what, rc);
}

}  // namespace

struct MpiTransport::Handles {
    MPI_Datatype event_type = MPI_DATATYPE_NULL;
    MPI_Datatype window_type = MPI_DATATYPE_NULL;
    MPI_Op window_op = MPI_OP_NULL;
};

MpiTransport::MpiTransport(const MpiSession& session)
    : rank_(session.rank()), size_(session.size()), handles_(std::make_unique<Handles>()) {
    const auto n = static_cast<std::size_t>(size_);
    send_counts_.resize(n);
    send_displs_.resize(n);
    recv_counts_.resize(n);
    recv_displs_.resize(n);
    // Events travel as opaque 80-byte records: the struct has no padding and every rank runs
    // the same binary, so a byte copy is exact.
    check(
        MPI_Type_contiguous(static_cast<int>(sizeof(des::Event)), MPI_BYTE, &handles_->event_type),
        "MPI_Type_contiguous");
    check(MPI_Type_commit(&handles_->event_type), "MPI_Type_commit");
    check(MPI_Type_contiguous(3, MPI_INT64_T, &handles_->window_type), "MPI_Type_contiguous");
    check(MPI_Type_commit(&handles_->window_type), "MPI_Type_commit");
    check(MPI_Op_create(&reduce_window_op, 1, &handles_->window_op), "MPI_Op_create");
}

MpiTransport::~MpiTransport() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized == 0) {
        MPI_Op_free(&handles_->window_op);
        MPI_Type_free(&handles_->window_type);
        MPI_Type_free(&handles_->event_type);
    }
}

void MpiTransport::exchange(std::span<const std::vector<des::Event>> outbox,
                            std::vector<des::Event>& inbox) {
    LTDES_ASSERT(outbox.size() == static_cast<std::size_t>(size_), "outbox has {} ranks, not {}",
                 outbox.size(), size_);
    for (std::size_t r = 0; r < outbox.size(); ++r) {
        LTDES_ASSERT(outbox[r].size() <= static_cast<std::size_t>(std::numeric_limits<int>::max()),
                     "{} events to rank {} in one window", outbox[r].size(), r);
        send_counts_[r] = static_cast<int>(outbox[r].size());
    }
    check(MPI_Alltoall(send_counts_.data(), 1, MPI_INT, recv_counts_.data(), 1, MPI_INT,
                       MPI_COMM_WORLD),
          "MPI_Alltoall");
    exchange_events(outbox, inbox);
}

// Precondition: send_counts_ and recv_counts_ hold this exchange's counts.
void MpiTransport::exchange_events(std::span<const std::vector<des::Event>> outbox,
                                   std::vector<des::Event>& inbox) {
    std::size_t total = 0;
    std::size_t received = 0;
    for (std::size_t r = 0; r < outbox.size(); ++r) {
        send_displs_[r] = static_cast<int>(total);
        total += outbox[r].size();
        recv_displs_[r] = static_cast<int>(received);
        received += static_cast<std::size_t>(recv_counts_[r]);
    }
    LTDES_ASSERT(total <= static_cast<std::size_t>(std::numeric_limits<int>::max()) &&
                     received <= static_cast<std::size_t>(std::numeric_limits<int>::max()),
                 "too many events in one window ({} sent, {} received)", total, received);
    send_buffer_.resize(total);
    for (std::size_t r = 0; r < outbox.size(); ++r) {
        std::copy(outbox[r].begin(), outbox[r].end(), send_buffer_.begin() + send_displs_[r]);
    }
    inbox.resize(received);
    check(MPI_Alltoallv(send_buffer_.data(), send_counts_.data(), send_displs_.data(),
                        handles_->event_type, inbox.data(), recv_counts_.data(),
                        recv_displs_.data(), handles_->event_type, MPI_COMM_WORLD),
          "MPI_Alltoallv");
}

des::WindowReduction MpiTransport::exchange_window(std::span<const std::vector<des::Event>> outbox,
                                                   std::vector<des::Event>& inbox,
                                                   SimTime local_min,
                                                   std::uint64_t local_events,
                                                   bool failed) {
    LTDES_ASSERT(outbox.size() == static_cast<std::size_t>(size_), "outbox has {} ranks, not {}",
                 outbox.size(), size_);
    // Header to every rank: {events for it, my total sent, my earliest time, my executed
    // events, my rank if failed}. Every rank receives every header, so each one reduces the
    // window itself and knows whether anybody sends events at all.
    constexpr std::size_t kFields = 5;
    constexpr std::int64_t kNoFailure = std::numeric_limits<std::int64_t>::max();
    const auto n = static_cast<std::size_t>(size_);
    header_out_.resize(kFields * n);
    header_in_.resize(kFields * n);
    std::int64_t total = 0;
    for (const auto& box : outbox) {
        total += static_cast<std::int64_t>(box.size());
    }
    for (std::size_t r = 0; r < n; ++r) {
        LTDES_ASSERT(outbox[r].size() <= static_cast<std::size_t>(std::numeric_limits<int>::max()),
                     "{} events to rank {} in one window", outbox[r].size(), r);
        std::int64_t* h = &header_out_[kFields * r];
        h[0] = static_cast<std::int64_t>(outbox[r].size());
        h[1] = total;
        h[2] = local_min.in_ps();
        h[3] = static_cast<std::int64_t>(local_events);
        h[4] = failed ? to_underlying(rank_) : kNoFailure;
    }
    check(MPI_Alltoall(header_out_.data(), static_cast<int>(kFields), MPI_INT64_T,
                       header_in_.data(), static_cast<int>(kFields), MPI_INT64_T, MPI_COMM_WORLD),
          "MPI_Alltoall");
    des::WindowReduction w;
    std::int64_t global_sent = 0;
    std::int64_t first_failure = kNoFailure;
    for (std::size_t r = 0; r < n; ++r) {
        const std::int64_t* h = &header_in_[kFields * r];
        send_counts_[r] = static_cast<int>(outbox[r].size());
        recv_counts_[r] = static_cast<int>(h[0]);
        global_sent += h[1];
        w.min_time = std::min(w.min_time, SimTime::from_ps(h[2]));
        w.events += static_cast<std::uint64_t>(h[3]);
        first_failure = std::min(first_failure, h[4]);
    }
    w.failed_rank = first_failure == kNoFailure ? -1 : static_cast<std::int32_t>(first_failure);
    if (global_sent > 0) {
        exchange_events(outbox, inbox);  // every rank takes this branch or none does
    } else {
        inbox.clear();
    }
    return w;
}

des::WindowReduction MpiTransport::reduce_window(SimTime local_min,
                                                 std::uint64_t local_events,
                                                 bool failed) {
    constexpr std::int64_t kNoFailure = std::numeric_limits<std::int64_t>::max();
    std::int64_t mine[3] = {local_min.in_ps(), static_cast<std::int64_t>(local_events),
                            failed ? to_underlying(rank_) : kNoFailure};
    std::int64_t all[3] = {};
    check(MPI_Allreduce(mine, all, 1, handles_->window_type, handles_->window_op, MPI_COMM_WORLD),
          "MPI_Allreduce");
    des::WindowReduction r;
    r.min_time = SimTime::from_ps(all[0]);
    r.events = static_cast<std::uint64_t>(all[1]);
    r.failed_rank = all[2] == kNoFailure ? -1 : static_cast<std::int32_t>(all[2]);
    return r;
}

std::vector<std::uint64_t> MpiTransport::all_gather(std::uint64_t value) {
    std::vector<std::uint64_t> out(static_cast<std::size_t>(size_));
    check(MPI_Allgather(&value, 1, MPI_UINT64_T, out.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD),
          "MPI_Allgather");
    return out;
}

std::string MpiTransport::broadcast(const std::string& text, RankId root) {
    int len = to_underlying(rank_) == to_underlying(root) ? static_cast<int>(text.size()) : 0;
    check(MPI_Bcast(&len, 1, MPI_INT, to_underlying(root), MPI_COMM_WORLD), "MPI_Bcast");
    std::string out = to_underlying(rank_) == to_underlying(root)
                          ? text
                          : std::string(static_cast<std::size_t>(len), '\0');
    check(MPI_Bcast(out.data(), len, MPI_CHAR, to_underlying(root), MPI_COMM_WORLD), "MPI_Bcast");
    return out;
}

}  // namespace ltdes::dist
