"""Language identification for `wildchat report`: accuracy and speed of lingua's modes, one run.

    python benchmarks/language_quality.py            # the table, with ratios to the old default (low)
    python benchmarks/language_quality.py --json out.json

Each mode runs in its own subprocess (so its peak memory is its own), over the same texts:
  - prompts: the short chatbot prompts of benchmarks/data/toxicity/{eval,independent}.jsonl
    (English, German, Spanish, French, Portuguese, Russian, Chinese; written for the toxicity
    scorer, labelled with their language, never read while choosing a mode here);
  - pii-faker: the sentences of benchmarks/data/pii/faker.jsonl (10 languages, written for the
    PII evaluation, labelled with their language);
  - lorem: Faker's own word lists in 26 locales (`Faker(locale).sentence(3..12 words)`, seeded):
    words of the language in random order, so only the words and letters tell.
Accuracy is the share of texts whose identified language is the label, overall and for texts
under and over 120 characters (where lingua's high-accuracy mode switches to trigrams only).
Speed is texts/s of `LanguageDetector.detect` (all texts distinct, one call), after loading.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
SHORT = 120
MODES = ("low", "high", "auto")
BASELINE = "low"  # the report's default before it changed

_CODES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French", "pt": "Portuguese"}
_CODES |= {"ru": "Russian", "zh": "Chinese"}
# Faker locales with a lorem word list of their own language, and lingua's name for it.
_LOREM = {
    "ar_AA": "Arabic", "az_AZ": "Azerbaijani", "bn_BD": "Bengali", "cs_CZ": "Czech", "da_DK": "Danish",
    "de_DE": "German", "el_GR": "Greek", "en_US": "English", "es_ES": "Spanish", "fa_IR": "Persian",
    "fr_FR": "French", "he_IL": "Hebrew", "hy_AM": "Armenian", "it_IT": "Italian", "ja_JP": "Japanese",
    "la": "Latin", "mk_MK": "Macedonian", "nl_NL": "Dutch", "pl_PL": "Polish", "ru_RU": "Russian",
    "th_TH": "Thai", "tl_PH": "Tagalog", "uk_UA": "Ukrainian", "vi_VN": "Vietnamese", "zh_CN": "Chinese",
    "zh_TW": "Chinese",
}  # fmt: skip


def labelled_texts() -> list[tuple[str, str, str]]:
    """(set, text, language) triples, in a fixed order."""
    rows: list[tuple[str, str, str]] = []
    for name in ("eval.jsonl", "independent.jsonl"):
        for line in (DATA / "toxicity" / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            rows.append(("prompts", item["text"], _CODES[item["language"]]))
    for line in (DATA / "pii" / "faker.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        rows.append(("pii-faker", item["text"], item["language"]))
    from faker import Faker

    for locale, language in _LOREM.items():
        fake = Faker(locale)
        fake.seed_instance(7)
        for words in range(3, 13):
            for _ in range(4):
                rows.append(("lorem", fake.sentence(nb_words=words, variable_nb_words=False), language))
    # Long texts: four consecutive texts of a set in the same language, joined (prompts people
    # paste together are as long); lingua treats texts of 120+ characters differently.
    by_language: dict[tuple[str, str], list[str]] = {}
    for name, text, language in list(rows):
        group = by_language.setdefault((name, language), [])
        group.append(text)
        if len(group) == 4:
            rows.append((f"{name}-joined", " ".join(group), language))
            group.clear()
    seen: set[str] = set()
    unique = []
    for row in rows:  # the detector identifies each distinct text once: time distinct texts
        if row[1] not in seen:
            seen.add(row[1])
            unique.append(row)
    return unique


def run_mode(mode: str) -> dict[str, Any]:
    from wildchat.analyze.languages import language_detector

    rows = labelled_texts()
    texts = [text for _, text, _ in rows]
    start = time.perf_counter()
    detector = language_detector(mode)  # type: ignore[arg-type]
    detector.detect(["Bonjour tout le monde", "x" * SHORT])  # loads every model the mode uses
    loaded = time.perf_counter() - start
    found = [""] * len(texts)
    seconds = 0.0
    timing: dict[str, float] = {}
    for kind, short in (("short", True), ("long", False)):
        indices = [i for i, text in enumerate(texts) if (len(text) < SHORT) == short]
        start = time.perf_counter()
        for i, language in zip(indices, detector.detect([texts[i] for i in indices]), strict=True):
            found[i] = language
        elapsed = time.perf_counter() - start
        seconds += elapsed
        timing[kind] = len(indices) / elapsed
    groups: dict[str, list[int]] = {}
    for (name, text, language), guess in zip(rows, found, strict=True):
        right = int(guess == language)
        for key in ("all", name.removesuffix("-joined"), "short" if len(text) < SHORT else "long"):
            groups.setdefault(key, []).append(right)
    return {
        "mode": mode,
        "texts": len(texts),
        "load_s": loaded,
        "detect_s": seconds,
        "texts_per_s": len(texts) / seconds,
        "texts_per_s_by_length": timing,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "accuracy": {key: sum(v) / len(v) for key, v in groups.items()},
        "counts": {key: len(v) for key, v in groups.items()},
        "wrong_short": [
            [text, language, guess]
            for (_, text, language), guess in zip(rows, found, strict=True)
            if guess != language and len(text) < SHORT
        ][:15],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", help=argparse.SUPPRESS)  # one mode, in the child process
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--show-errors", action="store_true", help="print some short texts each mode got wrong"
    )
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode)))
        return
    results = {}
    for mode in MODES:
        child = subprocess.run(
            [sys.executable, __file__, "--mode", mode], check=True, capture_output=True, text=True
        )
        results[mode] = json.loads(child.stdout.strip().splitlines()[-1])
    base = results[BASELINE]
    keys = ["all", "short", "long", "prompts", "pii-faker", "lorem"]
    parts = ", ".join(f"{key} {base['counts'][key]}" for key in keys[1:])
    print(f"{base['texts']} texts ({parts})")
    print(
        f"{'mode':<6}" + "".join(f"{k:>11}" for k in keys) + f"{'texts/s':>10}{'load s':>8}{'peak MiB':>10}"
    )
    for mode, r in results.items():
        accuracy = "".join(f"{r['accuracy'][k]:>11.3f}" for k in keys)
        print(f"{mode:<6}{accuracy}{r['texts_per_s']:>10.0f}{r['load_s']:>8.1f}{r['peak_rss_mib']:>10.0f}")
    for mode, r in results.items():
        if mode == BASELINE:
            continue
        print(
            f"{mode} / {BASELINE}: accuracy short {r['accuracy']['short'] / base['accuracy']['short']:.2f}x, "
            f"long {r['accuracy']['long'] / base['accuracy']['long']:.2f}x; "
            f"texts/s {r['texts_per_s'] / base['texts_per_s']:.2f}x; "
            f"load {r['load_s'] / base['load_s']:.2f}x; "
            f"peak memory {r['peak_rss_mib'] / base['peak_rss_mib']:.2f}x"
        )
    if args.show_errors:
        for mode, r in results.items():
            print(f"\n{mode}: short texts identified wrongly (text, label, found)")
            for row in r["wrong_short"]:
                print("  ", row)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
