// SPDX-License-Identifier: MIT
#include "ltdes/dist/mpi_session.hpp"

#include <gtest/gtest.h>
#include <mpi.h>

#include <string>

namespace ltdes::dist {
namespace {

MpiSession& session() {
    static int argc = 0;
    static char** argv = nullptr;
    static MpiSession s(argc, argv);
    return s;
}

TEST(MpiSession, RanksPassTokensAroundARing) {
    const int rank = to_underlying(session().rank());
    const int size = session().size();
    ASSERT_GE(size, 2);
    const int next = (rank + 1) % size;
    const int prev = (rank + size - 1) % size;
    long sent = 1000L * rank + 7;
    long received = -1;
    MPI_Sendrecv(&sent, 1, MPI_LONG, next, 0, &received, 1, MPI_LONG, prev, 0, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    EXPECT_EQ(received, 1000L * prev + 7);
}

TEST(MpiSession, AllRanksAgreeOnTheWorstOutcome) {
    const int rank = to_underlying(session().rank());
    // Ranks 1.. fail with code 2; rank 1 is the lowest failing rank and speaks for all.
    const int code = rank >= 1 ? 2 : 0;
    const std::string message = "bad input seen on rank " + std::to_string(rank);
    const Outcome o = session().agree(code, message);
    EXPECT_EQ(o.code, 2);
    EXPECT_EQ(o.message, "bad input seen on rank 1");
}

TEST(MpiSession, SuccessEverywhereGivesZeroAndNoMessage) {
    const Outcome o = session().agree(0, "ignored");
    EXPECT_EQ(o.code, 0);
    EXPECT_TRUE(o.message.empty());
}

}  // namespace
}  // namespace ltdes::dist
