// SPDX-License-Identifier: MIT
#include "output/shared_meta.hpp"

#include "output/mpi_util.hpp"

#include "ltdes/output/sha256.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <exception>

namespace ltdes::output {

namespace {

std::string pack_meta(const SharedMeta& s) {
    mpi::Packer p;
    const RunMetadata& m = s.meta;
    p.put_string(m.command_line);
    p.put<std::uint64_t>(m.threads_per_rank);
    p.put_string(m.tbb_version);
    p.put_string(m.mpi_version);
    p.put_string(m.config_yaml);
    p.put<std::uint64_t>(m.inputs.size());
    for (std::size_t i = 0; i < m.inputs.size(); ++i) {
        p.put_string(m.inputs[i].role);
        p.put_string(m.inputs[i].path.string());
        p.put_string(s.sha256[i]);
    }
    p.put<std::uint64_t>(m.trace_summary.size());
    for (const auto& [k, v] : m.trace_summary) {
        p.put_string(k);
        p.put_string(v);
    }
    p.put<std::uint64_t>(m.chips.size());
    for (const auto& c : m.chips) {
        p.put(c.chip);
        p.put_string(c.arch);
        p.put_string(c.core_type);
        p.put(c.tiles);
        p.put(c.cores_per_tile);
        p.put(c.core_rows);
        p.put(c.core_cols);
        p.put(c.wavelengths);
        p.put(c.freq_ghz);
        p.put(c.bits);
    }
    for (const auto* names : {&m.op_kind_names, &m.phase_names, &m.op_names}) {
        p.put<std::uint64_t>(names->size());
        for (const auto& n : *names) {
            p.put_string(n);
        }
    }
    p.put_string(s.created);
    return std::move(p.bytes());
}

SharedMeta unpack_meta(const std::string& bytes) {
    mpi::Unpacker u(bytes);
    SharedMeta s;
    RunMetadata& m = s.meta;
    m.command_line = u.get_string();
    m.threads_per_rank = static_cast<unsigned>(u.get<std::uint64_t>());
    m.tbb_version = u.get_string();
    m.mpi_version = u.get_string();
    m.config_yaml = u.get_string();
    const auto n_inputs = u.get<std::uint64_t>();
    for (std::uint64_t i = 0; i < n_inputs; ++i) {
        InputFile f;
        f.role = u.get_string();
        f.path = u.get_string();
        m.inputs.push_back(f);
        s.sha256.push_back(u.get_string());
    }
    const auto n_trace = u.get<std::uint64_t>();
    for (std::uint64_t i = 0; i < n_trace; ++i) {
        auto k = u.get_string();
        m.trace_summary.emplace_back(k, u.get_string());
    }
    const auto n_chips = u.get<std::uint64_t>();
    for (std::uint64_t i = 0; i < n_chips; ++i) {
        ChipHardware c;
        c.chip = u.get<std::uint32_t>();
        c.arch = u.get_string();
        c.core_type = u.get_string();
        c.tiles = u.get<std::uint32_t>();
        c.cores_per_tile = u.get<std::uint32_t>();
        c.core_rows = u.get<std::uint32_t>();
        c.core_cols = u.get<std::uint32_t>();
        c.wavelengths = u.get<std::uint32_t>();
        c.freq_ghz = u.get<double>();
        c.bits = u.get<std::uint32_t>();
        m.chips.push_back(c);
    }
    for (auto* names : {&m.op_kind_names, &m.phase_names, &m.op_names}) {
        const auto n = u.get<std::uint64_t>();
        for (std::uint64_t i = 0; i < n; ++i) {
            names->push_back(u.get_string());
        }
    }
    s.created = u.get_string();
    return s;
}

}  // namespace

/// Computed on rank 0 and broadcast, so every rank passes identical attributes to HDF5.
SharedMeta share_meta(const RunMetadata& meta) {
    std::string bytes;
    std::string error;
    if (mpi::rank() == 0) {
        try {
            SharedMeta s;
            s.meta = meta;
            for (const auto& f : meta.inputs) {
                s.sha256.push_back(sha256_file(f.path));
            }
            s.created = fmt::format(
                "{:%Y-%m-%dT%H:%M:%SZ}",
                std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
            bytes = pack_meta(s);
        } catch (const std::exception& e) {
            error = e.what();
        }
    }
    mpi::agree_or_throw(error);
    mpi::bcast(bytes);
    return unpack_meta(bytes);
}

/// One column of a table: its file type, memory type and how to get a value from a record.

}  // namespace ltdes::output
