// SPDX-License-Identifier: MIT
#include "output/mpi_util.hpp"

#include "ltdes/core/error.hpp"

namespace ltdes::output::mpi {

void agree_or_throw(const std::string& my_error) {
    // Code 1 marks "this rank failed"; the lowest failing rank's message is everyone's.
    const ltdes::mpi::Outcome o = ltdes::mpi::agree(my_error.empty() ? 0 : 1, my_error);
    if (o.code != 0) {
        throw OutputError(o.message);
    }
}

}  // namespace ltdes::output::mpi
