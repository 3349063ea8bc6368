"""Articles suggested for a case's text: the relevant one first, never one the user may
not see, cheap (two queries), and safe with hostile or huge text."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from perno.knowledge import services
from perno.knowledge.suggest import suggest_for_text
from perno.knowledge.terms import MAX_QUERY_TERMS, query_terms

pytestmark = pytest.mark.django_db

CASE = (
    "La stampante delle ricevute non stampa più",
    "Buongiorno, da stamattina la stampante non stampa le ricevute. La spia lampeggia "
    "rossa e la carta c'è. Abbiamo già spento la cassa. Grazie",
)


@pytest.fixture
def library(editor, write):
    printer = write(
        "La stampante delle ricevute non stampa",
        "Controlla il rotolo di carta. Se la spia lampeggia rossa la taglierina è bloccata: "
        "chiama il tecnico.",
        language="it",
    )
    services.article_revise(
        actor=editor,
        article=printer,
        language="en",
        title="Receipt printer does not print",
        body="Check the paper roll. A blinking red light means the cutter is jammed.",
        publish=True,
    )
    invoices = write(
        "Fattura elettronica scartata",
        "Se la fattura è scartata dallo SdI correggi il codice destinatario. La carta "
        "intestata non serve.",
        language="it",
    )
    password = write(
        "Reimpostare la password",
        "Scegli password dimenticata nella pagina di accesso. Il link arriva per e-mail.",
        language="it",
    )
    return {"printer": printer, "invoices": invoices, "password": password}


def test_the_relevant_article_comes_first_in_the_case_language(reader, library):
    found = suggest_for_text(user=reader, text=" ".join(CASE), language="it")
    assert found[0].article == library["printer"]
    assert found[0].language == "it" and found[0].title.startswith("La stampante")
    assert library["password"] not in [s.article for s in found]
    assert found[0].url.endswith("?lang=it") and "rotolo di carta" in found[0].snippet
    english = suggest_for_text(
        user=reader, text="The receipt printer light is blinking red", language="en"
    )
    assert english[0].article == library["printer"] and english[0].language == "en"
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_nothing_the_user_may_not_see_is_suggested(make_user, editor, reader, write, library):
    admin = make_user("boss", role="administrator")
    secret = write(
        "Stampante: procedura riservata",
        "Stampante ricevute spia rossa lampeggia stampa carta tecnico.",
        language="it",
        is_confidential=True,
        actor=admin,
    )
    draft = write(
        "Stampante ricevute (bozza)",
        "Stampante ricevute spia rossa lampeggia stampa carta tecnico cassa.",
        language="it",
        publish=False,
    )
    archived = write(
        "Stampante ricevute vecchia",
        "Stampante ricevute spia rossa lampeggia stampa carta tecnico cassa.",
        language="it",
    )
    services.article_archive(actor=editor, article=archived)
    text = " ".join(CASE)
    shown = {s.article for s in suggest_for_text(user=reader, text=text, language="it", limit=20)}
    assert library["printer"] in shown
    assert not shown & {secret, draft, archived}
    for_admin = {
        s.article for s in suggest_for_text(user=admin, text=text, language="it", limit=20)
    }
    assert secret in for_admin and not for_admin & {draft, archived}
    nobody = make_user("nobody", role="sales")
    nobody.roles.clear()
    assert suggest_for_text(user=nobody, text=text, language="it") == []


def test_suggestions_cost_two_queries(reader, library):
    text = " ".join(CASE)
    suggest_for_text(user=reader, text=text, language="it")  # the user's rights, cached
    with CaptureQueriesContext(connection) as queries:
        found = suggest_for_text(user=reader, text=text, language="it")
    assert found and len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        assert suggest_for_text(user=reader, text="ok, grazie!", language="it") == []
    assert len(queries) == 0


def test_hostile_and_huge_text_is_cut_and_harmless(reader, library):
    hostile = "'; DROP TABLE knowledge_article; -- <script>alert(1)</script> " * 2000
    assert suggest_for_text(user=reader, text=hostile, language="it") == []
    huge = "stampante " + "parola1 " * 500_000
    found = suggest_for_text(user=reader, text=huge, language="xx", limit=10_000)
    assert found[0].article == library["printer"]
    assert len(query_terms("".join(f"w{i}abc " for i in range(5000)))) == MAX_QUERY_TERMS
    assert suggest_for_text(user=reader, text="", language="it") == []
