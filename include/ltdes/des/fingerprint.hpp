// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/ids.hpp"
#include "ltdes/core/sim_time.hpp"

#include <cstdint>

namespace ltdes::des {

/// The 64-bit finaliser of SplitMix64 (Stafford's variant 13): a bijective bit mixer.
constexpr std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// Hash of everything one LP executed, in its (deterministic) event order, like OMNeT++'s
/// cFingerprint. Per LP: h <- mix64(h ^ mix64(t_ps ^ mix64((lp << 16) | kind))) for every
/// executed event, starting from h = 0. The run's fingerprint is the wrapping sum over LPs that
/// executed at least one event of mix64(h + lp), so it can be summed over ranks in any order.
class LpFingerprint {
public:
    /// Folds one executed event into the chain.
    void add(SimTime time, LpId lp, std::uint16_t kind) {
        const std::uint64_t tag = (static_cast<std::uint64_t>(to_underlying(lp)) << 16) | kind;
        chain_ = mix64(chain_ ^ mix64(static_cast<std::uint64_t>(time.in_ps()) ^ mix64(tag)));
        any_ = true;
    }

    /// This LP's term of the run's fingerprint (0 when it executed nothing).
    std::uint64_t contribution(LpId lp) const {
        return any_ ? mix64(chain_ + static_cast<std::uint64_t>(to_underlying(lp))) : 0;
    }

    /// The chain so far and whether any event was folded in (checkpoints).
    std::uint64_t chain() const { return chain_; }

    bool any() const { return any_; }

    /// Resumes a chain saved from chain() and any().
    static LpFingerprint resume(std::uint64_t chain, bool any) {
        LpFingerprint f;
        f.chain_ = chain;
        f.any_ = any;
        return f;
    }

private:
    std::uint64_t chain_ = 0;
    bool any_ = false;
};

}  // namespace ltdes::des
