// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ltdes::workload {

/// Which pass of the model an op belongs to.
enum class Phase : std::uint8_t { encoder, prefill, decode };

inline constexpr std::array<std::string_view, 3> kPhaseNames = {"encoder", "prefill", "decode"};

/// What an op computes. The list is open: a new model adds kinds here, in docs/trace-format.md,
/// and a cost in photonic/. Values are stable (they are HDF5 enum values).
enum class OpKind : std::uint8_t {
    gemm,  ///< activations [M x K] times static weights [K x N]
    bmm,   ///< dynamic x dynamic matmul (attention); carries a BmmRole
    softmax,
    layernorm,
    rmsnorm,
    gelu,
    silu,
    mul,       ///< element-wise product (SwiGLU gate)
    add,       ///< residual add
    rope,      ///< rotary position embedding
    lookup,    ///< embedding-table lookup (DRAM read)
    router,    ///< MoE gating: top-k selection over experts
    kv_read,   ///< read the KV cache from DRAM
    kv_write,  ///< append to the KV cache in DRAM
};

inline constexpr std::array<std::string_view, 14> kOpKindNames = {
    "gemm", "bmm", "softmax", "layernorm", "rmsnorm", "gelu",    "silu",
    "mul",  "add", "rope",    "lookup",    "router",  "kv_read", "kv_write"};

/// Role of a `bmm` (docs/model.md): Q·Kᵀ or S·V. `none` for every other kind.
enum class BmmRole : std::uint8_t { none, qk, sv };

inline constexpr std::array<std::string_view, 3> kBmmRoleNames = {"-", "qk", "sv"};

/// One op of a logical (unsharded) model pass. For matmuls C[M x N] = A[M x K] · B[K x N]
/// performed `count` times independently (docs/model.md); for element-wise ops M·N·count
/// is the element count (K = 1; docs/trace-format.md §9 gives M and N per op); for memory ops
/// `bytes` at the trace's precision is informational (cost uses the arch precision).
struct Op {
    std::uint64_t id = 0;  ///< contiguous from 0 in trace order
    Phase phase = Phase::encoder;
    std::uint32_t step = 0;   ///< decode step (0 for prefill/encoder)
    std::int32_t layer = -1;  ///< transformer block, -1 for ops outside blocks (embed, head)
    OpKind kind = OpKind::gemm;
    BmmRole role = BmmRole::none;
    std::string name;  ///< e.g. "qkv", "attn_qk", "ffn1"; no spaces
    std::uint64_t m = 1, n = 1, k = 1;
    std::uint64_t count = 1;
    std::uint64_t bytes = 0;
    std::vector<std::uint64_t> deps;  ///< ids of earlier ops this op waits for

    /// Elements an element-wise op touches: m·n·count (k is the reduction size of matmuls).
    std::uint64_t elements() const { return m * n * count; }

    /// Multiply-accumulates of a matmul: m·n·k·count (0 for other kinds).
    std::uint64_t macs() const {
        return (kind == OpKind::gemm || kind == OpKind::bmm) ? m * n * k * count : 0;
    }
};

/// Parses a kind name ("gemm", ...); nullopt when unknown.
std::optional<OpKind> parse_op_kind(std::string_view s);

/// Parses a phase name; nullopt when unknown.
std::optional<Phase> parse_phase(std::string_view s);

}  // namespace ltdes::workload
