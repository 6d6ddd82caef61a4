// SPDX-License-Identifier: MIT
#include "ltdes/des/raise_everywhere.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/interrupted.hpp"

#include <fmt/format.h>

#include <string>

namespace ltdes::des {

namespace {

// Tags of the failure broadcast: which exception family every rank rethrows.
constexpr char kBadInput = 'E';
constexpr char kInternal = 'I';
constexpr char kInterrupted = 'S';  // followed by the signal number and ':'

std::string describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const Interrupted& e) {
        return fmt::format("{}{}:{}", kInterrupted, e.signal(), e.what());
    } catch (const Error& e) {
        return std::string(1, kBadInput) + e.what();
    } catch (const std::exception& e) {
        return std::string(1, kInternal) + e.what();
    } catch (...) {
        return std::string(1, kInternal) + "unknown exception";
    }
}

}  // namespace

void raise_everywhere(Transport& transport,
                      const std::exception_ptr& failure,
                      std::int32_t failed_rank) {
    const bool mine = to_underlying(transport.rank()) == failed_rank;
    const std::string text = mine ? describe(failure) : std::string();
    const std::string shared = transport.broadcast(text, RankId{failed_rank});
    if (mine) {
        std::rethrow_exception(failure);
    }
    LTDES_ASSERT(!shared.empty(), "empty failure report from rank {}", failed_rank);
    if (shared.front() == kBadInput) {
        throw Error(shared.substr(1));
    }
    if (shared.front() == kInterrupted) {
        const std::size_t colon = shared.find(':');
        LTDES_ASSERT(colon != std::string::npos, "bad stop report '{}'", shared);
        throw Interrupted(std::stoi(shared.substr(1, colon - 1)), shared.substr(colon + 1));
    }
    throw InternalError(shared.substr(1));
}

void agree_on_failure(Transport& transport, const std::exception_ptr& mine) {
    const std::vector<std::uint64_t> failed = transport.all_gather(mine != nullptr ? 1 : 0);
    for (std::size_t r = 0; r < failed.size(); ++r) {
        if (failed[r] != 0) {
            raise_everywhere(transport, mine, static_cast<std::int32_t>(r));
        }
    }
}

}  // namespace ltdes::des
