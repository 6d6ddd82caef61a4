// SPDX-License-Identifier: MIT
#include "output/mpi_util.hpp"

#include "ltdes/core/error.hpp"

namespace ltdes::output::mpi {

std::string agree(const std::string& my_error) {
    // Code 1 marks "this rank failed"; the lowest failing rank's message is everyone's.
    const ltdes::mpi::Outcome o = ltdes::mpi::agree(my_error.empty() ? 0 : 1, my_error);
    return o.code != 0 ? o.message : std::string();
}

void agree_or_throw(const std::string& my_error) {
    std::string agreed = agree(my_error);
    if (!agreed.empty()) {
        throw OutputError(agreed);
    }
}

}  // namespace ltdes::output::mpi
