"""The result cache's bounds and its refusal of stale or failed answers (the service tests show it in use)."""

from __future__ import annotations

from dpv_almi.execution.cache import ResultCache, outcome_size
from dpv_almi.store.dataset import Outcome, QueryJob


def answer(size: int) -> Outcome:
    return Outcome(body=b"x" * size, rows=1)


def test_least_recently_used_entries_go_first_past_the_entry_bound() -> None:
    cache = ResultCache(max_entries=2, max_bytes=10**6)
    a, b, c = (cache.key("v1", QueryJob(f"ASK {{ <urn:{n}> ?p ?o }}"), True) for n in "abc")
    cache.put(a, answer(1))
    cache.put(b, answer(1))
    assert cache.get(a) is not None  # a is now the most recently used
    cache.put(c, answer(1))
    assert len(cache) == 2 and cache.get(b) is None and cache.get(a) is not None and cache.get(c) is not None


def test_the_byte_bound_holds_and_one_answer_takes_at_most_a_quarter() -> None:
    cache = ResultCache(max_entries=100, max_bytes=4000)
    keys = [cache.key("v1", QueryJob(f"ASK {{ <urn:{n}> ?p ?o }}"), True) for n in range(10)]
    assert not cache.put(keys[0], answer(2000))  # over a quarter of the cache
    for key in keys[1:]:
        assert cache.put(key, answer(500))
        assert cache.bytes <= 4000
    assert 0 < len(cache) < 9 and cache.bytes == sum(outcome_size(answer(500)) for _ in range(len(cache)))


def test_failed_answers_and_answers_about_old_data_are_not_kept() -> None:
    cache = ResultCache(max_entries=10, max_bytes=10**6)
    job = QueryJob("ASK { ?s ?p ?o }")
    assert not cache.put(cache.key("v1", job, True), Outcome(400, title="Malformed query"))
    before_write = cache.key("v1", job, True)
    cache.put(before_write, answer(1))
    cache.invalidate()  # a write landed while another query was still running
    assert cache.get(before_write) is None and len(cache) == 0
    assert not cache.put(before_write, answer(1))
    assert cache.put(cache.key("v1", job, True), answer(1))


def test_a_zero_bound_turns_it_off() -> None:
    assert not ResultCache(0, 10**6).enabled and not ResultCache(10, 0).enabled
    off = ResultCache(0, 10**6)
    assert not off.put(off.key("v1", QueryJob("ASK {}"), True), answer(1))
