// SPDX-License-Identifier: MIT
// How ranks fail together: once they agree that a rank failed, every rank throws the same
// family of exception with that rank's message (a user's mistake stays one on every rank, so
// every rank exits 2), and the failing rank rethrows its own exception so that its type is kept.
#pragma once

#include "ltdes/des/transport.hpp"

#include <cstdint>
#include <exception>

namespace ltdes::des {

/// Collective: `failed_rank` broadcasts its `failure` (ignored elsewhere) and every rank
/// throws it: Interrupted, Error or InternalError as on that rank.
[[noreturn]] void raise_everywhere(Transport& transport,
                                   const std::exception_ptr& failure,
                                   std::int32_t failed_rank);

/// Collective: when some rank passes a failure (non-null `mine`), every rank throws the failure
/// of the lowest such rank (raise_everywhere); otherwise returns.
void agree_on_failure(Transport& transport, const std::exception_ptr& mine);

}  // namespace ltdes::des
