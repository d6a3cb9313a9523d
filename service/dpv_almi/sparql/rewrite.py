"""SPARQL text rewrites a remote engine needs, on tokens that keep their positions.

Why text and not an algebra round trip: rdflib's parser keeps no source positions and serialising
its algebra back to SPARQL changed the answers of 14 of our 36 named queries; pyoxigraph exposes no
syntax tree.  So the query is lexed (strings, IRIs and comments as such), only the clause in
question is cut or replaced, and a rewritten text that no longer parses is not used.  Which engine
needs which rewrite is decided in :mod:`dpv_almi.store.remote`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph

from dpv_almi.namespaces import PREFIXES
from dpv_almi.sparql import syntax
from dpv_almi.sparql.lexer import COMMENT, IRI, STRING

"""An empty store: parsing a query against it checks its syntax and costs nothing to evaluate."""


def drop_unbound_parameters(text: str) -> str:
    """Remove ``VALUES ?p { UNDEF }`` and each ``FILTER (!BOUND(?p) || …)`` that goes with it.

    The named queries make every parameter optional that way (:mod:`dpv_almi.sparql.catalogue`); both are
    no-ops while ``?p`` is unbound, but Virtuoso evaluates the ``EXISTS`` with its property paths
    anyway, unbound, which takes minutes.  Without them the query means the same.  Found on the
    token stream, so ``UNDEF`` or ``BOUND`` in a string, IRI or comment is left alone; unlexable
    text is sent as written."""
    tokens = _tokenize(text)
    if tokens is None:
        return text
    cuts: list[tuple[int, int]] = []
    unbound = set()
    for i in range(len(tokens) - 4):
        if (
            tokens[i].is_("VALUES")
            and tokens[i + 1].kind == "var"
            and tokens[i + 2].is_("{")
            and tokens[i + 3].is_("UNDEF")
            and tokens[i + 4].is_("}")
        ):
            unbound.add(tokens[i + 1].text[1:])
            cuts.append((tokens[i].start, tokens[i + 4].end))
    for i in range(len(tokens) - 7):
        if (
            tokens[i].is_("FILTER")
            and tokens[i + 1].is_("(")
            and tokens[i + 2].is_("!")
            and tokens[i + 3].is_("BOUND")
            and tokens[i + 4].is_("(")
            and tokens[i + 5].kind == "var"
            and tokens[i + 5].text[1:] in unbound
            and tokens[i + 6].is_(")")
            and tokens[i + 7].is_("||")
            and (end := _matching(tokens, i + 1)) >= 0
        ):
            cuts.append((tokens[i].start, tokens[end].end))
    outermost: list[tuple[int, int]] = []
    for start, end in sorted(cuts):  # a cut inside one already made (a nested FILTER) goes with it
        if not outermost or start >= outermost[-1][1]:
            outermost.append((start, end))
    for start, end in reversed(outermost):
        text = text[:start] + " " + text[end:]
    return text


# --- query rewriting (token level; see :func:`strip_dataset_clauses` and :func:`distinct_closures`) ------------

_TOKEN = re.compile(
    rf"(?P<ws>\s+|{COMMENT})"
    rf"|(?P<str>{STRING})"
    rf"|(?P<iri>{IRI})"
    r"|(?P<var>[?$][\w\u00b7-\uffff]+)"
    r"|(?P<bnode>_:[\w\u00b7-\uffff.-]*[\w\u00b7-\uffff-])"
    r"|(?P<pname>(?:[A-Za-z\u00c0-\uffff][\w\u00b7-\uffff.-]*)?:(?:[\w\u00b7-\uffff:%\\.-]*[\w\u00b7-\uffff:%-])?)"
    r"|(?P<num>\d*\.\d+(?:[eE][+-]?\d+)?|\d+\.?\d*[eE][+-]?\d+|\d+)"
    r"|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<word>[A-Za-z_][\w-]*)"
    r"|(?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\].;,/|^*+?!=<>-])",
    re.DOTALL,
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    start: int
    end: int

    def is_(self, *texts: str) -> bool:
        """Punctuation, or a keyword compared case-insensitively (``a`` is case-sensitive in SPARQL)."""
        if self.kind == "word":
            return any(self.text.upper() == t.upper() and (t != "a" or self.text == "a") for t in texts)
        return self.kind == "punct" and self.text in texts


def _tokenize(text: str) -> list[_Tok] | None:
    """SPARQL tokens with their positions (comments and white space dropped); None if some text is not a token."""
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return None
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(_Tok(kind, match.group(), match.start(), match.end()))
        position = match.end()
    return tokens


def strip_dataset_clauses(text: str) -> str:
    """The query without its ``FROM``/``FROM NAMED`` clauses, for a request whose protocol dataset replaces them.

    ``FROM`` is reserved in SPARQL 1.1 Query and appears only in dataset clauses (sub-selects have none),
    so with strings, IRIs and comments lexed as such every ``FROM`` token starts one; the result is parsed
    again before it is sent (:func:`check_syntax` parsed the original)."""
    tokens = _tokenize(text)
    if tokens is None:
        return text
    cuts = []
    for i, token in enumerate(tokens):
        if token.kind == "word" and token.text.upper() == "FROM":
            j = i + 2 if i + 1 < len(tokens) and tokens[i + 1].is_("NAMED") else i + 1
            if j < len(tokens) and tokens[j].kind in ("iri", "pname"):
                cuts.append((token.start, tokens[j].end))
    for start, end in reversed(cuts):
        text = text[:start] + " " + text[end:]
    return text


NO_LIMIT = 2**53 - 1
"""A ``LIMIT`` larger than any answer a store holds (Virtuoso refuses one of 10^18 or more): an optimisation
barrier that cuts nothing (:class:`_ClosureRewriter`)."""
_BARRIER = f" LIMIT {NO_LIMIT} }}"
"""How each closure sub-select ends (:meth:`_ClosureRewriter.group` takes the ``LIMIT`` off a lone one)."""


class _Unsupported(Exception):
    """A construct the closure rewrite does not know: the query is sent as written."""


_TERM_KINDS = ("iri", "pname", "var", "str", "num")
_GROUP_KEYWORDS = ("OPTIONAL", "MINUS", "GRAPH", "SERVICE", "FILTER", "BIND", "VALUES", "UNION")


class _ClosureRewriter:
    """Finds triple patterns ``S p* O`` / ``S p+ O`` (also at the end or start of a sequence path) in every
    group graph pattern and replaces each by a ``SELECT DISTINCT`` sub-select of the closure alone.

    Why: SPARQL evaluates ``*``/``+`` paths with set semantics (each pair of end points once); Virtuoso 7
    returns one solution per step it walked when an end is bound by the rest of the query.  The rewrite
    follows the spec's own translation: ``S e1/…/en O`` is ``S e1/…/en-1 ?v . ?v en O`` with a fresh ``?v``,
    and an arbitrary-length path is a set, so ``{ SELECT DISTINCT ?v { ?v en O } }`` means the same.  Only
    closures with a constant end are wrapped (Virtuoso cannot start a closure from two unbound ends).

    Each sub-select joined with more of its group ends in ``LIMIT`` :data:`NO_LIMIT`, which cuts nothing but
    makes Virtuoso 7.2 evaluate the closure on its own, from its constant end, before the join: left to its
    optimiser, a closure joined into the rest of the query loses solutions, e.g. ``?a ?role ?r . ?role
    rdfs:subPropertyOf* x:top`` followed by an ``OPTIONAL`` that matches nothing and an ``ORDER BY`` answers
    nothing at all (five triples suffice), and on the packaged data ``?a dpv:hasRecipientDataController ?r .
    ?r a ?c . { SELECT DISTINCT ?c { ?c rdfs:subClassOf* dpv:ThirdParty } }`` answers nothing instead of 8
    rows."""

    def __init__(self, text: str, tokens: list[_Tok]) -> None:
        self.text, self.tokens = text, tokens
        self.edits: list[tuple[int, int, str]] = []
        self.fresh = 0

    def run(self) -> str:
        i = 0
        while i < len(self.tokens):
            token = self.tokens[i]
            if token.is_("WHERE") and i + 1 < len(self.tokens) and self.tokens[i + 1].is_("{"):
                i = self.group(i + 1)
            elif (
                token.is_("{")
                and i > 0
                and (self.tokens[i - 1].kind in ("var", "iri", "pname") or self.tokens[i - 1].is_("*", ")", "ASK"))
            ):
                if self._values_block(i):  # noqa: SIM108 - two branches read better
                    i = self.skip_balanced(i)
                else:  # SELECT … { (WHERE omitted), ASK {, DESCRIBE … {
                    i = self.group(i)
            elif token.is_("{"):
                i = self.skip_balanced(i)  # CONSTRUCT templates, VALUES data
            else:
                i += 1
        text = self.text
        for start, end, replacement in sorted(self.edits, reverse=True):
            text = text[:start] + replacement + text[end:]
        return text

    def _values_block(self, i: int) -> bool:
        j = i - 1
        while j >= 0 and (self.tokens[j].kind == "var" or self.tokens[j].is_("(", ")")):
            j -= 1
        return j >= 0 and self.tokens[j].is_("VALUES")

    def skip_balanced(self, i: int, rewrite: bool = True) -> int:
        """Index after the bracket closing the one at *i*, rewriting the groups of any EXISTS inside."""
        depth = 0
        while i < len(self.tokens):
            token = self.tokens[i]
            if token.is_("{") and i > 0 and self.tokens[i - 1].is_("EXISTS"):
                i = self.group(i, rewrite)
                continue
            if token.is_("{", "(", "["):
                depth += 1
            elif token.is_("}", ")", "]"):
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise _Unsupported("unbalanced")

    def group(self, i: int, rewrite: bool = True) -> int:
        """Rewrite the group graph pattern opening at *i*; the index after its ``}``.

        Not inside ``GRAPH``/``SERVICE`` (*rewrite* False): a sub-select in ``GRAPH ?g`` answers per graph
        and the zero-length part of a closure then differs."""
        assert self.tokens[i].is_("{")  # noqa: S101 - an invariant for the type checker, not an input check
        i += 1
        own: list[tuple[int, int, str]] = []  # this group's statements' edits
        elements = 0  # statements and other constructs in this group, FILTERs aside
        while True:
            token = self._at(i)
            if token.is_("}"):
                if rewrite:
                    # a group that is nothing but the closure (OPTIONAL { ?x p* c FILTER … }) gets no barrier:
                    # Virtuoso turns OPTIONAL { { SELECT … LIMIT n } } into an inner join (drops the rows it should keep)
                    if elements == 1 and len(own) == 1 and self._bare_subselect(own[0][2]):
                        start, end, text = own[0]
                        own = [(start, end, text.removesuffix(_BARRIER) + " }")]
                    self.edits += own
                return i + 1
            elements += not token.is_(".", "OPTIONAL", "MINUS", "UNION", "FILTER")
            if token.is_("."):
                i += 1
            elif token.is_("{"):
                i = self.subselect(i, rewrite) if self._at(i + 1).is_("SELECT") else self.group(i, rewrite)
            elif token.is_("OPTIONAL", "MINUS", "UNION"):  # the group that follows is rewritten on its own
                i += 1
            elif token.is_("GRAPH", "SERVICE"):
                i += 1
                if self._at(i).is_("SILENT"):
                    i += 1
                i = self.group(i + 1, rewrite=False)  # after the graph or service term
            elif token.is_("FILTER"):
                i += 1
                if self._at(i).kind in ("word", "pname", "iri"):  # a function call, e.g. FILTER regex(…)
                    if self._at(i).is_("NOT"):
                        i += 1
                    if self._at(i).is_("EXISTS"):
                        i = self.group(i + 1, rewrite)
                        continue
                    i += 1
                i = self.skip_balanced(i, rewrite)
            elif token.is_("BIND"):
                i = self.skip_balanced(i + 1, rewrite)
            elif token.is_("VALUES"):
                i += 1
                if self._at(i).is_("("):
                    i = self.skip_balanced(i, rewrite)
                else:
                    i += 1
                i = self.skip_balanced(i, rewrite)
            elif token.kind == "word" and token.text.upper() in _GROUP_KEYWORDS:
                raise _Unsupported(token.text)
            else:
                i = self.statement(i, own)

    @staticmethod
    def _bare_subselect(replacement: str) -> bool:
        """True if a statement's replacement is one closure sub-select alone (no other triple, no step joined)."""
        return replacement.startswith("{ SELECT DISTINCT") and " .\n  " not in replacement

    def subselect(self, i: int, rewrite: bool = True) -> int:
        """``{ SELECT … WHERE { … } modifiers }`` opening at *i*: rewrite its group; the index after it."""
        j = i + 1
        while not self._at(j).is_("{"):
            j = self.skip_balanced(j, rewrite) if self._at(j).is_("(") else j + 1
        j = self.group(j, rewrite)
        while not self._at(j).is_("}"):
            j = self.skip_balanced(j, rewrite) if self._at(j).is_("(", "{") else j + 1
        return j + 1

    def statement(self, i: int, edits: list[tuple[int, int, str]]) -> int:
        """``S verb objects ; verb objects …`` up to ``.`` or the end of the group; the index after it."""
        start = i
        subject = self.term(i)
        i = subject[1]
        pairs: list[tuple[tuple[int, int], list[tuple[int, int]]]] = []
        while True:
            verb_start = i
            i = self.path(i)
            objects = [self.term(i)]
            while self._at(objects[-1][1]).is_(","):
                objects.append(self.term(objects[-1][1] + 1))
            pairs.append(((verb_start, i), objects))
            i = objects[-1][1]
            while self._at(i).is_(";"):
                i += 1
            following = self._at(i)
            if following.is_(".", "}", "{") or (following.kind == "word" and following.text.upper() in _GROUP_KEYWORDS):
                break
        if (edit := self._rewrite(start, subject, pairs, i)) is not None:
            edits.append(edit)
        return i

    def _rewrite(
        self, start: int, subject: tuple[int, int], pairs: list[tuple[tuple[int, int], list[tuple[int, int]]]], end: int
    ) -> tuple[int, int, str] | None:
        s_text = self._span(*subject)
        parts, changed = [], False
        for (verb_start, verb_end), objects in pairs:
            verb = self.tokens[verb_start:verb_end]
            for obj in objects:
                o_text = self._span(*obj)
                replacement = self._closure(s_text, subject, verb, o_text, obj)
                changed |= replacement is not None
                parts.append(replacement or f"{s_text} {self._span(verb_start, verb_end)} {o_text}")
        return (self.tokens[start].start, self.tokens[end - 1].end, " .\n  ".join(parts)) if changed else None

    def _closure(
        self, s_text: str, subject: tuple[int, int], verb: list[_Tok], o_text: str, obj: tuple[int, int]
    ) -> str | None:
        elements = self._sequence(verb)
        if elements is None:
            return None
        s_const, o_const = self._constant(subject), self._constant(obj)
        last, first = elements[-1], elements[0]
        if self._is_closure(last) and o_const and (len(elements) > 1 or not s_const):
            head = self._join(elements[:-1])
            inner = self._fresh() if len(elements) > 1 else s_text
            sub = f"{{ SELECT DISTINCT {inner} WHERE {{ {inner} {self._join([last])} {o_text} }}{_BARRIER}"
            return f"{s_text} {head} {inner} .\n  {sub}" if len(elements) > 1 else sub
        if self._is_closure(first) and s_const and (len(elements) > 1 or not o_const):
            tail = self._join(elements[1:])
            inner = self._fresh() if len(elements) > 1 else o_text
            sub = f"{{ SELECT DISTINCT {inner} WHERE {{ {s_text} {self._join([first])} {inner} }}{_BARRIER}"
            return f"{sub} .\n  {inner} {tail} {o_text}" if len(elements) > 1 else sub
        return None

    def _sequence(self, verb: list[_Tok]) -> list[list[_Tok]] | None:
        """The path's top-level ``/`` elements, or None if it has a top-level ``|`` or is one variable."""
        if len(verb) == 1 and verb[0].kind == "var":
            return None
        elements: list[list[_Tok]] = [[]]
        depth = 0
        for token in verb:
            if token.is_("("):
                depth += 1
            elif token.is_(")"):
                depth -= 1
            if depth == 0 and token.is_("|"):
                return None
            if depth == 0 and token.is_("/"):
                elements.append([])
            else:
                elements[-1].append(token)
        return elements

    @staticmethod
    def _is_closure(element: list[_Tok]) -> bool:
        return len(element) > 1 and element[-1].is_("*", "+") and not element[0].is_("^")

    def _constant(self, term: tuple[int, int]) -> bool:
        return self.tokens[term[0]].kind != "var"

    def _join(self, elements: list[list[_Tok]]) -> str:
        return "/".join(self._span_tokens(e) for e in elements)

    def _span(self, i: int, j: int) -> str:
        return self._span_tokens(self.tokens[i:j])

    def _span_tokens(self, tokens: list[_Tok]) -> str:
        return self.text[tokens[0].start : tokens[-1].end]

    def _fresh(self) -> str:
        self.fresh += 1
        name = f"?_dpv_almi_step{self.fresh}"
        if name in self.text:
            raise _Unsupported("variable name taken")
        return name

    def term(self, i: int) -> tuple[int, int]:
        """A one-token term (``[`` … ``]`` blank nodes and ``(`` … ``)`` lists are not rewritten)."""
        token = self._at(i)
        if token.kind in _TERM_KINDS or token.is_("true", "false"):
            j = i + 1
            if token.kind == "str":
                if self._at(j).kind == "lang":
                    j += 1
                elif self._at(j).is_("^^"):
                    j += 2
            return i, j
        raise _Unsupported(token.text)

    def path(self, i: int) -> int:
        """Index after a verb: a variable, or a property path (primaries, ``/ | ^ !``, parentheses, modifiers)."""
        if self._at(i).kind == "var":
            return i + 1
        depth = 0
        expect_primary = True
        while True:
            token = self._at(i)
            if expect_primary:
                if token.is_("^", "!"):
                    i += 1
                elif token.is_("("):
                    depth += 1
                    i += 1
                elif token.kind in ("iri", "pname") or token.is_("a"):
                    i += 1
                    expect_primary = False
                else:
                    raise _Unsupported(token.text)
            else:
                if token.is_("*", "+", "?"):
                    i += 1
                elif token.is_(")") and depth:
                    depth -= 1
                    i += 1
                elif token.is_("/", "|"):
                    i += 1
                    expect_primary = True
                elif depth == 0:
                    return i
                else:
                    raise _Unsupported(token.text)

    def _at(self, i: int) -> _Tok:
        if i >= len(self.tokens):
            raise _Unsupported("end of query")
        return self.tokens[i]


def distinct_closures(text: str) -> str:
    """The query with each ``*``/``+`` closure that has a constant end as a ``SELECT DISTINCT`` sub-select
    (:class:`_ClosureRewriter`); the query as written where it uses anything the rewrite does not know."""
    tokens = _tokenize(text)
    if tokens is None:
        return text
    try:
        rewritten = _ClosureRewriter(text, tokens).run()
    except _Unsupported:
        return text
    return rewritten if rewritten == text or parses(rewritten) else text


parses = syntax.parses


# --- Virtuoso: unprojected variables and EXISTS values ----------------------------------------------------------


def _partner(tokens: list[_Tok], i: int, step: int = 1) -> int:
    """Index of the bracket that closes (*step* 1) or opens (*step* -1) the one at *i* (all bracket
    kinds nest), or -1."""
    inward, outward = (("{", "(", "["), ("}", ")", "]"))[::step]
    depth = 0
    for j in range(i, len(tokens) if step > 0 else -1, step):
        if tokens[j].is_(*inward):
            depth += 1
        elif tokens[j].is_(*outward):
            depth -= 1
            if depth == 0:
                return j
    return -1


def _matching(tokens: list[_Tok], i: int) -> int:
    """Index of the bracket closing the one at *i*, or -1."""
    return _partner(tokens, i)


def project_all_inside(text: str) -> str:
    """A ``SELECT`` with a projection list as ``SELECT … WHERE { { SELECT * WHERE { pattern } } }``.

    Why: Virtuoso 7.2 drops a ``VALUES`` (or ``BIND``) variable that is not projected before a
    ``FILTER`` inside an ``OPTIONAL`` reads it (``OPTIONAL { ?x skos:prefLabel ?l FILTER (LANG(?l) = ?lang) }``
    then never matches); in the inner ``SELECT *`` every variable is projected.  It means the same:
    ``SELECT *`` projects every variable in scope, the outer group holds nothing else, and the outer
    projection, grouping and order see the same solutions.  Left as written: ``SELECT *``, other forms."""
    tokens = _tokenize(text)
    group = _where_group(tokens) if tokens is not None else None
    if tokens is None or group is None or group[2]:
        return text
    i, end, _ = group
    body = text[tokens[i].end : tokens[end].start]
    rewritten = f"{text[: tokens[i].start]}{{ {{ SELECT * WHERE {{{body}}} }} }}{text[tokens[end].end :]}"
    return rewritten if parses(rewritten) else text


def exists_variables(text: str) -> frozenset[str]:
    """The variables the query binds to an ``EXISTS``/``NOT EXISTS`` alone: ``([NOT] EXISTS { … } AS ?v)``.

    Their values are booleans by the SPARQL grammar; Virtuoso sends them as ``xsd:integer`` 1/0
    (:func:`dpv_almi.store.remote.normalise_json` turns those back).  Any other expression is not known
    to be boolean here, so it is left out."""
    tokens = _tokenize(text) or []
    found = set()
    for i, token in enumerate(tokens[:-3]):
        j = i + 1
        if not token.is_("("):
            continue
        if tokens[j].is_("NOT"):
            j += 1
        if not (tokens[j].is_("EXISTS") and j + 1 < len(tokens) and tokens[j + 1].is_("{")):
            continue
        k = _matching(tokens, j + 1)
        if (
            0 <= k < len(tokens) - 3
            and tokens[k + 1].is_("AS")
            and tokens[k + 2].kind == "var"
            and tokens[k + 3].is_(")")
        ):
            found.add(tokens[k + 2].text[1:])
    return frozenset(found)


def names_a_graph(text: str) -> bool:
    """True if the query has ``GRAPH <iri>`` or ``GRAPH prefix:name`` (a constant graph, not ``GRAPH ?g``).

    Virtuoso 7.2 answers such a pattern with nothing once any ``input:…-graph-exclude`` pragma is
    given, so :mod:`dpv_almi.store.remote` leaves the pragmas off for these queries.  Unlexable text
    counts as naming one (the pragmas are an optimisation of the answer, an empty answer is wrong)."""
    tokens = _tokenize(text)
    if tokens is None:
        return True
    return any(
        token.kind == "word"
        and token.text.upper() == "GRAPH"
        and i + 1 < len(tokens)
        and tokens[i + 1].kind in ("iri", "pname")
        for i, token in enumerate(tokens)
    )


# --- Virtuoso: FILTER EXISTS as a join --------------------------------------------------------------------------

_NOT_IN_SEMIJOIN = ("FILTER", "OPTIONAL", "MINUS", "BIND", "VALUES", "SELECT", "GRAPH", "SERVICE", "EXISTS")


def exists_as_joins(text: str) -> str:
    """Each ``FILTER EXISTS { P }`` of a SELECT's top-level group as a join with ``{ SELECT DISTINCT ?shared { P } }``.

    Why: Virtuoso 7.2 answers a ``*``/``+`` path inside ``FILTER EXISTS``, started from a variable of the
    outer query, for some outer solutions only (``?x z:q ?y FILTER EXISTS { ?y z:p* z:c }`` on
    ``z:a z:q z:b . z:b z:p z:c . z:d z:q z:c`` finds z:a, not z:d); evaluated uncorrelated, as a sub-select
    joined on the shared variables, it is right.  Also ``FILTER (!BOUND(?v) || EXISTS { P })`` where ``?v``
    is a top-level ``VALUES ?v { c }`` (a bound query parameter): ``!BOUND(?v)`` is false, and ``?v`` in P
    becomes ``c`` -- what the spec's substitution of the solution into P does -- so P's closures get a
    constant end (:func:`distinct_closures`).

    The join means the same as the filter where every variable P shares with the rest of the query is
    bound in every solution: by a triple pattern of the top-level group (or such a ``VALUES``), and by a
    triple pattern of P's own top level; and P is plain patterns, groups and ``UNION`` (no ``FILTER``,
    ``OPTIONAL``, ``BIND``, sub-select …, whose scoping differs between a filter and a join).  The
    sub-select goes at the end of the group, where a filter applies, and ``DISTINCT`` keeps one joined
    solution per outer one.  Anything else is left as written."""
    tokens = _tokenize(text)
    group = _where_group(tokens) if tokens is not None else None
    if tokens is None or group is None:
        return text
    start, end, _ = group
    constants: dict[str, str] = {}
    bound: set[str] = set()
    filters: list[tuple[int, int, int, int]] = []  # FILTER token, P's "{", P's "}", index after the FILTER
    i = start + 1
    while i < end:
        token = tokens[i]
        if token.is_("VALUES"):
            block = i + 2 if tokens[i + 1].kind == "var" else _matching(tokens, i + 1) + 1
            close = _matching(tokens, block) if 0 < block < end else -1
            if close < 0:
                return text
            if (
                close == block + 2
                and tokens[i + 1].kind == "var"
                and tokens[block + 1].kind in ("iri", "pname", "str", "num")
            ):
                constants[tokens[i + 1].text[1:]] = tokens[block + 1].text
                bound.add(tokens[i + 1].text[1:])
            i = close + 1
        elif token.is_("FILTER"):
            after = _filter_end(tokens, i)
            if after < 0:
                return text
            if (pattern := _exists_pattern(tokens, i, after, constants)) is not None:
                filters.append((i, *pattern, after))
            i = after
        elif token.is_("{", "(", "["):
            i = _matching(tokens, i) + 1
            if i <= 0:
                return text
        elif (token.kind == "word" and token.text.upper() in _GROUP_KEYWORDS) or token.is_("."):
            i += 1  # OPTIONAL, UNION, BIND …: what follows is skipped above, its variables not counted as bound
        else:  # a triple pattern: every variable in it is bound in every solution
            j = i
            while (
                j < end
                and not tokens[j].is_(".", "{", "}")
                and not (tokens[j].kind == "word" and tokens[j].text.upper() in (*_GROUP_KEYWORDS, "FILTER"))
            ):
                j = _matching(tokens, j) + 1 if tokens[j].is_("(", "[") else j + 1
                if j <= 0:
                    return text
            bound |= {t.text[1:] for t in tokens[i:j] if t.kind == "var"}
            i = max(j, i + 1)
    joins, cuts = [], []
    for f_start, p_open, p_close, f_end in filters:
        inside = {t.text[1:] for t in tokens[p_open:p_close] if t.kind == "var"} - constants.keys()
        outside = {t.text[1:] for t in tokens[:f_start] + tokens[f_end:] if t.kind == "var"}
        shared = inside & outside
        if not shared or not shared <= bound or not shared <= _top_level_variables(tokens, p_open, p_close):
            continue
        body = "".join(_substituted(text, tokens, p_open + 1, p_close, constants))
        joins.append(f"{{ SELECT DISTINCT {' '.join(f'?{name}' for name in sorted(shared))} WHERE {{{body}}} }}")
        cuts.append((tokens[f_start].start, tokens[f_end - 1].end))
    if not joins:
        return text
    rewritten = text[: tokens[end].start] + "\n  " + "\n  ".join(joins) + "\n" + text[tokens[end].start :]
    for cut_start, cut_end in reversed(cuts):
        rewritten = rewritten[:cut_start] + " " + rewritten[cut_end:]
    return rewritten if parses(rewritten) else text


def _where_group(tokens: list[_Tok]) -> tuple[int, int, bool] | None:
    """The indexes of the ``{`` and ``}`` of a SELECT query's WHERE group and whether it is ``SELECT *``;
    None for another form."""
    select = next((i for i, t in enumerate(tokens) if t.is_("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")), None)
    if select is None or not tokens[select].is_("SELECT"):
        return None
    i, star = select + 1, False
    while i < len(tokens) and not tokens[i].is_("{"):
        star |= tokens[i].is_("*")
        i = _matching(tokens, i) + 1 if tokens[i].is_("(") else i + 1
        if i <= 0:
            return None
    end = _matching(tokens, i) if i < len(tokens) else -1
    return (i, end, star) if end > 0 else None


def _filter_end(tokens: list[_Tok], i: int) -> int:
    """The index after the constraint of the ``FILTER`` at *i* (a bracketed expression, EXISTS or a call), or -1."""
    j = i + 1
    if j < len(tokens) and tokens[j].is_("NOT"):
        j += 1
    if j < len(tokens) and (tokens[j].is_("EXISTS") or tokens[j].kind in ("word", "pname", "iri")):
        j += 1
    close = _matching(tokens, j) if j < len(tokens) else -1
    return close + 1 if close >= 0 else -1


def _exists_pattern(tokens: list[_Tok], i: int, after: int, constants: dict[str, str]) -> tuple[int, int] | None:
    """P's braces if the FILTER at *i* is ``FILTER EXISTS { P }`` or ``FILTER (!BOUND(?v) || EXISTS { P })`` with
    ``?v`` a top-level constant, and P holds only patterns, groups and UNION."""
    j = i + 1
    if tokens[j].is_("("):
        if not (
            after - j > 8
            and tokens[j + 1].is_("!")
            and tokens[j + 2].is_("BOUND")
            and tokens[j + 3].is_("(")
            and tokens[j + 4].kind == "var"
            and tokens[j + 4].text[1:] in constants
            and tokens[j + 5].is_(")")
            and tokens[j + 6].is_("||")
            and tokens[after - 1].is_(")")
        ):
            return None
        j += 7
        if not (tokens[j].is_("EXISTS") and _matching(tokens, j + 1) == after - 2):
            return None
    elif not (tokens[j].is_("EXISTS") and _matching(tokens, j + 1) == after - 1):
        return None
    p_open, p_close = j + 1, _matching(tokens, j + 1)
    if any(t.kind == "word" and t.text.upper() in _NOT_IN_SEMIJOIN for t in tokens[p_open:p_close]):
        return None
    return p_open, p_close


def _top_level_variables(tokens: list[_Tok], p_open: int, p_close: int) -> set[str]:
    """The variables of the triple patterns directly in the group *p_open*…*p_close* (not in a nested group)."""
    names, depth = set(), 0
    for token in tokens[p_open + 1 : p_close]:
        depth += token.is_("{") - token.is_("}")
        if depth == 0 and token.kind == "var":
            names.add(token.text[1:])
    return names


def _substituted(text: str, tokens: list[_Tok], first: int, last: int, constants: dict[str, str]) -> Iterator[str]:
    """The text of tokens *first*…*last* (exclusive; the spaces between kept) with each constant variable replaced."""
    position = tokens[first - 1].end
    for token in tokens[first:last]:
        yield text[position : token.start]
        yield constants.get(token.text[1:], token.text) if token.kind == "var" else token.text
        position = token.end
    yield text[position : tokens[last].start]


# --- Virtuoso: xsd:duration literals under a datatype it keeps verbatim -----------------------------------------

XSD_DURATION = PREFIXES["xsd"] + "duration"


def canonical_literal(literal: str) -> pyoxigraph.Literal | None:
    """*literal* (SPARQL syntax) as Oxigraph holds it -- a duration by its value, so ``"PT60M"`` is ``"PT1H"``;
    None if it is not one literal.

    The local stores answer with these forms, so a store that keeps the lexical form must be given them
    (on load, and in query texts, where a pattern matches by the stored term)."""
    try:
        solution = next(iter(syntax.evaluate(f"SELECT ?x {{ VALUES ?x {{ {literal} }} }}")))
    except (SyntaxError, StopIteration):
        return None
    term = solution[0]
    return term if isinstance(term, pyoxigraph.Literal) else None


def durations_stored_as(text: str, stored: str) -> str:
    """The query with each ``xsd:duration`` literal typed *stored* instead (in canonical form), and the IRI
    ``xsd:duration`` where it is compared with a ``DATATYPE(…)`` too, for a store that holds durations so.

    Rewritten: ``"…"^^xsd:duration`` and ``"…"^^<…XMLSchema#duration>`` (any prefix bound to the XSD
    namespace, the service's or the query's own); ``DATATYPE(e) = xsd:duration`` and ``!=``, either way round,
    ``sameTerm(DATATYPE(e), xsd:duration)`` either way round, and ``DATATYPE(e) [NOT] IN (…, xsd:duration, …)``.
    These are sound for durations the service loaded (all stored under *stored*, canonical): a triple
    pattern, ``VALUES``, ``sameTerm`` and ``=``/``!=`` between two durations compare terms, and two
    canonical durations are equal exactly when their values are.

    Not translatable, so left as written and answered differently than on the local stores: ordering
    (``<``, ``>``, ``ORDER BY``, ``MIN``/``MAX``), arithmetic and functions on a duration value, the cast
    ``xsd:duration(…)``, ``STRDT(…, xsd:duration)``, ``=`` between a duration and a value of another type,
    ``xsd:duration`` compared with ``DATATYPE`` through a variable, and ``STR(DATATYPE(?x))``, which is the
    string of *stored*.  Unlexable text, and a rewrite that no longer parses, are sent as written."""
    if "duration" not in text:  # every form of the IRI spells it: most queries need no tokenizing here
        return text
    tokens = _tokenize(text)
    if tokens is None:
        return text
    prefixes = dict(PREFIXES)
    for i in range(len(tokens) - 2):
        if tokens[i].is_("PREFIX") and tokens[i + 1].kind == "pname" and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text[:-1]] = tokens[i + 2].text[1:-1]
    edits: list[tuple[int, int, str]] = []
    for i, token in enumerate(tokens):
        if not _names(token, XSD_DURATION, prefixes):
            continue
        if i >= 2 and tokens[i - 1].is_("^^") and tokens[i - 2].kind == "str":
            literal = canonical_literal(f"{tokens[i - 2].text}^^<{XSD_DURATION}>")
            if literal is None:
                return text
            typed = pyoxigraph.Literal(literal.value, datatype=pyoxigraph.NamedNode(stored))
            edits.append((tokens[i - 2].start, token.end, str(typed)))
        elif _compared_with_datatype(tokens, i):
            edits.append((token.start, token.end, f"<{stored}>"))
    rewritten = text
    for start, end, replacement in reversed(edits):
        rewritten = rewritten[:start] + replacement + rewritten[end:]
    return rewritten if rewritten == text or parses(rewritten) else text


def _names(token: _Tok, iri: str, prefixes: dict[str, str]) -> bool:
    """True if *token* is the IRI *iri*, written in full or as a prefixed name (``PN_LOCAL`` escapes aside)."""
    if token.kind == "iri":
        return token.text[1:-1] == iri
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        return prefix in prefixes and prefixes[prefix] + local == iri
    return False


def _opening(tokens: list[_Tok], close: int) -> int:
    """Index of the bracket opening the one that closes at *close*, or -1."""
    return _partner(tokens, close, -1)


def _datatype_call_ends_at(tokens: list[_Tok], close: int) -> bool:
    """True if the ``)`` at *close* ends a ``DATATYPE(…)`` call."""
    if close < 0 or not tokens[close].is_(")"):
        return False
    opening = _opening(tokens, close)
    return opening > 0 and tokens[opening - 1].is_("DATATYPE")


def _datatype_call_starts_at(tokens: list[_Tok], i: int) -> bool:
    return i + 1 < len(tokens) and tokens[i].is_("DATATYPE") and tokens[i + 1].is_("(")


def _compared_with_datatype(tokens: list[_Tok], i: int) -> bool:
    """True if the IRI at *i* is one side of ``DATATYPE(…) =``/``!=``, a ``sameTerm`` with a ``DATATYPE(…)``,
    or an item of the list of ``DATATYPE(…) [NOT] IN (…)``."""
    before = tokens[i - 1] if i else None
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if before is not None and before.is_("=", "!=") and _datatype_call_ends_at(tokens, i - 2):
        return True
    if after is not None and after.is_("=", "!=") and _datatype_call_starts_at(tokens, i + 2):
        return True
    if before is not None and before.is_(",") and after is not None and after.is_(")"):
        opening = _opening(tokens, i + 1)  # sameTerm(DATATYPE(e), iri)
        if (
            opening > 0
            and tokens[opening - 1].is_("sameTerm")
            and _datatype_call_starts_at(tokens, opening + 1)
            and _matching(tokens, opening + 2) == i - 2
        ):
            return True
    if (
        before is not None
        and before.is_("(")
        and after is not None
        and after.is_(",")
        and i >= 2
        and tokens[i - 2].is_("sameTerm")
        and _datatype_call_starts_at(tokens, i + 2)
    ):
        return _matching(tokens, i + 3) + 1 == _matching(tokens, i - 1)  # sameTerm(iri, DATATYPE(e))
    if before is not None and before.is_("(", ",") and after is not None and after.is_(",", ")"):
        close = i + 1 if after.is_(")") else _list_end(tokens, i)
        opening = _opening(tokens, close) if close > 0 else -1
        if opening > 0 and tokens[opening - 1].is_("IN"):
            call_end = opening - 3 if opening > 2 and tokens[opening - 2].is_("NOT") else opening - 2
            return _datatype_call_ends_at(tokens, call_end)
    return False


def _list_end(tokens: list[_Tok], i: int) -> int:
    """Index of the ``)`` that closes the bracket list the token at *i* is an item of, or -1."""
    depth = 0
    for j in range(i + 1, len(tokens)):
        if tokens[j].is_("{", "(", "["):
            depth += 1
        elif tokens[j].is_("}", ")", "]"):
            if depth == 0:
                return j if tokens[j].is_(")") else -1
            depth -= 1
    return -1
