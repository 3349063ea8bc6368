"""Column names people give each field in English, Italian and Romanian spreadsheets and
in other CRMs' exports. Compared folded (no case, accents or punctuation: "P.IVA" is
"p iva", "Județ" is "judet"), so each is written once. ``ENTITY_SYNONYMS`` holds the
names whose meaning depends on the record type ("Denumire" is a company's name in a
company file, a product's in a product file; "Nume" is a Romanian surname)."""

from __future__ import annotations

COMPANY_WORDS = (
    "company", "company name", "organization", "organisation", "account", "account name",
    "business", "employer", "azienda", "nome azienda", "societa", "ditta", "ragione sociale",
    "denominazione", "impresa", "cliente", "firma", "nume firma", "companie", "societate",
    "denumire firma", "denumire societate", "organizatie",
)  # fmt: skip

SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "first name", "firstname", "first", "given name", "forename", "nome", "nome proprio",
        "prenume", "prenumele",
    ),
    "last_name": (
        "last name", "lastname", "surname", "family name", "cognome", "nume de familie",
        "numele", "nume",
    ),
    "full_name": (
        "full name", "name", "contact name", "display name", "nome completo", "nominativo",
        "nome e cognome", "cognome e nome", "referente", "nume complet", "nume si prenume",
        "nume prenume", "persoana de contact",
    ),
    "email": (
        "email", "e mail", "email address", "e mail address", "mail", "indirizzo email",
        "posta elettronica", "adresa email", "adresa de email", "adresa e mail",
    ),
    "phone": (
        "phone", "telephone", "tel", "phone number", "work phone", "business phone",
        "office phone", "telefono", "numero di telefono", "telefono fisso", "fisso",
        "telefono ufficio", "telefon", "nr telefon", "numar telefon", "numar de telefon",
        "telefon fix",
    ),
    "mobile": (
        "mobile", "mobile phone", "mobile number", "cell", "cell phone", "cellphone",
        "cellulare", "telefono cellulare", "cell", "mobile", "telefon mobil", "mobil",
        "nr mobil",
    ),
    "company_name": COMPANY_WORDS,
    "company_external_id": ("company id", "id azienda", "codice azienda", "id companie", "cod companie"),
    "company_vat_number": ("company vat", "partita iva azienda", "cui companie"),
    "contact_email": ("contact email", "email contatto", "email referente", "email contact"),
    "contact_external_id": ("contact id", "id contatto", "id contact", "cod contact"),
    "customer_external_id": (
        "customer id", "customer", "customer code", "id cliente", "codice cliente", "cliente",
        "cod client", "id client", "client",
    ),
    "vat_number": (
        "vat", "vat number", "vat no", "vat id", "vat code", "tax id", "tax number",
        "partita iva", "p iva", "piva", "numero partita iva", "numero iva", "cod fiscal",
        "cui", "cif", "cod unic de inregistrare", "cod tva", "cod de tva", "cod fiscal cui",
    ),
    "industry": (
        "industry", "sector", "settore", "settore merceologico", "industria", "ramo",
        "attivita", "domeniu", "domeniu de activitate", "industrie", "caen",
    ),
    "website": (
        "website", "web site", "web", "site", "url", "homepage", "sito", "sito web",
        "sito internet", "site web", "pagina web", "adresa web",
    ),
    "country": (
        "country", "nation", "paese", "nazione", "nazionalita", "tara", "stat",
        "country code", "codice paese", "cod tara",
    ),
    "employees": (
        "employees", "employee count", "number of employees", "headcount", "staff",
        "dipendenti", "numero dipendenti", "n dipendenti", "nr dipendenti", "angajati",
        "numar angajati", "nr angajati", "numar de angajati",
    ),
    "notes": (
        "notes", "note", "comments", "comment", "remarks", "annotazioni", "osservazioni",
        "commenti", "observatii", "mentiuni", "comentarii", "notite",
    ),
    "external_id": (
        "id", "external id", "external code", "code", "customer id", "customer code",
        "customer number", "uid", "codice", "codice cliente", "id cliente", "numero cliente",
        "cod", "cod client", "id client", "id extern",
    ),
    "job_title": (
        "job title", "title", "position", "role", "job", "qualifica", "ruolo", "posizione",
        "mansione", "funzione", "carica", "titolo", "functie", "functia", "post", "pozitie",
        "titlu",
    ),
    "language": ("language", "lang", "lingua", "limba", "idioma", "locale"),
    "address_street": (
        "street", "address", "street address", "address line 1", "address 1", "indirizzo",
        "via", "strada", "adresa", "sedio", "sede", "sediu", "strada si numar",
    ),
    "address_city": (
        "city", "town", "locality", "citta", "comune", "localita", "oras", "localitate",
        "municipiu", "municipio",
    ),
    "address_postal_code": (
        "postal code", "postcode", "post code", "zip", "zip code", "cap", "c a p",
        "codice postale", "cod postal",
    ),
    "address_region": (
        "region", "state", "province", "county", "provincia", "prov", "regione", "judet",
        "judetul", "sector",
    ),
    "address_country": ("address country", "paese indirizzo", "tara adresa"),
    "address_kind": ("address type", "address kind", "tipo indirizzo", "tip adresa"),
    "tags": ("tags", "tag", "labels", "label", "etichette", "etichetta", "etichete", "eticheta"),
    "source": (
        "source", "lead source", "origin", "channel", "fonte", "provenienza", "origine",
        "canale", "sursa", "sursa lead", "canal",
    ),
    "status": ("status", "stato", "stato lead", "stare", "status lead"),
    "pipeline": ("pipeline", "sales pipeline", "pipeline di vendita", "flusso"),
    "stage": ("stage", "phase", "deal stage", "fase", "stadio", "etapa", "stadiu", "faza"),
    "amount": ("amount", "value", "deal value", "importo", "valore", "valoare", "suma"),
    "currency": ("currency", "valuta", "divisa", "moneta", "moneda"),
    "probability": ("probability", "probability %", "probabilita", "probabilitate", "%"),
    "expected_close_date": (
        "expected close date", "close date", "closing date", "expected close",
        "data chiusura", "data chiusura prevista", "data di chiusura prevista",
        "data inchidere", "data estimata de inchidere", "data estimata inchidere",
    ),
    "close_reason": ("close reason", "won lost reason", "reason", "motivo", "motiv"),
    "sku": (
        "sku", "code", "product code", "item code", "article number", "codice",
        "codice articolo", "codice prodotto", "cod", "cod produs", "cod articol",
    ),
    "description": ("description", "descrizione", "descriere", "details", "dettagli", "detalii"),
    "unit_price": (
        "price", "unit price", "list price", "prezzo", "prezzo unitario", "prezzo di listino",
        "listino", "pret", "pret unitar", "pret de lista",
    ),
    "vat_rate": (
        "vat rate", "vat %", "tax rate", "aliquota", "aliquota iva", "iva", "iva %",
        "cota tva", "tva", "tva %",
    ),
    "is_active": ("active", "enabled", "attivo", "activ", "in vendita"),
    "kind": ("type", "kind", "activity type", "tipo", "tipo attivita", "tip", "tip activitate"),
    "subject": ("subject", "title", "oggetto", "titolo", "subiect", "titlu"),
    "due_at": (
        "due", "due date", "due at", "deadline", "when", "date", "data", "scadenza", "data scadenza",
        "termine", "termen", "data scadenta", "scadenta",
    ),
    "priority": ("priority", "priorita", "prioritate", "importanza", "importanta"),
    "moment": ("moment of truth", "momento della verita", "moment al adevarului"),
    "number": (
        "order id", "order number", "order no", "order", "ordine", "numero ordine",
        "n ordine", "id ordine", "comanda", "numar comanda", "nr comanda", "id comanda",
    ),
    "ordered_on": (
        "order date", "date", "ordered on", "data", "data ordine", "data comanda", "data comenzii",
        "data dell ordine",
    ),
    "total": (
        "total", "amount", "order total", "totale", "importo", "totale ordine", "total comanda",
        "valoare", "suma",
    ),
    "cost": ("cost", "costo", "costi", "cost comanda", "costo ordine"),
}  # fmt: skip

ENTITY_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "company": {
        "name": (*COMPANY_WORDS, "name", "nome", "denumire", "nume", "denumirea"),
        "email": ("pec", "email aziendale", "email firma"),
        "phone": ("telefono azienda", "telefon firma"),
    },
    "product": {
        "name": (
            "name", "product", "product name", "item", "nome", "prodotto", "nome prodotto",
            "articolo", "denumire", "denumire produs", "produs", "nume", "nume produs",
        ),
    },
    "deal": {
        "title": (
            "title", "name", "deal", "deal name", "opportunity", "opportunity name", "nome",
            "titolo", "trattativa", "opportunita", "oportunitate", "denumire", "nume",
        ),
    },
    "lead": {
        "company_name": COMPANY_WORDS,
    },
    "order": {
        "status": ("status", "order status", "stato ordine", "stare comanda"),
    },
}  # fmt: skip
