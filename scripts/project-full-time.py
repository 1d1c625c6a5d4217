#!/usr/bin/env python3
"""Projects `mmc reproduce --full`'s time (10 seeds) from a folder run with `--full --seeds N`
(docs/reproduce.md, "Compute, honestly"). Per experiment: its tuning sweep's seconds as measured (a
tuning sweep does not depend on --seeds), plus its main sweep's seconds scaled by the number of runs
and teachers at 10 seeds over the number at N (from `mmc reproduce --plan --json`). An experiment not
run in the folder borrows the per-job seconds of the experiment named in --like (e.g. the
each-modality-missing variant of a method from its image-missing one). Prints a Markdown table.

usage: scripts/project-full-time.py OUT_DIR [--like missing-each-synthetic-vanilla=missing-synthetic-vanilla ...]
"""
import json, subprocess, sys

out = sys.argv[1]
like = dict(a.split('=', 1) for a in sys.argv[2:] if '=' in a)
prog = json.load(open(f'{out}/reproduce.json'))
if prog['mode'] != 'full':
    sys.exit(f'{out}: a --{prog["mode"]} folder; this projects --full')
seconds = prog['seconds']
def plan(*extra):
    r = subprocess.run(['node', 'bin/mmc', 'reproduce', '--full', '--plan', '--json', *extra], capture_output=True, text=True, check=True)
    return {row['id']: row for row in json.loads(r.stdout)}
seeds = None
for d in prog['sweeps'].values():
    try:
        seeds = json.load(open(f'{d}/sweep.json'))['seeds']
        break
    except Exception:
        pass
small, full = plan('--seeds', str(seeds)), plan()
rows, total_measured, total_proj = [], 0.0, 0.0
for eid, f in full.items():
    s = small[eid]
    src = eid if eid in seconds else like.get(eid)
    if src is None or src not in seconds:
        rows.append((eid, '—', '—', 'not run, no --like'))
        continue
    tune = seconds.get(f'{src}-tune', 0.0)
    main = seconds[src]
    k = (f['runs'] + f['teachers']) / (small[src]['runs'] + small[src]['teachers'])
    proj = tune + main * k
    if src == eid:
        total_measured += tune + main
    total_proj += proj
    rows.append((eid, f'{tune + main:.0f}' if src == eid else '—', f'{proj:.0f}', '' if src == eid else f'per job as {src}'))
print(f'Measured in {out} with --seeds {seeds}; projected to --full (10 seeds, 5 for theory).\n')
print('| experiment | seconds at --seeds %d | projected seconds, --full | note |' % seeds)
print('|---|---|---|---|')
for r in rows:
    print('| %s | %s | %s | %s |' % r)
print(f'| **all** | **{total_measured:.0f}** | **{total_proj:.0f}** ({total_proj / 3600:.2f} h) | |')
