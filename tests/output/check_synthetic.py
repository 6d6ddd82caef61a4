#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""check_synthetic.py FILE.h5 NP: reads a file written by write_synthetic with h5py and checks
every value against the formulas of tests/support/synthetic_run.hpp, recomputed here with
numpy (not read from anything lt-des wrote). Exits non-zero with a message on a mismatch."""
import sys

import h5py
import numpy as np

CHIPS, ROWS = 5, 50
COMPONENTS = ["laser", "dac", "modulator", "detector", "tia", "adc", "adder", "digital",
              "sram_rf", "sram_lb", "sram_gb", "dram", "link", "static"]


def fail(msg):
    sys.exit(f"check_synthetic: {msg}")


def expect(cond, msg):
    if not cond:
        fail(msg)


def main(path, np_ranks):
    with h5py.File(path, "r") as f:
        expect(f.attrs["schema"] == "lt-des-result", "schema attribute")
        expect(f.attrs["status"] == "complete", f"status is {f.attrs['status']}")
        expect(int(f.attrs["mpi_size"]) == np_ranks, "mpi_size")
        t = f["timeline"]
        n = CHIPS * ROWS
        g = np.arange(n)
        c, j = g // ROWS, g % ROWS
        expect(t["chip"].shape == (n,), "row count")
        expect(np.array_equal(t["chip"][:], c), "chip column / row order")
        expect(np.array_equal(t["t_start"][:], 1000 * j + c), "t_start")
        expect(np.array_equal(t["t_end"][:], 1000 * j + c + 500 + j % 3), "t_end")
        expect(np.array_equal(t["op_id"][:], j), "op_id")
        expect(np.array_equal(t["layer"][:], j % 4 - 1), "layer")
        expect(np.array_equal(t["m"][:], j + 1), "m")
        # enums: the stored integers and the names of the HDF5 enum type
        expect(np.array_equal(t["resource"][:], j % 5), "resource values")
        names = h5py.check_enum_dtype(t["resource"].dtype)
        expect(names == {"core": 0, "dram": 1, "link": 2, "bus": 3, "digital": 4, "chip": 5},
               f"resource enum {names}")
        expect(h5py.check_enum_dtype(t["phase"].dtype)["decode"] == 2, "phase enum")
        for i, comp in enumerate(COMPONENTS):
            expect(np.array_equal(t["energy"][comp][:], (i + 1) * (j + 1) * 1e-12),
                   f"energy/{comp}")
        expect(np.array_equal(t["energy/total"][:], 105.0 * (j + 1) * 1e-12), "energy/total")
        # every numeric dataset carries units and long_name
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "iuf" \
                    and h5py.check_enum_dtype(obj.dtype) is None:
                expect("units" in obj.attrs and "long_name" in obj.attrs, f"units of {name}")
        f.visititems(visit)
        # layers, by hand: phase j % 3, layer j % 4 - 1, over all chips
        jj = np.arange(ROWS)
        total = 0.0
        for p, phase in enumerate(["encoder", "prefill", "decode"]):
            grp = f["layers"][phase]
            sel = jj[jj % 3 == p]
            layers = np.unique(sel % 4 - 1)
            expect(np.array_equal(grp["layer"][:], layers), f"{phase} layers")
            for k, layer in enumerate(layers):
                js = sel[sel % 4 - 1 == layer]
                pj = 105.0 * CHIPS * float(np.sum(js + 1))
                expect(grp["op_count"][k] == CHIPS * len(js), f"{phase} op_count")
                expect(grp["energy/total"][k] == pj * 1e-12, f"{phase} energy")
                expect(grp["t_first"][k] == 1000 * js.min(), f"{phase} t_first")
                expect(grp["t_last"][k] == 1000 * js.max() + CHIPS - 1 + 500 + js.max() % 3,
                       f"{phase} t_last")
                total += pj
        s = f["summary"].attrs
        expect(abs(s["energy_J"] - total * 1e-12) <= 1e-15 * total * 1e-12, "summary energy")
        expect(np.isnan(s["ttft_s"]), "ttft is NaN")
        expect(s["tokens"] == 10, "tokens")
        expect(abs(s["energy_per_processed_token_J"] - s["energy_J"] / 10) <= 1e-15,
               "energy per processed token")
        expect(np.isnan(s["energy_per_generated_token_J"]), "no generated token: NaN")
        ranks = f["metadata/ranks"]
        expect(int(ranks["row_count"][:].sum()) == n, "row ranges")
        expect(len(ranks["row_count"]) == np_ranks, "one row range per rank")
        if np_ranks >= 3:
            expect(ranks["row_count"][1] == 0, "rank 1 owns no chips")
        expect(f["metadata/enums"].attrs["phase"][2] == "decode", "enum names")
        expect(f["metadata/config"][()].decode().startswith("chips: 5"), "config string")
    print(f"check_synthetic: {path}: ok")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
