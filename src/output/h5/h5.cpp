// SPDX-License-Identifier: MIT
#include "output/h5/h5.hpp"

#include "output/mpi_util.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

namespace ltdes::output::h5 {

namespace {

// The innermost HDF5 error description ("unable to extend file", "file exists", ...), which is
// the one a user can act on; the outer ones only repeat "can't create dataset".
herr_t take_innermost(unsigned /*n*/, const H5E_error2_t* err, void* client) {
    auto* out = static_cast<std::string*>(client);
    if (err->desc != nullptr && out->empty()) {
        *out = err->desc;
    }
    return 0;
}

std::string hdf5_reason() {
    std::string reason;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &reason);
    H5Eclear2(H5E_DEFAULT);
    return reason.empty() ? std::string("HDF5 error") : reason;
}

Handle dataspace_1d(std::uint64_t rows, bool unlimited) {
    const hsize_t dims[1] = {rows};
    const hsize_t maxdims[1] = {unlimited ? H5S_UNLIMITED : rows};
    return checked(H5Screate_simple(1, dims, maxdims), "H5Screate_simple");
}

Handle collective_xfer() {
    Handle dxpl = checked(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate(xfer)");
    check(H5Pset_dxpl_mpio(dxpl.id(), H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
    return dxpl;
}

// File and memory selections of [offset, offset+count); count 0 selects nothing but the
// rank still joins the collective call.
std::pair<Handle, Handle> select(hid_t dset, std::uint64_t offset, std::uint64_t count) {
    Handle file_space = checked(H5Dget_space(dset), "H5Dget_space");
    const hsize_t mem_dims[1] = {std::max<std::uint64_t>(count, 1)};
    Handle mem_space = checked(H5Screate_simple(1, mem_dims, nullptr), "H5Screate_simple");
    if (count == 0) {
        check(H5Sselect_none(file_space.id()), "H5Sselect_none");
        check(H5Sselect_none(mem_space.id()), "H5Sselect_none");
    } else {
        const hsize_t start[1] = {offset};
        const hsize_t cnt[1] = {count};
        check(H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, start, nullptr, cnt, nullptr),
              "H5Sselect_hyperslab");
    }
    return {std::move(file_space), std::move(mem_space)};
}

// Test hook: LTDES_FAULT_H5_WRITE=<rank> makes every data write of that MPI rank report a
// failure after the collective call returned, as a full disk does on the ranks whose part of
// the file could not be written.
bool injected_write_fault() {
    static const bool fault = [] {
        const char* rank = std::getenv("LTDES_FAULT_H5_WRITE");
        return rank != nullptr && std::to_string(mpi::rank()) == rank;
    }();
    return fault;
}

// The ranks' outcome of one collective data write: every rank throws, or none does.
void agree_on_write(herr_t status, std::string_view what) {
    std::string error;
    if (status < 0) {
        error = fmt::format("{}: {}", what, hdf5_reason());
    } else if (injected_write_fault()) {
        error = fmt::format("{}: file write failed (injected by LTDES_FAULT_H5_WRITE)", what);
    }
    mpi::agree_or_throw(error);
}

void write_attr(hid_t obj, const std::string& name, hid_t type, hid_t space, const void* data) {
    if (H5Aexists(obj, name.c_str()) > 0) {
        check(H5Adelete(obj, name.c_str()), "H5Adelete " + name);
    }
    Handle attr = checked(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                          "H5Acreate " + name);
    check(H5Awrite(attr.id(), type, data), "H5Awrite " + name);
}

}  // namespace

void Handle::close() {
    if (!valid()) {
        return;
    }
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    herr_t status = 0;
    switch (H5Iget_type(id)) {
        case H5I_FILE:
            status = H5Fclose(id);
            break;
        case H5I_GROUP:
            status = H5Gclose(id);
            break;
        case H5I_DATASET:
            status = H5Dclose(id);
            break;
        case H5I_DATASPACE:
            status = H5Sclose(id);
            break;
        case H5I_DATATYPE:
            status = H5Tclose(id);
            break;
        case H5I_GENPROP_LST:
            status = H5Pclose(id);
            break;
        case H5I_ATTR:
            status = H5Aclose(id);
            break;
        default:
            status = H5Idec_ref(id);
            break;
    }
    check(status, "closing an HDF5 object");
}

void Handle::reset() noexcept {
    try {
        close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): destructors cannot report
    }
}

void check(herr_t status, std::string_view what) {
    if (status < 0) {
        throw OutputError(fmt::format("{}: {}", what, hdf5_reason()));
    }
}

Handle checked(hid_t id, std::string_view what) {
    if (id < 0) {
        throw OutputError(fmt::format("{}: {}", what, hdf5_reason()));
    }
    return Handle(id);
}

void silence_errors() {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Handle create_file_mpio(const std::string& path, MPI_Comm comm) {
    Handle fapl = checked(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate(fapl)");
    check(H5Pset_fapl_mpio(fapl.id(), comm, MPI_INFO_NULL), "H5Pset_fapl_mpio");
    check(H5Pset_all_coll_metadata_ops(fapl.id(), 1), "H5Pset_all_coll_metadata_ops");
    check(H5Pset_coll_metadata_write(fapl.id(), 1), "H5Pset_coll_metadata_write");
    check(H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_EARLIEST, H5F_LIBVER_LATEST),
          "H5Pset_libver_bounds");
    Handle fcpl = checked(H5Pcreate(H5P_FILE_CREATE), "H5Pcreate(fcpl)");
    return checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.id(), fapl.id()),
                   fmt::format("{}: cannot create the result file", path));
}

void flush_file(hid_t file) {
    check(H5Fflush(file, H5F_SCOPE_GLOBAL), "H5Fflush");
}

std::uint64_t cached_metadata_bytes(hid_t file) {
    std::size_t max_size = 0;
    std::size_t min_clean = 0;
    std::size_t cur_size = 0;
    int entries = 0;
    check(H5Fget_mdc_size(file, &max_size, &min_clean, &cur_size, &entries), "H5Fget_mdc_size");
    return cur_size;
}

Handle open_file_mpio(const std::string& path, MPI_Comm comm, bool read_write) {
    Handle fapl = checked(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate(fapl)");
    check(H5Pset_fapl_mpio(fapl.id(), comm, MPI_INFO_NULL), "H5Pset_fapl_mpio");
    check(H5Pset_all_coll_metadata_ops(fapl.id(), 1), "H5Pset_all_coll_metadata_ops");
    check(H5Pset_coll_metadata_write(fapl.id(), 1), "H5Pset_coll_metadata_write");
    return checked(H5Fopen(path.c_str(), read_write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl.id()),
                   fmt::format("{}: cannot open as HDF5", path));
}

Handle create_group(hid_t loc, const std::string& name) {
    Handle gcpl = checked(H5Pcreate(H5P_GROUP_CREATE), "H5Pcreate(gcpl)");
    check(H5Pset_obj_track_times(gcpl.id(), 0), "H5Pset_obj_track_times");
    return checked(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT),
                   "H5Gcreate " + name);
}

Handle create_dataset_1d(hid_t loc,
                         const std::string& name,
                         hid_t file_type,
                         std::uint64_t rows,
                         const DatasetLayout& layout) {
    Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate(dcpl)");
    check(H5Pset_obj_track_times(dcpl.id(), 0), "H5Pset_obj_track_times");
    const bool chunked = layout.chunk_rows > 0;
    if (chunked) {
        // Unlimited max size lets the chunk size stay fixed whatever the row count (and so
        // independent of the rank count); an empty column is then legal too.
        const hsize_t chunk[1] = {layout.chunk_rows};
        check(H5Pset_chunk(dcpl.id(), 1, chunk), "H5Pset_chunk");
        check(H5Pset_shuffle(dcpl.id()), "H5Pset_shuffle");
        check(H5Pset_deflate(dcpl.id(), static_cast<unsigned>(layout.deflate_level)),
              "H5Pset_deflate");
    } else {
        // Parallel HDF5 must allocate contiguous storage at creation.
        check(H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time");
    }
    Handle space = dataspace_1d(rows, chunked);
    return checked(
        H5Dcreate2(loc, name.c_str(), file_type, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
        "H5Dcreate " + name);
}

void write_slab(
    hid_t dset, hid_t mem_type, std::uint64_t offset, std::uint64_t count, const void* data) {
    {
        // An empty contiguous dataset has no storage: HDF5 refuses even an empty write into
        // it ("addr overflow"). Every rank sees the same extent, so all skip the collective.
        Handle space = checked(H5Dget_space(dset), "H5Dget_space");
        if (H5Sget_simple_extent_npoints(space.id()) == 0) {
            return;
        }
    }
    auto [file_space, mem_space] = select(dset, offset, count);
    Handle dxpl = collective_xfer();
    agree_on_write(H5Dwrite(dset, mem_type, mem_space.id(), file_space.id(), dxpl.id(), data),
                   "H5Dwrite");
}

void read_slab(hid_t dset, hid_t mem_type, std::uint64_t offset, std::uint64_t count, void* data) {
    auto [file_space, mem_space] = select(dset, offset, count);
    Handle dxpl = collective_xfer();
    check(H5Dread(dset, mem_type, mem_space.id(), file_space.id(), dxpl.id(), data), "H5Dread");
}

void write_string_dataset(hid_t loc, const std::string& name, std::string_view text, bool writer) {
    Handle type = fixed_string_type(std::max<std::size_t>(text.size(), 1));
    Handle space = checked(H5Screate(H5S_SCALAR), "H5Screate");
    Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate(dcpl)");
    check(H5Pset_obj_track_times(dcpl.id(), 0), "H5Pset_obj_track_times");
    check(H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time");
    Handle dset = checked(
        H5Dcreate2(loc, name.c_str(), type.id(), space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
        "H5Dcreate " + name);
    Handle sel = checked(H5Dget_space(dset.id()), "H5Dget_space");
    if (!writer) {
        check(H5Sselect_none(sel.id()), "H5Sselect_none");
    }
    std::string padded(text);
    padded.resize(std::max<std::size_t>(text.size(), 1), '\0');
    Handle dxpl = collective_xfer();
    agree_on_write(H5Dwrite(dset.id(), type.id(), sel.id(), sel.id(), dxpl.id(), padded.data()),
                   "H5Dwrite " + name);
}

Handle vlen_string_type() {
    Handle t = checked(H5Tcopy(H5T_C_S1), "H5Tcopy");
    check(H5Tset_size(t.id(), H5T_VARIABLE), "H5Tset_size");
    check(H5Tset_cset(t.id(), H5T_CSET_UTF8), "H5Tset_cset");
    return t;
}

Handle fixed_string_type(std::size_t size) {
    Handle t = checked(H5Tcopy(H5T_C_S1), "H5Tcopy");
    check(H5Tset_size(t.id(), size), "H5Tset_size");
    check(H5Tset_strpad(t.id(), H5T_STR_NULLPAD), "H5Tset_strpad");
    check(H5Tset_cset(t.id(), H5T_CSET_UTF8), "H5Tset_cset");
    return t;
}

Handle enum_u8_type(std::span<const std::string_view> names) {
    Handle t = checked(H5Tenum_create(H5T_NATIVE_UINT8), "H5Tenum_create");
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto value = static_cast<std::uint8_t>(i);
        const std::string name(names[i]);
        check(H5Tenum_insert(t.id(), name.c_str(), &value), "H5Tenum_insert " + name);
    }
    return t;
}

void set_attr_string(hid_t obj, const std::string& name, std::string_view value) {
    Handle type = vlen_string_type();
    Handle space = checked(H5Screate(H5S_SCALAR), "H5Screate");
    const std::string copy(value);
    const char* ptr = copy.c_str();
    write_attr(obj, name, type.id(), space.id(), &ptr);
}

void set_attr_strings(hid_t obj, const std::string& name, std::span<const std::string> values) {
    Handle type = vlen_string_type();
    const hsize_t dims[1] = {values.size()};
    Handle space = checked(H5Screate_simple(1, dims, nullptr), "H5Screate_simple");
    std::vector<const char*> ptrs;
    ptrs.reserve(values.size());
    for (const auto& v : values) {
        ptrs.push_back(v.c_str());
    }
    const char* dummy = "";  // HDF5 rejects a null buffer even for zero elements
    write_attr(obj, name, type.id(), space.id(), ptrs.empty() ? &dummy : ptrs.data());
}

void set_attr_f64(hid_t obj, const std::string& name, double value) {
    Handle space = checked(H5Screate(H5S_SCALAR), "H5Screate");
    write_attr(obj, name, H5T_NATIVE_DOUBLE, space.id(), &value);
}

void set_attr_f64s(hid_t obj, const std::string& name, std::span<const double> values) {
    const hsize_t dims[1] = {values.size()};
    Handle space = checked(H5Screate_simple(1, dims, nullptr), "H5Screate_simple");
    const double dummy = 0.0;  // HDF5 rejects a null buffer even for zero elements
    write_attr(obj, name, H5T_NATIVE_DOUBLE, space.id(), values.empty() ? &dummy : values.data());
}

void set_attr_i64(hid_t obj, const std::string& name, std::int64_t value) {
    Handle space = checked(H5Screate(H5S_SCALAR), "H5Screate");
    write_attr(obj, name, H5T_NATIVE_INT64, space.id(), &value);
}

std::string get_attr_string(hid_t obj, const std::string& name) {
    if (H5Aexists(obj, name.c_str()) <= 0) {
        throw OutputError(fmt::format("attribute '{}' is missing", name));
    }
    Handle attr = checked(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "H5Aopen " + name);
    Handle type = checked(H5Aget_type(attr.id()), "H5Aget_type");
    if (H5Tget_class(type.id()) != H5T_STRING) {
        throw OutputError(fmt::format("attribute '{}' is not a string", name));
    }
    if (H5Tis_variable_str(type.id()) > 0) {
        Handle mem = vlen_string_type();
        char* value = nullptr;
        check(H5Aread(attr.id(), mem.id(), &value), "H5Aread " + name);
        std::string out = value != nullptr ? value : "";
        Handle space = checked(H5Aget_space(attr.id()), "H5Aget_space");
#if H5_VERSION_GE(1, 12, 0)
        H5Treclaim(mem.id(), space.id(), H5P_DEFAULT, &value);
#else
        H5Dvlen_reclaim(mem.id(), space.id(), H5P_DEFAULT, &value);
#endif
        return out;
    }
    const std::size_t size = H5Tget_size(type.id());
    std::string out(size, '\0');
    check(H5Aread(attr.id(), type.id(), out.data()), "H5Aread " + name);
    out.resize(std::strlen(out.c_str()));
    return out;
}

bool exists(hid_t loc, const std::string& name) {
    return H5Lexists(loc, name.c_str(), H5P_DEFAULT) > 0;
}

std::uint64_t dataset_rows(hid_t dset) {
    Handle space = checked(H5Dget_space(dset), "H5Dget_space");
    hsize_t dims[1] = {0};
    if (H5Sget_simple_extent_ndims(space.id()) != 1) {
        throw OutputError("dataset is not 1-D");
    }
    check(H5Sget_simple_extent_dims(space.id(), dims, nullptr), "H5Sget_simple_extent_dims");
    return dims[0];
}

}  // namespace ltdes::output::h5
