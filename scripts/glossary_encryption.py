"""Italian and Romanian for encryption at rest (fields marked sensitive, keys,
re-encryption), merged into ``translate.GLOSSARY``."""

from __future__ import annotations

ENCRYPTION: dict[str, tuple[object, object]] = {
    "Re-encryption started.": ("Nuova cifratura avviata.", "Recriptarea a început."),
    "Saved. The stored values are being re-encrypted.": (
        "Salvato. I valori memorizzati sono in corso di cifratura.",
        "Salvat. Valorile stocate sunt recriptate.",
    ),
    "Nothing changed.": ("Nessuna modifica.", "Nimic nu s-a schimbat."),
    "Encryption": ("Cifratura", "Criptare"),
    "Re-encryption runs": ("Esecuzioni della nuova cifratura", "Rulări ale recriptării"),
    "key %(key)s": ("chiave %(key)s", "cheia %(key)s"),
    "%(n)s record checked": (
        ("%(n)s record controllato", "%(n)s record controllati"),
        (
            "%(n)s înregistrare verificată",
            "%(n)s înregistrări verificate",
            "%(n)s de înregistrări verificate",
        ),
    ),
    "Encryption at rest": ("Cifratura dei dati a riposo", "Criptarea datelor stocate"),
    "The values of the fields ticked here are stored encrypted (AES-256-GCM) with the keys of PERNO_ENCRYPTION_KEYS, kept outside the database and its backups. They are not searchable and the change history keeps no copy of them; the privacy look-up finds custom fields such as a tax code or an IBAN by their exact value. Users who may read a record still see them.": (
        "I valori dei campi selezionati qui sono memorizzati cifrati (AES-256-GCM) con le chiavi di PERNO_ENCRYPTION_KEYS, conservate fuori dal database e dai suoi backup. Non sono ricercabili e lo storico delle modifiche non ne conserva copia; la ricerca privacy trova i campi personalizzati come un codice fiscale o un IBAN con il loro valore esatto. Gli utenti che possono leggere un record continuano a vederli.",
        "Valorile câmpurilor bifate aici sunt stocate criptat (AES-256-GCM) cu cheile din PERNO_ENCRYPTION_KEYS, păstrate în afara bazei de date și a copiilor ei de rezervă. Nu pot fi căutate, iar istoricul modificărilor nu le păstrează; căutarea de confidențialitate găsește câmpurile personalizate, precum un cod numeric personal sau un IBAN, după valoarea lor exactă. Utilizatorii care pot citi o înregistrare le văd în continuare.",
    ),
    "Keys": ("Chiavi", "Chei"),
    "Configured keys:": ("Chiavi configurate:", "Chei configurate:"),
    "current": ("attuale", "curentă"),
    "To rotate: generate a key with `perno keys generate ID`, put it first in PERNO_ENCRYPTION_KEYS with the old keys after it, restart Perno, then re-encrypt. Remove an old key only once a re-encryption under the new one has finished.": (
        "Per ruotare: genera una chiave con `perno keys generate ID`, mettila per prima in PERNO_ENCRYPTION_KEYS seguita dalle chiavi precedenti, riavvia Perno, poi cifra di nuovo. Togli una chiave precedente solo quando una nuova cifratura con la nuova chiave è terminata.",
        "Pentru rotire: generați o cheie cu `perno keys generate ID`, puneți-o prima în PERNO_ENCRYPTION_KEYS, urmată de cheile vechi, reporniți Perno, apoi recriptați. Eliminați o cheie veche doar după ce o recriptare cu cea nouă s-a încheiat.",
    ),
    "Re-encrypt everything under key %(key)s": (
        "Cifra di nuovo tutto con la chiave %(key)s",
        "Recriptează totul cu cheia %(key)s",
    ),
    "No encryption key is configured: set PERNO_ENCRYPTION_KEYS (generate a key with `perno keys generate ID`) and restart Perno before marking fields.": (
        "Nessuna chiave di cifratura configurata: imposta PERNO_ENCRYPTION_KEYS (genera una chiave con `perno keys generate ID`) e riavvia Perno prima di selezionare i campi.",
        "Nu este configurată nicio cheie de criptare: setați PERNO_ENCRYPTION_KEYS (generați o cheie cu `perno keys generate ID`) și reporniți Perno înainte de a marca câmpuri.",
    ),
    "Nothing to encrypt yet: add custom fields first.": (
        "Ancora niente da cifrare: aggiungi prima dei campi personalizzati.",
        "Nimic de criptat încă: adăugați mai întâi câmpuri personalizate.",
    ),
    "may not start with “%(prefix)s”: it marks encrypted values": (
        "non può iniziare con “%(prefix)s”: indica i valori cifrati",
        "nu poate începe cu „%(prefix)s”: marchează valorile criptate",
    ),
    "A value may not start with “%(prefix)s”: it marks encrypted values.": (
        "Un valore non può iniziare con “%(prefix)s”: indica i valori cifrati.",
        "O valoare nu poate începe cu „%(prefix)s”: marchează valorile criptate.",
    ),
    "marked": ("selezionato il", "marcat la"),
    "encrypted field": ("campo cifrato", "câmp criptat"),
    "encrypted fields": ("campi cifrati", "câmpuri criptate"),
    "%(field)s is marked sensitive, but no encryption key is configured. Set PERNO_ENCRYPTION_KEYS (generate a key with `perno keys generate`).": (
        "%(field)s è indicato come sensibile, ma nessuna chiave di cifratura è configurata. Imposta PERNO_ENCRYPTION_KEYS (genera una chiave con `perno keys generate`).",
        "%(field)s este marcat ca sensibil, dar nu este configurată nicio cheie de criptare. Setați PERNO_ENCRYPTION_KEYS (generați o cheie cu `perno keys generate`).",
    ),
    "%(field)s holds a malformed encrypted value.": (
        "%(field)s contiene un valore cifrato non valido.",
        "%(field)s conține o valoare criptată deformată.",
    ),
    "A value of %(field)s is encrypted with key “%(key)s”, which PERNO_ENCRYPTION_KEYS does not hold. Put that key back in the list (keep old keys until `perno keys rotate` has finished).": (
        "Un valore di %(field)s è cifrato con la chiave “%(key)s”, che PERNO_ENCRYPTION_KEYS non contiene. Rimetti quella chiave nell'elenco (conserva le chiavi precedenti finché `perno keys rotate` non è terminato).",
        "O valoare din %(field)s este criptată cu cheia „%(key)s”, pe care PERNO_ENCRYPTION_KEYS nu o conține. Puneți cheia înapoi în listă (păstrați cheile vechi până când `perno keys rotate` s-a încheiat).",
    ),
    "A value of %(field)s does not decrypt with key “%(key)s”: the key is wrong or the value was altered.": (
        "Un valore di %(field)s non si decifra con la chiave “%(key)s”: la chiave è sbagliata o il valore è stato alterato.",
        "O valoare din %(field)s nu se decriptează cu cheia „%(key)s”: cheia este greșită sau valoarea a fost modificată.",
    ),
    "Fields are marked sensitive but PERNO_ENCRYPTION_KEYS is empty. Set it (generate a key with `perno keys generate`) and restart Perno.": (
        "Ci sono campi indicati come sensibili ma PERNO_ENCRYPTION_KEYS è vuoto. Impostalo (genera una chiave con `perno keys generate`) e riavvia Perno.",
        "Există câmpuri marcate ca sensibile, dar PERNO_ENCRYPTION_KEYS este gol. Setați-l (generați o cheie cu `perno keys generate`) și reporniți Perno.",
    ),
    "A re-encryption is already under way; wait until it has finished.": (
        "Una nuova cifratura è già in corso; attendi che termini.",
        "O recriptare este deja în curs; așteptați să se încheie.",
    ),
    "No encryption key is configured. Set PERNO_ENCRYPTION_KEYS (generate a key with `perno keys generate`), restart Perno, then mark the fields.": (
        "Nessuna chiave di cifratura configurata. Imposta PERNO_ENCRYPTION_KEYS (genera una chiave con `perno keys generate`), riavvia Perno, poi seleziona i campi.",
        "Nu este configurată nicio cheie de criptare. Setați PERNO_ENCRYPTION_KEYS (generați o cheie cu `perno keys generate`), reporniți Perno, apoi marcați câmpurile.",
    ),
    "A re-encryption is under way; change the fields when it has finished.": (
        "È in corso una nuova cifratura; modifica i campi quando sarà terminata.",
        "O recriptare este în curs; modificați câmpurile după ce se încheie.",
    ),
    "running": ("in corso", "în curs"),
    "started": ("avviata", "începută"),
    "finished": ("terminata", "încheiată"),
    "current key": ("chiave attuale", "cheia curentă"),
    "records to check": ("record da controllare", "înregistrări de verificat"),
    "records checked": ("record controllati", "înregistrări verificate"),
    "counts": ("conteggi", "numărători"),
    "error": ("errore", "eroare"),
    "key rotation": ("rotazione delle chiavi", "rotirea cheilor"),
    "key rotations": ("rotazioni delle chiavi", "rotiri ale cheilor"),
    "Encrypted data cannot be read: %(problem)s Ask the administrator to fix PERNO_ENCRYPTION_KEYS and restart Perno.": (
        "I dati cifrati non si possono leggere: %(problem)s Chiedi all'amministratore di correggere PERNO_ENCRYPTION_KEYS e di riavviare Perno.",
        "Datele criptate nu pot fi citite: %(problem)s Cereți administratorului să corecteze PERNO_ENCRYPTION_KEYS și să repornească Perno.",
    ),
    "encrypted at rest": ("cifrato a riposo", "criptat la stocare"),
}
