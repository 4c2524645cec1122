"""Write results.json, report.md and a self-contained report.html (inline SVG, no scripts,
no remote assets) from a run's rows. Every metric computed lands in results.json."""

from __future__ import annotations

import html
import json
import time
from pathlib import Path

from assistant.eval.aggregate import aggregate, flat
from assistant.eval.types import HEADLINE, PER_TYPE, EvalRow


def write(out: Path, meta: dict, rows: list[EvalRow | dict]) -> dict:
    rows = [r if isinstance(r, EvalRow) else EvalRow.model_validate(r) for r in rows]
    agg = aggregate(rows)
    results = {
        "run": meta,
        "finished": time.time(),
        "aggregate": flat(agg),
        "intervals": {k: v.ci95 for k, v in agg["overall"].items()},
        "counts": {k: v.n for k, v in agg["overall"].items()},
        "by_type": {t: {k: v.model_dump() for k, v in m.items()} for t, m in agg["by_type"].items()},
        "follow_ups": sum(1 for r in rows if r.history),
        "questions": [r.saved() for r in rows],
    }
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (out / "report.md").write_text(markdown(results))
    (out / "report.html").write_text(html_report(results))
    return results


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def _ci(ci) -> str:
    return f"[{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else ""


def _failures(results: dict) -> list[dict]:
    return [r for r in results["questions"] if r.get("correct") is False]


def _answer(row: dict) -> str:
    """The answer as the failure tables show it: with the model's withheld answer, if a check withheld one."""
    if not row.get("withheld"):
        return row["answer"]
    why = {"restated": "it only repeats the question", "off_subject": "about something else"}.get(
        row.get("abstain_reason"), "unsupported")
    return f"{row['answer']} (withheld as {why}: {row['withheld']})"


def _summary(results: dict) -> list[str]:
    """What was evaluated, one line each (both reports show these)."""
    run, follow_ups = results["run"], results.get("follow_ups", 0)
    lines = [
        f"questions: {run['n_questions']} ({'retrieval only' if run['retrieval_only'] else 'answers and retrieval'})",
        f"model: {run['model']}; embedder: {run['embedder']}",
        f"corpus: {run['corpus']} ({run['documents']} documents, fingerprint {run['corpus_fingerprint']})",
    ]
    if follow_ups:
        how = ("searched as asked, without their earlier turns (no model to rewrite them)" if run["retrieval_only"]
               else "answered with their earlier turns; their retrieval metrics search them as asked")
        lines.append(f"follow-up questions: {follow_ups}, {how}")
    return lines


def markdown(results: dict) -> str:
    agg, ci, n = results["aggregate"], results["intervals"], results["counts"]
    lines = [
        "# Evaluation report", "", *(f"- {line}" for line in _summary(results)), "",
        "| metric | value | 95% interval | n |", "|---|---|---|---|",
    ]
    for key in HEADLINE:
        if key in agg:
            lines.append(f"| {key} | {_fmt(agg[key])} | {_ci(ci[key])} | {n[key]} |")
    types = results["by_type"]
    if len(types) > 1 or "all" not in types:
        keys = [k for k in PER_TYPE if k in agg]
        lines += ["", "## Per type", "", "| type | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
        for t, m in types.items():
            lines.append(f"| {t} | " + " | ".join(f"{_fmt(m[k]['value'])} {_ci(m[k]['ci95'])}" for k in keys) + " |")
    fails = _failures(results)
    if fails:
        lines += ["", f"## Failures ({len(fails)})", "", "| id | question | answer | expected | cited |", "|---|---|---|---|---|"]
        for r in fails:
            cell = lambda s: str(s).replace("|", "\\|").replace("\n", " ")[:200]  # noqa: E731
            cited = ", ".join(c["source"] for c in r["citations"]) or "-"
            lines.append(f"| {r['id']} | {cell(r['question'])} | {cell(_answer(r))} | {cell(r['reference'])} | {cell(cited)} |")
    return "\n".join(lines) + "\n"


def _bars_svg(title: str, items: list[tuple[str, float | None, list | None]]) -> str:
    width, row, left = 640, 28, 190
    height = 40 + row * len(items)
    out = [f'<svg class="plot" role="img" aria-label="{html.escape(title)}" width="{width}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg"><text x="4" y="18" font-weight="bold">{html.escape(title)}</text>']
    scale = width - left - 60
    for i, (label, value, ci) in enumerate(items):
        y = 32 + i * row
        v = value or 0.0
        out.append(f'<text x="4" y="{y + 15}">{html.escape(label)}</text>')
        out.append(f'<rect class="bar" x="{left}" y="{y + 3}" width="{v * scale:.1f}" height="16" fill="#6366f1"/>')
        if ci:
            x1, x2 = left + ci[0] * scale, left + ci[1] * scale
            out.append(f'<line class="ci" x1="{x1:.1f}" x2="{x2:.1f}" y1="{y + 11}" y2="{y + 11}" stroke="#111" stroke-width="2"/>')
        out.append(f'<text x="{left + v * scale + 6:.1f}" y="{y + 15}">{_fmt(value)}</text>')
    out.append("</svg>")
    return "".join(out)


def _histogram_svg(title: str, values: list[float], unit: str) -> str:
    width, height, bins = 640, 220, 12
    out = [f'<svg class="plot" role="img" aria-label="{html.escape(title)}" width="{width}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg"><text x="4" y="18" font-weight="bold">{html.escape(title)}</text>']
    if values:
        lo, hi = min(values), max(values)
        step = (hi - lo) / bins or 1.0
        counts = [0] * bins
        for v in values:
            counts[min(int((v - lo) / step), bins - 1)] += 1
        top = max(counts)
        bw = (width - 40) / bins
        for i, c in enumerate(counts):
            h = 150 * c / top
            out.append(f'<rect class="bar" x="{20 + i * bw:.1f}" y="{180 - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="#10b981"/>')
        out.append(f'<text x="20" y="200">{_fmt(lo)} {unit}</text><text x="{width - 90}" y="200">{_fmt(hi)} {unit}</text>')
    out.append("</svg>")
    return "".join(out)


def html_report(results: dict) -> str:
    e = html.escape
    agg, ci = results["aggregate"], results["intervals"]
    key = "correct" if "correct" in agg else "hits@10"
    per_type = [(t, m[key]["value"], m[key]["ci95"]) for t, m in results["by_type"].items() if key in m]
    ratios = [k for k in HEADLINE if not k.endswith(("_s", "_ms"))]
    headline = [(k, agg[k], ci[k]) for k in ratios if k in agg and agg[k] is not None]
    latency_key, unit = ("total_s", "s") if "total_s" in agg else ("retrieval_ms", "ms")
    latencies = [r["timings"][latency_key] if latency_key == "total_s" else r["retrieval_ms"] for r in results["questions"]]
    rows = "".join(
        f"<tr><td>{e(r['id'])}</td><td>{e(r['question'])}</td><td>{e(_answer(r))}</td><td>{e(r['reference'])}</td>"
        f"<td>{'<br>'.join(e(c['source']) + ': ' + e(c['text'][:300]) for c in r['citations']) or '-'}</td></tr>"
        for r in _failures(results)
    )
    table = "".join(
        f"<tr><td>{e(k)}</td><td>{_fmt(agg[k])}</td><td>{_ci(ci[k])}</td><td>{results['counts'][k]}</td></tr>"
        for k in HEADLINE if k in agg
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation report</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}}
svg text{{font-size:13px;font-family:system-ui,sans-serif}}</style></head><body>
<h1>Evaluation report</h1>
<ul>{"".join(f"<li>{e(line)}</li>" for line in _summary(results))}</ul>
<table><tr><th>metric</th><th>value</th><th>95% interval</th><th>n</th></tr>{table}</table>
{_bars_svg(f"{key} per question type (95% interval)", per_type)}
{_bars_svg("headline metrics (95% interval)", headline)}
{_histogram_svg(f"latency per question ({latency_key})", latencies, unit)}
<h2>Failures ({len(_failures(results))})</h2>
<table class="failures"><tr><th>id</th><th>question</th><th>answer</th><th>expected</th><th>cited passages</th></tr>{rows}</table>
</body></html>
"""
