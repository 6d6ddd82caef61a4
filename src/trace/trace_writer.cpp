// SPDX-License-Identifier: MIT
#include "ltdes/trace/trace_writer.hpp"

#include "ltdes/core/assert.hpp"

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace ltdes::trace {

using workload::Op;

namespace {

constexpr std::size_t kSizeFields = 5;  // m, n, k, count, bytes

/// An op as written: its values at the first iteration of every enclosing repeat, plus, per
/// size field, how much it grows per decode step (written `base+slope*step`).
struct TemplateOp {
    Op op;
    std::array<std::uint64_t, kSizeFields> slope{};
};

/// One line group of a pass: a single op, or `repeat layer <times>` around `body`.
struct Item {
    TemplateOp op;                 ///< the op (times == 0)
    std::uint32_t times = 0;       ///< > 0: a layer repeat
    std::vector<TemplateOp> body;  ///< layer repeat body (first iteration)
};

std::array<std::uint64_t, kSizeFields> sizes(const Op& op) {
    return {op.m, op.n, op.k, op.count, op.bytes};
}

/// Fields other than id, deps, layer, step and sizes are equal.
bool same_kind(const Op& a, const Op& b) {
    return a.phase == b.phase && a.kind == b.kind && a.role == b.role && a.name == b.name &&
           a.deps.size() == b.deps.size();
}

/// `b` is `a` moved by `id_shift` ids (deps too), `layers` layers and `steps` steps.
bool shifted(
    const Op& a, const Op& b, std::uint64_t id_shift, std::int32_t layers, std::uint32_t steps) {
    if (!same_kind(a, b) || b.id != a.id + id_shift || b.step != a.step + steps) {
        return false;
    }
    if (a.layer < 0 ? b.layer != a.layer : b.layer != a.layer + layers) {
        return false;
    }
    for (std::size_t i = 0; i < a.deps.size(); ++i) {
        if (b.deps[i] != a.deps[i] + id_shift) {
            return false;
        }
    }
    return true;
}

class OpLineFormatter {
public:
    explicit OpLineFormatter(std::ostream& out) : out_(out) {}

    void write(const TemplateOp& t) {
        const Op& op = t.op;
        buf_.clear();
        auto it = std::back_inserter(buf_);
        fmt::format_to(it, "{} {} {} ", op.id,
                       workload::kPhaseNames[static_cast<std::size_t>(op.phase)], op.step);
        if (op.layer < 0) {
            buf_.push_back('-');
        } else {
            fmt::format_to(it, "{}", op.layer);
        }
        fmt::format_to(it, " {} {} {}", workload::kOpKindNames[static_cast<std::size_t>(op.kind)],
                       workload::kBmmRoleNames[static_cast<std::size_t>(op.role)], op.name);
        const auto values = sizes(op);
        for (std::size_t i = 0; i < kSizeFields; ++i) {
            if (t.slope[i] == 0) {
                fmt::format_to(it, " {}", values[i]);
            } else {
                fmt::format_to(it, " {}+{}*step", values[i] - t.slope[i] * op.step, t.slope[i]);
            }
        }
        if (op.deps.empty()) {
            buf_.append(std::string_view(" -"));
        } else {
            char sep = ' ';
            for (const std::uint64_t d : op.deps) {
                buf_.push_back(sep);
                fmt::format_to(it, "{}", d);
                sep = ',';
            }
        }
        buf_.push_back('\n');
        out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    }

    void line(std::string_view text) {
        out_.write(text.data(), static_cast<std::streamsize>(text.size()));
        out_.put('\n');
    }

private:
    std::ostream& out_;
    fmt::memory_buffer buf_;
};

}  // namespace

struct TraceWriter::Impl {
    Impl(std::ostream& out, bool compact_mode) : fmt(out), compact(compact_mode) {}

    OpLineFormatter fmt;
    bool compact;
    bool finished = false;
    std::uint64_t count = 0;

    // Current pass (ops sharing phase and step), buffered in compact mode.
    std::vector<Op> pass;

    // Run of passes that are the same up to a linear growth per step.
    std::vector<Item> run_first;   ///< the first pass of the run, compressed into items
    std::uint32_t run_length = 0;  ///< passes in the run (0: no run)
    std::uint64_t run_ops = 0;     ///< ops per pass of the run
    workload::Phase run_phase = workload::Phase::encoder;

    void add(const Op& op) {
        LTDES_ASSERT(op.id == count, "trace writer: op id {} where {} was expected", op.id, count);
        for (const std::uint64_t d : op.deps) {
            LTDES_ASSERT(d < op.id, "trace writer: op {} depends on later op {}", op.id, d);
        }
        ++count;
        if (!compact) {
            fmt.write(TemplateOp{op, {}});
            return;
        }
        if (!pass.empty() && (pass.front().phase != op.phase || pass.front().step != op.step)) {
            end_pass();
        }
        pass.push_back(op);
    }

    void finish_all() {
        LTDES_ASSERT(!finished, "trace writer: finish() called twice");
        finished = true;
        if (compact) {
            if (!pass.empty()) {
                end_pass();
            }
            flush_run();
        }
        fmt.line(fmt::format("end {}", count));
    }

    /// Compresses the buffered pass into items (layer repeats) and adds it to the step run.
    void end_pass() {
        std::vector<Item> items = compress_layers(pass);
        const std::uint64_t ops = pass.size();
        const workload::Phase phase = pass.front().phase;
        pass.clear();
        // Encoder passes are single; a step repeat only joins passes of one phase.
        if (run_length > 0 && phase == run_phase && phase != workload::Phase::encoder &&
            extends_run(items, ops)) {
            ++run_length;
            return;
        }
        flush_run();
        run_first = std::move(items);
        run_length = 1;
        run_ops = ops;
        run_phase = phase;
    }

    /// Groups maximal runs of identical consecutive layers of one pass into layer repeats.
    static std::vector<Item> compress_layers(const std::vector<Op>& ops) {
        std::vector<Item> items;
        std::size_t i = 0;
        while (i < ops.size()) {
            const std::size_t unit_end = layer_unit_end(ops, i);
            if (ops[i].layer < 0) {
                for (; i < unit_end; ++i) {
                    items.push_back(Item{TemplateOp{ops[i], {}}, 0, {}});
                }
                continue;
            }
            const std::size_t size = unit_end - i;
            std::uint32_t times = 1;
            for (;;) {
                const std::size_t next = i + times * size;
                if (next >= ops.size() || layer_unit_end(ops, next) - next != size) {
                    break;
                }
                bool same = true;
                for (std::size_t p = 0; p < size && same; ++p) {
                    same = shifted(ops[i + p], ops[next + p], times * size,
                                   static_cast<std::int32_t>(times), 0) &&
                           sizes(ops[i + p]) == sizes(ops[next + p]);
                }
                if (!same) {
                    break;
                }
                ++times;
            }
            if (times == 1) {
                for (; i < unit_end; ++i) {
                    items.push_back(Item{TemplateOp{ops[i], {}}, 0, {}});
                }
                continue;
            }
            Item rep;
            rep.times = times;
            for (std::size_t p = 0; p < size; ++p) {
                rep.body.push_back(TemplateOp{ops[i + p], {}});
            }
            items.push_back(std::move(rep));
            i += times * size;
        }
        return items;
    }

    static std::size_t layer_unit_end(const std::vector<Op>& ops, std::size_t begin) {
        std::size_t end = begin + 1;
        while (end < ops.size() && ops[end].layer == ops[begin].layer) {
            ++end;
        }
        return end;
    }

    /// True (and slopes recorded) when `items` is the run's next step: the first pass moved by
    /// run_length steps and run_length·run_ops ids, every size linear in the step.
    bool extends_run(const std::vector<Item>& items, std::uint64_t ops) {
        if (ops != run_ops || items.size() != run_first.size()) {
            return false;
        }
        std::vector<std::array<std::uint64_t, kSizeFields>> slopes;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const Item& a = run_first[i];
            const Item& b = items[i];
            if (a.times != b.times || a.body.size() != b.body.size()) {
                return false;
            }
            if (a.times == 0) {
                if (!extends(a.op, b.op, slopes)) {
                    return false;
                }
                continue;
            }
            for (std::size_t p = 0; p < a.body.size(); ++p) {
                if (!extends(a.body[p], b.body[p], slopes)) {
                    return false;
                }
            }
        }
        if (run_length == 1) {  // the second pass fixed the slopes: keep them
            std::size_t s = 0;
            for (Item& it : run_first) {
                if (it.times == 0) {
                    it.op.slope = slopes[s++];
                } else {
                    for (TemplateOp& t : it.body) {
                        t.slope = slopes[s++];
                    }
                }
            }
        }
        return true;
    }

    bool extends(const TemplateOp& a,
                 const TemplateOp& b,
                 std::vector<std::array<std::uint64_t, kSizeFields>>& slopes) const {
        const std::uint64_t n = run_length;
        if (!shifted(a.op, b.op, n * run_ops, 0, static_cast<std::uint32_t>(n)) ||
            a.op.layer != b.op.layer) {
            return false;
        }
        const auto va = sizes(a.op);
        const auto vb = sizes(b.op);
        std::array<std::uint64_t, kSizeFields> slope{};
        for (std::size_t f = 0; f < kSizeFields; ++f) {
            if (n == 1) {
                // base = value − slope·step must stay ≥ 0 to be written as base+slope*step.
                if (vb[f] < va[f] || (vb[f] - va[f]) * a.op.step > va[f]) {
                    return false;
                }
                slope[f] = vb[f] - va[f];
            } else if (vb[f] != va[f] + n * a.slope[f]) {
                return false;
            }
        }
        slopes.push_back(slope);
        return true;
    }

    void flush_run() {
        if (run_length == 0) {
            return;
        }
        if (run_length > 1) {
            fmt.line(fmt::format("repeat step {}", run_length));
        }
        for (const Item& it : run_first) {
            if (it.times == 0) {
                fmt.write(it.op);
                continue;
            }
            fmt.line(fmt::format("repeat layer {}", it.times));
            for (const TemplateOp& t : it.body) {
                fmt.write(t);
            }
            fmt.line("endrepeat");
        }
        if (run_length > 1) {
            fmt.line("endrepeat");
        }
        run_first.clear();
        run_length = 0;
    }
};

TraceWriter::TraceWriter(std::ostream& out, const TraceHeader& header, bool compact)
    : impl_(std::make_unique<Impl>(out, compact)) {
    impl_->fmt.line(fmt::format("lt-trace {}", header.version));
    impl_->fmt.line(format_model_line(header.model));
    impl_->fmt.line(format_workload_line(header.workload));
    impl_->fmt.line("# id phase step layer kind role name M N K count bytes deps");
}

TraceWriter::~TraceWriter() = default;

void TraceWriter::write(const Op& op) {
    impl_->add(op);
}

void TraceWriter::finish() {
    impl_->finish_all();
}

std::uint64_t TraceWriter::op_count() const {
    return impl_->count;
}

}  // namespace ltdes::trace
