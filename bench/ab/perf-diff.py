#!/usr/bin/env python3
# Where two builds spend their CPU differently: reads two `perf script` dumps of the bench process (one per build, same
# figure, same arguments) and prints, per managed frame, the samples that include it on each side and the difference.
# With --callees FRAME: what FRAME's samples were spent in, one level down, on each side.
#
#   perf-diff.py A.script B.script [--callees 'TaskIntake::Check'] [--top 60]
#
# Making a dump (bench/ab/README.md, "Profiling a difference"):
#   DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 perf record -F 1999 -g -o A.data -- dotnet <bench dll> D1
#   perf script -i A.data --pid <the bench process> -F tid,time,ip,sym > A.script
import argparse, collections, re

FRAME = re.compile(r"\[(TypedTasks|NATS\.Client\.\w+|System\.[\w.]+|Microsoft\.[\w.]+)\] ([\w.`+<>\[\],]+?)(::|\()([\w.<>`]+)?")


def samples(path):
    """Each sample's stack, leaf first, as perf script prints it: a header line, then one indented frame per line."""
    stack = None
    for line in open(path, encoding="utf-8", errors="replace"):
        if not line.strip():
            if stack is not None:
                yield stack
            stack = None
        elif line[0] == "\t":
            parts = line.strip().split(" ", 1)
            if stack is not None and len(parts) > 1:
                stack.append(parts[1])
        else:
            stack = []
    if stack:
        yield stack


def name(frame):
    """A managed frame as assembly and method, async state machines' numbers dropped so two builds' names meet."""
    m = FRAME.search(frame)
    if not m:
        return frame[:100]
    method = m.group(2) + ("::" + m.group(4) if m.group(4) else "")
    method = re.sub(r"d__\d+", "d__", method)
    method = re.sub(r"`\d+\[[^\]]*\]", "", method)
    return m.group(1) + " " + method


def inclusive(path):
    counts, total = collections.Counter(), 0
    for stack in samples(path):
        total += 1
        counts.update({name(f) for f in stack})
    return total, counts


def callees(path, target):
    counts = collections.Counter()
    for stack in samples(path):
        names = [name(f) for f in stack]
        hits = [i for i, n in enumerate(names) if target in n]
        if hits:
            i = max(hits)  # the outermost call of the target, so recursion counts once
            counts[names[i - 1] if i > 0 else "(self)"] += 1
    return counts


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--callees")
    p.add_argument("--top", type=int, default=60)
    args = p.parse_args()
    if args.callees:
        a, b = callees(args.a, args.callees), callees(args.b, args.callees)
        print(f"samples in {args.callees!r}, by what it called: A B B-A")
    else:
        (ta, a), (tb, b) = inclusive(args.a), inclusive(args.b)
        print(f"samples: A {ta:,}, B {tb:,}; per TypedTasks frame, samples that include it: A B B-A")
        a = collections.Counter({k: v for k, v in a.items() if k.startswith("TypedTasks ")})
        b = collections.Counter({k: v for k, v in b.items() if k.startswith("TypedTasks ")})
    for key in sorted(set(a) | set(b), key=lambda k: -abs(b[k] - a[k]))[: args.top]:
        print(f"{a[key]:7d} {b[key]:7d} {b[key] - a[key]:+7d}  {key[:160]}")


if __name__ == "__main__":
    main()
