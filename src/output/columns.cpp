// SPDX-License-Identifier: MIT
#include "output/columns.hpp"

namespace ltdes::output {

using stats::LayerStats;
using stats::TimelineRow;

std::vector<Column<TimelineRow>> timeline_columns(const EnumTypes& enums) {
    using R = TimelineRow;
    std::vector<Column<R>> c;
    c.push_back(column<R, std::int64_t>("t_start", H5T_STD_I64LE, H5T_NATIVE_INT64, "ps",
                                        "simulated start time",
                                        [](const R& r) { return r.t_start_ps; }));
    c.push_back(column<R, std::int64_t>("t_end", H5T_STD_I64LE, H5T_NATIVE_INT64, "ps",
                                        "simulated end time",
                                        [](const R& r) { return r.t_end_ps; }));
    c.push_back(column<R, std::uint32_t>("chip", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1",
                                         "chip id ((dp, pp, tp) row-major)",
                                         [](const R& r) { return r.chip; }));
    c.push_back(column<R, std::uint32_t>("core", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1",
                                         "core index within the chip",
                                         [](const R& r) { return r.core; }));
    c.push_back(column<R, std::uint8_t>(
        "resource", enums.resource.id(), enums.resource.id(), "", "resource the row occupied",
        [](const R& r) { return static_cast<std::uint8_t>(r.resource); }));
    c.push_back(column<R, std::int32_t>("layer", H5T_STD_I32LE, H5T_NATIVE_INT32, "1",
                                        "transformer block (-1 outside blocks)",
                                        [](const R& r) { return r.layer; }));
    c.push_back(column<R, std::uint64_t>("op_id", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                         "op id in the trace", [](const R& r) { return r.op_id; }));
    c.push_back(column<R, std::uint8_t>("op_kind", enums.op_kind.id(), enums.op_kind.id(), "",
                                        "op kind", [](const R& r) { return r.op_kind; }));
    c.push_back(column<R, std::uint32_t>("op_name", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1",
                                         "op name: index into /timeline/op_names",
                                         [](const R& r) { return r.op_name; }));
    c.push_back(column<R, std::uint8_t>("phase", enums.phase.id(), enums.phase.id(), "",
                                        "model pass", [](const R& r) { return r.phase; }));
    c.push_back(column<R, std::uint32_t>("step", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1",
                                         "decode step (0 for prefill and encoder)",
                                         [](const R& r) { return r.step; }));
    c.push_back(column<R, std::uint32_t>("request", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1",
                                         "request (batch entry)",
                                         [](const R& r) { return r.request; }));
    c.push_back(column<R, std::uint64_t>("m", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                         "rows of A and C (C[M x N] = A[M x K] B[K x N])",
                                         [](const R& r) { return r.m; }));
    c.push_back(column<R, std::uint64_t>("n", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                         "columns of B and C", [](const R& r) { return r.n; }));
    c.push_back(column<R, std::uint64_t>("k", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                         "reduction size", [](const R& r) { return r.k; }));
    add_energy_columns(c, "energy/");
    return c;
}

std::vector<Column<LayerStats>> layer_columns() {
    using L = LayerStats;
    std::vector<Column<L>> c;
    c.push_back(column<L, std::int32_t>("layer", H5T_STD_I32LE, H5T_NATIVE_INT32, "1",
                                        "transformer block (-1 outside blocks)",
                                        [](const L& r) { return r.layer; }));
    c.push_back(column<L, std::int64_t>("t_first", H5T_STD_I64LE, H5T_NATIVE_INT64, "ps",
                                        "earliest start of an op of the layer",
                                        [](const L& r) { return r.t_first_ps; }));
    c.push_back(column<L, std::int64_t>("t_last", H5T_STD_I64LE, H5T_NATIVE_INT64, "ps",
                                        "latest end of an op of the layer",
                                        [](const L& r) { return r.t_last_ps; }));
    c.push_back(column<L, std::int64_t>("busy", H5T_STD_I64LE, H5T_NATIVE_INT64, "ps",
                                        "sum of op durations over all chips",
                                        [](const L& r) { return r.busy_ps; }));
    c.push_back(column<L, std::uint64_t>("op_count", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                         "timeline rows merged (all chips, decode steps summed)",
                                         [](const L& r) { return r.op_count; }));
    add_energy_columns(c, "energy/");
    return c;
}

void describe(hid_t dset, const std::string& units, const std::string& long_name) {
    if (!units.empty()) {
        h5::set_attr_string(dset, "units", units);
    }
    h5::set_attr_string(dset, "long_name", long_name);
}

/// A column of fixed-length strings as wide as the longest value (parallel HDF5 cannot write
/// variable-length data); rank 0 writes it.
void write_string_column(hid_t group,
                         const std::string& name,
                         const std::string& long_name,
                         const std::vector<std::string>& values,
                         bool writer) {
    std::size_t width = 1;
    for (const auto& v : values) {
        width = std::max(width, v.size());
    }
    std::string packed(width * std::max<std::size_t>(values.size(), 1), '\0');
    for (std::size_t i = 0; i < values.size(); ++i) {
        values[i].copy(packed.data() + i * width, width);
    }
    h5::Handle type = h5::fixed_string_type(width);
    h5::Handle dset =
        h5::create_dataset_1d(group, name, type.id(), values.size(), h5::DatasetLayout{});
    h5::set_attr_string(dset.id(), "long_name", long_name);
    h5::write_slab(dset.id(), type.id(), 0, writer ? values.size() : 0, packed.data());
}

}  // namespace ltdes::output
