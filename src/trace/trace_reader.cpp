// SPDX-License-Identifier: MIT
#include "ltdes/trace/trace_reader.hpp"

#include "trace/line_reader.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/trace/request_record.hpp"

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace ltdes::trace {

using workload::Op;

namespace {

constexpr std::size_t kMaxFields = 24;
constexpr std::size_t kOpFields = 13;
constexpr std::size_t kSizeFields = 5;
constexpr std::size_t kMaxRepeatDepth = 8;
constexpr std::size_t kMaxTemplateOps = std::size_t{1} << 16;  // bodies stay in memory
constexpr std::array<std::string_view, kSizeFields> kSizeFieldNames = {"M", "N", "K", "count",
                                                                       "bytes"};

/// One op line as written: sizes are `base + slope·step` of the op's expanded step.
struct Template {
    Op op;
    std::array<std::uint64_t, kSizeFields> base{};
    std::array<std::uint64_t, kSizeFields> slope{};
    std::size_t line = 0;
};

struct Block;

/// An op line, or a nested repeat block.
struct Item {
    Template op;
    std::unique_ptr<Block> block;
};

/// A `repeat layer|step <times>` block: its body as written (first iteration).
struct Block {
    bool layer = true;  ///< layer repeat (else step repeat)
    std::uint32_t times = 1;
    std::uint64_t size = 0;  ///< expanded ops per iteration
    std::size_t line = 0;
    std::vector<Item> items;
};

/// Expansion state of one open block.
struct Frame {
    const Block* block;
    std::uint32_t iter = 0;
    std::size_t pos = 0;
    std::uint64_t base_id = 0;  ///< offsets of the enclosing blocks
    std::int32_t base_layer = 0;
    std::uint32_t base_step = 0;

    std::uint64_t id_offset() const { return base_id + iter * block->size; }

    std::int32_t layer_offset() const {
        return base_layer + (block->layer ? static_cast<std::int32_t>(iter) : 0);
    }

    std::uint32_t step_offset() const { return base_step + (block->layer ? 0 : iter); }
};

using Fields = std::array<std::string_view, kMaxFields + 1>;

/// Splits on runs of spaces and tabs; returns the field count (kMaxFields + 1 means "more").
std::size_t split(std::string_view line, Fields& out) {
    const char* p = line.data();
    const char* const end = p + line.size();
    std::size_t n = 0;
    for (;;) {
        while (p != end && (*p == ' ' || *p == '\t')) {
            ++p;
        }
        if (p == end || n == out.size()) {
            return n;
        }
        const char* const start = p;
        while (p != end && *p != ' ' && *p != '\t') {
            ++p;
        }
        out[n++] = std::string_view(start, static_cast<std::size_t>(p - start));
    }
}

/// Decimal digits only (no sign, no spaces), at most 2^64 − 1. Hand-rolled: it is the
/// parser's hottest function, and std::from_chars was 30% of a flat trace's parse time.
std::optional<std::uint64_t> to_uint(std::string_view s) {
    if (s.empty() || s.size() > 20) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    for (const char c : s) {
        const auto digit = static_cast<std::uint64_t>(static_cast<unsigned char>(c) - '0');
        if (digit > 9) {
            return std::nullopt;
        }
        if (__builtin_mul_overflow(v, std::uint64_t{10}, &v) ||
            __builtin_add_overflow(v, digit, &v)) {
            return std::nullopt;
        }
    }
    return v;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

struct TraceReader::Impl {
    explicit Impl(const std::filesystem::path& path) : lines(path, kMaxTraceLineBytes) {}

    LineReader lines;
    TraceHeader header;
    std::uint64_t next_id = 0;
    mutable std::size_t last_line = 0;  ///< line of the op (template) returned last
    bool ended = false;
    std::unique_ptr<Block> top;
    std::vector<Frame> stack;
    std::size_t template_ops = 0;
    Template scratch;
    Fields fields;

    [[noreturn]] void fail(std::string_view what) const { lines.fail(what); }

    /// Next line that is neither blank nor a comment, split; nullopt at end of file.
    std::optional<std::size_t> next_fields() {
        while (const auto line = lines.next()) {
            const std::size_t n = split(*line, fields);
            if (n == 0 || fields[0].front() == '#') {
                continue;
            }
            return n;
        }
        return std::nullopt;
    }

    std::uint64_t parse_uint(std::string_view s, std::string_view what) const {
        const auto v = to_uint(s);
        if (!v) {
            fail(fmt::format("{}: expected a non-negative integer, got '{}'", what, s));
        }
        return *v;
    }

    std::uint32_t parse_u32(std::string_view s, std::string_view what) const {
        const std::uint64_t v = parse_uint(s, what);
        if (v > std::numeric_limits<std::uint32_t>::max()) {
            fail(fmt::format("{}: {} is out of range (at most {})", what, v,
                             std::numeric_limits<std::uint32_t>::max()));
        }
        return static_cast<std::uint32_t>(v);
    }

    // ---- header ---------------------------------------------------------------------------

    void read_header() {
        const auto first = lines.next();
        if (!first) {
            lines.fail_at(1, "empty file: expected the magic line 'lt-trace 1'");
        }
        const std::size_t n = split(*first, fields);
        if (n != 2 || fields[0] != "lt-trace") {
            fail("expected the magic line 'lt-trace 1' (is this an lt-trace file?)");
        }
        if (fields[1] != "1" && fields[1] != "2") {
            fail(
                fmt::format("unsupported trace format version '{}': this lt-des reads "
                            "'lt-trace 1' (static batch) and 'lt-trace 2' (requests)",
                            fields[1]));
        }
        header.version = fields[1] == "1" ? kTraceFormatVersion : kRequestTraceFormatVersion;
        const auto model_line = next_fields();
        if (!model_line || fields[0] != "model") {
            fail("expected the model line 'model name=… family=… …'");
        }
        parse_model(*model_line);
        if (header.version == kRequestTraceFormatVersion) {
            read_requests_line();
            return;
        }
        const auto workload_line = next_fields();
        if (!workload_line || fields[0] != "workload") {
            fail("expected the workload line 'workload batch=… prompt=… decode=… bits=…'");
        }
        parse_workload(*workload_line);
    }

    /// key=value pairs of fields[1..n); every key of `keys` exactly once, no others.
    template <std::size_t N>
    std::array<std::string_view, N> key_values(std::size_t n,
                                               const std::array<std::string_view, N>& keys,
                                               std::string_view line_name) const {
        std::array<std::string_view, N> values{};
        std::array<bool, N> seen{};
        if (n > kMaxFields) {
            fail(fmt::format("{} line: too many fields", line_name));
        }
        for (std::size_t i = 1; i < n; ++i) {
            const std::string_view kv = fields[i];
            const std::size_t eq = kv.find('=');
            if (eq == std::string_view::npos || eq == 0 || eq + 1 == kv.size()) {
                fail(fmt::format("{} line: expected key=value, got '{}'", line_name, kv));
            }
            const std::string_view key = kv.substr(0, eq);
            std::size_t k = 0;
            while (k < N && keys[k] != key) {
                ++k;
            }
            if (k == N) {
                fail(fmt::format("{} line: unknown key '{}'", line_name, key));
            }
            if (seen[k]) {
                fail(fmt::format("{} line: key '{}' given twice", line_name, key));
            }
            seen[k] = true;
            values[k] = kv.substr(eq + 1);
        }
        for (std::size_t k = 0; k < N; ++k) {
            if (!seen[k]) {
                fail(fmt::format("{} line: missing key '{}'", line_name, keys[k]));
            }
        }
        return values;
    }

    bool parse_bool(std::string_view s, std::string_view what) const {
        if (s == "0" || s == "1") {
            return s == "1";
        }
        fail(fmt::format("{}: expected 0 or 1, got '{}'", what, s));
    }

    void parse_model(std::size_t n) {
        static constexpr std::array<std::string_view, 19> kKeys = {
            "name",       "family",          "layers",     "d_model",     "n_heads",
            "n_kv_heads", "d_head",          "attn_width", "d_ff",        "gated_ffn",
            "experts",    "top_k",           "vocab",      "max_context", "norm",
            "act",        "tied_embeddings", "patches",    "patch_dim"};
        const auto v = key_values(n, kKeys, "model");
        workload::ModelShape& m = header.model;
        m.name = std::string(v[0]);
        const auto family = workload::parse_family(v[1]);
        if (!family) {
            fail(
                fmt::format("family: unknown model family '{}' (expected deit, bert, gpt2, gpt3, "
                            "llama or mixtral)",
                            v[1]));
        }
        m.family = *family;
        m.layers = parse_u32(v[2], "layers");
        m.d_model = parse_u32(v[3], "d_model");
        m.n_heads = parse_u32(v[4], "n_heads");
        m.n_kv_heads = parse_u32(v[5], "n_kv_heads");
        m.d_head = parse_u32(v[6], "d_head");
        m.attn_width = parse_u32(v[7], "attn_width");
        m.d_ff = parse_u32(v[8], "d_ff");
        m.gated_ffn = parse_bool(v[9], "gated_ffn");
        m.n_experts = parse_u32(v[10], "experts");
        m.top_k = parse_u32(v[11], "top_k");
        m.vocab = parse_u32(v[12], "vocab");
        m.max_context = parse_u32(v[13], "max_context");
        const auto norm = workload::parse_norm_kind(v[14]);
        if (!norm) {
            fail(fmt::format("norm: expected layernorm or rmsnorm, got '{}'", v[14]));
        }
        m.norm = *norm;
        const auto act = workload::parse_act_kind(v[15]);
        if (!act) {
            fail(fmt::format("act: expected gelu or silu, got '{}'", v[15]));
        }
        m.act = *act;
        m.tied_embeddings = parse_bool(v[16], "tied_embeddings");
        m.patches = parse_u32(v[17], "patches");
        m.patch_dim = parse_u32(v[18], "patch_dim");
        try {
            workload::validate_model_shape(m);
        } catch (const ConfigError& e) {
            fail(fmt::format("model line: {}", e.what()));
        }
    }

    void parse_workload(std::size_t n) {
        static constexpr std::array<std::string_view, 4> kKeys = {"batch", "prompt", "decode",
                                                                  "bits"};
        const auto v = key_values(n, kKeys, "workload");
        workload::WorkloadSpec& w = header.workload;
        w.batch = parse_u32(v[0], "batch");
        w.prompt = parse_u32(v[1], "prompt");
        w.decode = parse_u32(v[2], "decode");
        w.bits = parse_u32(v[3], "bits");
        try {
            workload::validate_workload_spec(header.model, w);
        } catch (const ConfigError& e) {
            fail(fmt::format("workload line: {}", e.what()));
        }
        if (workload::exceeds_context(header.model, w)) {
            fail(fmt::format(
                "workload line: {} tokens per sequence (prompt {} + decode {}) exceed the "
                "context of model '{}' ({} tokens)",
                std::uint64_t{w.prompt} + w.decode, w.prompt, w.decode, header.model.name,
                header.model.max_context));
        }
    }

    // ---- request traces (version 2) ------------------------------------------------------

    std::optional<RequestRecord> last_request;
    std::uint64_t requests_read = 0;

    void read_requests_line() {
        if (header.model.is_encoder()) {
            fail(
                fmt::format("model line: request traces are for decoder models; '{}' is an encoder",
                            header.model.name));
        }
        const auto n = next_fields();
        if (!n || fields[0] != "requests") {
            fail("expected the requests line 'requests bits=…'");
        }
        static constexpr std::array<std::string_view, 1> kKeys = {"bits"};
        const auto v = key_values(*n, kKeys, "requests");
        header.workload = workload::WorkloadSpec{.batch = 0, .prompt = 0, .decode = 0, .bits = 0};
        header.workload.bits = parse_u32(v[0], "bits");
        if (header.workload.bits == 0 || header.workload.bits > 32) {
            fail(fmt::format("bits: expected 1..32, got {}", header.workload.bits));
        }
    }

    /// Token count of a request line: 1 ..= max_context.
    std::uint64_t parse_tokens(std::string_view s, std::string_view what) const {
        const std::uint64_t v = parse_uint(s, what);
        if (v == 0) {
            fail(fmt::format("{}: expected a positive integer, got 0", what));
        }
        if (v > header.model.max_context) {
            fail(fmt::format("{}: {} exceeds the context of model '{}' ({} tokens)", what, v,
                             header.model.name, header.model.max_context));
        }
        return v;
    }

    bool next_request(RequestRecord& r) {
        if (header.version != kRequestTraceFormatVersion) {
            fail(
                "this is a static-batch trace (lt-trace 1): it holds ops, not the requests of a "
                "request trace (lt-trace 2) that this command needs");
        }
        for (;;) {
            const auto n = next_fields();
            if (ended) {
                if (n) {
                    fail("unexpected content after the end marker");
                }
                return false;
            }
            if (!n) {
                lines.fail_at(lines.line() + 1,
                              fmt::format("truncated file: expected more requests or the end "
                                          "marker 'end {}'",
                                          requests_read));
            }
            if (fields[0] == "end") {
                if (*n != 2) {
                    fail("expected the end marker 'end <request count>'");
                }
                const std::uint64_t count = parse_uint(fields[1], "end marker request count");
                if (count != requests_read) {
                    fail(fmt::format("end marker says {} requests but the trace has {}", count,
                                     requests_read));
                }
                ended = true;
                continue;
            }
            if (!is_digit(fields[0].front())) {
                fail(fmt::format(
                    "expected a request line '<id> <arrival_s> <prompt> <decode>' or 'end', got "
                    "'{}'",
                    fields[0].substr(0, 40)));
            }
            if (*n != 4) {
                fail(fmt::format("expected 4 fields '<id> <arrival_s> <prompt> <decode>', got {}{}",
                                 *n > kMaxFields ? "more than " : "",
                                 *n > kMaxFields ? kMaxFields : *n));
            }
            r.id = parse_uint(fields[0], "id");
            const auto arrival = parse_exact_seconds(fields[1]);
            if (!arrival) {
                fail(
                    fmt::format("arrival: expected seconds '<int>' or '<int>.<up to 12 "
                                "digits>' (at most {} s), got '{}'",
                                SimTime::max().in_ps() / 1000000000000, fields[1].substr(0, 40)));
            }
            r.arrival = *arrival;
            r.prompt_tokens = parse_tokens(fields[2], "prompt");
            r.decode_tokens = parse_tokens(fields[3], "decode");
            if (r.prompt_tokens + r.decode_tokens > header.model.max_context) {
                fail(fmt::format(
                    "request {}: prompt {} + decode {} = {} tokens exceed the context of "
                    "model '{}' ({} tokens)",
                    r.id, r.prompt_tokens, r.decode_tokens, r.prompt_tokens + r.decode_tokens,
                    header.model.name, header.model.max_context));
            }
            if (last_request) {
                if (r.id <= last_request->id) {
                    fail(fmt::format("id: {} after {}: request ids must be increasing (unique)",
                                     r.id, last_request->id));
                }
                if (r.arrival < last_request->arrival) {
                    fail(fmt::format(
                        "arrival: {} s is before the previous request's {} s (arrivals must "
                        "not decrease)",
                        fields[1], format_exact_seconds(last_request->arrival)));
                }
            }
            last_request = r;
            ++requests_read;
            return true;
        }
    }

    // ---- op lines and blocks ---------------------------------------------------------------

    /// Parses the op line in `fields` whose id must be `expected_id` into `t`.
    void parse_op(std::size_t n, std::uint64_t expected_id, Template& t) {
        if (n != kOpFields) {
            fail(fmt::format(
                "expected {} fields 'id phase step layer kind role name M N K count "
                "bytes deps', got {}{}",
                kOpFields, n > kMaxFields ? "more than " : "", n > kMaxFields ? kMaxFields : n));
        }
        Op& op = t.op;
        t.line = lines.line();
        op.id = parse_uint(fields[0], "id");
        if (op.id != expected_id) {
            if (op.id < expected_id) {
                fail(fmt::format("duplicate op id {}: expected id {} (ids are contiguous from 0)",
                                 op.id, expected_id));
            }
            fail(fmt::format("expected op id {}, got {} (ids are contiguous from 0)", expected_id,
                             op.id));
        }
        const auto phase = workload::parse_phase(fields[1]);
        if (!phase) {
            fail(fmt::format("phase: expected encoder, prefill or decode, got '{}'", fields[1]));
        }
        op.phase = *phase;
        op.step = parse_u32(fields[2], "step");
        if (fields[3] == "-") {
            op.layer = -1;
        } else {
            const std::uint32_t layer = parse_u32(fields[3], "layer ('-' outside blocks)");
            if (layer >= header.model.layers) {
                fail(fmt::format("layer: {} is out of range (the model has {} layers)", layer,
                                 header.model.layers));
            }
            op.layer = static_cast<std::int32_t>(layer);
        }
        const auto kind = workload::parse_op_kind(fields[4]);
        if (!kind) {
            fail(fmt::format("kind: unknown op kind '{}' (see docs/trace-format.md)", fields[4]));
        }
        op.kind = *kind;
        if (fields[5] == "-") {
            op.role = workload::BmmRole::none;
        } else if (fields[5] == "qk") {
            op.role = workload::BmmRole::qk;
        } else if (fields[5] == "sv") {
            op.role = workload::BmmRole::sv;
        } else {
            fail(fmt::format("role: expected qk, sv or '-', got '{}'", fields[5]));
        }
        if (op.kind == workload::OpKind::bmm && op.role == workload::BmmRole::none) {
            fail("role: a bmm needs role qk or sv");
        }
        if (op.kind != workload::OpKind::bmm && op.role != workload::BmmRole::none) {
            fail(fmt::format("role: only bmm ops have a role, expected '-' for a {}", fields[4]));
        }
        op.name.assign(fields[6]);
        for (std::size_t f = 0; f < kSizeFields; ++f) {
            parse_size(fields[7 + f], f, t);
        }
        parse_deps(fields[12], op);
    }

    /// `<int>` or `<int>+<int>*step`; M, N, K and count must be positive.
    void parse_size(std::string_view s, std::size_t f, Template& t) const {
        const std::string_view what = kSizeFieldNames[f];
        const std::size_t plus = s.find('+');
        if (plus == std::string_view::npos) {
            t.base[f] = parse_uint(s, what);
            t.slope[f] = 0;
        } else {
            constexpr std::string_view kStep = "*step";
            const std::string_view rest = s.substr(plus + 1);
            if (rest.size() <= kStep.size() || !rest.ends_with(kStep)) {
                fail(fmt::format("{}: expected an integer or '<base>+<slope>*step', got '{}'", what,
                                 s));
            }
            t.base[f] = parse_uint(s.substr(0, plus), what);
            t.slope[f] = parse_uint(rest.substr(0, rest.size() - kStep.size()), what);
        }
        if (f < 4 && t.base[f] == 0 && t.slope[f] == 0) {
            fail(fmt::format("{}: expected a positive integer, got 0", what));
        }
    }

    void parse_deps(std::string_view s, Op& op) const {
        op.deps.clear();
        if (s == "-") {
            return;
        }
        std::size_t start = 0;
        for (;;) {
            const std::size_t comma = s.find(',', start);
            const std::string_view item = s.substr(
                start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
            const auto dep = to_uint(item);
            if (!dep) {
                fail(fmt::format("deps: expected '-' or comma-separated op ids, got '{}'", s));
            }
            if (*dep >= op.id) {
                fail(
                    fmt::format("deps: op {} depends on op {}, which is not an earlier op (deps "
                                "must name earlier ids: a forward reference or a cycle)",
                                op.id, *dep));
            }
            op.deps.push_back(*dep);
            if (comma == std::string_view::npos) {
                return;
            }
            start = comma + 1;
        }
    }

    /// Reads a `repeat` block whose header is in `fields`, its first op having id `first_id`.
    std::unique_ptr<Block> parse_block(std::size_t n, std::uint64_t first_id, std::size_t depth) {
        auto block = std::make_unique<Block>();
        block->line = lines.line();
        if (n != 3 || (fields[1] != "layer" && fields[1] != "step")) {
            fail("expected 'repeat layer <times>' or 'repeat step <times>'");
        }
        block->layer = fields[1] == "layer";
        block->times = parse_u32(fields[2], "repeat times");
        if (block->times == 0) {
            fail("repeat times: expected a positive integer, got 0");
        }
        const std::uint32_t limit = block->layer ? header.model.layers : header.workload.decode;
        if (block->times > limit) {
            fail(
                fmt::format("repeat times: {} exceeds the {} {}", block->times, limit,
                            block->layer ? "layers of the model" : "decode steps of the workload"));
        }
        if (depth > kMaxRepeatDepth) {
            fail(fmt::format("repeat blocks nested deeper than {}", kMaxRepeatDepth));
        }
        std::uint64_t id = first_id;
        for (;;) {
            const auto m = next_fields();
            if (!m) {
                fail(fmt::format("truncated file: the 'repeat' at line {} has no 'endrepeat'",
                                 block->line));
            }
            const std::string_view word = fields[0];
            if (is_digit(word.front())) {
                if (++template_ops > kMaxTemplateOps) {
                    fail(fmt::format("repeat bodies hold more than {} op lines", kMaxTemplateOps));
                }
                Item& item = block->items.emplace_back();
                parse_op(*m, id, item.op);
                ++id;
            } else if (word == "repeat") {
                auto child = parse_block(*m, id, depth + 1);
                id = add_checked(id, mul_checked(child->size, child->times));
                block->items.push_back(Item{Template{}, std::move(child)});
            } else if (word == "endrepeat") {
                if (*m != 1) {
                    fail("expected 'endrepeat' alone on its line");
                }
                break;
            } else if (word == "end") {
                fail(
                    fmt::format("'end' inside the 'repeat' block opened at line {}: expected "
                                "'endrepeat' first",
                                block->line));
            } else {
                fail(fmt::format("expected an op line, 'repeat' or 'endrepeat', got '{}'", word));
            }
        }
        if (block->items.empty()) {
            lines.fail_at(block->line, "empty 'repeat' block: expected at least one op line");
        }
        block->size = id - first_id;
        mul_checked(block->size, block->times);
        return block;
    }

    std::uint64_t mul_checked(std::uint64_t a, std::uint64_t b) const {
        std::uint64_t r = 0;
        if (__builtin_mul_overflow(a, b, &r)) {
            fail("the trace expands to more than 2^64 ops");
        }
        return r;
    }

    std::uint64_t add_checked(std::uint64_t a, std::uint64_t b) const {
        std::uint64_t r = 0;
        if (__builtin_add_overflow(a, b, &r)) {
            fail("the trace expands to more than 2^64 ops");
        }
        return r;
    }

    /// Builds the expanded op of `t` moved by the given offsets and checks it against the
    /// header. Errors name the template's line.
    void materialize(const Template& t,
                     std::uint64_t id_off,
                     std::int32_t layer_off,
                     std::uint32_t step_off,
                     Op& op) const {
        const Op& src = t.op;
        op.id = src.id + id_off;
        op.phase = src.phase;
        op.step = src.step + step_off;
        if (src.layer < 0 && layer_off > 0) {
            lines.fail_at(t.line, "an op inside 'repeat layer' needs a layer, got '-'");
        }
        op.layer = src.layer < 0 ? -1 : src.layer + layer_off;
        op.kind = src.kind;
        op.role = src.role;
        op.name = src.name;
        std::array<std::uint64_t, kSizeFields> v{};
        for (std::size_t f = 0; f < kSizeFields; ++f) {
            std::uint64_t grow = 0;
            if (__builtin_mul_overflow(t.slope[f], std::uint64_t{op.step}, &grow) ||
                __builtin_add_overflow(t.base[f], grow, &v[f])) {
                lines.fail_at(t.line, fmt::format("{}: value overflows 64 bits at step {}",
                                                  kSizeFieldNames[f], op.step));
            }
        }
        op.m = v[0];
        op.n = v[1];
        op.k = v[2];
        op.count = v[3];
        op.bytes = v[4];
        op.deps.resize(src.deps.size());
        for (std::size_t i = 0; i < src.deps.size(); ++i) {
            op.deps[i] = src.deps[i] + id_off;
        }
        check(op, t.line);
        last_line = t.line;
    }

    void check(const Op& op, std::size_t line) const {
        const workload::ModelShape& m = header.model;
        const bool encoder = m.is_encoder();
        if (encoder != (op.phase == workload::Phase::encoder)) {
            lines.fail_at(line,
                          fmt::format("phase: '{}' in a trace of {} model '{}'",
                                      workload::kPhaseNames[static_cast<std::size_t>(op.phase)],
                                      encoder ? "encoder" : "decoder", m.name));
        }
        if ((op.phase == workload::Phase::decode) != (op.step > 0)) {
            lines.fail_at(line,
                          fmt::format("step: {} ops have {}, got step {}",
                                      workload::kPhaseNames[static_cast<std::size_t>(op.phase)],
                                      op.step > 0 ? "step 0" : "steps >= 1", op.step));
        }
        if (op.step > header.workload.decode) {
            lines.fail_at(line, fmt::format("step: {} exceeds the workload's {} decode steps",
                                            op.step, header.workload.decode));
        }
        if (op.layer >= 0 && static_cast<std::uint32_t>(op.layer) >= m.layers) {
            lines.fail_at(line, fmt::format("layer: {} is out of range (the model has {} layers)",
                                            op.layer, m.layers));
        }
        const std::array<std::uint64_t, 4> dims = {op.m, op.n, op.k, op.count};
        for (std::size_t f = 0; f < dims.size(); ++f) {
            if (dims[f] == 0) {
                lines.fail_at(line, fmt::format("{}: expected a positive integer, got 0",
                                                kSizeFieldNames[f]));
            }
        }
    }

    /// Next op of the block being expanded; false once it is exhausted.
    bool expand(Op& op) {
        while (!stack.empty()) {
            Frame& f = stack.back();
            if (f.pos == f.block->items.size()) {
                if (++f.iter < f.block->times) {
                    f.pos = 0;
                } else {
                    stack.pop_back();
                }
                continue;
            }
            const Item& item = f.block->items[f.pos++];
            if (item.block) {
                Frame child{item.block.get()};
                child.base_id = f.id_offset();
                child.base_layer = f.layer_offset();
                child.base_step = f.step_offset();
                stack.push_back(child);
                continue;
            }
            materialize(item.op, f.id_offset(), f.layer_offset(), f.step_offset(), op);
            ++next_id;
            return true;
        }
        return false;
    }

    bool next(Op& op) {
        if (header.version == kRequestTraceFormatVersion) {
            fail(
                "this is a request trace (lt-trace 2): it holds requests, not the op list of a "
                "static batch (lt-trace 1) that this command needs");
        }
        for (;;) {
            if (!stack.empty()) {
                if (expand(op)) {
                    return true;
                }
                top.reset();
            }
            const auto n = next_fields();
            if (ended) {
                if (n) {
                    fail("unexpected content after the end marker");
                }
                return false;
            }
            if (!n) {
                lines.fail_at(lines.line() + 1,
                              fmt::format("truncated file: expected more ops or the end marker "
                                          "'end {}'",
                                          next_id));
            }
            const std::string_view word = fields[0];
            if (is_digit(word.front())) {
                parse_op(*n, next_id, scratch);
                materialize(scratch, 0, 0, 0, op);
                ++next_id;
                return true;
            }
            if (word == "repeat") {
                top = parse_block(*n, next_id, 1);
                stack.push_back(Frame{top.get()});
                continue;
            }
            if (word == "end") {
                if (*n != 2) {
                    fail("expected the end marker 'end <op count>'");
                }
                const std::uint64_t count = parse_uint(fields[1], "end marker op count");
                if (count != next_id) {
                    fail(
                        fmt::format("end marker says {} ops but the trace has {}", count, next_id));
                }
                ended = true;
                continue;
            }
            if (word == "endrepeat") {
                fail("'endrepeat' without a matching 'repeat'");
            }
            fail(
                fmt::format("expected an op line ('<id> <phase> <step> …'), 'repeat' or 'end', "
                            "got '{}'",
                            word.substr(0, 40)));
        }
    }
};

TraceReader::TraceReader(const std::filesystem::path& path) : impl_(std::make_unique<Impl>(path)) {
    impl_->read_header();
}

TraceReader::~TraceReader() = default;

const TraceHeader& TraceReader::header() const {
    return impl_->header;
}

bool TraceReader::next(Op& op) {
    return impl_->next(op);
}

std::size_t TraceReader::line() const {
    return impl_->last_line;
}

std::uint64_t TraceReader::ops_read() const {
    return impl_->next_id;
}

bool TraceReader::next_request(RequestRecord& r) {
    return impl_->next_request(r);
}

std::uint64_t TraceReader::requests_read() const {
    return impl_->requests_read;
}

std::optional<SimTime> parse_exact_seconds(std::string_view s) {
    constexpr std::size_t kFractionDigits = 12;  // picoseconds
    const std::size_t dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    const auto secs = to_uint(whole);
    if (!secs) {
        return std::nullopt;
    }
    std::uint64_t frac = 0;
    if (dot != std::string_view::npos) {
        const std::string_view digits = s.substr(dot + 1);
        if (digits.empty() || digits.size() > kFractionDigits) {
            return std::nullopt;
        }
        const auto f = to_uint(digits);
        if (!f) {
            return std::nullopt;
        }
        frac = *f;
        for (std::size_t i = digits.size(); i < kFractionDigits; ++i) {
            frac *= 10;
        }
    }
    std::uint64_t ps = 0;
    if (__builtin_mul_overflow(*secs, std::uint64_t{1000000000000}, &ps) ||
        __builtin_add_overflow(ps, frac, &ps) ||
        ps > static_cast<std::uint64_t>(SimTime::max().in_ps())) {
        return std::nullopt;
    }
    return SimTime::from_ps(static_cast<std::int64_t>(ps));
}

std::string format_exact_seconds(SimTime t) {
    const auto ps = static_cast<std::uint64_t>(t.in_ps());
    const std::uint64_t frac = ps % 1000000000000;
    if (frac == 0) {
        return fmt::format("{}", ps / 1000000000000);
    }
    std::string digits = fmt::format("{:012}", frac);
    while (digits.back() == '0') {
        digits.pop_back();
    }
    return fmt::format("{}.{}", ps / 1000000000000, digits);
}

std::string format_request_line(const RequestRecord& r) {
    return fmt::format("{} {} {} {}", r.id, format_exact_seconds(r.arrival), r.prompt_tokens,
                       r.decode_tokens);
}

RequestTrace read_request_trace(const std::filesystem::path& path) {
    TraceReader reader(path);
    RequestTrace trace{reader.header(), {}};
    if (trace.header.version != kRequestTraceFormatVersion) {
        return trace;
    }
    RequestRecord r;
    while (reader.next_request(r)) {
        trace.requests.push_back(r);
    }
    return trace;
}

std::vector<RequestRecord> read_request_records(const std::filesystem::path& path) {
    return read_request_trace(path).requests;
}

}  // namespace ltdes::trace
