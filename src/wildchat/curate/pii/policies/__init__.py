"""Redaction policies by name: `wildchat-1m` (the paper's rules, the default) and `strict`."""

from __future__ import annotations

from wildchat.curate.pii.policies.base import Plan, Policy
from wildchat.curate.pii.policies.strict import StrictPolicy
from wildchat.curate.pii.policies.wildchat1m import WildChat1MPolicy

DEFAULT_POLICY = "wildchat-1m"
POLICY_NAMES = ("wildchat-1m", "strict")


def make_policy(policy: str | Policy) -> Policy:
    """A policy object from its name (or the object itself)."""
    if isinstance(policy, Policy):
        return policy
    if policy == "wildchat-1m":
        return WildChat1MPolicy()
    if policy == "strict":
        return StrictPolicy()
    raise ValueError(f"unknown PII policy {policy!r}; expected one of {', '.join(POLICY_NAMES)}")


__all__ = [
    "DEFAULT_POLICY",
    "POLICY_NAMES",
    "Plan",
    "Policy",
    "StrictPolicy",
    "WildChat1MPolicy",
    "make_policy",
]
