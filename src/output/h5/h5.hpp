// SPDX-License-Identifier: MIT
// Checked wrappers over the HDF5 C calls lt-des uses: each returns a Handle or throws
// OutputError naming the call and the object (as HighFive's bits/h5*_wrapper.hpp do). Parallel
// HDF5: every call that creates or modifies metadata must be made by all ranks with the same
// arguments.
#pragma once

#include "output/h5/handle.hpp"

#include <mpi.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ltdes::output::h5 {

/// Throws OutputError("<what>: <HDF5 error stack top>") when `status < 0`.
void check(herr_t status, std::string_view what);

/// Returns `id` wrapped; throws like check() when it is negative.
Handle checked(hid_t id, std::string_view what);

/// Creates (truncates) `path` with the MPI-IO driver on `comm`, collective metadata, no object
/// timestamps and the latest-1.10 format. Collective.
Handle create_file_mpio(const std::string& path, MPI_Comm comm);

/// Collective: writes every cached chunk and metadata block of `file` (H5Fflush, global scope);
/// throws OutputError when that fails (a full disk).
void flush_file(hid_t file);

/// Bytes of metadata `file` holds in its cache (what a flush writes at most, chunked raw data
/// being written directly by parallel HDF5). Local.
std::uint64_t cached_metadata_bytes(hid_t file);

/// Opens `path` read-only with the MPI-IO driver on `comm`. Collective.
Handle open_file_mpio(const std::string& path, MPI_Comm comm, bool read_write);

/// Creates a group with object timestamps off.
Handle create_group(hid_t loc, const std::string& name);

/// Layout of a new 1-D dataset.
struct DatasetLayout {
    std::uint64_t chunk_rows = 0;  ///< 0 = contiguous; else chunked with shuffle + deflate
    int deflate_level = 1;
};

/// Creates a 1-D dataset of `rows` elements of `file_type`.
Handle create_dataset_1d(hid_t loc,
                         const std::string& name,
                         hid_t file_type,
                         std::uint64_t rows,
                         const DatasetLayout& layout);

/// Collective write of `count` elements of `mem_type` from `data` at [offset, offset+count)
/// of a 1-D dataset (of a file on MPI_COMM_WORLD). count may be 0 (an empty selection that
/// still joins the collective call). The ranks agree on the outcome: when the write failed on
/// any rank (a full disk), every rank throws the lowest failing rank's OutputError, so none is
/// left waiting in the next collective call.
void write_slab(
    hid_t dset, hid_t mem_type, std::uint64_t offset, std::uint64_t count, const void* data);

/// Collective read counterpart of write_slab.
void read_slab(hid_t dset, hid_t mem_type, std::uint64_t offset, std::uint64_t count, void* data);

/// Writes a fixed-length string (NUL-padded, at least 1 byte) scalar dataset from one rank;
/// collective (other ranks pass the same text and write nothing); failures agreed as in
/// write_slab.
void write_string_dataset(hid_t loc, const std::string& name, std::string_view text, bool writer);

/// A variable-length UTF-8 string type (for attributes).
Handle vlen_string_type();

/// A fixed-length NUL-padded string type of `size` bytes.
Handle fixed_string_type(std::size_t size);

/// An HDF5 enum over uint8 with values 0..names.size()-1.
Handle enum_u8_type(std::span<const std::string_view> names);

void set_attr_string(hid_t obj, const std::string& name, std::string_view value);
void set_attr_strings(hid_t obj, const std::string& name, std::span<const std::string> values);
void set_attr_f64(hid_t obj, const std::string& name, double value);
void set_attr_f64s(hid_t obj, const std::string& name, std::span<const double> values);
void set_attr_i64(hid_t obj, const std::string& name, std::int64_t value);

/// Reads a string attribute (fixed or variable length); throws OutputError when absent.
std::string get_attr_string(hid_t obj, const std::string& name);

/// True when `name` exists as a link in `loc`.
bool exists(hid_t loc, const std::string& name);

/// The number of elements of a 1-D dataset.
std::uint64_t dataset_rows(hid_t dset);

/// Turns off HDF5's automatic error printing for this process (errors become exceptions).
void silence_errors();

}  // namespace ltdes::output::h5
