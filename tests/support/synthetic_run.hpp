// SPDX-License-Identifier: MIT
// A synthetic run for the output tests: chips x rows_per_chip timeline rows whose values follow
// simple formulas, so tests can compute every expected value by hand (and the Python checks
// in tests/output/ recompute them independently). Rows are emitted out of time order, as a DES
// emits them (when ops finish), and chips are owned by ranks in blocks, with one rank owning
// none when there are three or more ranks.
#pragma once

#include "ltdes/output/result_writer.hpp"
#include "ltdes/stats/layer_accumulator.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ltdes::testing {

inline constexpr std::uint32_t kSyntheticChips = 5;

/// Row j of chip c (see docs in tests/output/check_synthetic.py, which mirrors this).
inline stats::TimelineRow synthetic_row(std::uint32_t c, std::uint32_t j) {
    stats::TimelineRow r;
    r.chip = c;
    r.t_start_ps = 1000 * std::int64_t{j} + c;
    r.t_end_ps = r.t_start_ps + 500 + j % 3;
    r.op_id = j;
    r.resource = static_cast<stats::Resource>(j % 5);
    r.core = j % 8;
    r.layer = static_cast<std::int32_t>(j % 4) - 1;
    r.phase = static_cast<std::uint8_t>(j % 3);
    r.op_kind = static_cast<std::uint8_t>(j % 14);
    r.op_name = j % 4;  // synthetic_metadata().op_names
    r.step = j % 2;
    r.request = c % 2;
    r.m = j + 1;
    r.n = 2;
    r.k = 3;
    for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
        r.energy.pj[i] = static_cast<double>((i + 1) * (j + 1));  // integers: sums are exact
    }
    return r;
}

/// Chips [first, last) owned by `rank` of `size`: a block partition over the ranks that own
/// chips; with 3+ ranks, rank 1 owns nothing (the empty-selection case).
inline std::pair<std::uint32_t, std::uint32_t> synthetic_chips_of(int rank, int size) {
    const bool skip_one = size >= 3;
    if (skip_one && rank == 1) {
        return {0, 0};
    }
    const auto owners = static_cast<std::uint32_t>(skip_one ? size - 1 : size);
    const auto idx = static_cast<std::uint32_t>(skip_one && rank > 1 ? rank - 1 : rank);
    const std::uint32_t per = kSyntheticChips / owners;
    const std::uint32_t extra = kSyntheticChips % owners;
    const std::uint32_t first = idx * per + std::min(idx, extra);
    return {first, first + per + (idx < extra ? 1U : 0U)};
}

/// The metadata of the synthetic run.
inline output::RunMetadata synthetic_metadata() {
    output::RunMetadata m;
    m.command_line = "lt-des run --trace synthetic.trace";
    m.threads_per_rank = 1;
    m.tbb_version = "oneTBB (synthetic)";
    m.mpi_version = "Open MPI (synthetic)";
    m.config_yaml = "chips: 5\nplan: {tp: 5}\n";
    m.trace_summary = {{"model", "synthetic"}, {"ops", "rows_per_chip"}};
    for (std::uint32_t c = 0; c < kSyntheticChips; ++c) {
        m.chips.push_back({c, "dota_b_4bit", "dota", 4, 2, 12, 12, 12, 5.0, 4});
    }
    m.op_kind_names = {"gemm", "bmm", "softmax", "layernorm", "rmsnorm", "gelu",    "silu",
                       "mul",  "add", "rope",    "lookup",    "router",  "kv_read", "kv_write"};
    m.phase_names = {"encoder", "prefill", "decode"};
    m.op_names = {"static", "qkv", "attn_qk", "ffn1"};
    return m;
}

/// Feeds this rank's rows (in a scrambled order) and layer partials to `writer`.
inline void feed_synthetic(output::ResultWriter& writer,
                           int rank,
                           int size,
                           std::uint32_t rows_per_chip) {
    const auto [first, last] = synthetic_chips_of(rank, size);
    stats::LayerAccumulator acc;
    for (std::uint32_t c = first; c < last; ++c) {
        for (std::uint32_t i = 0; i < rows_per_chip; ++i) {
            // 37 is coprime with the row counts used, so this visits every j once, out of order.
            const auto j = static_cast<std::uint32_t>((std::uint64_t{i} * 37) % rows_per_chip);
            const auto row = synthetic_row(c, j);
            writer.add_row(row);
            acc.add(row);
        }
    }
    for (const auto& p : acc.partials()) {
        writer.add_layer_stats(p);
    }
}

}  // namespace ltdes::testing
