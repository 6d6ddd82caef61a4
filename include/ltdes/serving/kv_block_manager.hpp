// SPDX-License-Identifier: MIT
// The paged KV cache of one replica (vLLM, SOSP 2023): fixed-size blocks of tokens, a request
// holding ceil(context / block) of them on every chip of the replica.
#pragma once

#include <cstdint>

namespace ltdes::serving {

/// Counts the KV blocks of one replica. A block holds `block_tokens` tokens of every layer the
/// chip holds; capacity is the same on every chip of a replica (the smallest is taken).
class KvBlockManager {
public:
    /// `capacity_blocks` blocks of `block_tokens` (> 0) tokens each.
    KvBlockManager(std::uint64_t capacity_blocks, std::uint32_t block_tokens);

    /// Blocks needed to hold `tokens` tokens: ceil(tokens / block_tokens).
    std::uint64_t blocks_for(std::uint64_t tokens) const {
        return (tokens + block_tokens_ - 1) / block_tokens_;
    }

    /// True when growing a holding of `held` blocks to cover `tokens` tokens fits.
    bool can_grow(std::uint64_t held, std::uint64_t tokens) const;

    /// Grows a holding of `held` blocks to cover `tokens` tokens (requires can_grow); returns
    /// the new holding.
    std::uint64_t grow(std::uint64_t held, std::uint64_t tokens);

    /// Returns `held` blocks to the pool.
    void release(std::uint64_t held);

    std::uint64_t capacity() const { return capacity_; }

    std::uint64_t used() const { return used_; }

    std::uint64_t free() const { return capacity_ - used_; }

    std::uint32_t block_tokens() const { return block_tokens_; }

    /// The largest `used()` seen so far.
    std::uint64_t peak() const { return peak_; }

    /// Checkpoints: the blocks in use and the peak (false when they do not fit the capacity).
    bool restore_usage(std::uint64_t used, std::uint64_t peak) {
        if (used > capacity_ || peak > capacity_ || used > peak) {
            return false;
        }
        used_ = used;
        peak_ = peak;
        return true;
    }

private:
    std::uint64_t capacity_;
    std::uint32_t block_tokens_;
    std::uint64_t used_ = 0;
    std::uint64_t peak_ = 0;
};

}  // namespace ltdes::serving
