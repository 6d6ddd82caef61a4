#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""run_docs_example.py docs/output.md FILE.h5: runs the h5py + pandas example of docs/output.md
(between <!-- example:begin/end -->) on FILE.h5 (as run.h5) and checks what it prints against
values of the synthetic run worked out by hand (tests/support/synthetic_run.hpp)."""
import os
import re
import subprocess
import sys
import tempfile


def main(doc, h5):
    text = open(doc).read()
    m = re.search(r"<!-- example:begin -->\s*```python\n(.*?)```\s*<!-- example:end -->", text,
                  re.S)
    if not m:
        sys.exit("run_docs_example: no example block in " + doc)
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(os.path.abspath(h5), os.path.join(tmp, "run.h5"))
        out = subprocess.run([sys.executable, "-c", m.group(1)], cwd=tmp, capture_output=True,
                             text=True)
    if out.returncode != 0:
        sys.exit("run_docs_example: the example failed:\n" + out.stderr)
    print(out.stdout)
    # Makespan of the synthetic run: 1000 ps x 50 rows = 50 ns. Energy: 105 pJ x (1+..+50) x 5
    # chips = 669375 pJ = 6.69375e-07 J = 0.000669375 mJ.
    for want in ["schema lt-des-result 1", "makespan 50.000 ns, energy 0.000669375 mJ",
                 "TTFT defined: False"]:
        if want not in out.stdout:
            sys.exit(f"run_docs_example: expected '{want}' in the output")
    print("run_docs_example: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
