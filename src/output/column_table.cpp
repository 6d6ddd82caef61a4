// SPDX-License-Identifier: MIT
#include "output/column_table_writer.hpp"
#include "output/columns.hpp"

#include "ltdes/core/assert.hpp"

#include <algorithm>

namespace ltdes::output {

std::size_t TableColumn::rows() const {
    return std::visit([](const auto& v) { return v.size(); }, values);
}

namespace {

template <class T>
struct Types;

template <>
struct Types<std::int64_t> {
    static hid_t file() { return H5T_STD_I64LE; }

    static hid_t mem() { return H5T_NATIVE_INT64; }
};

template <>
struct Types<std::uint64_t> {
    static hid_t file() { return H5T_STD_U64LE; }

    static hid_t mem() { return H5T_NATIVE_UINT64; }
};

template <>
struct Types<std::int32_t> {
    static hid_t file() { return H5T_STD_I32LE; }

    static hid_t mem() { return H5T_NATIVE_INT32; }
};

template <>
struct Types<std::uint32_t> {
    static hid_t file() { return H5T_STD_U32LE; }

    static hid_t mem() { return H5T_NATIVE_UINT32; }
};

template <>
struct Types<double> {
    static hid_t file() { return H5T_IEEE_F64LE; }

    static hid_t mem() { return H5T_NATIVE_DOUBLE; }
};

template <>
struct Types<std::uint8_t> {
    static hid_t file() { return H5T_STD_U8LE; }

    static hid_t mem() { return H5T_NATIVE_UINT8; }
};

}  // namespace

void write_column_table(hid_t file, const ColumnTable& table, bool writer) {
    h5::Handle g = h5::create_group(file, table.name);
    h5::set_attr_string(g.id(), "order", table.order);
    const std::uint64_t rows = table.rows;
    const std::uint64_t first = table.first_row.value_or(0);
    const bool writes = writer || table.first_row.has_value();
    for (const TableColumn& col : table.columns) {
        if (table.first_row) {
            LTDES_ASSERT(first <= rows && col.rows() <= rows - first,
                         "/{}/{}: {} rows from row {}, the table has {}", table.name, col.name,
                         col.rows(), first, rows);
        } else {
            LTDES_ASSERT(col.rows() == rows || (!writer && col.rows() == 0),
                         "/{}/{}: {} rows, the table has {}", table.name, col.name, col.rows(),
                         rows);
        }
        // Chunked and compressed once it is big (the serving tables can reach millions of
        // rows); the writes are collective either way.
        const h5::DatasetLayout layout{rows >= 4096 ? std::min<std::uint64_t>(rows, 1U << 16) : 0,
                                       1};
        std::visit(
            [&](const auto& v) {
                using T = typename std::decay_t<decltype(v)>::value_type;
                h5::Handle type;
                hid_t file_type = Types<T>::file();
                hid_t mem_type = Types<T>::mem();
                if (!col.enum_names.empty()) {
                    std::vector<std::string_view> names(col.enum_names.begin(),
                                                        col.enum_names.end());
                    type = h5::enum_u8_type(names);
                    file_type = mem_type = type.id();
                }
                h5::Handle d = h5::create_dataset_1d(g.id(), col.name, file_type, rows, layout);
                describe(d.id(), col.enum_names.empty() ? col.units : "", col.long_name);
                const T zero{};
                h5::write_slab(d.id(), mem_type, first, writes ? col.rows() : 0,
                               v.empty() ? static_cast<const void*>(&zero)
                                         : static_cast<const void*>(v.data()));
            },
            col.values);
    }
}

}  // namespace ltdes::output
