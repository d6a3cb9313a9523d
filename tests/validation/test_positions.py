"""The Turtle scanner that gives report results their file and line."""

from __future__ import annotations

from dpv_almi.validation.positions import Position, scan_turtle

TEXT = '''@prefix ex: <http://example.org/> .
# ex:Commented a ex:Thing .
PREFIX other: <http://other.example/>
ex:a ex:p "a string with ex:Fake . in it" ;
    ex:q """long
ex:AlsoFake . """ .
<http://example.org/b> ex:p ex:c .
  other:d ex:p [ ex:q ex:e ] , ( ex:f ) .
<relative> ex:p ex:a.
ex:g ex:p 1.5 .
'''


def test_subjects_get_their_first_statement() -> None:
    found = scan_turtle(TEXT, "http://base.example/dir/")
    assert found["http://example.org/a"] == Position(4, 1)
    assert found["http://example.org/b"] == Position(7, 1)
    assert found["http://other.example/d"] == Position(8, 3)
    assert found["http://base.example/dir/relative"] == Position(9, 1)
    assert found["http://example.org/g"] == Position(10, 1)


def test_comments_and_strings_are_skipped_and_values_fall_back() -> None:
    found = scan_turtle(TEXT)
    assert "http://example.org/Commented" not in found and "http://example.org/Fake" not in found
    assert "http://example.org/AlsoFake" not in found
    assert found["http://example.org/e"] == Position(8, 23)  # never a subject: its first occurrence
