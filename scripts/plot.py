#!/usr/bin/python3
"""Plots of scnvme-sim results as PNG files (matplotlib, Agg backend; nothing is fetched).

  scripts/plot.py RUN.json -o OUTDIR
      latency-cdf.png          latency CDF per job and direction, and for all jobs
      latency-percentiles.png  p50/p90/p99/p99.9/p99.99 bars per job and direction
      flash-utilisation.png    NAND die and channel utilisation heat maps (flash enabled only)
  scripts/plot.py --timeseries TS.csv -o OUTDIR     (scnvme-sim --timeseries FILE)
      timeseries-throughput.png  IOPS and bandwidth over simulated time, per job and `all`
      timeseries-latency.png     mean and p99 latency over simulated time
  scripts/plot.py --sweep SWEEP.csv --x KEY --y METRIC[,METRIC...] [--series KEY] -o OUTDIR
      sweep-METRIC-vs-KEY.png  the metric against one swept parameter, one line per value of
                               --series (and of any other parameter that varies); grouped bars
                               when KEY's values are not numbers; runs that agree on every
                               parameter are averaged. Several metrics: sweep-vs-KEY.png, a
                               panel each

The JSON holds latency percentiles, not per-I/O samples, so the CDF is drawn through the
percentile points (min, p50, p90, p99, p99.9, p99.99, max) and says so on the plot.
Prints the path of each PNG written. Exit 2 for bad input (missing file, column or key).
"""

import argparse
import csv
import json
import math
import os
import re
import sys


class _Pyplot:
    """matplotlib.pyplot, imported (with the Agg backend) on first use, so that bad input is
    reported without paying for the import."""

    module = None

    def __getattr__(self, name):
        if _Pyplot.module is None:
            try:
                import matplotlib

                matplotlib.use("Agg")
                import matplotlib.pyplot
            except ImportError:  # depends on the machine
                sys.stderr.write("plot.py: matplotlib is missing (Debian package python3-matplotlib; "
                                 "scripts/setup.sh installs it)\n")
                sys.exit(1)
            _Pyplot.module = matplotlib.pyplot
        return getattr(_Pyplot.module, name)


plt = _Pyplot()

TIMESERIES_COLUMNS = [
    "time_s",
    "job",
    "read_iops",
    "write_iops",
    "read_bytes_per_s",
    "write_bytes_per_s",
    "lat_mean_ns",
    "lat_p99_ns",
]

# The metric columns scripts/sweep writes (in this order, after the swept parameters). Any other
# column of a sweep CSV except `run` is taken to be a parameter.
SWEEP_METRICS = [
    "ios",
    "read_iops",
    "write_iops",
    "iops",
    "read_bandwidth_bytes_per_s",
    "write_bandwidth_bytes_per_s",
    "bandwidth_bytes_per_s",
    "lat_mean_ns",
    "lat_p50_ns",
    "lat_p99_ns",
    "lat_p9999_ns",
    "read_lat_mean_ns",
    "read_lat_p99_ns",
    "write_lat_mean_ns",
    "write_lat_p99_ns",
    "waf",
    "sim_time_s",
    "wall_time_s",
    "ios_per_wall_second",
]
SWEEP_BOOKKEEPING = ["run"]

PERCENTILES = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999), ("p9999", 0.9999)]
PERCENTILE_LABELS = {"p50": "p50", "p90": "p90", "p99": "p99", "p999": "p99.9", "p9999": "p99.99"}


class BadInput(Exception):
    pass


def save(fig, outdir, name):
    path = os.path.join(outdir, name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(path)
    return path


def load_json(path):
    if not os.path.isfile(path):
        raise BadInput(f"{path}: no such file")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise BadInput(f"{path}: not a JSON file: {e}")


def need(obj, keys, path):
    """obj[keys[0]][keys[1]]... or BadInput naming the missing key."""
    cur = obj
    for i, k in enumerate(keys):
        if not isinstance(cur, dict) or k not in cur:
            raise BadInput(f"{path}: no '{'.'.join(keys[: i + 1])}' (is it a scnvme-sim --json result?)")
        cur = cur[k]
    return cur


# ---------------------------------------------------------------------------------------------
# One run's JSON


def latency_series(data, path):
    """[(label, latency_ns dict)] for each job and direction with I/Os, then all jobs."""
    results = need(data, ["results"], path)
    jobs = need(data, ["results", "jobs"], path)
    out = []
    for job in jobs:
        name = job.get("name") or f"job{len(out)}"
        for d in ("read", "write"):
            s = job.get(d)
            if isinstance(s, dict) and s.get("ios", 0) > 0 and "latency_ns" in s:
                out.append((f"{name} {d}", s["latency_ns"]))
    multi = len(jobs) > 1
    for d in ("read", "write"):
        s = results.get(d)
        if multi and isinstance(s, dict) and s.get("ios", 0) > 0 and "latency_ns" in s:
            out.append((f"all jobs {d}", s["latency_ns"]))
    return out


def cdf_points(lat):
    """(latency in us, cumulative fraction) through the percentile points, monotone."""
    pts = [(lat.get("min", 0), 0.0)]
    for key, q in PERCENTILES:
        if key in lat:
            pts.append((lat[key], q))
    pts.append((lat.get("max", pts[-1][0]), 1.0))
    xs, ys = [], []
    for x, y in pts:
        x = max(x, xs[-1] if xs else x)
        xs.append(x / 1000.0)
        ys.append(y)
    return xs, ys


def plot_run(path, outdir):
    data = load_json(path)
    series = latency_series(data, path)
    written = []
    title = os.path.basename(path)
    if not series:
        sys.stderr.write(f"plot.py: {path}: no completed I/Os: no latency plots\n")
    else:
        # Latency CDF: linear, and the tail as 1 - CDF on a log scale.
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5))
        for label, lat in series:
            xs, ys = cdf_points(lat)
            (line,) = ax1.plot(xs, ys, marker="o", markersize=3, label=label)
            tail = [(x, 1.0 - y) for x, y in zip(xs, ys) if y < 1.0]
            ax2.plot([t[0] for t in tail], [t[1] for t in tail], marker="o", markersize=3, color=line.get_color(), label=label)
        ax1.set_xscale("log")
        ax1.set_xlabel("latency (us, log)")
        ax1.set_ylabel("fraction of I/Os completed")
        ax1.set_ylim(0, 1.02)
        ax1.grid(True, alpha=0.3)
        ax1.set_title("latency CDF")
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        ax2.set_xlabel("latency (us, log)")
        ax2.set_ylabel("fraction of I/Os slower (1 - CDF)")
        ax2.grid(True, alpha=0.3)
        ax2.set_title("tail")
        ax1.legend(fontsize="small")
        fig.suptitle(f"{title}: driver submit -> reap latency")
        fig.text(
            0.5,
            0.01,
            "CDF drawn through the JSON's percentile points (min, p50, p90, p99, p99.9, p99.99, max); "
            "the JSON has no per-I/O samples",
            ha="center",
            fontsize="small",
            style="italic",
        )
        fig.tight_layout(rect=(0, 0.04, 1, 0.95))
        written.append(save(fig, outdir, "latency-cdf.png"))

        # Percentile bars.
        fig, ax = plt.subplots(figsize=(max(7, 1.4 * len(series) + 3), 5))
        n = len(PERCENTILES)
        width = 0.8 / n
        for i, (key, _) in enumerate(PERCENTILES):
            vals = [lat.get(key, 0) / 1000.0 for _, lat in series]
            xs = [j + (i - (n - 1) / 2) * width for j in range(len(series))]
            bars = ax.bar(xs, vals, width, label=PERCENTILE_LABELS[key])
            if len(series) <= 6:
                ax.bar_label(bars, labels=[f"{v:.3g}" for v in vals], fontsize=6, rotation=90, padding=2)
        means = [lat.get("mean", 0) / 1000.0 for _, lat in series]
        ax.scatter(range(len(series)), means, color="black", marker="_", s=400, zorder=3, label="mean")
        ax.set_xticks(range(len(series)))
        ax.set_xticklabels([label for label, _ in series], rotation=20 if len(series) > 4 else 0, ha="right" if len(series) > 4 else "center")
        ax.set_yscale("log")
        top = max(lat.get("max", 0) for _, lat in series) / 1000.0
        if top > 0:
            ax.set_ylim(top=top * 6)  # room for the labels and the legend
        ax.set_ylabel("latency (us, log)")
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(fontsize="small", ncol=3)
        ax.set_title(f"{title}: latency percentiles per job and direction")
        fig.tight_layout()
        written.append(save(fig, outdir, "latency-percentiles.png"))

    flash = data.get("results", {}).get("flash", {})
    if flash.get("enabled") and "nand" in flash:
        written.append(plot_flash(flash, data.get("configuration", {}), title, outdir, path))
    else:
        sys.stderr.write(f"plot.py: {path}: flash backend disabled: no utilisation heat map\n")
    return written


def die_grid(values, channels):
    """Dies laid out as rows = channel, columns = die on that channel (die i is on channel
    i % channels, as NandGeometry::channel_of says)."""
    per = math.ceil(len(values) / channels)
    grid = [[float("nan")] * per for _ in range(channels)]
    for i, v in enumerate(values):
        grid[i % channels][i // channels] = v
    return grid


def plot_flash(flash, config, title, outdir, path):
    nand = flash["nand"]
    channel = nand.get("channel_utilisation") or []
    channels = len(channel) or int(config.get("nand.channels", 1) or 1)
    panels = [
        ("die_array_utilisation", "die array busy (fraction of run)", True),
        ("die_held_utilisation", "die held (fraction of run)", True),
        ("die_queue_depth_mean", "die queue depth, mean", False),
    ]
    panels = [p for p in panels if nand.get(p[0])]
    if not panels:
        raise BadInput(f"{path}: results.flash.nand has no per-die figures")
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(4.2 * (len(panels) + 1), 4.8),
                             gridspec_kw={"width_ratios": [3] * len(panels) + [1.4]})
    for ax, (key, label, fraction) in zip(axes, panels):
        grid = die_grid(nand[key], channels)
        vmax = 1.0 if fraction else max(1e-9, max(v for v in nand[key]))
        im = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0, vmax=vmax, interpolation="nearest")
        ax.set_title(label, fontsize="medium")
        ax.set_xlabel("die on the channel (target x die)")
        ax.set_ylabel("channel")
        ax.set_yticks(range(channels))
        cells = sum(len(r) for r in grid)
        if cells <= 128:
            for r, row in enumerate(grid):
                for c, v in enumerate(row):
                    if v == v:  # not NaN
                        text = f"{v:.0%}" if fraction else f"{v:.2g}"
                        ax.text(c, r, text, ha="center", va="center", fontsize=6,
                                color="white" if v < 0.6 * vmax else "black")
        fig.colorbar(im, ax=ax, fraction=0.05)
    ax = axes[-1]
    bars = ax.barh(range(len(channel)), channel, color="tab:orange")
    ax.bar_label(bars, labels=[f"{v:.0%}" for v in channel], fontsize=7, padding=2)
    ax.set_xlim(0, 1)
    ax.set_ylim(len(channel) - 0.5, -0.5)
    ax.set_yticks(range(len(channel)))
    ax.set_xlabel("busy (fraction of run)")
    ax.set_title("channel bus", fontsize="medium")
    ax.grid(True, axis="x", alpha=0.3)
    dies = len(nand.get("die_array_utilisation", []))
    ftl = flash.get("ftl", {})
    waf = ftl.get("waf")
    fig.suptitle(
        f"{title}: {dies} dies on {channels} channels; {nand.get('reads', 0)} reads, "
        f"{nand.get('programs', 0)} programs, {nand.get('erases', 0)} erases"
        + (f"; WAF {waf:.2f}" if isinstance(waf, (int, float)) else "")
    )
    fig.tight_layout()
    return save(fig, outdir, "flash-utilisation.png")


# ---------------------------------------------------------------------------------------------
# CSV helpers


def read_csv(path, required, what):
    if not os.path.isfile(path):
        raise BadInput(f"{path}: no such file")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        if not header:
            raise BadInput(f"{path}: empty file (expected a {what} CSV header)")
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise BadInput(f"{path}: missing column(s) {', '.join(missing)} (header: {','.join(header)})")
        rows = []
        for row in reader:
            rows.append({(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None})
    if not rows:
        raise BadInput(f"{path}: no data rows")
    return header, rows


def number(text, path, column, line):
    try:
        return float(text)
    except ValueError:
        raise BadInput(f"{path}:{line}: column {column}: '{text}' is not a number")


# ---------------------------------------------------------------------------------------------
# Time series


def plot_timeseries(path, outdir):
    _, rows = read_csv(path, TIMESERIES_COLUMNS, "timeseries")
    jobs = {}
    for i, row in enumerate(rows, start=2):
        rec = {c: number(row[c], path, c, i) for c in TIMESERIES_COLUMNS if c != "job"}
        jobs.setdefault(row["job"], []).append(rec)
    names = sorted(jobs, key=lambda n: (n == "all", n))
    title = os.path.basename(path)

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    for ax, keys, scale, unit in (
        (ax1, ("read_iops", "write_iops"), 1e-3, "k IOPS"),
        (ax2, ("read_bytes_per_s", "write_bytes_per_s"), 1e-6, "MB/s"),
    ):
        for name in names:
            pts = sorted(jobs[name], key=lambda r: r["time_s"])
            t = [p["time_s"] * 1e3 for p in pts]
            color = "black" if name == "all" else None
            for key, ls in zip(keys, ("-", "--")):
                if not any(p[key] for p in pts):
                    continue
                line = ax.plot(t, [p[key] * scale for p in pts], linestyle=ls, color=color,
                               linewidth=2.2 if name == "all" else 1.2,
                               label=f"{name} {key.split('_')[0]}")[0]
                color = line.get_color()
        ax.set_ylabel(unit)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", ncol=2)
    ax1.set_title("IOPS (solid: read, dashed: write)")
    ax2.set_title("bandwidth (solid: read, dashed: write)")
    ax2.set_xlabel("simulated time (ms)")
    fig.suptitle(f"{title}: throughput over time")
    fig.tight_layout()
    written = [save(fig, outdir, "timeseries-throughput.png")]

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    for ax, key, what in ((ax1, "lat_mean_ns", "mean"), (ax2, "lat_p99_ns", "p99")):
        for name in names:
            pts = sorted(jobs[name], key=lambda r: r["time_s"])
            # Intervals with no completions report 0: leave a gap there.
            t = [p["time_s"] * 1e3 for p in pts]
            v = [p[key] / 1000.0 if p[key] > 0 else float("nan") for p in pts]
            ax.plot(t, v, color="black" if name == "all" else None,
                    linewidth=2.2 if name == "all" else 1.2, marker="." if len(pts) < 40 else None, label=name)
        ax.set_ylabel(f"{what} latency (us)")
        ax.set_title(f"{what} latency per interval")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", ncol=2)
    ax2.set_xlabel("simulated time (ms)")
    fig.suptitle(f"{title}: latency over time")
    fig.tight_layout()
    written.append(save(fig, outdir, "timeseries-latency.png"))
    return written


# ---------------------------------------------------------------------------------------------
# Sweep curves

SIZE_RE = re.compile(r"^([0-9]*\.?[0-9]+)\s*([kmgtp]?)(i?b?)$", re.IGNORECASE)
SIZE_MULT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def as_number(text):
    """A float for '16', '0.5', '4k', '128KiB', '1m' (binary multiples, as scnvme-sim reads
    sizes), else None."""
    try:
        return float(text)
    except ValueError:
        pass
    m = SIZE_RE.match(text.strip())
    if m:
        return float(m.group(1)) * SIZE_MULT[m.group(2).lower()]
    return None


def metric_label(metric):
    """(axis label, scale) for a sweep metric: latencies in us, bandwidths in MB/s."""
    if metric.endswith("_ns"):
        return f"{metric[:-3]} (us)", 1e-3
    if metric.endswith("_bytes_per_s"):
        return f"{metric[: -len('_bytes_per_s')]} (MB/s)", 1e-6
    return metric, 1.0


def safe(text):
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", text)


def plot_sweep(path, x, ys, series, outdir):
    required = [x] + ys + ([series] if series else [])
    header, rows = read_csv(path, required, "sweep")
    if series == x:
        raise BadInput(f"--series {series} is the same column as --x")
    params = [c for c in header if c not in SWEEP_METRICS and c not in SWEEP_BOOKKEEPING and c != x]
    # Line key: the series column first, then any other parameter that varies.
    others = [c for c in params if c != series and len({r[c] for r in rows}) > 1]
    line_keys = ([series] if series else []) + others

    xvals = []
    for r in rows:
        if r[x] not in xvals:
            xvals.append(r[x])
    nums = [as_number(v) for v in xvals]
    numeric = all(n is not None for n in nums)
    if numeric:
        order = sorted(range(len(xvals)), key=lambda i: nums[i])
        xvals = [xvals[i] for i in order]
        pos = {v: as_number(v) for v in xvals}
        positive = all(p > 0 for p in pos.values())
        logx = positive and len(xvals) > 2 and max(pos.values()) / min(pos.values()) >= 8
    else:
        pos = {v: i for i, v in enumerate(xvals)}
        logx = False

    # Group rows: line -> x -> list of rows.
    lines = {}
    for r in rows:
        key = tuple(r[k] for k in line_keys)
        lines.setdefault(key, {}).setdefault(r[x], []).append(r)

    def line_sort(k):
        return tuple((0, as_number(v)) if as_number(v) is not None else (1, v) for v in k)

    n = len(ys)
    ncols = 1 if n == 1 else 2
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7 * ncols, 4.6 * nrows), squeeze=False)
    averaged = False
    for idx, metric in enumerate(ys):
        ax = axes[idx // ncols][idx % ncols]
        label, scale = metric_label(metric)
        for key in sorted(lines, key=line_sort):
            pts = []
            for xv in xvals:
                vals = []
                for r in lines[key].get(xv, []):
                    if r[metric] != "":
                        vals.append(number(r[metric], path, metric, "?"))
                if vals:
                    averaged |= len(vals) > 1
                    pts.append((pos[xv], sum(vals) / len(vals) * scale))
            if not pts:
                continue
            name = ", ".join(f"{k}={v}" for k, v in zip(line_keys, key)) or metric
            if numeric:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
            else:  # categories: grouped bars, no lines between unrelated values
                k = sorted(lines, key=line_sort).index(key)
                width = 0.8 / len(lines)
                ax.bar([p[0] + (k - (len(lines) - 1) / 2) * width for p in pts], [p[1] for p in pts],
                       width, label=name)
        if logx:
            ax.set_xscale("log", base=2)
        if metric_label(metric)[1] == 1.0:
            from matplotlib.ticker import EngFormatter

            ax.yaxis.set_major_formatter(EngFormatter(sep=" "))
        ax.set_xticks([pos[v] for v in xvals])
        ax.set_xticklabels(xvals)
        if logx:
            ax.minorticks_off()
        ax.set_xlabel(x)
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.set_title(f"{label} vs {x}", fontsize="medium")
        if line_keys:
            ax.legend(fontsize="small")
    for idx in range(n, nrows * ncols):
        axes[idx // ncols][idx % ncols].axis("off")
    fixed = [f"{c}={rows[0][c]}" for c in params if c not in line_keys and c != x and len({r[c] for r in rows}) == 1]
    subtitle = os.path.basename(path) + (f" ({', '.join(fixed)})" if fixed else "")
    if averaged:
        subtitle += "; points with several runs show their mean"
    fig.suptitle(subtitle, fontsize="medium")
    fig.tight_layout()
    name = f"sweep-{safe(ys[0])}-vs-{safe(x)}.png" if len(ys) == 1 else f"sweep-vs-{safe(x)}.png"
    return [save(fig, outdir, name)]


# ---------------------------------------------------------------------------------------------


def main(argv):
    p = argparse.ArgumentParser(
        prog="plot.py",
        description="PNG plots of scnvme-sim results: a run's JSON, a --timeseries CSV, or a sweep CSV.",
    )
    p.add_argument("json", nargs="?", help="a scnvme-sim --json result")
    p.add_argument("--timeseries", metavar="CSV", help="a scnvme-sim --timeseries CSV")
    p.add_argument("--sweep", metavar="CSV", help="a scripts/sweep CSV")
    p.add_argument("--x", help="sweep: the parameter column on the x axis")
    p.add_argument("--y", help="sweep: metric column(s), comma-separated (one panel each)")
    p.add_argument("--series", help="sweep: one line per value of this parameter column")
    p.add_argument("-o", "--outdir", default=".", help="directory for the PNGs (created; default .)")
    args = p.parse_args(argv)

    modes = [m for m in (args.json, args.timeseries, args.sweep) if m]
    if len(modes) != 1:
        p.print_usage(sys.stderr)
        raise BadInput("give exactly one of RUN.json, --timeseries CSV or --sweep CSV")
    if args.sweep and (not args.x or not args.y):
        raise BadInput("--sweep needs --x KEY and --y METRIC")
    if not args.sweep and (args.x or args.y or args.series):
        raise BadInput("--x, --y and --series go with --sweep")
    os.makedirs(args.outdir, exist_ok=True)
    if args.json:
        plot_run(args.json, args.outdir)
    elif args.timeseries:
        plot_timeseries(args.timeseries, args.outdir)
    else:
        ys = [y.strip() for y in args.y.split(",") if y.strip()]
        if not ys:
            raise BadInput("--y names no metric")
        plot_sweep(args.sweep, args.x, ys, args.series, args.outdir)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BadInput as e:
        sys.stderr.write(f"plot.py: {e}\n")
        sys.exit(2)
