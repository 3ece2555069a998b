import pytest
from django.urls import reverse

from plans.links import pk_url_maker


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
