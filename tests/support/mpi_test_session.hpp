// SPDX-License-Identifier: MIT
// The MpiSession of an MPI test binary, made once (mpi_gtest_main.cpp has initialised MPI; the
// session then only adopts it).
#pragma once

#include "ltdes/dist/mpi_session.hpp"

namespace ltdes::test_support {

inline dist::MpiSession& mpi_session() {
    static int argc = 0;
    static char** argv = nullptr;
    static dist::MpiSession s(argc, argv);
    return s;
}

}  // namespace ltdes::test_support
