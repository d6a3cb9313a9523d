"""The typed answers of ``/v1``: one model per operation, one :class:`Page` for every listing.

Every IRI in an answer is a :class:`Term` -- the IRI and its label in the negotiated language
(:mod:`dpv_almi.web.labels`) -- so a client never has to look a name up.  The models are what the
OpenAPI description says, so a generated client reads typed fields and the schema fuzzer checks
every answer against them.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Term(Model):
    """A resource: its IRI and its label in the answer's language."""

    iri: str
    label: str


class Page(Model, Generic[T]):
    """One page of a listing; ``total`` counts distinct resources (not result rows)."""

    lang: str = Field(description="Language of the labels")
    query: str = Field(description="The named query behind the listing (GET /v1/queries lists the questions)")
    total: int = Field(description="Distinct resources in the whole listing")
    limit: int
    offset: int
    count: int = Field(description="Items on this page")
    next: str | None = Field(description="URL of the next page (also a Link: rel=next header); null on the last")
    items: list[T]


class PolicySummary(Model):
    id: str
    graph: str
    notice: Term | None = None
    title: str | None = None
    modified: str | None = None
    version: str | None = None
    source: str | None = None
    sha256: str | None = None
    loadedAt: str | None = None


class Policy(Model):
    id: str
    graph: str
    lang: str
    query: str
    notice: Term | None = None
    title: str | None = None
    controller: Term | None = None
    dpo: Term | None = None
    dpoContact: str | None = None
    authority: Term | None = None
    modified: str | None = None
    activities: int = 0
    categories: int = 0
    rights: int = 0
    lastChange: str | None = None
    version: str | None = None
    source: str | None = None
    sha256: str | None = None
    loadedAt: str | None = None


class PolicyVersion(Model):
    model_config = ConfigDict(extra="allow")
    version: str
    current: bool | None = None


class PolicyVersions(Model):
    id: str
    count: int
    items: list[PolicyVersion]


class PolicyDiff(Model):
    model_config = ConfigDict(extra="allow")
    id: str
    from_: str = Field(alias="from", serialization_alias="from")
    to: str


class ActivitySummary(Model):
    id: str = Field(description="policy/name, the path of GET /v1/activities/{policy}/{name}")
    iri: str
    label: str


class PropertyValue(Model):
    """One value of an activity's property: a resource with its label, or a literal."""

    value: str
    label: str | None = None


class Passage(Model):
    passage: str
    section: str | None = None
    quote: str | None = None


class Activity(Model):
    id: str
    iri: str
    label: str
    lang: str
    query: str
    properties: dict[str, list[PropertyValue]] = Field(description="Values by property IRI")
    property_labels: dict[str, str] = Field(description="Each property IRI's label")
    passages: list[Passage]


class Transfer(Model):
    iri: str
    label: str
    activities: list[Term]
    countries: list[Term]
    bases: list[Term] = Field(description="Transfer legal bases (e.g. adequacy decision, standard clauses)")
    safeguards: list[Term]
    likelihood: Term | None = None


class Category(Model):
    iri: str
    label: str
    concepts: list[Term] = Field(description="The DPV concepts the category is placed under")
    activities: list[Term]


class RecipientUse(Model):
    activity: Term
    role: Term = Field(description="How the activity names it: dpv:hasRecipient or a sub-property")


class Recipient(Model):
    iri: str
    label: str
    uses: list[RecipientUse]


class Right(Model):
    iri: str
    label: str
    articles: list[Term]
    conditions: str | None = None
    deadline: str | None = None
    deadlineLabel: str | None = None
    exercisedAt: Term | None = None
    contact: str | None = None
    address: str | None = None


class Contact(Model):
    iri: str
    label: str
    roles: list[str] = Field(description="controller, joint-controllers, dpo, authority")
    contacts: list[str]
    addresses: list[str]


class RetentionPeriod(Model):
    iri: str
    label: str
    kind: Term | None = None


class Retention(Model):
    activity: Term
    periods: list[RetentionPeriod]


class Change(Model):
    iri: str
    label: str
    notice: Term
    date: str | None = None
    description: str | None = None


def term(iri: Any, labels: dict[str, str]) -> Term | None:
    return None if iri is None else Term(iri=str(iri), label=labels.get(str(iri), str(iri)))


class QueryParameterInfo(Model):
    name: str
    kind: str = Field(description="iri, string, lang, boolean or integer")
    default: str
    description: str


class NamedQueryInfo(Model):
    name: str
    title: dict[str, str] = Field(description="Title by language (sv, en)")
    question: dict[str, str] = Field(description="The question by language (sv, en)")
    answer: str | None = None
    form: str
    parameters: list[QueryParameterInfo]
    href: str = Field(description="Where to run it (GET; parameters as query parameters)")
    editor: str = Field(description="Where it opens in the SPARQL editor")
    sparql: str


class NamedQueryList(Model):
    count: int
    items: list[NamedQueryInfo]
