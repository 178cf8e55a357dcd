#!/usr/bin/env python3
"""Writes REPORT.md from results.tsv (run.sh calls it): usage report.py RESULTS.tsv REPORT.md TOTAL_WALL_SECONDS."""
import csv, datetime, os, platform, statistics, subprocess, sys

results, report, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = list(csv.DictReader(open(results), delimiter="\t"))
control = next((r for r in rows if r["name"] == "control"), None)
mutants = [r for r in rows if r["name"] != "control"]

def first_catch(r):
    xs = [int(r[k]) for k in ("first5", "first3") if r[k] not in ("-", "")]
    return min(xs) if xs else None

def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"

try:
    dotnet = subprocess.check_output(["dotnet", "--version"], text=True).strip()
except Exception:
    dotnet = "?"

built = [r for r in mutants if r["build"] == "ok"]
c5 = sum(r["caught5"] == "yes" for r in built)
c3 = sum(r["caught3"] == "yes" for r in built)
either = [r for r in built if "yes" in (r["caught5"], r["caught3"])]
firsts = sorted(first_catch(r) for r in either)
median_caught = statistics.median(firsts) if firsts else None
# Over all variants, a miss counts as later than every seed run.
inf = float("inf")
all_firsts = sorted((first_catch(r) or inf) for r in built)
median_all = statistics.median(all_firsts) if all_firsts else None
def span(col):
    xs = sorted({int(r[col]) for r in rows if r["build"] == "ok" and r[col].isdigit() and int(r[col]) > 0})
    return "-" if not xs else str(xs[0]) if xs[0] == xs[-1] else f"{xs[0]}-{xs[-1]}"
seeds5, seeds3 = span("seeds5"), span("seeds3")

def fmt_median(m):
    return "-" if m is None else ("not caught" if m == inf else f"{m:g}")

lines = []
lines.append("<!-- The README paragraph and table (for README.md, not edited here). -->")
lines.append("## Mutation suite")
lines.append("")
lines.append(
    f"`benchmarks/Mutants/run.sh` builds {len(mutants)} deliberately broken variants of the Raft plugin (one plausible "
    "single- or few-line bug each, `benchmarks/Mutants/patches/NN-name.patch`, described in `mutants.tsv`) and runs the "
    f"default `kernel verify --strategy consensus/raft` on each ({seeds5} seeds on 5 nodes, {seeds3} on 3 nodes, as the run's time budget allowed). "
    f"Latest run: {len(either)} of {len(built)} caught ({c5} on 5 nodes, {c3} on 3 nodes); median first-catching seed "
    f"{fmt_median(median_caught)} among the caught ({fmt_median(median_all)} over all, a miss counting as never). "
    "The unmodified plugin is run as a control: "
    + ("not run." if not control else
       "NOT clean: it has violations, see below." if "yes" in (control["caught5"], control["caught3"]) else
       f"no violation in {control['seeds5']} + {control['seeds3']} seeds, but {int(control['unchecked5']) + int(control['unchecked3'])} "
       "seed(s) got no linearizability verdict within the checker's budget (`unchecked`, so `verify` exits 1 on it)."
       if int(control["unchecked5"]) + int(control["unchecked3"]) > 0 else "clean.")
)
lines.append("")
lines.append("| # | variant | 5 nodes: failing seeds | first | 3 nodes: failing seeds | first | violation kinds | wall s |")
lines.append("|---|---|---|---|---|---|---|---|")
for r in rows:
    if r["build"] != "ok":
        lines.append(f"| {r['id']} | {r['name']} | {r['build']} | | | | | {r['wall']} |")
        continue
    kinds = sorted({k for k in (r["kinds5"] + "," + r["kinds3"]).split(",") if k and k != "-"})
    tag = lambda c: "" if c == "yes" or r["name"] == "control" else " (verify hung: killed)" if c == "hang" else " (missed)"
    f5 = f"{r['failing5']}/{r['seeds5']}" + tag(r["caught5"])
    f3 = f"{r['failing3']}/{r['seeds3']}" + tag(r["caught3"])
    lines.append(f"| {r['id']} | {r['name']} | {f5} | {r['first5']} | {f3} | {r['first3']} | {', '.join(kinds) or '-'} | {r['wall']} |")
lines.append("")
lines.append("## Totals")
lines.append("")
lines.append(f"- Variants: {len(mutants)} ({len(built)} built)")
lines.append(f"- Caught on 5 nodes: {c5}/{len(built)}; on 3 nodes: {c3}/{len(built)}; by either: {len(either)}/{len(built)}")
lines.append(f"- Median first-catching seed (earliest failing seed of either pass): {fmt_median(median_caught)} over the caught variants, {fmt_median(median_all)} over all (misses counting as never)")
missed = [r for r in built if r not in either]
lines.append(f"- Missed by both passes: {', '.join(r['id'] + '-' + r['name'] for r in missed) or 'none'}")
part = [r for r in built if r in either and (r["caught5"] != "yes" or r["caught3"] != "yes")]
lines.append(f"- Caught by one pass only: {', '.join(r['id'] + '-' + r['name'] + (' (5 only)' if r['caught5'] == 'yes' else ' (3 only)') for r in part) or 'none'}")
if control:
    lines.append(f"- Control (unmodified plugin): 5 nodes {control['failing5']}/{control['seeds5']} failing seeds (kinds {control['kinds5']}, unchecked {control['unchecked5']}); "
                 f"3 nodes {control['failing3']}/{control['seeds3']} (kinds {control['kinds3']}, unchecked {control['unchecked3']})")
lines.append(f"- Wall time of this run: {total} s (sum over the variants in the table: {sum(int(r['wall']) for r in rows)} s)")
lines.append(f"- Machine: {platform.node()}, {cpu()}, {os.cpu_count()} cores (shared), {platform.system()} {platform.release()}, .NET SDK {dotnet}")
lines.append(f"- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
lines.append("")
notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
if os.path.exists(notes):
    lines.append(open(notes).read().rstrip())
    lines.append("")
open(report, "w").write("\n".join(lines) + "\n")
print("\n".join(lines[lines.index("## Totals") + 2:]))
