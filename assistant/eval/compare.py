"""Compare two evaluation results: questions that regressed or improved, and metric deltas.

    $ assistant eval compare eval-out/before eval-out/after

The questions are read back as `EvalRow`s, so results saved by earlier versions (without
the newer fields and metrics) compare too; a metric only one run has is listed by name.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.eval.questions import EvalInputError
from assistant.eval.types import EvalRow


def load_results(path: Path) -> dict:
    file = path / "results.json" if path.is_dir() else path
    try:
        return json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise EvalInputError(f"cannot read evaluation results {file}: {exc}") from None


def rows(results: dict) -> dict[str, EvalRow]:
    """A results file's questions by id, as typed rows."""
    return {r["id"]: EvalRow.model_validate(r) for r in results["questions"]}


def _outcome(r: EvalRow):
    """Whether the question went right: its answer was correct, or (retrieval only) hits@10."""
    return r.correct if r.answered else (r.retrieval or {}).get("hits@10")


def compare(a: dict, b: dict) -> dict:
    before, after = rows(a), rows(b)
    common = [i for i in before if i in after]
    outcome = _outcome

    regressed = [i for i in common if outcome(before[i]) and not outcome(after[i])]
    improved = [i for i in common if not outcome(before[i]) and outcome(after[i])]
    deltas = {
        k: b["aggregate"][k] - a["aggregate"][k]
        for k in a["aggregate"]
        if k in b["aggregate"] and a["aggregate"][k] is not None and b["aggregate"][k] is not None
    }
    only = {"a": sorted(set(a["aggregate"]) - set(b["aggregate"])), "b": sorted(set(b["aggregate"]) - set(a["aggregate"]))}
    return {"regressed": regressed, "improved": improved, "deltas": deltas, "common": len(common), "only": only}


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
    for run, keys in diff.get("only", {}).items():
        if keys:
            lines.append(f"only in run {run.upper()}: {', '.join(keys)}")
    return "\n".join(lines)
