// SPDX-License-Identifier: MIT
#include "ltdes/dist/mpi_transport.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/mpi/collectives.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstring>
#include <deque>
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

// round's element, one per destination rank: {bound (min), ranks sending to it (sum), earliest
// pending time (min), events executed (sum), failing rank (min)}.
constexpr int kRoundFields = 5;

void reduce_round_op(void* in, void* inout, int* len, MPI_Datatype* /*type*/) {
    const auto* a = static_cast<const std::int64_t*>(in);
    auto* b = static_cast<std::int64_t*>(inout);
    for (int i = 0; i < *len; ++i, a += kRoundFields, b += kRoundFields) {
        b[0] = std::min(a[0], b[0]);
        b[1] += a[1];
        b[2] = std::min(a[2], b[2]);
        b[3] = static_cast<std::int64_t>(static_cast<std::uint64_t>(a[3]) +
                                         static_cast<std::uint64_t>(b[3]));
        b[4] = std::min(a[4], b[4]);
    }
}

using mpi::check;

// Tag of the point-to-point event messages of a round. A rank's messages of round k + 1 cannot
// overtake those of round k: they are sent after the reduction of round k + 1, which needs the
// receiver's contribution, which it gives only after receiving all of round k.
constexpr int kEventTag = 7301;
// Tags of posted rounds' event messages: this one for even rounds, the next for odd ones.
constexpr int kPostedEventTag = 7302;

// Tags of posted rounds' bound messages (direct rounds), by parity as the events'.
constexpr int kPostedBoundTag = 7304;

// Tag of the side channel's messages (on its own communicator).
constexpr int kSideTag = 7310;

constexpr std::int64_t kNoFailure = std::numeric_limits<std::int64_t>::max();

}  // namespace

namespace {

// A message of a round found by MPI_Mprobe, not yet received.
struct Probed {
    int source = 0;
    int count = 0;
    MPI_Message message = MPI_MESSAGE_NULL;
};

}  // namespace

struct MpiTransport::Handles {
    MPI_Datatype event_type = MPI_DATATYPE_NULL;
    MPI_Datatype window_type = MPI_DATATYPE_NULL;
    MPI_Op window_op = MPI_OP_NULL;
    MPI_Datatype round_type = MPI_DATATYPE_NULL;
    MPI_Op round_op = MPI_OP_NULL;
    std::vector<MPI_Request> sends;
    std::vector<Probed> probed;
    // The posted round: its reduction, and per tag parity the sends and their buffers.
    MPI_Request reduction = MPI_REQUEST_NULL;
    bool posted = false;
    int parity = 0;
    std::vector<MPI_Request> posted_sends[2];
    std::vector<std::vector<des::Event>> posted_out[2];
    // Direct rounds (MpiTransport::post_round): the bound messages received, by source rank's
    // block, and per parity the ones sent and their buffers.
    bool direct = false;
    std::vector<MPI_Request> bound_recvs;
    std::vector<std::int64_t> bound_in;
    std::vector<MPI_Request> bound_sends[2];
    std::vector<std::int64_t> bound_out[2];

    // A message to each rank `outbox` has events for.
    void send_events(std::span<const std::vector<des::Event>> outbox,
                     int tag,
                     std::vector<MPI_Request>& requests) const {
        for (std::size_t r = 0; r < outbox.size(); ++r) {
            if (outbox[r].empty()) {
                continue;
            }
            LTDES_ASSERT(
                outbox[r].size() <= static_cast<std::size_t>(std::numeric_limits<int>::max()),
                "{} events to rank {} in one round", outbox[r].size(), r);
            MPI_Request& req = requests.emplace_back();
            check(MPI_Isend(outbox[r].data(), static_cast<int>(outbox[r].size()), event_type,
                            static_cast<int>(r), tag, comm, &req),
                  "MPI_Isend");
        }
    }

    static void wait_sends(std::vector<MPI_Request>& requests) {
        if (!requests.empty()) {
            check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(),
                              MPI_STATUSES_IGNORE),
                  "MPI_Waitall");
            requests.clear();
        }
    }

    MPI_Comm comm = MPI_COMM_WORLD;  // a split() group owns its communicator
    bool owns_comm = false;
    // The side channel: its communicator, the sends under way (buffers in the same order),
    // and per rank the messages sent to it and received from it.
    MPI_Comm side_comm = MPI_COMM_NULL;
    std::deque<MPI_Request> side_requests;
    std::deque<std::string> side_buffers;
    std::vector<std::uint64_t> side_sent, side_received;
};

MpiTransport::MpiTransport(const MpiSession& /*session: MPI is live*/, int direct_round_ranks)
    : handles_(std::make_unique<Handles>()) {
    init(direct_round_ranks);
}

MpiTransport::MpiTransport(Group, const MpiTransport& parent, int color)
    : handles_(std::make_unique<Handles>()) {
    check(
        MPI_Comm_split(parent.handles_->comm, color, to_underlying(parent.rank_), &handles_->comm),
        "MPI_Comm_split");
    handles_->owns_comm = true;
    init(parent.direct_round_ranks_);
}

std::unique_ptr<des::Transport> MpiTransport::split(int color) {
    return std::unique_ptr<des::Transport>(new MpiTransport(Group{}, *this, color));
}

void MpiTransport::init(int direct_round_ranks) {
    direct_round_ranks_ = direct_round_ranks;
    int r = 0;
    MPI_Comm_rank(handles_->comm, &r);
    MPI_Comm_size(handles_->comm, &size_);
    rank_ = RankId{r};
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
    check(MPI_Type_contiguous(kRoundFields, MPI_INT64_T, &handles_->round_type),
          "MPI_Type_contiguous");
    check(MPI_Type_commit(&handles_->round_type), "MPI_Type_commit");
    check(MPI_Op_create(&reduce_round_op, 1, &handles_->round_op), "MPI_Op_create");
    check(MPI_Comm_dup(handles_->comm, &handles_->side_comm), "MPI_Comm_dup");
    handles_->direct = size_ > 1 && size_ <= direct_round_ranks;
    handles_->bound_in.resize(kRoundFields * n);
    handles_->side_sent.assign(n, 0);
    handles_->side_received.assign(n, 0);
}

MpiTransport::~MpiTransport() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized == 0) {
        if (!handles_->posted) {
            // The last posted round's messages were received when every rank finished it.
            settle_posted();
        }
        // Side sends left by a failed run (side_settle() never came) complete on their own.
        for (MPI_Request& req : handles_->side_requests) {
            MPI_Request_free(&req);
        }
        MPI_Comm_free(&handles_->side_comm);
        if (handles_->owns_comm) {
            MPI_Comm_free(&handles_->comm);
        }
        MPI_Op_free(&handles_->round_op);
        MPI_Type_free(&handles_->round_type);
        MPI_Op_free(&handles_->window_op);
        MPI_Type_free(&handles_->window_type);
        MPI_Type_free(&handles_->event_type);
    }
}

void MpiTransport::exchange(std::span<const std::vector<des::Event>> outbox,
                            std::vector<des::Event>& inbox) {
    settle_posted();
    LTDES_ASSERT(outbox.size() == static_cast<std::size_t>(size_), "outbox has {} ranks, not {}",
                 outbox.size(), size_);
    for (std::size_t r = 0; r < outbox.size(); ++r) {
        LTDES_ASSERT(outbox[r].size() <= static_cast<std::size_t>(std::numeric_limits<int>::max()),
                     "{} events to rank {} in one window", outbox[r].size(), r);
        send_counts_[r] = static_cast<int>(outbox[r].size());
    }
    check(MPI_Alltoall(send_counts_.data(), 1, MPI_INT, recv_counts_.data(), 1, MPI_INT,
                       handles_->comm),
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
                        recv_displs_.data(), handles_->event_type, handles_->comm),
          "MPI_Alltoallv");
}

void MpiTransport::fill_round(std::span<const SimTime> bound_to,
                              std::span<const std::vector<des::Event>> outbox,
                              SimTime local_min,
                              std::uint64_t local_events,
                              bool failed) {
    const auto n = static_cast<std::size_t>(size_);
    LTDES_ASSERT(outbox.size() == n && bound_to.size() == n,
                 "round: {} outboxes, {} bounds, {} ranks", outbox.size(), bound_to.size(), n);
    round_out_.resize(kRoundFields * n);
    for (std::size_t r = 0; r < n; ++r) {
        std::int64_t* f = &round_out_[kRoundFields * r];
        f[0] = bound_to[r].in_ps();
        f[1] = outbox[r].empty() ? 0 : 1;
        f[2] = local_min.in_ps();
        f[3] = static_cast<std::int64_t>(local_events);
        f[4] = failed ? to_underlying(rank_) : kNoFailure;
    }
}

des::RoundResult MpiTransport::round_result() const {
    static_assert(std::tuple_size_v<decltype(round_in_)> == kRoundFields);
    des::RoundResult result;
    result.bound = SimTime::from_ps(round_in_[0]);
    result.min_time = SimTime::from_ps(round_in_[2]);
    result.events = static_cast<std::uint64_t>(round_in_[3]);
    result.failed_rank = round_in_[4] == kNoFailure ? -1 : static_cast<std::int32_t>(round_in_[4]);
    return result;
}

// Exactly `expected` messages, from whichever ranks they come.
void MpiTransport::receive_events(std::size_t expected, int tag, std::vector<des::Event>& inbox) {
    // Matched probes first, so every message lands straight in `inbox` at its place (grouped
    // by source in rank order, the contract) instead of going through a buffer of its own.
    auto& probed = handles_->probed;
    probed.resize(expected);
    std::size_t total = 0;
    for (std::size_t i = 0; i < expected; ++i) {
        MPI_Status status;
        check(MPI_Mprobe(MPI_ANY_SOURCE, tag, handles_->comm, &probed[i].message, &status),
              "MPI_Mprobe");
        check(MPI_Get_count(&status, handles_->event_type, &probed[i].count), "MPI_Get_count");
        probed[i].source = status.MPI_SOURCE;
        total += static_cast<std::size_t>(probed[i].count);
    }
    std::sort(probed.begin(), probed.end(),
              [](const Probed& a, const Probed& b) { return a.source < b.source; });
    inbox.resize(total);
    std::size_t at = 0;
    for (Probed& p : probed) {
        check(MPI_Mrecv(inbox.data() + at, p.count, handles_->event_type, &p.message,
                        MPI_STATUS_IGNORE),
              "MPI_Mrecv");
        at += static_cast<std::size_t>(p.count);
    }
}

void MpiTransport::settle_posted() {
    LTDES_ASSERT(!handles_->posted, "a collective while a posted round is under way");
    for (int parity = 0; parity < 2; ++parity) {
        Handles::wait_sends(handles_->posted_sends[parity]);
        Handles::wait_sends(handles_->bound_sends[parity]);
    }
}

des::RoundResult MpiTransport::round(std::span<const SimTime> bound_to,
                                     std::span<const std::vector<des::Event>> outbox,
                                     std::vector<des::Event>& inbox,
                                     SimTime local_min,
                                     std::uint64_t local_events,
                                     bool failed) {
    settle_posted();
    fill_round(bound_to, outbox, local_min, local_events, failed);
    check(MPI_Reduce_scatter_block(round_out_.data(), round_in_.data(), 1, handles_->round_type,
                                   handles_->round_op, handles_->comm),
          "MPI_Reduce_scatter_block");
    // Sparse exchange: a message to each rank this one has events for, and exactly as many
    // messages to receive as ranks said they send here.
    handles_->send_events(outbox, kEventTag, handles_->sends);
    receive_events(static_cast<std::size_t>(round_in_[1]), kEventTag, inbox);
    Handles::wait_sends(handles_->sends);
    return round_result();
}

// The events go out before the reduction, so when it completes every message it counts has
// been sent. Rounds alternate between two tags: a rank can be one round ahead of another (its
// round k + 1 needs everybody's post of k + 1, which comes after their finish of k), never two,
// so a probe for round k never matches a message of round k + 1; and a send buffer is reused
// two rounds later, when every rank has received from it.
void MpiTransport::post_round(std::span<const SimTime> bound_to,
                              std::span<const std::vector<des::Event>> outbox,
                              SimTime local_min,
                              std::uint64_t local_events,
                              bool failed) {
    Handles& h = *handles_;
    LTDES_ASSERT(!h.posted, "post_round while a round is under way");
    const int parity = h.parity;
    Handles::wait_sends(h.posted_sends[parity]);
    auto& copy = h.posted_out[parity];
    copy.resize(outbox.size());
    for (std::size_t r = 0; r < outbox.size(); ++r) {
        copy[r].assign(outbox[r].begin(), outbox[r].end());
    }
    fill_round(bound_to, outbox, local_min, local_events, failed);
    h.send_events(copy, kPostedEventTag + parity, h.posted_sends[parity]);
    if (h.direct) {
        Handles::wait_sends(h.bound_sends[parity]);
        h.bound_out[parity] = round_out_;
        h.bound_recvs.clear();
        for (int r = 0; r < size_; ++r) {
            if (r == to_underlying(rank_)) {
                continue;
            }
            const auto at = static_cast<std::size_t>(kRoundFields * r);
            check(MPI_Irecv(&h.bound_in[at], 1, h.round_type, r, kPostedBoundTag + parity, h.comm,
                            &h.bound_recvs.emplace_back()),
                  "MPI_Irecv");
            check(MPI_Isend(&h.bound_out[parity][at], 1, h.round_type, r, kPostedBoundTag + parity,
                            h.comm, &h.bound_sends[parity].emplace_back()),
                  "MPI_Isend");
        }
    } else {
        check(MPI_Ireduce_scatter_block(round_out_.data(), round_in_.data(), 1, h.round_type,
                                        h.round_op, h.comm, &h.reduction),
              "MPI_Ireduce_scatter_block");
    }
    h.posted = true;
}

bool MpiTransport::round_ready() {
    Handles& h = *handles_;
    LTDES_ASSERT(h.posted, "round_ready without a posted round");
    int done = 0;
    if (h.direct) {
        check(MPI_Testall(static_cast<int>(h.bound_recvs.size()), h.bound_recvs.data(), &done,
                          MPI_STATUSES_IGNORE),
              "MPI_Testall");
    } else {
        check(MPI_Test(&h.reduction, &done, MPI_STATUS_IGNORE), "MPI_Test");
    }
    return done != 0;
}

des::RoundResult MpiTransport::finish_round(std::vector<des::Event>& inbox) {
    Handles& h = *handles_;
    LTDES_ASSERT(h.posted, "finish_round without a posted round");
    if (h.direct) {
        check(MPI_Waitall(static_cast<int>(h.bound_recvs.size()), h.bound_recvs.data(),
                          MPI_STATUSES_IGNORE),
              "MPI_Waitall");
        // This rank's own element, then every other rank's, as the reduction would (min and
        // wrapping sums: the order does not change the result).
        const auto me = static_cast<std::size_t>(kRoundFields * to_underlying(rank_));
        std::copy_n(round_out_.begin() + static_cast<std::ptrdiff_t>(me), kRoundFields,
                    round_in_.begin());
        int one = 1;
        for (int r = 0; r < size_; ++r) {
            if (r != to_underlying(rank_)) {
                reduce_round_op(&h.bound_in[static_cast<std::size_t>(kRoundFields * r)],
                                round_in_.data(), &one, nullptr);
            }
        }
    } else {
        check(MPI_Wait(&h.reduction, MPI_STATUS_IGNORE), "MPI_Wait");
    }
    receive_events(static_cast<std::size_t>(round_in_[1]), kPostedEventTag + h.parity, inbox);
    h.posted = false;
    h.parity ^= 1;
    return round_result();
}

des::WindowReduction MpiTransport::reduce_window(SimTime local_min,
                                                 std::uint64_t local_events,
                                                 bool failed) {
    settle_posted();
    std::int64_t mine[3] = {local_min.in_ps(), static_cast<std::int64_t>(local_events),
                            failed ? to_underlying(rank_) : kNoFailure};
    std::int64_t all[3] = {};
    check(MPI_Allreduce(mine, all, 1, handles_->window_type, handles_->window_op, handles_->comm),
          "MPI_Allreduce");
    des::WindowReduction r;
    r.min_time = SimTime::from_ps(all[0]);
    r.events = static_cast<std::uint64_t>(all[1]);
    r.failed_rank = all[2] == kNoFailure ? -1 : static_cast<std::int32_t>(all[2]);
    return r;
}

std::vector<std::uint64_t> MpiTransport::all_gather(std::uint64_t value) {
    LTDES_ASSERT(!handles_->owns_comm, "all_gather on a split transport");
    return mpi::all_gather(value);
}

std::string MpiTransport::broadcast(const std::string& text, RankId root) {
    LTDES_ASSERT(!handles_->owns_comm, "broadcast on a split transport");
    return mpi::broadcast_bytes(text, to_underlying(root));
}

std::string MpiTransport::all_gather_bytes(const std::string& bytes) {
    LTDES_ASSERT(!handles_->owns_comm, "all_gather_bytes on a split transport");
    return mpi::all_gather_bytes(bytes);
}

void MpiTransport::reap_side_sends() {
    Handles& h = *handles_;
    // Sends complete about in order: free the done ones at the front.
    while (!h.side_requests.empty()) {
        int done = 0;
        check(MPI_Test(&h.side_requests.front(), &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (done == 0) {
            break;
        }
        h.side_requests.pop_front();
        h.side_buffers.pop_front();
    }
}

void MpiTransport::side_send(std::int32_t to, std::string bytes) {
    Handles& h = *handles_;
    LTDES_ASSERT(to >= 0 && to < size_ && to != to_underlying(rank_), "side_send to rank {}", to);
    LTDES_ASSERT(bytes.size() <= static_cast<std::size_t>(std::numeric_limits<int>::max()),
                 "a side message of {} bytes", bytes.size());
    reap_side_sends();
    h.side_buffers.push_back(std::move(bytes));
    const std::string& b = h.side_buffers.back();
    MPI_Request& req = h.side_requests.emplace_back();
    check(
        MPI_Isend(b.data(), static_cast<int>(b.size()), MPI_BYTE, to, kSideTag, h.side_comm, &req),
        "MPI_Isend");
    ++h.side_sent[static_cast<std::size_t>(to)];
}

namespace {

// Receives the side message a matched probe found into `bytes`; returns its source.
int receive_probed(MPI_Message& message, MPI_Status& status, std::string& bytes) {
    int count = 0;
    check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
    bytes.resize(static_cast<std::size_t>(count));
    check(MPI_Mrecv(bytes.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv");
    return status.MPI_SOURCE;
}

}  // namespace

bool MpiTransport::side_receive(std::string& bytes) {
    Handles& h = *handles_;
    int found = 0;
    MPI_Message message = MPI_MESSAGE_NULL;
    MPI_Status status;
    check(MPI_Improbe(MPI_ANY_SOURCE, kSideTag, h.side_comm, &found, &message, &status),
          "MPI_Improbe");
    if (found == 0) {
        return false;
    }
    ++h.side_received[static_cast<std::size_t>(receive_probed(message, status, bytes))];
    return true;
}

void MpiTransport::side_settle(const std::function<void(std::string_view)>& take) {
    Handles& h = *handles_;
    const auto n = static_cast<std::size_t>(size_);
    std::vector<std::uint64_t> to_me(n);
    check(MPI_Alltoall(h.side_sent.data(), 1, MPI_UINT64_T, to_me.data(), 1, MPI_UINT64_T,
                       h.side_comm),
          "MPI_Alltoall");
    std::string bytes;
    for (std::size_t r = 0; r < n; ++r) {
        for (; h.side_received[r] < to_me[r]; ++h.side_received[r]) {
            MPI_Message message = MPI_MESSAGE_NULL;
            MPI_Status status;
            check(MPI_Mprobe(static_cast<int>(r), kSideTag, h.side_comm, &message, &status),
                  "MPI_Mprobe");
            receive_probed(message, status, bytes);
            take(bytes);
        }
    }
    for (MPI_Request& req : h.side_requests) {
        check(MPI_Wait(&req, MPI_STATUS_IGNORE), "MPI_Wait");
    }
    h.side_requests.clear();
    h.side_buffers.clear();
}

}  // namespace ltdes::dist
