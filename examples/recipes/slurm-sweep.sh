#!/bin/bash
# A structops sweep as a Slurm job array: one array task per shard. Slurm
# sets SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT;
# `--shard auto` takes the shard index (ID - MIN) and count from them, so
# only --array says how many shards there are. Each task uses the cores it
# was given (--jobs $SLURM_CPUS_PER_TASK). Submit, then merge after it:
#
#   jid=$(sbatch --parsable examples/recipes/slurm-sweep.sh)
#   sbatch --dependency=afterany:$jid --wrap 'structops sweep merge results/shard-* --out results/merged'
#
# A task exits 3 when some of its points failed (each has its error in its
# result.json; the merge lists them and exits 3 too), so the merge waits for
# any end, not only success; it refuses (exit 1) if a task left points
# without a result.
# A failed or preempted task resubmitted with `sbatch --array=<i>` reruns
# only the points it had not finished. docs/sweep.md, "Slurm".
#SBATCH --job-name=structops-sweep
#SBATCH --array=0-2
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=structops-sweep-%A_%a.log
set -euo pipefail
SWEEP=${SWEEP:-examples/sweeps/bpf-vs-builtin.yaml}
OUT=${OUT:-results}
structops sweep "$SWEEP" --shard auto --jobs "${SLURM_CPUS_PER_TASK:-1}" --no-progress --out "$OUT/shard-$SLURM_ARRAY_TASK_ID"
