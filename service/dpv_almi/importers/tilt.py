"""TILT → DPV: one Turtle model per TILT notice, shaped like the Almi model.

Per notice (``<RESOURCE_BASE><id>/``): the notice with its provenance (``meta``), the controller
(name, address, country, representative, NACE sector) and DPO; one ``dpv:Process`` per
``dataDisclosed`` entry with its personal data, purposes, legal bases, legitimate interests,
recipients, storage and non-disclosure consequences; the third-country transfers; the rights; the
data sources; automated decision-making; changes of purpose.  Categories and purposes are the
notice's own concepts, one per distinct TILT string, labelled verbatim in ``meta.language`` and placed
under DPV with ``skos:broader`` (the curated tables of :mod:`dpv_almi.importers.mapping`, else the top
concept).  Legal bases become ``eu-gdpr:`` IRIs; what names none is kept as text and reported.  Every
resource points with ``dct:source`` to a ``dpva:NoticePassage`` whose ``dpva:section`` is the JSON
pointer it was read from and whose ``dpva:quote`` is the TILT text, so every statement can be traced.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from dpv_almi.errors import InputError
from dpv_almi.identifiers import check_policy_id
from dpv_almi.importers import mapping
from dpv_almi.importers.schema import TiltDocument, read
from dpv_almi.namespaces import DPV, DPVA, EU_GDPR, LEGAL_EU, LOC, PD, RESOURCE_BASE, XSD, bind_prefixes

SUFFIX = ".tilt.json"
EEA = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)
"""EU and EEA member states: a transfer there is not to a third country (GDPR Chapter V)."""
RIGHTS: dict[str, tuple[str, ...]] = {
    "rightToInformation": ("A15",),
    "accessAndDataPortability": ("A15", "A20"),
    "rightToRectificationOrDeletion": ("A16", "A17"),
    "rightToDataPortability": ("A20",),
    "rightToWithdrawConsent": ("A7-3",),
    "rightToComplain": ("A77",),
}
"""TILT's right sections and the GDPR articles (``eu-gdpr:``) each states."""
SCC = re.compile(
    r"standard\s*(?:-\s*)?(?:vertrags|daten\s*schutz|datenschutz)\s*-?\s*klauseln|standard\s+(?:contractual|data protection)\s+clauses|\bSCCs?\b",
    re.I,
)
BCR = re.compile(r"binding corporate rules|verbindliche[n]? (?:interne[n]? )?datenschutzvorschriften|\bBCRs?\b", re.I)
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


def policy_id_for(path: Path) -> str:
    """``bahn.de.tilt.json`` → ``bahn-de``: the name without ``.tilt.json``, other characters → ``-``."""
    name = path.name
    stem = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else path.stem
    return check_policy_id(re.sub(r"[^A-Za-z0-9_-]", "-", stem))


def text(value: Any) -> str | None:
    """A TILT string, or None for the corpus's empty forms (``null``, ``[]``, ``""``); a list of
    strings where one is expected is joined."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        parts = [part.strip() for part in value if isinstance(part, str) and part.strip()]
        return "\n".join(parts) or None
    return None


def items(value: Any) -> list[Any]:
    """A TILT list; one object or string where a list is expected is a list of one."""
    if isinstance(value, list):
        return [item for item in value if item not in (None, [], {}, "")]
    if isinstance(value, (dict, str)) and value:
        return [value]
    return []


def section(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


@dataclass
class Summary:
    """What one notice's import mapped, and what it kept as text."""

    policy: str
    source: str
    processes: int = 0
    disclosures: int = 0
    categories: int = 0
    categories_specific: int = 0
    purposes: int = 0
    purposes_specific: int = 0
    basis_statements: int = 0
    bases_normalised: int = 0
    legal_bases: list[str] = field(default_factory=list)
    """The ``eu-gdpr:`` bases of the processes, one per (process, basis)."""
    countries: list[str] = field(default_factory=list)
    """ISO codes of the transfers' and recipients' countries, as stated."""
    kept_as_text: list[tuple[str, str]] = field(default_factory=list)
    """(JSON pointer, text) of values that name no DPV concept: legal bases, countries, categories."""
    deviations: int = 0
    triples: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "source": self.source,
            "processes": self.processes,
            "categories": self.categories,
            "categories_specific": self.categories_specific,
            "purposes": self.purposes,
            "purposes_specific": self.purposes_specific,
            "basis_statements": self.basis_statements,
            "bases_normalised": self.bases_normalised,
            "legal_bases": self.legal_bases,
            "countries": self.countries,
            "kept_as_text": [{"pointer": p, "text": t} for p, t in self.kept_as_text],
            "schema_deviations": self.deviations,
            "triples": self.triples,
        }


def _curie(name: str) -> URIRef:
    prefix, local = name.split(":", 1)
    return {"dpv": DPV, "pd": PD, "eu-gdpr": EU_GDPR, "loc": LOC}[prefix][local]


class _Builder:
    """Builds one notice's graph; one method per TILT section."""

    def __init__(self, policy: str, document: TiltDocument, source: str) -> None:
        self.data = document.data
        self.meta = section(self.data.get("meta"))
        self.lang = text(self.meta.get("language")) or "und"
        self.ns = Namespace(f"{RESOURCE_BASE}{policy}/")
        self.graph = bind_prefixes(Graph())
        self.graph.bind("", str(self.ns))
        self.notice = self.ns["Notice"]
        self.controller = self.ns["Controller"]
        self.summary = Summary(policy, source, deviations=len(document.deviations))
        self.categories: dict[str, URIRef] = {}
        self.purposes: dict[str, URIRef] = {}
        self.processes: list[URIRef] = []

    # ---- helpers ------------------------------------------------------------------------

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal) -> None:
        self.graph.add((s, p, o))

    def literal(self, value: str) -> Literal:
        return Literal(value, lang=self.lang)

    def passage(self, pointer: str, quote: str | None) -> URIRef:
        """The passage a resource comes from: its JSON pointer, and the TILT text it quotes."""
        node = self.ns["passage" + re.sub(r"[^A-Za-z0-9_-]", "-", pointer)]
        if (node, RDF.type, DPVA.NoticePassage) not in self.graph:
            self.add(node, RDF.type, DPVA.NoticePassage)
            self.add(node, DCTERMS.isPartOf, self.notice)
            self.add(node, DPVA.section, Literal(pointer))
        if quote:
            self.add(node, DPVA.quote, self.literal(quote))
        return node

    def labelled(self, node: URIRef, kind: URIRef, label: str | None, pointer: str, quote: str | None = None) -> URIRef:
        self.add(node, RDF.type, kind)
        if label:
            self.add(node, SKOS.prefLabel, self.literal(label))
        self.add(node, DCTERMS.source, self.passage(pointer, quote if quote is not None else label))
        return node

    def contact(self, node: URIRef, entry: dict[str, Any]) -> None:
        if name := text(entry.get("name")):
            self.add(node, DPV.hasName, Literal(name))
        if address := text(entry.get("address")):
            self.add(node, DPV.hasAddress, Literal(address))
        if email := text(entry.get("email")):
            self.add(node, DPV.hasContact, Literal(f"mailto:{email}" if "@" in email and ":" not in email else email))
        if phone := text(entry.get("phone")):
            self.add(node, DPV.hasContact, Literal("tel:" + re.sub(r"[^0-9+]", "", phone)))

    def country(self, node: URIRef, value: Any, pointer: str, *, third: bool = False) -> list[str]:
        """Link *node* to the countries *value* names (``dpv:hasThirdCountry`` outside the EEA for a
        transfer); text naming none is kept as a note and reported."""
        stated = text(value)
        if not stated:
            return []
        codes = [code for code in mapping.countries(stated) if f"loc:{code}" in mapping.dpv_terms()]
        for code in codes:
            place = LOC[code]
            self.add(node, DPV.hasThirdCountry if third and code not in EEA else DPV.hasCountry, place)
        if not codes:
            self.add(node, SKOS.note, self.literal(stated))
            self.summary.kept_as_text.append((pointer, stated))
        self.summary.countries.extend(codes)
        return codes

    def concept(
        self, table: mapping.TermTable, store: dict[str, URIRef], stem: str, kind: URIRef, label: str, pointer: str
    ) -> tuple[URIRef, bool]:
        """The notice's concept for one TILT string (made once per distinct string), under the DPV
        concepts the table finds in it, else under *kind*; returns it and whether it was new."""
        if label in store:
            return store[label], False
        node = self.ns[f"{stem}-{len(store) + 1}"]
        store[label] = node
        self.labelled(node, kind, label, pointer)
        targets = table.concepts(label, self.lang)
        for target in targets:
            self.add(node, SKOS.broader, _curie(target))
        if not targets:
            self.add(node, SKOS.broader, kind)
        return node, True

    # ---- sections -----------------------------------------------------------------------

    def build(self) -> Graph:
        self.notice_and_meta()
        self.controller_and_dpo()
        for index, entry in enumerate(self.data.get("dataDisclosed") or []):
            if isinstance(entry, dict):
                self.disclosure(index, entry)
        self.summary.disclosures = len(self.processes)
        self.transfers()
        self.rights()
        self.sources()
        self.automated_decisions()
        self.changes_of_purpose()
        self.summary.triples = len(self.graph)
        return self.graph

    def notice_and_meta(self) -> None:
        meta, notice = self.meta, self.notice
        name = text(meta.get("name")) or self.summary.policy
        self.labelled(notice, DPV.PrivacyNotice, name, "/meta/name")
        self.add(notice, RDF.type, OWL.NamedIndividual)
        self.add(notice, DCTERMS.title, self.literal(name))
        self.add(notice, DCTERMS.language, Literal(self.lang))
        self.add(notice, DPV.hasApplicableLaw, LEGAL_EU["law-GDPR"])
        self.add(notice, DPV.hasDataController, self.controller)
        if url := text(meta.get("url")):
            self.add(notice, DCTERMS.source, URIRef(url) if re.match(r"^https?://\S+$", url) else Literal(url))
        if identifier := text(meta.get("_id")):
            self.add(notice, DCTERMS.identifier, Literal(identifier))
        if digest := text(meta.get("_hash")):
            self.add(notice, DPVA.sourceHash, Literal(digest))
        if isinstance(meta.get("version"), int) and not isinstance(meta.get("version"), bool):
            self.add(notice, OWL.versionInfo, Literal(str(meta["version"])))
        if status := text(meta.get("status")):
            self.add(notice, DPVA.tiltStatus, Literal(status))
        for key, predicate in (("created", DCTERMS.created), ("modified", DCTERMS.modified)):
            if stamp := text(meta.get(key)):
                typed = re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", stamp)
                self.add(notice, predicate, Literal(stamp, datatype=XSD.dateTime) if typed else Literal(stamp))

    def controller_and_dpo(self) -> None:
        entry = section(self.data.get("controller"))
        node = self.labelled(self.controller, DPV.DataController, text(entry.get("name")), "/controller")
        self.add(node, RDF.type, DPV.Organisation)
        self.contact(node, entry)
        if division := text(entry.get("division")):
            self.add(node, DPVA.division, self.literal(division))
        self.country(node, entry.get("country"), "/controller/country")
        representative = section(entry.get("representative"))
        if any(text(representative.get(key)) for key in ("name", "email", "phone")):
            rep = self.labelled(
                self.ns["ControllerRepresentative"],
                DPV.Representative,
                text(representative.get("name")),
                "/controller/representative",
            )
            self.contact(rep, representative)
            self.add(node, DPV.hasRepresentative, rep)
        if sector := text(entry.get("sector")):
            code = self.ns["Sector"]
            self.labelled(code, DPV.Sector, None, "/controller/sector", sector)
            self.add(code, SKOS.notation, Literal(sector))
            self.add(code, SKOS.prefLabel, Literal(f"NACE {sector}", lang="en"))
            self.add(code, SKOS.broader, DPV.Sector)
            self.add(node, DPV.hasSector, code)
        dpo = section(self.data.get("dataProtectionOfficer"))
        if any(text(dpo.get(key)) for key in ("name", "address", "email", "phone", "country")):
            officer = self.labelled(
                self.ns["DPO"], DPV.DataProtectionOfficer, text(dpo.get("name")), "/dataProtectionOfficer"
            )
            self.contact(officer, dpo)
            self.country(officer, dpo.get("country"), "/dataProtectionOfficer/country")
            self.add(self.notice, DPV.hasDataProtectionOfficer, officer)
            self.add(node, DPV.hasDataProtectionOfficer, officer)

    def disclosure(self, index: int, entry: dict[str, Any]) -> None:
        base = f"/dataDisclosed/{index}"
        number = index + 1
        category = text(entry.get("category"))
        process = self.labelled(self.ns[f"Process-{number}"], DPV.Process, category, base)
        if not category:
            self.add(process, SKOS.prefLabel, Literal(f"Disclosure {number}", lang="en"))
        self.processes.append(process)
        self.summary.processes += 1
        self.add(process, DPV.hasNotice, self.notice)
        self.add(self.notice, DPV.hasProcess, process)
        self.add(process, DPV.hasDataController, self.controller)
        if identifier := text(entry.get("_id")):
            self.add(process, DCTERMS.identifier, Literal(identifier))
        if category:
            node, new = self.concept(
                mapping.categories(), self.categories, "Category", DPV.PersonalData, category, f"{base}/category"
            )
            self.add(process, DPV.hasPersonalData, node)
            self.add(self.notice, DPVA.definesPersonalData, node)
            if new:
                self.summary.categories += 1
                if (node, SKOS.broader, DPV.PersonalData) not in self.graph:
                    self.summary.categories_specific += 1
        for k, purpose in enumerate(items(entry.get("purposes"))):
            self.purpose(process, f"{base}/purposes/{k}", purpose)
        for k, basis in enumerate(items(entry.get("legalBases"))):
            self.legal_basis(process, f"{base}/legalBases/{k}", basis)
        for k, interest in enumerate(items(entry.get("legitimateInterests"))):
            self.legitimate_interest(process, f"{base}/legitimateInterests/{k}", number, k, interest)
        for k, recipient in enumerate(items(entry.get("recipients"))):
            self.recipient(process, f"{base}/recipients/{k}", number, k, recipient)
        for k, storage in enumerate(items(entry.get("storage"))):
            self.storage(process, f"{base}/storage/{k}", number, k, storage)
        self.non_disclosure(process, f"{base}/nonDisclosure", number, section(entry.get("nonDisclosure")))

    def purpose(self, process: URIRef, pointer: str, value: Any) -> None:
        entry = value if isinstance(value, dict) else {"purpose": value}
        label, description = text(entry.get("purpose")), text(entry.get("description"))
        if not (label or description):
            return
        node, new = self.concept(
            mapping.purposes(), self.purposes, "Purpose", DPV.Purpose, label or description or "", pointer
        )
        if new:
            if label and description:
                self.add(node, DCTERMS.description, self.literal(description))
                self.add(self.passage(pointer, None), DPVA.quote, self.literal(description))
                if (node, SKOS.broader, DPV.Purpose) in self.graph:  # the label named none: the text may
                    extra = mapping.purposes().concepts(description, self.lang)
                    if extra:
                        self.graph.remove((node, SKOS.broader, DPV.Purpose))
                        for target in extra:
                            self.add(node, SKOS.broader, _curie(target))
            self.summary.purposes += 1
            if (node, SKOS.broader, DPV.Purpose) not in self.graph:
                self.summary.purposes_specific += 1
        self.add(process, DPV.hasPurpose, node)

    def legal_basis(self, process: URIRef, pointer: str, value: Any) -> None:
        entry = value if isinstance(value, dict) else {"reference": value}
        reference, description = text(entry.get("reference")), text(entry.get("description"))
        if not (reference or description):
            return
        self.summary.basis_statements += 1
        quote = "\n".join(part for part in (reference, description) if part)
        source = self.passage(pointer, quote)
        bases = mapping.legal_bases(reference or "") or mapping.legal_bases(description or "")
        for name in bases:
            if (process, DPV.hasLegalBasis, _curie(name)) not in self.graph:
                self.summary.legal_bases.append(name)
            self.add(process, DPV.hasLegalBasis, _curie(name))
        if bases:
            self.summary.bases_normalised += 1
            self.add(process, DCTERMS.source, source)
            return
        node = self.ns["LegalBasis" + re.sub(r"[^A-Za-z0-9_-]", "-", pointer.removeprefix("/dataDisclosed"))]
        self.labelled(node, DPV.LegalBasis, reference or description, pointer, quote)
        self.add(node, SKOS.broader, DPV.LegalBasis)
        if reference and description:
            self.add(node, DCTERMS.description, self.literal(description))
        self.add(process, DPV.hasLegalBasis, node)
        self.summary.kept_as_text.append((pointer, quote))

    def legitimate_interest(self, process: URIRef, pointer: str, number: int, k: int, value: Any) -> None:
        entry = section(value)
        exists, reasoning = flag(entry.get("exists")), text(entry.get("reasoning"))
        if exists is not True and not reasoning:
            return
        node = self.labelled(
            self.ns[f"LegitimateInterest-{number}-{k + 1}"], DPV.LegitimateInterest, None, pointer, reasoning
        )
        self.add(node, SKOS.broader, EU_GDPR["A6-1-f"])
        self.add(node, SKOS.prefLabel, Literal("Legitimate interest", lang="en"))
        if reasoning:
            self.add(node, DCTERMS.description, self.literal(reasoning))
        self.add(process, DPV.hasLegalBasis, node)

    def recipient(self, process: URIRef, pointer: str, number: int, k: int, value: Any) -> None:
        entry = value if isinstance(value, dict) else {"category": value}
        name, category = text(entry.get("name")), text(entry.get("category"))
        if not (name or category or text(entry.get("country"))):
            return
        node = self.labelled(self.ns[f"Recipient-{number}-{k + 1}"], DPV.Recipient, name or category, pointer)
        self.contact(node, entry)
        if name:
            self.add(node, RDF.type, DPV.Organisation)
        if category:
            self.add(node, DCTERMS.description, self.literal(category))
        if division := text(entry.get("division")):
            self.add(node, DPVA.division, self.literal(division))
        self.country(node, entry.get("country"), f"{pointer}/country")
        self.add(process, DPV.hasRecipient, node)

    def storage(self, process: URIRef, pointer: str, number: int, k: int, value: Any) -> None:
        entry = value if isinstance(value, dict) else {"purposeConditional": [value]}
        node = self.ns[f"Storage-{number}-{k + 1}"]
        durations: list[URIRef] = []
        for t, temporal in enumerate(items(entry.get("temporal"))):
            temporal = section(temporal)
            ttl, description = text(temporal.get("ttl")), text(temporal.get("description"))
            if not (ttl or description):
                continue
            duration = self.labelled(
                self.ns[f"Duration-{number}-{k + 1}-{t + 1}"],
                DPV.TemporalDuration if ttl else DPV.Duration,
                description,
                f"{pointer}/temporal/{t}",
                "\n".join(p for p in (ttl, description) if p),
            )
            if ttl:
                typed = ISO_DURATION.match(ttl)
                self.add(duration, RDF.value, Literal(ttl, datatype=XSD.duration) if typed else Literal(ttl))
            durations.append(duration)
        for c, condition in enumerate(items(entry.get("purposeConditional"))):
            if phrase := text(condition):
                durations.append(
                    self.labelled(
                        self.ns[f"Until-{number}-{k + 1}-{c + 1}"],
                        DPV.UntilEventDuration,
                        phrase,
                        f"{pointer}/purposeConditional/{c}",
                    )
                )
        for c, condition in enumerate(items(entry.get("legalBasisConditional"))):
            if phrase := text(condition):
                until = self.labelled(
                    self.ns[f"UntilLegal-{number}-{k + 1}-{c + 1}"],
                    DPV.UntilEventDuration,
                    phrase,
                    f"{pointer}/legalBasisConditional/{c}",
                )
                for name in mapping.legal_bases(phrase):
                    self.add(until, DPV.hasLegalBasis, _curie(name))
                durations.append(until)
        if not durations:
            return
        self.labelled(node, DPV.StorageDuration, None, pointer, None)
        self.add(node, SKOS.prefLabel, Literal(f"Storage {number}.{k + 1}", lang="en"))
        if aggregation := text(entry.get("aggregationFunction")):
            self.add(node, DPVA.aggregationFunction, Literal(aggregation.lower()))
        for duration in durations:
            self.add(node, DPV.hasDuration, duration)
        self.add(process, DPV.hasStorageCondition, node)

    def non_disclosure(self, process: URIRef, pointer: str, number: int, entry: dict[str, Any]) -> None:
        consequences = text(entry.get("consequences"))
        legal, contractual, obligation = (
            flag(entry.get("legalRequirement")),
            flag(entry.get("contractualRegulation")),
            flag(entry.get("obligationToProvide")),
        )
        if obligation is not None:
            self.add(process, DPV.hasNecessity, DPV.Required if obligation else DPV.Optional)
        if consequences is None and legal is None and contractual is None:
            return
        node = self.labelled(self.ns[f"NonDisclosure-{number}"], DPV.ConsequenceOfFailure, None, pointer, consequences)
        self.add(node, SKOS.prefLabel, Literal("If the data is not provided", lang="en"))
        if consequences:
            self.add(node, DCTERMS.description, self.literal(consequences))
        if legal is not None:
            self.add(node, DPVA.statutoryRequirement, Literal(legal))
        if contractual is not None:
            self.add(node, DPVA.contractualRequirement, Literal(contractual))
        self.add(process, DPV.hasConsequence, node)

    def transfers(self) -> None:
        for k, value in enumerate(items(self.data.get("thirdCountryTransfers"))):
            entry = section(value)
            pointer = f"/thirdCountryTransfers/{k}"
            country = text(entry.get("country"))
            parts = {key: section(entry.get(key)) for key in (
                "adequacyDecision", "appropriateGuarantees",
                "presenceOfEnforceableRightsAndEffectiveRemedies", "standardDataProtectionClause",
            )}  # fmt: skip
            if not country and not any(flag(p.get("available")) or text(p.get("description")) for p in parts.values()):
                continue
            label = country if country and len(country) <= 80 else f"Transfer {k + 1}"
            node = self.labelled(self.ns[f"Transfer-{k + 1}"], DPV.Processing, label, pointer, country)
            self.add(node, SKOS.broader, DPV.CrossBorderTransfer)
            if country and len(country) > 80:
                self.add(node, DCTERMS.description, self.literal(country))
            self.add(node, DPV.hasDataExporter, self.controller)
            self.country(node, country, f"{pointer}/country", third=True)
            statements = [country or ""]
            for key, part in parts.items():
                available, description = flag(part.get("available")), text(part.get("description"))
                if description:
                    statements.append(description)
                    self.add(self.passage(f"{pointer}/{key}", description), DCTERMS.isPartOf, self.notice)
                if available is None and not description:
                    continue
                measure = self.ns[f"Transfer-{k + 1}-{key}"]
                self.labelled(measure, DPV.SafeguardForDataTransfer, None, f"{pointer}/{key}", description)
                self.add(measure, SKOS.prefLabel, Literal(_SAFEGUARD_LABELS[key], lang="en"))
                if description:
                    self.add(measure, DCTERMS.description, self.literal(description))
                if available is not None:
                    self.add(measure, DPVA.available, Literal(available))
                self.add(node, DPV.hasOrganisationalMeasure, measure)
                if available and key == "adequacyDecision":
                    self.add(node, DPV.hasLegalBasis, EU_GDPR["A45-3"])
                if available and key == "standardDataProtectionClause":
                    self.add(node, DPV.hasLegalBasis, EU_GDPR["A46-2-c"])
                    self.add(node, DPV.hasOrganisationalMeasure, EU_GDPR.SCCByCommission)
            joined = "\n".join(statements)
            if SCC.search(joined):
                self.add(node, DPV.hasLegalBasis, EU_GDPR["A46-2-c"])
                self.add(node, DPV.hasOrganisationalMeasure, EU_GDPR.SCCByCommission)
            if BCR.search(joined):
                self.add(node, DPV.hasLegalBasis, EU_GDPR["A46-2-b"])
                self.add(node, DPV.hasOrganisationalMeasure, EU_GDPR.BindingCorporateRules)
            for name in mapping.legal_bases(joined):
                if name.startswith("eu-gdpr:A4") or name.startswith("eu-gdpr:A49"):
                    self.add(node, DPV.hasLegalBasis, _curie(name))
            for process in self.processes:
                self.add(process, DPV.hasProcessing, node)

    def rights(self) -> None:
        for key, articles in RIGHTS.items():
            entry = section(self.data.get(key))
            available, description = flag(entry.get("available")), text(entry.get("description"))
            url, email = text(entry.get("url")), text(entry.get("email"))
            if not (available or description or url or email):
                continue
            node = self.labelled(self.ns[f"Right-{key}"], DPV.Right, None, f"/{key}", description)
            self.add(node, SKOS.prefLabel, Literal(_RIGHT_LABELS[key], lang="en"))
            for article in articles:
                self.add(node, SKOS.broader, EU_GDPR[article])
            if description:
                self.add(node, DCTERMS.description, self.literal(description))
            if available is not None:
                self.add(node, DPVA.available, Literal(available))
            if url or email:
                exercise = self.labelled(self.ns[f"Exercise-{key}"], DPV.RightExerciseNotice, None, f"/{key}", None)
                self.add(exercise, SKOS.prefLabel, Literal(f"How to exercise: {_RIGHT_LABELS[key]}", lang="en"))
                if url:
                    self.add(exercise, RDFS.seeAlso, URIRef(url) if re.match(r"^https?://\S+$", url) else Literal(url))
                if email:
                    self.add(
                        exercise,
                        DPV.hasContact,
                        Literal(f"mailto:{email}" if "@" in email and ":" not in email else email),
                    )
                self.add(node, DPV.isExercisedAt, exercise)
            for evidence in items(entry.get("identificationEvidences")):
                if phrase := text(evidence):
                    self.add(node, DPVA.identificationEvidence, self.literal(phrase))
            if key == "rightToComplain":
                authority = section(entry.get("supervisoryAuthority"))
                if text(authority.get("name")):
                    dpa = self.labelled(
                        self.ns["SupervisoryAuthority"],
                        DPV.DataProtectionAuthority,
                        text(authority.get("name")),
                        f"/{key}/supervisoryAuthority",
                    )
                    self.contact(dpa, authority)
                    self.country(dpa, authority.get("country"), f"/{key}/supervisoryAuthority/country")
                    self.add(node, DPV.hasAuthority, dpa)
                    self.add(self.notice, DPV.hasAuthority, dpa)
            self.add(self.notice, DPV.hasRight, node)

    def sources(self) -> None:
        for k, value in enumerate(items(self.data.get("sources"))):
            entry = section(value)
            category = text(entry.get("dataCategory"))
            for m, source in enumerate(items(entry.get("sources"))):
                source = section(source)
                description, url = text(source.get("description")), text(source.get("url"))
                if not (description or url):
                    continue
                node = self.labelled(
                    self.ns[f"Source-{k + 1}-{m + 1}"], DPV.DataSource, description, f"/sources/{k}/sources/{m}"
                )
                public = flag(source.get("publiclyAvailable"))
                self.add(node, SKOS.broader, DPV.PublicDataSource if public else DPV.ThirdPartyDataSource)
                if url:
                    self.add(node, RDFS.seeAlso, URIRef(url) if re.match(r"^https?://\S+$", url) else Literal(url))
                if category:
                    self.add(node, DCTERMS.subject, self.literal(category))
                    concept = self.categories.get(category)
                    for process in self.processes:
                        if concept is not None and (process, DPV.hasPersonalData, concept) in self.graph:
                            self.add(process, DPV.hasDataSource, node)

    def automated_decisions(self) -> None:
        entry = section(self.data.get("automatedDecisionMaking"))
        in_use = flag(entry.get("inUse"))
        logic, scope = text(entry.get("logicInvolved")), text(entry.get("scopeAndIntendedEffects"))
        if in_use is not None:
            self.add(self.notice, DPVA.automatedDecisionMaking, Literal(in_use))
        if not in_use:
            return
        node = self.labelled(
            self.ns["AutomatedDecisionMaking"], DPV.Processing, None, "/automatedDecisionMaking", logic
        )
        self.add(node, SKOS.broader, DPV.AutomatedDecisionMaking)
        self.add(node, SKOS.prefLabel, Literal("Automated decision-making", lang="en"))
        if logic:
            self.add(node, DCTERMS.description, self.literal(logic))
            algorithm = self.ns["AlgorithmicLogic"]
            self.labelled(algorithm, DPV.AlgorithmicLogic, None, "/automatedDecisionMaking/logicInvolved", logic)
            self.add(algorithm, DCTERMS.description, self.literal(logic))
            self.add(node, DPV.hasAlgorithmicLogic, algorithm)
        if scope:
            self.add(node, SKOS.scopeNote, self.literal(scope))
            self.add(
                self.passage("/automatedDecisionMaking/scopeAndIntendedEffects", scope), DCTERMS.isPartOf, self.notice
            )
        for process in self.processes:
            self.add(process, DPV.hasProcessing, node)

    def changes_of_purpose(self) -> None:
        for k, value in enumerate(items(self.data.get("changesOfPurpose"))):
            entry = section(value)
            description = text(entry.get("description"))
            date, url = text(entry.get("plannedDateOfChange")), text(entry.get("urlOfNewVersion"))
            if not (description or date or url):
                continue
            node = self.labelled(
                self.ns[f"ChangeOfPurpose-{k + 1}"], DPVA.ChangeLogEntry, None, f"/changesOfPurpose/{k}", description
            )
            self.add(node, SKOS.prefLabel, Literal(f"Change of purpose {k + 1}", lang="en"))
            if description:
                self.add(node, DCTERMS.description, self.literal(description))
            if date:
                self.add(node, DCTERMS.date, Literal(date))
            if url:
                self.add(node, RDFS.seeAlso, URIRef(url) if re.match(r"^https?://\S+$", url) else Literal(url))
            for category in items(entry.get("affectedDataCategories")):
                if phrase := text(category):
                    self.add(node, DCTERMS.subject, self.literal(phrase))
            self.add(self.notice, DPVA.hasChangeLogEntry, node)


_SAFEGUARD_LABELS = {
    "adequacyDecision": "Adequacy decision",
    "appropriateGuarantees": "Appropriate safeguards",
    "presenceOfEnforceableRightsAndEffectiveRemedies": "Enforceable rights and effective remedies",
    "standardDataProtectionClause": "Standard data protection clauses",
}
_RIGHT_LABELS = {
    "rightToInformation": "Right of access",
    "accessAndDataPortability": "Access and data portability",
    "rightToRectificationOrDeletion": "Right to rectification or erasure",
    "rightToDataPortability": "Right to data portability",
    "rightToWithdrawConsent": "Right to withdraw consent",
    "rightToComplain": "Right to lodge a complaint with a supervisory authority",
}


def convert(document: TiltDocument, policy: str, source: str = "") -> tuple[Graph, Summary]:
    """The DPV model of one TILT document, and what was mapped."""
    builder = _Builder(policy, document, source)
    return builder.build(), builder.summary


def tilt_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The TILT files named: files as given, folders' ``*.tilt.json`` (then ``*.json``) sorted."""
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob(f"*{SUFFIX}")) or sorted(path.glob("*.json"))
            if not found:
                raise InputError(f"{path}: no TILT files (*{SUFFIX}) in this folder", "No input")
            yield from found
        elif path.exists():
            yield path
        else:
            raise InputError(f"{path}: no such file or folder", "No input")


def import_files(paths: Iterable[Path], out: Path, *, strict: bool = False) -> list[Summary]:
    """Check every input first (nothing is written if one is bad), then write ``out/<id>.ttl`` each."""
    files = list(tilt_files(paths))
    seen: dict[str, Path] = {}
    converted: list[tuple[Graph, Summary]] = []
    for path in files:
        policy = policy_id_for(path)
        if policy in seen and seen[policy].resolve() != path.resolve():
            raise InputError(f"{path}: its id '{policy}' is also that of {seen[policy]}", "Duplicate policy id")
        if policy in seen:
            continue
        seen[policy] = path
        converted.append(convert(read(path, strict=strict), policy, str(path)))
    out.mkdir(parents=True, exist_ok=True)
    for graph, summary in converted:
        _write_new(out / f"{summary.policy}.ttl", graph.serialize(format="turtle", encoding="utf-8"))
    return [summary for _, summary in converted]


def _write_new(target: Path, content: bytes) -> None:
    """Write *target* whole or not at all, through a temporary file of a fresh name created here: a fixed
    name planted in a shared folder as a symbolic link would have the content written where it points."""
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temporary = Path(name)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(descriptor, 0o666 & ~umask)  # as an ordinary new file (mkstemp makes it 0600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
