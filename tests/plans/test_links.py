import pytest
from django.urls import reverse, set_script_prefix

from plans.links import cached_reverse, pk_url_maker


@pytest.mark.parametrize(
    ("viewname", "args"),
    [("governance:action_detail", ["a-plan"]), ("measures:measure_detail", ["plan-0"]), ("plans:plan_detail", [])],
)
def test_the_maker_gives_what_reverse_gives_for_every_id(viewname, args):
    url_of = pk_url_maker(viewname, *args)
    for pk in (1, 7, 10, 100, 3306, 2**31):
        assert url_of(pk) == reverse(viewname, args=[*args, pk])


def test_an_id_is_always_a_number_in_the_address():
    with pytest.raises(ValueError):
        pk_url_maker("governance:action_detail", "a-plan")("1/../../admin")


def test_cached_reverse_follows_the_script_prefix():
    assert cached_reverse("governance:action_detail", "a-plan", 3) == reverse(
        "governance:action_detail", args=["a-plan", 3]
    )
    try:
        set_script_prefix("/tracker/")
        assert cached_reverse("plans:home") == "/tracker/"
    finally:
        set_script_prefix("/")
    assert cached_reverse("plans:home") == "/"
