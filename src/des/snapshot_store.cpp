// SPDX-License-Identifier: MIT
// Snapshot files (docs/robustness.md, "Checkpoint and restart"):
//   DIR/latest            "snap-<n>", replaced by write + rename once snap-<n> is complete
//   DIR/snap-<n>/manifest text: version, cut time, LP count, inputs, one line per rank file
//   DIR/snap-<n>/rank-<r>.bin  the LPs rank r owned, each keyed by its id
//   DIR/snap-<n>/log-<k>-r<r>.bin  the LPs' extra bytes rank r appended up to snapshot k, for
//                         every snapshot k of the chain (older ones hard-linked, never rewritten)
#include "agree.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/des/snapshot.hpp"
#include "ltdes/des/state_bytes.hpp"
#include "ltdes/des/transport.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>
#include <unistd.h>

namespace ltdes::des {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kManifestMagic = "lt-des-checkpoint 3";
constexpr std::uint64_t kFileMagic = 0x324b434553454454ULL;  // "TDESECK2" little-endian
constexpr std::uint64_t kLogMagic = 0x31474f4c53454454ULL;   // "TDESLOG1" little-endian
constexpr std::size_t kMaxManifestBytes = std::size_t{1} << 24;
constexpr std::uint64_t kMaxStateBytes = std::uint64_t{1} << 40;

char tag_of(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const Error&) {
        return 'E';
    } catch (...) {
        return 'I';
    }
}

std::string what_of(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

/// FNV-1a over the bytes: detects a damaged file (not an attacker).
std::uint64_t file_hash(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : bytes) {
        h = (h ^ static_cast<std::uint64_t>(static_cast<unsigned char>(c))) * 0x100000001b3ULL;
    }
    return h;
}

/// Writes `bytes` to `path` and forces them to the disk (a node crash keeps the snapshot).
void write_file(const fs::path& path, std::string_view bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw OutputError(
            fmt::format("{}: cannot create the snapshot file: {}", path.string(), strerror(errno)));
    }
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;  // a stop signal arrived: finish the write
        }
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            throw OutputError(fmt::format("{}: cannot write the snapshot (disk full?): {}",
                                          path.string(), strerror(err)));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        throw OutputError(fmt::format("{}: cannot write the snapshot (disk full?): {}",
                                      path.string(), strerror(errno)));
    }
}

std::string read_file(const fs::path& path, std::uint64_t max_bytes) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        throw SnapshotError(fmt::format("{}: missing or not a regular file", path.string()));
    }
    const auto size = fs::file_size(path, ec);
    if (ec || size > max_bytes) {
        throw SnapshotError(fmt::format("{}: cannot read the snapshot file (size {})",
                                        path.string(), ec ? 0 : size));
    }
    std::ifstream f(path, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (!f.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
        throw SnapshotError(fmt::format("{}: cannot read the snapshot file", path.string()));
    }
    return bytes;
}

std::string serialise(const SimSnapshot& snap, std::int32_t rank) {
    StateWriter w;
    w.put(kFileMagic);
    w.put(rank);
    w.put(static_cast<std::uint64_t>(snap.lps.size()));
    for (const LpSnapshot& lp : snap.lps) {
        w.put(to_underlying(lp.id));
        w.put(lp.next_seq);
        w.put(lp.stats.events_executed);
        w.put(lp.stats.events_sent);
        w.put(lp.fingerprint_chain);
        w.put(static_cast<std::uint8_t>(lp.fingerprint_any ? 1 : 0));
        w.put_bytes(lp.state);
        w.put_vector(lp.events);
    }
    return w.take();
}

/// The LPs' extra bytes of this snapshot (empty when no LP has any: no file).
std::string serialise_log(const SimSnapshot& snap, std::int32_t rank) {
    std::uint64_t count = 0;
    for (const LpSnapshot& lp : snap.lps) {
        count += lp.extra.empty() ? 0U : 1U;
    }
    if (count == 0) {
        return {};
    }
    StateWriter w;
    w.put(kLogMagic);
    w.put(rank);
    w.put(count);
    for (const LpSnapshot& lp : snap.lps) {
        if (!lp.extra.empty()) {
            w.put(to_underlying(lp.id));
            w.put_bytes(lp.extra);
        }
    }
    return w.take();
}

/// The snapshot folder `latest` points at (or nullopt-like empty path when there is none).
fs::path latest_of(const fs::path& dir, std::uint64_t* sequence) {
    const fs::path latest = dir / "latest";
    std::error_code ec;
    if (!fs::exists(latest, ec)) {
        return {};
    }
    std::string name = read_file(latest, 256);
    while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) {
        name.pop_back();
    }
    std::uint64_t n = 0;
    const char* last = name.data() + name.size();
    if (name.size() <= 5 || name.compare(0, 5, "snap-") != 0 ||
        std::from_chars(name.data() + 5, last, n).ptr != last) {
        throw SnapshotError(fmt::format("{}: expected 'snap-<number>'", latest.string()));
    }
    if (sequence != nullptr) {
        *sequence = n;
    }
    return dir / name;
}

struct ManifestFile {
    std::string name;
    std::uint64_t bytes = 0;
    std::uint64_t hash = 0;
};

struct Manifest {
    SimTime time;
    SimTime last_event;
    std::uint32_t lp_count = 0;
    SnapshotInputs inputs;
    std::vector<ManifestFile> files;
    std::vector<ManifestFile> logs;  ///< in the order their parts are appended
};

/// k of a log file's name `log-<k>-r<r>.bin` (0 when the name is not one).
std::uint64_t log_sequence(const std::string& name) {
    std::uint64_t k = 0;
    if (name.rfind("log-", 0) != 0) {
        return 0;
    }
    const auto r = std::from_chars(name.data() + 4, name.data() + name.size(), k);
    return r.ec == std::errc() && *r.ptr == '-' ? k : 0;
}

std::string format_manifest(const Manifest& m) {
    std::string s = fmt::format("{}\ntime_ps {}\nlast_event_ps {}\nlp_count {}\n", kManifestMagic,
                                m.time.in_ps(), m.last_event.in_ps(), m.lp_count);
    for (const auto& [name, value] : m.inputs) {
        s += fmt::format("input {} {}\n", name, value);
    }
    for (const ManifestFile& f : m.files) {
        s += fmt::format("file {} {} {:016x}\n", f.name, f.bytes, f.hash);
    }
    for (const ManifestFile& f : m.logs) {
        s += fmt::format("log {} {} {:016x}\n", f.name, f.bytes, f.hash);
    }
    return s + "end\n";
}

template <class T>
T parse_number(std::string_view text, int base, const std::string& where, const char* what) {
    T v{};
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v, base);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
        throw SnapshotError(fmt::format("{}: {}: expected an integer", where, what));
    }
    return v;
}

Manifest parse_manifest(const fs::path& path) {
    const std::string text = read_file(path, kMaxManifestBytes);
    std::istringstream in(text);
    std::string line;
    int n = 0;
    const auto where = [&] { return fmt::format("{}:{}", path.string(), n); };
    const auto next = [&] {
        if (!std::getline(in, line)) {
            throw SnapshotError(fmt::format("{}: ends early (no 'end' line)", path.string()));
        }
        ++n;
    };
    const auto field = [&](std::string_view key) -> std::string_view {
        next();
        if (line.size() <= key.size() + 1 || line.compare(0, key.size(), key) != 0 ||
            line[key.size()] != ' ') {
            throw SnapshotError(fmt::format("{}: expected '{} <value>'", where(), key));
        }
        return std::string_view(line).substr(key.size() + 1);
    };
    Manifest m;
    next();
    if (line != kManifestMagic) {
        throw SnapshotError(fmt::format("{}: not an lt-des snapshot manifest (expected '{}')",
                                        where(), kManifestMagic));
    }
    m.time = SimTime::from_ps(parse_number<std::int64_t>(field("time_ps"), 10, where(), "time_ps"));
    m.last_event =
        SimTime::from_ps(parse_number<std::int64_t>(field("last_event_ps"), 10, where(), "last"));
    m.lp_count = parse_number<std::uint32_t>(field("lp_count"), 10, where(), "lp_count");
    if (m.time < SimTime::zero() || m.last_event < SimTime::zero() || m.lp_count == 0) {
        throw SnapshotError(fmt::format("{}: time or LP count out of range", path.string()));
    }
    while (true) {
        next();
        if (line == "end") {
            break;
        }
        std::istringstream f(line);
        std::string kind, name, a, b;
        f >> kind >> name;
        if (kind == "input" && !name.empty()) {
            const std::size_t at = line.find(' ', 6);
            m.inputs.emplace_back(name, at == std::string::npos ? "" : line.substr(at + 1));
        } else if (kind == "file" && (f >> a >> b) && name.rfind("rank-", 0) == 0 &&
                   name.find('/') == std::string::npos) {
            m.files.push_back({name, parse_number<std::uint64_t>(a, 10, where(), "size"),
                               parse_number<std::uint64_t>(b, 16, where(), "hash")});
        } else if (kind == "log" && (f >> a >> b) && log_sequence(name) > 0 &&
                   name.find('/') == std::string::npos) {
            m.logs.push_back({name, parse_number<std::uint64_t>(a, 10, where(), "size"),
                              parse_number<std::uint64_t>(b, 16, where(), "hash")});
        } else {
            throw SnapshotError(
                fmt::format("{}: expected 'input', 'file', 'log' or 'end'", where()));
        }
    }
    if (m.files.empty()) {
        throw SnapshotError(fmt::format("{}: lists no rank file", path.string()));
    }
    return m;
}

/// Clips a value for a message (an input value may be a long option string).
std::string clip(std::string_view s) {
    return s.size() <= 80 ? std::string(s) : std::string(s.substr(0, 77)) + "...";
}

void check_inputs(const fs::path& dir, const SnapshotInputs& saved, const SnapshotInputs& now) {
    // Plain pairs, not structured bindings: clang before 16 cannot capture those in a lambda.
    for (const auto& entry : now) {
        const auto& name = entry.first;
        const auto& value = entry.second;
        const auto it = std::find_if(saved.begin(), saved.end(),
                                     [&name](const auto& p) { return p.first == name; });
        if (it == saved.end() || it->second != value) {
            throw SnapshotError(fmt::format(
                "--restart {}: the snapshot was taken with a different {} ({} in the snapshot, "
                "{} now); restart with the inputs of the interrupted run",
                dir.string(), name, it == saved.end() ? "none" : clip(it->second), clip(value)));
        }
    }
    for (const auto& entry : saved) {
        const auto& name = entry.first;
        const auto& value = entry.second;
        if (std::none_of(now.begin(), now.end(),
                         [&name](const auto& p) { return p.first == name; })) {
            throw SnapshotError(fmt::format(
                "--restart {}: the snapshot was taken with a {} ({}) this run does not have",
                dir.string(), name, clip(value)));
        }
    }
}

void parse_rank_file(const std::string& bytes,
                     const fs::path& path,
                     const Manifest& m,
                     std::vector<bool>& seen,
                     const std::function<bool(LpId)>& mine,
                     std::vector<LpSnapshot>& out) {
    StateReader r(bytes, path.string());
    r.check(r.get<std::uint64_t>() == kFileMagic, "not an lt-des snapshot rank file");
    (void)r.get<std::int32_t>();  // the writing rank: informational
    const std::uint64_t count = r.get_count(m.lp_count, 1);
    for (std::uint64_t i = 0; i < count; ++i) {
        LpSnapshot lp;
        const auto id = r.get<std::uint32_t>();
        r.check(id < m.lp_count, fmt::format("LP {} is out of range ({} LPs)", id, m.lp_count));
        r.check(!seen[id], fmt::format("LP {} appears twice", id));
        seen[id] = true;
        lp.id = LpId{id};
        lp.next_seq = r.get<std::uint64_t>();
        lp.stats.events_executed = r.get<std::uint64_t>();
        lp.stats.events_sent = r.get<std::uint64_t>();
        lp.fingerprint_chain = r.get<std::uint64_t>();
        const auto any = r.get<std::uint8_t>();
        r.check(any <= 1, fmt::format("LP {}: bad fingerprint flag", id));
        lp.fingerprint_any = any == 1;
        const std::string_view state = r.get_bytes();
        r.check(state.size() <= kMaxStateBytes, "state too large");
        lp.events = r.get_vector<Event>(std::uint64_t{1} << 40);
        for (const Event& ev : lp.events) {
            r.check(ev.dst == lp.id && to_underlying(ev.src) < m.lp_count && ev.time >= m.time &&
                        ev.time < SimTime::max() && ev.reserved16 == 0 && ev.reserved32 == 0 &&
                        (ev.src != lp.id || ev.seq < lp.next_seq),
                    fmt::format("LP {}: a pending event is out of range", id));
        }
        if (mine(lp.id)) {
            lp.state.assign(state);
            out.push_back(std::move(lp));
        }
    }
    r.expect_end();
}

/// Appends the parts of one log file to `extra` (by LP id) for the LPs `mine` says are this
/// rank's.
void parse_log_file(const std::string& bytes,
                    const fs::path& path,
                    const Manifest& m,
                    const std::function<bool(LpId)>& mine,
                    std::map<std::uint32_t, std::string>& extra) {
    StateReader r(bytes, path.string());
    r.check(r.get<std::uint64_t>() == kLogMagic, "not an lt-des snapshot log file");
    (void)r.get<std::int32_t>();  // the writing rank: informational
    const std::uint64_t count = r.get_count(m.lp_count, 1);
    std::vector<bool> seen(m.lp_count, false);
    for (std::uint64_t i = 0; i < count; ++i) {
        const auto id = r.get<std::uint32_t>();
        r.check(id < m.lp_count, fmt::format("LP {} is out of range ({} LPs)", id, m.lp_count));
        r.check(!seen[id], fmt::format("LP {} appears twice", id));
        seen[id] = true;
        const std::string_view part = r.get_bytes();
        if (mine(LpId{id})) {
            extra[id].append(part);
        }
    }
    r.expect_end();
}

/// Reads `path`, checking its size and checksum against the manifest's.
std::string read_listed(const fs::path& path, const ManifestFile& f) {
    std::string bytes = read_file(path, f.bytes);
    if (bytes.size() != f.bytes || file_hash(bytes) != f.hash) {
        throw SnapshotError(
            fmt::format("{}: {} bytes, checksum {:016x}; the manifest says {} bytes, {:016x} (the "
                        "snapshot is corrupt or truncated)",
                        path.string(), bytes.size(), file_hash(bytes), f.bytes, f.hash));
    }
    return bytes;
}

/// Puts `from` into `to` without writing its bytes again when the file system allows (a hard
/// link); copies otherwise (e.g. another file system).
void link_or_copy(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::create_hard_link(from, to, ec);
    if (ec) {
        fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    }
}

}  // namespace

void agree_on_error(Transport& transport, const std::exception_ptr& mine, bool output) {
    const auto flags = transport.all_gather(static_cast<std::uint64_t>(mine != nullptr));
    const auto first = std::find(flags.begin(), flags.end(), 1U);
    if (first == flags.end()) {
        return;
    }
    const auto lowest = static_cast<std::int32_t>(first - flags.begin());
    const bool me = to_underlying(transport.rank()) == lowest;
    const std::string text =
        transport.broadcast(me ? std::string(1, tag_of(mine)) + what_of(mine) : "", RankId{lowest});
    if (me) {
        std::rethrow_exception(mine);
    }
    LTDES_ASSERT(!text.empty(), "empty error report from rank {}", lowest);
    if (text.front() == 'E') {
        if (output) {
            throw OutputError(text.substr(1));
        }
        throw SnapshotError(text.substr(1));
    }
    throw InternalError(text.substr(1));
}

fs::path write_snapshot(Transport& transport,
                        const fs::path& dir,
                        const SimSnapshot& snap,
                        const SnapshotInputs& inputs,
                        const fs::path& previous) {
    const std::int32_t rank = to_underlying(transport.rank());
    const bool root = rank == 0;
    // Rank 0 picks the sequence number (above every log of the chain, so that a new log name
    // never meets a carried one) and makes the scratch folder.
    std::exception_ptr error;
    std::string seq_text;
    std::vector<ManifestFile> carried;
    if (root) {
        try {
            std::uint64_t last = 0;
            if (!previous.empty()) {
                carried = parse_manifest(previous / "manifest").logs;
                for (const ManifestFile& f : carried) {
                    last = std::max(last, log_sequence(f.name));
                }
            }
            std::error_code ec;
            fs::create_directory(dir, ec);
            if (!fs::is_directory(dir)) {
                throw OutputError(fmt::format("--checkpoint {}: cannot create the folder{}",
                                              dir.string(), ec ? ": " + ec.message() : ""));
            }
            std::uint64_t latest = 0;
            try {
                (void)latest_of(dir, &latest);
            } catch (const SnapshotError&) {
                latest = 0;  // a damaged pointer: start a new sequence
            }
            seq_text = std::to_string(std::max(last, latest) + 1);
            const fs::path tmp = dir / ("tmp-" + seq_text);
            fs::remove_all(tmp, ec);
            if (!fs::create_directory(tmp, ec)) {
                throw OutputError(fmt::format("{}: cannot create the snapshot folder: {}",
                                              tmp.string(), ec.message()));
            }
        } catch (const SnapshotError& e) {
            error = std::make_exception_ptr(OutputError(
                fmt::format("--checkpoint {}: cannot carry the log of the snapshot {} over: {}",
                            dir.string(), previous.string(), e.what())));
        } catch (...) {
            error = std::current_exception();
        }
    }
    agree_on_error(transport, error, true);
    seq_text = transport.broadcast(seq_text, RankId{0});
    const fs::path tmp = dir / ("tmp-" + seq_text);
    const fs::path final_dir = dir / ("snap-" + seq_text);

    // Every rank writes its file and, when its LPs appended anything, its log part.
    const std::string bytes = serialise(snap, rank);
    const std::string log = serialise_log(snap, rank);
    const std::string name = fmt::format("rank-{}.bin", rank);
    const std::string log_name = fmt::format("log-{}-r{}.bin", seq_text, rank);
    try {
        write_file(tmp / name, bytes);
        if (!log.empty()) {
            write_file(tmp / log_name, log);
        }
    } catch (...) {
        error = std::current_exception();
    }
    agree_on_error(transport, error, true);
    StateWriter sums;
    sums.put(static_cast<std::uint64_t>(bytes.size()));
    sums.put(file_hash(bytes));
    sums.put(static_cast<std::uint64_t>(log.size()));
    sums.put(file_hash(log));
    const std::string all_sums = transport.all_gather_bytes(sums.bytes());

    // Rank 0 completes it: carried logs, manifest, rename, pointer, removal of the previous one.
    if (root) {
        try {
            Manifest m;
            m.time = snap.time;
            m.last_event = snap.last_event;
            m.lp_count = snap.lp_count;
            m.inputs = inputs;
            for (const ManifestFile& f : carried) {
                link_or_copy(previous / f.name, tmp / f.name);
                m.logs.push_back(f);
            }
            StateReader r(all_sums, "snapshot sums");
            for (std::int32_t i = 0; i < transport.size(); ++i) {
                ManifestFile f;
                f.name = fmt::format("rank-{}.bin", i);
                f.bytes = r.get<std::uint64_t>();
                f.hash = r.get<std::uint64_t>();
                m.files.push_back(f);
                ManifestFile l;
                l.name = fmt::format("log-{}-r{}.bin", seq_text, i);
                l.bytes = r.get<std::uint64_t>();
                l.hash = r.get<std::uint64_t>();
                if (l.bytes > 0) {
                    m.logs.push_back(l);
                }
            }
            write_file(tmp / "manifest", format_manifest(m));
            std::error_code ec;
            fs::remove_all(final_dir, ec);
            fs::rename(tmp, final_dir);
            write_file(dir / "latest.tmp", "snap-" + seq_text + "\n");
            fs::rename(dir / "latest.tmp", dir / "latest");
            // The older snapshots and scratch folders of interrupted writes are no longer needed
            // (their logs live on as links in the new one).
            for (const auto& entry : fs::directory_iterator(dir)) {
                const std::string n = entry.path().filename().string();
                if ((n.rfind("snap-", 0) == 0 || n.rfind("tmp-", 0) == 0) &&
                    entry.path() != final_dir) {
                    fs::remove_all(entry.path(), ec);
                }
            }
        } catch (const fs::filesystem_error& e) {
            error = std::make_exception_ptr(
                OutputError(fmt::format("--checkpoint {}: {}", dir.string(), e.what())));
        } catch (...) {
            error = std::current_exception();
        }
    }
    agree_on_error(transport, error, true);
    return final_dir;
}

SimSnapshot read_snapshot(Transport& transport,
                          const fs::path& dir,
                          std::uint32_t lp_count,
                          const SnapshotInputs& inputs,
                          const std::function<bool(LpId)>& mine) {
    SimSnapshot snap;
    std::exception_ptr error;
    try {
        const fs::path where = latest_of(dir, nullptr);
        if (where.empty()) {
            throw SnapshotError(
                fmt::format("--restart {}: no snapshot there (no 'latest' file)", dir.string()));
        }
        const Manifest m = parse_manifest(where / "manifest");
        check_inputs(dir, m.inputs, inputs);
        if (m.lp_count != lp_count) {
            throw SnapshotError(fmt::format(
                "--restart {}: the snapshot holds {} LPs, this run has {} (different inputs)",
                dir.string(), m.lp_count, lp_count));
        }
        snap.time = m.time;
        snap.last_event = m.last_event;
        snap.lp_count = m.lp_count;
        snap.folder = where;
        std::vector<bool> seen(lp_count, false);
        for (const ManifestFile& f : m.files) {
            const fs::path path = where / f.name;
            parse_rank_file(read_listed(path, f), path, m, seen, mine, snap.lps);
        }
        const auto missing = std::find(seen.begin(), seen.end(), false);
        if (missing != seen.end()) {
            throw SnapshotError(fmt::format("{}: LP {} is in no rank file (incomplete snapshot)",
                                            where.string(), missing - seen.begin()));
        }
        std::map<std::uint32_t, std::string> extra;
        for (const ManifestFile& f : m.logs) {
            const fs::path path = where / f.name;
            parse_log_file(read_listed(path, f), path, m, mine, extra);
        }
        for (LpSnapshot& lp : snap.lps) {
            if (const auto it = extra.find(to_underlying(lp.id)); it != extra.end()) {
                lp.extra = std::move(it->second);
            }
        }
    } catch (...) {
        error = std::current_exception();
    }
    agree_on_error(transport, error, false);
    std::sort(snap.lps.begin(), snap.lps.end(),
              [](const LpSnapshot& a, const LpSnapshot& b) { return a.id < b.id; });
    return snap;
}

}  // namespace ltdes::des
