"""Hypothesis fuzzing of every form through its real view: text, unicode, huge and control-character
strings, invalid dates and numbers, foreign ids. Whatever is posted, the answer is never a 500.

The "ci" profile (tests/security/conftest.py) runs 25 derandomised examples per form.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.security.forms_registry import FORMS, NOT_FUZZED_HERE, form_classes
from tests.security.probes import url_with
from tests.security.test_permission_matrix import MATRIX

NASTY = [
    "",
    " ",
    "\x00",
    "\x1b[31m\r\n\t\x7f",
    "\u202e\u200b\ufeff",
    "💥" * 50,
    "x" * 5_000,
    "31/02/2019",
    "00/00/0000",
    "2019-13",
    "2019-Q5",
    "9999-99-99",
    "-1",
    "0",
    "1e309",
    "NaN",
    "-Infinity",
    "9" * 60,
    "1,5",
    "0x1F",
    "2147483648",
    "-9223372036854775809",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%n%x",
    "{{ 7*7 }}",
    "=cmd|'/C calc'!A0",
    "javascript:alert(1)",
    "//evil.example",
]
hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "So", "Lo"]), max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


def hostile_value(valid):
    """Keep the valid value, or replace it with something hostile (a list for multiple choices)."""
    if isinstance(valid, list):
        return st.one_of(st.just(valid), st.lists(hostile_text, max_size=3))
    if isinstance(valid, SimpleUploadedFile):
        return st.one_of(
            st.just(valid.name),  # a name where a file was expected
            st.binary(max_size=300).map(lambda content: SimpleUploadedFile(valid.name, content)),
            st.sampled_from(["values.xlsx", "plan.xlsx", "plan.csv", "x.json", "../../x.csv"]).flatmap(
                lambda name: st.binary(max_size=200).map(lambda content: SimpleUploadedFile(name, content))
            ),
        )
    return st.one_of(st.just(valid), hostile_text)


def posted(case, objects):
    valid = case.data(objects)
    extra = st.dictionaries(st.sampled_from(["plan", "id", "is_superuser", "x" * 300, "\x00"]), hostile_text)
    return st.tuples(st.fixed_dictionaries({key: hostile_value(value) for key, value in valid.items()}), extra)


@pytest.fixture
def cheap_pdfs(monkeypatch):
    # Issuing papers renders a PDF each time; what is fuzzed here is the form, not WeasyPrint.
    monkeypatch.setattr("governance.packs.pdf_from_snapshot", lambda snapshot: b"%PDF-1.7 fuzz")


def _fuzz(client, world, key):
    people, objects = world
    case = FORMS[key]
    client.force_login(people[case.person])
    url = url_with(case.view, objects)

    @given(data=posted(case, objects))
    def run(data):
        fields, extra = data
        fields = fields | {k: v for k, v in extra.items() if k not in fields}
        response = client.post(url, fields)
        assert response.status_code < 500, (url, fields)

    run()


@pytest.mark.parametrize("key", sorted(FORMS))
def test_no_form_answers_a_500_whatever_is_posted(client, db, world, cheap_pdfs, key):
    _fuzz(client, world, key)


def test_every_form_is_fuzzed():
    names = set(form_classes())
    missing = names - set(FORMS) - set(NOT_FUZZED_HERE)
    assert not missing, f"add these forms to tests/security/forms_registry.py: {sorted(missing)}"
    for case in FORMS.values():
        assert case.view in MATRIX


@pytest.mark.parametrize("name", ["plans:action_list", "governance:dashboard", "plans:audit_log"])
def test_no_page_answers_a_500_whatever_its_query(client, db, world, name):
    people, objects = world
    if name not in MATRIX:
        pytest.skip(f"{name} is not in this URLconf")
    client.force_login(people["plan_manager"])
    url = url_with(name, objects)

    @settings(max_examples=10)  # pages, not forms: fewer examples keep the run short
    @given(
        query=st.dictionaries(
            st.sampled_from(
                [
                    *["q", "words", "kind", "user", "since", "until", "page", "period", "sort", "recommendation"],
                    *["lead", "organisation", "status", "flag"],
                ]
            ),
            hostile_text,
            max_size=4,
        )
    )
    def run(query):
        assert client.get(url, query).status_code < 500, (url, query)

    run()
