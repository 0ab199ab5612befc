"""`playgenie eval tags`: stage 1 (text -> tags) against hand-written labels, explicit and implicit apart.

Usage:
    playgenie eval tags [--json] [--file evals/queries/tags.jsonl] [--ids t439-t558] [--llm [URL|local]]

Each line of ``evals/queries/tags.jsonl`` is one request with the tags a careful reader extracts,
written before the extractor was run on them::

    {"id": "t001", "text": "90s hip hop for the gym, no Eminem",
     "explicit": {"genre": ["rap"], "years": ["1990-1999"], "activity": ["workout"], "exclude": ["artist:Eminem"]},
     "implicit": {"mood": ["workout|energetic"]},
     "ok": {"subgenre": ["hip hop"]}, "kinds": []}

``kinds`` marks how it is phrased (short, long, typo, slang, spanish, order, trap: words that look like
a tag and are not; unsupported: asks what the catalog lacks; none: nothing to extract; hedge: "kinda",
"a little", "like 2 hours"; emoji).

Families map onto :class:`tools.schema.PlaylistQuery`: ``genre`` and ``subgenre`` (the catalog's 6
and 24), ``years`` (``"1990-1999"``, ``"2010-"``, ``"-1979"``), ``mood`` (``tools.tags.MOODS``),
``activity``, ``artist`` (catalog names), ``exclude`` (``"genre:rap"``, ``"subgenre:trap"``,
``"artist:Drake"``, ``"mood:sad"``, ``"years:1980-1989"``), ``length`` (``"20"`` tracks or ``"60min"``) and ``bounds``
(``"energy:high"``, ``"tempo:low"``, ``"tempo:120"`` BPM, ``"popularity:popular"``).

Explicit tags are said: a genre or its common name ("hip hop" is rap), a year or decade, a length,
an exclusion, an artist, a word (slang included: "bangers", "hype") that describes the music's mood,
and an activity or occasion word ("gym" is workout, "bedtime" is sleep). Implicit tags are inferred:
from the listener's state or the context ("heartbroken" -> sad, "rainy afternoon" -> chill/sad),
the mood an activity word suggests ("gym" -> workout/energetic; when the word itself names the mood,
as "workout" or "sleep" do, that mood is in ``ok``), and "recent"/"old school" as years. ``a|b``
accepts either value; ``ok`` lists tags that are neither required nor wrong (the parent genre of a
named subgenre, a reading a careful reader would also allow). Years match within 1 year at each
closed end (5 for implicit ones); a BPM within 10.

The report gives precision, recall and F1 per family for explicit and implicit tags (a tag read
with the wrong explicitness counts as missed in one and extra in the other), a confusion table of
moods, and the top errors. ``--llm`` runs the LLM extractor (the configured endpoint, a URL, or
``local``: SmolLM2 served by llama.cpp from the ``llm`` extra) beside the offline one, and says how
many requests the model answered and why the others fell back.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.schema import FEATURE_RANGE, PlaylistQuery

log = logging.getLogger(__name__)

LABELS = Path(__file__).resolve().parent / "queries" / "tags.jsonl"
FAMILIES = ("genre", "subgenre", "years", "mood", "activity", "artist", "exclude", "length", "bounds")
SPLITS = ("explicit", "implicit")
YEAR_TOLERANCE = {"explicit": 1, "implicit": 5}
BPM_TOLERANCE = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    parser.add_argument("--file", type=Path, default=LABELS, help="Labeled requests (JSON lines).")
    parser.add_argument(
        "--llm",
        nargs="?",
        const="configured",
        default=None,
        metavar="URL|local",
        help="Also score the LLM extractor: the configured endpoint, a base URL, or 'local' "
        "(SmolLM2 on llama.cpp, from the llm extra).",
    )
    parser.add_argument("--errors", type=int, default=15, help="How many error patterns to list.")
    parser.add_argument(
        "--ids",
        default=None,
        metavar="RANGES",
        help="Score only these requests: ids or ranges, comma-separated ('t439-t558', 't001,t010-t020').",
    )


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def select_ids(labels: list[dict[str, Any]], ranges: str) -> list[dict[str, Any]]:
    """The labels whose ids ``ranges`` names ("t439-t558", "t001,t010-t020"): ids compare by their number."""

    def number(label_id: str) -> int:
        return int("".join(ch for ch in label_id if ch.isdigit()) or -1)

    spans = []
    for part in (p.strip() for p in ranges.split(",") if p.strip()):
        lo, _, hi = part.partition("-")
        spans.append((number(lo), number(hi or lo)))
    return [lab for lab in labels if any(lo <= number(lab["id"]) <= hi for lo, hi in spans)]


# ----- what a query says, as comparable tags ---------------------------------------------------------
@dataclass(frozen=True)
class Said:
    """One predicted tag: its family, a comparable value, and whether the extractor marked it explicit."""

    family: str
    value: str
    explicit: bool
    numbers: tuple[float | None, ...] = ()  # years (start, end) or a bound's (min, max, target)


def query_tags(q: PlaylistQuery) -> list[Said]:
    """Every tag of ``q`` in the labels' vocabulary."""
    out: list[Said] = []
    for fam, tags in (
        ("genre", q.genres),
        ("subgenre", q.subgenres),
        ("mood", q.moods),
        ("activity", q.activities),
        ("artist", q.artists),
    ):
        # an artist asked for beside the rest ("he loves motown and the beatles": scope "also") was said; it is marked
        # inexplicit only so that it never filters
        out += [Said(fam, t.value, t.explicit or (fam == "artist" and t.scope == "also")) for t in tags]
    for kind, tags in (
        ("genre", q.exclude_genres),
        ("subgenre", q.exclude_subgenres),
        ("artist", q.exclude_artists),
        ("mood", q.exclude_moods),
    ):
        out += [Said("exclude", f"{kind}:{t.value}", t.explicit) for t in tags]
    out += [Said("exclude", f"years:{y.start or ''}-{y.end or ''}", y.explicit) for y in q.exclude_years]
    if q.years is not None:
        y = q.years
        out.append(Said("years", f"{y.start or ''}-{y.end or ''}", y.explicit, (y.start, y.end)))
    if q.length is not None:
        out.append(Said("length", str(q.length), True))
    elif q.duration_min is not None:
        out.append(Said("length", f"{q.duration_min:g}min", True))
    for f in q.features:
        out.append(
            Said(
                "bounds",
                f"{f.feature}:{_direction(f.feature, f.min, f.max, f.target)}",
                f.explicit,
                (f.min, f.max, f.target),
            )
        )
    if q.popularity is not None and not q.feature("popularity"):
        out.append(Said("bounds", f"popularity:{q.popularity}", True))
    return out


def _direction(feature: str, lo: float | None, hi: float | None, target: float | None) -> str:
    if lo is not None and hi is None:
        return "high"
    if hi is not None and lo is None:
        return "low"
    mid = target if target is not None else (lo + hi) / 2 if lo is not None and hi is not None else None
    if mid is None:
        return "any"
    if feature == "tempo":
        return f"{mid:g}"
    a, b = FEATURE_RANGE[feature]
    return "high" if mid >= (a + b) / 2 else "low"


def matches(gold: str, said: Said, split: str) -> bool:
    """Whether the predicted tag fits one label value (alternatives split by ``|``)."""
    return any(_fits(alt, said, split) for alt in gold.split("|"))


def _fits(gold: str, said: Said, split: str) -> bool:
    if said.family == "years" and said.numbers:
        lo, _, hi = gold.partition("-")
        tol = YEAR_TOLERANCE[split]
        for want, got in ((lo, said.numbers[0]), (hi, said.numbers[1])):
            if (want == "") != (got is None) or (want and abs(int(want) - got) > tol):
                return False
        return True
    if said.family == "bounds" and said.numbers:
        feat, _, want = gold.partition(":")
        if not said.value.startswith(feat + ":"):
            return False
        lo, hi, target = said.numbers
        if want in ("high", "low", "popular", "obscure"):
            got = said.value.split(":", 1)[1]
            if feat == "tempo" and got not in ("high", "low", "any"):
                got = "high" if float(got) >= 120 else "low"  # a BPM target reads as fast or slow
            return got == {"popular": "high", "obscure": "low"}.get(want, want)
        bpm = float(want)
        if target is not None and abs(target - bpm) <= BPM_TOLERANCE:
            return True
        return lo is not None and hi is not None and lo <= bpm <= hi and hi - lo <= 4 * BPM_TOLERANCE
    if said.family == "length" and gold.endswith("min") and said.value.endswith("min"):
        return abs(float(gold[:-3]) - float(said.value[:-3])) < 0.5
    return gold.casefold() == said.value.casefold()


# ----- scoring -----------------------------------------------------------------------------------------
@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    def scores(self) -> dict[str, float | int | None]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r else (0.0 if p == 0 or r == 0 else None)
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": _round(p),
            "recall": _round(r),
            "f1": _round(f1),
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


@dataclass
class Scored:
    """One request scored: counts per (split, family), what was missed or extra, and mood pairs."""

    counts: dict[tuple[str, str], Counts] = field(default_factory=lambda: defaultdict(Counts))
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # (split, family, gold)
    extra: list[tuple[str, str, str]] = field(default_factory=list)  # (split, family, predicted)
    mood_pairs: list[tuple[str, str]] = field(default_factory=list)  # (gold or "none", predicted or "none")


def score_request(label: dict[str, Any], said: list[Said]) -> Scored:
    """Match predicted tags to labels per split and family; ok tags and other alternatives of a match are neutral."""
    out = Scored()
    ok = label.get("ok", {})
    mood_gold: list[str] = []
    mood_hit: list[str] = []
    mood_extra: list[str] = []
    for split in SPLITS:
        gold_all = label.get(split, {})
        for fam in FAMILIES:
            gold = list(gold_all.get(fam, []))
            preds = [s for s in said if s.family == fam and s.explicit == (split == "explicit")]
            used = [False] * len(preds)
            c = out.counts[(split, fam)]
            for g in gold:
                k = next((i for i, s in enumerate(preds) if not used[i] and matches(g, s, split)), None)
                if k is None:
                    c.fn += 1
                    out.missed.append((split, fam, g))
                    if fam == "mood":
                        mood_gold.append(g.split("|")[0])
                else:
                    used[k] = True
                    c.tp += 1
                    if fam == "mood":
                        mood_hit.append(preds[k].value)
            for i, s in enumerate(preds):
                if used[i]:
                    continue
                neutral = any(matches(g, s, split) for g in gold) or any(
                    matches(o, s, "implicit") for o in ok.get(fam, [])
                )
                # a tag the labels hold under the other split is that split's business, not an extra here
                other = "implicit" if split == "explicit" else "explicit"
                if neutral:
                    continue
                c.fp += 1
                out.extra.append((split, fam, s.value))
                if fam == "mood" and not any(matches(g, s, other) for g in label.get(other, {}).get(fam, [])):
                    mood_extra.append(s.value)
    out.mood_pairs += [(m, m) for m in mood_hit]
    if mood_gold:
        out.mood_pairs += [(g, p) for g in mood_gold for p in (mood_extra or ["none"])]
    else:
        out.mood_pairs += [("none", p) for p in mood_extra]
    return out


def evaluate(labels: list[dict[str, Any]], extract: Any) -> dict[str, Any]:
    """Run ``extract(text) -> PlaylistQuery`` over the labels and score it."""
    per: list[Scored] = []
    queries: list[PlaylistQuery] = []
    for lab in labels:
        q = extract(lab["text"])
        queries.append(q)
        per.append(score_request(lab, query_tags(q)))
    return {**summarize(labels, per), "_queries": queries}


def summarize(labels: list[dict[str, Any]], per: list[Scored]) -> dict[str, Any]:
    table: dict[str, dict[str, Any]] = {}
    for split in SPLITS:
        total = Counts()
        rows: dict[str, Any] = {}
        for fam in FAMILIES:
            c = Counts()
            for s in per:
                c.add(s.counts[(split, fam)])
            total.add(c)
            if c.tp + c.fp + c.fn:
                rows[fam] = c.scores()
        rows["all"] = total.scores()
        table[split] = rows
    kinds: dict[str, Any] = {}
    for kind in sorted({k for lab in labels for k in lab.get("kinds", [])}):
        c = Counts()
        for lab, s in zip(labels, per):
            if kind in lab.get("kinds", []):
                for fam in FAMILIES:
                    c.add(s.counts[("explicit", fam)])
        kinds[kind] = {"requests": sum(kind in lab.get("kinds", []) for lab in labels), **c.scores()}
    # requests whose labels hold no implicit tag: how many got one anyway (the paper's false positives)
    quiet = [s for lab, s in zip(labels, per) if not any(lab.get("implicit", {}).values())]
    noisy = sum(any(split == "implicit" for split, _, _ in s.extra) for s in quiet)
    confusion: dict[str, Counter] = defaultdict(Counter)
    for s in per:
        for g, p in s.mood_pairs:
            confusion[g][p] += 1
    errors = Counter()
    for s in per:
        errors.update(f"missed {split} {fam} {g}" for split, fam, g in s.missed)
        errors.update(f"extra {split} {fam} {v}" for split, fam, v in s.extra)
    exact = sum(not s.missed and not s.extra for s in per)
    return {
        "requests": len(labels),
        "exact": exact,
        "table": table,
        "kinds": kinds,
        "no_implicit_requests": len(quiet),
        "no_implicit_with_implicit_tag": noisy,
        "mood_confusion": {g: dict(c) for g, c in sorted(confusion.items())},
        "errors": errors.most_common(),
        "per_request": [
            {
                "id": lab["id"],
                "text": lab["text"],
                "missed": [list(m) for m in s.missed],
                "extra": [list(e) for e in s.extra],
            }
            for lab, s in zip(labels, per)
            if s.missed or s.extra
        ],
    }


# ----- running it --------------------------------------------------------------------------------------
def run(args: argparse.Namespace, settings: Any) -> int:
    from tools.build import load_catalog
    from tools.embed import get_encoder
    from tools.extract import TagExtractor

    labels = load_labels(args.file)
    if args.ids:
        labels = select_ids(labels, args.ids)
    catalog = load_catalog(settings)
    encoder = get_encoder()
    offline_ex = TagExtractor(catalog, encoder)
    report: dict[str, Any] = {"offline": evaluate(labels, offline_ex.extract)}
    if args.llm:
        from tools.local_llm import llm_settings

        with llm_settings(settings, args.llm) as llm_conf:
            report["llm"] = run_llm(labels, llm_conf, catalog, offline_ex, report["offline"]["_queries"])
    for r in report.values():
        r.pop("_queries", None)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_report(report, args.errors)
    return 0


def run_llm(
    labels: list[dict[str, Any]], settings: Any, catalog: Any, offline_ex: Any, offline_queries: list[PlaylistQuery]
) -> dict[str, Any]:
    """The LLM extractor over the labels, with how often the model answered and why it fell back."""
    from tools.extract_llm import LLMTagExtractor
    from tools.llm import LLMClient

    client = LLMClient(settings)
    ex = LLMTagExtractor(client, offline_ex, catalog)
    why: Counter = Counter()

    def extract(text: str) -> PlaylistQuery:
        q = ex.extract(text)
        if ex.last_note:
            why[ex.last_note] += 1
        return q

    result = evaluate(labels, extract)
    changed = sum(a != b for a, b in zip(result["_queries"], offline_queries))
    result["llm"] = {
        "model": settings.llm_model,
        "requests": len(labels),
        **client.counts(),
        "fallbacks": dict(why),
        "changed_queries": changed,
    }
    return result


def _fmt(x: float | None) -> str:
    return "   - " if x is None else f"{x:.3f}"


def print_report(report: dict[str, Any], n_errors: int = 15) -> None:
    systems = list(report)
    off = report["offline"]
    print(
        f"{off['requests']} labeled requests; all tags exactly right: "
        + ", ".join(f"{s} {report[s]['exact']}" for s in systems)
    )
    for split in SPLITS:
        print(f"\n{split} tags" + ("" if len(systems) == 1 else "  (" + " | ".join(systems) + ")"))
        print(f"  {'family':<10}" + " | ".join(f"{'P':>6} {'R':>6} {'F1':>6} {'n':>4}" for _ in systems))
        fams = [f for f in (*FAMILIES, "all") if any(f in report[s]["table"][split] for s in systems)]
        for fam in fams:
            cells = []
            for s in systems:
                row = report[s]["table"][split].get(fam)
                if row is None:
                    cells.append(f"{'':>6} {'':>6} {'':>6} {'':>4}")
                else:
                    cells.append(
                        f"{_fmt(row['precision']):>6} {_fmt(row['recall']):>6} {_fmt(row['f1']):>6} "
                        f"{row['tp'] + row['fn']:>4}"
                    )
            print(f"  {fam:<10}" + " | ".join(cells))
    for s in systems:
        r = report[s]
        print(
            f"\n[{s}] requests with no implicit label that got an implicit tag: "
            f"{r['no_implicit_with_implicit_tag']}/{r['no_implicit_requests']}"
        )
        print(
            f"[{s}] explicit F1 by kind: "
            + ", ".join(f"{k} {_fmt(v['f1'])} ({v['requests']})" for k, v in r["kinds"].items())
        )
    if "llm" in report:
        info = report["llm"]["llm"]
        print(
            f"\nLLM ({info['model']}): {info['requests']} requests, {info['parsed']} replies parsed, "
            f"{info['failed']} calls failed, {info['changed_queries']} queries changed by the model"
        )
        for why, n in sorted(info["fallbacks"].items(), key=lambda kv: -kv[1]):
            print(f"  fell back {n}x: {why}")
    moods = sorted({m for c in off["mood_confusion"].values() for m in c} | set(off["mood_confusion"]))
    print("\nmood confusion (offline; rows: labeled, columns: read)")
    print(f"  {'':<12}" + "".join(f"{m[:6]:>7}" for m in moods))
    for g in moods:
        row = off["mood_confusion"].get(g, {})
        if row:
            print(f"  {g:<12}" + "".join(f"{row.get(m, 0) or '.':>7}" for m in moods))
    for s in systems:
        print(f"\n[{s}] top errors")
        for e, n in report[s]["errors"][:n_errors]:
            print(f"  {n:>3}  {e}")
