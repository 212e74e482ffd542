"""Pulse questions: a default set on first use, a new version for each change, history never mixed."""
import pytest
from django.urls import reverse

from pulse import questions
from pulse.models import QuestionSet
from tests.test_pulse_support import enable_pulse, make_period, PAST_MONDAY

pytestmark = pytest.mark.usefixtures("fast_passwords")


def texts(question_set):
    return [statement.text for statement in question_set.statements.all()]


def test_first_use_creates_version_1_with_the_default_statements(org):
    first = questions.current_set(org.payments)

    assert first.version == 1
    assert texts(first) == questions.DEFAULT_STATEMENTS
    assert questions.current_set(org.payments).pk == first.pk


def test_an_edit_makes_a_new_version_and_leaves_the_old_one_untouched(org):
    first = questions.current_set(org.payments)

    second = questions.edit(org.payments, ["We ship calmly.", "Priorities are clear.", "I get help fast."], "Else?")

    assert second.version == 2
    assert texts(second) == ["We ship calmly.", "Priorities are clear.", "I get help fast."]
    first.refresh_from_db()
    assert texts(first) == questions.DEFAULT_STATEMENTS


def test_saving_unchanged_questions_makes_no_new_version(org):
    first = questions.current_set(org.payments)

    again = questions.edit(org.payments, questions.DEFAULT_STATEMENTS, questions.DEFAULT_FREE_TEXT_QUESTION)

    assert again.pk == first.pk
    assert QuestionSet.objects.filter(team=org.payments).count() == 1


@pytest.mark.parametrize("count", [2, 7])
def test_a_question_set_has_three_to_six_statements(org, count):
    with pytest.raises(ValueError):
        questions.save_new_version(org.payments, [f"Statement {n}" for n in range(count)], "")


def test_versions_are_per_team(org):
    questions.edit(org.payments, ["A a.", "B b.", "C c."], "")

    assert questions.current_set(org.search).version == 1


def test_a_period_keeps_the_questions_it_started_with_after_an_edit(org):
    period = make_period(org.payments)

    questions.edit(org.payments, ["A a.", "B b.", "C c."], "")

    period.refresh_from_db()
    assert period.question_set.version == 1
    later = make_period(org.payments, PAST_MONDAY.replace(day=10))
    assert later.question_set.version == 2


def test_lead_saves_a_new_version_on_the_questions_page(org, lead):
    enable_pulse(org.payments)
    data = {f"statement_{n}": f"Statement number {n}." for n in range(1, 5)}

    response = lead.post(reverse("pulse:questions", args=[org.payments.slug]), {**data, "free_text_question": ""})

    assert response.status_code == 302
    current = questions.current_set(org.payments)
    assert current.version == 2 and len(texts(current)) == 4 and current.free_text_question == ""
    assert current.created_by == org.people.lead


def test_the_questions_page_refuses_fewer_than_three_statements(org, lead):
    response = lead.post(reverse("pulse:questions", args=[org.payments.slug]),
                         {"statement_1": "Only one.", "statement_2": "And two."})

    assert response.status_code == 200
    assert questions.current_set(org.payments).version == 1


def test_hostile_question_text_is_shown_escaped(org, lead, login):
    hostile = '<script>alert("x")</script>'
    questions.edit(org.payments, [hostile, "B b.", "C c."], "<img src=x onerror=alert(1)>")
    enable_pulse(org.payments)

    for client, url in [(lead, reverse("pulse:questions", args=[org.payments.slug])),
                        (login(org.people.member), reverse("pulse:answer", args=[org.payments.slug]))]:
        html = client.get(url).content.decode()
        assert hostile not in html and "&lt;script&gt;" in html
        assert "<img src=x" not in html


def test_members_may_not_edit_questions_and_outsiders_get_404(org, login):
    url = reverse("pulse:questions", args=[org.payments.slug])

    assert login(org.people.member).post(url, {}).status_code == 403
    assert login(org.people.outsider).get(url).status_code == 404
    assert login(org.people.other_team).get(url).status_code == 404


def test_the_admin_shows_question_versions_read_only(org, login):
    from tests import factories

    admin_user = factories.make_user("root", is_staff=True, is_superuser=True)
    question_set = questions.current_set(org.payments)
    client = login(admin_user)

    assert client.get(reverse("admin:pulse_questionset_changelist")).status_code == 200
    page = client.get(reverse("admin:pulse_questionset_change", args=[question_set.pk]))
    assert page.status_code == 200 and "I can raise a problem without fear." in page.content.decode()
    assert client.get(reverse("admin:pulse_pulsesettings_changelist")).status_code == 200
