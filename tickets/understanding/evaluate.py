"""The per-domain table of the complaint reader against the majority-constant baseline.

Columns: lenient accuracy (the predicted primary category is one of the labelled ones), strict macro recall of
the primary category, urgent recall and false-urgent rate, type accuracy. The constant answers the train split's
most common primary category and type, and never "urgent".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tickets.enums import Category
from tickets.understanding.devset import Labelled
from tickets.understanding.understand import Understanding


@dataclass(frozen=True)
class Scores:
    n: int
    lenient: float
    macro_recall: float
    urgent_n: int
    urgent_recall: float | None
    false_urgent: float | None
    type_accuracy: float


def macro_recall(gold: Sequence[str], pred: Sequence[str]) -> float:
    classes = sorted(set(gold))
    per = [sum(g == p == c for g, p in zip(gold, pred, strict=True)) / sum(g == c for g in gold) for c in classes]
    return sum(per) / len(per)


def score(
    rows: Sequence[Labelled], primary: Sequence[Category], urgent: Sequence[bool], kinds: Sequence[str]
) -> Scores:
    n = len(rows)
    gold_urgent = [r.urgent for r in rows]
    positives = sum(gold_urgent)
    negatives = n - positives
    hits = sum(g and p for g, p in zip(gold_urgent, urgent, strict=True))
    false = sum(p and not g for g, p in zip(gold_urgent, urgent, strict=True))
    return Scores(
        n=n,
        lenient=sum(p in r.categories for r, p in zip(rows, primary, strict=True)) / n,
        macro_recall=macro_recall([r.primary.value for r in rows], [p.value for p in primary]),
        urgent_n=positives,
        urgent_recall=hits / positives if positives else None,
        false_urgent=false / negatives if negatives else None,
        type_accuracy=sum(r.type == k for r, k in zip(rows, kinds, strict=True)) / n,
    )


@dataclass(frozen=True)
class Row:
    domain: str
    model: Scores
    constant: Scores


def table(rows: Sequence[Labelled], read: Callable[[str], Understanding], train: Sequence[Labelled]) -> list[Row]:
    """Per domain and overall (``all``), the reader beside the constant fitted on ``train``."""
    constant_category = Counter(r.primary for r in train).most_common(1)[0][0]
    constant_type = Counter(r.type for r in train).most_common(1)[0][0]
    verdicts = [read(r.text) for r in rows]
    out = []
    domains = sorted({r.domain for r in rows})
    for domain in [*domains, "all"]:
        idx = [i for i, r in enumerate(rows) if domain in ("all", r.domain)]
        part = [rows[i] for i in idx]
        model = score(
            part,
            [verdicts[i].category for i in idx],
            [verdicts[i].urgent for i in idx],
            [verdicts[i].type for i in idx],
        )
        const = score(part, [constant_category] * len(part), [False] * len(part), [constant_type] * len(part))
        out.append(Row(domain, model, const))
    return out


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def render(rows: Sequence[Row]) -> str:
    """A fixed-width table: model / constant for each measure."""
    head = (
        f"{'domain':<17}{'n':>4}  {'lenient':>13}  {'macro recall':>13}  {'urgent recall':>15}  "
        f"{'false urgent':>12}  {'type acc':>13}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        m, c = row.model, row.constant
        recall = f"{_pct(m.urgent_recall)} ({m.urgent_n:>2})"
        lines.append(
            f"{row.domain:<17}{m.n:>4}  {_pct(m.lenient)} / {_pct(c.lenient)}  {_pct(m.macro_recall)} / "
            f"{_pct(c.macro_recall)}  {recall:>15}  {_pct(m.false_urgent):>12}  {_pct(m.type_accuracy)} / "
            f"{_pct(c.type_accuracy)}"
        )
    lines.append("model / majority constant; urgent recall (labelled urgent cases); false urgent = share of the rest")
    return "\n".join(lines)


def type_summary(rows: Sequence[Labelled], read: Callable[[str], Understanding]) -> str:
    """Overall lenient / macro recall / type accuracy to four decimals, and per type its recall and how many texts
    of another type were read as it (false): the rare types' trade against the common ones, visible at a glance."""
    verdicts = [read(r.text) for r in rows]
    kinds = [v.type for v in verdicts]
    overall = score(rows, [v.category for v in verdicts], [v.urgent for v in verdicts], kinds)
    lines = [
        f"all: lenient {overall.lenient:.4f}  macro recall {overall.macro_recall:.4f}  type {overall.type_accuracy:.4f}"
    ]
    for kind in sorted({r.type for r in rows} | set(kinds), key=lambda k: (-sum(r.type == k for r in rows), k)):
        gold = sum(r.type == kind for r in rows)
        hits = sum(r.type == k == kind for r, k in zip(rows, kinds, strict=True))
        false = sum(k == kind != r.type for r, k in zip(rows, kinds, strict=True))
        recall = f"{hits / gold:.3f}" if gold else "  -  "
        lines.append(f"type {kind:<11} recall {recall} ({hits:>4} of {gold:>4})  false {false:>4}")
    return "\n".join(lines)


def run(split: str = "dev", critical_words: Sequence[str] = ()) -> str:
    """The table of the shipped model on a split of the labelled set (needs ``../shared``)."""
    from tickets.understanding.devset import load
    from tickets.understanding.understand import Understander

    reader = Understander(critical_words=critical_words)
    return render(table(load(split), reader.understand, load("train")))
