"""The knowledge base is business content: articles, their versions and categories hold
no personal data of customers. A version names its author, a user: users are anonymized,
not deleted, when erased (``accounts.privacy``), so the link stays and shows the
anonymized user."""

from perno.core.privacy import declare
from perno.knowledge.models import Article, ArticleCategory, ArticleTerm, ArticleVersion

declare(ArticleCategory, personal={}, not_personal={"name"})
declare(
    Article,
    personal={},
    not_personal={"slug", "title", "visibility", "status", "language"},
)
declare(
    ArticleVersion,
    personal={},
    not_personal={"language", "title", "body", "format", "html", "note"},
)
declare(ArticleTerm, personal={}, not_personal={"term"})
