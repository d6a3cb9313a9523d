"""DPV → TILT: a policy model written back as a TILT document that passes the strict TILT schema.

Works for any model shaped like the Almi one (Almi itself, and what :mod:`dpv_almi.importers.tilt`
writes): the notice, its controller and DPO, one ``dataDisclosed`` entry per ``dpv:Process``, the
cross-border transfers its processes use, its rights, sources, automated decision-making and change
log.  Labels are taken in the notice's language (``dct:language``), else English, else any.  What
TILT requires but the model does not state is written empty (``""``, ``false``, ``[]``); a country the
model does not name as an ISO code is ``ZZ`` ("unknown") where TILT requires one.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from dpv_almi.importers.tilt import RIGHTS
from dpv_almi.namespaces import DPV, DPVA, EU_GDPR, LOC

UNKNOWN_COUNTRY = "ZZ"
_PHONE = re.compile(r"[+]*[(]{0,1}[0-9]{1,4}[)]{0,1}[-\s\./0-9]*")


class _Reader:
    """Reads one policy graph in the notice's language."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        notices = sorted(
            {s for s in graph.subjects(RDF.type, DPV.PrivacyNotice) if isinstance(s, URIRef)}
            | {
                o
                for o in graph.objects(None, DPV.hasNotice)
                if isinstance(o, URIRef) and (o, RDF.type, DPVA.InformationElsewhere) not in graph
            },  # information given elsewhere is not the policy's notice
            key=str,
        )
        if not notices:
            raise ValueError("no privacy notice (dpv:PrivacyNotice) in the policy")
        self.notice = notices[0]
        language = self.value(self.notice, DCTERMS.language)
        self.lang = str(language) if language is not None else "en"

    def value(self, subject: Node, predicate: URIRef) -> Node | None:
        return next(iter(sorted(self.graph.objects(subject, predicate), key=str)), None)

    def objects(self, subject: Node, predicate: URIRef) -> list[Node]:
        return sorted(set(self.graph.objects(subject, predicate)), key=str)

    def string(self, subject: Node | None, *predicates: URIRef) -> str:
        """The first value of the first predicate that has one, in the notice's language if it can."""
        if subject is None:
            return ""
        for predicate in predicates:
            values = [v for v in self.graph.objects(subject, predicate) if isinstance(v, (Literal, URIRef))]
            if not values:
                continue
            for wanted in (self.lang, "en", None):
                for value in sorted(values, key=str):
                    if wanted is None or (isinstance(value, Literal) and value.language == wanted):
                        return str(value)
        return ""

    def label(self, subject: Node | None) -> str:
        return self.string(subject, SKOS.prefLabel, RDFS.label, DPV.hasName)

    def flag(self, subject: Node | None, predicate: URIRef) -> bool | None:
        value = self.value(subject, predicate) if subject is not None else None
        return bool(value.toPython()) if isinstance(value, Literal) else None

    def broader(self, subject: Node) -> set[Node]:
        return {node for node in self.graph.transitive_objects(subject, SKOS.broader) if node is not None}


def _country(reader: _Reader, subject: Node | None) -> str:
    """The ISO code of the first ``loc:`` country the subject names, or ``""``."""
    if subject is None:
        return ""
    for predicate in (DPV.hasCountry, DPV.hasThirdCountry, DPV.hasLocation):
        for place in reader.objects(subject, predicate):
            if isinstance(place, URIRef) and str(place).startswith(str(LOC)):
                code = str(place)[len(str(LOC)) :]
                if re.fullmatch(r"[A-Z]{2}", code):
                    return code
            elif place is not None and place != subject:
                nested = _country(reader, place) if (place, RDF.type, DPV.ThirdCountry) in reader.graph else ""
                if nested:
                    return nested
    return ""


def _contact(reader: _Reader, subject: Node | None) -> tuple[str, str]:
    """(email, phone) from ``dpv:hasContact``."""
    email = phone = ""
    for value in reader.objects(subject, DPV.hasContact) if subject is not None else []:
        text = str(value)
        if text.startswith("mailto:") and not email:
            email = text.removeprefix("mailto:")
        elif text.startswith("tel:") and not phone:
            phone = text.removeprefix("tel:")
        elif "@" in text and ":" not in text and not email:
            email = text
    return email, phone


def _reference(iri: Node) -> str:
    """``eu-gdpr:A6-1-f`` → ``GDPR-6-1-f`` (TILT's reference format)."""
    local = str(iri)[len(str(EU_GDPR)) :]
    return "GDPR-" + local.removeprefix("A")


def _gdpr_bases(reader: _Reader, basis: Node) -> list[Node]:
    return sorted((b for b in reader.broader(basis) if str(b).startswith(str(EU_GDPR) + "A")), key=str)


def _legal_bases(reader: _Reader, process: Node) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    bases: list[dict[str, str]] = []
    interests: list[dict[str, Any]] = []
    for basis in reader.objects(process, DPV.hasLegalBasis):
        if (basis, RDF.type, DPV.LegitimateInterest) in reader.graph:
            interests.append({"exists": True, "reasoning": reader.string(basis, DCTERMS.description)})
            continue
        articles = _gdpr_bases(reader, basis)
        if articles:
            for article in articles:
                bases.append(
                    {"reference": _reference(article), "description": reader.string(basis, DCTERMS.description)}
                )
        else:
            text = reader.label(basis) or reader.string(basis, DCTERMS.description)
            bases.append({"reference": "", "description": text})
    if not interests and any(b["reference"] == "GDPR-6-1-f" for b in bases):
        interests.append({"exists": True, "reasoning": ""})
    return bases, interests


def _storage(reader: _Reader, process: Node) -> list[dict[str, Any]]:
    storage: list[dict[str, Any]] = []
    for condition in reader.objects(process, DPV.hasStorageCondition):
        durations = reader.objects(condition, DPV.hasDuration)
        if not durations:
            continue
        temporal: list[dict[str, str]] = []
        conditional: list[str] = []
        legal: list[str] = []
        for duration in durations:
            value = reader.value(duration, RDF.value)
            if value is not None and re.fullmatch(r"P[0-9YMWDTHS.]+", str(value)):
                temporal.append(
                    {
                        "description": reader.label(duration) or reader.string(duration, DCTERMS.description),
                        "ttl": str(value),
                    }
                )
            elif reader.objects(duration, DPV.hasLegalBasis):
                legal.extend(
                    _reference(b)
                    for b in reader.objects(duration, DPV.hasLegalBasis)
                    if str(b).startswith(str(EU_GDPR))
                )
            else:
                conditional.append(
                    reader.string(duration, DCTERMS.description, SKOS.prefLabel) or reader.label(duration)
                )
        aggregation = reader.string(condition, DPVA.aggregationFunction) or "max"
        storage.append({
            "temporal": temporal,
            "purposeConditional": [c for c in conditional if c],
            "legalBasisConditional": legal,
            "aggregationFunction": aggregation if aggregation in ("min", "max", "sum", "avg") else "max",
        })  # fmt: skip
    return storage


def _recipients(reader: _Reader, process: Node) -> list[dict[str, Any]]:
    recipients = []
    for predicate in (
        DPV.hasRecipient,
        DPV.hasDataProcessor,
        DPV.hasRecipientDataController,
        DPV.hasRecipientThirdParty,
    ):
        for recipient in reader.objects(process, predicate):
            entry: dict[str, Any] = {
                "name": reader.string(recipient, DPV.hasName) or reader.label(recipient),
                "category": reader.string(recipient, DCTERMS.description) or reader.label(recipient),
            }
            if country := _country(reader, recipient):
                entry["country"] = country
            recipients.append(entry)
    return recipients


def _non_disclosure(reader: _Reader, process: Node) -> dict[str, Any]:
    consequence = reader.value(process, DPV.hasConsequence)
    necessity = reader.value(process, DPV.hasNecessity)
    return {
        "legalRequirement": bool(reader.flag(consequence, DPVA.statutoryRequirement)),
        "contractualRegulation": bool(reader.flag(consequence, DPVA.contractualRequirement)),
        "obligationToProvide": necessity == DPV.Required,
        "consequences": reader.string(consequence, DCTERMS.description) or reader.label(consequence),
    }


def _disclosure(reader: _Reader, process: Node) -> dict[str, Any]:
    bases, interests = _legal_bases(reader, process)
    return {
        "_id": reader.string(process, DCTERMS.identifier) or str(process).rsplit("/", 1)[-1],
        "category": ", ".join(sorted({reader.label(c) for c in reader.objects(process, DPV.hasPersonalData)} - {""})),
        "purposes": [
            {"purpose": reader.label(p), "description": reader.string(p, DCTERMS.description)}
            for p in reader.objects(process, DPV.hasPurpose)
        ],
        "legalBases": bases,
        "legitimateInterests": interests,
        "recipients": _recipients(reader, process),
        "storage": _storage(reader, process),
        "nonDisclosure": _non_disclosure(reader, process),
    }


def _transfers(reader: _Reader, processes: Iterable[Node]) -> list[dict[str, Any]]:
    transfers: dict[Node, dict[str, Any]] = {}
    for process in processes:
        for operation in reader.objects(process, DPV.hasProcessing):
            if operation in transfers or DPV.CrossBorderTransfer not in reader.broader(operation):
                continue
            bases = set(reader.objects(operation, DPV.hasLegalBasis))
            measures = reader.objects(operation, DPV.hasOrganisationalMeasure)
            parts: dict[str, dict[str, Any]] = {}
            for key in (
                "adequacyDecision",
                "appropriateGuarantees",
                "presenceOfEnforceableRightsAndEffectiveRemedies",
                "standardDataProtectionClause",
            ):
                node = next((m for m in measures if str(m).endswith(f"-{key}")), None)
                available = reader.flag(node, DPVA.available)
                if key == "adequacyDecision" and EU_GDPR["A45-3"] in bases:
                    available = True
                if key == "standardDataProtectionClause" and (
                    EU_GDPR["A46-2-c"] in bases or EU_GDPR.SCCByCommission in measures
                ):
                    available = True
                if key == "appropriateGuarantees" and EU_GDPR.BindingCorporateRules in measures:
                    available = True
                parts[key] = {"available": bool(available), "description": reader.string(node, DCTERMS.description)}
            entry: dict[str, Any] = {}
            if country := _country(reader, operation):
                entry["country"] = country
            entry.update(parts)
            transfers[operation] = entry
    return list(transfers.values())


def _rights(reader: _Reader) -> dict[str, dict[str, Any]]:
    rights = reader.objects(reader.notice, DPV.hasRight)
    out: dict[str, dict[str, Any]] = {}
    for key, articles in RIGHTS.items():
        wanted = {EU_GDPR[a] for a in articles}
        matches = [r for r in rights if str(r).endswith(f"/Right-{key}")] or [
            r for r in rights if wanted & reader.broader(r)
        ]
        description = " ".join(d for d in (reader.string(r, DCTERMS.description) for r in matches) if d)
        entry: dict[str, Any] = {"available": bool(matches), "description": description}
        for right in matches:
            for place in reader.objects(right, DPV.isExercisedAt):
                email, _ = _contact(reader, place)
                see = reader.value(place, RDFS.seeAlso)
                if email and "email" not in entry:
                    entry["email"] = email
                if see is not None and "url" not in entry:
                    entry["url"] = str(see)
        entry["identificationEvidences"] = sorted(
            {str(e) for r in matches for e in reader.objects(r, DPVA.identificationEvidence)}
        )
        if key == "rightToComplain":
            entry["supervisoryAuthority"] = {"name": ""}
            authority = next((a for r in matches for a in reader.objects(r, DPV.hasAuthority)), None)
            authority = authority or reader.value(reader.notice, DPV.hasAuthority)
            if authority is not None:
                email, phone = _contact(reader, authority)
                stated = {
                    "name": reader.string(authority, DPV.hasName) or reader.label(authority) or str(authority),
                    "address": reader.string(authority, DPV.hasAddress),
                    "country": _country(reader, authority) or _authority_country(authority),
                    "email": email,
                    "phone": phone if _PHONE.fullmatch(phone) else "",
                }
                entry["supervisoryAuthority"] = {k: v for k, v in stated.items() if v}
        out[key] = entry
    return out


def _authority_country(authority: Node) -> str:
    match = re.search(r"/legal/([a-z]{2})#DPA", str(authority))
    return match.group(1).upper() if match else ""


def _sources(reader: _Reader, processes: Iterable[Node]) -> list[dict[str, Any]]:
    sources: dict[Node, dict[str, Any]] = {}
    for process in processes:
        categories = ", ".join(sorted({reader.label(c) for c in reader.objects(process, DPV.hasPersonalData)} - {""}))
        for source in reader.objects(process, DPV.hasDataSource):
            entry = sources.setdefault(
                source,
                {"_id": str(uuid.uuid5(uuid.NAMESPACE_URL, str(source))), "dataCategory": categories, "sources": []},
            )
            if not entry["sources"]:
                see = reader.value(source, RDFS.seeAlso)
                entry["sources"].append({
                    "description": reader.label(source) or reader.string(source, DCTERMS.description),
                    "url": str(see) if see is not None else "",
                    "publiclyAvailable": DPV.PublicDataSource in reader.broader(source),
                })  # fmt: skip
    return list(sources.values())


def _automated(reader: _Reader, processes: Iterable[Node]) -> dict[str, Any]:
    for process in processes:
        for operation in reader.objects(process, DPV.hasProcessing):
            if DPV.AutomatedDecisionMaking in reader.broader(operation) or operation == DPV.AutomatedDecisionMaking:
                return {
                    "inUse": True,
                    "logicInvolved": reader.string(operation, DCTERMS.description),
                    "scopeAndIntendedEffects": reader.string(operation, SKOS.scopeNote),
                }
    return {"inUse": False}


def _changes(reader: _Reader) -> list[dict[str, Any]]:
    changes = []
    for entry in reader.objects(reader.notice, DPVA.hasChangeLogEntry):
        change: dict[str, Any] = {
            "description": reader.string(entry, DCTERMS.description) or reader.label(entry),
            "affectedDataCategories": sorted({str(s) for s in reader.objects(entry, DCTERMS.subject)}),
        }
        date = reader.value(entry, DCTERMS.date)
        if date is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(date)[:10]):
            change["plannedDateOfChange"] = str(date)[:10]
        see = reader.value(entry, RDFS.seeAlso)
        change["urlOfNewVersion"] = str(see) if see is not None else ""
        changes.append(change)
    return changes


def _stamp(value: Node | None) -> str:
    text = str(value) if value is not None else ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text + "T00:00:00"
    return text if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?", text) else ""


def export(graph: Graph, source_bytes: bytes = b"") -> dict[str, Any]:
    """The TILT document of the policy in *graph*."""
    reader = _Reader(graph)
    notice = reader.notice
    processes = [p for p in reader.objects(notice, DPV.hasProcess)] or sorted(
        {s for s in graph.subjects(DPV.hasNotice, notice)}, key=str
    )
    controller = reader.value(notice, DPV.hasDataController)
    if controller is None:
        joint = reader.value(notice, DPV.hasJointDataControllers)
        controller = reader.value(joint, DPV.hasDataController) if joint is not None else None
    dpo = reader.value(notice, DPV.hasDataProtectionOfficer) or (
        reader.value(controller, DPV.hasDataProtectionOfficer) if controller is not None else None
    )
    authority = reader.value(notice, DPV.hasAuthority)
    fallback_country = (
        _country(reader, controller) or (_authority_country(authority) if authority else "") or UNKNOWN_COUNTRY
    )
    representative = reader.value(controller, DPV.hasRepresentative) if controller is not None else None
    rep_email, rep_phone = _contact(reader, representative)
    dpo_email, dpo_phone = _contact(reader, dpo)
    modified = _stamp(reader.value(notice, DCTERMS.modified))
    created = _stamp(reader.value(notice, DCTERMS.created)) or modified
    url = next(
        (
            u
            for u in reader.objects(notice, DCTERMS.source)
            if isinstance(u, URIRef) and (u, RDF.type, DPVA.NoticePassage) not in graph
        ),
        None,
    )
    digest = reader.string(notice, DPVA.sourceHash)
    version = reader.value(notice, OWL.versionInfo)
    document: dict[str, Any] = {
        "meta": {
            "_id": reader.string(notice, DCTERMS.identifier) or str(uuid.uuid5(uuid.NAMESPACE_URL, str(notice))),
            "name": reader.string(notice, DCTERMS.title, SKOS.prefLabel),
            "created": created or "1970-01-01T00:00:00",
            "modified": modified or created or "1970-01-01T00:00:00",
            "version": int(str(version)) if version is not None and str(version).isdigit() and int(str(version)) >= 1 else 1,
            "language": reader.lang if re.fullmatch(r"[a-z]{2}", reader.lang) else "en",
            "status": reader.string(notice, DPVA.tiltStatus) or "active",
            "url": str(url) if isinstance(url, URIRef) else str(notice),
            "_hash": digest if re.fullmatch(r"[0-9a-f]{64}", digest) else hashlib.sha256(source_bytes or graph.serialize(format="nt", encoding="utf-8")).hexdigest(),
        },
        "controller": {
            "name": reader.string(controller, DPV.hasName) or reader.label(controller),
            "address": reader.string(controller, DPV.hasAddress),
            "country": fallback_country,
            "representative": {"name": reader.string(representative, DPV.hasName) or reader.label(representative), "email": rep_email},
        },
        "dataProtectionOfficer": {
            "name": reader.string(dpo, DPV.hasName) or reader.label(dpo),
            "address": reader.string(dpo, DPV.hasAddress),
            "country": _country(reader, dpo) or fallback_country,
            "email": dpo_email,
        },
        "dataDisclosed": [_disclosure(reader, p) for p in processes],
        "thirdCountryTransfers": _transfers(reader, processes),
        "sources": _sources(reader, processes),
        "automatedDecisionMaking": _automated(reader, processes),
        "changesOfPurpose": _changes(reader),
    }  # fmt: skip
    if rep_phone and _PHONE.fullmatch(rep_phone):
        document["controller"]["representative"]["phone"] = rep_phone
    if dpo_phone and _PHONE.fullmatch(dpo_phone):
        document["dataProtectionOfficer"]["phone"] = dpo_phone
    if sector := reader.string(
        reader.value(controller, DPV.hasSector) if controller is not None else None, SKOS.notation
    ):
        document["controller"]["sector"] = sector
    rights = _rights(reader)
    access = dict(rights.pop("accessAndDataPortability"))
    document["accessAndDataPortability"] = {k: v for k, v in access.items() if k != "supervisoryAuthority"}
    document.update(rights)
    order = [
        "meta", "controller", "dataProtectionOfficer", "dataDisclosed", "thirdCountryTransfers",
        "accessAndDataPortability", "sources", "rightToInformation", "rightToRectificationOrDeletion",
        "rightToDataPortability", "rightToWithdrawConsent", "rightToComplain", "automatedDecisionMaking",
        "changesOfPurpose",
    ]  # fmt: skip
    return {key: document[key] for key in order}
