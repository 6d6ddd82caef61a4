// SPDX-License-Identifier: MIT
#include "ltdes/serving/iteration_log.hpp"

namespace ltdes::serving {

namespace {

void put_varint(std::byte*& p, std::uint64_t v) {
    while (v >= 0x80U) {
        *p++ = static_cast<std::byte>((v & 0x7fU) | 0x80U);
        v >>= 7;
    }
    *p++ = static_cast<std::byte>(v);
}

// Differences wrap like the decoder's sums, so every int64 pair round-trips.
void put_zigzag(std::byte*& p, std::int64_t a, std::int64_t b) {
    const auto d =
        static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
    put_varint(p, (static_cast<std::uint64_t>(d) << 1) ^ static_cast<std::uint64_t>(d >> 63));
}

}  // namespace

void IterationLog::push_back(const IterationRow& row) {
    if (chunks_.empty() || used_.back() + kMaxRowBytes > kHugeChunkBytes) {
        chunks_.push_back(huge_chunk());
        used_.push_back(0);
    }
    std::byte* const begin = chunks_.back().get() + used_.back();
    std::byte* p = begin;
    put_varint(p, row.replica);
    put_varint(p, row.requests);
    put_zigzag(p, row.t_start, last_start_);
    put_zigzag(p, row.t_end, row.t_start);
    put_varint(p, row.prefill_tokens);
    put_varint(p, row.decode_tokens);
    const auto kv = static_cast<std::int64_t>(row.kv_blocks);
    put_zigzag(p, kv, last_kv_);
    std::memcpy(p, &row.energy_j, sizeof row.energy_j);
    p += sizeof row.energy_j;
    used_.back() += static_cast<std::size_t>(p - begin);
    last_start_ = row.t_start;
    last_kv_ = kv;
    ++size_;
}

std::size_t IterationLog::packed_bytes() const {
    std::size_t n = 0;
    for (const std::size_t u : used_) {
        n += u;
    }
    return n;
}

std::vector<IterationRow> IterationLog::to_vector() const {
    std::vector<IterationRow> out;
    out.reserve(size_);
    for_each([&](const IterationRow& row) { out.push_back(row); });
    return out;
}

void IterationLog::assign(const std::vector<IterationRow>& rows) {
    clear();
    for (const IterationRow& row : rows) {
        push_back(row);
    }
}

void IterationLog::clear() {
    chunks_.clear();
    used_.clear();
    size_ = 0;
    last_start_ = 0;
    last_kv_ = 0;
}

}  // namespace ltdes::serving
