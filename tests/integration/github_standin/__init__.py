"""A local GitHub REST stand-in, held to GitHub's own OpenAPI description (see server.py)."""

from .openapi import OpenApiSlice
from .server import GitHubStandIn

__all__ = ["GitHubStandIn", "OpenApiSlice"]
