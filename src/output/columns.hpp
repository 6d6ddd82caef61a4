// SPDX-License-Identifier: MIT
// The column tables of the schema (docs/output.md): one 1-D dataset per field, with its file
// type, memory type, units and long name, and how to take the value from a record.
#pragma once

#include "output/h5/h5.hpp"

#include "ltdes/core/energy.hpp"
#include "ltdes/stats/layer_stats.hpp"
#include "ltdes/stats/timeline_row.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace ltdes::output {

inline constexpr double kJoulePerPicojoule = 1e-12;

/// One dataset of a table: its file and memory types and how to read a value from a Record.
template <class Record>
struct Column {
    std::string name;
    hid_t file_type = H5I_INVALID_HID;
    hid_t mem_type = H5I_INVALID_HID;
    std::size_t value_bytes = 0;
    std::string units;  // empty for enums (not numeric)
    std::string long_name;
    std::function<void(const Record&, std::byte*)> get;
};

/// A column whose values are `f(record)` converted to T (the memory type's C type).
template <class Record, class T, class F>
Column<Record> column(std::string name,
                      hid_t file_type,
                      hid_t mem_type,
                      std::string units,
                      std::string long_name,
                      F f) {
    return Column<Record>{std::move(name),
                          file_type,
                          mem_type,
                          sizeof(T),
                          std::move(units),
                          std::move(long_name),
                          [f](const Record& r, std::byte* out) {
                              const T v = f(r);
                              std::memcpy(out, &v, sizeof(T));
                          }};
}

/// Energy columns (component order of docs/energy.md, then total), in joules.
template <class Record>
void add_energy_columns(std::vector<Column<Record>>& cols, const std::string& prefix) {
    for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
        const std::string name(kEnergyComponentNames[i]);
        cols.push_back(column<Record, double>(
            prefix + name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, "J",
            fmt::format("energy of component '{}'", name),
            [i](const Record& r) { return r.energy.pj[i] * kJoulePerPicojoule; }));
    }
    cols.push_back(column<Record, double>(
        prefix + "total", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, "J", "energy of all components",
        [](const Record& r) { return r.energy.total() * kJoulePerPicojoule; }));
}

struct EnumTypes {
    h5::Handle resource;
    h5::Handle op_kind;
    h5::Handle phase;
};

/// The columns of /timeline, in file order.
std::vector<Column<stats::TimelineRow>> timeline_columns(const EnumTypes& enums);

/// The columns of /layers/<phase>, in file order.
std::vector<Column<stats::LayerStats>> layer_columns();

/// Sets `units` (unless empty: enums and strings have none) and `long_name`.
void describe(hid_t dset, const std::string& units, const std::string& long_name);

/// Writes a small table that every rank holds whole: rank 0 writes, the others join with
/// empty selections (contiguous layout, no filters).
template <class Record>
void write_small_table(hid_t group,
                       const std::vector<Column<Record>>& cols,
                       const std::vector<Record>& records,
                       bool writer) {
    std::vector<std::byte> buf;
    for (const auto& col : cols) {
        h5::Handle dset = h5::create_dataset_1d(group, col.name, col.file_type, records.size(),
                                                h5::DatasetLayout{});
        describe(dset.id(), col.units, col.long_name);
        buf.assign(std::max<std::size_t>(records.size(), 1) * col.value_bytes, std::byte{0});
        for (std::size_t i = 0; i < records.size(); ++i) {
            col.get(records[i], buf.data() + i * col.value_bytes);
        }
        h5::write_slab(dset.id(), col.mem_type, 0, writer ? records.size() : 0, buf.data());
    }
}

/// A column of fixed-length strings as wide as the longest value (parallel HDF5 cannot write
/// variable-length data); rank 0 writes it.
void write_string_column(hid_t group,
                         const std::string& name,
                         const std::string& long_name,
                         const std::vector<std::string>& values,
                         bool writer);

}  // namespace ltdes::output
