"""Names, places, phone and VAT numbers for generated rows: Faker it_IT / ro_RO name
pools, valid E.164 phones, VAT numbers with correct check digits."""

from __future__ import annotations

import functools
import random
import unicodedata
from dataclasses import dataclass, field

from faker import Faker
from stdnum import luhn
from stdnum.ro import cui

IT_MOBILE = [
    "320",
    "328",
    "329",
    "333",
    "335",
    "338",
    "339",
    "340",
    "345",
    "347",
    "348",
    "349",
    "366",
    "380",
    "389",
    "392",
    "393",
]
RO_MOBILE = [
    "720",
    "721",
    "722",
    "723",
    "724",
    "726",
    "728",
    "730",
    "731",
    "732",
    "740",
    "744",
    "745",
    "747",
    "749",
    "751",
    "753",
    "755",
    "757",
    "761",
    "763",
    "765",
    "766",
    "770",
    "771",
    "772",
    "773",
    "774",
    "788",
]
IT_SUFFIX = ["S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.", "S.r.l.s."]
RO_SUFFIX = ["S.R.L.", "S.A.", "S.R.L.-D", "S.N.C."]
INDUSTRIES = [
    "Manifattura",
    "Commercio",
    "Logistica",
    "Turismo",
    "Edilizia",
    "Agroalimentare",
    "IT e software",
    "Consulenza",
    "Sanità",
    "Energie rinnovabili",
    "Moda",
    "Automotive",
]
JOB_TITLES_IT = [
    "Amministratore delegato",
    "Responsabile acquisti",
    "Direttore commerciale",
    "Responsabile IT",
    "Titolare",
    "Responsabile marketing",
    "Office manager",
    "Direttore tecnico",
]
JOB_TITLES_RO = [
    "Director general",
    "Manager achiziții",
    "Director vânzări",
    "Manager IT",
    "Administrator",
    "Manager marketing",
    "Contabil șef",
    "Director tehnic",
]
DEAL_WORDS = [
    "Fornitura",
    "Licenze",
    "Manutenzione",
    "Progetto",
    "Rinnovo",
    "Consulenza",
    "Implementare",
    "Contract",
    "Ofertă",
]
ACTIVITY_SUBJECTS = {
    "task": [
        "Inviare offerta",
        "Preparare contratto",
        "Verificare pagamento",
        "Trimite ofertă",
        "Pregătește contractul",
    ],
    "call": [
        "Chiamata di follow-up",
        "Chiamata conoscitiva",
        "Apel de urmărire",
        "Apel de calificare",
    ],
    "meeting": ["Incontro in sede", "Demo prodotto", "Întâlnire la client", "Prezentare produs"],
    "email": ["E-mail di presentazione", "Invio listino", "E-mail cu oferta", "Trimitere catalog"],
    "note": [
        "Nota dal cliente",
        "Preferenze di consegna",
        "Notă despre client",
        "Observații la livrare",
    ],
}
COMMENT_TEXTS = [
    "Il cliente chiede uno sconto del 5% sul rinnovo annuale.",
    "Ho inviato il preventivo aggiornato, attendiamo conferma entro venerdì.",
    "Clientul dorește livrarea în două tranșe.",
    "Discutat con l'ufficio acquisti: budget approvato per il prossimo trimestre.",
    "Am trimis contractul semnat, urmează factura proformă.",
    "Richiesta una demo per il reparto logistica.",
]


@functools.lru_cache(maxsize=8192)
def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


@dataclass
class Pools:
    first_it: list[str]
    last_it: list[str]
    first_ro: list[str]
    last_ro: list[str]
    cities_it: list[tuple[str, str, str]] = field(default_factory=list)  # city, postcode, province
    cities_ro: list[tuple[str, str, str]] = field(default_factory=list)
    streets_it: list[str] = field(default_factory=list)
    streets_ro: list[str] = field(default_factory=list)


def build_pools(seed: int, size: int = 400) -> Pools:
    it, ro = Faker("it_IT"), Faker("ro_RO")
    it.seed_instance(seed)
    ro.seed_instance(seed + 1)
    pools = Pools(
        first_it=sorted({it.first_name() for _ in range(size)}),
        last_it=sorted({it.last_name() for _ in range(size)}),
        first_ro=sorted({ro.first_name() for _ in range(size)}),
        last_ro=sorted({ro.last_name() for _ in range(size)}),
    )
    pools.cities_it = [(it.city(), it.postcode(), it.state_abbr()) for _ in range(size // 4)]
    pools.cities_ro = [(ro.city(), ro.postcode(), ro.state()) for _ in range(size // 4)]
    pools.streets_it = [it.street_address() for _ in range(size)]
    pools.streets_ro = [ro.street_address() for _ in range(size)]
    return pools


class FastRandom(random.Random):
    """``choice``/``randrange`` through ``random()``: several times faster than the
    rejection sampling of the standard methods, still deterministic for a seed."""

    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None, step=1):  # type: ignore[no-untyped-def, override]
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


def phone(rng: random.Random, country: str, mobile: bool = True) -> str:
    if country == "IT":
        if mobile:
            return f"+39{rng.choice(IT_MOBILE)}{rng.randrange(10**6, 10**7)}"
        return f"+3906{rng.randrange(10**7, 10**8)}"
    if mobile:
        return f"+40{rng.choice(RO_MOBILE)}{rng.randrange(10**5, 10**6)}"
    return f"+4021{rng.randrange(10**6, 10**7)}"


def vat_number(rng: random.Random, country: str) -> str:
    if country == "IT":
        base = f"{rng.randrange(10**6, 10**7):07d}{rng.randrange(1, 101):03d}"
        return f"IT{base}{luhn.calc_check_digit(base)}"
    base = str(rng.randrange(10**5, 10**8))
    return f"RO{base}{cui.calc_check_digit(base)}"
