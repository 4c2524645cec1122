"""Compare two evaluation results: questions that regressed or improved, and metric deltas.

    $ assistant eval compare eval-out/before eval-out/after
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.eval.questions import EvalInputError


def load_results(path: Path) -> dict:
    file = path / "results.json" if path.is_dir() else path
    try:
        return json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise EvalInputError(f"cannot read evaluation results {file}: {exc}") from None


def compare(a: dict, b: dict) -> dict:
    before = {r["id"]: r for r in a["questions"]}
    after = {r["id"]: r for r in b["questions"]}
    common = [i for i in before if i in after]

    def outcome(r: dict):
        return r.get("correct") if "correct" in r else (r["retrieval"] or {}).get("hits@10")

    regressed = [i for i in common if outcome(before[i]) and not outcome(after[i])]
    improved = [i for i in common if not outcome(before[i]) and outcome(after[i])]
    deltas = {
        k: b["aggregate"][k] - a["aggregate"][k]
        for k in a["aggregate"]
        if k in b["aggregate"] and a["aggregate"][k] is not None and b["aggregate"][k] is not None
    }
    return {"regressed": regressed, "improved": improved, "deltas": deltas, "common": len(common)}


def render(diff: dict, a: dict, b: dict) -> str:
    lines = [f"{diff['common']} questions in both runs"]
    for name in ("regressed", "improved"):
        lines.append(f"{name}: {len(diff[name])}")
        for i in diff[name]:
            q = next(r for r in b["questions"] if r["id"] == i)
            lines.append(f"  {i}: {q['question'][:90]}")
    lines.append("metric deltas (B - A):")
    for k, d in sorted(diff["deltas"].items()):
        lines.append(f"  {k:<26}{a['aggregate'][k]:>9.3f} -> {b['aggregate'][k]:>9.3f}  ({d:+.3f})")
    return "\n".join(lines)
