#!/usr/bin/env bash
# jobs_test.sh LT_DES: runs the batch templates of jobs/ locally on the tiny trace, with the
# scheduler's commands replaced by shims (no Slurm or PBS here), then checks that every task
# wrote its HDF5 file and that lt_collect.py and lt_report.py --sweep tabulate and plot them.
set -euo pipefail
ltdes=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# srun shim: drop srun's own options, run the program once (one task is enough here).
mkdir -p "$work/bin"
cat >"$work/bin/srun" <<'SHIM'
#!/usr/bin/env bash
while [ $# -gt 0 ] && [[ $1 == -* ]]; do shift; done
exec "$@"
SHIM
chmod +x "$work/bin/srun"
export PATH="$work/bin:$PATH"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

for t in jobs/slurm/run.sbatch jobs/slurm/sweep.sbatch jobs/pbs/run.pbs; do
    bash -n "$t" || fail "$t does not parse"
done

# Slurm, one run: output named by the job id, version and command line in the log.
SLURM_JOB_ID=4242 SLURM_CPUS_PER_TASK=2 LTDES="$ltdes" TRACE=traces/tiny.trace \
    OUTDIR="$work/slurm" bash jobs/slurm/run.sbatch >"$work/slurm.log" 2>&1 \
    || { cat "$work/slurm.log"; fail "run.sbatch failed"; }
[ -f "$work/slurm/lt-des-4242.h5" ] || fail "run.sbatch wrote no lt-des-4242.h5"
grep -q '^lt-des [0-9]' "$work/slurm.log" || fail "run.sbatch log lacks the version"
grep -q -- '--threads 2' "$work/slurm.log" || fail "run.sbatch did not pass SLURM_CPUS_PER_TASK"

# Slurm's warning before the time limit (SIGUSR1 to the batch script) reaches the run, which
# stops at a window boundary: exit 138, <out>.partial with status=interrupted.
"$ltdes" trace gen --model gpt2 --prompt 768 --decode 256 --batch 8 -o "$work/long.trace" \
    >/dev/null
SLURM_JOB_ID=4343 SLURM_CPUS_PER_TASK=1 LTDES="$ltdes" TRACE="$work/long.trace" \
    OUTDIR="$work/slurm-usr1" EXTRA="--pp 8" bash jobs/slurm/run.sbatch >"$work/usr1.log" 2>&1 &
job=$!
for _ in $(seq 1 600); do
    # The first spill file (unlinked at creation: seen in /proc/<pid>/fd) means the run is going.
    [ -n "$(find /proc/[0-9]*/fd -maxdepth 1 \
        -lname "$work/slurm-usr1/.lt-des-4343.h5.r0.*.spill (deleted)" -print -quit 2>/dev/null)" ] \
        && break
    sleep 0.1
done
kill -USR1 $job
code=0
wait $job || code=$?
[ $code -eq 138 ] || { cat "$work/usr1.log"; fail "run.sbatch after SIGUSR1: exit $code, want 138"; }
/usr/bin/python3 -c "import h5py,sys; assert h5py.File(sys.argv[1]).attrs['status']=='interrupted'" \
    "$work/slurm-usr1/lt-des-4343.h5.partial" || fail "run.sbatch after SIGUSR1: not interrupted"

# Requeue at the time limit: with CHECKPOINT, a step stopped by the limit's signal leaves a
# snapshot and the script requeues the job (scontrol requeue / qrerun, shims logging their
# arguments); the requeued job resumes from the snapshot (--restart) and ends with the results
# of an uninterrupted run. The signal is raised by the rank itself at half the makespan
# (LTDES_FAULT_SIGNAL_AT), the point Slurm's warning would hit.
for cmd in scontrol qrerun; do
    printf '#!/usr/bin/env bash\necho "%s $*" >>"$SHIM_LOG"\n' "$cmd" >"$work/bin/$cmd"
    chmod +x "$work/bin/$cmd"
done
export SHIM_LOG="$work/shim.log"
plan=(--tp 2 --pp 2 --dp 2)
"$ltdes" run --trace traces/tiny.trace "${plan[@]}" --out "$work/ref.h5" >/dev/null
half=$(/usr/bin/python3 -c "import h5py,sys; print(repr(h5py.File(sys.argv[1])['summary'].attrs['makespan_s'] / 2))" "$work/ref.h5")
same_as_ref() {
    for g in /timeline /layers /summary; do
        h5diff "$work/ref.h5" "$1" "$g" >/dev/null || fail "$2: $g differs from the uninterrupted run"
    done
}
code=0
LTDES_FAULT_SIGNAL_AT="$half:0:USR1" SLURM_JOB_ID=4545 SLURM_CPUS_PER_TASK=1 LTDES="$ltdes" \
    TRACE=traces/tiny.trace OUTDIR="$work/rq" EXTRA="${plan[*]}" CHECKPOINT="$work/rq-ckpt" \
    bash jobs/slurm/run.sbatch >"$work/rq1.log" 2>&1 || code=$?
[ $code -eq 138 ] || { cat "$work/rq1.log"; fail "run.sbatch stopped by its limit: exit $code, want 138"; }
grep -qx "scontrol requeue 4545" "$SHIM_LOG" || fail "run.sbatch did not requeue the job"
SLURM_JOB_ID=4545 SLURM_CPUS_PER_TASK=2 LTDES="$ltdes" TRACE=traces/tiny.trace OUTDIR="$work/rq" \
    EXTRA="${plan[*]}" CHECKPOINT="$work/rq-ckpt" bash jobs/slurm/run.sbatch >"$work/rq2.log" 2>&1 \
    || { cat "$work/rq2.log"; fail "the requeued run.sbatch failed"; }
grep -q "^resuming from $work/rq-ckpt/snap-" "$work/rq2.log" || fail "the requeued job did not resume"
[ "$(grep -c requeue "$SHIM_LOG")" -eq 1 ] || fail "a complete job was requeued"
same_as_ref "$work/rq/lt-des-4545.h5" "run.sbatch requeued"
code=0
echo localhost >"$work/nodes"
LTDES_FAULT_SIGNAL_AT="$half:0:USR1" PBS_JOBID=88.server PBS_NODEFILE="$work/nodes" \
    PBS_O_WORKDIR="$repo" LTDES="$ltdes" TRACE=traces/tiny.trace OUTDIR="$work/rq-pbs" RANKS=2 \
    THREADS=1 EXTRA="${plan[*]}" CHECKPOINT="$work/rq-pbs-ckpt" bash jobs/pbs/run.pbs \
    >"$work/rqp1.log" 2>&1 || code=$?
[ $code -eq 138 ] || { cat "$work/rqp1.log"; fail "run.pbs stopped by its limit: exit $code, want 138"; }
grep -qx "qrerun 88.server" "$SHIM_LOG" || fail "run.pbs did not rerun the job"
PBS_JOBID=88.server PBS_NODEFILE="$work/nodes" PBS_O_WORKDIR="$repo" LTDES="$ltdes" \
    TRACE=traces/tiny.trace OUTDIR="$work/rq-pbs" RANKS=1 THREADS=1 EXTRA="${plan[*]}" \
    CHECKPOINT="$work/rq-pbs-ckpt" bash jobs/pbs/run.pbs >"$work/rqp2.log" 2>&1 \
    || { cat "$work/rqp2.log"; fail "the rerun run.pbs failed"; }
grep -q "^resuming from" "$work/rqp2.log" || fail "the rerun PBS job did not resume"
same_as_ref "$work/rq-pbs/lt-des-88.h5" "run.pbs rerun on 1 rank"

# PBS, one run through the real mpirun with 2 ranks and a node file.
echo localhost >"$work/nodes"
PBS_JOBID=77.server PBS_NODEFILE="$work/nodes" PBS_O_WORKDIR="$repo" LTDES="$ltdes" \
    TRACE=traces/tiny.trace OUTDIR="$work/pbs" RANKS=2 THREADS=1 \
    bash jobs/pbs/run.pbs >"$work/pbs.log" 2>&1 || { cat "$work/pbs.log"; fail "run.pbs failed"; }
[ -f "$work/pbs/lt-des-77.h5" ] || fail "run.pbs wrote no lt-des-77.h5"

# Slurm array: three rows, one of them broken (an arch file that does not exist).
cat >"$work/sweep.csv" <<'CSV'
name,trace,arch,tp,pp,dp,set
dota4,traces/tiny.trace,configs/arch/Dota_B_4bit.yaml,2,1,1,
mrr8,traces/tiny.trace,configs/arch/Bs_mrr_bank_8bit.yaml,1,2,1,link.latency_ns=300;link.bandwidth_gbps=1000
broken,traces/tiny.trace,configs/arch/no_such.yaml,1,1,1,
CSV
for row in 1 2 3; do
    SLURM_ARRAY_TASK_ID=$row SLURM_CPUS_PER_TASK=1 LTDES="$ltdes" SWEEP="$work/sweep.csv" \
        OUTDIR="$work/sweep" bash jobs/slurm/sweep.sbatch >"$work/row$row.log" 2>&1 || true
done
[ -f "$work/sweep/0001-dota4.h5" ] || { cat "$work/row1.log"; fail "row 1 wrote no file"; }
[ -f "$work/sweep/0002-mrr8.h5" ] || { cat "$work/row2.log"; fail "row 2 wrote no file"; }
[ ! -f "$work/sweep/0003-broken.h5" ] || fail "a failed row left a final .h5"
grep -q -- '--set link.latency_ns=300 --set link.bandwidth_gbps=1000' "$work/row2.log" \
    || fail "the set column did not become --set flags"
# Resubmitting skips the complete rows.
SLURM_ARRAY_TASK_ID=1 LTDES=/bin/false SWEEP="$work/sweep.csv" OUTDIR="$work/sweep" \
    bash jobs/slurm/sweep.sbatch | grep -q "already complete" || fail "resume did not skip row 1"

# Collect everything (including a foreign file), then plot the sweep.
echo "not hdf5" >"$work/sweep/junk.h5"
/usr/bin/python3 scripts/lt_collect.py "$work"/sweep/*.h5 "$work/slurm/lt-des-4242.h5" \
    -o "$work/all.csv" || fail "lt_collect.py failed"
[ "$(grep -c ',complete,' "$work/all.csv")" -eq 3 ] || { cat "$work/all.csv"; fail "expected 3 complete rows"; }
grep -q 'junk.h5,unreadable' "$work/all.csv" || fail "the foreign file was not flagged"
/usr/bin/python3 scripts/lt_report.py --sweep "$work/all.csv" -o "$work/report" | grep -q "3 point" \
    || fail "lt_report.py --sweep did not plot 3 points"
[ -s "$work/report/sweep.png" ] || fail "no sweep.png"
echo "jobs: 3 templates ran, 4 results collected, sweep plotted"
