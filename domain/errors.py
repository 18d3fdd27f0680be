"""The domain's own errors: one hierarchy, mapped to HTTP answers in one place (``web/errors.py``).

A use case raises the kind of refusal it means; the web layer decides the status code by kind,
never by the concrete class, so a new error in a new context needs no new mapping.
"""

from __future__ import annotations


class DomainError(Exception):
    """Something the domain refused; its message is shown to the staff member as it is."""


class NotFound(DomainError, LookupError):
    """No such thing for the acting hotel: the same answer for what belongs to another hotel."""


class Invalid(DomainError, ValueError):
    """The input cannot be used as it is (too long, empty, not one of the allowed values)."""


class Conflict(DomainError):
    """The thing is not in a state that allows this now (someone may have changed it first)."""


class Unavailable(DomainError):
    """A dependency cannot be reached right now; the caller may try again later."""
