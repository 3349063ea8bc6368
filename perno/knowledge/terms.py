"""The words an article is suggested by, and the words of a text that suggest articles.

Words are the search index's tokens (``perno.search.text.words``: lower case, accents
removed, so "perché", "perche" and "Perché" are one word), without the most common words
of Italian, Romanian and English and without words shorter than three letters."""

from __future__ import annotations

from collections import Counter

from perno.search.text import fold, words

MIN_LENGTH = 3
MAX_LENGTH = 64
TITLE_WEIGHT = 4  # a word of the title counts as this many mentions in the text
MAX_MENTIONS = 5  # a word repeated more often than this counts as this often
MAX_ARTICLE_TERMS = 300  # per version, the heaviest words
MAX_TEXT_CHARS = 20_000  # of a case's text, the rest is not read
MAX_QUERY_TERMS = 32

_STOPWORDS = """
a ad al all alla alle allo agli ai anche ancora avere aveva ce che chi ci come con
contro cosa cui da dal dalla dalle dagli dai dei del della delle dello degli di dopo
dove due e ed era erano essere fa fare gli ha hanno ho il in io la le lei li lo loro
lui ma me mi mia mie miei mio ne nei nel nella nelle nello negli no noi non nostra
nostro o ogni per perche piu poi puo quale quando quanto quella quelle quelli quello
questa queste questi questo qui se sei si sia siamo siete sono su sua sue sui sul sulla
sulle suo suoi ti tra tu tua tue tuo tuoi tutti tutto un una uno vi voi vostra vostro
gia solo molto ecco stato stata stati sempre buongiorno buonasera grazie salve cordiali
saluti gentile gentili distinti
acest aceasta aceste acestea acesti acel acea aceia acelea ai al ale am ar are as asa
asta astazi avea avem aveti azi ca cand care cat ce cei cel cele cu cum da dar de
decat deci din dintre doar dupa ea ei el ele este eu fara fi fie fiecare fost iar il
in inca insa intr intre isi la le li lor lui mai mea mei mele mi mult multe nici noi
nostru nu o or ori pe pentru poate prin sa sau se si sunt sa sub ta tale tau te tot
toata toate toti tu un una unei unor unui va voi vostru buna ziua multumesc salut
stimate stimata
a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for
from further had has have having he her here hers herself him himself his how i if in
into is it its itself just me more most my myself no nor not now of off on once only
or other our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you
your yours yourself yourselves hello hi dear thanks thank please regards best kind
"""
STOPWORDS = frozenset(fold(word) for word in _STOPWORDS.split())


def keep(word: str) -> bool:
    """Whether ``word`` (a folded token) says something about a text."""
    return MIN_LENGTH <= len(word) <= MAX_LENGTH and word not in STOPWORDS and not word.isdecimal()


def article_terms(title: str, text: str) -> dict[str, int]:
    """The weighted words of a version: mentions in its text (at most ``MAX_MENTIONS``)
    plus ``TITLE_WEIGHT`` for a word of its title; the ``MAX_ARTICLE_TERMS`` heaviest."""
    weights: dict[str, int] = {
        word: min(count, MAX_MENTIONS)
        for word, count in Counter(w for w in words(text) if keep(w)).items()
    }
    for word in {w for w in words(title) if keep(w)}:
        weights[word] = weights.get(word, 0) + TITLE_WEIGHT
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
    return dict(ranked[:MAX_ARTICLE_TERMS])


def query_terms(text: str) -> list[str]:
    """The words of a text (a case's subject and description) to look articles up by:
    the ``MAX_QUERY_TERMS`` most repeated (then longest) of its first ``MAX_TEXT_CHARS``
    characters."""
    counts = Counter(w for w in words((text or "")[:MAX_TEXT_CHARS]) if keep(w))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))
    return [word for word, _count in ranked[:MAX_QUERY_TERMS]]
