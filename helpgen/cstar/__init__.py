"""helpgen's Python ports of cStar's ``LibraryClient`` and ``CommunityClient``, on httpx.

The public surface is re-exported here; the work lives in private modules named for what
they hold: ``_errors`` (the exception tree), ``_transport`` (HTTP, retries, 429, ETags,
rate-limit state, stats), ``_models`` (typed models and tolerant JSON), ``library`` and
``community`` (thin resource clients), ``admin`` (``CStarClient``: the secret-key articles
list/get used only by draft previews).
"""

from ._errors import (
    CStarConnectionError,
    CStarError,
    CStarNotFoundError,
    CStarRateLimitError,
    CStarResponseError,
)
from ._models import (
    POST_STATUSES,
    Article,
    ArticlePage,
    ArticleSummary,
    Attachment,
    Category,
    Comment,
    LibraryStats,
    Pagination,
    Post,
    PostPage,
    PostThread,
    SearchResults,
    Topic,
)
from ._transport import DEFAULT_BASE_URL, APIResponse, CStarTransport, RateLimit, TransportStats
from .admin import CStarClient
from .community import CommunityClient
from .library import LibraryClient

__all__ = [
    "DEFAULT_BASE_URL",
    "LibraryClient",
    "CommunityClient",
    "CStarClient",
    "CStarTransport",
    "APIResponse",
    "RateLimit",
    "TransportStats",
    "CStarError",
    "CStarNotFoundError",
    "CStarRateLimitError",
    "CStarConnectionError",
    "CStarResponseError",
    "Category",
    "Article",
    "ArticleSummary",
    "ArticlePage",
    "Pagination",
    "LibraryStats",
    "Topic",
    "Post",
    "PostPage",
    "PostThread",
    "Comment",
    "Attachment",
    "SearchResults",
    "POST_STATUSES",
]
