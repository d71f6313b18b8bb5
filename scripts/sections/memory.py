"""memory.py - Memory (RSS): peak RSS per variant, RSS over time, and the
allocator's own memory figures at exit when the records carry them
(--alloc-stats: HAKMEM's `memory` and `released` groups)."""

import records
import stats
from sections.common import figure_missing, fmt_num, md_table

MIB = 1024.0 * 1024.0
# (group, key, column title, scale): HAKMEM's statistics (README "Statistics")
ALLOC_MEMORY = [
    ("memory", "resident_bytes", "resident, MiB", 1 / MIB),
    ("memory", "live_bytes", "live, MiB", 1 / MIB),
    ("memory", "fragmentation_pct", "fragmentation, % of resident", 1),
    ("memory", "hugepage_bytes", "huge pages, MiB", 1 / MIB),
    ("released", "madvise_bytes", "released by madvise, MiB", 1 / MIB),
    ("released", "munmap_bytes", "released by munmap, MiB", 1 / MIB),
]


def allocator_memory(exp):
    """Rows of the allocator's own figures (medians over the runs that
    have them); a figure the allocator could not read is n/a."""
    rows = []
    for v in exp.variants:
        st = [r["allocator_stats"] for r in v.runs
              if isinstance(r.get("allocator_stats"), dict) and isinstance(r["allocator_stats"].get("memory"), dict)]
        if not st:
            continue
        row = [v.label, str(len(st))]
        for group, key, _, scale in ALLOC_MEMORY:
            xs = [s[group][key] for s in st if isinstance(s.get(group), dict)
                  and isinstance(s[group].get(key), (int, float)) and not isinstance(s[group].get(key), bool)]
            row.append(fmt_num(stats.median(xs) * scale) if xs else "n/a")
        rows.append(row)
    return rows


def memory(ctx):
    exp = ctx.exp
    L = [ctx.h(2, "Memory (RSS)"), ""]
    name = records.MAXRSS_KIB
    if name in exp.figures:
        rows = []
        for v in exp.variants:
            xs = v.values.get(name)
            rows.append([v.label, fmt_num(stats.median(xs) / 1024) if xs else "n/a"])
        L.append(md_table(["variant", "peak RSS, MiB (%s, median)" % name], rows))
    else:
        L.append(figure_missing(name, "no peak RSS table"))
    L.append("")
    if ctx.pngs.get("rss"):
        L.append("![RSS over time](%s)" % ctx.pngs["rss"])
    else:
        L.append("RSS over time: unavailable (no RSS series in the records; the RSS sampler records one "
                 "with `--sample-ms`).")
    L.append("")
    rows = allocator_memory(exp)
    if rows:
        L.append("The allocator's own figures at exit (`--alloc-stats`; medians; resident and huge pages "
                 "are of its own mappings, fragmentation = resident - live):")
        L.append("")
        L.append(md_table(["variant", "runs"] + [c[2] for c in ALLOC_MEMORY], rows))
        L.append("")
    return L
