"""A few knowledge-base articles for the demo (``perno.seed.demo``), in Italian, Romanian
and English, written through the services so they have versions and history."""

from __future__ import annotations

from typing import Any

from perno.knowledge import categories, services
from perno.knowledge.models import Article

PASSWORD = {
    "it": (
        "Reimpostare la password del portale clienti",
        "Se il cliente non riesce ad accedere:\n\n"
        "1. Apri la pagina di accesso e scegli **Password dimenticata**.\n"
        "2. Inserisci l'indirizzo e-mail del contratto.\n"
        "3. Il link arriva entro 5 minuti; controlla anche la cartella *spam*.\n\n"
        "Il link scade dopo 24 ore. Se l'account è bloccato dopo troppi tentativi, "
        "attendi 15 minuti prima di riprovare.",
    ),
    "ro": (
        "Resetarea parolei portalului pentru clienți",
        "Dacă clientul nu se poate autentifica:\n\n"
        "1. Deschide pagina de autentificare și alege **Am uitat parola**.\n"
        "2. Introdu adresa de e-mail din contract.\n"
        "3. Linkul sosește în 5 minute; verifică și dosarul *spam*.\n\n"
        "Linkul expiră după 24 de ore.",
    ),
    "en": (
        "Resetting the customer portal password",
        "When a customer cannot log in:\n\n"
        "1. Open the log-in page and choose **Forgot password**.\n"
        "2. Enter the e-mail address of the contract.\n"
        "3. The link arrives within 5 minutes; check the *spam* folder too.\n\n"
        "The link expires after 24 hours.",
    ),
}
INVOICES = {
    "it": (
        "Fattura elettronica: codice destinatario e PEC",
        "Per ricevere la fattura elettronica tramite SdI il cliente deve comunicare il "
        "**codice destinatario** (7 caratteri) oppure un indirizzo **PEC**.\n\n"
        "- Privati senza partita IVA: codice `0000000` e codice fiscale.\n"
        "- Una fattura scartata dallo SdI va corretta ed emessa di nuovo entro 5 giorni.",
    ),
    "ro": (
        "Factura electronică: RO e-Factura",
        "Facturile către firme din România se transmit prin **RO e-Factura** în 5 zile "
        "lucrătoare. Clientul are nevoie de **CUI** și de adresa sediului social.\n\n"
        "- O factură respinsă se corectează și se retransmite.",
    ),
}
PRINTER = {
    "en": (
        "Receipt printer does not print",
        "Most calls are solved in this order:\n\n"
        "- Check the paper roll and close the cover until it clicks.\n"
        "- Turn the printer off for 10 seconds.\n"
        "- On the till, open *Settings → Devices* and print a test page.\n\n"
        "If the status light blinks red, the cutter is jammed: call the technician.",
    ),
    "it": (
        "La stampante delle ricevute non stampa",
        "La maggior parte delle chiamate si risolve così:\n\n"
        "- Controlla il rotolo di carta e chiudi il coperchio fino allo scatto.\n"
        "- Spegni la stampante per 10 secondi.\n"
        "- Dalla cassa apri *Impostazioni → Dispositivi* e stampa una pagina di prova.\n\n"
        "Se la spia lampeggia rossa la taglierina è bloccata: chiama il tecnico.",
    ),
}
COMPLAINTS = (
    "Procedura reclami (bozza)",
    "Ogni reclamo riceve una risposta entro 2 giorni lavorativi. Da completare con i "
    "moduli per i resi.",
)


def _article(
    actor: Any, texts: dict[str, tuple[str, str]], *, category: Any, visibility: str
) -> Article:
    languages = list(texts)
    first = languages[0]
    article = services.article_create(
        actor=actor,
        data={"category": category, "visibility": visibility},
        language=first,
        title=texts[first][0],
        body=texts[first][1],
        publish=True,
    )
    for language in languages[1:]:
        title, body = texts[language]
        services.article_revise(
            actor=actor, article=article, language=language, title=title, body=body, publish=True
        )
    return article


def load_demo_articles(*, admin: Any, editor: Any) -> list[Article]:
    """The demo's categories and articles: three published (one of them internal), with
    a newer draft of one, and one draft."""
    account = categories.category_create(actor=admin, data={"name": "Account e accesso"})
    billing = categories.category_create(actor=admin, data={"name": "Fatturazione / Facturare"})
    devices = categories.category_create(actor=admin, data={"name": "Dispositivi"})
    made = [
        _article(editor, PASSWORD, category=account, visibility=Article.Visibility.PUBLIC),
        _article(editor, INVOICES, category=billing, visibility=Article.Visibility.PUBLIC),
        _article(editor, PRINTER, category=devices, visibility=Article.Visibility.INTERNAL),
    ]
    services.article_revise(
        actor=editor,
        article=made[2],
        language="en",
        title=PRINTER["en"][0],
        body=PRINTER["en"][1] + "\n\nSpare cutters are in the Milan warehouse.",
        note="Where the spare cutters are",
    )
    made.append(
        services.article_create(
            actor=editor,
            data={"visibility": Article.Visibility.INTERNAL},
            language="it",
            title=COMPLAINTS[0],
            body=COMPLAINTS[1],
        )
    )
    return made
