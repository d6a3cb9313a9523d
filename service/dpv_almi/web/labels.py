"""Every IRI a client or a reader sees comes with a name in their language.

The order of preference (:func:`choose`): the data's own label in the language asked for (a
notice's Swedish words); for Swedish, the words the GDPR's Swedish text and Swedish notices use for
DPV's legal-basis terms (:data:`SWEDISH`, DPV 2.3 has English labels only); the data's label in the
notice's own language (a German notice read in English still names its own concepts, in German);
its English or untagged label (the DPV concept extract holds DPV's labels); the packaged DPV 2.3
index; a label in any other language (the same one each time); the IRI's local name.
Nothing here is about one notice: the table holds GDPR terms, shared by every Swedish notice, and
the notice's language is the caller's to find (a query, see ``notice-language.rq``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from fastapi import Request

from dpv_almi.namespaces import PREFIXES
from dpv_almi.validation.vocabularies import dpv_index

_GDPR = PREFIXES["eu-gdpr"]

SWEDISH: dict[str, str] = {
    _GDPR + "A6-1-a": "Samtycke (art. 6.1 a)",
    _GDPR + "A6-1-b": "Avtal (art. 6.1 b)",
    _GDPR + "A6-1-c": "Rättslig förpliktelse (art. 6.1 c)",
    _GDPR + "A6-1-d": "Grundläggande intresse (art. 6.1 d)",
    _GDPR + "A6-1-e": "Allmänt intresse eller myndighetsutövning (art. 6.1 e)",
    _GDPR + "A6-1-f": "Intresseavvägning, berättigat intresse (art. 6.1 f)",
    _GDPR + "A45-3": "Adekvansbeslut (art. 45.3)",
    _GDPR + "A46-2-c": "Standardavtalsklausuler antagna av kommissionen (art. 46.2 c)",
    _GDPR + "A46-2-d": "Standardavtalsklausuler antagna av en tillsynsmyndighet (art. 46.2 d)",
    _GDPR + "A47": "Bindande företagsbestämmelser (art. 47)",
    _GDPR + "A49-1-a": "Uttryckligt samtycke till överföring (art. 49.1 a)",
    _GDPR + "SCCByCommission": "Standardavtalsklausuler antagna av kommissionen",
    _GDPR + "A7-3": "Art. 7.3",
    _GDPR + "A15": "Art. 15",
    _GDPR + "A16": "Art. 16",
    _GDPR + "A17": "Art. 17",
    _GDPR + "A18": "Art. 18",
    _GDPR + "A20": "Art. 20",
    _GDPR + "A21": "Art. 21",
    _GDPR + "A77": "Art. 77",
}
"""Swedish names of GDPR terms DPV labels in English only (the words of the regulation's Swedish text)."""


def local_name(iri: str) -> str:
    """The last segment of an IRI (after ``#`` or ``/``): a name of last resort."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or iri


class Label(NamedTuple):
    """A label and the language tag it is in ("" untagged or unknown): a page marks words in another
    language than its own (``lang="de"`` on a German label of an English page)."""

    text: str
    lang: str


def _tagged(found: dict[str, str], tag: str | None) -> Label | None:
    """The label tagged *tag* (``de`` also takes ``de-DE`` -- the first such tag in order)."""
    if tag is None:
        return None
    if tag in found:
        return Label(found[tag], tag)
    if tag:
        wanted = tag.lower()
        for other in sorted(found):
            if other.lower() == wanted or other.lower().split("-", 1)[0] == wanted.split("-", 1)[0]:
                return Label(found[other], other)
    return None


def choose_label(iri: str, lang: str, found: dict[str, str], notice_lang: str | None = None) -> Label:
    """The best label of *iri* from *found* (label by language tag, "" for untagged), with its tag:
    asked *lang* → (Swedish GDPR table) → *notice_lang* → English → untagged → DPV index → any →
    local name."""
    label = _tagged(found, lang)
    if label is not None:
        return label
    if lang == "sv" and iri in SWEDISH:
        return Label(SWEDISH[iri], "sv")
    for tag in (notice_lang, "en", ""):
        label = _tagged(found, tag)
        if label is not None:
            return label
    term = dpv_index().term(iri)
    if term is not None and term.labels:
        for tag in (lang, "en", *term.labels):
            if tag in term.labels:
                return Label(term.labels[tag], tag)
    if found:
        return Label(found[min(found)], min(found))
    return Label(local_name(iri), "")


def choose(iri: str, lang: str, found: dict[str, str], notice_lang: str | None = None) -> str:
    """The text of :func:`choose_label`."""
    return choose_label(iri, lang, found, notice_lang).text


async def tagged_labels(
    request: Request, iris: Iterable[str], lang: str, notice_lang: str | None = None
) -> dict[str, Label]:
    """A label with its language for each IRI, by :func:`choose_label` (one query for all, through the
    one runner)."""
    from dpv_almi.web.named_queries import rows

    wanted = sorted({iri for iri in iris if iri})
    found: dict[str, dict[str, str]] = {iri: {} for iri in wanted}
    if wanted:
        for row in await rows(request, "labels", {"lang": lang, "iri": [f"<{iri}>" for iri in wanted]}):
            found[row["iri"]].setdefault(row.get("labelLang", ""), row["label"])
    return {iri: choose_label(iri, lang, by_tag, notice_lang) for iri, by_tag in found.items()}


async def labels(request: Request, iris: Iterable[str], lang: str, notice_lang: str | None = None) -> dict[str, str]:
    """A label for each IRI, by the chain of :func:`choose`."""
    return {iri: label.text for iri, label in (await tagged_labels(request, iris, lang, notice_lang)).items()}
