"""helpgen: turn a cStar knowledge base and community into a static help center."""

__version__ = "0.1.0"
