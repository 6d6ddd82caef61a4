// SPDX-License-Identifier: MIT
#include "ltdes/serving/kv_block_manager.hpp"

#include "ltdes/core/assert.hpp"

#include <algorithm>

namespace ltdes::serving {

KvBlockManager::KvBlockManager(std::uint64_t capacity_blocks, std::uint32_t block_tokens)
    : capacity_(capacity_blocks), block_tokens_(block_tokens) {
    LTDES_ASSERT(block_tokens > 0, "KV blocks of 0 tokens");
}

bool KvBlockManager::can_grow(std::uint64_t held, std::uint64_t tokens) const {
    const std::uint64_t need = blocks_for(tokens);
    return need <= held || need - held <= free();
}

std::uint64_t KvBlockManager::grow(std::uint64_t held, std::uint64_t tokens) {
    LTDES_ASSERT(can_grow(held, tokens), "KV grow from {} blocks to {} tokens: {} free", held,
                 tokens, free());
    const std::uint64_t need = blocks_for(tokens);
    if (need <= held) {
        return held;
    }
    used_ += need - held;
    peak_ = std::max(peak_, used_);
    return need;
}

void KvBlockManager::release(std::uint64_t held) {
    LTDES_ASSERT(held <= used_, "KV release of {} blocks, {} in use", held, used_);
    used_ -= held;
}

}  // namespace ltdes::serving
