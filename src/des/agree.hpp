// SPDX-License-Identifier: MIT
// Cross-rank agreement on an error outside the kernel's rounds (checkpoint writes and reads): every
// rank learns whether any rank failed and all throw the lowest failing rank's message.
#pragma once

#include "ltdes/des/transport.hpp"

#include <exception>

namespace ltdes::des {

/// Collective. Returns when no rank passes an error; otherwise every rank throws: the lowest
/// failing rank rethrows its own exception, the others an exception of the same family
/// (ltdes::Error subclasses become SnapshotError or OutputError as `output` says, everything
/// else InternalError) with its message.
void agree_on_error(Transport& transport, const std::exception_ptr& mine, bool output);

}  // namespace ltdes::des
