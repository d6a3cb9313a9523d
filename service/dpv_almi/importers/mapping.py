"""The curated TILT → DPV mapping, read from data files: term tables, country names, GDPR references.

The tables (``data/tilt-categories.csv``, ``data/tilt-purposes.csv``, ``data/countries.csv``) are the
mapping; this module only reads them and applies them the same way everywhere.  A term matches where
a word starts with it (case-insensitive); longer terms are tried first and the text a term matched is
blanked, so a shorter term cannot match inside it again (``IP-Adresse`` is never also ``Adresse``).
Legal-basis spellings are read by one pattern each and kept only when DPV 2.3 has the article.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
DPV_INDEX = Path(__file__).resolve().parent.parent / "validation" / "dpv" / "dpv-2.3.json"


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(line for line in handle if not line.startswith("#"))


@functools.cache
def dpv_terms() -> frozenset[str]:
    """Every DPV 2.3 term as ``prefix:local`` (the packaged index), to check a mapping's targets."""
    document = json.loads(DPV_INDEX.read_text(encoding="utf-8"))
    return frozenset(document["terms"])


@dataclass(frozen=True)
class TermTable:
    """One table of (language, term) → DPV concept, applied by :meth:`concepts`."""

    name: str
    rows: tuple[tuple[str, str, str], ...]
    """(language or ``*``, lower-case term, ``prefix:local`` concept), longest term first."""

    @classmethod
    @functools.cache
    def load(cls, name: str) -> TermTable:
        rows = [(row["language"].strip(), row["term"].strip().lower(), row["concept"].strip()) for row in _rows(name)]
        rows.sort(key=lambda row: -len(row[1]))
        return cls(name, tuple(rows))

    def concepts(self, text: str, language: str) -> list[str]:
        """The concepts whose terms occur in *text* (in the table's order of first match, no repeats)."""
        haystack = text.lower()
        found: list[str] = []
        for lang, term, concept in self.rows:
            if lang not in ("*", language) or not term:
                continue
            pattern = re.compile(r"(?<![\w])" + re.escape(term))
            match = pattern.search(haystack)
            if match is None:
                continue
            haystack = pattern.sub(lambda m: " " * len(m.group(0)), haystack)
            if concept not in found:
                found.append(concept)
        return found


def categories() -> TermTable:
    return TermTable.load("tilt-categories.csv")


def purposes() -> TermTable:
    return TermTable.load("tilt-purposes.csv")


@functools.cache
def _country_names() -> tuple[tuple[re.Pattern[str], str], ...]:
    pairs = sorted(
        ((row["name"].strip(), row["code"].strip()) for row in _rows("countries.csv")), key=lambda p: -len(p[0])
    )
    return tuple(
        (re.compile(r"(?<![\w.])" + re.escape(name) + r"(?![\w])", re.IGNORECASE), code) for name, code in pairs
    )


ISO_CODE = re.compile(r"^[A-Za-z]{2}$")


def countries(text: str) -> list[str]:
    """ISO 3166 codes named by *text*: the code itself, else every country name it mentions."""
    value = text.strip()
    if ISO_CODE.match(value):
        code = value.upper()
        return ["GB" if code == "UK" else code]
    found: list[str] = []
    for pattern, code in _country_names():
        if pattern.search(value) and code not in found:
            found.append(code)
    return found


# One pattern per spelling family of a GDPR reference in the corpus:
#   GDPR-6-1-a, DSGVO-6-1-a              (TILT's own reference format)
#   Art. 6(1)(f) GDPR, Art. 6 (1) a DSGVO, Art. 6.(1).a DSGVO, Art. 6 Abs. 1 lit. b DSGVO,
#   Art. 6 Abs. 1 S. 1 f) DS-GVO, Art. 6 Abs. 1c DSGVO, Artikel 6 Absatz 1 Buchstabe b) DSGVO
_TILT_REFERENCE = re.compile(r"\b(?:GDPR|DSGVO|DS-GVO)-(\d{1,2})(?:-(\d{1,2}))?(?:-([a-z]))?\b")
_ARTICLE = re.compile(
    r"\bArt(?:ikel|\.)?\s*(\d{1,2})"  # article
    r"(?:\s*\.?\s*(?:Abs(?:atz|\.)?\s*)?\(?\s*(\d{1,2})\s*\)?)?"  # paragraph: (1), Abs. 1, Absatz 1, .(1)
    r"(?:\s*(?:S(?:atz|\.)\s*\d+))?"  # sentence: S. 1
    r"(?:\s*\.?\s*(?:lit(?:era|\.)?|Buchstabe)?\s*\(?([a-f])\)?(?![\w]))?",  # point: lit. b, Buchstabe b), (f), f), c
    re.IGNORECASE,
)
_MENTIONS_GDPR = re.compile(r"GDPR|DSGVO|DS-GVO|Datenschutz-Grundverordnung|General Data Protection Regulation", re.I)


def _iri(article: str, paragraph: str | None, point: str | None) -> str | None:
    """The most specific ``eu-gdpr:`` article concept DPV 2.3 has for the reference, or None."""
    terms = dpv_terms()
    for parts in ((article, paragraph, point), (article, paragraph, None), (article, None, None)):
        name = "eu-gdpr:A" + "-".join(part for part in parts if part)
        if name in terms and (parts[2] or not point):
            return name
    return None


def legal_bases(text: str) -> list[str]:
    """The ``eu-gdpr:`` articles a legal-basis text names, in order, without repeats (TILT's
    ``GDPR-6-1-a`` and every prose spelling); ``[]`` for text that names none or another law."""
    found: list[str] = []
    for match in _TILT_REFERENCE.finditer(text):
        name = _iri(match.group(1), match.group(2), match.group(3))
        if name and name not in found:
            found.append(name)
    if _MENTIONS_GDPR.search(text) or not found:
        for match in _ARTICLE.finditer(text):
            article, paragraph, point = match.group(1), match.group(2), (match.group(3) or "").lower() or None
            if not _MENTIONS_GDPR.search(text) and article not in ("6", "9", "49"):
                continue  # "§ 7 Absatz 3 UWG", "Art. 3 BDSG": another law
            name = _iri(article, paragraph, point)
            if name and name not in found:
                found.append(name)
    return found


def known(names: Iterable[str]) -> list[str]:
    """The names of *names* that DPV 2.3 does not define (a check for the tables and the tests)."""
    terms = dpv_terms()
    return [name for name in names if name not in terms]
