// SPDX-License-Identifier: MIT
// A move-only owner of one HDF5 identifier (file, group, dataset, dataspace, datatype, property
// list, attribute), modelled on HighFive's Object: it closes the id with the right H5?close.
#pragma once

#include <hdf5.h>

#include <utility>

namespace ltdes::output::h5 {

/// Owns an hid_t and closes it with the H5Iget_type-appropriate function. Close errors in the
/// destructor are ignored (a destructor cannot report them); call close() to check them.
class Handle {
public:
    Handle() = default;

    explicit Handle(hid_t id) : id_(id) {}

    ~Handle() { reset(); }

    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}

    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, H5I_INVALID_HID);
        }
        return *this;
    }

    hid_t id() const { return id_; }

    bool valid() const { return id_ >= 0; }

    /// Closes now; throws OutputError when HDF5 reports a failure (e.g. a full disk at H5Fclose).
    void close();

    /// Closes without checking (destructors, error paths).
    void reset() noexcept;

private:
    hid_t id_ = H5I_INVALID_HID;
};

}  // namespace ltdes::output::h5
