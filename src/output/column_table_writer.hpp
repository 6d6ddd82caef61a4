// SPDX-License-Identifier: MIT
#pragma once

#include "output/h5/h5.hpp"

#include "ltdes/output/column_table.hpp"

namespace ltdes::output {

/// Writes `table` as the group /<name> of `file`. Collective; rank 0 (`writer`) writes the rows,
/// or every rank its own when the table says where they go (ColumnTable::first_row).
void write_column_table(hid_t file, const ColumnTable& table, bool writer);

}  // namespace ltdes::output
