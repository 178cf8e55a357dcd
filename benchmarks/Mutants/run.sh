#!/usr/bin/env bash
# Mutation suite for the Raft plugin: applies each patch in benchmarks/Mutants/patches to a scratch copy of the plugin,
# builds it in Release, deploys it to a private plugins folder and runs `kernel verify` on 5 and then 3 nodes.
#
# Usage: benchmarks/Mutants/run.sh [control] [NN | NN-name | path/to/x.patch ...]
#   No argument: the control (unmodified plugin) and every patch. With arguments: just those (add `control` for it).
# Environment: SEEDS (300) seeds of the 5-node pass; SEEDS3 (= SEEDS) seeds of the 3-node pass; FIRST_SEED (1);
#   CHUNK (20) seeds per verify call; BUDGET5 / BUDGET3 (0 = none) wall seconds after which a pass stops at the end
#   of its current chunk (the table then shows the seeds actually run);
#   CHUNK_TIMEOUT (120) seconds after which a verify call is killed and the pass recorded as a hang;
#   SKIP_KERNEL_BUILD=1 to reuse kernel/bin/Release; OUT (benchmarks/Mutants/results) for per-run JSON and results.tsv;
#   REPORT (benchmarks/Mutants/REPORT.md).
# The working tree is never modified: patches go to a temporary copy of the files the plugin build needs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SEEDS="${SEEDS:-300}"
SEEDS3="${SEEDS3:-$SEEDS}"
FIRST_SEED="${FIRST_SEED:-1}"
CHUNK="${CHUNK:-20}"
CHUNK_TIMEOUT="${CHUNK_TIMEOUT:-120}"
BUDGET5="${BUDGET5:-0}"
BUDGET3="${BUDGET3:-0}"
OUT="${OUT:-$HERE/results}"
REPORT="${REPORT:-$HERE/REPORT.md}"
PLUGIN=plugins/UltimateConsensus
KERNEL_DLL="$REPO/kernel/bin/Release/net10.0/kernel.dll"

# ---------------------------------------------------------------- what to run
declare -a RUN=()
if [[ $# -eq 0 ]]; then
  RUN+=(control)
  for p in "$HERE"/patches/*.patch; do RUN+=("$p"); done
else
  for a in "$@"; do
    if [[ "$a" == control ]]; then RUN+=(control)
    elif [[ -f "$a" ]]; then RUN+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")")
    else
      shopt -s nullglob
      m=("$HERE"/patches/"$a"*.patch)
      shopt -u nullglob
      [[ ${#m[@]} -eq 1 ]] || { echo "error: '$a' matches ${#m[@]} patches" >&2; exit 2; }
      RUN+=("${m[0]}")
    fi
  done
fi

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/raft-mutants.XXXXXX")"
cleanup() { rm -rf "$SCRATCH"; }
trap cleanup EXIT
mkdir -p "$OUT"
START=$(date +%s)

# ---------------------------------------------------------------- the kernel, once
if [[ "${SKIP_KERNEL_BUILD:-0}" != 1 ]]; then
  echo "== building the kernel (Release)"
  (cd "$REPO" && dotnet build kernel -c Release -nologo -v q >"$SCRATCH/kernel-build.log" 2>&1) \
    || { cat "$SCRATCH/kernel-build.log" >&2; exit 1; }
fi
[[ -f "$KERNEL_DLL" ]] || { echo "error: $KERNEL_DLL is missing" >&2; exit 1; }
echo '{}' >"$SCRATCH/config.json"

# ---------------------------------------------------------------- the scratch copy (sources only)
SRC="$SCRATCH/repo"
mkdir -p "$SRC/plugins" "$SRC/plugin-sdk"
for f in Directory.Build.props Directory.Build.targets Directory.Packages.props global.json .editorconfig; do
  [[ -e "$REPO/$f" ]] && cp "$REPO/$f" "$SRC/"
done
cp "$REPO/plugins/Directory.Build.props" "$SRC/plugins/"
copy_sources() { # $1 = project folder relative to the repo; cp (not -p) gives fresh mtimes, so every build compiles
  rm -rf "${SRC:?}/$1"
  mkdir -p "$SRC/$1"
  (cd "$REPO/$1" && find . -type f -not -path './bin/*' -not -path './obj/*' -print0 | tar --null -T - -cf -) | (cd "$SRC/$1" && tar -xf - -m)
}
copy_sources plugin-sdk/Kernel.Sdk
OBJ_KEEP="$SCRATCH/obj-keep"

RESULTS="$OUT/results.tsv"
printf 'id\tname\tbuild\tcaught5\tfailing5\tfirst5\tkinds5\tunchecked5\tseconds5\tseeds5\tcaught3\tfailing3\tfirst3\tkinds3\tunchecked3\tseconds3\tseeds3\twall\tdescription\n' >"$RESULTS.new"
# Keep earlier rows of variants not rerun now, so a subset run updates the table.
declare -A RERUN=()
for r in "${RUN[@]}"; do [[ "$r" == control ]] && RERUN[00-control]=1 || RERUN[$(basename "$r" .patch)]=1; done
if [[ -f "$RESULTS" ]]; then
  tail -n +2 "$RESULTS" | while IFS=$'\t' read -r id name rest; do
    [[ -n "${RERUN[$id-$name]:-}" ]] || printf '%s\t%s\t%s\n' "$id" "$name" "$rest"
  done >>"$RESULTS.new"
fi

summarize() { # $1 = verify JSON, prints caught failing first kinds unchecked seconds (tab-separated)
  python3 - "$1" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("\t".join(["error", "-", "-", "no-json:" + type(e).__name__, "-", "-", "0"])); sys.exit()
v = d.get("violations", [])
real = [x for x in v if x.get("kind") != "unchecked"]
seeds = sorted({x["seed"] for x in real})
kinds = sorted({x["kind"] for x in v}) + (["hang(seeds %s)" % d["hung"]] if d.get("hung") else [])
print("\t".join([("yes" if seeds else "hang" if d.get("hung") else "no"), str(len(seeds)), (str(seeds[0]) if seeds else "-"),
                 (",".join(kinds) or "-"), str(d.get("uncheckedSeeds", 0)), str(d.get("wallSeconds", "-")), str(d.get("seeds", 0))]))
PY
}

run_verify() { # $1 = plugins dir, $2 = nodes, $3 = seeds, $4 = output json, $5 = wall budget in seconds (0: none)
  # Runs the seeds in chunks of CHUNK so a pass can stop at its wall budget (seeds whose history the checker cannot
  # decide cost its whole 20 s budget each); the merged JSON says how many seeds ran.
  local run=0 rc n t0 parts=()
  rm -f "${4%.json}.hung" "$4"
  t0=$(date +%s)
  while (( run < $3 )); do
    n=$(( $3 - run < CHUNK ? $3 - run : CHUNK ))
    rc=0
    timeout "$CHUNK_TIMEOUT" dotnet "$KERNEL_DLL" --config "$SCRATCH/config.json" --plugins-dir "$1" verify --strategy consensus/raft \
      --nodes "$2" --seeds "$n" --seed "$(( FIRST_SEED + run ))" --json >"${4%.json}.part$run.json" 2>>"${4%.json}.stderr" || rc=$?
    if [[ $rc -eq 124 ]]; then
      # The simulator has no per-seed wall limit: a variant that loops forever inside the plugin hangs verify.
      echo "   verify of seeds $(( FIRST_SEED + run ))..$(( FIRST_SEED + run + n - 1 )) on $2 nodes did not finish in ${CHUNK_TIMEOUT}s: killed" >&2
      echo "$(( FIRST_SEED + run ))-$(( FIRST_SEED + run + n - 1 ))" >"${4%.json}.hung"
      rm -f "${4%.json}.part$run.json"
      break
    elif [[ $rc -ne 0 && $rc -ne 1 ]]; then
      echo "   verify exited $rc (see ${4%.json}.stderr)" >&2
    fi
    parts+=("${4%.json}.part$run.json")
    run=$(( run + n ))
    if (( $5 > 0 && $(date +%s) - t0 >= $5 )); then break; fi
  done
  python3 - "$4" ${parts[@]+"${parts[@]}"} <<'PY'
import json, os, sys
out, parts = sys.argv[1], sys.argv[2:]
merged = None
hung = out[:-len(".json")] + ".hung"
for p in parts:
    try:
        d = json.load(open(p))
    except Exception:
        continue
    if merged is None:
        merged = d
        merged["chunks"] = 1
    else:
        merged["seeds"] += d["seeds"]
        merged["violations"] += d["violations"]
        merged["uncheckedSeeds"] += d["uncheckedSeeds"]
        merged["wallSeconds"] = round(merged["wallSeconds"] + d["wallSeconds"], 3)
        merged["simulatedSeconds"] = round(merged["simulatedSeconds"] + d["simulatedSeconds"], 3)
        for k in ("ok", "fail", "info", "total"):
            merged["operations"][k] += d["operations"][k]
        merged["chunks"] += 1
if os.path.exists(hung):
    merged = merged or {"seeds": 0, "violations": [], "uncheckedSeeds": 0, "wallSeconds": 0}
    merged["hung"] = open(hung).read().strip()
if merged is not None:
    json.dump(merged, open(out, "w"))
PY
  rm -f ${parts[@]+"${parts[@]}"}
}

for r in "${RUN[@]}"; do
  t0=$(date +%s)
  if [[ "$r" == control ]]; then id=00; name=control; desc="Unmodified plugin (control)"
  else
    base="$(basename "$r" .patch)"; id="${base%%-*}"; name="${base#*-}"
    desc="$(sed -n '1s/^# *//p' "$r")"
  fi
  echo "== $id-$name: $desc"
  # fresh plugin sources (keep obj/ for a quick restore), then the patch
  [[ -d "$SRC/$PLUGIN/obj" ]] && { rm -rf "$OBJ_KEEP"; mv "$SRC/$PLUGIN/obj" "$OBJ_KEEP"; }
  copy_sources "$PLUGIN"
  [[ -d "$OBJ_KEEP" ]] && mv "$OBJ_KEEP" "$SRC/$PLUGIN/obj"
  build=ok
  if [[ "$r" != control ]] && ! (cd "$SRC" && git apply --whitespace=nowarn "$r" 2>"$OUT/$id-$name.apply.log"); then
    build=apply-failed
  elif ! (cd "$SRC" && dotnet build "$PLUGIN" -c Release -nologo -v q >"$OUT/$id-$name.build.log" 2>&1); then
    build=build-failed
  fi
  if [[ $build != ok ]]; then
    echo "   $build (see $OUT/$id-$name.*.log)"
    printf '%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t0\t-\t-\t-\t-\t-\t-\t0\t%s\t%s\n' "$id" "$name" "$build" "$(( $(date +%s) - t0 ))" "$desc" >>"$RESULTS.new"
    continue
  fi
  rm -f "$OUT/$id-$name.apply.log"
  deploy="$SCRATCH/plugins-$id"
  rm -rf "$deploy"; mkdir -p "$deploy/UltimateConsensus"
  cp -r "$SRC/$PLUGIN/bin/Release/net10.0/." "$deploy/UltimateConsensus/"
  [[ -f "$deploy/UltimateConsensus/plugin.json" ]] || { echo "error: no plugin.json in the build output" >&2; exit 1; }
  run_verify "$deploy" 5 "$SEEDS" "$OUT/$id-$name.n5.json" "$BUDGET5"
  s5="$(summarize "$OUT/$id-$name.n5.json")"
  run_verify "$deploy" 3 "$SEEDS3" "$OUT/$id-$name.n3.json" "$BUDGET3"
  s3="$(summarize "$OUT/$id-$name.n3.json")"
  rm -rf "$deploy"
  find "$OUT" -maxdepth 1 -name "$id-$name.n?.json" -size +1M -exec gzip -9f {} + # thousands of crash violations
  wall=$(( $(date +%s) - t0 ))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$name" "$build" "$s5" "$s3" "$wall" "$desc" >>"$RESULTS.new"
  IFS=$'\t' read -r c5 f5 x5 k5 _ _ n5 <<<"$s5"; IFS=$'\t' read -r c3 f3 x3 k3 _ _ n3 <<<"$s3"
  echo "   5 nodes: caught=$c5 failing=$f5/$n5 first=$x5 kinds=$k5 | 3 nodes: caught=$c3 failing=$f3/$n3 first=$x3 kinds=$k3 | ${wall}s"
done

{ head -1 "$RESULTS.new"; tail -n +2 "$RESULTS.new" | sort; } >"$RESULTS"
rm -f "$RESULTS.new"
python3 "$HERE/report.py" "$RESULTS" "$REPORT" "$(( $(date +%s) - START ))"
