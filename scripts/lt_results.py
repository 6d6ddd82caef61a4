# SPDX-License-Identifier: MIT
"""Helpers shared by lt_report.py and lt_to_perfetto.py: open an lt-des result file (refusing
anything else with exit code 2) and find row ranges in the sorted /timeline without loading it."""
import sys

SCHEMA = "lt-des-result"


def die(tool, message):
    print(f"{tool}: error: {message}", file=sys.stderr)
    sys.exit(2)


def open_result(tool, path, allow_incomplete=False):
    """Opens `path` with h5py and checks it is a complete lt-des result (schema version 1)."""
    try:
        import h5py
    except ImportError:
        die(tool, "needs h5py (Debian: apt-get install python3-h5py)")
    try:
        f = h5py.File(path, "r")
    except (OSError, IOError) as e:
        die(tool, f"{path}: not a readable HDF5 file ({e})")
    schema = f.attrs.get("schema")
    if isinstance(schema, bytes):
        schema = schema.decode()
    if schema != SCHEMA:
        die(tool, f"{path}: not an lt-des result file (root attribute schema is {schema!r}, "
                  f"expected {SCHEMA!r})")
    if int(f.attrs.get("schema_version", 0)) != 1:
        die(tool, f"{path}: schema version {f.attrs.get('schema_version')} is not supported "
                  "(this script reads version 1)")
    status = f.attrs.get("status")
    if status != "complete" and not allow_incomplete:
        die(tool, f"{path}: the run is not complete (status {status!r}: {f.attrs.get('error')}); "
                  "use --allow-incomplete to read it anyway")
    for group in ("timeline", "layers", "summary", "metadata"):
        if group not in f:
            die(tool, f"{path}: /{group} is missing")
    return f


def lower_bound(ds, lo, hi, value):
    """First index in [lo, hi) of the sorted 1-D dataset `ds` whose value is >= `value`,
    by binary search (log2(n) single-element reads; the column is never loaded whole)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if ds[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


def chip_range(f, chip):
    """Rows [a, b) of `chip` in /timeline (rows are ordered by chip first)."""
    ds = f["timeline/chip"]
    n = ds.shape[0]
    a = lower_bound(ds, 0, n, chip)
    return a, lower_bound(ds, a, n, chip + 1)


def chips_in(f):
    """Sorted chip ids present in /timeline, found by jumping from range to range."""
    ds = f["timeline/chip"]
    n = ds.shape[0]
    chips, i = [], 0
    while i < n:
        c = int(ds[i])
        chips.append(c)
        i = lower_bound(ds, i, n, c + 1)
    return chips


def enum_names(ds):
    """Value -> name of an HDF5 enum dataset."""
    import h5py
    return {v: k for k, v in h5py.check_enum_dtype(ds.dtype).items()}


def op_labels(t):
    """(column, value -> label) naming each /timeline row: the op name (`op_name` indexing
    `op_names`, e.g. qkv, ffn1), or the op kind for files written before op names existed."""
    if "op_name" in t and "op_names" in t:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in t["op_names"][:]]
        return "op_name", dict(enumerate(names))
    return "op_kind", enum_names(t["op_kind"])


def parse_chips(text):
    """'0,3-5' -> [0, 3, 4, 5]."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return sorted(set(out))
