#!/usr/bin/env python3
# Summarises a bench/ab/ab.sh sitting: for each figure, each reference side against "main": TT/raw per round (from each
# invocation's .md table) and their median, the pooled median of every run's TT/raw (from the .log lines), TypedTasks' own
# rate (L: p50 in ms), and CPU per task of the bench process and of nats-server; for M, the worker's allocations per
# executed task, its RSS after 20,000 tasks, and the two growth factors of its RSS (both lower is better).
#   bench/ab/summary.py OUTDIR [reference side ...]     (default reference: base)
import re, sys, glob, os, statistics as st
out = sys.argv[1]
rows = {  # md row prefix -> label
  "| E1 enqueue": "E1", "| E2 enqueue": "E2",
  "| D1 drain, no result — worker defaults": "D1", "| D1 drain, no result — Concurrency 64": "D1-64",
  "| D2 drain, with result — worker defaults": "D2", "| D2 drain, with result — Concurrency 64": "D2-64",
  "| L round trip p50": "L",
}
def num(s):
    s = s.strip().split()[0].replace(",", "")
    m = 1000 if s.endswith("k/s") or s.endswith("k") else 1
    return float(re.sub(r"[^0-9.]", "", s)) * m
mem_rows = {  # md row prefix -> label of the M values read from it
  "| M allocated per executed task": "M alloc B/task",
  "| M worker RSS after draining 20,000 / 100,000 tasks": "M RSS 20k drained MiB",
  "| M worker RSS after 20,000 tasks with 20,000 / 100,000 queued": "M x queue length",
}
mem = {}  # (label, side) -> list of values
md = {}   # (label, side) -> list of (round, ratio, tt)
pooled = {}  # (label, side) -> list of per-run ratios
cpu = {}  # (label, side) -> list of (proc cpu, server cpu) of tt runs
for f in sorted(glob.glob(os.path.join(out, "r*-*-*.md")), key=lambda p: int(os.path.basename(p).split("-")[0][1:])):
    base = os.path.basename(f)[:-3]
    r, fig, side = base.split("-", 2)[0], base.split("-")[1], base.split("-")[-1]
    for line in open(f, encoding="utf-8"):
        for pre, lab in rows.items():
            if line.startswith(pre):
                c = [x.strip() for x in line.split("|")]
                md.setdefault((lab, side), []).append((r, float(c[4]), num(c[3])))
        for pre, lab in mem_rows.items():
            if line.startswith(pre):
                c = [x.strip() for x in line.split("|")]
                if lab == "M x queue length":
                    mem.setdefault((lab, side), []).append(float(c[4].lstrip("×")))
                    mem.setdefault(("M x drained", side), []).append(float(prev_growth))
                else:
                    mem.setdefault((lab, side), []).append(num(c[3]))
                if lab == "M RSS 20k drained MiB":
                    prev_growth = c[4].lstrip("×")
    logf = f[:-3] + ".log"
    runs = {}
    for line in open(logf, encoding="utf-8", errors="replace"):
        m = re.match(r"\s+(\S+)\s+(raw|tt)\s+([\d,\.]+)(/s| ms)", line)
        if m:
            key, who, val = m.group(1), m.group(2), float(m.group(3).replace(",", ""))
            if who == "raw":
                runs[key] = val
            else:
                rawkey = key.split("-")[0]
                if rawkey in runs:
                    lab = {"D1": "D1", "D1-64": "D1-64", "D2": "D2", "D2-64": "D2-64", "E1": "E1", "E2": "E2", "L": "L"}.get(key)
                    if lab:
                        pooled.setdefault((lab, side), []).append(val / runs[rawkey])
                cm = re.search(r"CPU ([\d\.]+) µs/op\s+server CPU ([\d\.]+) µs/op", line)
                if cm and key in ("D2", "D1", "E2", "E1"):
                    cpu.setdefault((key, side), []).append((float(cm.group(1)), float(cm.group(2))))
def report(ref):
    print(f"{'fig':7} {ref + ' (rounds)':36} {'main (rounds)':36} {'med b':>6} {'med m':>6} {'chg':>6} {'pool b':>6} {'pool m':>6} {'chg':>6}  TT rate b->m (L: p50; chg: + is better)")
    for lab in ["E1", "E2", "D1", "D1-64", "D2", "D2-64", "L"]:
        b = md.get((lab, ref), []); m = md.get((lab, "main"), [])
        if not b or not m: continue
        mb = st.median(x[1] for x in b); mm = st.median(x[1] for x in m)
        pb = pooled.get((lab, ref), []); pm = pooled.get((lab, "main"), [])
        pmb = st.median(pb) if pb else float("nan"); pmm = st.median(pm) if pm else float("nan")
        sign = -1 if lab == "L" else 1
        chg = sign * (mm / mb - 1) * 100; pchg = sign * (pmm / pmb - 1) * 100 if pb and pm else float("nan")
        rb = st.median(x[2] for x in b); rm = st.median(x[2] for x in m)
        rate = f"{rb:,.3f} -> {rm:,.3f} ms" if lab == "L" else f"{rb:,.0f} -> {rm:,.0f}/s"
        pool = f"{pmb:6.2f} {pmm:6.2f} {pchg:+5.0f}%" if pb and pm else f"{'':6} {'':6} {'':6}"
        print(f"{lab:7} {' '.join(f'{x[1]:.2f}' for x in b):36} {' '.join(f'{x[1]:.2f}' for x in m):36} {mb:6.2f} {mm:6.2f} {chg:+5.0f}% {pool}  {rate}")
    for key in ["E1", "E2", "D1", "D2"]:
        b = cpu.get((key, ref)); m = cpu.get((key, "main"))
        if b and m:
            print(f"CPU/op {key}: process {st.median(x[0] for x in b):.1f} -> {st.median(x[0] for x in m):.1f} µs, server {st.median(x[1] for x in b):.1f} -> {st.median(x[1] for x in m):.1f} µs")

    for lab in ["M alloc B/task", "M RSS 20k drained MiB", "M x drained", "M x queue length"]:
        b = mem.get((lab, ref)); m = mem.get((lab, "main"))
        if b and m:
            mb, mm = st.median(b), st.median(m)
            print(f"{lab:22} {' '.join(f'{x:g}' for x in b):40} {' '.join(f'{x:g}' for x in m):40} {mb:g} -> {mm:g} ({(mm / mb - 1) * 100:+.0f} %, lower is better)")

prev_growth = "nan"
for ref in (sys.argv[2:] or ["base"]):
    print(f"== {ref} vs main")
    report(ref)
