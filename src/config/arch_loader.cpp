// SPDX-License-Identifier: MIT
#include "ltdes/config/arch_loader.hpp"

#include "config/arch_builtin.hpp"
#include "config/yaml_document.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/core/error_text.hpp"
#include "ltdes/core/input_file.hpp"
#include "ltdes/photonic/device_energies.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace ltdes::config {

namespace {

using photonic::ArchSpec;
namespace fs = std::filesystem;

/// Where a value sits, for messages: `file:line: key 'a.b.c': ...`.
struct Place {
    std::string_view file;
    const std::string& key;
    const YAML::Node& node;
    double lo = 0.0;  ///< accepted range of a real value (docs/robustness.md)
    double hi = 1e9;

    [[noreturn]] void fail(std::string_view what) const {
        const YAML::Mark m = node.Mark();
        if (m.line >= 0) {
            throw ConfigError(fmt::format("{}:{}: key '{}': {}", file, m.line + 1, key, what));
        }
        throw ConfigError(fmt::format("{}: key '{}': {}", file, key, what));
    }

    std::string scalar() const {
        if (!node.IsScalar()) {
            fail("expected a single value");
        }
        return node.Scalar();
    }

    double real() const {
        const std::string s = scalar();
        // std::from_chars for double is missing in g++ 12's libstdc++ for some formats; strtod
        // accepts every YAML float spelling the authors use (2.0e-3, 62.4e-9).
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
            fail(fmt::format("expected a number, got '{}'", clip_value(s)));
        }
        if (!(v >= lo && v <= hi)) {
            fail(fmt::format("{} is out of range: expected {} to {}", clip_value(s), lo, hi));
        }
        return v;
    }

    std::int64_t integer() const {
        const std::string s = scalar();
        std::int64_t v = 0;
        const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || ptr != s.data() + s.size()) {
            fail(fmt::format("expected an integer, got '{}'", clip_value(s)));
        }
        return v;
    }

    std::uint32_t count() const {
        const std::int64_t v = integer();
        if (v < 0 || v > std::numeric_limits<std::uint32_t>::max()) {
            fail(fmt::format("expected 0 to {}, got {}", std::numeric_limits<std::uint32_t>::max(),
                             v));
        }
        return static_cast<std::uint32_t>(v);
    }

    bool flag() const {
        const std::string s = scalar();
        if (s == "1" || s == "true" || s == "True") {
            return true;
        }
        if (s == "0" || s == "false" || s == "False") {
            return false;
        }
        fail(fmt::format("expected 0 or 1, got '{}'", clip_value(s)));
    }
};

using Setter = std::function<void(ArchSpec&, const Place&)>;

struct Key {
    std::string path;
    Setter set;
    double lo = 0.0;  ///< range of a real value; unused by the other kinds
    double hi = 1e9;
};

// Ranges of the real-valued keys: wide enough for any device the authors' files describe,
// narrow enough that no cost or energy overflows a double or divides by almost zero.
constexpr double kMaxPower = 1e9;     // mW (1 MW)
constexpr double kMaxEnergy = 1e9;    // fJ/bit (1 uJ/bit)
constexpr double kMaxLength = 1e7;    // um (10 m)
constexpr double kMaxLossDb = 100.0;  // dB per element
constexpr double kMaxTimeMs = 1e6;    // ms
constexpr double kMaxMoveMj = 1e3;    // mJ per access

template <class Member>
Setter real_at(Member member) {
    return [member](ArchSpec& a, const Place& p) { std::invoke(member, a) = p.real(); };
}

// Each device block maps YAML names to the fields of one member struct.
void add_modulator(std::vector<Key>& keys,
                   std::string_view base,
                   photonic::ModulatorSpec ArchSpec::*m) {
    using M = photonic::ModulatorSpec;
    const auto field = [&](std::string_view name, double M::*f, double hi) {
        keys.push_back({fmt::format("{}.{}", base, name),
                        [m, f](ArchSpec& a, const Place& p) { (a.*m).*f = p.real(); }, 0.0, hi});
    };
    keys.push_back(
        {fmt::format("{}.type", base), [](ArchSpec&, const Place& p) { (void)p.scalar(); }});
    field("energy_per_bit", &M::energy_per_bit_fj, kMaxEnergy);
    field("static_power", &M::static_power_mw, kMaxPower);
    field("length", &M::length_um, kMaxLength);
    field("width", &M::width_um, kMaxLength);
    field("insertion_loss", &M::insertion_loss_db, kMaxLossDb);
    field("insertion_loss_uc", &M::insertion_loss_uc_db, kMaxLossDb);
    field("response_time", &M::response_time_ms, kMaxTimeMs);
}

void add_passive(std::vector<Key>& keys,
                 std::string_view base,
                 photonic::PassiveSpec ArchSpec::*m) {
    using P = photonic::PassiveSpec;
    const auto field = [&](std::string_view name, double P::*f, double hi) {
        keys.push_back({fmt::format("{}.{}", base, name),
                        [m, f](ArchSpec& a, const Place& p) { (a.*m).*f = p.real(); }, 0.0, hi});
    };
    field("static_power", &P::static_power_mw, kMaxPower);
    field("dynamic_power", &P::dynamic_power_mw, kMaxPower);
    field("insertion_loss", &P::insertion_loss_db, kMaxLossDb);
    field("length", &P::length_um, kMaxLength);
    field("width", &P::width_um, kMaxLength);
}

// The schema: every key path the authors' files use, built once.
const std::vector<Key>& schema() {
    static const std::vector<Key> keys = [] {
        std::vector<Key> k;
        add_modulator(k, "device.mzi_modulator", &ArchSpec::mzi_modulator);
        add_modulator(k, "device.mrr_modulator", &ArchSpec::mrr_modulator);
        add_modulator(k, "device.mzi", &ArchSpec::mzi);
        add_passive(k, "device.mrr_router", &ArchSpec::mrr_router);
        add_passive(k, "device.phase_shifter", &ArchSpec::phase_shifter);
        add_passive(k, "device.direction_coupler", &ArchSpec::direction_coupler);
        add_passive(k, "device.y_branch", &ArchSpec::y_branch);
        add_passive(k, "device.micro_comb", &ArchSpec::micro_comb);
        using PD = photonic::PhotodetectorSpec;
        using LS = photonic::LaserSpec;
        using DM = photonic::DataMovementSpec;
        const auto pd = [&](std::string_view key, double PD::*f, double lo, double hi) {
            k.push_back({std::string(key),
                         [f](ArchSpec& a, const Place& p) { a.photodetector.*f = p.real(); }, lo,
                         hi});
        };
        pd("device.photo_detector.power", &PD::power_mw, 0.0, kMaxPower);
        pd("device.photo_detector.sensitivity", &PD::sensitivity_dbm, -200.0, 100.0);
        pd("device.photo_detector.length", &PD::length_um, 0.0, kMaxLength);
        pd("device.photo_detector.width", &PD::width_um, 0.0, kMaxLength);
        const auto laser = [&](std::string_view key, double LS::*f, double lo, double hi) {
            k.push_back({std::string(key),
                         [f](ArchSpec& a, const Place& p) { a.laser.*f = p.real(); }, lo, hi});
        };
        laser("device.laser.power", &LS::power_mw, 0.0, kMaxPower);
        laser("device.laser.length", &LS::length_um, 0.0, kMaxLength);
        laser("device.laser.width", &LS::width_um, 0.0, kMaxLength);
        // The link budget divides by it: 1e-6 keeps the laser power finite.
        laser("device.laser.wall_plug_eff", &LS::wall_plug_eff, 1e-6, 1.0);

        const auto count = [&](std::string_view key, std::uint32_t ArchSpec::*f) {
            k.push_back({std::string(key), [f](ArchSpec& a, const Place& p) { a.*f = p.count(); }});
        };
        k.push_back({"core.type", [](ArchSpec& a, const Place& p) {
                         const std::string s = p.scalar();
                         const auto t = photonic::parse_core_type(s);
                         if (!t) {
                             p.fail(fmt::format("expected dota, mrrbank, mzi or gpu, got '{}'",
                                                clip_value(s)));
                         }
                         a.core_type = *t;
                     }});
        count("core.width", &ArchSpec::width);
        count("core.height", &ArchSpec::height);
        count("core.num_wavelength", &ArchSpec::num_wavelength);
        k.push_back({"core.work_freq", real_at(&ArchSpec::work_freq_ghz), 1e-6, 1e3});
        count("core.interface.ADC.choice", &ArchSpec::adc_choice);
        count("core.interface.ADC.sharing_factor", &ArchSpec::adc_sharing_factor);
        count("core.interface.DAC.choice", &ArchSpec::dac_choice);
        k.push_back({"core.interface.TIA.power", real_at(&ArchSpec::tia_power_mw), 0.0, kMaxPower});
        k.push_back({"core.interface.TIA.area", real_at(&ArchSpec::tia_area_um2), 0.0, 1e12});
        count("core.precision.in_bit", &ArchSpec::in_bit);
        count("core.precision.w_bit", &ArchSpec::w_bit);
        count("core.precision.act_bit", &ArchSpec::act_bit);

        count("arch.num_tiles", &ArchSpec::num_tiles);
        count("arch.num_pe_per_tile", &ArchSpec::num_pe_per_tile);
        count("arch.full_range_support_factor", &ArchSpec::full_range_support_factor);
        k.push_back({"arch.weight_reuse_factor", [](ArchSpec& a, const Place& p) {
                         const std::int64_t v = p.integer();
                         if (v < -1 || v > std::numeric_limits<std::uint32_t>::max()) {
                             p.fail(fmt::format("expected -1 to {}, got {}",
                                                std::numeric_limits<std::uint32_t>::max(), v));
                         }
                         a.weight_reuse_factor = v;
                     }});
        count("arch.time_accum_factor", &ArchSpec::time_accum_factor);
        k.push_back({"arch.input_mod_sharing_flag",
                     [](ArchSpec& a, const Place& p) { a.input_mod_sharing = p.flag(); }});
        k.push_back(
            {"arch.adc_share_flag", [](ArchSpec& a, const Place& p) { a.adc_share = p.flag(); }});
        const auto dm = [&](std::string_view key, double DM::*f) {
            k.push_back({std::string(key),
                         [f](ArchSpec& a, const Place& p) { a.datamovement.*f = p.real(); }, 0.0,
                         kMaxMoveMj});
        };
        dm("arch.datamovement.DRAM", &DM::dram_mj);
        dm("arch.datamovement.DRAM_GB", &DM::dram_gb_mj);
        dm("arch.datamovement.GB2", &DM::gb2_mj);
        dm("arch.datamovement.GB1", &DM::gb1_mj);
        dm("arch.datamovement.NoC", &DM::noc_mj);
        dm("arch.datamovement.RF", &DM::rf_mj);
        count("arch.memory_size.M2_buffer_size", &ArchSpec::m2_buffer_size_bytes);

        // The electronic baseline (core.type: gpu); ranges are checked by validate().
        using G = photonic::GpuSpec;
        const auto gpu = [&](std::string_view key, double G::*f) {
            k.push_back({fmt::format("gpu.{}", key),
                         [f](ArchSpec& a, const Place& p) { a.gpu.*f = p.real(); }, 0.0, 1e12});
        };
        gpu("tensor_tflops_16", &G::tensor_tflops_16);
        gpu("tensor_tops_8", &G::tensor_tops_8);
        gpu("tensor_tops_4", &G::tensor_tops_4);
        gpu("vector_tflops", &G::vector_tflops);
        gpu("hbm_bandwidth_gbs", &G::hbm_bandwidth_gbs);
        gpu("hbm_capacity_gib", &G::hbm_capacity_gib);
        gpu("launch_overhead_us", &G::launch_overhead_us);
        gpu("pj_per_flop", &G::pj_per_flop);
        gpu("pj_per_byte", &G::pj_per_byte);
        gpu("static_power_w", &G::static_power_w);
        return k;
    }();
    return keys;
}

const Key* find_key(std::string_view path) {
    for (const Key& k : schema()) {
        if (k.path == path) {
            return &k;
        }
    }
    return nullptr;
}

bool is_section(std::string_view path) {
    for (const Key& k : schema()) {
        if (k.path.size() > path.size() && k.path.compare(0, path.size(), path) == 0 &&
            k.path[path.size()] == '.') {
            return true;
        }
    }
    return false;
}

void walk(ArchSpec& spec, const YAML::Node& map, const std::string& prefix, std::string_view file) {
    std::set<std::string> seen;
    for (const auto& kv : map) {
        if (!kv.first.IsScalar()) {
            const std::string where = prefix.empty() ? std::string("(top level)") : prefix;
            const Place at{file, where, kv.first};
            at.fail("expected a plain key name (a list, map or null cannot be a key)");
        }
        const std::string name = kv.first.Scalar();
        const std::string path = prefix.empty() ? name : prefix + "." + name;
        if (!seen.insert(name).second) {
            const Place at{file, path, kv.first};
            at.fail("given twice in the same mapping");
        }
        const YAML::Node& value = kv.second;
        Place place{file, path, value.IsNull() ? kv.first : value};
        if (const Key* key = find_key(path)) {
            if (value.IsNull()) {
                place.fail("has no value");
            }
            place.lo = key->lo;
            place.hi = key->hi;
            key->set(spec, place);
        } else if (is_section(path)) {
            if (value.IsNull()) {
                continue;  // an empty section changes nothing
            }
            if (!value.IsMap()) {
                place.fail("expected a mapping of keys");
            }
            walk(spec, value, path, file);
        } else {
            const Place at_key{file, path, kv.first};
            at_key.fail("unknown key");
        }
    }
}

std::string read_file(const fs::path& path) {
    return read_config_file(path, "arch file");
}

std::string_view builtin_text(std::string_view name) {
    for (const detail::BuiltinYaml& f : detail::builtin_arch_yaml()) {
        if (f.name == name) {
            return f.text;
        }
    }
    return {};
}

/// The link budget turns insertion losses (dB) into a laser power through 10^(dB/10): in-range
/// values can still sum to an infinite power. Refuse the file rather than report `inf J`.
void check_derived_powers(const ArchSpec& spec, std::string_view where) {
    if (spec.core_type == photonic::CoreType::gpu) {
        return;  // no optics
    }
    const photonic::DeviceEnergies e = photonic::DeviceEnergies::from(spec);
    constexpr double kMaxDerived = 1e30;  // mW or pJ: far past any device, far below overflow
    const std::array<double, 8> values = {e.laser_power_mw, e.laser_pj,     e.dac_power_mw,
                                          e.adc_power_mw,   e.tx_pj,        e.rx_pj,
                                          e.ring_static_pj, e.mzi_static_pj};
    for (const double v : values) {
        if (!std::isfinite(v) || v > kMaxDerived) {
            throw ConfigError(
                fmt::format("{}: the device losses give a laser power of {} mW per core: lower the "
                            "insertion losses (device.*.insertion_loss) or the core size",
                            where, e.laser_power_mw));
        }
    }
}

constexpr std::array<std::string_view, 10> kBuiltinNames = {
    "Dota_B_4bit",      "Dota_B_8bit", "Dota_L_4bit", "Dota_L_8bit", "Bs_mrr_bank_4bit",
    "Bs_mrr_bank_8bit", "Bs_mzi_4bit", "Bs_mzi_8bit", "a100-sxm",    "h100-sxm"};

void overlay_arch_root(ArchSpec& spec, const YAML::Node& root, std::string_view where) {
    if (root.IsNull()) {
        return;
    }
    if (!root.IsMap()) {
        throw ConfigError(
            fmt::format("{}: expected a mapping with sections device, core, arch", where));
    }
    try {
        walk(spec, root, "", where);
    } catch (const YAML::Exception& e) {
        throw ConfigError(
            fmt::format("{}:{}: invalid YAML: {}", where, e.mark.line + 1, clip_value(e.msg)));
    }
}

/// A built-in file over `spec`: parsed once, no second-document check (see
/// load_builtin_document).
void overlay_builtin(ArchSpec& spec, std::string_view name) {
    const std::string where = fmt::format("<built-in>/{}.yaml", name);
    overlay_arch_root(spec, load_builtin_document(builtin_text(name), where), where);
}

}  // namespace

void overlay_arch_yaml(ArchSpec& spec, std::string_view text, std::string_view where) {
    overlay_arch_root(spec, load_single_document(text, where, "an arch file holds one mapping"),
                      where);
}

std::span<const std::string_view> builtin_arch_names() {
    return kBuiltinNames;
}

std::optional<ArchSpec> builtin_arch(std::string_view name) {
    const std::string_view text = builtin_text(name);
    if (text.empty() || name == "default") {
        return std::nullopt;
    }
    ArchSpec spec;
    overlay_builtin(spec, "default");
    overlay_builtin(spec, name);
    const std::string where = fmt::format("<built-in>/{}.yaml", name);
    spec.name = std::string(name);
    spec.validate(where);
    return spec;
}

photonic::ArchSpec load_arch(const std::string& path) {
    const fs::path file(path);
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        std::string stem = file.filename().string();
        if (stem.size() > 5 && stem.ends_with(".yaml")) {
            stem.resize(stem.size() - 5);
        }
        if (!file.has_parent_path()) {
            if (auto spec = builtin_arch(stem)) {
                return *spec;
            }
        }
        throw ConfigError(fmt::format("{}: no such arch file (built-in configs: {})", path,
                                      fmt::join(kBuiltinNames, ", ")));
    }
    const std::string text = read_file(file);
    ArchSpec spec;
    // The reference looks for default.yaml in the file's folder and then upwards.
    fs::path dir = fs::absolute(file, ec).parent_path();
    bool merged_default = false;
    while (!dir.empty()) {
        const fs::path candidate = dir / "default.yaml";
        if (fs::equivalent(candidate, file, ec)) {
            break;  // the file is itself a default: nothing below it
        }
        if (fs::is_regular_file(candidate, ec)) {
            overlay_arch_yaml(spec, read_file(candidate), candidate.string());
            merged_default = true;
            break;
        }
        if (dir == dir.parent_path()) {
            break;
        }
        dir = dir.parent_path();
    }
    if (!merged_default) {
        overlay_builtin(spec, "default");
    }
    overlay_arch_yaml(spec, text, path);
    spec.name = file.stem().string();
    spec.validate(path);
    check_derived_powers(spec, path);
    return spec;
}

}  // namespace ltdes::config
