#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""h5dump_header.py FILE.h5 EXPECTED.txt: runs `h5dump -H FILE.h5`, reduces its output to one
line per group/dataset (type, dims, attribute names and types; see expected_header.txt) and
compares it with EXPECTED.txt, which was written by hand from docs/output.md. Prints the
differences and exits 1 when they differ."""
import re
import subprocess
import sys

SIMPLE_TYPES = {"H5T_STD_I64LE": "i64", "H5T_STD_U64LE": "u64", "H5T_STD_I32LE": "i32",
                "H5T_STD_U32LE": "u32", "H5T_STD_U8LE": "u8", "H5T_IEEE_F64LE": "f64"}


def parse(text):
    lines = []
    stack = []  # dicts: kind, name/path, type, dims, attrs, strsize, enum
    for raw in text.splitlines():
        s = raw.strip()
        m = re.match(r'(GROUP|DATASET|ATTRIBUTE) "(.*)" \{$', s)
        if m:
            kind, name = m.groups()
            parent = next((o for o in reversed(stack) if o["kind"] == "GROUP"), None)
            if kind == "ATTRIBUTE":
                path = name
            elif parent is None:
                path = "/"
            else:
                path = (parent["path"].rstrip("/") + "/" + name)
            stack.append({"kind": kind, "path": path, "type": None, "dims": None, "attrs": []})
            continue
        m = re.match(r"DATATYPE\s+(\S+)( \{)?$", s)
        if m:
            if m.group(2):
                stack.append({"kind": "TYPE", "base": m.group(1), "strsize": None, "enum": []})
            else:
                stack[-1]["type"] = SIMPLE_TYPES.get(m.group(1), m.group(1))
            continue
        m = re.match(r"DATASPACE\s+(SCALAR|SIMPLE \{ \( ([\d, ]+) \) / .*\})$", s)
        if m:
            stack[-1]["dims"] = "scalar" if m.group(1) == "SCALAR" else f"({m.group(2)})"
            continue
        if stack and stack[-1]["kind"] == "TYPE":
            t = stack[-1]
            m = re.match(r"STRSIZE (\S+);", s)
            if m:
                t["strsize"] = m.group(1)
            m = re.match(r'"(.*)"\s+(\d+);', s)
            if m:
                t["enum"].append(m.group(1))
        if re.match(r'HDF5 ".*" \{$', s):
            stack.append({"kind": "FILE"})
            continue
        if s == "}":
            obj = stack.pop()
            if obj["kind"] == "FILE":
                continue
            if obj["kind"] == "TYPE":
                if obj["base"] == "H5T_STRING":
                    size = obj["strsize"]
                    stack[-1]["type"] = "str" if size == "H5T_VARIABLE" else f"str<{size}>"
                elif obj["base"] == "H5T_ENUM":
                    stack[-1]["type"] = "enum(" + ",".join(obj["enum"]) + ")"
                else:
                    stack[-1]["type"] = obj["base"]
            elif obj["kind"] == "ATTRIBUTE":
                dims = obj["dims"]
                suffix = "" if dims == "scalar" else "[" + dims.strip("()") + "]"
                stack[-1]["attrs"].append(f"{obj['path']}:{obj['type']}{suffix}")
            else:
                attrs = "[" + " ".join(sorted(obj["attrs"])) + "]"
                if obj["kind"] == "GROUP":
                    lines.append(f"GROUP {obj['path']} {attrs}")
                else:
                    lines.append(f"DATASET {obj['path']} {obj['type']} {obj['dims']} {attrs}")
    return sorted(lines)


def main(h5, expected_path):
    out = subprocess.run(["h5dump", "-H", h5], check=True, capture_output=True, text=True).stdout
    got = parse(out)
    with open(expected_path) as f:
        want = sorted(l.strip() for l in f if l.strip() and not l.startswith("#"))
    missing = [l for l in want if l not in got]
    extra = [l for l in got if l not in want]
    for l in missing:
        print("expected, not in the file:", l)
    for l in extra:
        print("in the file, not expected:", l)
    if missing or extra:
        sys.exit(1)
    print(f"h5dump_header: {len(got)} objects match")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
