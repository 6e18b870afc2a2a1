"""Reviewing flagged cases from pull-request comments: ``/safety-review relabel|accept|reset|status``.

Where things live (docs/action.md, "Review commands"):

- the per-case results a review re-gates are the gate run's **workflow artifact** for the
  pull request's head commit (both snapshots and ``review-setup.json``), found through the
  REST API's artifact listing, so the review job needs only ``actions: read``;
- the **decisions** are stored in the pull request's report comment, as a hidden block
  written by the token's own user, so they survive pushes with no extra permission.
"""

from safety_regression.github.review.carry import CarriedReview, carry_decisions, carry_in_action
from safety_regression.github.review.commands import CommandError, ReviewCommand, Verb, parse_command
from safety_regression.github.review.decisions import Decision, apply_decisions, decide
from safety_regression.github.review.event import CommentEvent, read_comment_event
from safety_regression.github.review.handler import ReviewContext, review_comment, review_context
from safety_regression.github.review.regate import ReviewSetup, regate

__all__ = [
    "CarriedReview",
    "CommandError",
    "CommentEvent",
    "Decision",
    "ReviewCommand",
    "ReviewContext",
    "ReviewSetup",
    "Verb",
    "apply_decisions",
    "carry_decisions",
    "carry_in_action",
    "decide",
    "parse_command",
    "read_comment_event",
    "regate",
    "review_comment",
    "review_context",
]
