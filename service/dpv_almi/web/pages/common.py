"""What every HTML page shares: templates, the page language, the policy shown, UI words, headers.

The words of the pages' chrome (headings, buttons) are here, in Swedish and English; every word
about the notice itself (activities, categories, recipients …) is a label from the graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from dpv_almi.errors import DpvAlmiError
from dpv_almi.namespaces import GRAPH, PREFIXES
from dpv_almi.web import deps
from dpv_almi.web.negotiation import LANGUAGES, language

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE.parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
"""Third-party browser assets copied from npm packages by ``make assets`` (not committed)."""

templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(HERE.parent / "templates"), autoescape=True))
"""Autoescaping always on: labels and quotes from the data are text, never markup."""

LINK_SCHEMES = ("http:", "https:", "mailto:")
"""The only kinds of address from the data a page makes a link of (never ``javascript:``, ``data:`` …)."""


def linkable(address: object) -> bool:
    """Whether an address from the data may be an ``href``: an http(s) or mailto URL, nothing else."""
    return isinstance(address, str) and address.strip().lower().startswith(LINK_SCHEMES)


templates.env.tests["linkable"] = linkable

PageLangParam = Query(None, description="sv or en; any other value shows the page in the default language")
"""A page's ``?lang=``: a reader who asks for a language the pages lack gets a page, not a 422."""

HTML_HEADERS = {"Vary": "Accept, Accept-Language"}
"""The security headers (CSP, nosniff, frame denial) are the app's, for every answer: see
:class:`dpv_almi.web.middleware.SecurityHeadersMiddleware`."""

UI: dict[str, dict[str, str]] = {
    "en": {
        "site": "dpv-almi",
        "nav_notice": "The notice",
        "nav_sparql": "SPARQL editor",
        "nav_validation": "Validation",
        "nav_diagram": "Data flow",
        "other_language": "På svenska",
        "skip": "Skip to content",
        "controller": "Controller",
        "dpo": "Data protection officer",
        "authority": "Supervisory authority",
        "modified": "Last changed",
        "categories": "Personal data categories and examples",
        "category": "Category",
        "examples": "Examples",
        "undefined": "used by an activity but not defined by the notice",
        "activities": "How your personal data is processed",
        "labels_notice": "The notice's own words ({lang})",
        "labels_page": "Labels in English where there are some",
        "on_basis": "Legal basis",
        "purpose": "Purpose",
        "data": "Personal data",
        "subject": "Whose data",
        "basis": "Legal basis",
        "source": "Where the data comes from",
        "retention": "Retention",
        "storage": "Storage",
        "recipient": "Recipients",
        "transfer": "Transfers to third countries",
        "right": "Your rights",
        "consequence": "If you do not provide the data",
        "rest": "REST resource",
        "sparql": "SPARQL query",
        "country": "Country",
        "safeguards": "Bases and safeguards",
        "likelihood": "Likelihood",
        "rights": "Your rights",
        "deadline": "Deadline",
        "changes": "Changes",
        "generated": "Generated from the graph by named SPARQL queries; the model is the W3C Data Privacy Vocabulary 2.3.",
        "validation_title": "Validation of the notice (SHACL)",
        "severity": "Severity",
        "article": "Requirement",
        "focus": "Resource",
        "message": "Message",
        "violation": "Violations",
        "warning": "Warnings",
        "info": "Information",
        "summary": "Summary",
        "none": "None",
        "other_requirements": "Other requirements",
        "diagram_title": "Data flow: activities, data, recipients, third countries",
        "diagram_missing": "The diagram cannot be drawn: Graphviz (the dot program) is not installed on the server.",
        "diagram_text": "The same data as a table",
        "editor_title": "SPARQL editor",
        "editor_intro": "Each competency question opens as a tab; edit it and run it against this endpoint.",
        "editor_noscript": "The editor needs JavaScript. Without it, each question below runs through the SPARQL endpoint and answers in SPARQL JSON.",
        "editor_missing": "The editor's assets are not installed on this server (run make assets).",
        "run": "Run",
        "open_in_editor": "Open this question in the SPARQL editor",
        "answer_rows": "Answer: %d rows",
        "table": "table",
        "questions": "Competency questions",
        "nav_corpus": "Corpus",
        "corpus_title": "The observatory: privacy notices against GDPR Art. 13/14",
        "corpus_intro": "Each served policy checked by the same SHACL shapes: one column per transparency requirement of GDPR Art. 13/14 (a shape citing its article), one row per policy.",
        "organisation": "Organisation",
        "policy": "Policy",
        "score": "Score",
        "processes": "Activities",
        "met": "met",
        "vague": "vague",
        "missing": "missing",
        "met_n": "Met",
        "vague_n": "Vague",
        "missing_n": "Missing",
        "policies": "Policies",
        "mean_score": "Mean score",
        "requirements": "Requirements",
        "requirement": "Requirement",
        "score_definition": "How the score is computed",
        "score_explained": "What each policy's score lost",
        "points": "points",
        "all_met": "Every requirement met.",
        "full_report": "Full validation report",
        "sort_by": "Sort by",
        "policies_met": "Policies met / vague / missing",
        "data_version": "Data version",
        "corpus_empty": "No policy is loaded.",
    },
    "sv": {
        "site": "dpv-almi",
        "nav_notice": "Informationen",
        "nav_sparql": "SPARQL-redigerare",
        "nav_validation": "Validering",
        "nav_diagram": "Dataflöde",
        "other_language": "In English",
        "skip": "Hoppa till innehållet",
        "controller": "Personuppgiftsansvarig",
        "dpo": "Dataskyddsombud",
        "authority": "Tillsynsmyndighet",
        "modified": "Senast ändrad",
        "categories": "Personuppgiftskategorier och exempel på personuppgifter",
        "category": "Kategori",
        "examples": "Exempel",
        "undefined": "används av en behandling men definieras inte i informationen",
        "activities": "Hur dina personuppgifter behandlas",
        "labels_notice": "Informationens egna ord ({lang})",
        "labels_page": "Etiketter på svenska där det finns",
        "on_basis": "Rättslig grund",
        "purpose": "Ändamål",
        "data": "Personuppgifter",
        "subject": "Vems uppgifter",
        "basis": "Rättslig grund",
        "source": "Hur samlas personuppgifterna in",
        "retention": "Lagringstid",
        "storage": "Lagring",
        "recipient": "Mottagare",
        "transfer": "Överföring till tredje land",
        "right": "Dina rättigheter",
        "consequence": "Om du inte lämnar uppgifterna",
        "rest": "REST-resurs",
        "sparql": "SPARQL-fråga",
        "country": "Land",
        "safeguards": "Grunder och skyddsåtgärder",
        "likelihood": "Sannolikhet",
        "rights": "Dina rättigheter",
        "deadline": "Tidsfrist",
        "changes": "Ändringar",
        "generated": "Genererad ur grafen med namngivna SPARQL-frågor; modellen använder W3C Data Privacy Vocabulary 2.3.",
        "validation_title": "Validering av informationen (SHACL)",
        "severity": "Allvarlighet",
        "article": "Krav",
        "focus": "Resurs",
        "message": "Meddelande",
        "violation": "Överträdelser",
        "warning": "Varningar",
        "info": "Information",
        "summary": "Sammanfattning",
        "none": "Inga",
        "other_requirements": "Övriga krav",
        "diagram_title": "Dataflöde: behandlingar, uppgifter, mottagare, tredje länder",
        "diagram_missing": "Diagrammet kan inte ritas: Graphviz (programmet dot) är inte installerat på servern.",
        "diagram_text": "Samma uppgifter som tabell",
        "editor_title": "SPARQL-redigerare",
        "editor_intro": "Varje kompetensfråga öppnas som en flik; ändra den och kör den mot den här tjänsten.",
        "editor_noscript": "Redigeraren kräver JavaScript. Utan det körs varje fråga nedan genom SPARQL-tjänsten och svarar i SPARQL JSON.",
        "editor_missing": "Redigerarens filer är inte installerade på servern (kör make assets).",
        "run": "Kör",
        "open_in_editor": "Öppna frågan i SPARQL-redigeraren",
        "answer_rows": "Svar: %d rader",
        "table": "tabell",
        "questions": "Kompetensfrågor",
        "nav_corpus": "Korpus",
        "corpus_title": "Observatoriet: integritetsinformationer mot GDPR art. 13/14",
        "corpus_intro": "Varje integritetsinformation i tjänsten granskad med samma SHACL-former: en kolumn per krav på information i GDPR art. 13/14 (en form som anger sin artikel), en rad per information.",
        "organisation": "Organisation",
        "policy": "Information",
        "score": "Poäng",
        "processes": "Behandlingar",
        "met": "uppfyllt",
        "vague": "vagt",
        "missing": "saknas",
        "met_n": "Uppfyllda",
        "vague_n": "Vaga",
        "missing_n": "Saknade",
        "policies": "Informationer",
        "mean_score": "Medelpoäng",
        "requirements": "Krav",
        "requirement": "Krav",
        "score_definition": "Hur poängen räknas",
        "score_explained": "Vad varje informations poäng förlorade",
        "points": "poäng",
        "all_met": "Alla krav uppfyllda.",
        "full_report": "Hela valideringsrapporten",
        "sort_by": "Sortera efter",
        "policies_met": "Informationer uppfyllt / vagt / saknas",
        "data_version": "Dataversion",
        "corpus_empty": "Ingen integritetsinformation är laddad.",
    },
}


def page_language(request: Request, lang: str | None) -> str:
    """``sv`` or ``en``: ``?lang=`` first, then Accept-Language (the same rule as the REST API)."""
    return language(request.headers.get("accept-language"), lang)


def policy_graph(request: Request, policy: str | None) -> str:
    """The named graph of the policy a page shows: ``?policy=`` or the first policy loaded."""
    policies = deps.data(request).policies
    if not policies:
        raise DpvAlmiError(404, "No policy is loaded.", "No policy")
    chosen = policy or ("almi" if "almi" in policies else policies[0])
    if chosen not in policies:
        raise DpvAlmiError(404, f"No policy {chosen!r}; loaded: {', '.join(policies)}.", "Unknown policy")
    return str(GRAPH[chosen])


def short(iri: str) -> str:
    """An IRI as a prefixed name where a project prefix fits (``almi:Nyhetsbrev``), else as is."""
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def render(request: Request, template: str, lang: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page in *lang*, with the UI words, the language switch and the security headers."""
    other = next(code for code in LANGUAGES if code != lang)
    switch = request.url.path + "?" + urlencode({**request.query_params, "lang": other})
    full = {
        "lang": lang,
        "t": UI[lang],
        "other_lang": other,
        "switch_url": switch,
        "path": request.url.path,
        "short": short,
        **context,
    }
    return templates.TemplateResponse(request, template, full, status_code=status, headers=HTML_HEADERS)
