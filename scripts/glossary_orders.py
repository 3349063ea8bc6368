"""Italian and Romanian for orders and their import (customer insight), merged into
``translate.GLOSSARY``."""

from __future__ import annotations

ORDERS: dict[str, tuple[object, object]] = {
    "external id": ("id esterno", "id extern"),
    "The customer's id in another system (shop, accounting), for imports.": (
        "L'id del cliente in un altro sistema (negozio, contabilità), per le importazioni.",
        "Id-ul clientului în alt sistem (magazin, contabilitate), pentru importuri.",
    ),
    "Another company already has this external id.": (
        "Un'altra azienda ha già questo id esterno.",
        "O altă companie are deja acest id extern.",
    ),
    "Another contact already has this external id.": (
        "Un altro contatto ha già questo id esterno.",
        "Un alt contact are deja acest id extern.",
    ),
    "“%(value)s” is not a date: write YYYY-MM-DD": (
        "“%(value)s” non è una data: scrivi AAAA-MM-GG",
        "„%(value)s” nu este o dată: scrieți AAAA-LL-ZZ",
    ),
    "“%(value)s” is not an amount, e.g. 12.50": (
        "“%(value)s” non è un importo, ad es. 12,50",
        "„%(value)s” nu este o sumă, de ex. 12,50",
    ),
    "the amount %(value)s is negative: enter refunds as their own documents": (
        "l'importo %(value)s è negativo: registra i rimborsi come documenti a sé",
        "suma %(value)s este negativă: înregistrați rambursările ca documente separate",
    ),
    "the amount %(value)s is too large": (
        "l'importo %(value)s è troppo grande",
        "suma %(value)s este prea mare",
    ),
    "The file needs a header line with the columns %(required)s (and optionally %(optional)s); missing: %(missing)s.": (
        "Il file deve avere una riga di intestazione con le colonne %(required)s (e facoltativamente %(optional)s); mancano: %(missing)s.",
        "Fișierul trebuie să aibă un rând de antet cu coloanele %(required)s (și opțional %(optional)s); lipsesc: %(missing)s.",
    ),
    "customer_id is empty": ("customer_id è vuoto", "customer_id este gol"),
    "customer_id is longer than 64 characters": (
        "customer_id supera i 64 caratteri",
        "customer_id are mai mult de 64 de caractere",
    ),
    "unknown currency “%(value)s”; known: %(known)s": (
        "valuta sconosciuta “%(value)s”; note: %(known)s",
        "monedă necunoscută „%(value)s”; cunoscute: %(known)s",
    ),
    "order_id is longer than 64 characters": (
        "order_id supera i 64 caratteri",
        "order_id are mai mult de 64 de caractere",
    ),
    "customer %(id)s asked to be forgotten (their data was erased); their orders are not imported": (
        "il cliente %(id)s ha chiesto di essere dimenticato (i suoi dati sono stati cancellati); i suoi ordini non vengono importati",
        "clientul %(id)s a cerut să fie uitat (datele sale au fost șterse); comenzile sale nu sunt importate",
    ),
    "Customer": ("Cliente", "Client"),
    "Imported order": ("Ordine importato", "Comandă importată"),
    "Confirmed": ("Confermato", "Confirmată"),
    "Entered": ("Inserito", "Introdusă"),
    "order id": ("id ordine", "id comandă"),
    "The order's id in the shop or accounting system; imports skip known ids.": (
        "L'id dell'ordine nel negozio o nella contabilità; le importazioni saltano gli id già noti.",
        "Id-ul comenzii în magazin sau în contabilitate; importurile sar peste id-urile cunoscute.",
    ),
    "date": ("data", "data"),
    "total": ("totale", "total"),
    "cost": ("costo", "cost"),
    "What the order cost you, for the profitability of the customer.": (
        "Quanto ti è costato l'ordine, per la redditività del cliente.",
        "Cât v-a costat comanda, pentru profitabilitatea clientului.",
    ),
    "order": ("ordine", "comandă"),
    "orders": ("ordini", "comenzi"),
    "quantity": ("quantità", "cantitate"),
    "order line": ("riga d'ordine", "linie de comandă"),
    "order lines": ("righe d'ordine", "linii de comandă"),
}
