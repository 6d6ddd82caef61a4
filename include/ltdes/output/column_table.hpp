// SPDX-License-Identifier: MIT
// Tables and /summary attributes that a run adds to the schema's fixed groups (the serving
// engine's /requests and /iterations). Rank 0 holds the rows and writes them; every rank
// passes the same names and row counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ltdes::output {

/// One 1-D dataset of a ColumnTable. With `enum_names`, `values` holds uint8 enum values
/// 0..enum_names.size()-1 and the dataset gets an HDF5 enum type (no units).
struct TableColumn {
    std::string name;
    std::string units;  ///< "ps", "J", "1", ...; empty for enums
    std::string long_name;
    std::variant<std::vector<std::int64_t>,
                 std::vector<std::uint64_t>,
                 std::vector<std::int32_t>,
                 std::vector<std::uint32_t>,
                 std::vector<double>,
                 std::vector<std::uint8_t>>
        values;
    std::vector<std::string> enum_names;

    /// Rows of the column.
    std::size_t rows() const;
};

/// A group `/<name>` of equally long columns, with an `order` attribute saying how rows are
/// sorted (independent of ranks and threads).
struct ColumnTable {
    std::string name;
    std::string order;
    std::vector<TableColumn> columns;
    /// Rows of the table; without `first_row`, every column's, except that ranks other than 0
    /// may pass empty columns (only rank 0 writes).
    std::uint64_t rows = 0;
    /// Set: each rank's columns hold its own rows, rows `first_row` on of the table, and every
    /// rank writes (and compresses) its part.
    std::optional<std::uint64_t> first_row;
};

/// What a run adds to the result file besides the timeline, layers and summary.
struct ExtraOutput {
    std::vector<ColumnTable> tables;
    std::vector<std::pair<std::string, double>> summary_f64;  ///< more /summary attributes
    std::vector<std::pair<std::string, std::int64_t>> summary_i64;
};

}  // namespace ltdes::output
