"""Realistic synthetic privacy notices, built in the same patterns as the Almi model.

Tests and benchmarks need many notices (issue: 1,000 organisations ≈ 300k triples) that look
like real ones to the shapes, the queries and the service: a notice with a controller, DPO and
authority; activities (``dpv:Process``) with purposes, categories and examples under DPV
concepts, one Art. 6 basis each, sources, retention, recipients, rights that follow the basis,
security measures, passages and sometimes a third-country transfer. Each organisation has its
own namespace, so notices can be loaded side by side or into named graphs.

The output is deterministic for a given ``seed``. Only DPV terms the Almi model already uses
are drawn, so ``ontology/dpv-concepts.ttl`` covers every hierarchy walk.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from dpv_almi.namespaces import DPV, DPVA, EU_GDPR, LEGAL_EU, LEGAL_SE, LOC, PD, bind_prefixes

SYNTHETIC_BASE = "https://w3id.org/dpv-almi/synthetic/"

CONSENT = EU_GDPR["A6-1-a"]
LEGITIMATE_INTEREST = EU_GDPR["A6-1-f"]

# (Swedish, English, DPV concept, examples as (Swedish, English, pd concept or None))
CATEGORIES: tuple[tuple[str, str, URIRef, tuple[tuple[str, str, URIRef | None], ...]], ...] = (
    (
        "Kontaktuppgifter",
        "Contact data",
        PD.Contact,
        (
            ("E-post", "E-mail address", PD.EmailAddress),
            ("Telefonnummer", "Telephone number", PD.TelephoneNumber),
            ("Adress", "Address", PD.PhysicalAddress),
        ),
    ),
    (
        "Identitetsuppgifter",
        "Identity data",
        PD.Identifying,
        (
            ("Namn", "Name", PD.Name),
            ("Användarnamn", "Username", PD.Username),
            ("IP-adress", "IP address", PD.IPAddress),
        ),
    ),
    (
        "Demografiska uppgifter",
        "Demographic data",
        PD.Demographic,
        (
            ("Födelsedatum", "Date of birth", PD.BirthDate),
            ("Kön", "Gender", PD.Gender),
        ),
    ),
    (
        "Kommunikation",
        "Communication",
        PD.Communication,
        (
            ("Innehåll i mejl", "E-mail content", PD.EmailContent),
            ("Mötesanteckningar", "Meeting notes", None),
        ),
    ),
    (
        "Yrkesuppgifter",
        "Professional data",
        PD.Professional,
        (
            ("Titel", "Title", PD.Job),
            ("Arbetsgivare", "Employer", PD.Professional),  # only DPV terms of the Almi model are packaged
        ),
    ),
    ("Beteendedata", "Behavioural data", PD.Behavioural, (("Loggar", "Logs", PD.BrowsingBehaviour),)),
)

# (Swedish, English, DPV purposes, legal basis, profiling?)
ACTIVITY_KINDS: tuple[tuple[str, str, tuple[URIRef, ...], URIRef, bool], ...] = (
    (
        "Kundtjänst",
        "Customer service",
        (DPV.CustomerCare, DPV.CommunicationForCustomerCare),
        LEGITIMATE_INTEREST,
        False,
    ),
    ("Direkt marknadsföring", "Direct marketing", (DPV.DirectMarketing,), LEGITIMATE_INTEREST, False),
    ("Statistik", "Statistics", (DPV.ServiceUsageAnalytics,), LEGITIMATE_INTEREST, False),
    ("Mötesbokning", "Meeting booking", (DPV.RequestedServiceProvision,), LEGITIMATE_INTEREST, False),
    ("Dokumentation", "Record keeping", (DPV.RecordManagement,), LEGITIMATE_INTEREST, False),
    ("Nyhetsbrev", "Newsletter", (DPV.CommunicationManagement, DPV.PublicRelations), CONSENT, False),
    ("Webbanalys", "Web analytics", (DPV.ServiceUsageAnalytics, DPV.OptimiseUserInterface), CONSENT, False),
    ("Riktad annonsering", "Targeted advertising", (DPV.TargetedAdvertising,), CONSENT, True),
)

RIGHTS: tuple[tuple[str, str, str, URIRef], ...] = (
    ("RattTillAtkomst", "Rätt till tillgång", "Right of access", EU_GDPR.A15),
    ("RattTillRattelse", "Rätt till rättelse", "Right to rectification", EU_GDPR.A16),
    ("RattTillRadering", "Rätt till radering", "Right to erasure", EU_GDPR.A17),
    ("RattTillBegransning", "Rätt till begränsning", "Right to restriction", EU_GDPR.A18),
    ("RattTillDataportabilitet", "Rätt till dataportabilitet", "Right to data portability", EU_GDPR.A20),
    ("RattAttInvanda", "Rätt att invända", "Right to object", EU_GDPR.A21),
    ("RattAttAterkallaSamtycke", "Rätt att återkalla samtycke", "Right to withdraw consent", EU_GDPR["A7-3"]),
    ("RattAttKlaga", "Rätt att klaga till IMY", "Right to lodge a complaint with IMY", EU_GDPR.A77),
)
RIGHTS_BY_BASIS: dict[URIRef, tuple[str, ...]] = {
    CONSENT: (
        "RattTillAtkomst",
        "RattTillRattelse",
        "RattTillRadering",
        "RattTillBegransning",
        "RattTillDataportabilitet",
        "RattAttAterkallaSamtycke",
        "RattAttKlaga",
    ),
    LEGITIMATE_INTEREST: (
        "RattTillAtkomst",
        "RattTillRattelse",
        "RattTillRadering",
        "RattTillBegransning",
        "RattAttInvanda",
        "RattAttKlaga",
    ),
}


@dataclass(frozen=True)
class _Org:
    """One synthetic organisation: its index, namespace and name."""

    index: int
    ns: Namespace
    name: str


def organisation_namespace(index: int) -> Namespace:
    """The namespace of synthetic organisation *index* (1-based)."""
    return Namespace(f"{SYNTHETIC_BASE}org-{index:05d}/")


def policy_id_of(index: int) -> str:
    """The policy id (and so the named graph ``graph/<id>``) of synthetic organisation *index*."""
    return f"org-{index:05d}"


FAULTS: dict[str, str] = {
    "no-purpose": "an activity without any purpose (GDPR Art. 13(1)(c))",
    "two-bases": "an activity with a second Art. 6 legal basis beside its own",
    "no-controller": "a notice that names no controller (GDPR Art. 13(1)(a))",
}
"""Faults :func:`generate` can inject, for tests that validation finds each one."""


def _inject(graph: Graph, org: _Org, fault: str) -> None:
    activity = min((s for s in graph.subjects(RDF.type, DPV.Process) if str(s).startswith(str(org.ns))), key=str)
    if fault == "no-purpose":
        graph.remove((activity, DPV.hasPurpose, None))
    elif fault == "two-bases":
        other = EU_GDPR["A6-1-b"] if (activity, DPV.hasLegalBasis, CONSENT) in graph else CONSENT
        graph.add((activity, DPV.hasLegalBasis, other))
    elif fault == "no-controller":
        graph.remove((org.ns.Notice, DPV.hasDataController, None))
    else:
        raise ValueError(f"unknown fault {fault!r} (known: {', '.join(FAULTS)})")


def generate_policies(
    organisations: int, seed: int = 0, faults: dict[int, str] | None = None
) -> Iterator[tuple[str, Graph]]:
    """(policy id, graph) per synthetic organisation, deterministic for *seed*.

    *faults* maps an organisation index (1-based) to a fault name of :data:`FAULTS`."""
    if organisations < 0:
        raise ValueError("organisations must be zero or more")
    rng = random.Random(seed)  # noqa: S311 - synthetic test data, not security
    for index in range(1, organisations + 1):
        graph = bind_prefixes(Graph())
        org = _Org(index, organisation_namespace(index), f"Organisation {index} AB")
        _add_organisation(graph, org, rng)
        if faults and index in faults:
            _inject(graph, org, faults[index])
        yield policy_id_of(index), graph


def generate(organisations: int, seed: int = 0, faults: dict[int, str] | None = None) -> Graph:
    """A graph with *organisations* synthetic notices, deterministic for *seed* (see :func:`generate_policies`)."""
    merged = bind_prefixes(Graph())
    for _policy, graph in generate_policies(organisations, seed, faults):
        merged += graph
    return merged


def write_policies(organisations: int, out: Path, seed: int = 0, faults: dict[int, str] | None = None) -> int:
    """Write the notices as one TriG file (one named graph ``graph/org-NNNNN`` each) or, for a
    directory, one Turtle file per policy (``org-NNNNN.ttl``: the file name is the policy id).
    Returns the number of triples written."""
    from dpv_almi.namespaces import GRAPH

    total = 0
    if out.suffix.lower() == ".trig":
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as handle:
            for policy, graph in generate_policies(organisations, seed, faults):
                body = graph.serialize(format="nt")
                handle.write(f"<{GRAPH[policy]}> {{\n{body}}}\n")
                total += len(graph)
        return total
    out.mkdir(parents=True, exist_ok=True)
    for policy, graph in generate_policies(organisations, seed, faults):
        graph.serialize(out / f"{policy}.ttl", format="turtle")
        total += len(graph)
    return total


def _labelled(graph: Graph, subject: URIRef, sv: str, en: str) -> None:
    graph.add((subject, SKOS.prefLabel, Literal(sv, lang="sv")))
    graph.add((subject, SKOS.prefLabel, Literal(en, lang="en")))


def _passage(graph: Graph, org: _Org, key: str, section: str, quote: str) -> URIRef:
    passage = org.ns[f"passage-{key}"]
    graph.add((passage, RDF.type, DPVA.NoticePassage))
    graph.add((passage, DCTERMS.isPartOf, org.ns.Notice))
    graph.add((passage, DPVA.section, Literal(section, lang="sv")))
    graph.add((passage, DPVA.quote, Literal(quote, lang="sv")))
    return passage


def _add_organisation(graph: Graph, org: _Org, rng: random.Random) -> None:
    ns, notice = org.ns, org.ns.Notice
    intro = _passage(
        graph,
        org,
        "intro",
        "Integritetspolicy",
        f"{org.name} är personuppgiftsansvarig för behandlingen av dina personuppgifter.",
    )
    add = graph.add

    add((notice, RDF.type, DPV.PrivacyNotice))
    add((notice, RDF.type, EU_GDPR.DirectDataCollectionNotice))
    _labelled(graph, notice, f"Integritetspolicy för {org.name}", f"Privacy notice of {org.name}")
    add(
        (
            notice,
            DCTERMS.modified,
            Literal(f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", datatype=XSD.date),
        )
    )
    add((notice, DPV.hasDataController, ns.Controller))
    add((notice, DPV.hasDataProtectionOfficer, ns.DPO))
    add((notice, DPV.hasApplicableLaw, LEGAL_EU["law-GDPR"]))
    add((notice, DPV.hasAuthority, LEGAL_SE["DPA-SE"]))
    add((notice, DCTERMS.source, intro))

    add((ns.Controller, RDF.type, DPV.DataController))
    add((ns.Controller, RDF.type, DPV.Organisation))
    add((ns.Controller, DPV.hasName, Literal(org.name)))
    add((ns.Controller, DPV.hasDataProtectionOfficer, ns.DPO))
    add((ns.Controller, DCTERMS.source, intro))
    _labelled(graph, ns.Controller, org.name, org.name)
    add((ns.DPO, RDF.type, DPV.DataProtectionOfficer))
    add((ns.DPO, DPV.hasContact, Literal(f"mailto:dpo@org{org.index}.example")))
    add((ns.DPO, DCTERMS.source, intro))
    _labelled(graph, ns.DPO, "Dataskyddsombud", "Data protection officer")

    add((ns.Systemleverantor, RDF.type, DPV.Recipient))  # as in the Almi model: a recipient, role unstated
    add((ns.Systemleverantor, DCTERMS.source, intro))
    _labelled(graph, ns.Systemleverantor, "Systemleverantör", "System supplier")
    add((ns.LagringInomEU, RDF.type, DPV.StorageLocation))
    add((ns.LagringInomEU, DPV.hasLocation, LOC.EU))
    add((ns.LagringInomEU, DCTERMS.source, intro))
    _labelled(graph, ns.LagringInomEU, "Lagring inom EU", "Storage within the EU")
    add((ns.DenRegistrerade, RDF.type, DPV.DataSource))
    add((ns.DenRegistrerade, SKOS.broader, DPV.DataSubjectDataSource))
    add((ns.DenRegistrerade, DCTERMS.source, intro))
    _labelled(graph, ns.DenRegistrerade, "Den registrerade", "The data subject")
    add((ns.Kund, RDF.type, DPV.DataSubject))
    add((ns.Kund, SKOS.broader, DPV.Customer))
    add((ns.Kund, DCTERMS.source, intro))
    _labelled(graph, ns.Kund, "Kund", "Customer")

    retention = ns.LagringstidSyfte
    add((retention, RDF.type, DPV.StorageDuration))
    add((retention, DPV.hasDuration, ns.TillsSyftetUppfyllts))
    add((retention, DCTERMS.source, intro))
    _labelled(graph, retention, "Så länge det krävs för syftet", "As long as the purpose requires")
    add((ns.TillsSyftetUppfyllts, RDF.type, DPV.UntilEventDuration))
    add((ns.TillsSyftetUppfyllts, DCTERMS.source, intro))
    _labelled(graph, ns.TillsSyftetUppfyllts, "Tills syftet är uppfyllt", "Until the purpose is fulfilled")

    for local, sv, en, article in RIGHTS:
        right = ns[local]
        add((right, RDF.type, DPV.Right))
        add((right, SKOS.broader, article))
        add((right, DCTERMS.source, intro))
        _labelled(graph, right, sv, en)
        add((notice, DPV.hasRight, right))

    categories = []
    for position, (sv, en, concept, examples) in enumerate(CATEGORIES):
        category = ns[f"Kategori{position}"]
        categories.append(category)
        add((category, RDF.type, DPV.PersonalData))
        add((category, SKOS.broader, concept))
        add((category, DCTERMS.source, intro))
        _labelled(graph, category, sv, en)
        add((notice, DPVA.definesPersonalData, category))
        for number, (example_sv, example_en, example_concept) in enumerate(examples):
            example = ns[f"Kategori{position}Exempel{number}"]
            add((example, RDF.type, DPV.PersonalData))
            add((example, SKOS.broader, category))
            if example_concept is not None:
                add((example, SKOS.broader, example_concept))
            add((example, DCTERMS.source, intro))
            _labelled(graph, example, example_sv, example_en)

    transfer = None
    if rng.random() < 0.4:
        transfer = ns.Tredjelandsoverforing
        add((transfer, RDF.type, DPV.Processing))
        add((transfer, SKOS.broader, DPV.CrossBorderTransfer))
        add((transfer, DPV.hasDataExporter, ns.Controller))
        add((transfer, DPV.hasDataImporter, ns.Systemleverantor))
        add((ns.Systemleverantor, RDF.type, DPV.DataImporter))
        add((transfer, DPV.hasThirdCountry, ns.TredjeLand))
        add((transfer, DPV.hasLegalBasis, rng.choice((EU_GDPR["A45-3"], EU_GDPR["A46-2-c"]))))
        add((transfer, DPV.hasOrganisationalMeasure, EU_GDPR.SCCByCommission))
        add((transfer, DCTERMS.source, intro))
        _labelled(graph, transfer, "Överföring till tredje land", "Transfer to a third country")
        add((ns.TredjeLand, RDF.type, DPV.ThirdCountry))
        add((ns.TredjeLand, DPV.hasLocation, LOC["non-EEA"]))
        add((ns.TredjeLand, DCTERMS.source, intro))
        _labelled(graph, ns.TredjeLand, "Land utanför EES", "Country outside the EEA")

    for number, (sv, en, purposes, basis, profiling) in enumerate(rng.sample(ACTIVITY_KINDS, rng.randint(3, 6))):
        activity = ns[f"Behandling{number}"]
        row = _passage(graph, org, f"behandling{number}", "Hur vi behandlar personuppgifter", f"{sv}: {en}.")
        add((activity, RDF.type, DPV.Process))
        add((notice, DPV.hasProcess, activity))
        add((activity, DPV.hasNotice, notice))
        add((activity, DCTERMS.source, row))
        _labelled(graph, activity, sv, en)
        purpose = ns[f"Syfte{number}"]
        add((purpose, RDF.type, DPV.Purpose))
        for concept in purposes:
            add((purpose, SKOS.broader, concept))
        add((purpose, DCTERMS.source, row))
        _labelled(graph, purpose, f"Syfte: {sv.lower()}", f"Purpose: {en.lower()}")
        add((activity, DPV.hasPurpose, purpose))
        for category in rng.sample(categories, rng.randint(1, 3)):
            add((activity, DPV.hasPersonalData, category))
        add((activity, DPV.hasLegalBasis, basis))
        add((activity, DPV.hasDataSubject, ns.Kund))
        add((activity, DPV.hasDataSource, ns.DenRegistrerade))
        add((activity, DPV.hasDataController, ns.Controller))
        add((activity, DPV.hasRecipient, ns.Systemleverantor))
        add((activity, DPV.hasStorageCondition, ns.LagringInomEU))
        add((activity, DPV.hasStorageCondition, retention))
        for operation in (DPV.Collect, DPV.Use, DPV.Store):
            add((activity, DPV.hasProcessing, operation))
        if profiling:
            add((activity, DPV.hasProcessing, DPV.Profiling))
        if transfer is not None:
            add((activity, DPV.hasProcessing, transfer))
        for local in RIGHTS_BY_BASIS[basis]:
            add((activity, DPV.hasRight, ns[local]))
