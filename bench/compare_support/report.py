"""Summaries, the printed and Markdown tables, and the SVG chart for compare.py.

Samples are per round: samples[workload][server] is a list with one {"rps", "p50", "p99"} dict per round
(None where that run failed). A ratio is computed inside each round (redrock's run against Redis's run in
the same round, minutes apart at most) and reported as the median with its min-max spread.
"""

import html
import statistics


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(runs, field):
    return median_or_none([r[field] if r else None for r in runs])


def ratio_stats(num_runs, den_runs, field):
    """(median, min, max) of num/den per round, over the rounds where both ran."""
    ratios = []
    for num, den in zip(num_runs, den_runs):
        if num and den and den[field]:
            ratios.append(num[field] / den[field])
    if not ratios:
        return None
    return statistics.median(ratios), min(ratios), max(ratios)


def fmt_rps(value):
    return "—" if value is None else "{:,.0f}".format(value)


def fmt_ms(value):
    if value is None:
        return "—"
    return "%.3f" % value if value < 10 else "%.1f" % value


def fmt_ratio(stats):
    if stats is None:
        return "—"
    mid, lo, hi = stats
    if abs(hi - lo) < 0.005:
        return "%.2f" % mid
    return "%.2f (%.2f–%.2f)" % (mid, lo, hi)


def fmt_bytes(value):
    if value is None:
        return "—"
    return "%.1f MB" % (value / 1e6)


def fmt_seconds(value):
    return "—" if value is None else "%.3f s" % value


def short_number(value):
    for unit, div in (("M", 1e6), ("k", 1e3)):
        if value >= div:
            return ("%.2f" % (value / div)).rstrip("0").rstrip(".") + unit
    return "%.3g" % value


# ---- tables --------------------------------------------------------------------------------------

def throughput_table(workloads, servers, samples, redrock, baselines):
    header = ["Workload"] + ["%s rps" % s.label for s in servers]
    header += ["redrock / %s" % b.label for b in baselines]
    rows = []
    for w in workloads:
        row = [w.title] + [fmt_rps(summarize(samples[w.key][s.key], "rps")) for s in servers]
        row += [fmt_ratio(ratio_stats(samples[w.key][redrock.key], samples[w.key][b.key], "rps"))
                for b in baselines]
        rows.append(row)
    return header, rows


def latency_table(workloads, servers, samples, redrock, baselines):
    header = ["Workload"] + ["%s p50 / p99 ms" % s.label for s in servers]
    header += ["p99 redrock / %s" % b.label for b in baselines]
    rows = []
    for w in workloads:
        row = [w.title]
        for s in servers:
            runs = samples[w.key][s.key]
            row.append("%s / %s" % (fmt_ms(summarize(runs, "p50")), fmt_ms(summarize(runs, "p99"))))
        row += [fmt_ratio(ratio_stats(samples[w.key][redrock.key], samples[w.key][b.key], "p99"))
                for b in baselines]
        rows.append(row)
    return header, rows


def resource_table(servers, resources, keys):
    header = ["Server", "RSS empty", "RSS with %s keys" % "{:,}".format(keys), "Disk with %s keys" % "{:,}".format(keys),
              "Restart: first PING", "Restart: first GET"]
    rows = []
    for s in servers:
        r = resources.get(s.key, {})
        rows.append([s.label, fmt_bytes(r.get("rss_empty")), fmt_bytes(r.get("rss_loaded")),
                     fmt_bytes(r.get("disk_loaded")), fmt_seconds(r.get("restart_ping")),
                     fmt_seconds(r.get("restart_get"))])
    return header, rows


def text_table(header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def markdown_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ---- chart ---------------------------------------------------------------------------------------

COLORS = ["#d62728", "#ff9896", "#1f77b4", "#2ca02c", "#9467bd"]


def svg_chart(title, subtitle, workloads, servers, samples):
    """Small multiples: one panel per workload with its own scale (KEYS runs at calls/s, pipelined SET at
    a million rps: one shared axis would flatten half the bars), one bar per server, value on top."""
    cols, pw, ph, gap = 4, 250, 200, 20
    top = 90
    nrows = (len(workloads) + cols - 1) // cols
    width = cols * pw + (cols + 1) * gap
    height = top + nrows * (ph + gap) + gap
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="Helvetica, Arial, sans-serif">' % (width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="28" font-size="18" font-weight="bold">%s</text>' % (gap, html.escape(title)),
           '<text x="%d" y="48" font-size="12" fill="#555">%s</text>' % (gap, html.escape(subtitle))]
    # Legend.
    x = gap
    for i, s in enumerate(servers):
        out.append('<rect x="%d" y="62" width="14" height="14" fill="%s"/>' % (x, COLORS[i % len(COLORS)]))
        out.append('<text x="%d" y="74" font-size="13">%s</text>' % (x + 20, html.escape(s.label)))
        x += 30 + 8 * len(s.label)
    for index, w in enumerate(workloads):
        px = gap + (index % cols) * (pw + gap)
        py = top + (index // cols) * (ph + gap)
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="#fafafa" stroke="#ddd"/>' % (px, py, pw, ph))
        out.append('<text x="%d" y="%d" font-size="13" font-weight="bold">%s</text>'
                   % (px + 8, py + 18, html.escape(w.title)))
        out.append('<text x="%d" y="%d" font-size="10" fill="#777">%s</text>'
                   % (px + 8, py + 32, html.escape(w.unit)))
        values = [summarize(samples[w.key][s.key], "rps") for s in servers]
        vmax = max([v for v in values if v] or [1.0])
        base_y, bar_area = py + ph - 14, ph - 70
        bw = (pw - 40) / len(servers)
        for i, v in enumerate(values):
            bx = px + 20 + i * bw
            if v is None:
                out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#999">failed</text>'
                           % (bx + bw / 2, base_y - 4))
                continue
            h = max(1.0, bar_area * v / vmax)
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>'
                       % (bx + 4, base_y - h, bw - 8, h, COLORS[i % len(COLORS)],
                          html.escape(servers[i].label), fmt_rps(v)))
            out.append('<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%s</text>'
                       % (bx + bw / 2, base_y - h - 4, short_number(v)))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>' % (px + 16, base_y, px + pw - 16, base_y))
    out.append("</svg>")
    return "\n".join(out) + "\n"
